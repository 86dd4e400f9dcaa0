//! `config/changed`: what a change does to the policy that judges it, reported (the base's
//! policy decides; the change's own is only shown).

use std::path::Path;

use super::locate::Located;
use super::{Config, Error, FILE_NAME, PolicyAt};
use crate::finding::Finding;
use crate::rules;

/// What a change does to the policy that judges it: adds, edits or deletes a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    /// The config file, relative to the repository root.
    pub file: String,
    /// Its text in the change; `None` when the change deletes it.
    pub text: Option<String>,
    /// Where in that text the change starts (1-based line).
    pub line: usize,
    /// What the change does, e.g. "edits `allowed_hosts` in .mlem-registry.toml".
    pub what: String,
}

impl PolicyChange {
    /// How the config a change brings for `path` differs from the trusted one at `base`; the
    /// change's side is read as `change` has it. `None`: the change leaves the policy alone.
    pub fn between(
        explicit: Option<&Path>,
        path: &Path,
        base: &str,
        change: &PolicyAt,
    ) -> Result<Option<PolicyChange>, Error> {
        let trusted = Located::find(explicit, path, &PolicyAt::Revision(base.to_owned()))?;
        let changed = match Located::find(explicit, path, change) {
            Ok(changed) => changed,
            // The change's own config cannot stop the run: it is only reported.
            Err(error) => {
                let file = trusted
                    .as_ref()
                    .and_then(|t| t.relative.clone())
                    .unwrap_or_else(|| FILE_NAME.to_owned());
                return Ok(Some(PolicyChange {
                    what: format!(
                        "changes {file} into something that is not a usable config ({error})"
                    ),
                    file,
                    text: None,
                    line: 1,
                }));
            }
        };
        let relative = |l: &Located| l.relative.clone();
        Ok(match (trusted, changed) {
            (None, None) => None,
            (Some(old), None) => relative(&old).map(|file| PolicyChange {
                what: format!("deletes {file}"),
                file,
                text: None,
                line: 1,
            }),
            (None, Some(new)) => relative(&new).map(|file| PolicyChange {
                what: format!("adds {file}{}", keys_of(&new.text, "")),
                file,
                text: Some(new.text),
                line: 1,
            }),
            (Some(old), Some(new)) => {
                let (Some(old_file), Some(file)) = (relative(&old), relative(&new)) else {
                    return Ok(None);
                };
                if old_file != file && old.base.len() > new.base.len() {
                    // The nearer one is gone: its files would fall under an outer one.
                    Some(PolicyChange {
                        what: format!("deletes {old_file} (its files would fall under {file})"),
                        file: old_file,
                        text: None,
                        line: 1,
                    })
                } else if old_file != file {
                    Some(PolicyChange {
                        what: format!(
                            "adds {file}{}, which would replace {old_file} for these files",
                            keys_of(&new.text, "")
                        ),
                        file,
                        text: Some(new.text),
                        line: 1,
                    })
                } else if old.text == new.text {
                    None
                } else {
                    let line = old
                        .text
                        .lines()
                        .zip(new.text.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or_else(|| old.text.lines().count().min(new.text.lines().count()))
                        + 1;
                    let what = match Config::parse(&new.text, &file) {
                        Err(Error::Invalid { message, .. }) => {
                            format!(
                                "edits {file}, and its new text is not a valid config ({message})"
                            )
                        }
                        _ => format!("edits {}in {file}", keys_of(&new.text, &old.text)),
                    };
                    Some(PolicyChange {
                        file,
                        line: line.min(new_lines(&new.text)),
                        text: Some(new.text),
                        what,
                    })
                }
            }
        })
    }

    /// The finding that shows reviewers the change to the policy.
    pub fn finding(&self) -> Finding {
        let span = match &self.text {
            Some(text) => {
                let start: usize = text
                    .split_inclusive('\n')
                    .take(self.line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                crate::finding::Span::from_bytes(text, start, end)
            }
            None => crate::finding::Span::file_start(),
        };
        rules::config_changed::finding(&self.file, span, &self.what)
    }
}

/// The number of lines of `text`, at least 1.
fn new_lines(text: &str) -> usize {
    text.lines().count().max(1)
}

/// The top-level keys whose values differ between two config texts, as "`a`, `b` " (or, with
/// an empty `old`, as " (`a`, `b`)" for a new file); empty when they cannot be told.
fn keys_of(new: &str, old: &str) -> String {
    let table = |text: &str| toml::from_str::<toml::Table>(text).ok();
    let Some(new_table) = table(new) else {
        return String::new();
    };
    let old_table = table(old).unwrap_or_default();
    let mut keys: Vec<&String> = new_table
        .keys()
        .chain(old_table.keys())
        .filter(|key| new_table.get(*key) != old_table.get(*key))
        .collect();
    keys.sort();
    keys.dedup();
    let list = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match (list.is_empty(), old.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!(" ({list})"),
        (false, false) => format!("{list} "),
    }
}
