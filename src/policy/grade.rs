//! The registry's config applied to a finished report: production files make
//! `link/unpinned-rev` an error, `[severity]` re-grades or drops findings, and the counts follow.

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::rules;

/// Applies the policy to a finished report whose paths are relative to the repository root:
/// production files make `link/unpinned-rev` an error, `[severity]` re-grades or drops
/// findings; the counts are redone.
pub fn apply(config: &Config, report: &mut Report) {
    if !config.grades() {
        return;
    }
    let unpinned = rules::link_unpinned_rev::RULE.id;
    report.findings.retain_mut(|finding| {
        if finding.rule == unpinned && config.is_production(&finding.file) {
            finding.severity = Severity::Error;
            finding.help = Some(production_help(finding));
            return true;
        }
        match config.level(finding.rule) {
            None => true,
            Some(level) => match level.severity() {
                Some(severity) => {
                    finding.severity = severity;
                    true
                }
                None => false,
            },
        }
    });
    let files: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.file.as_str()).collect();
    report
        .sources
        .retain(|file, _| files.contains(file.as_str()));
    report.summary.unverified = report
        .findings
        .iter()
        .filter(|f| f.rule == rules::link_unverified::RULE.id)
        .count();
    report.finish();
}

fn production_help(finding: &Finding) -> String {
    let was = finding.help.as_deref().unwrap_or_default();
    let production = "this is a production file (`production` in the config): its links must name a full commit sha or a tag";
    if was.is_empty() {
        production.to_owned()
    } else {
        format!("{production}; {was}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;

    fn finding(rule: &'static rules::Rule, file: &str) -> Finding {
        rule.finding(file, Span::file_start(), "m")
    }

    #[test]
    fn severity_and_production_regrade_findings() {
        let config = Config::parse(
            "production = [\"prod/**\"]\n[severity]\n\"link/unpinned-rev\" = \"note\"\n\"schema/unknown-field\" = \"off\"\n\"link/unverified\" = \"error\"\n",
            "c.toml",
        )
        .unwrap();
        let mut report = Report {
            findings: vec![
                finding(&rules::link_unpinned_rev::RULE, "prod/a.mlem"),
                finding(&rules::link_unpinned_rev::RULE, "dev/a.mlem"),
                finding(&rules::schema_unknown_field::RULE, "dev/a.mlem"),
                finding(&rules::link_unverified::RULE, "dev/b.mlem"),
            ],
            ..Report::default()
        };
        apply(&config, &mut report);
        let got: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.file.as_str(), f.rule, f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("dev/a.mlem", "link/unpinned-rev", Severity::Note),
                ("dev/b.mlem", "link/unverified", Severity::Error),
                ("prod/a.mlem", "link/unpinned-rev", Severity::Error),
            ]
        );
        assert_eq!((report.summary.errors, report.summary.notes), (2, 1));
        assert_eq!(report.summary.unverified, 1);
    }
}
