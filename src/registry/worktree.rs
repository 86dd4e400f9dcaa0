//! A registry's working tree on disk: the git view (tracked plus untracked, not ignored) or a
//! plain directory.
