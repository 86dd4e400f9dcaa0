//! What the binary writes besides a command's output: guarded standard output, messages on
//! standard error, the progress line and whether to use color.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use mlem_registry::report::guard::{self, Guard};
use mlem_registry::resolve::rounds::Progress;

use crate::cli;

/// Standard output, guarded: only the `github` format's own commands pass as they are.
pub type Out<'a> = Guard<std::io::BufWriter<std::io::StdoutLock<'a>>>;

/// See the `say!` macro: one message on standard error, every line of it
/// [`guard::neutralise`]d and its control characters [`guard::printable`], so a file name or
/// YAML value in it can neither start a workflow command nor drive the terminal.
pub fn say_line(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", guard::neutralise(&guard::printable(message)));
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

/// Links to look up from which the progress bar shows at once rather than after a pause.
const MANY_LINKS: usize = 50;

/// How long a lookup runs unseen before the terminal is told what it waits for.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// On a terminal, what the lookup of links to other repositories is waiting for: shown after
/// [`QUIET_FOR`] (at once for [`MANY_LINKS`] or more), with how far it is, the hosts asked, how
/// long it has waited, and how to stop waiting (`--offline`, `--timeout`). Nothing elsewhere.
pub fn progress_bar(timeout_secs: u64) -> impl Fn(Progress) + Sync {
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::hidden();
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} {{pos}}/{{len}} links ({}) waiting {{elapsed}} for {{wide_msg}}",
        match timeout_secs {
            0 => "--offline skips them".to_owned(),
            secs => format!("--offline skips them; --timeout {secs}s"),
        }
    ))
    .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    // Which lookup the bar is at (a run may look up several projects' links in turn), and
    // whether it is over: a reveal due for an earlier one must not show the bar.
    let state = Arc::new(Mutex::new((0u64, true)));
    move |progress: Progress| {
        if !terminal {
            return;
        }
        let mut current = state.lock().unwrap_or_else(|e| e.into_inner());
        if progress.asking.is_empty() || progress.done >= progress.total {
            current.1 = true;
            bar.finish_and_clear();
            return;
        }
        if current.1 {
            // A new lookup: hidden until it has taken a while.
            current.0 += 1;
            current.1 = false;
            bar.reset();
            bar.set_draw_target(ProgressDrawTarget::hidden());
            let (bar, state, lookup) = (bar.clone(), Arc::clone(&state), current.0);
            let wait = match progress.total >= MANY_LINKS {
                true => Duration::ZERO,
                false => QUIET_FOR,
            };
            std::thread::spawn(move || {
                std::thread::sleep(wait);
                let current = state.lock().unwrap_or_else(|e| e.into_inner());
                if *current == (lookup, false) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
        bar.set_length(progress.total as u64);
        bar.set_position(progress.done as u64);
        bar.set_message(hosts(&progress.asking));
    }
}

/// The hosts asked, for one line: at most three, each only of the characters a host name has
/// (a link names them: nothing it writes may move the cursor or color the terminal).
fn hosts(asking: &[String]) -> String {
    let clean = |host: &String| -> String {
        host.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | ' ' | '_'))
            .take(64)
            .collect()
    };
    let mut shown: Vec<String> = asking.iter().take(3).map(clean).collect();
    if asking.len() > 3 {
        shown.push(format!("{} more", asking.len() - 3));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_few_and_plain() {
        let asking = ["api.github.com", "evil\u{1b}[2Jhost", "c", "d", "e"].map(str::to_owned);
        assert_eq!(hosts(&asking), "api.github.com, evil2Jhost, c, 2 more");
    }
}
