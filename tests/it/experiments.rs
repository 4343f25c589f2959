//! Experiments at scale: sharding, precision targets, confidence intervals.

use super::{amisim, amisim_ok, output_files, root};

#[test]
fn three_shards_merged_give_the_bytes_of_one_run() {
    for scenario in [
        "scenarios/golden-3os-8-regions.toml",
        "scenarios/enterprise-capacity.toml",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
        amisim_ok(&[
            "run",
            scenario,
            "-n",
            "7",
            "-s",
            "9",
            "-q",
            "-j",
            "2",
            "--out",
            &p("one"),
        ]);
        for k in 0..3 {
            let shard = format!("{k}/3");
            amisim_ok(&[
                "run",
                scenario,
                "-n",
                "7",
                "-s",
                "9",
                "-q",
                "-j",
                "1",
                "--shard",
                &shard,
                "--out",
                &p(&format!("s{k}")),
            ]);
        }
        // Shards given in any order.
        amisim_ok(&[
            "merge",
            scenario,
            &p("s2"),
            &p("s0"),
            &p("s1"),
            "-q",
            "--out",
            &p("merged"),
        ]);
        for f in output_files() {
            let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
            let b = std::fs::read(dir.path().join("merged").join(f)).unwrap();
            assert!(
                a == b,
                "{scenario}: {f} differs between one run and three merged shards"
            );
        }
    }
}

