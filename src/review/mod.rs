//! Review: what a change to the registry promotes, for the reviewer who approves it: each link
//! that lands differently ([`diff`]), with its object compared field by field ([`compare`]).

pub mod compare;
pub mod diff;
pub mod human;
pub mod log;
pub mod markdown;
