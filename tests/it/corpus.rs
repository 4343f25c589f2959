//! The bad-input corpus (issue 18): `tests/corpus/cases.jsonl`, each case
//! a mutation of the quickstart scenario (a replaced line, an appended
//! table) or a whole file. Every case must be refused by `validate` and
//! `run` alike: exit 2, no panic, an `error:` located in the file with a
//! `help:`, and nothing written. One test runs them all and reports every
//! failure, not only the first.

use super::root;

#[derive(serde::Deserialize)]
struct Case {
    case: u32,
    op: String,
    find: String,
    with: String,
}

fn bytes_of(c: &Case, quickstart: &str) -> Vec<u8> {
    match c.op.as_str() {
        "replace" => quickstart.replacen(&c.find, &c.with, 1).into_bytes(),
        "append" => format!("{quickstart}{}", c.with).into_bytes(),
        "whole" => c.with.clone().into_bytes(),
        "hex" => (0..c.with.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&c.with[i..i + 2], 16).unwrap())
            .collect(),
        other => panic!("case {}: unknown op {other}", c.case),
    }
}

/// Why the command on `file` is not a clean refusal, if it is not.
fn check(dir: &std::path::Path, cmd: &str, file: &str) -> Option<String> {
    let out = dir.join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args([cmd, file])
        .args(if cmd == "run" {
            &["-n", "2", "--out", "out"][..]
        } else {
            &[][..]
        })
        .current_dir(dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let first = err.lines().next().unwrap_or("").to_string();
    if o.status.code() != Some(2) {
        return Some(format!("exit {:?}: {first}", o.status.code()));
    }
    if err.contains("panicked") {
        return Some(format!("panic: {err}"));
    }
    if !first.starts_with(&format!("error: {file}")) {
        return Some(format!("not located in {file}: {first}"));
    }
    if !err.lines().any(|l| l.starts_with("  help: ")) {
        return Some(format!("no help: {first}"));
    }
    if out.exists() || std::fs::read_dir(dir).unwrap().count() != 1 {
        return Some("wrote something".into());
    }
    None
}

#[test]
fn every_case_of_the_bad_input_corpus_is_refused_cleanly() {
    let quickstart = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let text = std::fs::read_to_string(root().join("tests/corpus/cases.jsonl")).unwrap();
    let cases: Vec<Case> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(cases.len() >= 100, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        let file = format!("case-{}.toml", c.case);
        std::fs::write(dir.path().join(&file), bytes_of(c, &quickstart)).unwrap();
        for cmd in ["validate", "run"] {
            if let Some(why) = check(dir.path(), cmd, &file) {
                failures.push(format!("case {} ({cmd}, {:?}): {why}", c.case, c.with));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
