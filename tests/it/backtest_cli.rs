//! `amisim backtest` as a user runs it: its files, and every input mistake
//! refused at its place (exit 2, nothing written) or counted.

use std::path::Path;

use super::{amisim, amisim_ok};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_command_writes_its_files_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let o = amisim_ok(&[
        "backtest",
        "tests/backtest/golden.toml",
        "tests/backtest/drift",
        "-o",
        out.to_str().unwrap(),
        "--report",
        "--bootstrap",
        "19",
    ]);
    let console = String::from_utf8_lossy(&o.stdout);
    assert!(
        console.contains("inconsistent") && console.contains("cause: drift in copy:"),
        "{console}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("backtest.json")).unwrap()).unwrap();
    assert_eq!(json["verdict"], "inconsistent");
    assert_eq!(json["cause"]["kind"], "drift");
    let copy = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "copy:eu-west-1")
        .unwrap();
    for k in [
        "n",
        "observed_p50_s",
        "observed_p95_s",
        "predicted_p50_s",
        "predicted_p95_ci95_s",
        "p_value",
        "pit",
        "coverage90",
    ] {
        assert!(!copy[k].is_null(), "{k} missing: {copy}");
    }
    // The calibration it wrote is one a scenario takes.
    let cal = std::fs::read_to_string(out.join("calibration.toml")).unwrap();
    assert!(
        cal.contains("[[route]]") && cal.contains("[faults]"),
        "{cal}"
    );
    for f in [
        "backtest.md",
        "backtest.html",
        "charts/golden-copy-eu-west-1-cdf.png",
        "charts/golden-copy-eu-west-1-pit.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // Run again into the same directory: replaced whole.
    amisim_ok(&[
        "backtest",
        "tests/backtest/golden.toml",
        "tests/backtest/consistent",
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--bootstrap",
        "19",
    ]);
    assert!(
        !out.join("backtest.md").exists(),
        "the old report is gone with the old result"
    );
}

/// Copies the consistent fixture into a new directory, `edit` applied to
/// each file's text.
fn fixture(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir("tests/backtest/consistent").unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = edit(&name, std::fs::read_to_string(&p).unwrap());
        std::fs::write(dir.path().join(&name), text).unwrap();
    }
    dir
}

/// [`fixture`] with `edit` applied to file `file` only.
fn editing(file: &'static str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    fixture(move |name, text| if name == file { edit(text) } else { text })
}

/// Backtests the golden scenario on `history` into a new directory's `bt`;
/// the directory and the command's output.
fn accepted(history: &Path) -> (tempfile::TempDir, std::process::Output) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("bt");
    let o = amisim_ok(&[
        "backtest",
        "tests/backtest/golden.toml",
        history.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--bootstrap",
        "9",
    ]);
    (out, o)
}

fn refused(history: &Path, extra: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("bt");
    let mut args = vec![
        "backtest",
        "tests/backtest/golden.toml",
        history.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--bootstrap",
        "9",
    ];
    args.extend_from_slice(extra);
    let o = amisim(&args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!target.exists(), "nothing written");
    stderr(&o)
}

#[test]
fn a_cutoff_outside_the_history_is_refused_with_its_span() {
    let e = refused(
        Path::new("tests/backtest/consistent"),
        &["--cutoff", "2027-01-01"],
    );
    assert!(
        e.contains("--cutoff") && e.contains("2026-08-03T06:00") && e.contains("2026-10-21"),
        "{e}"
    );
    let e = refused(
        Path::new("tests/backtest/consistent"),
        &["--cutoff", "yesterday"],
    );
    assert!(e.contains("give a date (2026-11-01)"), "{e}");
    let e = refused(
        Path::new("tests/backtest/consistent"),
        &["--holdout-fraction", "1.5"],
    );
    assert!(e.contains("between 0 and 1"), "{e}");
}

#[test]
fn a_damaged_document_is_refused_at_its_line() {
    let d = editing("step-executions.jsonl", |text| {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        lines[6].truncate(40);
        lines.join("\n") + "\n"
    });
    let e = refused(d.path(), &[]);
    assert!(
        e.contains("step-executions.jsonl:7") && e.contains("not valid JSON"),
        "{e}"
    );
    let d = editing("images.json", |text| {
        text.replacen("\"dateCreated\"", "\"createdAt\"", 1)
    });
    let e = refused(d.path(), &[]);
    assert!(
        e.contains("images.json:1") && e.contains("dateCreated"),
        "{e}"
    );
    let d = editing("ami-events.jsonl", |text| {
        format!("{{\"Snapshots\": []}}\n{text}")
    });
    let e = refused(d.path(), &[]);
    assert!(
        e.contains("ami-events.jsonl:1")
            && e.contains("not a document backtest reads (it holds Snapshots)"),
        "{e}"
    );
}