#[test]
fn merge_refuses_an_incomplete_or_foreign_set_of_shards() {
    let dir = tempfile::tempdir().unwrap();
    let p = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    let q = "scenarios/quickstart.toml";
    amisim_ok(&[
        "run",
        q,
        "-n",
        "4",
        "-q",
        "--shard",
        "0/2",
        "--out",
        &p("a"),
    ]);
    let o = amisim(&["merge", q, &p("a"), "--out", &p("m")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("do not form one run"));
    let o = amisim(&[
        "merge",
        "scenarios/migrations.toml",
        &p("a"),
        "--out",
        &p("m"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another version"));
    // A shard written by another amisim.
    let info = dir.path().join("a/shard.json");
    let text = std::fs::read_to_string(&info).unwrap();
    let version = format!("\"amisim_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(
        &info,
        text.replace(&version, "\"amisim_version\": \"0.0.1\""),
    )
    .unwrap();
    let o = amisim(&["merge", q, &p("a"), "--out", &p("m")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("written by amisim 0.0.1"), "{err}");
}

#[test]
fn the_shard_index_comes_from_the_batch_engines_environment() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, min) in [
        (
            "SLURM_ARRAY_TASK_ID",
            "4",
            Some(("SLURM_ARRAY_TASK_MIN", "3")),
        ),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "1", None),
        ("JOB_COMPLETION_INDEX", "1", None),
    ] {
        let out = dir.path().join(var);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"));
        cmd.args([
            "run",
            "scenarios/quickstart.toml",
            "-n",
            "4",
            "-q",
            "--shard",
            "env/2",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("JOB_COMPLETION_INDEX")
        .env(var, value);
        if let Some((k, v)) = min {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "{var}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let info = std::fs::read_to_string(out.join("shard.json")).unwrap();
        assert!(
            info.contains("\"shard\": 1") && info.contains("\"first_replication\": 2"),
            "{var}: {info}"
        );
    }
    let o = amisim(&["run", "scenarios/quickstart.toml", "--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_precision_target_adds_replications_until_it_is_met() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "16",
        "-q",
        "--precision",
        "0.02",
        "--precision-of",
        "mean",
        "--out",
        out.to_str().unwrap(),
    ]);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row: Vec<f64> = summary
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(4)
        .take(4)
        .map(|x| x.parse().unwrap())
        .collect();
    let (mean, lo, hi) = (row[0], row[2], row[3]);
    assert!(
        (hi - lo) / 2.0 <= 0.02 * mean + 1e-9,
        "half-width {} vs 2 % of {mean}",
        (hi - lo) / 2.0
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let reps: u64 = manifest
        .split("\"replications\": ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        reps > 16 && reps.is_multiple_of(16),
        "more replications, in whole chunks: {reps}"
    );
    // The same target, another thread count: the same replication count and bytes.
    let out2 = dir.path().join("p2");
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "16",
        "-q",
        "-j",
        "1",
        "--precision",
        "0.02",
        "--precision-of",
        "mean",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(out.join("summary.csv")).unwrap(),
        std::fs::read(out2.join("summary.csv")).unwrap()
    );
}

#[test]
fn without_a_count_the_run_chooses_one_by_the_p95s_precision() {
    // quickstart without its `replications`, run without -n: replications
    // are added until the p95's CI (the one summary.csv shows) is within
    // ±5 %, and the console and manifest say so.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    let scn = dir.path().join("q.toml");
    std::fs::write(&scn, text.replacen("replications = 50\n", "", 1)).unwrap();
    let out = dir.path().join("q");
    let o = amisim_ok(&[
        "run",
        scn.to_str().unwrap(),
        "--rows",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("neither the scenario nor -n gives a count"),
        "{said}"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.contains(",all,time_to_all_regions,"))
        .unwrap();
    let cells: Vec<f64> = row
        .split(',')
        .skip(3)
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect();
    // count, …, p95 (column 11), its CI (the last two).
    let (n, p95, lo, hi) = (cells[0], cells[7], cells[11], cells[12]);
    assert!(n >= 110.0, "{row}");
    assert!((p95 - lo).max(hi - p95) <= 0.05 * p95, "{row}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"target\": 0.05") && manifest.contains("\"met\": true"),
        "{manifest}"
    );
    // The row files follow the replications precision adds (within their
    // 64 MB budget), not the 10 it starts from.
    let rows = dir.path().join("rows");
    amisim_ok(&[
        "run",
        scn.to_str().unwrap(),
        "-q",
        "--out",
        rows.to_str().unwrap(),
    ]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rows.join("manifest.json")).unwrap())
            .unwrap();
    assert!(m["replications"].as_u64().unwrap() > 10, "{m}");
    assert_eq!(m["row_replications"], m["replications"], "{m}");
    // A count in the file, or -n, is run as given.
    let o = amisim_ok(&[
        "run",
        scn.to_str().unwrap(),
        "-n",
        "3",
        "--rows",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("gives a count"));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(!manifest.contains("\"target\""), "{manifest}");
}

/// Coverage of the 95 % interval: 400 experiments of 10 replications of 20
/// exponential values (mean 100 s) each. The interval should cover the true
/// mean 95 % of the time; the binomial sd of the coverage over 400 trials is
/// √(0.95·0.05/400) ≈ 1.1 %, so 4 sd is ±4.4 %. (Replication means of 20
/// exponentials are close enough to normal for t to hold within that.)
#[test]
fn the_confidence_interval_covers_the_true_mean_at_the_expected_rate() {
    use amisim::engine::RngStreams;
    use amisim::experiment::stats::Metric;
    use amisim::law::Law;
    let exp = Law::exponential(100.0).unwrap();
    let trials = 400;
    let mut covered = 0;
    for t in 0..trials {
        let mut rng = RngStreams::new(2026, t).stream("coverage");
        let mut m = Metric::default();
        for rep in 0..10 {
            m.start_replication(rep);
            for _ in 0..20 {
                m.add(exp.sample_duration(&mut rng).as_millis());
            }
        }
        let (c, h) = m.ci95_s().unwrap();
        if (c - 100.0).abs() <= h {
            covered += 1;
        }
    }
    let rate = covered as f64 / trials as f64;
    assert!((rate - 0.95).abs() <= 0.044, "coverage {rate}");
}

/// The Slurm recipe, run as Slurm would run it (one process per array task,
/// the index in the environment), then merged: the bytes of one run.
#[test]
fn the_slurm_recipe_shards_and_merges_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    for task in 5..8 {
        // An array 5-7: the index is SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN.
        let o = std::process::Command::new("bash")
            .arg("tests/batch/slurm-array.sh")
            .current_dir(root())
            .env("AMISIM", env!("CARGO_BIN_EXE_amisim"))
            .env("SCENARIO", "scenarios/quickstart.toml")
            .env("REPLICATIONS", "5")
            .env("SHARDS", "3")
            .env("SEED", "4")
            .env("OUT", &shards)
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "5")
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "task {task}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let p = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    let parts: Vec<String> = (5..8)
        .map(|t| {
            shards
                .join(format!("shard-{t}"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut args = vec!["merge", "scenarios/quickstart.toml"];
    args.extend(parts.iter().map(String::as_str));
    let merged = p("merged");
    args.extend(["-q", "--out", &merged]);
    amisim_ok(&args);
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "5",
        "-s",
        "4",
        "-q",
        "--out",
        &p("one"),
    ]);
    for f in output_files() {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("merged").join(f)).unwrap();
        assert!(a == b, "{f} differs");
    }
}

const SWEEP: &str = r#"
name = "sweep-test"
horizon = "7d"
replications = 4
[[region]]
name = "us-east-1"
[[region]]
name = "eu-west-1"
[[pipeline]]
name = "p"
region = "us-east-1"
destinations = ["eu-west-1"]
[[pipeline.volume]]
size_gib = 8
data_gib = 4
[[pipeline.component]]
name = "build"
duration = "0s"
[[pipeline.update_source]]
of = "base_image"
mean_interval = "6h"
[pipeline.schedule]
build_on_update = true
[sweep]
"quotas.concurrent_builds" = [1, 1, 5]
"pipeline[0].update_source[0].mean_interval" = ["3h", "6h"]
"#;

#[test]
fn a_sweep_runs_the_grid_with_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("sweep.toml");
    std::fs::write(&f, SWEEP).unwrap();
    let out = dir.path().join("out");
    amisim_ok(&[
        "run",
        f.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6, "3 × 2 points");
    assert_eq!(
        csv.lines().next().unwrap().split(',').nth(1),
        Some("pipeline[0].update_source[0].mean_interval")
    );
    // Points 0 and 1 (concurrent_builds 1 and 1, 3h) are identical: every metric equal.
    assert_eq!(rows[0][1..], rows[1][1..]);
    assert_eq!(rows[3][1..], rows[4][1..]);
    // More build slots do change the result.
    assert_ne!(rows[0][4..], rows[2][4..]);
    assert!(
        !out.join("runs.csv").exists(),
        "a sweep writes sweep.csv, not row files"
    );
    // Sharded and merged: the same bytes.
    for k in 0..2 {
        let shard = format!("{k}/2");
        let o = dir.path().join(format!("s{k}"));
        amisim_ok(&[
            "run",
            f.to_str().unwrap(),
            "-q",
            "--shard",
            &shard,
            "--out",
            o.to_str().unwrap(),
        ]);
    }
    let merged = dir.path().join("m");
    amisim_ok(&[
        "merge",
        f.to_str().unwrap(),
        dir.path().join("s1").to_str().unwrap(),
        dir.path().join("s0").to_str().unwrap(),
        "-q",
        "--out",
        merged.to_str().unwrap(),
    ]);
    for file in ["sweep.csv", "manifest.json"] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(merged.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_bad_sweep_is_refused_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, says) in [
        ("\"pipeline[3].name\" = [\"x\"]", "past the end"),
        ("\"quotas.concurrent_builds\" = [0]", "must be between 1"),
        ("\"quotas.concurrent_builds\" = 5", "needs a list"),
    ] {
        let f = dir.path().join("bad.toml");
        let text = SWEEP.split("[sweep]").next().unwrap().to_string() + "[sweep]\n" + bad + "\n";
        std::fs::write(&f, text).unwrap();
        let o = amisim(&["validate", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("bad.toml:25:1") && err.contains(says),
            "{bad}: {err}"
        );
    }
}

#[test]
fn rows_can_be_limited_for_large_experiments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "2",
        "-q",
        "--rows",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!out.join("runs.csv").exists() && !out.join("stages.csv").exists());
    assert!(out.join("summary.csv").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(!manifest.contains("stages.csv"));
}

/// Every shipped sweep runs, writes the same sweep.csv with one and two
/// threads, and matches its golden (regenerate with `AMISIM_BLESS=1`).
#[test]
fn shipped_sweeps_are_deterministic_and_match_their_goldens() {
    let sweeps = super::shipped_sweeps();
    assert!(!sweeps.is_empty(), "scenarios/patch-sla.toml is a sweep");
    for path in sweeps {
        let name = path.file_stem().unwrap().to_str().unwrap();
        let run = |threads: &str| {
            let dir = tempfile::tempdir().unwrap();
            amisim_ok(&[
                "run",
                path.to_str().unwrap(),
                "-n",
                "3",
                "--seed",
                "2026",
                "-j",
                threads,
                "-q",
                "--out",
                dir.path().to_str().unwrap(),
            ]);
            std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap()
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(
            one, two,
            "{name}: sweep.csv differs between 1 and 2 threads"
        );
        let golden = std::path::Path::new("tests/golden")
            .join(name)
            .join("sweep.csv");
        super::assert_golden(&golden, &one);
    }
}

/// `--row-replications N` writes the rows of replications 0..N only, says so
/// in the manifest, and changes no aggregated file; shards cut at the same
/// place, so their merge is the whole run's bytes.
#[test]
fn row_files_hold_the_first_replications_and_aggregates_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "run",
            "scenarios/quickstart.toml",
            "-n",
            "10",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        super::amisim_ok(&args);
        out
    };
    let cut = run("cut", &["--row-replications", "3"]);
    let all = run("all", &["--row-replications", "all"]);
    let reps = |d: &std::path::Path| -> std::collections::BTreeSet<String> {
        let text = std::fs::read_to_string(d.join("runs.csv")).unwrap();
        text.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(reps(&cut), ["0", "1", "2"].map(String::from).into());
    assert_eq!(reps(&all).len(), 10);
    for f in [
        "summary.csv",
        "quotas.csv",
        "cost_summary.csv",
        "aggregate.json",
    ] {
        assert_eq!(
            std::fs::read(cut.join(f)).unwrap(),
            std::fs::read(all.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cut.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["row_replications"], 3);
    // Two shards (replications 0-4 and 5-9) merged: the cut run's bytes.
    let mut shards = Vec::new();
    for k in 0..2 {
        let shard = format!("{k}/2");
        let d = run(
            &format!("s{k}"),
            &["--row-replications", "3", "--shard", &shard],
        );
        shards.push(d.to_str().unwrap().to_string());
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "scenarios/quickstart.toml"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["-q", "--out", merged.to_str().unwrap()]);
    super::amisim_ok(&args);
    for f in ["runs.csv", "stages.csv", "summary.csv", "manifest.json"] {
        assert_eq!(
            std::fs::read(merged.join(f)).unwrap(),
            std::fs::read(cut.join(f)).unwrap(),
            "{f}"
        );
    }
}
