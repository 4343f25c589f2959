//! The module layering documented in `src/lib.rs`, checked on the source.
//!
//! Two rules:
//! - a top-level module imports only modules below it in the chain that
//!   `lib.rs` documents on its `Layers` line;
//! - below the top level, no two sibling modules depend on each other, even
//!   through others (no cycle among the files of one directory).
//!
//! A dependency is any `crate::…` or `super::…` path in a file's code
//! (comments and its `#[cfg(test)]` part left out).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use super::root;

/// A module path, e.g. `["scenario", "resolve"]`.
type ModPath = Vec<String>;

/// The chain from the `//! Layers` line of lib.rs: its words that name a
/// top-level module, lowest first.
fn documented_chain(lib_rs: &str) -> Vec<String> {
    let start = lib_rs
        .find("//! Layers")
        .expect("lib.rs documents its layers on a line starting `//! Layers`");
    let mut text = String::new();
    for line in lib_rs[start..].lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        if rest.trim().is_empty() {
            break;
        }
        text.push_str(rest);
        text.push(' ');
    }
    let mut chain = Vec::new();
    for part in text.split('←') {
        // The first `name` of each part that is a plain identifier (a link
        // `[`name`]` for a public module) names the layer.
        let is_name =
            |w: &&str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if let Some(name) = part.split('`').skip(1).step_by(2).find(is_name) {
            chain.push(name.to_string());
        }
    }
    chain
}

