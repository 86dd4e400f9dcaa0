//! A registry as of one commit, read straight from the object database (no checkout).
