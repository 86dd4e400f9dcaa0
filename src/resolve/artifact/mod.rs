//! Artifacts behind a link: the files the model or data object a link lands on loads (its
//! weights, its data set). Each must exist at the target's commit, as MLEM would find it there:
//! committed to git with the size MLEM recorded, as a Git LFS pointer of that size ([`lfs`]), or
//! tracked by DVC with that md5 and size ([`dvc`]). Only sizes and small metadata files are
//! asked for, never an artifact's content.
//!
//! The check asks for [`Fact`]s about the target's repository; whoever runs it answers them
//! (the registry's own files for a relative link, the walk's questions for another repository)
//! and runs it again until every fact it needs is known.

pub mod dvc;
pub mod lfs;

use crate::mlem::Artifacts;
use crate::mlem::artifact::{Artifact, Place};
use crate::words::clip;

/// A fact about the target's repository, at the target's commit, that checking needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fact {
    /// Whether a file is at this path, and its size: never its content.
    Size(String),
    /// The text of a small metadata file at this path (a `.dvc` file, a `dvc.lock`, an LFS
    /// pointer).
    Text(String),
}

/// What a [`Fact`] turned out to be; a text is borrowed from where the answers are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<'t> {
    /// A file of this many bytes (the answer to [`Fact::Size`]).
    File(u64),
    /// The file's text (the answer to [`Fact::Text`]).
    Text(std::borrow::Cow<'t, str>),
    /// No file there (nothing, or a folder).
    Absent,
    /// A file, but not text that can be read (binary, too large).
    Unreadable,
    /// It could not be learned (network, rate limit, no way to read files there): why.
    Unverified(String),
}

/// How an artifact is stored where MLEM loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Committed to git: a blob of this many bytes.
    Git {
        /// The blob's size.
        size: u64,
    },
    /// A Git LFS pointer recording this size.
    Lfs {
        /// The size the pointer records.
        size: u64,
    },
    /// Tracked by DVC, as this `.dvc` file or `dvc.lock` records.
    Dvc {
        /// The file that records it.
        file: String,
        /// The tracked folder holding the artifact, when DVC tracks a folder.
        folder: Option<String>,
    },
}

impl std::fmt::Display for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Git { .. } => f.write_str("committed to git"),
            Storage::Lfs { .. } => f.write_str("a Git LFS pointer"),
            Storage::Dvc { file, folder: None } => write!(f, "tracked by DVC in `{file}`"),
            Storage::Dvc {
                file,
                folder: Some(folder),
            } => write!(f, "in folder `{folder}`, tracked by DVC in `{file}`"),
        }
    }
}

/// What was found for one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// There, as MLEM recorded it.
    Present {
        /// Its repository path.
        path: String,
        /// How it is stored.
        storage: Storage,
    },
    /// There, but its size or hash differs from what MLEM recorded.
    Mismatch {
        /// Its repository path.
        path: String,
        /// How it is stored.
        storage: Storage,
        /// What differs, e.g. "size 12 where MLEM recorded 163671".
        differences: Vec<String>,
    },
    /// Not there: MLEM cannot load the object.
    Missing {
        /// Its repository path, when the `uri` names one.
        path: Option<String>,
        /// Where it was looked for, or why no checkout can have it.
        why: String,
    },
    /// In remote storage (`s3://`, …), which is never contacted: not verified.
    Remote {
        /// The URI's scheme.
        scheme: String,
    },
    /// Its facts could not be learned: why.
    Unverified {
        /// Why.
        why: String,
    },
}

/// One artifact of the landing object, and what was found for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The artifact as the object records it.
    pub artifact: Artifact,
    /// What was found.
    pub state: State,
}

/// The artifacts of the object a link lands on, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    /// The object, as messages name it (`models/rf.mlem`, or `REPO/PATH@REV` in another
    /// repository).
    pub object: String,
    /// Each artifact checked, in the object's order.
    pub list: Vec<Checked>,
    /// How many more the object lists: not checked.
    pub unchecked: usize,
}

impl Checks {
    /// The checked artifacts whose state is `wanted`.
    pub fn with<'a>(
        &'a self,
        wanted: impl Fn(&State) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Checked> + 'a {
        self.list.iter().filter(move |c| wanted(&c.state))
    }
}