/// The module a file under `src/` defines.
fn module_of(rel: &str) -> ModPath {
    let rel = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file: no comments, no `#[cfg(test)]` item (a test module
/// may use any layer to build its fixtures).
fn code_of(text: &str) -> String {
    let text: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends at its `;`, or at the brace closing its first `{`.
        let end = match (item.find(';'), item.find('{')) {
            (Some(semi), Some(open)) if semi < open => semi + 1,
            (_, Some(open)) => {
                let mut depth = 0;
                let mut end = item.len();
                for (i, c) in item[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                end
            }
            (Some(semi), None) => semi + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Every module path a piece of code names through `crate::` or `super::`,
/// braces (`crate::{a, b::c}`) expanded one level.
fn referenced_paths(code: &str, own: &ModPath) -> Vec<ModPath> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let word_start = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let base: Option<(ModPath, usize)> = if word_start && rest.starts_with("crate::") {
            Some((Vec::new(), "crate::".len()))
        } else if word_start && rest.starts_with("super::") {
            let mut base = own.clone();
            let mut len = 0;
            // A file's `super` is its parent module; a directory module's
            // (`x/mod.rs`) as well: `own` is already the directory.
            while code[i + len..].starts_with("super::") {
                base.pop();
                len += "super::".len();
            }
            Some((base, len))
        } else {
            None
        };
        let Some((base, len)) = base else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let after = &code[i + len..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        items.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                item.push(c);
            }
            items.push(item);
            for it in items {
                let mut p = base.clone();
                p.extend(segments(it.trim()));
                out.push(p);
            }
        } else {
            let mut p = base.clone();
            p.extend(segments(after));
            out.push(p);
        }
        i += len;
    }
    out
}

/// The leading `a::b::c` identifiers of a path.
fn segments(path: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = path;
    loop {
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        rest = &rest[ident.len()..];
        segs.push(ident);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    segs
}

/// Every layering violation in a set of files (`src/`-relative path, text).
pub fn violations(files: &[(String, String)], chain: &[String]) -> Vec<String> {
    let modules: BTreeSet<ModPath> = files.iter().map(|(p, _)| module_of(p)).collect();
    // The longest known module a referenced path lies in.
    let known = |p: &ModPath| -> ModPath {
        (0..=p.len())
            .rev()
            .map(|n| p[..n].to_vec())
            .find(|m| modules.contains(m))
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    // Sibling edges, by parent: parent -> (from, to) -> a file that shows it.
    let mut edges: BTreeMap<ModPath, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (rel, text) in files {
        let own = module_of(rel);
        for target in referenced_paths(&code_of(text), &own) {
            let target = known(&target);
            let common = own.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == own.len() || common == target.len() {
                continue; // itself, an ancestor or a descendant
            }
            let (from, to) = (own[common].clone(), target[common].clone());
            if common == 0 {
                let rank = |m: &str| chain.iter().position(|c| c == m);
                match (rank(&from), rank(&to)) {
                    (Some(f), Some(t)) if t < f => {}
                    (Some(_), Some(_)) => problems.push(format!(
                        "{rel}: `{from}` imports `{to}`, which is above it in lib.rs's chain ({})",
                        chain.join(" ← ")
                    )),
                    _ => problems.push(format!(
                        "{rel}: `{from}` or `{to}` is missing from lib.rs's Layers line"
                    )),
                }
            } else {
                edges
                    .entry(own[..common].to_vec())
                    .or_default()
                    .entry((from, to))
                    .or_insert_with(|| rel.clone());
            }
        }
    }
    for (parent, es) in &edges {
        let next: BTreeMap<&str, Vec<&str>> = es.keys().fold(BTreeMap::new(), |mut m, (f, t)| {
            m.entry(f.as_str())
                .or_insert_with(Vec::new)
                .push(t.as_str());
            m
        });
        for ((from, to), rel) in es {
            // A path back from `to` to `from` closes a cycle.
            let mut seen = BTreeSet::new();
            let mut stack = vec![to.as_str()];
            while let Some(m) = stack.pop() {
                if m == from {
                    problems.push(format!(
                        "{rel}: `{}::{from}` imports `{to}`, and `{to}` depends on `{from}` in turn",
                        parent.join("::")
                    ));
                    break;
                }
                if seen.insert(m) {
                    stack.extend(next.get(m).into_iter().flatten());
                }
            }
        }
    }
    problems
}

fn source_files() -> Vec<(String, String)> {
    let src = root().join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).expect("src/ is readable") {
            let p = e.expect("a directory entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&src).expect("under src/");
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel != "main.rs" {
                    files.push((rel, fs::read_to_string(&p).expect("a source file")));
                }
            }
        }
    }
    files.sort();
    files
}

fn chain() -> Vec<String> {
    documented_chain(&fs::read_to_string(root().join("src/lib.rs")).expect("lib.rs"))
}

#[test]
fn lib_rs_documents_every_top_level_module_in_its_chain() {
    let chain = chain();
    let top: BTreeSet<String> = source_files()
        .iter()
        .map(|(p, _)| module_of(p))
        .filter(|m| m.len() == 1)
        .map(|m| m[0].clone())
        .collect();
    let documented: BTreeSet<String> = chain.iter().cloned().collect();
    assert_eq!(top, documented, "lib.rs's Layers line: {chain:?}");
}

#[test]
fn no_module_imports_one_above_it_and_no_siblings_import_each_other() {
    let problems = violations(&source_files(), &chain());
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_catches_an_upward_import_and_a_cycle() {
    let file = |p: &str, t: &str| (p.to_string(), t.to_string());
    let chain: Vec<String> = ["engine", "aws", "pipeline"].map(String::from).to_vec();
    let files = vec![
        file("engine/mod.rs", "pub mod queue;\n"),
        file("engine/queue.rs", "use super::Thing;\n"),
        file(
            "aws/mod.rs",
            "use crate::pipeline::config::RegionId; // wrong\n",
        ),
        file(
            "pipeline/mod.rs",
            "pub mod a; pub mod b;\nuse crate::{aws, engine::queue};\n",
        ),
        file("pipeline/a.rs", "use super::b::X;\n"),
        file(
            "pipeline/b.rs",
            "fn f() { crate::pipeline::a::y() }\n#[cfg(test)]\nuse crate::cli;\n",
        ),
    ];
    let problems = violations(&files, &chain);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("aws/mod.rs: `aws` imports `pipeline`"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("`pipeline::a` imports `b`"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].contains("`pipeline::b` imports `a`"),
        "{}",
        problems[2]
    );
    // Comments and test code do not count; a chain read from lib.rs's text.
    let lib =
        "//! Layers, lowest first:\n//! [`engine`] (time) ← [`aws`] ← [`pipeline`] (model).\n//!\n";
    assert_eq!(documented_chain(lib), chain);
}
