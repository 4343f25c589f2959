//! Nothing lost, nothing replaced silently: `-o` never overwrites an
//! input or an existing file without `--force`, and a run does not
//! replace another scenario file's results.

use super::{amisim, amisim_ok};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn fit_and_import_never_write_over_their_input_and_replace_a_file_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("history.csv");
    let data = "stage,duration_s\nlaunch,30\nlaunch,31\nlaunch,29\n";
    std::fs::write(&csv, data).unwrap();
    let c = csv.to_str().unwrap();
    for force in [&[][..], &["--force"][..]] {
        let o = amisim(&[&["fit", c, "-o", c][..], force].concat());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("an input of this command"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(&csv).unwrap(),
            data,
            "the input is intact"
        );
    }
    // An existing file: refused, then replaced with --force.
    let out = dir.path().join("mine.toml");
    std::fs::write(&out, "# keep me\n").unwrap();
    let o_path = out.to_str().unwrap();
    let o = amisim(&["import", "tests/import/imagebuilder", "-o", o_path]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("exists; nothing was written"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# keep me\n");
    amisim_ok(&[
        "import",
        "tests/import/imagebuilder",
        "-o",
        o_path,
        "--force",
    ]);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("[[pipeline]]")
    );
    // A variable file is an input too.
    let vf = dir.path().join("prod.tfvars");
    std::fs::write(&vf, "environment = \"prod\"\n").unwrap();
    let v = vf.to_str().unwrap();
    let o = amisim(&[
        "import",
        "tests/import/terraform-module",
        "--var-file",
        v,
        "-o",
        v,
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&vf).unwrap(),
        "environment = \"prod\"\n"
    );
}

#[test]
fn a_copy_of_a_scenario_does_not_replace_the_results_of_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine.toml");
    std::fs::copy("scenarios/quickstart.toml", &mine).unwrap();
    let out = dir.path().join("out");
    let (m, o) = (mine.to_str().unwrap(), out.to_str().unwrap());
    amisim_ok(&["run", "scenarios/quickstart.toml", "-n", "2", "-q", "-o", o]);
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let run = amisim(&["run", m, "-n", "2", "-q", "-o", o]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains("holds the results of")
            && err.contains("quickstart.toml")
            && err.contains("mine.toml"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join("manifest.json")).unwrap(),
        before,
        "untouched"
    );
    // The same scenario file replaces its own results; --force replaces another's.
    amisim_ok(&["run", "scenarios/quickstart.toml", "-n", "3", "-q", "-o", o]);
    amisim_ok(&["run", m, "-n", "2", "-q", "-o", o, "--force"]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("mine.toml"), "{manifest}");
}

#[test]
fn a_sweep_refuses_the_flags_it_would_ignore_and_no_rows_refuses_a_row_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let o = out.to_str().unwrap();
    for flags in [
        &["--trace"][..],
        &["--rows", "runs"],
        &["--row-replications", "3"],
        &["--precision", "0.05"],
    ] {
        let args = [
            &["run", "scenarios/patch-sla.toml", "-n", "2", "-q", "-o", o][..],
            flags,
        ]
        .concat();
        let r = amisim(&args);
        assert_eq!(r.status.code(), Some(2), "{flags:?}: {}", stderr(&r));
        assert!(stderr(&r).contains(flags[0]), "{flags:?}: {}", stderr(&r));
        assert!(!out.exists(), "{flags:?}: nothing written");
    }
    let r = amisim(&[
        "run",
        "scenarios/quickstart.toml",
        "--rows",
        "none",
        "--row-replications",
        "3",
        "-o",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("--rows none writes none"),
        "{}",
        stderr(&r)
    );
}

#[test]
fn a_sweep_key_written_twice_an_empty_name_and_an_impossible_volume_are_refused_at_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/patch-sla.toml").unwrap();
    let twice = text.replacen(
        "\"pipeline[0].schedule.cron\" = ",
        "\"pipeline[00].schedule.cron\" = [\"cron(0 6 ? * MON *)\"]\n\"pipeline[0].schedule.cron\" = ",
        1,
    );
    let without_sweep = |t: &str| {
        let (head, rest) = t.split_once("[sweep]").unwrap();
        let rest = rest.split_once("\n\n").unwrap().1;
        format!("{head}{rest}")
    };
    let plain = without_sweep(&text);
    let cases = [
        (twice, "name the same key, pipeline[0].schedule.cron"),
        (
            plain.replacen("name = \"scheduled\"", "name = \"\"", 1),
            "pipeline[0].name: an empty name",
        ),
        (
            plain.replacen("size_gib = ", "size_gib = 1e12 #", 1),
            "an EBS volume holds at most 65536 GiB",
        ),
    ];
    for (i, (scn, said)) in cases.iter().enumerate() {
        let f = dir.path().join(format!("s{i}.toml"));
        std::fs::write(&f, scn).unwrap();
        let o = amisim(&["validate", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{said}: {}", stderr(&o));
        assert!(stderr(&o).contains(said), "{said}: {}", stderr(&o));
    }
}

#[test]
fn fit_refuses_a_toml_file_and_names_its_calibration_as_a_scenario_beside_it_would() {
    let o = amisim(&["fit", "scenarios/quickstart.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a TOML file (a scenario or a calibration?), not a log"),
        "{}",
        stderr(&o)
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("h.csv");
    let rows: String = (0..30)
        .map(|i| format!("launch_builder,{}\n", 60 + i))
        .collect();
    std::fs::write(&csv, format!("stage,duration_s\n{rows}")).unwrap();
    let out = dir.path().join("cal.toml");
    let o = amisim_ok(&["fit", csv.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("calibration = \"cal.toml\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compare_into_a_file_and_merge_of_a_non_shard_directory_are_input_errors_with_their_fix() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("a");
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "2",
        "-q",
        "-o",
        run.to_str().unwrap(),
    ]);
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let r = run.to_str().unwrap();
    let o = amisim(&["compare", r, r, "-o", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("give a directory"), "{}", stderr(&o));
    let o = amisim(&[
        "merge",
        "scenarios/quickstart.toml",
        r,
        "-o",
        dir.path().join("m").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not the directory of a `run --shard`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("help: give each"), "{}", stderr(&o));
}

#[test]
fn a_report_of_a_damaged_run_is_an_input_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("r");
    let r = run.to_str().unwrap();
    amisim_ok(&["run", "scenarios/quickstart.toml", "-n", "2", "-q", "-o", r]);
    std::fs::write(run.join("aggregate.json"), "{").unwrap();
    let o = amisim(&["report", r]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("help: run the scenario again"),
        "{}",
        stderr(&o)
    );
    assert!(!run.join("charts").exists() && !run.join("report.md").exists());
}
