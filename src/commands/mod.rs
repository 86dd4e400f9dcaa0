//! One module per subcommand, as lychee-bin's `commands/`: each turns its arguments into library
//! calls and prints what they return.

pub mod check;
pub mod diff;
pub mod hook;
pub mod init;
pub mod link;
pub mod ls;
pub mod pin;
pub mod resolve;

use std::path::Path;

use mlem_registry::config::{Config, PolicyAt};
use mlem_registry::resolve::online::Online;
use mlem_registry::settings::ProcessEnvironment;

use crate::cli;

/// How to reach other repositories under `config`: the GitHub flags and the environment's
/// tokens made ready by the library, its warnings said.
fn online(github: &cli::GitHubArgs, config: &Config) -> anyhow::Result<Online> {
    let ready = github.network().online(config, &ProcessEnvironment)?;
    for warning in &ready.warnings {
        say!("warning: {warning}");
    }
    Ok(ready.online)
}

/// The config for `path` as `at` has it (`explicit`: `--config`), told which host is GitHub's.
fn load_config(
    explicit: Option<&Path>,
    path: &Path,
    at: &PolicyAt,
    github: &cli::GitHubArgs,
) -> anyhow::Result<Config> {
    Ok(github.network().load_config(explicit, path, at)?)
}