/// DVC records parse at most this many bytes in one pass of a run: a hostile repository can
/// hold megabytes of `dvc.lock` in every folder, and every link to it would parse them again.
pub const MAX_PARSED_BYTES: usize = 64 << 20;

/// The DVC records one pass has parsed, by where they are (`REPOSITORY@COMMIT:PATH`, or the path
/// in the registry), shared by every link that lands there, and the bytes parsed so far.
#[derive(Debug, Default)]
pub struct Records {
    parsed:
        std::sync::Mutex<std::collections::HashMap<String, Option<std::sync::Arc<dvc::Recorded>>>>,
    bytes: std::sync::atomic::AtomicUsize,
}

impl Records {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, Option<std::sync::Arc<dvc::Recorded>>>,
    > {
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What the file at `key` records, when it was parsed before.
    fn cached(&self, key: &str) -> Option<Option<std::sync::Arc<dvc::Recorded>>> {
        self.lock().get(key).cloned()
    }

    /// Parses `text`, the DVC record at `file` (kept as `key`), within the pass's budget; `Err`
    /// says the budget is spent.
    fn parse(
        &self,
        key: &str,
        file: &str,
        text: &str,
    ) -> Result<Option<std::sync::Arc<dvc::Recorded>>, String> {
        use std::sync::atomic::Ordering;
        let spent = self.bytes.fetch_add(text.len(), Ordering::Relaxed) + text.len();
        if spent > MAX_PARSED_BYTES {
            return Err(format!(
                "DVC records past {} MiB in this run were not read",
                MAX_PARSED_BYTES >> 20
            ));
        }
        let parsed = dvc::outputs(file, text).map(std::sync::Arc::new);
        self.lock().insert(key.to_owned(), parsed.clone());
        Ok(parsed)
    }
}

/// Checks `artifacts` of the object at `object_path` (normalized, in its repository; shown as
/// `shown`), with the facts `known` knows: `Err` lists every fact still needed, all at once.
/// DVC records are parsed once into `records`, under `scope` (`REPOSITORY@COMMIT:`, or `""` in
/// the registry).
pub fn check<'t>(
    object_path: &str,
    shown: &str,
    artifacts: &Artifacts,
    known: &dyn Fn(&Fact) -> Option<Known<'t>>,
    records: &Records,
    scope: &str,
) -> Result<Checks, Vec<Fact>> {
    let mut wanted = Vec::new();
    let mut list = Vec::with_capacity(artifacts.list.len());
    for artifact in &artifacts.list {
        let mut ask = |fact: Fact| {
            let answer = known(&fact);
            if answer.is_none() {
                wanted.push(fact);
            }
            answer
        };
        let state = match artifact.place(object_path) {
            Place::Remote(scheme) => Some(State::Remote { scheme }),
            Place::Outside(why) => Some(State::Missing { path: None, why }),
            Place::InRepository(path) => in_repository(path, artifact, &mut ask, records, scope),
        };
        if let Some(state) = state {
            list.push(Checked {
                artifact: artifact.clone(),
                state,
            });
        }
    }
    if !wanted.is_empty() {
        wanted.sort();
        wanted.dedup();
        return Err(wanted);
    }
    Ok(Checks {
        object: shown.to_owned(),
        list,
        unchecked: artifacts.more,
    })
}

/// The state of an artifact at `path` in the repository; `None` while a fact is unknown.
fn in_repository<'t>(
    path: String,
    artifact: &Artifact,
    ask: &mut dyn FnMut(Fact) -> Option<Known<'t>>,
    records: &Records,
    scope: &str,
) -> Option<State> {
    match ask(Fact::Size(path.clone()))? {
        Known::Unverified(why) => Some(State::Unverified { why }),
        Known::File(size) => match artifact.size {
            Some(recorded) if recorded != size => Some(blob_differs(path, size, recorded, ask)?),
            _ => Some(State::Present {
                path,
                storage: Storage::Git { size },
            }),
        },
        Known::Absent | Known::Unreadable | Known::Text(_) => {
            tracked_by_dvc(path, artifact, ask, records, scope)
        }
    }
}

