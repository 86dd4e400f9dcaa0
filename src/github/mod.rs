//! Everything that speaks to GitHub: where its API is (and so where a token may go).

pub mod endpoint;
