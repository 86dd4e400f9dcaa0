//! `init`: makes a MLEM project, and with `--with-ci` its workflow.

use std::io::Write;
use std::path::Path;

use mlem_registry::policy::verdict::Verdict;
use mlem_registry::project;

/// Runs `init PATH`.
pub fn run(path: &Path, with_ci: bool, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let done = project::init(path, with_ci)?;
    for file in &done.written {
        writeln!(out, "wrote {}", file.display())?;
    }
    for file in &done.kept {
        writeln!(out, "kept {} (it exists)", file.display())?;
    }
    if done.written.is_empty() {
        writeln!(out, "{} is a MLEM project already", path.display())?;
    }
    let Some(workflow) = &done.workflow else {
        return Ok(Verdict::Clean);
    };
    let file = workflow.file.display();
    let written = done.written.contains(&workflow.file);
    if !workflow.in_repository {
        say!(
            "note: {} is in no git repository: GitHub reads {file} only once that folder is a repository's root",
            path.display()
        );
    } else if !workflow.folder.is_empty() && written {
        say!(
            "note: GitHub reads workflows only at a repository's root, so the workflow is {file}, checking `path: {}`",
            workflow.folder
        );
    } else if !workflow.folder.is_empty() {
        say!(
            "note: {file} was there already: give the mlem-registry step `path: {}` to check this project",
            workflow.folder
        );
    }
    if done
        .written
        .iter()
        .any(|f| f.ends_with(mlem_registry::config::FILE_NAME))
    {
        say!(
            "note: {} allows links to github.com only; add \"file\" to its allowed_hosts for file:// links and absolute paths, or another host",
            path.join(mlem_registry::config::FILE_NAME).display()
        );
    }
    if written && mlem_registry::build_info::RELEASE.is_none() {
        say!(
            "warning: this development build of mlem-registry cannot know which release to pin: in {file}, replace OWNER/mlem-registry with the repository of the mlem-registry action, COMMIT-SHA with the full commit sha of the release to use and vX.Y.Z with its tag; the workflow fails until then"
        );
    }
    Ok(Verdict::Clean)
}
