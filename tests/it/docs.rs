//! The book in `docs/`: its CLI reference is what the binary's help says
//! (regenerated with `AMISIM_BLESS=1`), and every relative link of README
//! and the book names a file that exists and, with `#anchor`, a heading in it.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::{amisim_ok, assert_golden, root};

/// The reference of every command: each one's `amisim help COMMAND`.
fn cli_reference() -> String {
    let mut out = String::from(
        "# Reference of every command\n\nGenerated from the binary's own help (`amisim help COMMAND`) by\n`tests/it/docs.rs`, so it cannot drift: `AMISIM_BLESS=1 cargo test docs`\nrewrites it. The [command line](cli.md) chapter says what the flags mean\ntogether.\n",
    );
    let mut names = vec![None];
    names.extend(
        amisim::cli::Cli::command()
            .get_subcommands()
            .map(|c| Some(c.get_name().to_string())),
    );
    for name in names {
        let mut args = vec!["help"];
        if let Some(n) = &name {
            args.push(n);
        }
        let help = String::from_utf8(amisim_ok(&args).stdout).unwrap();
        let title = name.map_or("amisim".to_string(), |n| format!("amisim {n}"));
        out.push_str(&format!(
            "\n## {title}\n\n```text\n{}\n```\n",
            help.trim_end()
        ));
    }
    out
}

#[test]
fn the_cli_reference_is_what_the_binary_says() {
    assert_golden(Path::new("docs/src/cli-reference.md"), &cli_reference());
}

/// A heading's anchor as mdBook and GitHub make it: lower case, spaces to
/// `-`, punctuation but `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The text of `file` with its `{{#include path[:anchor]}}` lines replaced
/// by what they include, as mdBook renders it.
fn rendered(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut out = String::new();
    for line in text.lines() {
        if let Some(inc) = line
            .strip_prefix("{{#include ")
            .and_then(|l| l.strip_suffix("}}"))
        {
            let (path, anchor) = inc.split_once(':').unwrap_or((inc, ""));
            let whole = rendered(&file.parent().unwrap().join(path));
            let (start, end) = (format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}"));
            let part = if anchor.is_empty() {
                whole.as_str()
            } else {
                let a = whole.find(&start).expect("the include's anchor") + start.len();
                let a = a + whole[a..].find('\n').unwrap_or(0);
                &whole[a..a + whole[a..].find(&end).expect("the include's anchor end")]
            };
            out.push_str(part);
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The anchors of the headings of a Markdown text, outside code blocks.
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every relative link `[text](target)` of a Markdown text, outside code.
fn links(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for (i, _) in line.match_indices("](") {
            let rest = &line[i + 2..];
            let target: String = rest.chars().take_while(|c| *c != ')').collect();
            if !target.contains("://") && !target.starts_with("mailto:") {
                out.push(target);
            }
        }
    }
    out
}

fn book_files() -> Vec<PathBuf> {
    let mut v = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs/src")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "md") {
            v.push(p);
        }
    }
    v.sort();
    v
}

#[test]
fn every_relative_link_of_readme_and_the_book_resolves() {
    let mut broken = Vec::new();
    let mut n = 0;
    for file in book_files() {
        let text = rendered(&file);
        // An included file's links are relative to the including one.
        for target in links(&text) {
            n += 1;
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !dest.exists() {
                broken.push(format!("{}: {target}: no such file", file.display()));
            } else if !anchor.is_empty()
                && dest.extension().is_some_and(|e| e == "md")
                && !anchors(&rendered(&dest)).iter().any(|a| a == anchor)
            {
                broken.push(format!("{}: {target}: no such heading", file.display()));
            }
        }
    }
    assert!(n >= 100, "only {n} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_check_catches_a_missing_file_and_heading() {
    assert_eq!(slug(" `amisim run`: the Flags!"), "amisim-run-the-flags");
    assert_eq!(
        links("see [a](x.md#b) and [c](https://e.org)\n```\n[d](y.md)\n```"),
        ["x.md#b"]
    );
    assert_eq!(
        anchors("# One\n```\n# not\n```\n## Two words"),
        ["one", "two-words"]
    );
}

#[test]
fn the_committed_schema_is_what_amisim_schema_prints() {
    let o = amisim_ok(&["schema"]);
    assert_golden(
        Path::new("docs/scenario.schema.json"),
        &String::from_utf8(o.stdout).unwrap(),
    );
}

/// A TOML document as the JSON an editor's schema check sees (a date-time
/// is its RFC 3339 string).
fn as_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(as_json).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, as_json(v))).collect()),
    }
}

/// The schema's complaints about the scenario text `toml`.
fn schema_errors(validator: &jsonschema::Validator, toml: &str) -> Vec<String> {
    let doc = as_json(toml::from_str::<toml::Value>(toml).unwrap());
    validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_scenario_validates_against_the_schema_and_a_wrong_key_does_not() {
    let text = String::from_utf8(amisim_ok(&["schema"]).stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut n = 0;
    for p in super::shipped_scenarios()
        .into_iter()
        .chain(super::shipped_sweeps())
    {
        let errors = schema_errors(&validator, &std::fs::read_to_string(&p).unwrap());
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        n += 1;
    }
    assert!(n >= 10, "{n} shipped scenarios");
    let quickstart = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    for (wrong, why) in [
        ("seed = 1", "seed = 1\nsede = 2", "an unknown key"),
        (
            "horizon = \"28d\"",
            "horizon = \"28 days\"",
            "a duration without its unit's form",
        ),
        (
            "horizon = \"28d\"",
            "horizon = 28",
            "a duration as a number",
        ),
    ]
    .map(|(a, b, why)| (quickstart.replacen(a, b, 1), why))
    {
        assert!(
            !schema_errors(&validator, &wrong).is_empty(),
            "the schema takes {why}"
        );
    }
}
