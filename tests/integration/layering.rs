//! The library's modules form layers: no module refers, directly or through others, to a
//! module that refers back to it (walk → parse → validate → resolve → policy → report, with
//! `check` on top). Read from the sources: every `crate::a::b` path (and `super::`) outside test
//! modules is an edge between the modules at depth 1 and 2; a cycle fails with the edges that
//! make it, file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The binary's own modules (they sit above the library, in another crate).
const BINARY: &[&str] = &["main.rs", "actions.rs", "cli.rs", "terminal.rs", "commands"];

type Module = Vec<String>;

/// Edges between modules cut at `depth`, each with where it is made.
fn edges(depth: usize) -> BTreeMap<(Module, Module), Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut edges: BTreeMap<(Module, Module), Vec<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str();
        if BINARY.iter().any(|b| top == *b) {
            continue;
        }
        let mut me: Module = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(me.last().map(String::as_str), Some("mod" | "lib")) {
            me.pop();
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in code_lines(&text) {
            for path in paths_in(&line) {
                let target = match path.first().map(String::as_str) {
                    Some("crate") => path[1..].to_vec(),
                    Some("super") => {
                        let mut base = me[..me.len().saturating_sub(1)].to_vec();
                        base.extend(path[1..].iter().cloned());
                        base
                    }
                    _ => continue,
                };
                let from: Module = me.iter().take(depth).cloned().collect();
                let to: Module = target.iter().take(depth).cloned().collect();
                let is_module = to
                    .first()
                    .is_some_and(|m| m.starts_with(char::is_lowercase));
                if !from.is_empty() && is_module && from != to && !to.starts_with(&from) {
                    let at = format!("src/{}:{number}", relative.display());
                    edges.entry((from, to)).or_default().push(at);
                }
            }
        }
    }
    edges
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The lines before the file's test module, without comments or string literals (a path in a
/// string is a name, not an import), numbered from 1.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, String)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| !line.trim_start().starts_with("#[cfg(test)]"))
        .map(|(i, line)| {
            (
                i + 1,
                without_strings(line.split("//").next().unwrap_or_default()),
            )
        })
}

/// `line` with the text of its string literals left out.
fn without_strings(line: &str) -> String {
    let mut kept = String::with_capacity(line.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, c) => kept.push(c),
        }
    }
    kept
}

/// Every `crate::…` / `super::…` path of a line, segment by segment (`crate::{a, b}` gives
/// both).
fn paths_in(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for root in ["crate::", "super::"] {
        let mut rest = line;
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + root.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let head = root.trim_end_matches("::").to_owned();
            if let Some(group) = rest.strip_prefix('{') {
                for item in group.split('}').next().unwrap_or_default().split(',') {
                    let segments = item.trim().split("::").map(|s| s.trim().to_owned());
                    found.push(std::iter::once(head.clone()).chain(segments).collect());
                }
                continue;
            }
            let segments = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            found.push(std::iter::once(head).chain(segments).collect());
        }
    }
    found
}

/// The cycles of the graph, each as the modules on it (Tarjan's strongly connected
/// components of more than one module).
fn cycles(edges: &BTreeMap<(Module, Module), Vec<String>>) -> Vec<BTreeSet<Module>> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    // Reachability by depth-first search from each module: small graphs, clarity over speed.
    let reach = |start: &Module| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(module) = stack.pop() {
            for &to in &next[module] {
                if seen.insert(to.clone()) {
                    stack.push(to);
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Module, BTreeSet<Module>> =
        next.keys().map(|&m| (m, reach(m))).collect();
    let mut found: Vec<BTreeSet<Module>> = Vec::new();
    for (&module, reached) in &reachable {
        let component: BTreeSet<Module> = reached
            .iter()
            .filter(|other| reachable[other].contains(module))
            .cloned()
            .collect();
        if component.len() > 1 && !found.contains(&component) {
            found.push(component);
        }
    }
    found
}

#[test]
fn the_library_modules_form_layers() {
    for depth in [1, 2] {
        let edges = edges(depth);
        let mut report = String::new();
        for cycle in cycles(&edges) {
            report.push_str("cycle:\n");
            for ((from, to), at) in &edges {
                if cycle.contains(from) && cycle.contains(to) {
                    let at: Vec<_> = at.iter().take(3).cloned().collect();
                    report.push_str(&format!(
                        "  {} -> {}  ({})\n",
                        from.join("::"),
                        to.join("::"),
                        at.join(", ")
                    ));
                }
            }
        }
        assert!(report.is_empty(), "modules at depth {depth}:\n{report}");
    }
}

#[test]
fn the_reader_sees_the_imports_it_must() {
    // The check above is only as good as its reading of paths: pin it on the forms used here.
    let paths = paths_in("use crate::{config::Config, mlem}; let x = super::remote::Answer;");
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        [
            "crate::config::Config",
            "crate::mlem",
            "super::remote::Answer"
        ]
    );
    assert!(paths_in("use mycrate::x;").is_empty());
    let named = without_strings(r#"Trigger::Elsewhere("crate::check::x"), crate::y"#);
    assert_eq!(paths_in(&named).len(), 1, "{named}");
    let a = vec!["a".to_owned()];
    let b = vec!["b".to_owned()];
    let mut looped = BTreeMap::new();
    looped.insert((a.clone(), b.clone()), vec![]);
    assert!(cycles(&looped).is_empty());
    looped.insert((b.clone(), a.clone()), vec![]);
    assert_eq!(cycles(&looped), [BTreeSet::from([a, b])]);
}
