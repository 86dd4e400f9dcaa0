//! The GitHub Actions event that started a job (`GITHUB_EVENT_PATH`): the base of the change it
//! judges (a pull request's, or a merge queue group's), whose policy judges it, and the pull
//! request's head (the commit reviewers see).

use std::io::Read;

/// GitHub's largest webhook payload; a larger file is not an event and is not read.
pub const MAX_EVENT_BYTES: u64 = 25 << 20;

/// What this tool needs from the event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// `pull_request.base.sha`: the commit the pull request goes into.
    pub pull_request_base: Option<String>,
    /// `pull_request.head.sha`: the pull request's last commit (not the merge commit).
    pub pull_request_head: Option<String>,
    /// `merge_group.base_sha`: what a merge queue group goes into.
    pub merge_group_base: Option<String>,
}

impl Event {
    /// The event at `GITHUB_EVENT_PATH` (`env` reads a variable); empty when there is none or
    /// it cannot be read as JSON.
    pub fn read(env: &dyn Fn(&str) -> Option<String>) -> Event {
        let Some(path) = env("GITHUB_EVENT_PATH") else {
            return Event::default();
        };
        let mut bytes = Vec::new();
        let read = std::fs::File::open(path)
            .and_then(|file| file.take(MAX_EVENT_BYTES + 1).read_to_end(&mut bytes));
        if read.is_err() || bytes.len() as u64 > MAX_EVENT_BYTES {
            return Event::default();
        }
        Event::parse(&bytes)
    }

    /// The event in `bytes` (JSON).
    pub fn parse(bytes: &[u8]) -> Event {
        let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
        let sha = |side: &str| {
            value["pull_request"][side]["sha"]
                .as_str()
                .map(str::to_owned)
        };
        Event {
            pull_request_base: sha("base"),
            pull_request_head: sha("head"),
            merge_group_base: value["merge_group"]["base_sha"].as_str().map(str::to_owned),
        }
    }

    /// The trusted base of the change this event brings, when it brings one: a pull request's
    /// base, or the commit a merge queue group goes into. Its policy judges the change; the
    /// change's own config is only reported.
    pub fn change_base(&self) -> Option<&str> {
        self.pull_request_base
            .as_deref()
            .or(self.merge_group_base.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_request_event_gives_its_base_and_head() {
        let event =
            Event::parse(br#"{"pull_request": {"base": {"sha": "b1"}, "head": {"sha": "h1"}}}"#);
        assert_eq!(event.pull_request_base.as_deref(), Some("b1"));
        assert_eq!(event.pull_request_head.as_deref(), Some("h1"));
        assert_eq!(
            Event::parse(br#"{"ref": "refs/heads/main"}"#),
            Event::default()
        );
        assert_eq!(Event::parse(b"not json"), Event::default());
    }

    #[test]
    fn no_file_or_an_oversized_one_is_no_event() {
        assert_eq!(Event::read(&|_| None), Event::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_EVENT_BYTES + 1).unwrap();
        let at = path.display().to_string();
        assert_eq!(Event::read(&|_| Some(at.clone())), Event::default());
    }
}
