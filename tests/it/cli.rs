//! End to end: every shipped scenario runs and writes what the README says.

use super::{amisim, amisim_ok, root, shipped_scenarios};

const REPS: &str = "4";

#[test]
fn every_shipped_scenario_runs_and_writes_its_outputs() {
    let scenarios = shipped_scenarios();
    assert!(
        scenarios.len() >= 3,
        "quickstart and at least two realistic scenarios ship"
    );
    for path in scenarios {
        let out = tempfile::tempdir().unwrap();
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let o = amisim(&[
            "run",
            &rel,
            "-n",
            REPS,
            "--out",
            out.path().to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains("p50"),
            "{rel}: human summary printed:\n{stdout}"
        );
        for f in [
            "runs.csv",
            "stages.csv",
            "summary.csv",
            "quotas.csv",
            "quota_timeline.csv",
            "manifest.json",
        ] {
            assert!(out.path().join(f).is_file(), "{rel}: {f} written");
        }
        let runs = std::fs::read_to_string(out.path().join("runs.csv")).unwrap();
        let mut lines = runs.lines();
        assert_eq!(
            lines.next().unwrap(),
            "replication,pipeline,execution,trigger,triggered_at_s,image_available_at_s,tests_passed_at_s,finished_at_s,time_to_all_regions_s,regions,outcome,failed_stage,failed_item,failed_cause,critical_stage,critical_stage_s"
        );
        assert!(lines.count() > 0, "{rel}: at least one execution");
        let stages = std::fs::read_to_string(out.path().join("stages.csv")).unwrap();
        assert!(stages.starts_with("replication,pipeline,execution,stage,item,region,account,enqueued_at_s,started_at_s,finished_at_s,wait_s,duration_s,data_gib,kms_key,outcome,cause,attempt,api_retries\n"));
        // No stage is left open at the end of a replication.
        assert!(!stages.contains(",running\n"), "{rel}: every stage ends");
        let manifest = std::fs::read_to_string(out.path().join("manifest.json")).unwrap();
        assert!(manifest.contains("\"scenario_sha256\""));
        assert!(manifest.contains("\"replications\": 4"));
    }
}

#[test]
fn every_shipped_scenario_validates() {
    for path in shipped_scenarios() {
        let o = amisim(&["validate", path.to_str().unwrap()]);
        assert!(
            o.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn quickstart_writes_to_results_by_default_and_prints_percentiles() {
    // The README's main command, with fewer replications and a private copy of
    // the scenario so that parallel tests do not share the output directory.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    std::fs::write(dir.path().join("quickstart.toml"), text).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["run", "quickstart.toml", "-n", "3"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("results/quickstart/summary.csv").is_file());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("al2023-golden") && stdout.contains("p95"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_with_two_and_say_why() {
    for args in [
        vec!["run"],
        vec!["run", "scenarios/quickstart.toml", "--replications", "0"],
        vec!["run", "scenarios/quickstart.toml", "--seed", "-3"],
        // Not a panic while spawning threads: refused up front.
        vec![
            "run",
            "scenarios/quickstart.toml",
            "-n",
            "2",
            "-j",
            "100000",
        ],
        vec!["frobnicate"],
        // A flag that another makes meaningless is refused, not ignored.
        vec![
            "run",
            "scenarios/quickstart.toml",
            "--max-replications",
            "5",
        ],
        vec!["run", "scenarios/quickstart.toml", "--precision-of", "mean"],
        vec![
            "run",
            "scenarios/quickstart.toml",
            "--shard",
            "0/2",
            "--report",
        ],
        vec![
            "run",
            "scenarios/quickstart.toml",
            "--shard",
            "0/2",
            "--trace",
        ],
    ] {
        let o = amisim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!o.stderr.is_empty(), "{args:?}: a message");
    }
}

#[test]
fn a_missing_scenario_file_is_a_located_error() {
    let o = amisim(&["run", "scenarios/no-such-file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("scenarios/no-such-file.toml: cannot read the scenario file"),
        "{err}"
    );
}

#[test]
fn an_output_path_through_a_file_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let o = amisim(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "1",
        "--out",
        file.join("sub").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // It says which part of the path is in the way, also when it is the
    // output path itself, and leaves the file alone.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("a-file is a file, not a directory"), "{err}");
    let o = amisim(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "1",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a file, not a directory"));
    assert_eq!(std::fs::read(&file).unwrap(), b"x", "the file is untouched");
}

#[test]
fn help_explains_every_option() {
    let o = amisim(&["run", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for opt in ["--replications", "--seed", "--threads", "--out"] {
        assert!(help.contains(opt), "{opt} in:\n{help}");
    }
    let o = amisim(&["--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Exit codes"));
}

#[test]
fn help_is_a_command_with_its_own_help() {
    // `amisim help X` prints exactly `amisim X --help`, for every command and for none.
    for cmd in [
        None,
        Some("run"),
        Some("validate"),
        Some("merge"),
        Some("report"),
        Some("help"),
    ] {
        let mut by_help = vec!["help"];
        let mut by_flag = vec![];
        by_help.extend(cmd);
        by_flag.extend(cmd);
        by_flag.push("--help");
        let a = amisim_ok(&by_help);
        let b = amisim_ok(&by_flag);
        assert_eq!(
            a.stdout, b.stdout,
            "`amisim help {cmd:?}` differs from --help"
        );
        assert!(!a.stdout.is_empty());
    }
    let o = amisim(&["help", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`nope` is not a command") && err.contains("run, validate"),
        "{err}"
    );
}

#[test]
fn the_capacity_scenario_shows_its_saturated_quota() {
    // Under the reading that pools the copies of every pipeline of one
    // account into one Region (the other one never fills it).
    let out = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::root().join("scenarios/enterprise-capacity.toml")).unwrap();
    let input = tempfile::tempdir().unwrap();
    let scenario = input.path().join("shared.toml");
    std::fs::write(
        &scenario,
        text.replace(
            "[quotas]\n",
            "[quotas]\nami_copies_scope = \"account_region\"\n",
        ),
    )
    .unwrap();
    let o = amisim(&[
        "run",
        scenario.to_str().unwrap(),
        "-n",
        "2",
        "--quiet",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let quotas = std::fs::read_to_string(out.path().join("quotas.csv")).unwrap();
    let row: Vec<&str> = quotas
        .lines()
        .find(|l| l.starts_with("concurrent_ami_copies_per_distribution,"))
        .expect("the per-distribution quota is reported")
        .split(',')
        .collect();
    let col = |name: &str| {
        let i = amisim::report::capacity::QUOTAS_HEADER
            .iter()
            .position(|h| *h == name)
            .unwrap();
        row[i].parse::<f64>().unwrap()
    };
    assert_eq!(col("capacity"), 50.0);
    assert_eq!(col("peak_in_use"), 50.0, "saturated");
    assert!(col("waited") > 0.0 && col("p95_wait_s") > 60.0, "{row:?}");
    assert!(col("mean_utilization") > 0.0);
    let timeline = std::fs::read_to_string(out.path().join("quota_timeline.csv")).unwrap();
    let full_hours = timeline
        .lines()
        .skip(1)
        .filter(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap() > 0.5)
        .count();
    assert!(full_hours > 0, "some hours above half utilization");
    let runs = std::fs::read_to_string(out.path().join("runs.csv")).unwrap();
    // 120 builds launch in the same minute: RunInstances throttling fails a
    // few; copies make every other run late.
    let succeeded: Vec<&str> = runs.lines().filter(|l| l.contains(",succeeded,")).collect();
    assert!(succeeded.len() > 200, "{} runs succeeded", succeeded.len());
    assert!(
        succeeded.iter().all(|l| l.contains(",copy:")),
        "copies make every run late"
    );
}

#[test]
fn the_readme_sample_output_is_what_the_quickstart_prints() {
    // The README's main command in a fresh directory: same scenario, same output.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```text\nquickstart: ")
        .expect("the sample is in the README")
        + 8;
    let sample = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(
        root().join("scenarios/quickstart.toml"),
        dir.path().join("scenarios/quickstart.toml"),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["run", "scenarios/quickstart.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), sample);
    let runs = std::fs::read_to_string(dir.path().join("results/quickstart/runs.csv")).unwrap();
    let head: String = runs.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert!(
        readme.contains(&head),
        "the README shows the first lines of runs.csv"
    );
}

#[test]
fn run_help_names_every_output_file_and_every_option() {
    let o = amisim_ok(&["run", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for f in amisim::experiment::outputs::FILES {
        assert!(
            help.contains(f.name),
            "`run --help` does not name {}:\n{help}",
            f.name
        );
    }
    for opt in [
        "--replications",
        "--seed",
        "--threads",
        "--out",
        "--quiet",
        "--shard",
        "--precision",
        "--precision-of",
        "--max-replications",
        "--rows",
        "--report",
        "--trace",
    ] {
        assert!(help.contains(opt), "`run --help` does not list {opt}");
    }
}

#[test]
fn negative_numbers_are_refused_with_what_the_value_must_be() {
    for (args, says) in [
        (vec!["-n", "-1"], "must be a whole number from 1 to 1000000"),
        (
            vec!["-n", "1000001"],
            "must be a whole number from 1 to 1000000",
        ),
        (vec!["--seed", "-5"], "a seed must be a whole number from 0"),
        (
            vec!["--precision", "-0.1"],
            "give a fraction between 0 and 1",
        ),
    ] {
        let mut all = vec!["run", "scenarios/quickstart.toml"];
        all.extend(&args);
        let o = amisim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(says) && !err.contains("use '--"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_shard_says_which_replications_it_ran_and_warns_when_it_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = |k: &str| dir.path().join(k).to_str().unwrap().to_string();
    let (a, b) = (out("a"), out("b"));
    let o = amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "2",
        "--shard",
        "1/3",
        "-o",
        &a,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("shard 1/3: replication 0 (1 of 2)"), "{text}");
    let o = amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "2",
        "--shard",
        "0/3",
        "-o",
        &b,
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("no replication (0 of 2)"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: shard 0/3 holds no replication"));
}

#[test]
fn validate_counts_migrations_apart_from_pipelines() {
    let o = amisim_ok(&["validate", "scenarios/migrations.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ok (2 migrations, 2 Regions)"), "{text}");
    let o = amisim_ok(&["validate", "scenarios/quickstart.toml"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok (1 pipeline, 4 Regions)"));
}

#[test]
fn the_license_files_cargo_toml_names_are_there() {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(toml.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(root().join("LICENSE-MIT")).unwrap();
    let apache = std::fs::read_to_string(root().join("LICENSE-APACHE")).unwrap();
    assert!(mit.starts_with("MIT License") && mit.contains("Permission is hereby granted"));
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    let results = std::fs::read_to_string(root().join("results/README.md")).unwrap();
    assert!(
        results.contains("results/example/") && root().join("results/example/report.md").exists()
    );
}

#[test]
fn the_console_groups_thousands_of_dollars() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = amisim_ok(&[
        "run",
        "scenarios/enterprise.toml",
        "-n",
        "1",
        "--rows",
        "none",
        "-o",
        out,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("cost: $"))
        .expect("a cost line");
    let amount = line["cost: $".len()..].split(' ').next().unwrap();
    let (whole, cents) = amount.split_once('.').unwrap();
    assert_eq!(cents.len(), 2, "{line}");
    let groups: Vec<&str> = whole.split(',').collect();
    assert!(
        groups.len() > 1,
        "enterprise costs thousands a month: {line}"
    );
    assert!(
        groups[1..].iter().all(|g| g.len() == 3) && groups[0].len() <= 3,
        "{line}"
    );
}

#[test]
fn an_auto_disabled_pipeline_is_reported_in_the_console_and_summary() {
    // FIXED latencies: launch 60 s, then a component that always fails after
    // 60 s; a build every hour; disabled at the third failure, 3 h + 120 s.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("disable.toml");
    std::fs::write(
        &f,
        format!(
            "name = \"disable\"\nhorizon = \"10h\"\n{}\n[[region]]\nname = \"us-east-1\"\n\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"broken\"\nduration = \"1m\"\nfailure_probability = 1.0\n\
             [pipeline.schedule]\ninterval = \"1h\"\nstart_condition = \"always\"\nauto_disable_after_failures = 3\n",
            super::FIXED
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = amisim_ok(&[
        "run",
        f.to_str().unwrap(),
        "-n",
        "4",
        "--rows",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    let console = String::from_utf8_lossy(&o.stdout);
    assert!(
        console.contains(
            "p was disabled after 3 consecutive failures in 4 of 4 replications (on average 3h 02m 00s from the start)"
        ),
        "{console}"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.starts_with("p,all,disabled_at,"))
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(
        row.starts_with("p,all,disabled_at,4,10920.000,0.000,"),
        "{row}"
    );
}

#[test]
fn completions_and_the_man_page_are_generated_from_the_command_line() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = super::amisim_ok(&["completions", shell]);
        let script = String::from_utf8(o.stdout).unwrap();
        for sub in ["run", "import", "fit", "completions"] {
            assert!(script.contains(sub), "{shell}: {sub}");
        }
    }
    let o = super::amisim(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let man = String::from_utf8(super::amisim_ok(&["man"]).stdout).unwrap();
    assert!(man.contains(".TH amisim 1"), "{man}");
    for sub in [
        "run", "validate", "merge", "report", "compare", "import", "fit",
    ] {
        assert!(man.contains(&format!("amisim\\-{sub}(1)")), "{sub}");
    }
}

#[test]
fn the_console_lists_the_20_slowest_pipelines_and_counts_the_rest_unless_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    let o = out.to_str().unwrap();
    let run = |extra: &[&str]| {
        let args = [
            &[
                "run",
                "scenarios/enterprise-capacity.toml",
                "-n",
                "1",
                "--rows",
                "none",
                "-o",
                o,
                "--force",
            ][..],
            extra,
        ]
        .concat();
        String::from_utf8(super::amisim_ok(&args).stdout).unwrap()
    };
    let rows = |s: &str| s.lines().filter(|l| l.starts_with("app")).count();
    let short = run(&[]);
    assert_eq!(rows(&short), 20, "{short}");
    assert!(short.contains("… and 100 faster pipelines"), "{short}");
    let all = run(&["--all"]);
    assert_eq!(rows(&all), 120, "{all}");
    assert!(!all.contains("faster pipelines"), "{all}");
}

/// `-q` (global, repeatable) on every command that prints more than its
/// answer: nothing but errors and warnings; without it, the usual lines.
#[test]
fn quiet_on_every_command_prints_only_errors_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (run, other) = (d("run"), d("other"));
    let commands: Vec<Vec<String>> = vec![
        vec!["validate".into(), "scenarios/quickstart.toml".into()],
        ["run", "scenarios/quickstart.toml", "-n", "2", "--out", &run]
            .map(String::from)
            .to_vec(),
        [
            "run",
            "scenarios/quickstart.toml",
            "-n",
            "2",
            "--seed",
            "9",
            "--out",
            &other,
        ]
        .map(String::from)
        .to_vec(),
        vec!["report".into(), run.clone()],
        vec![
            "compare".into(),
            run.clone(),
            other.clone(),
            "-o".into(),
            d("cmp"),
        ],
        vec![
            "import".into(),
            "tests/import/imagebuilder".into(),
            "-o".into(),
            d("i.toml"),
        ],
        vec![
            "fit".into(),
            "tests/fit/describe-snapshots.json".into(),
            "-o".into(),
            d("c.toml"),
        ],
    ];
    for quiet in [false, true] {
        for c in &commands {
            let mut args: Vec<&str> = c.iter().map(String::as_str).collect();
            if quiet {
                args.splice(0..0, ["-q", "--quiet"]);
                args.push("--force");
                if args[2] == "validate" || args[2] == "report" || args[2] == "compare" {
                    args.pop();
                }
            }
            let o = amisim_ok(&args);
            let (out, err) = (
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
            );
            let said = out.lines().chain(err.lines()).filter(|l| {
                !l.starts_with("warning:") && !l.starts_with("  ") && !l.starts_with("left out")
            });
            if quiet {
                let said: Vec<&str> = said.collect();
                assert!(said.is_empty(), "-q {c:?} printed {said:?}");
            } else {
                assert!(said.count() > 0, "{c:?} prints what it did");
            }
        }
    }
}
