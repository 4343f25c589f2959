//! The repository carries its own sources file, `docs/sources.md`: every
//! `docs/sources.md#` reference anywhere in the repository names an entry in
//! it, every default in `facts.rs` and every rule cites one, and nothing
//! cites a file outside the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::root;

/// The ids of `docs/sources.md`: its `### id` headings.
fn ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("docs/sources.md")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(|id| id.trim().to_string())
        .collect()
}

/// Every id cited in `text` (after `sources.md#`; a bare `#` cites none).
fn cited(text: &str) -> Vec<String> {
    text.match_indices("sources.md#")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .filter(|id| !id.is_empty())
        .collect()
}

/// The repository's text files: sources, docs, scenarios, tests, benches.
fn files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| {
                ["rs", "md", "toml", "py", "sh", "stderr"].contains(&e.to_str().unwrap())
            }) {
                out.push(p);
            }
        }
    }
    let mut out = vec![root().join("README.md")];
    for d in ["src", "docs", "scenarios", "tests", "benches"] {
        walk(&root().join(d), &mut out);
    }
    out
}

#[test]
fn every_cited_source_id_exists() {
    let ids = ids();
    assert!(ids.len() >= 40, "docs/sources.md has its entries: {ids:?}");
    let mut n = 0;
    for f in files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for id in cited(&text) {
            n += 1;
            assert!(
                ids.contains(&id),
                "{}: cites docs/sources.md#{id}, which does not exist",
                f.display()
            );
        }
    }
    assert!(n >= 80, "only {n} citations found");
}

#[test]
fn every_default_and_every_rule_cites_its_source() {
    let facts = std::fs::read_to_string(root().join("src/aws/facts.rs")).unwrap();
    // Each `pub const` has a doc block that cites an entry, or points at the constant that does.
    let mut doc = String::new();
    for line in facts.lines() {
        let t = line.trim_start();
        if let Some(d) = t.strip_prefix("///") {
            doc.push_str(d);
        } else if let Some(rest) = t.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap();
            assert!(
                name == "MIB_PER_GIB" || doc.contains("sources.md#") || doc.contains("See [`"),
                "facts.rs: {name} cites no entry of docs/sources.md"
            );
            doc.clear();
        } else if !t.is_empty() && !t.starts_with("#[") {
            doc.clear();
        }
    }
    for r in amisim::aws::rules::Rule::ALL {
        let id = r
            .source()
            .strip_prefix("docs/sources.md#")
            .expect("a sources.md entry");
        assert!(ids().contains(id), "{r:?} cites {id}");
    }
}

#[test]
fn nothing_cites_a_file_outside_the_repository() {
    for f in files() {
        let text = std::fs::read_to_string(&f).unwrap();
        // Spelled in two pieces, so that this file does not find itself.
        for outside in [concat!("aws-", "facts.md"), concat!("shared", "/aws-")] {
            assert!(
                !text.contains(outside),
                "{} cites {outside}, which users never see",
                f.display()
            );
        }
    }
}
