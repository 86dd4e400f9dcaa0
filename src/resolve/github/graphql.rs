//! GraphQL batches: many repositories, revs and paths in one query, each behind an alias, and
//! GitHub's answer (partial data plus `NOT_FOUND` errors) read back into answers.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{answer_for_blob, not_found_hint};
use crate::github::{Error, Reply};
use crate::resolve::question::{
    Answer, BlobAnswer, Question, RepoAnswer, RevAnswer, RevKind, SizeAnswer,
};
use crate::resolve::target::RepoId;

/// One query and the questions its aliases answer.
#[derive(Debug)]
pub struct Batch {
    /// The GraphQL document.
    pub query: String,
    /// Per repository alias: the repository and its questions, by field alias.
    repos: Vec<RepoPart>,
}

#[derive(Debug)]
struct RepoPart {
    alias: String,
    repo: RepoId,
    questions: Vec<(String, Question)>,
}

impl Batch {
    /// Every question this batch answers.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.repos
            .iter()
            .flat_map(|part| part.questions.iter().map(|(_, q)| q))
    }
}

/// The fields a question costs in a query: a rev asks the branch, the tag and the object.
fn cost(question: &Question) -> usize {
    match question {
        Question::Rev(_, Some(rev)) if !is_full_sha(rev) => 3,
        _ => 1,
    }
}

