//! "What this change promotes": the diff as Markdown, the section a job summary and a check
//! run's summary open with. Every value comes from a link file or another repository, so each is
//! shown as code, cut to a length ([`value`]); the section stays small enough for a check run's 65,535-byte
//! summary, which cuts what follows it.

use std::io::Write;

use super::diff::{Diff, Entry, Kind, Side, short};
use crate::report::summary::code;

/// Bytes the section may take: links past it are counted, not listed. A check run's summary
/// holds 65,535 bytes; this leaves room for the verdict and the first findings.
pub const MAX_SECTION_BYTES: usize = 32 * 1024;

/// Changes listed per link at most; the rest are counted.
pub const MAX_CHANGES: usize = 12;

/// Characters of one value (a path, a signature) shown at most; longer ones end in `…`.
const MAX_VALUE_CHARS: usize = 160;

/// Writes the section for `diff`.
pub fn write(diff: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "### What this change promotes\n")?;
    let head = diff
        .head
        .as_deref()
        .map_or("the working tree".to_owned(), |head| code(&short(head)));
    let compared = format!("from {} to {head}", code(&short(&diff.base)));
    match diff.entries.len() {
        0 => return writeln!(out, "No link lands differently ({compared}).\n"),
        1 => writeln!(out, "1 link lands differently ({compared}):\n")?,
        n => writeln!(out, "{n} links land differently ({compared}):\n")?,
    }
    let mut written = 0;
    let mut listed = 0;
    for entry in &diff.entries {
        let mut text = Vec::new();
        write_entry(entry, &mut text)?;
        if written + text.len() > MAX_SECTION_BYTES {
            break;
        }
        out.write_all(&text)?;
        written += text.len();
        listed += 1;
    }
    if listed < diff.entries.len() {
        writeln!(
            out,
            "… and {} more links land differently (cut to fit GitHub's summary): `mlem-registry diff {}` lists them all.\n",
            diff.entries.len() - listed,
            short(&diff.base)
        )?;
    }
    Ok(())
}

/// `text` as code, cut to [`MAX_VALUE_CHARS`].
fn value(text: &str) -> String {
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((at, _)) => code(&format!("{}…", &text[..at])),
        None => code(text),
    }
}

fn write_entry(entry: &Entry, out: &mut dyn Write) -> std::io::Result<()> {
    let kind = match entry.kind {
        Kind::Added => "added",
        Kind::Removed => "removed",
        Kind::Changed => "changed",
        Kind::LandsElsewhere => "lands elsewhere: its chain goes through a changed file",
    };
    let name = match &entry.field {
        Some(field) => format!("{} ({field})", entry.name),
        None => entry.name.clone(),
    };
    let production = if entry.production {
        "🚀 **production** "
    } else {
        ""
    };
    writeln!(out, "- {production}{}: {kind}", value(&name))?;
    if let Some(before) = &entry.before {
        writeln!(out, "  - before: {}", side(before))?;
    }
    if let Some(after) = &entry.after {
        writeln!(out, "  - after: {}", side(after))?;
    }
    if let Some(url) = entry.compare_url.as_deref().filter(|url| is_plain_url(url)) {
        writeln!(out, "  - [compare the two commits on GitHub]({url})")?;
    }
    for change in entry.changes.iter().take(MAX_CHANGES) {
        let shown = |v: &Option<String>| v.as_deref().map_or("(none)".into(), value);
        writeln!(
            out,
            "  - {}: {} → {}",
            value(&change.what),
            shown(&change.before),
            shown(&change.after)
        )?;
    }
    if entry.changes.len() > MAX_CHANGES {
        writeln!(
            out,
            "  - … and {} more changes in the object",
            entry.changes.len() - MAX_CHANGES
        )?;
    }
    writeln!(out)
}

