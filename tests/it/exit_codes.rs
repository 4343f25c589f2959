//! README's exit codes, one command per code and kind of failure: 0
//! success; 1 a runtime failure (an output that cannot be written); 2 a
//! usage, scenario or input error. Every failure says `error:` once per
//! error, at the start of its line.

use super::amisim;

fn code_and_stderr(args: &[&str]) -> (Option<i32>, String) {
    let o = amisim(args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn success_is_0() {
    let (code, err) = code_and_stderr(&["validate", "scenarios/quickstart.toml"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn an_output_that_cannot_be_written_is_1_for_import_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir").join("out.toml");
    let out = out.to_str().unwrap();
    for args in [
        ["import", "tests/import/imagebuilder", "-o", out],
        ["fit", "tests/fit/describe-snapshots.json", "-o", out],
    ] {
        let (code, err) = code_and_stderr(&args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: cannot write "), "{args:?}: {err}");
        // The OS's words once, not again as a cause.
        assert_eq!(
            last.matches("No such file or directory").count(),
            1,
            "{last}"
        );
    }
}

#[test]
fn usage_scenario_and_input_errors_are_2_with_one_error_prefix_each() {
    let dir = tempfile::tempdir().unwrap();
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{\"a\": ").unwrap();
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "stage,duration_s\nsnapshot,abc\n").unwrap();
    let cases: [&[&str]; 5] = [
        &["run", "--no-such-flag"],
        &["validate", "scenarios/illegal/many-errors.toml"],
        &["validate", "scenarios/illegal/bad-cron.toml"],
        &["import", bad_json.to_str().unwrap()],
        &["fit", bad_csv.to_str().unwrap()],
    ];
    for args in cases {
        let (code, err) = code_and_stderr(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("error: error:"), "{args:?}: {err}");
    }
}
