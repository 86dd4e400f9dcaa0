//! One listed file read, parsed and validated, with the findings that needs no link resolved.

use super::FileResult;
use crate::mlem::NotObject;
use crate::mlem::file::{ParsedFile, parse_content};
use crate::mlem::locate::Locator;
use crate::policy;
use crate::registry::{self, Lookup};
use crate::rules;

/// Reads, parses and validates one listed file; `None` when it is gone from disk (a tracked file
/// deleted in the working tree is not part of the working tree git sees).
pub(super) fn read_and_validate(reader: &dyn registry::Reader, path: String) -> Option<FileResult> {
    let mut findings = Vec::new();
    let parsed = match reader.lookup(&path) {
        Ok(Lookup::File(content)) => parse_content(content),
        Ok(Lookup::Escapes(why)) => {
            let span = crate::finding::Span::file_start();
            findings.push(rules::link_path_escapes_repo::finding(
                &path, span, &path, &why,
            ));
            unreadable(NotObject::Escapes(why))
        }
        Ok(Lookup::Missing | Lookup::NotAFile) => return None,
        Ok(Lookup::Special(kind)) => {
            findings.push(rules::file_special::finding(&path, kind));
            unreadable(NotObject::Special(kind))
        }
        Err(error) => {
            findings.push(rules::yaml_syntax::RULE.finding(
                &path,
                crate::finding::Span::file_start(),
                format!("cannot read the file: {error}"),
            ));
            unreadable(NotObject::Unreadable(error.to_string()))
        }
    };
    let mut parsed = parsed;
    if let Some(problem) = &parsed.problem {
        findings.push(policy::problem_finding(&path, &parsed.text, problem));
    } else if let Some(value) = parsed.value.take() {
        // The value is needed for validation only: a 100,000-file registry must not keep them all.
        let issues = crate::schema::validate(&value);
        if !issues.is_empty() {
            let locator = Locator::new(&parsed.text);
            findings.extend(policy::schema_findings(&path, &locator, &issues));
        }
    }
    // The text is kept for spans: findings have them now, links may get them after resolution.
    let has_links = parsed.object.as_ref().is_ok_and(|o| !o.links.is_empty());
    if findings.is_empty() && !has_links {
        parsed.text = String::new();
    }
    Some(FileResult {
        path: path.into_boxed_str(),
        text: parsed.text.into_boxed_str(),
        object: parsed.object,
        out: (!findings.is_empty()).then(|| {
            Box::new(super::Outputs {
                findings,
                links: Vec::new(),
            })
        }),
    })
}

fn unreadable(reason: NotObject) -> ParsedFile {
    ParsedFile {
        text: String::new(),
        problem: None,
        value: None,
        object: Err(reason),
    }
}
