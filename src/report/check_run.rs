//! `--check-run NAME`: the findings as a GitHub check run on the pull request's head commit
//! (Checks API), so branch protection can require it and reviewers see each finding on its line.

use serde_json::{Value, json};

use super::{Report, Reporter};
use crate::finding::{Finding, Severity};
use crate::resolve::github::{self, client::Client};

/// The Checks API takes at most this many annotations a request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub's limit on a check run's summary.
const MAX_SUMMARY_BYTES: usize = 65_535;

/// Where the check run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `owner/name` of the registry repository.
    pub repo: String,
    /// The commit the run is about: a pull request's head, else the pushed commit.
    pub head_sha: String,
    /// The check's name, as branch protection requires it.
    pub name: String,
}

impl Target {
    /// The target from the GitHub Actions environment (`env` reads a variable): the repository
    /// from `GITHUB_REPOSITORY`, the commit from the event's `pull_request.head.sha` (the merge
    /// commit in `GITHUB_SHA` is not what reviewers see), else `GITHUB_SHA`.
    pub fn from_actions(
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, String> {
        let repo = env("GITHUB_REPOSITORY").ok_or("GITHUB_REPOSITORY is not set")?;
        let event = env("GITHUB_EVENT_PATH")
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        let head = event
            .as_ref()
            .and_then(|e| e["pull_request"]["head"]["sha"].as_str().map(str::to_owned));
        let head_sha = head
            .or_else(|| env("GITHUB_SHA"))
            .ok_or("neither the event's pull_request.head.sha nor GITHUB_SHA is set")?;
        Ok(Target {
            repo,
            head_sha,
            name: name.to_owned(),
        })
    }
}

/// How the check run ends (the run's verdict, as the Checks API names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// Nothing at or above `--fail-on`, everything verified.
    Success,
    /// A finding at or above `--fail-on`.
    Failure,
    /// Nothing failed, but some link could not be verified: `action_required`, which branch
    /// protection counts as failing (`neutral`, like `success` and `skipped`, would pass a
    /// required check), and which asks for a re-run rather than a fix.
    Unverified,
}

impl Conclusion {
    fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Unverified => "action_required",
        }
    }
}

/// What became of the check run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Created and completed; its web address.
    Done {
        /// Where to see it.
        url: String,
    },
    /// The token may not write checks (a pull request from a fork): the caller falls back to
    /// workflow commands. Says why.
    NotPermitted(String),
}

/// Creates the check run, adds every finding as an annotation in batches of 50, and completes
/// it with `conclusion` and the Markdown summary.
pub fn publish(
    report: &Report,
    target: &Target,
    config: &github::Config,
    conclusion: Conclusion,
) -> Result<Published, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(async {
        let client = Client::new(config.clone())?;
        let path = format!("/repos/{}/check-runs", target.repo);
        let title = report.summary.line();
        let created = client
            .post(
                &path,
                &json!({"name": target.name, "head_sha": target.head_sha, "status": "in_progress"}),
            )
            .await?;
        match created.status {
            201 | 200 => {}
            403 | 404 => {
                return Ok(Published::NotPermitted(format!(
                    "the token may not create check runs on {} ({}): annotations go to the log instead",
                    target.repo,
                    message(&created.body)
                )));
            }
            status => {
                return Err(format!(
                    "creating the check run failed: GitHub answered {status}: {}",
                    message(&created.body)
                ));
            }
        }
        let run: Value = serde_json::from_str(&created.body).unwrap_or_default();
        let id = run["id"].as_u64().ok_or("GitHub's check run has no id")?;
        let url = run["html_url"].as_str().unwrap_or_default().to_owned();
        let run_path = format!("{path}/{id}");
        let summary = markdown(report);
        for batch in report.findings.chunks(ANNOTATIONS_PER_REQUEST) {
            let annotations: Vec<Value> = batch.iter().map(annotation).collect();
            let body = json!({"output": {"title": title, "summary": summary, "annotations": annotations}});
            expect_ok(client.patch(&run_path, &body).await?, "adding annotations")?;
        }
        let body = json!({
            "status": "completed",
            "conclusion": conclusion.as_str(),
            "output": {"title": title, "summary": summary},
        });
        expect_ok(client.patch(&run_path, &body).await?, "completing the check run")?;
        Ok(Published::Done { url })
    })
}

fn expect_ok(reply: github::client::Reply, doing: &str) -> Result<(), String> {
    match reply.status {
        200 | 201 => Ok(()),
        status => Err(format!(
            "{doing} failed: GitHub answered {status}: {}",
            message(&reply.body)
        )),
    }
}

fn message(body: &str) -> String {
    let body: Value = serde_json::from_str(body).unwrap_or_default();
    body["message"].as_str().unwrap_or("no message").to_owned()
}

/// The summary, cut to what the Checks API takes.
fn markdown(report: &Report) -> String {
    let mut out = Vec::new();
    let _ = super::summary::Summary.write(report, &mut out);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if text.len() > MAX_SUMMARY_BYTES {
        let mut cut = MAX_SUMMARY_BYTES - 64;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n\n… (cut: see the job log for the rest)\n");
    }
    text
}

/// One finding as a Checks API annotation (columns only on a one-line span, as the API wants).
pub fn annotation(finding: &Finding) -> Value {
    let (start, end) = (finding.span.start, finding.span.end);
    let mut annotation = json!({
        "path": finding.file,
        "start_line": start.line,
        "end_line": end.line.max(start.line),
        "annotation_level": match finding.severity {
            Severity::Error => "failure",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        },
        "title": finding.rule,
        "message": finding.message,
    });
    if start.line == end.line {
        annotation["start_column"] = json!(start.column);
        annotation["end_column"] = json!(super::github::last_column(finding));
    }
    if let Some(help) = &finding.help {
        annotation["raw_details"] = json!(help);
    }
    annotation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_commit_of_a_pull_request_wins_over_the_merge_commit() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"pull_request": {"head": {"sha": "abc123"}}}"#).unwrap();
        let event = event.to_str().unwrap().to_owned();
        let env = move |name: &str| match name {
            "GITHUB_REPOSITORY" => Some("org/registry".to_owned()),
            "GITHUB_EVENT_PATH" => Some(event.clone()),
            "GITHUB_SHA" => Some("merge".to_owned()),
            _ => None,
        };
        let target = Target::from_actions("mlem-registry", &env).unwrap();
        assert_eq!(target.head_sha, "abc123");
        let push = |name: &str| match name {
            "GITHUB_REPOSITORY" => Some("org/registry".to_owned()),
            "GITHUB_SHA" => Some("pushed".to_owned()),
            _ => None,
        };
        assert_eq!(Target::from_actions("x", &push).unwrap().head_sha, "pushed");
    }
}