/// A blob of `size` bytes where MLEM recorded `recorded`: an LFS pointer to the right size, or
/// a mismatch.
fn blob_differs<'t>(
    path: String,
    size: u64,
    recorded: u64,
    ask: &mut dyn FnMut(Fact) -> Option<Known<'t>>,
) -> Option<State> {
    let pointer = match size <= lfs::MAX_POINTER_BYTES {
        true => match ask(Fact::Text(path.clone()))? {
            Known::Text(text) => lfs::pointer_size(&text),
            Known::Unverified(why) => return Some(State::Unverified { why }),
            _ => None,
        },
        false => None,
    };
    let (storage, found) = match pointer {
        Some(lfs) if lfs == recorded => {
            let storage = Storage::Lfs { size: lfs };
            return Some(State::Present { path, storage });
        }
        Some(lfs) => (Storage::Lfs { size: lfs }, lfs),
        None => (Storage::Git { size }, size),
    };
    Some(State::Mismatch {
        path,
        storage,
        differences: vec![format!("size {found} where MLEM recorded {recorded}")],
    })
}

/// An artifact not in git: DVC's record of it (`PATH.dvc`, or a `dvc.lock` in its folder or
/// above), or missing. A record that cannot be read leaves it unverified, never missing.
fn tracked_by_dvc<'t>(
    path: String,
    artifact: &Artifact,
    ask: &mut dyn FnMut(Fact) -> Option<Known<'t>>,
    records: &Records,
    scope: &str,
) -> Option<State> {
    let mut files = vec![format!("{path}.dvc")];
    files.extend(dvc::lock_files(&path));
    // Every file asked at once: one round, not one per folder.
    let mut found = Vec::with_capacity(files.len());
    let mut waiting = false;
    let mut unverified = None;
    for file in &files {
        let key = format!("{scope}{file}");
        if let Some(parsed) = records.cached(&key) {
            found.push(parsed);
            continue;
        }
        let parsed = match ask(Fact::Text(file.clone())) {
            None => {
                waiting = true;
                None
            }
            Some(Known::Text(text)) => match records.parse(&key, file, &text) {
                Ok(parsed) => parsed,
                Err(why) => {
                    unverified.get_or_insert(why);
                    None
                }
            },
            Some(Known::Unverified(why)) => {
                unverified.get_or_insert(why);
                None
            }
            Some(Known::Unreadable) => {
                unverified.get_or_insert(format!(
                    "`{}` is over 1 MiB or not text, so what it records was not read",
                    clip(file)
                ));
                None
            }
            Some(Known::Absent | Known::File(_)) => None,
        };
        found.push(parsed);
    }
    if waiting {
        return None;
    }
    for (file, parsed) in files.iter().zip(found) {
        if let Some(output) = parsed.and_then(|recorded| recorded.find(&path)) {
            return Some(compare(path, file, output, artifact));
        }
    }
    if let Some(why) = unverified {
        return Some(State::Unverified { why });
    }
    Some(State::Missing {
        why: format!(
            "no file at `{}`, and neither `{}.dvc` nor a `dvc.lock` in {} records it",
            clip(&path),
            clip(&path),
            match files.len() - 2 {
                0 => "its folder".to_owned(),
                1 => "its folder or the one above it".to_owned(),
                n => format!("its folder or the {n} above it"),
            }
        ),
        path: Some(path),
    })
}

