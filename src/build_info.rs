//! What release this binary is. A release build is stamped at compile time with the repository
//! it was released from and the commit it was built from (`MLEM_REGISTRY_RELEASE_REPOSITORY`,
//! `MLEM_REGISTRY_RELEASE_COMMIT`, set by the release workflow); any other build is a
//! development build and knows neither. `init --with-ci` pins the action to them.
//!
//! A stamp that is half there or malformed stops the build: a release must not ship a binary
//! that writes a workflow pinned to nothing.

/// A release of mlem-registry: where it lives, the commit it was built from, its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The GitHub repository, `OWNER/NAME`.
    pub repository: &'static str,
    /// The full (40 hex digits, lower case) commit sha.
    pub commit: &'static str,
    /// The crate's version, without the tag's `v`.
    pub version: &'static str,
}

impl Release {
    /// The release's tag: `v` and the version.
    pub fn tag(&self) -> String {
        format!("v{}", self.version)
    }
}

/// `OWNER/NAME` of the repository a release is published from.
const REPOSITORY: Option<&str> = option_env!("MLEM_REGISTRY_RELEASE_REPOSITORY");
/// The full commit sha a release is built from.
const COMMIT: Option<&str> = option_env!("MLEM_REGISTRY_RELEASE_COMMIT");

const _: () = {
    assert!(
        REPOSITORY.is_some() == COMMIT.is_some(),
        "set both MLEM_REGISTRY_RELEASE_REPOSITORY and MLEM_REGISTRY_RELEASE_COMMIT, or neither"
    );
    if let Some(repository) = REPOSITORY {
        assert!(
            is_repository(repository),
            "MLEM_REGISTRY_RELEASE_REPOSITORY must be OWNER/NAME"
        );
    }
    if let Some(commit) = COMMIT {
        assert!(
            is_commit(commit),
            "MLEM_REGISTRY_RELEASE_COMMIT must be a full commit sha: 40 lower-case hex digits"
        );
    }
};

/// The release this binary is; `None`: a development build, which cannot know one.
pub const RELEASE: Option<Release> = match (REPOSITORY, COMMIT) {
    (Some(repository), Some(commit)) => Some(Release {
        repository,
        commit,
        version: env!("CARGO_PKG_VERSION"),
    }),
    _ => None,
};

/// A full commit sha: 40 lower-case hex digits.
pub const fn is_commit(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 40 {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !matches!(bytes[i], b'0'..=b'9' | b'a'..=b'f') {
            return false;
        }
        i += 1;
    }
    true
}

/// `OWNER/NAME` as GitHub spells a repository: two non-empty parts of letters, digits, `-`, `_`
/// and `.` (the name not `.` or `..`).
pub const fn is_repository(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut slash = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if slash.is_none() => slash = Some(i),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {}
            _ => return false,
        }
        i += 1;
    }
    let Some(slash) = slash else {
        return false;
    };
    let name = bytes.len() - slash - 1;
    let dots = (name == 1 && bytes[slash + 1] == b'.')
        || (name == 2 && bytes[slash + 1] == b'.' && bytes[slash + 2] == b'.');
    slash > 0 && name > 0 && !dots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_is_a_release_exactly_when_both_variables_were_set() {
        match (
            option_env!("MLEM_REGISTRY_RELEASE_REPOSITORY"),
            option_env!("MLEM_REGISTRY_RELEASE_COMMIT"),
        ) {
            (Some(repository), Some(commit)) => {
                let release = RELEASE.expect("a stamped build is a release");
                assert_eq!(release.repository, repository);
                assert_eq!(release.commit, commit);
                assert_eq!(release.version, env!("CARGO_PKG_VERSION"));
            }
            _ => assert_eq!(RELEASE, None, "a development build knows no release"),
        }
    }

    #[test]
    fn the_tag_is_v_and_the_version() {
        let release = Release {
            repository: "mlem-registry/mlem-registry",
            commit: "5b7a72d46890b50882170470bd2b798a80607854",
            version: "1.2.3",
        };
        assert_eq!(release.tag(), "v1.2.3");
    }

    #[test]
    fn commits_are_full_lower_case_shas() {
        assert!(is_commit("5b7a72d46890b50882170470bd2b798a80607854"));
        assert!(!is_commit("5b7a72d"));
        assert!(!is_commit("5B7A72D46890B50882170470BD2B798A80607854"));
        assert!(!is_commit("5b7a72d46890b50882170470bd2b798a8060785g"));
        assert!(!is_commit("5b7a72d46890b50882170470bd2b798a806078540"));
        assert!(!is_commit(""));
    }

    #[test]
    fn repositories_are_owner_slash_name() {
        assert!(is_repository("mlem-registry/mlem-registry"));
        assert!(is_repository("Some_Org/model.registry"));
        for bad in [
            "",
            "x",
            "/x",
            "x/",
            "a/b/c",
            "a b/c",
            "a/..",
            "a/.",
            "https://github.com/a/b",
        ] {
            assert!(!is_repository(bad), "{bad}");
        }
    }
}