#[test]
fn images_that_cannot_be_linked_are_counted_and_named() {
    // Two images lose their step executions; one is still building.
    let d = fixture(|name, text| match name {
        "step-executions.jsonl" => text
            .lines()
            .filter(|l| {
                !l.contains("image/golden/1.0.0/3\"") && !l.contains("image/golden/1.0.0/9\"")
            })
            .map(|l| format!("{l}\n"))
            .collect(),
        "images.json" => text.replacen("\"status\": \"AVAILABLE\"", "\"status\": \"BUILDING\"", 1),
        _ => text,
    });
    let (out, o) = accepted(d.path());
    let target = out.path().join("bt");
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("left out: 2 images that could not be linked, 1 still running")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(target.join("backtest.json")).unwrap())
            .unwrap();
    let unlinked = json["history"]["unlinked"].as_array().unwrap();
    assert_eq!(unlinked.len(), 2);
    assert!(unlinked[0]["image"].as_str().unwrap().ends_with("/1.0.0/3"));
    assert!(
        unlinked[0]["why"]
            .as_str()
            .unwrap()
            .contains("list-workflow-step-executions")
    );
    assert_eq!(json["history"]["unfinished"], 1);
}

#[test]
fn a_history_of_no_pipeline_of_the_scenario_is_refused() {
    // Images of another recipe, and a scenario with two pipelines: none links.
    let dir = tempfile::tempdir().unwrap();
    let golden = std::fs::read_to_string("tests/backtest/golden.toml").unwrap();
    let two = golden.replace("name = \"golden\"", "name = \"golden-a\"")
        + "\n[[pipeline]]\nname = \"golden-b\"\ntool = \"image_builder\"\nregion = \"us-east-1\"\nplatform = \"linux\"\nbuilder_instance_type = \"m5.large\"\ntest_instance_type = \"t3.medium\"\n\n[[pipeline.volume]]\ndevice = \"/dev/xvda\"\nsize_gib = 30\ndata_gib = 4\n\n[[pipeline.component]]\nname = \"x\"\nduration = \"1m\"\n\n[pipeline.schedule]\ncron = \"cron(0 6 * * ? *)\"\nstart_condition = \"always\"\n";
    std::fs::write(dir.path().join("two.toml"), two).unwrap();
    let target = dir.path().join("bt");
    let o = amisim(&[
        "backtest",
        dir.path().join("two.toml").to_str().unwrap(),
        "tests/backtest/consistent",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("no execution could be reconstructed")
            && e.contains("names none of the scenario's pipelines (golden-a, golden-b)"),
        "{e}"
    );
}

#[test]
fn a_stage_the_history_does_not_log_is_named_and_keeps_the_scenarios_values() {
    let d = editing("step-executions.jsonl", |text| {
        text.lines()
            .filter(|l| !l.contains("workflow/test/"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let (out, o) = accepted(d.path());
    let target = out.path().join("bt");
    let console = String::from_utf8_lossy(&o.stdout);
    assert!(
        console.contains("note: pipeline golden: nothing before the cutoff measures the tests"),
        "{console}"
    );
    let cal = std::fs::read_to_string(target.join("calibration.toml")).unwrap();
    assert!(!cal.contains("[test."), "{cal}");
}

#[test]
fn a_backtest_does_not_replace_a_runs_results_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = out.to_str().unwrap();
    amisim_ok(&["run", "scenarios/quickstart.toml", "-n", "2", "-o", o, "-q"]);
    let args = [
        "backtest",
        "tests/backtest/golden.toml",
        "tests/backtest/consistent",
        "-o",
        o,
        "--bootstrap",
        "9",
        "-q",
    ];
    let r = amisim(&args);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("holds") && stderr(&r).contains("--force"),
        "{}",
        stderr(&r)
    );
    assert!(out.join("runs.csv").is_file(), "the run's results are left");
    let mut forced = args.to_vec();
    forced.push("--force");
    amisim_ok(&forced);
    assert!(out.join("backtest.json").is_file() && !out.join("runs.csv").exists());
}

#[test]
fn the_readmes_sample_is_what_the_command_prints() {
    let readme = std::fs::read_to_string("docs/src/backtest.md").unwrap();
    let cmd = "amisim backtest tests/backtest/golden.toml tests/backtest/drift --report\n```\n\n```text\n";
    let start = readme.find(cmd).expect("README's backtest sample") + cmd.len();
    let sample = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let o = amisim_ok(&[
        "backtest",
        "tests/backtest/golden.toml",
        "tests/backtest/drift",
        "--report",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), sample);
    // Its excerpt of backtest.md: each row begins a row of the report's.
    let md = std::fs::read_to_string(out.join("backtest.md")).unwrap();
    let from = readme
        .find("and in `backtest.md`, among its rows")
        .expect("README's excerpt");
    let rows: Vec<&str> = readme[from..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(rows.len() >= 4, "{rows:?}");
    for row in rows {
        assert!(
            md.lines().any(|l| l.starts_with(row)),
            "README's row is not in backtest.md:\n{row}\n{md}"
        );
    }
}

#[test]
fn events_of_other_kinds_are_counted_not_read() {
    let ebs = "{\"version\":\"0\",\"detail-type\":\"EBS Snapshot Notification\",\"source\":\"aws.ec2\",\"time\":\"2026-08-03T06:30:00Z\",\"region\":\"us-east-1\",\"detail\":{\"event\":\"createSnapshot\",\"result\":\"succeeded\"}}\n";
    let d = editing("ami-events.jsonl", |text| format!("{ebs}{ebs}{text}"));
    let (out, _) = accepted(d.path());
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("bt/backtest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["history"]["events_of_other_kinds"], 2);
    assert_eq!(json["verdict"], "consistent");
}