/// Where a link points and where it lands, on one line.
fn side(side: &Side) -> String {
    let mut points = value(&side.path);
    if let Some(repository) = &side.repository {
        points.push_str(&format!(" in {}", value(repository)));
    }
    if let Some(rev) = &side.rev {
        points.push_str(&format!(" at {}", value(rev)));
    }
    let lands = match &side.lands {
        Some(lands) => {
            let commit = lands
                .commit
                .as_deref()
                .map_or(String::new(), |c| format!(" at {}", code(&short(c))));
            let status = match side.status {
                "ok" => String::new(),
                status => format!(", {status}"),
            };
            format!(
                "lands on {}{commit} ({}{status})",
                value(&lands.path),
                lands.object_type
            )
        }
        None => match &side.finding {
            Some(finding) => format!("lands nowhere ({}: {})", side.status, value(finding)),
            None => format!("lands nowhere ({})", side.status),
        },
    };
    format!("{points}, {lands}")
}

/// A URL made only of characters that cannot end a Markdown link or start markup.
fn is_plain_url(url: &str) -> bool {
    url.starts_with("https://")
        && url
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::compare::Change;
    use crate::review::diff::{Landed, VERSION};

    fn side(rev: &str, commit: &str) -> Side {
        Side {
            repository: Some("https://github.com/org/models".into()),
            rev: Some(rev.into()),
            path: "models/rf".into(),
            link_type: "model",
            status: "ok",
            finding: None,
            lands: Some(Landed {
                repository: Some("https://github.com/org/models".into()),
                commit: Some(commit.into()),
                path: "models/rf.mlem".into(),
                object_type: "model",
            }),
        }
    }

    fn entry(name: &str, what: &str) -> Entry {
        Entry {
            name: name.into(),
            file: format!("{name}.mlem"),
            field: None,
            production: true,
            kind: Kind::Changed,
            before: Some(side("v1", &"a".repeat(40))),
            after: Some(side("v2", &"b".repeat(40))),
            compare_url: Some(format!(
                "https://github.com/org/models/compare/{}...{}",
                "a".repeat(40),
                "b".repeat(40)
            )),
            changes: vec![Change {
                what: what.into(),
                before: Some("1.1.1".into()),
                after: Some("1.2.0".into()),
            }],
        }
    }

    fn render(entries: Vec<Entry>) -> String {
        let diff = Diff {
            version: VERSION,
            base: "c".repeat(40),
            head: None,
            entries,
        };
        let mut out = Vec::new();
        write(&diff, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_production_link_moved_to_a_new_version() {
        insta::assert_snapshot!(render(vec![entry(
            "production/rf",
            "requirement scikit-learn"
        )]));
    }

    #[test]
    fn hostile_names_add_no_markup_and_odd_urls_no_link() {
        let mut hostile = entry("x` <img src=x> [a](http://e)", "requirement <b>x</b>");
        hostile.compare_url = Some("https://github.com/o/r/compare/a...b)[x](http://evil".into());
        let text = render(vec![hostile]);
        // Outside code spans (which GitHub shows literally) no tag, link or image starts.
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 0 {
                assert!(
                    !part.contains('<') && !part.contains("]("),
                    "{part:?} in {text}"
                );
            }
        }
        assert!(!text.contains("evil"), "{text}");
    }

    #[test]
    fn many_links_are_cut_and_counted_within_a_check_runs_summary() {
        let entries: Vec<Entry> = (0..200)
            .map(|i| {
                let mut e = entry(
                    &format!("links/{i:03}/{}", "n".repeat(150)),
                    "requirement x",
                );
                e.changes = (0..30)
                    .map(|j| Change {
                        what: format!("requirement {}{j}", "p".repeat(60)),
                        before: Some("1".repeat(100)),
                        after: Some("2".repeat(100)),
                    })
                    .collect();
                e
            })
            .collect();
        let text = render(entries);
        assert!(
            text.len() < MAX_SECTION_BYTES + 1024,
            "{} bytes",
            text.len()
        );
        assert!(
            text.contains("more links land differently (cut to fit GitHub's summary)"),
            "{text}"
        );
        assert!(text.contains("… and 18 more changes in the object"));
    }
}
