//! Check runs (Checks API): one per run on the commit reviewers see, so branch protection can
//! require it and each finding shows on its line. What goes in it is `report::check_run`'s.

use serde_json::{Value, json};

use super::{Client, Config, Error, Reply, runtime};

/// The Checks API takes at most this many annotations a request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// Where the check run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// `owner/name` of the registry repository.
    pub repo: String,
    /// The commit the run is about: a pull request's head, else the pushed commit.
    pub head_sha: String,
    /// The check's name, as branch protection requires it.
    pub name: String,
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

/// What the check run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// One line.
    pub title: String,
    /// Markdown, within the Checks API's size limit.
    pub summary: String,
    /// One annotation per finding, as the Checks API takes them.
    pub annotations: Vec<Value>,
}

/// What became of the check run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Created and completed; its web address.
    Done {
        /// Where to see it.
        url: String,
    },
    /// The token may not create check runs (a fork's pull request, no `checks: write`).
    NotPermitted(String),
}

/// Why the check run was not published.
#[derive(Debug, thiserror::Error)]
pub enum CheckRunError {
    /// GitHub could not be asked.
    #[error(transparent)]
    GitHub(#[from] Error),
    /// GitHub refused one step.
    #[error("{doing} failed: {answer}")]
    Refused {
        /// The step: creating the run, adding annotations, completing it.
        doing: &'static str,
        /// GitHub's answer.
        answer: Error,
    },
    /// GitHub's answer to the creation lacks the run's id.
    #[error("GitHub's check run has no id")]
    NoId,
}

/// Creates the check run, adds the annotations in batches of [`ANNOTATIONS_PER_REQUEST`], and
/// completes it with `conclusion`.
pub fn publish(
    config: &Config,
    target: &Destination,
    output: &Output,
    conclusion: Conclusion,
) -> Result<Published, CheckRunError> {
    runtime()?.block_on(async {
        let client = Client::new(config.clone())?;
        let path = format!("/repos/{}/check-runs", target.repo);
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
                    "the token may not create check runs on {} ({})",
                    target.repo,
                    super::error::message(&created.body)
                )));
            }
            _ => return Err(refused(&created, "creating the check run")),
        }
        let run: Value = serde_json::from_str(&created.body).unwrap_or_default();
        let id = run["id"].as_u64().ok_or(CheckRunError::NoId)?;
        let url = run["html_url"].as_str().unwrap_or_default().to_owned();
        let run_path = format!("{path}/{id}");
        let (title, summary) = (&output.title, &output.summary);
        for batch in output.annotations.chunks(ANNOTATIONS_PER_REQUEST) {
            let body =
                json!({"output": {"title": title, "summary": summary, "annotations": batch}});
            expect_ok(&client.patch(&run_path, &body).await?, "adding annotations")?;
        }
        let body = json!({
            "status": "completed",
            "conclusion": conclusion.as_str(),
            "output": {"title": title, "summary": summary},
        });
        expect_ok(
            &client.patch(&run_path, &body).await?,
            "completing the check run",
        )?;
        Ok(Published::Done { url })
    })
}

fn expect_ok(reply: &Reply, doing: &'static str) -> Result<(), CheckRunError> {
    match reply.status {
        200 | 201 => Ok(()),
        _ => Err(refused(reply, doing)),
    }
}

fn refused(reply: &Reply, doing: &'static str) -> CheckRunError {
    CheckRunError::Refused {
        doing,
        answer: Error::status(reply.status, &reply.body),
    }
}
