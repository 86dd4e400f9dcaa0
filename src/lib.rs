//! mlem-registry: checks a Git-hosted MLEM model registry before its changes reach production.
//!
//! The pipeline, one module per stage:
//! [`registry`] (walk) → [`mlem`] (parse) → [`schema`] (validate) → [`resolve`] → [`policy`] →
//! [`report`]; [`check`] runs it, [`rules`] documents every finding it can produce.
//! The library prints nothing: the binary decides where output goes.

pub mod build_info;
pub mod check;
pub mod config;
pub mod error;
pub mod finding;
pub mod fix;
pub mod github;
pub mod hook;
pub mod mlem;
pub mod pin;
pub mod policy;
pub mod project;
pub mod registry;
pub mod report;
pub mod resolve;
pub mod review;
pub mod rules;
pub mod schema;
pub mod scratch;
pub mod settings;
pub mod tls;
pub mod words;
