//! Hostile input (issue 18's classes, those fixed so far): user-controlled
//! sizes, inputs that are not regular files, and `validate` saying what
//! `run` would find.

use super::{amisim, root};

fn quickstart() -> String {
    std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap()
}

/// Runs `amisim ARGS` in `dir`, expecting exit 2, nothing written there
/// but the inputs, and `want` on stderr.
fn refused_in(dir: &std::path::Path, args: &[&str], want: &str) {
    let before: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let after: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before.len(), after.len(), "{args:?} wrote {after:?}");
}

#[test]
fn sweeps_of_no_key_or_of_an_overflowing_grid_are_refused_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("bare.toml"), format!("{}\n[sweep]\n", quickstart())).unwrap();
    for cmd in ["validate", "run"] {
        refused_in(
            d,
            &[cmd, "bare.toml"],
            "bare.toml:72:1: sweep: [sweep] names no key to sweep",
        );
    }
    // 2^64 points overflow a usize product (to 0 in release builds).
    let mut grid = String::from("\n[sweep]\n");
    for i in 0..64 {
        grid.push_str(&format!(
            "\"pipeline[0].volume[0].size_gib.k{i}\" = [1, 2]\n"
        ));
    }
    std::fs::write(d.join("grid.toml"), format!("{}{grid}", quickstart())).unwrap();
    refused_in(d, &["validate", "grid.toml"], "a grid of 2 × 2 × 2");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_at_once_wherever_a_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("input.toml");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    for args in [
        vec!["validate", "input.toml"],
        vec!["run", "input.toml"],
        vec!["import", "input.toml"],
        vec!["fit", "input.toml"],
    ] {
        refused_in(d, &args, "not a regular file");
    }
    // A calibration or an empirical CSV that is a FIFO, too.
    std::fs::write(
        d.join("cal.toml"),
        format!("calibration = \"input.toml\"\n{}", quickstart()),
    )
    .unwrap();
    refused_in(d, &["validate", "cal.toml"], "not a regular file");
    let emp = quickstart().replacen(
        "duration = { kind = \"lognormal\", median = \"4m\", p95 = \"9m\" }",
        "duration = { kind = \"empirical\", csv = \"input.toml\" }",
        1,
    );
    std::fs::write(d.join("emp.toml"), emp).unwrap();
    refused_in(d, &["validate", "emp.toml"], "not a regular file");
}

