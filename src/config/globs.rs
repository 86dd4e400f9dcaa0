//! The config's glob lists (`ignore`, `production`), matched in time that does not grow with the
//! number of patterns: a path is tried only against the patterns whose literal start it has.
//!
//! One `GlobSet` of 20,000 patterns outgrows the regex engine's DFA cache and falls back to an
//! NFA run per path; here each pattern is filed under its literal prefix (the text before its
//! first wildcard) and compiled only when a path first reaches it.

use std::collections::HashMap;
use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// A list of globs over repository-relative paths.
#[derive(Debug, Clone)]
pub struct Globs {
    /// Patterns by their literal prefix (non-empty), compiled on first use.
    by_prefix: HashMap<String, Bucket>,
    /// The lengths of those prefixes, sorted: a path is probed at these lengths only.
    lengths: Vec<usize>,
    /// Patterns that start with a wildcard: one set, tried on every path.
    anywhere: GlobSet,
}

/// The patterns sharing one literal prefix.
#[derive(Debug, Clone)]
struct Bucket {
    globs: Vec<Glob>,
    set: OnceLock<GlobSet>,
}

impl Globs {
    /// The list of `globs`; fails as `GlobSetBuilder::build` does.
    pub fn new(globs: Vec<Glob>) -> Result<Globs, globset::Error> {
        let mut by_prefix: HashMap<String, Bucket> = HashMap::new();
        let mut anywhere = GlobSetBuilder::new();
        for glob in globs {
            let prefix = literal_prefix(glob.glob());
            if prefix.is_empty() {
                anywhere.add(glob);
            } else {
                by_prefix
                    .entry(prefix.to_owned())
                    .or_insert_with(|| Bucket {
                        globs: Vec::new(),
                        set: OnceLock::new(),
                    })
                    .globs
                    .push(glob);
            }
        }
        let mut lengths: Vec<usize> = by_prefix.keys().map(String::len).collect();
        lengths.sort_unstable();
        lengths.dedup();
        Ok(Globs {
            by_prefix,
            lengths,
            anywhere: anywhere.build()?,
        })
    }

    /// Whether any pattern matches `path`.
    pub fn is_match(&self, path: &str) -> bool {
        if self.anywhere.is_match(path) {
            return true;
        }
        self.lengths
            .iter()
            .take_while(|&&len| len <= path.len())
            .filter(|&&len| path.is_char_boundary(len))
            .filter_map(|&len| self.by_prefix.get(&path[..len]))
            .any(|bucket| bucket.set().is_match(path))
    }
}

impl Bucket {
    fn set(&self) -> &GlobSet {
        self.set.get_or_init(|| {
            let mut set = GlobSetBuilder::new();
            for glob in &self.globs {
                set.add(glob.clone());
            }
            // Each glob built alone already; a set of them builds the same way.
            set.build().unwrap_or_else(|_| GlobSet::empty())
        })
    }
}

/// The text a pattern starts with before any wildcard, class, alternation or escape: every path
/// it matches starts with it.
fn literal_prefix(pattern: &str) -> &str {
    let end = pattern
        .find(['*', '?', '[', '{', '\\'])
        .unwrap_or(pattern.len());
    &pattern[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> Glob {
        globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .unwrap()
    }

    #[test]
    fn matches_exactly_what_one_globset_matches() {
        let patterns = [
            "a/**",
            "a/*.mlem",
            "**/x.mlem",
            "*.mlem",
            "b/c?d/*.mlem",
            "lit.mlem",
            "d/{x,y}/*.mlem",
            "e[0-9]/*",
            "f\\*g",
            "staging/**/*.mlem",
            "é/*.mlem",
        ];
        let paths = [
            "a",
            "a/",
            "a/b",
            "a/b/c.mlem",
            "x.mlem",
            "q/x.mlem",
            "top.mlem",
            "b/cxd/m.mlem",
            "b/cd/m.mlem",
            "lit.mlem",
            "lit.mlemx",
            "d/x/1.mlem",
            "d/z/1.mlem",
            "e5/k",
            "f*g",
            "fxg",
            "staging/a/b.mlem",
            "staging",
            "é/1.mlem",
            "éx",
            "",
        ];
        let mut one = GlobSetBuilder::new();
        for pattern in patterns {
            one.add(glob(pattern));
        }
        let one = one.build().unwrap();
        let split = Globs::new(patterns.iter().map(|p| glob(p)).collect()).unwrap();
        for path in paths {
            assert_eq!(split.is_match(path), one.is_match(path), "{path:?}");
        }
    }

    #[test]
    fn many_patterns_are_filed_by_prefix_and_compiled_only_when_reached() {
        let globs: Vec<Glob> = (0..20_000)
            .map(|i| glob(&format!("team{i}/**/*.mlem")))
            .collect();
        let globs = Globs::new(globs).unwrap();
        assert!(globs.is_match("team19999/a/b.mlem"));
        assert!(!globs.is_match("team20000/a/b.mlem"));
        assert!(!globs.is_match("other/a.mlem"));
        let compiled = globs
            .by_prefix
            .values()
            .filter(|bucket| bucket.set.get().is_some())
            .count();
        assert!(compiled <= 3, "{compiled} buckets compiled");
    }

    #[test]
    fn literal_prefixes_stop_at_the_first_special_character() {
        assert_eq!(literal_prefix("a/b*"), "a/b");
        assert_eq!(literal_prefix("**/x"), "");
        assert_eq!(literal_prefix("a{b,c}"), "a");
        assert_eq!(literal_prefix("a\\*"), "a");
        assert_eq!(literal_prefix("plain"), "plain");
    }
}
