//! A diff for a person: one block per link, production links first, before and after on one
//! line each, then what changed in the object it lands on.

use std::io::Write;

use super::diff::{Diff, Entry, Kind, Landed, Side, short};
use crate::report::guard::one_line;

/// Writes `diff` for a terminal or a log.
pub fn write(diff: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    let head = diff.head.as_deref().unwrap_or("the working tree");
    let count = match diff.entries.len() {
        0 => "no link lands differently".to_owned(),
        1 => "1 link lands differently".to_owned(),
        n => format!("{n} links land differently"),
    };
    writeln!(
        out,
        "{count}: {} -> {}",
        v(&short(&diff.base)),
        v(&short(head))
    )?;
    for entry in &diff.entries {
        writeln!(out)?;
        write_entry(entry, out)?;
    }
    Ok(())
}

/// Writes `log`: each commit that changed where the link lands, newest first, with its entry.
pub fn write_log(log: &super::log::Log, out: &mut dyn Write) -> std::io::Result<()> {
    let count = match log.commits.len() {
        0 => "no commit changed where it lands".to_owned(),
        1 => "1 commit changed where it lands".to_owned(),
        n => format!("{n} commits changed where it lands"),
    };
    writeln!(out, "{}: {count}", v(&log.name))?;
    for commit in &log.commits {
        writeln!(out)?;
        writeln!(
            out,
            "commit {}  {}  {}",
            short(&commit.commit),
            date(commit.time),
            v(&commit.subject)
        )?;
        write_entry(&commit.entry, out)?;
    }
    if log.truncated {
        writeln!(
            out,
            "\n(the history was read back {} commits, no further)",
            super::log::MAX_COMMITS
        )?;
    }
    Ok(())
}

/// `YYYY-MM-DD` (UTC) of `secs` since the Unix epoch.
fn date(secs: i64) -> String {
    // Days to a civil date, after Howard Hinnant's `civil_from_days`.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn write_entry(entry: &Entry, out: &mut dyn Write) -> std::io::Result<()> {
    let mark = match entry.kind {
        Kind::Added => "+",
        Kind::Removed => "-",
        Kind::Changed | Kind::LandsElsewhere => "~",
    };
    let kind = match entry.kind {
        Kind::Added => "added",
        Kind::Removed => "removed",
        Kind::Changed => "changed",
        Kind::LandsElsewhere => "lands elsewhere (its chain changed)",
    };
    let name = match &entry.field {
        Some(field) => format!("{} ({field})", entry.name),
        None => entry.name.clone(),
    };
    let production = if entry.production {
        " [production]"
    } else {
        ""
    };
    writeln!(out, "{mark} {}{production}: {kind}", v(&name))?;
    let (before, after) = (entry.before.as_ref(), entry.after.as_ref());
    row(
        out,
        "points to",
        before.map(points_to),
        after.map(points_to),
    )?;
    row(out, "lands on", before.map(lands_on), after.map(lands_on))?;
    if let Some(url) = &entry.compare_url {
        writeln!(out, "    {:<12}{}", "compare", v(url))?;
    }
    for change in &entry.changes {
        let from = v(change.before.as_deref().unwrap_or("(none)"));
        let to = v(change.after.as_deref().unwrap_or("(none)"));
        // A signature has arrows of its own: before and after on lines of their own.
        if from.contains("->") || to.contains("->") || from.len() + to.len() > 80 {
            writeln!(out, "    {}:", v(&change.what))?;
            writeln!(out, "        before  {from}")?;
            writeln!(out, "        after   {to}")?;
        } else {
            writeln!(out, "    {}: {from} -> {to}", v(&change.what))?;
        }
    }
    Ok(())
}

/// `LABEL  BEFORE -> AFTER`, or the one value when the two agree or one side is absent.
fn row(
    out: &mut dyn Write,
    label: &str,
    before: Option<String>,
    after: Option<String>,
) -> std::io::Result<()> {
    let shown = match (before, after) {
        (Some(a), Some(b)) if a == b => a,
        (Some(a), Some(b)) => format!("{a} -> {b}"),
        (Some(a), None) => format!("{a} -> (removed)"),
        (None, Some(b)) => b,
        (None, None) => return Ok(()),
    };
    writeln!(out, "    {label:<12}{}", v(&shown))
}

/// `PATH in REPOSITORY@REV`, as the link writes it.
fn points_to(side: &Side) -> String {
    let repository = side.repository.as_deref();
    crate::mlem::points_to(&side.path, repository, side.rev.as_deref())
}

/// `PATH@COMMIT (TYPE)`, or the link's status and finding when it does not land.
fn lands_on(side: &Side) -> String {
    match &side.lands {
        Some(Landed {
            repository,
            commit,
            path,
            object_type,
        }) => {
            let at = match (repository, commit) {
                (Some(repository), Some(commit)) => format!("{repository}@{}:", short(commit)),
                _ => String::new(),
            };
            let status = match (side.status, &side.finding) {
                ("ok", _) => String::new(),
                (status, Some(finding)) => format!(", {status}: {finding}"),
                (status, None) => format!(", {status}"),
            };
            format!("{at}{path} ({object_type}{status})")
        }
        None => match &side.finding {
            Some(finding) => format!("nothing ({}: {finding})", side.status),
            None => format!("nothing ({})", side.status),
        },
    }
}

/// A value from a link file or another repository: one line, no control codes.
fn v(text: &str) -> String {
    one_line(text).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil_dates_in_utc() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_670_904_361), "2022-12-13");
        assert_eq!(super::date(951_782_400), "2000-02-29");
        assert_eq!(super::date(-86_400), "1969-12-31");
    }
}
