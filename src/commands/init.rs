//! `init`: makes a MLEM project, and with `--with-ci` its workflow.

use std::io::Write;
use std::path::Path;

use mlem_registry::policy::verdict::Verdict;
use mlem_registry::project;

/// Runs `init PATH`.
pub fn run(path: &Path, with_ci: bool, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let done = project::init(path, with_ci)?;
    for file in &done.written {
        writeln!(out, "wrote {}", path.join(file).display())?;
    }
    for file in &done.kept {
        writeln!(out, "kept {} (it exists)", path.join(file).display())?;
    }
    if done.written.is_empty() {
        writeln!(out, "{} is a MLEM project already", path.display())?;
    }
    let workflow_written = done.written.iter().any(|f| f == project::WORKFLOW_FILE);
    if workflow_written && mlem_registry::build_info::RELEASE.is_none() {
        say!(
            "warning: this development build of mlem-registry cannot know which release to pin: in {}, replace OWNER/mlem-registry with the repository of the mlem-registry action, COMMIT-SHA with the full commit sha of the release to use and vX.Y.Z with its tag; the workflow fails until then",
            path.join(project::WORKFLOW_FILE).display()
        );
    }
    Ok(Verdict::Clean)
}