/// DVC's record of the artifact at `path`, in `file`, compared with MLEM's.
fn compare(path: String, file: &str, output: dvc::Output, artifact: &Artifact) -> State {
    let storage = Storage::Dvc {
        file: file.to_owned(),
        folder: output.folder,
    };
    let mut differences = Vec::new();
    if let (Some(dvc), Some(mlem)) = (&output.md5, &artifact.hash)
        && !dvc.eq_ignore_ascii_case(mlem)
    {
        differences.push(format!("md5 {dvc} where MLEM recorded {mlem}"));
    }
    if let (Some(dvc), Some(mlem)) = (output.size, artifact.size)
        && dvc != mlem
    {
        differences.push(format!("size {dvc} where MLEM recorded {mlem}"));
    }
    match differences.is_empty() {
        true => State::Present { path, storage },
        false => State::Mismatch {
            path,
            storage,
            differences,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const MD5: &str = "96f5441d1cfa935583836702a3edd3d1";

    fn model(uri: &str) -> Artifacts {
        Artifacts {
            list: vec![Artifact {
                name: "data".into(),
                uri: uri.into(),
                hash: Some(MD5.into()),
                size: Some(163_671),
            }]
            .into_boxed_slice(),
            more: 0,
        }
    }

    /// Checks `models/rf.mlem`'s artifact `uri` against a repository of `files` (path, size or
    /// text), answering rounds until done; the states and the rounds it took.
    fn run(uri: &str, files: &[(&str, Known)]) -> (Vec<State>, usize) {
        let files: HashMap<&str, &Known> = files.iter().map(|(p, k)| (*p, k)).collect();
        let answer = |fact: &Fact| -> Known {
            let (Fact::Size(path) | Fact::Text(path)) = fact;
            match (fact, files.get(path.as_str())) {
                (_, None) => Known::Absent,
                (_, Some(Known::Unverified(why))) => Known::Unverified(why.clone()),
                (Fact::Size(_), Some(Known::Text(text))) => Known::File(text.len() as u64),
                (Fact::Size(_), Some(known)) => (*known).clone(),
                (Fact::Text(_), Some(Known::File(_))) => Known::Unreadable,
                (Fact::Text(_), Some(known)) => (*known).clone(),
            }
        };
        let mut memo: HashMap<Fact, Known> = HashMap::new();
        let records = Records::default();
        for round in 1..10 {
            let known = |fact: &Fact| memo.get(fact).cloned();
            match check(
                "models/rf.mlem",
                "models/rf.mlem",
                &model(uri),
                &known,
                &records,
                "",
            ) {
                Ok(checks) => {
                    return (checks.list.into_iter().map(|c| c.state).collect(), round);
                }
                Err(wanted) => {
                    for fact in wanted {
                        let known = answer(&fact);
                        memo.insert(fact, known);
                    }
                }
            }
        }
        panic!("the check never finished");
    }

    fn present(storage: Storage) -> State {
        State::Present {
            path: "models/rf".into(),
            storage,
        }
    }

    #[test]
    fn a_committed_artifact_of_the_recorded_size_is_present_in_one_round() {
        let (states, rounds) = run("rf", &[("models/rf", Known::File(163_671))]);
        assert_eq!(states, [present(Storage::Git { size: 163_671 })]);
        assert_eq!(rounds, 2);
    }

    #[test]
    fn a_committed_artifact_of_another_size_is_a_mismatch() {
        let (states, _) = run("rf", &[("models/rf", Known::File(9_000))]);
        assert_eq!(
            states,
            [State::Mismatch {
                path: "models/rf".into(),
                storage: Storage::Git { size: 9_000 },
                differences: vec!["size 9000 where MLEM recorded 163671".into()],
            }]
        );
    }

    #[test]
    fn an_lfs_pointer_counts_by_the_size_it_records() {
        let pointer = |size: u64| {
            Known::Text(
                format!(
                    "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize {size}\n"
                )
                .into(),
            )
        };
        let (states, _) = run("rf", &[("models/rf", pointer(163_671))]);
        assert_eq!(states, [present(Storage::Lfs { size: 163_671 })]);
        let (states, _) = run("rf", &[("models/rf", pointer(5))]);
        assert!(matches!(
            &states[0],
            State::Mismatch {
                storage: Storage::Lfs { size: 5 },
                ..
            }
        ));
    }

    #[test]
    fn dvc_records_beside_the_file_or_in_a_lock_file_above_it() {
        let dot = format!("outs:\n- md5: {MD5}\n  size: 163671\n  path: rf\n");
        let (states, rounds) = run("rf", &[("models/rf.dvc", Known::Text(dot.into()))]);
        assert_eq!(
            states,
            [present(Storage::Dvc {
                file: "models/rf.dvc".into(),
                folder: None
            })]
        );
        assert_eq!(rounds, 3, "the size, then every DVC file at once");
        let lock = format!(
            "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n    - path: models/rf\n      md5: {MD5}\n      size: 163671\n"
        );
        let (states, _) = run("rf", &[("dvc.lock", Known::Text(lock.into()))]);
        assert_eq!(
            states,
            [present(Storage::Dvc {
                file: "dvc.lock".into(),
                folder: None
            })]
        );
    }

    #[test]
    fn a_dvc_record_with_another_hash_is_a_mismatch() {
        let dot = "outs:\n- md5: 00000000000000000000000000000000\n  size: 163671\n  path: rf\n";
        let (states, _) = run("rf", &[("models/rf.dvc", Known::Text(dot.into()))]);
        let State::Mismatch { differences, .. } = &states[0] else {
            panic!("{states:?}");
        };
        assert_eq!(
            differences,
            &[format!(
                "md5 00000000000000000000000000000000 where MLEM recorded {MD5}"
            )]
        );
    }

    #[test]
    fn an_artifact_nowhere_is_missing_and_says_where_it_was_looked_for() {
        let (states, _) = run(
            "rf",
            &[("models/other.dvc", Known::Text("outs: []".into()))],
        );
        let State::Missing { path, why } = &states[0] else {
            panic!("{states:?}");
        };
        assert_eq!(path.as_deref(), Some("models/rf"));
        assert_eq!(
            why,
            "no file at `models/rf`, and neither `models/rf.dvc` nor a `dvc.lock` in its folder or the one above it records it"
        );
    }

    #[test]
    fn remote_and_outside_uris_are_not_looked_up() {
        let (states, rounds) = run("s3://bucket/rf", &[]);
        assert_eq!(
            states,
            [State::Remote {
                scheme: "s3".into()
            }]
        );
        assert_eq!(rounds, 1);
        let (states, _) = run("/home/me/rf", &[]);
        assert!(matches!(&states[0], State::Missing { path: None, .. }));
    }

    #[test]
    fn a_fact_that_could_not_be_learned_leaves_the_artifact_unverified_never_missing() {
        let (states, _) = run(
            "rf",
            &[("models/rf", Known::Unverified("timed out".into()))],
        );
        assert_eq!(
            states,
            [State::Unverified {
                why: "timed out".into()
            }]
        );
        let (states, _) = run(
            "rf",
            &[("dvc.lock", Known::Unverified("rate limited".into()))],
        );
        assert!(matches!(&states[0], State::Unverified { .. }), "{states:?}");
    }

    #[test]
    fn a_dvc_record_too_large_to_read_leaves_the_artifact_unverified_not_missing() {
        let (states, _) = run("rf", &[("dvc.lock", Known::Unreadable)]);
        let State::Unverified { why } = &states[0] else {
            panic!("{states:?}");
        };
        assert!(
            why.contains("`dvc.lock` is over 1 MiB or not text"),
            "{why}"
        );
    }

    #[test]
    fn each_record_is_parsed_once_per_pass_and_a_pass_parses_within_its_budget() {
        let lock = format!(
            "stages:\n  train:\n    outs:\n    - path: models/rf\n      md5: {MD5}\n      size: 163671\n"
        );
        let records = Records::default();
        let known = |fact: &Fact| match fact {
            Fact::Text(path) if path == "dvc.lock" => Some(Known::Text(lock.as_str().into())),
            _ => Some(Known::Absent),
        };
        for _ in 0..50 {
            let checks = check(
                "models/rf.mlem",
                "x",
                &model("rf"),
                &known,
                &records,
                "r@c:",
            )
            .unwrap();
            assert!(matches!(checks.list[0].state, State::Present { .. }));
        }
        let spent = records.bytes.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(spent, lock.len(), "parsed once for 50 links");
        records
            .bytes
            .store(MAX_PARSED_BYTES, std::sync::atomic::Ordering::Relaxed);
        let other = check(
            "models/rf.mlem",
            "x",
            &model("rf"),
            &known,
            &records,
            "r@d:",
        )
        .unwrap();
        let State::Unverified { why } = &other.list[0].state else {
            panic!("{other:?}");
        };
        assert!(why.contains("64 MiB"), "{why}");
    }

    #[test]
    fn messages_show_at_most_160_characters_of_a_path() {
        let long = format!("{}/rf", "d".repeat(5000));
        let (states, _) = run(&long, &[]);
        let State::Missing { why, .. } = &states[0] else {
            panic!("{states:?}");
        };
        assert!(why.len() < 600, "{} bytes", why.len());
    }
}
