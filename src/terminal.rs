//! What the binary writes besides a command's output: guarded standard output, messages on
//! standard error, the progress line and whether to use color.

use std::io::{IsTerminal, Write};

use mlem_registry::report::guard::{self, Guard};
use mlem_registry::resolve::rounds::Progress;

use crate::cli;

/// Standard output, guarded: only the `github` format's own commands pass as they are.
pub type Out<'a> = Guard<std::io::BufWriter<std::io::StdoutLock<'a>>>;

/// See the `say!` macro: one message on standard error, every line of it
/// [`guard::neutralise`]d, so a file name or YAML value in it cannot start a workflow command.
pub fn say_line(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", guard::neutralise(message));
}

/// Whether to color the output: as asked, or on a terminal without `NO_COLOR`.
pub fn color(choice: cli::Color) -> bool {
    match choice {
        cli::Color::Always => true,
        cli::Color::Never => false,
        cli::Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// A one-line progress count on a terminal, for runs with many links to look up.
pub fn progress_bar() -> impl Fn(Progress) + Sync {
    let terminal = std::io::stderr().is_terminal();
    move |progress: Progress| {
        if !terminal || progress.total < 50 {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rresolving links to other repositories: {}/{}",
            progress.done, progress.total
        );
        if progress.done == progress.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}
