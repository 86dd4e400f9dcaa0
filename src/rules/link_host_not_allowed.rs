//! `link/host-not-allowed`: the link names a host or owner the registry's config does not allow.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/host-not-allowed",
    severity: crate::finding::Severity::Error,
    summary: "the link names a host or owner outside the config's allow-lists",
    explain: "\
`allowed_hosts` and `allowed_owners` in `.mlem-registry.toml` list where the registry's models
may come from; with no `allowed_hosts`, only GitHub hosts are allowed (github.com, or the
`--github-server-url` host, and the `[hosts]` tables). A link to any other host or owner would
put a model of unknown origin into production. Such a link is not contacted at all: no request
goes to a host the registry does not trust, and no token with it. `file://` URLs and absolute
paths are on host `file`: they read repositories of the machine that runs the check.

Fix: link to a copy of the model in an allowed repository, or, if the registry's owners agree,
add the host to `allowed_hosts` (`\"file\"` for local repositories) or the owner to
`allowed_owners`. When a change is checked, its base's policy decides: a change to the lists
applies once it has landed.",
    trigger: Trigger::Elsewhere("crate::policy::refused_finding"),
};

/// The finding for a link naming `repo` (at `span`), refused because of `why`.
pub fn finding(file: &str, span: Span, repo: &str, why: &str) -> Finding {
    RULE.finding(file, span, format!("`{repo}` is not allowed: {why}"))
        .with_help("link to an allowed repository, or extend the allow-list in the config")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_repository_and_the_reason() {
        let f = finding(
            "a.mlem",
            Span::file_start(),
            "https://gitlab.com/x/y",
            "host `gitlab.com` is not in allowed_hosts",
        );
        assert_eq!(f.rule, "link/host-not-allowed");
        assert!(f.message.contains("gitlab.com/x/y") && f.message.contains("allowed_hosts"));
    }
}
