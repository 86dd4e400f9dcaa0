//! One chain of links, followed hop by hop. Every walker (relative links in `check`, links into
//! other repositories, `resolve` and `link` following a name) keeps its chain here, so that the
//! length limit, cycles and the allow-list are decided once, the same way for all:
//!
//! - a chain passes through at most [`MAX_LINKS`] link files, the starting one included;
//! - coming back to a file already passed is a cycle;
//! - a hop past the first into a repository the allow-list refuses breaks the chain (the first
//!   hop is the link's own, judged as the link itself: `link/host-not-allowed`).

use super::ChainProblem;
use super::target::AllowList;

/// The most link files a chain passes, the starting one included (`link/chain-too-long`).
pub const MAX_LINKS: usize = 16;

/// The files a chain has passed, and how many of them are links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// Each file passed, by its key: a repository-relative path, or `REPO@COMMIT:PATH` in
    /// another repository.
    files: Vec<String>,
    /// Link files passed.
    links: usize,
}

impl Chain {
    /// A chain about to follow the link in the link file `origin` (its key), which counts.
    pub fn from_link_file(origin: String) -> Chain {
        Chain {
            files: vec![origin],
            links: 1,
        }
    }

    /// A chain about to follow a link whose file is not a key of this chain (a registry's link
    /// into another repository, a link not yet written): the link counts, no file is recorded.
    pub fn from_link() -> Chain {
        Chain {
            files: Vec::new(),
            links: 1,
        }
    }

    /// A chain that starts at a file not reached through a link (`resolve NAME`).
    pub fn new() -> Chain {
        Chain::default()
    }

    /// Arrives at the file `key`, a link file whose link is to be followed when `is_link`.
    /// `Err` says why the chain stops there: it came back to a file it passed (a cycle, the
    /// file listed twice), or it is now longer than [`MAX_LINKS`].
    pub fn arrive(&mut self, key: String, is_link: bool) -> Result<(), ChainProblem> {
        let again = self.files.contains(&key);
        self.files.push(key);
        if again {
            return Err(ChainProblem::Cycle(self.files.clone()));
        }
        if is_link {
            self.links += 1;
            if self.links > MAX_LINKS {
                return Err(ChainProblem::TooLong(self.files.clone()));
            }
        }
        Ok(())
    }

    /// Whether the chain may go on into repository `value` (a link's `project`/`repo`, past the
    /// first hop): `Err` breaks it where the allow-list refuses.
    pub fn may_enter(&self, allow: &AllowList, value: &str) -> Result<(), ChainProblem> {
        match allow.refuses(value) {
            None => Ok(()),
            Some(why) => Err(ChainProblem::Broken {
                chain: self.files.clone(),
                why: format!("it leads to `{value}`, which is not allowed: {why}"),
            }),
        }
    }

    /// The files passed, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(mut chain: Chain, files: &[(&str, bool)]) -> Result<Chain, ChainProblem> {
        for (key, is_link) in files {
            chain.arrive((*key).to_owned(), *is_link)?;
        }
        Ok(chain)
    }

    #[test]
    fn sixteen_links_pass_and_a_seventeenth_is_too_many() {
        let links: Vec<String> = (1..MAX_LINKS).map(|i| format!("l{i}")).collect();
        let mut files: Vec<(&str, bool)> = links.iter().map(|l| (l.as_str(), true)).collect();
        files.push(("model", false));
        let passed = walk(Chain::from_link_file("l0".into()), &files).unwrap();
        assert_eq!(passed.files().len(), MAX_LINKS + 1);
        // The same for a chain whose first link has no key here, and for one started at a name.
        assert!(walk(Chain::from_link(), &files).is_ok());
        let mut named = vec![("l0", true)];
        named.extend(files.iter().copied());
        assert!(walk(Chain::new(), &named).is_ok());
        files.insert(0, ("extra", true));
        let cut = walk(Chain::from_link_file("l0".into()), &files).unwrap_err();
        assert!(matches!(cut, ChainProblem::TooLong(ref files) if files.len() == MAX_LINKS + 1));
    }

    #[test]
    fn coming_back_is_a_cycle_listing_the_file_twice() {
        let cut = walk(
            Chain::from_link_file("a".into()),
            &[("b", true), ("a", true)],
        )
        .unwrap_err();
        assert_eq!(
            cut,
            ChainProblem::Cycle(vec!["a".into(), "b".into(), "a".into()])
        );
        let to_itself = walk(Chain::from_link_file("a".into()), &[("a", true)]).unwrap_err();
        assert_eq!(to_itself, ChainProblem::Cycle(vec!["a".into(), "a".into()]));
    }

    #[test]
    fn a_hop_the_allow_list_refuses_breaks_the_chain() {
        let allow = AllowList {
            github: vec!["github.com".into()],
            ..AllowList::default()
        };
        let chain = Chain::from_link_file("a".into());
        assert!(chain.may_enter(&allow, "https://github.com/o/r").is_ok());
        let broken = chain
            .may_enter(&allow, "https://evil.example/o/r")
            .unwrap_err();
        assert!(
            matches!(&broken, ChainProblem::Broken { why, .. } if why.contains("evil.example")),
            "{broken:?}"
        );
    }
}
