//! Which files each link file's relative links could land on, by git blob id, kept under the
//! repository's git directory: a changed-only run must find every link that reaches a changed
//! file, and with this index it reads only the files whose content it has not seen before,
//! instead of all of them. Keyed by content, an entry never goes stale.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use gix::ObjectId;

/// The first line of the file: the format and the version of the tool that computed the
/// entries (a new version may read links differently, so it starts afresh).
fn header() -> String {
    format!("mlem-registry link index 1 {}", env!("CARGO_PKG_VERSION"))
}

/// The largest index read; a bigger file is ignored (and rewritten).
const MAX_BYTES: u64 = 256 << 20;

/// Blob id → the paths its relative links could land on.
#[derive(Debug, Default)]
pub struct LinkIndex {
    entries: HashMap<ObjectId, Box<[String]>>,
    added: usize,
    file: Option<PathBuf>,
}

impl LinkIndex {
    /// The index kept in `git_dir` (empty when there is none, or it cannot be read).
    pub fn load(git_dir: &Path) -> LinkIndex {
        let file = git_dir.join("mlem-registry").join("link-index");
        let mut index = LinkIndex {
            file: Some(file.clone()),
            ..LinkIndex::default()
        };
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            return index;
        };
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return index;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            return index;
        };
        let mut lines = text.lines();
        if lines.next() != Some(header().as_str()) {
            return index;
        }
        for line in lines {
            let mut fields = line.split('\t');
            let Some(Ok(id)) = fields.next().map(|hex| ObjectId::from_hex(hex.as_bytes())) else {
                continue;
            };
            index
                .entries
                .insert(id, fields.map(str::to_owned).collect());
        }
        index
    }

    /// What is known of blob `id`.
    pub fn get(&self, id: &ObjectId) -> Option<&[String]> {
        self.entries.get(id).map(|targets| &**targets)
    }

    /// Records what blob `id` links to.
    pub fn insert(&mut self, id: ObjectId, targets: Vec<String>) {
        // A tab or newline in a path would break the file's lines: such a blob is read each time.
        if targets.iter().any(|t| t.contains(['\t', '\n', '\r'])) {
            return;
        }
        if self.entries.insert(id, targets.into()).is_none() {
            self.added += 1;
        }
    }

    /// Writes the index back when it learnt something: to a new file renamed over the old, so
    /// that a run reading it at the same time sees the old or the new, never half of one.
    /// Failing to write only costs the next run time.
    pub fn save(&self) {
        let Some(file) = &self.file else { return };
        if self.added == 0 {
            return;
        }
        let Some(folder) = file.parent() else { return };
        if std::fs::create_dir_all(folder).is_err() {
            return;
        }
        let temporary = folder.join(format!("link-index.{}.tmp", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
            writeln!(out, "{}", header())?;
            for (id, targets) in &self.entries {
                write!(out, "{id}")?;
                for target in targets.iter() {
                    write!(out, "\t{target}")?;
                }
                writeln!(out)?;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })();
        if written.is_err() || std::fs::rename(&temporary, file).is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_learns_is_there_next_time() {
        let git_dir = tempfile::tempdir().unwrap();
        let id = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
        let other = ObjectId::from_hex(b"89abcdef0123456789abcdef0123456789abcdef").unwrap();
        let mut index = LinkIndex::load(git_dir.path());
        assert_eq!(index.get(&id), None);
        index.insert(
            id,
            vec!["models/rf.mlem".into(), ".mlem/model/models/rf.mlem".into()],
        );
        index.insert(other, Vec::new());
        index.insert(ObjectId::null(gix::hash::Kind::Sha1), vec!["a\tb".into()]);
        index.save();
        let again = LinkIndex::load(git_dir.path());
        assert_eq!(
            again.get(&id),
            Some(
                &[
                    "models/rf.mlem".to_owned(),
                    ".mlem/model/models/rf.mlem".to_owned()
                ][..]
            )
        );
        assert_eq!(again.get(&other), Some(&[][..]));
        assert_eq!(again.get(&ObjectId::null(gix::hash::Kind::Sha1)), None);
        // Another version's index is not trusted.
        let file = git_dir.path().join("mlem-registry/link-index");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replacen("index 1", "index 0", 1)).unwrap();
        assert_eq!(LinkIndex::load(git_dir.path()).get(&id), None);
    }
}