/// A full commit id: 40 hex digits.
pub fn is_full_sha(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Packs GitHub `questions` into queries of at most `max_fields` fields each.
pub fn batches(questions: Vec<Question>, max_fields: usize) -> Vec<Batch> {
    let mut by_repo: BTreeMap<RepoId, Vec<Question>> = BTreeMap::new();
    for question in questions {
        by_repo
            .entry(question.repo().clone())
            .or_default()
            .push(question);
    }
    let mut batches = Vec::new();
    let mut parts: Vec<(RepoId, Vec<Question>)> = Vec::new();
    let mut fields = 0;
    for (repo, questions) in by_repo {
        let mut chunk = Vec::new();
        for question in questions {
            let needed = cost(&question);
            let overhead = if chunk.is_empty() { 2 } else { 0 };
            if fields + overhead + needed > max_fields && (!chunk.is_empty() || !parts.is_empty()) {
                if !chunk.is_empty() {
                    parts.push((repo.clone(), std::mem::take(&mut chunk)));
                }
                batches.push(build(std::mem::take(&mut parts)));
                fields = 0;
            }
            if chunk.is_empty() {
                fields += 2;
            }
            fields += needed;
            chunk.push(question);
        }
        if !chunk.is_empty() {
            parts.push((repo, chunk));
        }
    }
    if !parts.is_empty() {
        batches.push(build(parts));
    }
    batches
}

/// A GraphQL string literal (JSON's escapes are a subset of GraphQL's).
fn literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn build(parts: Vec<(RepoId, Vec<Question>)>) -> Batch {
    let mut query = String::from("query {\n");
    let mut repos = Vec::new();
    for (index, (repo, questions)) in parts.into_iter().enumerate() {
        let RepoId::GitHub { owner, name, .. } = &repo else {
            continue;
        };
        let alias = format!("r{index}");
        query.push_str(&format!(
            "  {alias}: repository(owner: {}, name: {}, followRenames: true) {{\n    nameWithOwner\n    isArchived\n    defaultBranchRef {{ name target {{ oid }} }}\n",
            literal(owner),
            literal(name)
        ));
        let mut named = Vec::new();
        for (field, question) in questions.into_iter().enumerate() {
            let field = format!("f{field}");
            match &question {
                Question::Rev(_, Some(rev)) => {
                    if !is_full_sha(rev) {
                        query.push_str(&format!(
                            "    {field}h: ref(qualifiedName: {}) {{ target {{ oid }} }}\n",
                            literal(&format!("refs/heads/{rev}"))
                        ));
                        query.push_str(&format!(
                            "    {field}t: ref(qualifiedName: {}) {{ target {{ __typename oid ... on Tag {{ target {{ oid }} }} }} }}\n",
                            literal(&format!("refs/tags/{rev}"))
                        ));
                    }
                    query.push_str(&format!(
                        "    {field}c: object(expression: {}) {{ __typename oid ... on Tag {{ target {{ __typename oid }} }} }}\n",
                        literal(rev)
                    ));
                }
                Question::Blob(_, rev, path) => {
                    let expression = format!("{}:{path}", rev.as_deref().unwrap_or("HEAD"));
                    query.push_str(&format!(
                        "    {field}: object(expression: {}) {{ __typename ... on Blob {{ text isBinary isTruncated byteSize }} }}\n",
                        literal(&expression)
                    ));
                }
                // The size alone: an artifact's content is never asked for.
                Question::Size(_, rev, path) => {
                    let expression = format!("{}:{path}", rev.as_deref().unwrap_or("HEAD"));
                    query.push_str(&format!(
                        "    {field}: object(expression: {}) {{ __typename ... on Blob {{ byteSize }} }}\n",
                        literal(&expression)
                    ));
                }
                Question::Repo(_) | Question::Rev(_, None) => {}
            }
            named.push((field, question));
        }
        query.push_str("  }\n");
        repos.push(RepoPart {
            alias,
            repo: repo.clone(),
            questions: named,
        });
    }
    query.push('}');
    Batch { query, repos }
}

/// GraphQL cannot be used for this batch: ask REST instead.
#[derive(Debug)]
pub struct Fallback;

/// Reads GitHub's reply to `batch`.
pub fn read(batch: &Batch, reply: &Reply) -> Result<Vec<(Question, Answer)>, Fallback> {
    if matches!(reply.status, 401 | 404) {
        return Err(Fallback);
    }
    let all = |why: Error| -> Vec<(Question, Answer)> {
        batch
            .questions()
            .map(|q| (q.clone(), Answer::Unverified(why.clone().into())))
            .collect()
    };
    let Ok(body) = serde_json::from_str::<Value>(&reply.body) else {
        return Ok(all(Error::GraphqlNotJson(reply.status)));
    };
    if reply.status != 200 {
        return Ok(all(Error::status(reply.status, &reply.body)));
    }
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    let data = &body["data"];
    if !data.is_object() {
        let message = errors
            .first()
            .and_then(|e| e["message"].as_str())
            .unwrap_or("no data");
        return Ok(all(Error::GraphqlRefused(message.to_owned())));
    }
    // A failure GitHub cannot tie to a field (a timeout: "Something went wrong while executing
    // your query") comes without a path, and the fields it cut short are null: in such an
    // answer a null says nothing, so what would read as missing is unverified. Only a null with
    // no such error, or a NOT_FOUND naming the field's path, means missing.
    let untied = errors
        .iter()
        .find(|e| e["path"].as_array().is_none_or(Vec::is_empty))
        .map(|e| graphql_error(e, "an error naming no field"));
    let distrust_nulls = |answer: Answer| match (&untied, answer) {
        (
            Some(why),
            Answer::Rev(RevAnswer::NotFound)
            | Answer::Blob(BlobAnswer::Missing)
            | Answer::Size(SizeAnswer::Missing),
        ) => Answer::Unverified(why.clone().into()),
        (_, answer) => answer,
    };
    let mut answers = Vec::new();
    for part in &batch.repos {
        let value = &data[&part.alias];
        if !value.is_null() && !value.is_object() {
            let why = Error::BadAnswer("GitHub's answer lacks this repository".into());
            let unverified = part
                .questions
                .iter()
                .map(|(_, q)| (q.clone(), Answer::Unverified(why.clone().into())));
            answers.extend(unverified);
            continue;
        }
        if value.is_null() {
            let error = errors.iter().find(|e| e["path"][0] == part.alias.as_str());
            let answer_all = |answer: &dyn Fn(&Question) -> Answer| {
                part.questions
                    .iter()
                    .map(|(_, q)| (q.clone(), answer(q)))
                    .collect::<Vec<_>>()
            };
            match error.map(|e| e["type"].as_str().unwrap_or("")) {
                Some("NOT_FOUND") => {
                    answers.push((
                        Question::Repo(part.repo.clone()),
                        Answer::Repo(RepoAnswer::NotFound {
                            hint: Some(not_found_hint(true)),
                        }),
                    ));
                    answers.extend(answer_all(&|q| {
                        let hint = Some(not_found_hint(true));
                        Answer::nothing_for(q, RepoAnswer::NotFound { hint })
                    }));
                }
                _ => {
                    let why = Error::GraphqlRepository {
                        error_type: error.and_then(|e| e["type"].as_str()).map(str::to_owned),
                        message: error
                            .and_then(|e| e["message"].as_str())
                            .unwrap_or("GitHub returned no data for it")
                            .to_owned(),
                    };
                    answers.extend(answer_all(&|_| Answer::Unverified(why.clone().into())));
                }
            }
            continue;
        }
        let name = value["nameWithOwner"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let archived = value["isArchived"] == true;
        answers.push((
            Question::Repo(part.repo.clone()),
            Answer::Repo(RepoAnswer::Found { name, archived }),
        ));
        // A field GitHub could not answer (no access to contents, a timeout) is null with an
        // error naming its path: that is unverified, not missing.
        let field_error = |field: &str| field_error(&errors, &part.alias, field);
        let default = &value["defaultBranchRef"];
        answers.push((
            Question::Rev(part.repo.clone(), None),
            distrust_nulls(field_error("defaultBranchRef").unwrap_or_else(|| {
                match (default["name"].as_str(), default["target"]["oid"].as_str()) {
                    (Some(branch), Some(sha)) => Answer::Rev(RevAnswer::Commit {
                        sha: sha.to_owned(),
                        kind: RevKind::DefaultBranch(branch.to_owned()),
                    }),
                    _ => Answer::Rev(RevAnswer::NotFound),
                }
            })),
        ));
        for (field, question) in &part.questions {
            let answer = match question {
                Question::Repo(_) | Question::Rev(_, None) => continue,
                Question::Rev(_, Some(_)) => ["h", "t", "c"]
                    .iter()
                    .find_map(|suffix| field_error(&format!("{field}{suffix}")))
                    .unwrap_or_else(|| Answer::Rev(read_rev(value, field))),
                Question::Blob(..) => match value.get(field.as_str()) {
                    None => bad_answer("GitHub's answer lacks this path"),
                    Some(blob) if blob["isTruncated"] == true => {
                        bad_answer("GitHub's GraphQL API truncated the file")
                    }
                    Some(blob) => {
                        field_error(field).unwrap_or_else(|| Answer::Blob(read_blob(blob)))
                    }
                },
                Question::Size(..) => match value.get(field.as_str()) {
                    None => bad_answer("GitHub's answer lacks this path"),
                    Some(object) => field_error(field).unwrap_or_else(|| read_size(object)),
                },
            };
            answers.push((question.clone(), distrust_nulls(answer)));
        }
    }
    Ok(answers)
}

/// A rev is a tag if `refs/tags/REV` exists, else a branch, else whatever commit it names (git's
/// own order for an ambiguous name).
fn read_rev(repo: &Value, field: &str) -> RevAnswer {
    let commit = |sha: Option<&str>, kind| match sha {
        Some(sha) => RevAnswer::Commit {
            sha: sha.to_owned(),
            kind,
        },
        None => RevAnswer::NotFound,
    };
    let tag = &repo[format!("{field}t")]["target"];
    if !tag.is_null() {
        let sha = match tag["__typename"].as_str() {
            Some("Tag") => tag["target"]["oid"].as_str(),
            _ => tag["oid"].as_str(),
        };
        return commit(sha, RevKind::Tag);
    }
    let branch = &repo[format!("{field}h")]["target"];
    if !branch.is_null() {
        return commit(branch["oid"].as_str(), RevKind::Branch);
    }
    let object = &repo[format!("{field}c")];
    match object["__typename"].as_str() {
        Some("Commit") => commit(object["oid"].as_str(), RevKind::Commit),
        Some("Tag") if object["target"]["__typename"] == "Commit" => {
            commit(object["target"]["oid"].as_str(), RevKind::Tag)
        }
        _ => RevAnswer::NotFound,
    }
}

/// The error GitHub reported for `alias.field` (or below it), as an unverified answer.
fn field_error(errors: &[Value], alias: &str, field: &str) -> Option<Answer> {
    errors.iter().find_map(|e| {
        let path = e["path"].as_array()?;
        (path.first()? == alias && path.get(1)? == field)
            .then(|| Answer::Unverified(graphql_error(e, "GitHub could not answer").into()))
    })
}

/// One of GitHub's GraphQL errors (`otherwise`: its message when it has none).
fn graphql_error(error: &Value, otherwise: &str) -> Error {
    Error::Graphql {
        error_type: error["type"].as_str().map(str::to_owned),
        message: error["message"].as_str().unwrap_or(otherwise).to_owned(),
    }
}

/// An answer GitHub's documentation does not allow, as an unverified answer.
fn bad_answer(why: &str) -> Answer {
    Answer::Unverified(Error::BadAnswer(why.to_owned()).into())
}

fn read_size(object: &Value) -> Answer {
    match object["__typename"].as_str() {
        None => Answer::Size(SizeAnswer::Missing),
        Some("Blob") => match object["byteSize"].as_u64() {
            Some(size) => Answer::Size(SizeAnswer::File(size)),
            None => bad_answer("GitHub's answer lacks the file's size"),
        },
        Some(_) => Answer::Size(SizeAnswer::NotAFile),
    }
}

fn read_blob(object: &Value) -> BlobAnswer {
    match object["__typename"].as_str() {
        None => BlobAnswer::Missing,
        Some("Blob") => {
            let size = object["byteSize"].as_u64().unwrap_or(0);
            let text = object["text"]
                .as_str()
                .filter(|_| object["isBinary"] != true);
            answer_for_blob(size, text.map(str::to_owned))
        }
        Some(_) => BlobAnswer::NotAFile,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str) -> RepoId {
        RepoId::GitHub {
            host: "github.com".into(),
            owner: "org".into(),
            name: name.into(),
        }
    }

    #[test]
    fn batches_respect_the_field_limit_and_keep_every_question() {
        let mut questions = Vec::new();
        for r in 0..10 {
            questions.push(Question::Repo(repo(&format!("r{r}"))));
            for p in 0..20 {
                questions.push(Question::Blob(
                    repo(&format!("r{r}")),
                    Some("v1".into()),
                    format!("m{p}.mlem"),
                ));
            }
            questions.push(Question::Rev(repo(&format!("r{r}")), Some("main".into())));
        }
        let total = questions.len();
        let batches = batches(questions, 50);
        assert_eq!(
            batches.iter().map(|b| b.questions().count()).sum::<usize>(),
            total
        );
        assert!(batches.len() >= 5, "{}", batches.len());
        for batch in &batches {
            let fields =
                batch.query.matches(": object(").count() + batch.query.matches(": ref(").count();
            assert!(fields <= 50, "{fields}");
        }
    }

    fn reply(body: serde_json::Value) -> Reply {
        Reply {
            status: 200,
            headers: http::HeaderMap::new(),
            body: body.to_string(),
        }
    }

    /// GitHub's answer to a query that timed out: the repository is there, its ref and object
    /// fields are null, and the error names no path. Nothing is missing; it is all unverified.
    #[test]
    fn nulls_beside_an_error_without_a_path_are_unverified_not_missing() {
        let blob = Question::Blob(repo("r"), Some("v1".into()), "rf.mlem".into());
        let rev = Question::Rev(repo("r"), Some("v1".into()));
        let default = Question::Rev(repo("r"), None);
        let batch = &batches(vec![rev.clone(), blob.clone()], 100)[0];
        let body = |errors: serde_json::Value| {
            reply(serde_json::json!({
                "data": {"r0": {
                    "nameWithOwner": "org/r",
                    "isArchived": false,
                    "defaultBranchRef": null,
                    "f0h": null, "f0t": null, "f0c": null,
                    "f1": null
                }},
                "errors": errors
            }))
        };
        let timed_out = read(
            batch,
            &body(serde_json::json!([{
                "message": "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug."
            }])),
        )
        .unwrap();
        for question in [&blob, &rev, &default] {
            let answer = timed_out
                .iter()
                .find(|(q, _)| q == question)
                .map(|(_, a)| a);
            assert!(
                matches!(answer, Some(Answer::Unverified(why)) if why.to_string().contains("Something went wrong")),
                "{question:?}: {answer:?}"
            );
        }
        // The same nulls without that error: missing, as GitHub means them.
        let missing = read(batch, &body(serde_json::json!([]))).unwrap();
        let answer = |q: &Question| missing.iter().find(|(a, _)| a == q).map(|(_, a)| a.clone());
        assert_eq!(answer(&blob), Some(Answer::Blob(BlobAnswer::Missing)));
        assert_eq!(answer(&rev), Some(Answer::Rev(RevAnswer::NotFound)));
    }

    #[test]
    fn a_field_github_could_not_answer_is_unverified_not_missing() {
        let blob = Question::Blob(repo("r"), Some("v1".into()), "rf.mlem".into());
        let rev = Question::Rev(repo("r"), Some("v1".into()));
        let batch = &batches(vec![rev.clone(), blob.clone()], 100)[0];
        let answers = read(
            batch,
            &reply(serde_json::json!({
                "data": {"r0": {
                    "nameWithOwner": "org/r",
                    "isArchived": true,
                    "defaultBranchRef": {"name": "main", "target": {"oid": "a"}},
                    "f0h": null, "f0t": null, "f0c": {"__typename": "Commit", "oid": "b"},
                    "f1": null
                }},
                "errors": [{"type": "FORBIDDEN", "path": ["r0", "f1"], "message": "Resource not accessible by integration"}]
            })),
        )
        .unwrap();
        let answer = |q: &Question| answers.iter().find(|(a, _)| a == q).map(|(_, a)| a.clone());
        assert!(
            matches!(answer(&blob), Some(Answer::Unverified(why)) if why.to_string().contains("not accessible"))
        );
        assert!(matches!(
            answer(&rev),
            Some(Answer::Rev(RevAnswer::Commit {
                kind: RevKind::Commit,
                ..
            }))
        ));
        assert!(matches!(
            answer(&Question::Repo(repo("r"))),
            Some(Answer::Repo(RepoAnswer::Found { archived: true, .. }))
        ));
    }

    #[test]
    fn a_missing_repository_is_not_found_with_partial_data() {
        let blob = Question::Blob(repo("gone"), None, "rf.mlem".into());
        let batch = &batches(vec![blob.clone()], 100)[0];
        let answers = read(
            batch,
            &reply(serde_json::json!({
                "data": {"r0": null},
                "errors": [{"type": "NOT_FOUND", "path": ["r0"], "message": "Could not resolve to a Repository with the name 'org/gone'."}]
            })),
        )
        .unwrap();
        assert!(answers.iter().any(|(q, a)| matches!(q, Question::Repo(_))
            && matches!(a, Answer::Repo(RepoAnswer::NotFound { .. }))));
    }

    #[test]
    fn names_are_escaped_as_string_literals() {
        let batch = &batches(
            vec![Question::Blob(
                repo("r"),
                Some("v\"1".into()),
                "a b\\c.mlem".into(),
            )],
            100,
        )[0];
        assert!(
            batch
                .query
                .contains(r#"object(expression: "v\"1:a b\\c.mlem")"#),
            "{}",
            batch.query
        );
    }
}
