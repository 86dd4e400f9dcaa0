//! What a run concludes, and the exit code a required status check gates on: the exit codes of
//! every command, how a check's findings become its verdict, and how verdicts combine (several
//! checks in one hook run; what a hook lets through).

use crate::finding::Severity;
use crate::report::Report;

/// The exit code for bad usage, or a registry that could not be read.
pub const EXIT_ERROR: u8 = 2;

/// How a run ends, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Nothing at or above the failing severity, and every link verified (or allowed to pass
    /// unverified).
    Clean,
    /// Nothing failed, but some link could not be verified (network, rate limit): a re-run may
    /// pass, a fix is not what is asked for.
    Unverified,
    /// A finding at or above the failing severity.
    Findings,
}

impl Verdict {
    /// The verdict on `report`: findings at or above `fail_on` fail it; else unverified links
    /// do, when they count (`unverified_fails`: the run was online and the policy does not let
    /// them pass).
    pub fn of(report: &Report, fail_on: Severity, unverified_fails: bool) -> Verdict {
        if report.worst().is_some_and(|worst| worst >= fail_on) {
            Verdict::Findings
        } else if unverified_fails && report.summary.unverified > 0 {
            Verdict::Unverified
        } else {
            Verdict::Clean
        }
    }

    /// The verdict of two runs together: findings over unverified links over clean.
    pub fn worse(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// What git hears from a hook: a link that could not be verified (no network, a rate
    /// limit) must not block work, so only findings refuse.
    pub fn for_hook(self) -> Verdict {
        match self {
            Verdict::Unverified => Verdict::Clean,
            other => other,
        }
    }

    /// The exit code: 0 clean, 1 findings, 3 unverified (2 is [`EXIT_ERROR`]).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Findings => 1,
            Verdict::Unverified => 3,
        }
    }
}

/// A finding that stops `link`, `resolve` and `pin` from writing or landing: an error, or a
/// link that could not be verified. The artifact rules judge the object a link lands on, not
/// the link: a link to a model whose weights are missing is still the right link (`check`
/// reports the model).
pub fn stops_a_write(finding: &crate::finding::Finding) -> bool {
    use crate::rules::{link_artifact_mismatch, link_artifact_missing, link_artifact_unverified};
    let about_the_object = [
        link_artifact_missing::RULE.id,
        link_artifact_mismatch::RULE.id,
        link_artifact_unverified::RULE.id,
    ]
    .contains(&finding.rule);
    !about_the_object
        && (finding.severity == crate::finding::Severity::Error
            || finding.rule == crate::rules::link_unverified::RULE.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Span};

    fn finding(severity: Severity) -> Finding {
        Finding {
            rule: "x/y",
            severity,
            file: "a.mlem".into(),
            span: Span::from_bytes("", 0, 0),
            message: "m".into(),
            help: None,
            fix: None,
        }
    }

    fn report(severities: &[Severity], unverified: usize) -> Report {
        let mut report = Report::default();
        for severity in severities {
            report.findings.push(finding(*severity));
        }
        report.summary.unverified = unverified;
        report
    }

    #[test]
    fn findings_at_or_above_fail_on_fail_the_run() {
        let warned = report(&[Severity::Note, Severity::Warning], 0);
        assert_eq!(Verdict::of(&warned, Severity::Error, true), Verdict::Clean);
        assert_eq!(
            Verdict::of(&warned, Severity::Warning, true),
            Verdict::Findings
        );
        assert_eq!(
            Verdict::of(&warned, Severity::Note, true),
            Verdict::Findings
        );
    }

    #[test]
    fn unverified_links_count_only_when_they_fail_the_run() {
        let open = report(&[], 2);
        assert_eq!(
            Verdict::of(&open, Severity::Error, true),
            Verdict::Unverified
        );
        assert_eq!(Verdict::of(&open, Severity::Error, false), Verdict::Clean);
        let both = report(&[Severity::Error], 2);
        assert_eq!(Verdict::of(&both, Severity::Error, true), Verdict::Findings);
    }

    #[test]
    fn exit_codes_and_their_order() {
        let codes: Vec<u8> = [Verdict::Clean, Verdict::Findings, Verdict::Unverified]
            .map(Verdict::exit_code)
            .to_vec();
        assert_eq!(codes, [0, 1, 3]);
        assert_eq!(
            Verdict::Unverified.worse(Verdict::Findings),
            Verdict::Findings
        );
        assert_eq!(
            Verdict::Clean.worse(Verdict::Unverified),
            Verdict::Unverified
        );
        assert_eq!(Verdict::Unverified.for_hook(), Verdict::Clean);
        assert_eq!(Verdict::Findings.for_hook(), Verdict::Findings);
    }
}
