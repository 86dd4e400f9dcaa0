//! Report: the result of a check, and one [`Reporter`] per output format.

pub mod check_run;
pub mod github;
pub mod guard;
pub mod human;
pub mod json;
pub mod sarif;
pub mod summary;

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// Everything a check found, ready for any output format.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every finding, sorted by file, position and rule.
    pub findings: Vec<Finding>,
    /// Text of each file that has findings, for snippets.
    pub sources: BTreeMap<String, String>,
    /// Counts over the whole run.
    pub summary: Summary,
    /// Remarks about the run itself (not about a file), e.g. "not a git repository".
    pub notices: Vec<String>,
    /// Every link checked, in file order, for tables such as the job summary.
    pub links: Vec<LinkRecord>,
    /// The directory the paths are relative to, when known.
    pub root: Option<std::path::PathBuf>,
    /// Markdown the summary opens with, before the findings: what the change being checked
    /// promotes (`review::markdown`), for a pull request under Actions.
    pub preface: Option<String>,
}

/// One link and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    /// The file holding the link.
    pub file: String,
    /// The line of its `path`.
    pub line: usize,
    /// The repository it names (`repo`/`project`), `None` for a relative link.
    pub repo: Option<String>,
    /// Its `path`.
    pub path: String,
    /// Its `rev`, if any.
    pub rev: Option<String>,
    /// The commit the rev resolved to, for a link to another repository.
    pub commit: Option<String>,
    /// What became of it.
    pub status: LinkStatus,
    /// The type of object it claims to point at.
    pub link_type: crate::mlem::ObjectType,
    /// The key of an embedded link (`model_link`); `None` for a link file.
    pub field: Option<String>,
    /// Its worst finding's rule, severity and message, if it has one.
    pub worst: Option<Box<(&'static str, Severity, String)>>,
    /// The object it lands on, past any chain of links, when it landed.
    pub lands: Option<Box<Lands>>,
    /// For a relative link whose chain leads into another repository: the registry's link file
    /// it leads through, whose landing is its own.
    pub via: Option<String>,
}

/// The object a link lands on: what a deployment loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lands {
    /// The repository, as the last link of the chain names it; `None`: the registry itself.
    pub repository: Option<String>,
    /// The rev the last link names.
    pub rev: Option<String>,
    /// The commit it was read at; `None` for the registry's own files.
    pub commit: Option<String>,
    /// The object's file in that repository.
    pub path: String,
    /// Its `object_type`.
    pub object_type: crate::mlem::ObjectType,
    /// Its artifacts, checked (none when it lists none).
    pub artifacts: Vec<crate::resolve::artifact::Checked>,
    /// Its file as read, for an object in another repository (the registry's own are read
    /// from it when needed).
    pub text: Option<String>,
}

/// What became of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// Resolved, nothing to say.
    Ok,
    /// Could not be checked.
    Unverified,
    /// Its worst finding: rule and severity.
    Finding(&'static str, Severity),
}

impl LinkStatus {
    /// What it means for a deployment, as the lock file and `diff` say it: `ok` (it lands,
    /// perhaps with a warning or a note), `broken` (an error) or `unverified`.
    pub fn verdict(&self) -> &'static str {
        match self {
            LinkStatus::Ok | LinkStatus::Finding(_, Severity::Warning | Severity::Note) => "ok",
            LinkStatus::Unverified => "unverified",
            LinkStatus::Finding(_, Severity::Error) => "broken",
        }
    }
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `*.mlem` files checked.
    pub files: usize,
    /// Links found in them (link files and embedded links).
    pub links: usize,
    /// Links that were not verified (other repositories, offline or unreachable).
    pub unverified: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity note.
    pub notes: usize,
    /// HTTP requests sent to GitHub's API, retries included.
    pub requests: usize,
}

impl Summary {
    /// One line for a log: what was checked and what was found.
    pub fn line(&self) -> String {
        use crate::words::count;
        let unverified = match self.unverified {
            0 => String::new(),
            n => format!(" ({} not verified)", count(n, "link")),
        };
        format!(
            "checked {}, {}: {}, {}, {}{unverified}",
            count(self.files, "file"),
            count(self.links, "link"),
            count(self.errors, "error"),
            count(self.warnings, "warning"),
            count(self.notes, "note")
        )
    }
}

impl Report {
    /// Adds a finding about a file outside the checked set (the config), with its text for
    /// excerpts, and redoes the counts.
    pub fn add(&mut self, finding: Finding, text: Option<String>) {
        if let Some(text) = text {
            self.sources.entry(finding.file.clone()).or_insert(text);
        }
        self.findings.push(finding);
        self.finish();
    }

    /// Sorts findings and recounts severities: call once all findings are in.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.span.start, a.rule, &a.message).cmp(&(
                &b.file,
                b.span.start,
                b.rule,
                &b.message,
            ))
        });
        let count = |severity| {
            self.findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.notes = count(Severity::Note);
        self.links
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }

    /// Makes every path relative to a parent directory of the root: `folder` (`dir/`) is what
    /// lies between them. GitHub wants paths relative to the workspace, which may hold the
    /// registry in a subfolder.
    pub fn rebase(&mut self, folder: &str) {
        if folder.is_empty() {
            return;
        }
        for finding in &mut self.findings {
            finding.file.insert_str(0, folder);
        }
        for link in &mut self.links {
            link.file.insert_str(0, folder);
        }
        self.sources = std::mem::take(&mut self.sources)
            .into_iter()
            .map(|(path, text)| (format!("{folder}{path}"), text))
            .collect();
    }

    /// Takes in the findings, links, sources and counts of another part of the same run (another
    /// project); call [`Report::finish`] after the last.
    pub fn merge(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.links.extend(other.links);
        self.sources.extend(other.sources);
        self.notices.extend(other.notices);
        let (s, o) = (&mut self.summary, other.summary);
        s.files += o.files;
        s.links += o.links;
        s.unverified += o.unverified;
        s.requests += o.requests;
    }

    /// The most severe finding's severity, if there is any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// One output format.
pub trait Reporter {
    /// Writes `report` to `out`.
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()>;
}

/// The output formats, by the names `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// A versioned JSON document (see docs/json-output.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding on the pull request's lines.
    Github,
    /// Markdown for a job summary or a PR comment: the findings and a table of every link.
    Summary,
}

impl Format {
    /// The reporter for this format; `color` applies to terminal formats.
    pub fn reporter(self, color: bool) -> Box<dyn Reporter> {
        match self {
            Format::Human => Box::new(human::Human { color }),
            Format::Json => Box::new(json::Json),
            Format::Sarif => Box::new(sarif::Sarif),
            Format::Github => Box::new(github::Github),
            Format::Summary => Box::new(summary::Markdown),
        }
    }
}