#[test]
fn validate_refuses_the_name_run_could_not_use_and_warns_of_triggers_that_never_fire() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = quickstart().replacen(
        "name = \"quickstart\"",
        &format!("name = \"{}\"", "a".repeat(300)),
        1,
    );
    assert!(long.contains("aaaa"));
    std::fs::write(d.join("long.toml"), long).unwrap();
    for cmd in ["validate", "run"] {
        refused_in(
            d,
            &[cmd, "long.toml"],
            "an output directory's name is at most 200",
        );
    }
    // 30 February never comes; a 7-day interval in a 3-day horizon never ends.
    let feb = quickstart().replace(
        "cron = \"cron(0 6 ? * MON *)\"",
        "cron = \"cron(0 6 30 2 ? *)\"",
    );
    std::fs::write(d.join("feb.toml"), feb).unwrap();
    let o = amisim(&["validate", d.join("feb.toml").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the cron matches no time before the horizon (28d after the start)"),
        "{err}"
    );
    let iv = quickstart()
        .replace("horizon = \"28d\"", "horizon = \"3d\"")
        .replace("cron = \"cron(0 6 ? * MON *)\"", "interval = \"7d\"");
    std::fs::write(d.join("iv.toml"), iv).unwrap();
    let o = amisim(&["validate", d.join("iv.toml").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the first interval ends at 7d, at or after the horizon (3d)"),
        "{err}"
    );
}

/// Runs shard `k` of `n` of quickstart (`reps` replications) into `dir/shard-k`.
fn shard(dir: &std::path::Path, k: u64, n: u64, reps: &str) -> std::path::PathBuf {
    let out = dir.join(format!("shard-{k}"));
    super::amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        reps,
        "-q",
        "--shard",
        &format!("{k}/{n}"),
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn merge_refuses_a_shard_whose_files_changed_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shards: Vec<_> = (0..2).map(|k| shard(d, k, 2, "4")).collect();
    let s1 = &shards[1];
    let keep = |f: &str| std::fs::read(s1.join(f)).unwrap();
    let (runs, stages, agg) = (keep("runs.csv"), keep("stages.csv"), keep("aggregate.json"));
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // A number in the aggregate, changed with its length kept.
        (
            "aggregate.json",
            text(&agg)
                .replacen("\"replications\":2", "\"replications\":3", 1)
                .into_bytes(),
            "aggregate.json changed since",
        ),
        // Lines lost at a line end.
        (
            "runs.csv",
            {
                let t = text(&runs);
                let mut l: Vec<&str> = t.lines().collect();
                l.pop();
                (l.join("\n") + "\n").into_bytes()
            },
            "runs.csv is",
        ),
        // A row duplicated.
        (
            "stages.csv",
            {
                let t = text(&stages);
                let last = t.lines().last().unwrap().to_string();
                (t + &last + "\n").into_bytes()
            },
            "stages.csv is",
        ),
    ];
    for (file, bytes, want) in cases {
        assert_ne!(bytes, keep(file), "{file}: the case changes it");
        std::fs::write(s1.join(file), &bytes).unwrap();
        let out = d.join("merged");
        let o = amisim(&[
            "merge",
            "scenarios/quickstart.toml",
            shards[0].to_str().unwrap(),
            s1.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains("shard-1") && err.contains(want),
            "{file}: {err}"
        );
        assert!(!out.exists(), "{file}: a refused merge writes nothing");
        std::fs::write(s1.join(file), keep_orig(file, &runs, &stages, &agg)).unwrap();
    }
}

fn keep_orig(file: &str, runs: &[u8], stages: &[u8], agg: &[u8]) -> Vec<u8> {
    match file {
        "runs.csv" => runs.to_vec(),
        "stages.csv" => stages.to_vec(),
        _ => agg.to_vec(),
    }
}

#[test]
fn empty_shards_merge_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One replication over three shards: two are empty.
    let shards: Vec<String> = (0..3)
        .map(|k| shard(d, k, 3, "1").to_str().unwrap().to_string())
        .collect();
    let mut outs = Vec::new();
    for (i, order) in [[0, 1, 2], [2, 1, 0], [1, 2, 0]].iter().enumerate() {
        let out = d.join(format!("m{i}"));
        let mut args = vec!["merge".to_string(), "scenarios/quickstart.toml".into()];
        args.extend(order.iter().map(|&k| shards[k].clone()));
        args.extend(["--out".into(), out.to_str().unwrap().into(), "-q".into()]);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        super::amisim_ok(&a);
        outs.push(std::fs::read(out.join("runs.csv")).unwrap());
    }
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn control_characters_in_names_and_keys_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let q = quickstart();
    let name_line = q
        .lines()
        .position(|l| l == "name = \"quickstart\"")
        .unwrap()
        + 1;
    for (file, bad, want) in [
        ("esc.toml", "name = \"gold\\u001b[31m\"", "U+001B"),
        ("nul.toml", "name = \"gold\\u0000\"", "U+0000"),
        ("bel.toml", "name = \"gold\u{7}\"", "U+0007"),
    ] {
        let text = q.replacen("name = \"quickstart\"", bad, 1);
        std::fs::write(d.join(file), text).unwrap();
        // A raw BEL is already a TOML error; an escape is ours: both located.
        let at = format!("{file}:{name_line}:");
        for cmd in ["validate", "run"] {
            refused_in(d, &[cmd, file], &at);
        }
        if !bad.contains('\u{7}') {
            refused_in(d, &["validate", file], want);
        }
    }
    // A description may hold line breaks and tabs.
    let ok = q.replacen("description = \"", "description = \"one\\ttwo\\nthree ", 1);
    std::fs::write(d.join("ok.toml"), ok).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["validate", "ok.toml"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn triggers_and_work_past_their_limits_are_refused_with_the_key_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let q = quickstart();
    let weekly = "cron = \"cron(0 6 ? * MON *)\"";
    let cases = [
        (
            "century.toml",
            q.replace(weekly, "cron = \"cron(* * * * ? *)\"")
                .replace("horizon = \"28d\"", "horizon = \"36500d\""),
            "pipeline[0].schedule.cron: the cron matches more than 100000 times in the horizon (36500d)",
        ),
        (
            "second.toml",
            q.replace(weekly, "interval = \"1s\""),
            "pipeline[0].schedule.interval: the interval elapses 2419200 times",
        ),
        (
            "incident.toml",
            format!(
                "{q}\n[[incident]]\nregion = \"us-west-2\"\nmean_interval = \"1ms\"\nduration = \"1h\"\n"
            ),
            "incident[0].mean_interval: an incident starts on average 2419200000 times",
        ),
        (
            "releases.toml",
            q.replace(
                "start_condition = \"always\"",
                "start_condition = \"always\"\n[[pipeline.update_source]]\nof = \"base_image\"\nmean_interval = \"10ms\"",
            ),
            "pipeline[0].update_source[0].mean_interval: the source releases on average 241920000 times",
        ),
    ];
    for (file, text, want) in &cases {
        std::fs::write(d.join(file), text).unwrap();
        for cmd in ["validate", "run"] {
            refused_in(d, &[cmd, file], want);
        }
    }
    // Every ten minutes for a year in each of enterprise's 40 pipelines:
    // within the trigger limit, over the work limit.
    let ent = std::fs::read_to_string(root().join("scenarios/enterprise.toml")).unwrap();
    let often: String = ent
        .lines()
        .map(|l| {
            if l.starts_with("cron = \"cron(0 ") {
                "interval = \"10m\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(d.join("often.toml"), often).unwrap();
    refused_in(
        d,
        &["validate", "often.toml"],
        "a replication would need about 166089600 events, over amisim's limit of 50000000",
    );
}

/// The work estimate behind the limit is an upper estimate: for every
/// shipped scenario it is at least the events any of 20 replications ran,
/// and within 5 times their mean.
#[test]
fn the_work_estimate_bounds_every_shipped_scenario_from_above() {
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let scn = amisim::scenario::load(&p, &Default::default()).unwrap();
        let w = &scn.world;
        let estimate: u64 = w
            .pipelines
            .iter()
            .map(|pl| {
                pl.schedule.builds_estimate(w.horizon).max(1) * pl.events_per_build_estimate()
            })
            .sum();
        let events: Vec<u64> = (0..20)
            .map(|i| amisim::pipeline::model::run_replication(w, 1, i).events)
            .collect();
        let max = *events.iter().max().unwrap();
        let mean = events.iter().sum::<u64>() as f64 / 20.0;
        assert!(
            estimate >= max,
            "{}: estimate {estimate} < {max}",
            p.display()
        );
        assert!(
            (estimate as f64) <= 5.0 * mean,
            "{}: estimate {estimate} > 5 × {mean}",
            p.display()
        );
    }
}

#[test]
fn many_syntax_errors_are_counted_in_a_small_file_and_cut_at_the_first_in_a_large_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lines = |n: usize| -> String { (0..n).map(|i| format!("bad line {i} = = ]]\n")).collect() };
    std::fs::write(d.join("small.toml"), lines(100)).unwrap();
    refused_in(d, &["validate", "small.toml"], "small.toml:1:");
    refused_in(
        d,
        &["validate", "small.toml"],
        "20 errors listed and 80 more not shown",
    );
    // 2 MiB of them: the first only, and no gigabytes of errors.
    std::fs::write(d.join("large.toml"), lines(110_000)).unwrap();
    refused_in(d, &["validate", "large.toml"], "large.toml:1:");
    refused_in(
        d,
        &["validate", "large.toml"],
        "1 error listed; checking stopped there",
    );
}

#[test]
fn files_outside_the_scenario_directory_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (outer, d) = (dir.path(), dir.path().join("scn"));
    std::fs::create_dir_all(d.join("data")).unwrap();
    let csv = "duration\n4m\n5m\n6m\n";
    std::fs::write(outer.join("outside.csv"), csv).unwrap();
    std::fs::write(d.join("data/inside.csv"), csv).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outer.join("outside.csv"), d.join("data/link.csv")).unwrap();
    let q = quickstart();
    let with = |file: &str| {
        q.replacen(
            "duration = { kind = \"lognormal\", median = \"4m\", p95 = \"9m\" }",
            &format!("duration = {{ kind = \"empirical\", csv = \"{file}\" }}"),
            1,
        )
    };
    let abs = outer.join("outside.csv").display().to_string();
    let mut cases = vec![("up.toml", "../outside.csv"), ("abs.toml", abs.as_str())];
    if cfg!(unix) {
        cases.push(("link.toml", "data/link.csv"));
    }
    for (file, csv_path) in &cases {
        std::fs::write(d.join(file), with(csv_path)).unwrap();
        for cmd in ["validate", "run"] {
            refused_in(&d, &[cmd, file], "lies outside the scenario's directory");
            refused_in(&d, &[cmd, file], "help: copy the file beside the scenario");
        }
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
            .args(["validate", "--allow-outside-paths", file])
            .current_dir(&d)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    std::fs::write(d.join("in.toml"), with("data/../data/inside.csv")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["validate", "in.toml"])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A calibration obeys the same rule.
    std::fs::write(
        d.join("cal.toml"),
        format!("calibration = \"../cal.toml\"\n{q}"),
    )
    .unwrap();
    refused_in(
        &d,
        &["validate", "cal.toml"],
        "cal.toml:1:15: calibration: ../cal.toml lies outside",
    );
}

/// The crons of all pipelines together are expanded at most
/// MAX_TOTAL_CRON_MATCHES (200,000) times: three pipelines building every
/// 2 minutes for 100 days (72,000 matches each, each under the per-trigger
/// limit) are refused at the third, with the total named.
#[test]
fn many_frequent_crons_together_are_refused_in_bounded_work() {
    let q = quickstart()
        .replace("horizon = \"28d\"", "horizon = \"100d\"")
        .replace(
            "cron = \"cron(0 6 ? * MON *)\"",
            "cron = \"cron(*/2 * * * ? *)\"",
        );
    let at = q.find("[[pipeline]]").unwrap();
    let (head, pipeline) = q.split_at(at);
    let mut text = head.to_string();
    for i in 0..3 {
        text.push_str(&pipeline.replace("name = \"al2023-golden\"", &format!("name = \"p{i}\"")));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("many.toml"), text).unwrap();
    refused_in(
        dir.path(),
        &["validate", "many.toml"],
        "pipeline[2].schedule.cron: the crons of this scenario match more than 200000 times in all",
    );
}

/// A table header without its `]` is one error at its line: the keys under
/// it are not reported again as duplicates of the table before.
#[test]
fn a_broken_table_header_is_one_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    for (header, line) in [("[[region]", "2:10"), ("[latency", "2:9")] {
        let s = dir.path().join("s.toml");
        std::fs::write(
            &s,
            format!("name = \"x\"\n{header}\nname = \"us-east-1\"\n"),
        )
        .unwrap();
        let o = super::amisim(&["validate", s.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches("error: ").count(), 1, "{err}");
        assert!(
            err.contains(&format!("s.toml:{line}: invalid TOML: unclosed")),
            "{err}"
        );
    }
}
