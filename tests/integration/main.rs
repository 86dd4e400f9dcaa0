//! The integration tests, one binary with a module per area (as ripgrep and zizmor keep theirs):
//! each runs the real `mlem-registry` binary on real git repositories built in temporary
//! directories, against the GitHub test server in `common::github` where GitHub is involved.
//! One binary links gix, octocrab and tokio once instead of once per area.

mod common;

mod action;
mod action_install;
mod artifacts;
mod check_git;
mod cli;
mod config;
mod github_actions;
mod github_server;
mod hooks;
mod hostile;
mod layering;
mod lock;
mod messages;
mod mlem_compat;
mod pin;
mod resolve_github;
mod review;
mod rules_doc;
mod workflow;
