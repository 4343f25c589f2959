//! `--report`, `amisim report`, and `--trace`.

use super::{amisim, root};

#[test]
fn the_quickstart_report_has_charts_and_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = amisim(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "6",
        "-q",
        "--report",
        "--trace",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for chart in [
        "time_to_all_regions",
        "stages",
        "execution",
        "cost_by_region",
    ] {
        let png = std::fs::read(out.join("charts").join(format!("{chart}.png"))).unwrap();
        assert!(
            png.starts_with(&[0x89, b'P', b'N', b'G']),
            "{chart}.png is a PNG"
        );
        assert!(png.len() > 10_000, "{chart}.png has content");
        let svg = std::fs::read_to_string(out.join("charts").join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("<text"),
            "{chart}.svg has text"
        );
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for part in [
        "## Verdict",
        "p95 time to all Regions",
        "bottleneck:",
        "## Cost",
        "## Assumptions",
        "charts/time_to_all_regions.png",
    ] {
        assert!(md.contains(part), "report.md has {part}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 6, "the charts are inline");
    for external in ["src=", "href=", "<link", "url(", "<script"] {
        assert!(
            !html.contains(external),
            "report.html refers to nothing outside it ({external})"
        );
    }
    // The trace opens in Perfetto: Chrome Trace Event JSON.
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("trace.json")).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    assert!(events.iter().any(|e| e["ph"] == "X" && e["cat"] == "copy"));
    assert!(events.iter().any(|e| e["ph"] == "M"
        && e["name"] == "process_name"
        && e["args"]["name"] == "eu-west-1"));
    // `amisim report DIR` writes the same report from the directory alone.
    std::fs::remove_file(out.join("report.md")).unwrap();
    let o = amisim(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), md);
}

/// `amisim run scenarios/NAME.toml --report --out DIR`, run from a fresh
/// directory, writes the committed `DIR/report.md`.
fn check_example(scenario: &str, out: &str) {
    let committed = std::fs::read_to_string(root().join(out).join("report.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(root().join(scenario), dir.path().join(scenario)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["run", scenario, "--report", "-q", "--out", out])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fresh = std::fs::read_to_string(dir.path().join(out).join("report.md")).unwrap();
    assert_eq!(
        fresh, committed,
        "regenerate {out} with `amisim run {scenario} --report --out {out}` (README)"
    );
}

#[test]
fn the_readme_example_report_is_what_the_command_writes() {
    check_example("scenarios/quickstart.toml", "results/example");
}

/// The enterprise-capacity report: its verdict misses the SLO and its quota
/// search answers with the copy quota it needs.
#[test]
fn the_enterprise_example_report_is_what_the_command_writes() {
    check_example(
        "scenarios/enterprise-capacity.toml",
        "results/example-enterprise-capacity",
    );
}

#[test]
fn report_refuses_a_directory_without_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let o = amisim(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json"));
}

#[test]
fn a_sweep_report_names_the_cheapest_point_meeting_the_slos() {
    let text = r#"
name = "sweep-report"
horizon = "7d"
replications = 4
[slo]
time_to_all_regions_p95 = "10h"
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
"quotas.concurrent_builds" = [1, 5]
"#;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.toml");
    std::fs::write(&f, text).unwrap();
    let out = dir.path().join("o");
    let o = amisim(&[
        "run",
        f.to_str().unwrap(),
        "-q",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // The verdict names the sweep and its cheapest compliant point.
    let verdict = md
        .split("## Verdict")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    assert!(
        verdict.contains("2 sweep points over quotas.concurrent_builds")
            && verdict
                .contains("of 2 points meet every SLO; the cheapest: quotas.concurrent_builds =")
            && md.contains("## Sweep"),
        "{md}"
    );
    for chart in ["sweep", "sweep_cost"] {
        assert!(out.join(format!("charts/{chart}.png")).exists(), "{chart}");
    }
}

/// `amisim run SCENARIO -q --report --out OUT`, and its report.md.
fn report_of(scenario: &std::path::Path, out: &std::path::Path) -> String {
    super::amisim_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "-q",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    std::fs::read_to_string(out.join("report.md")).unwrap()
}

/// The sweep's cheapest compliant point prefers the current configuration
/// when costs tie within their CIs, and "meets SLOs" says so without [slo].
#[test]
fn a_sweep_without_an_slo_says_so_and_ties_prefer_the_current_value() {
    let base = r#"
name = "sweep-ties"
horizon = "7d"
replications = 4
[quotas]
concurrent_builds = 5
[[region]]
name = "us-east-1"
[[pipeline]]
name = "p"
region = "us-east-1"
[[pipeline.volume]]
size_gib = 8
data_gib = 4
[[pipeline.component]]
name = "build"
duration = "0s"
[pipeline.schedule]
interval = "1d"
start_condition = "always"
"#;
    for (slo, expect) in [
        ("", "| no [slo] set |"),
        (
            "[slo]\ntime_to_all_regions_p95 = \"10h\"\n",
            "the cheapest: quotas.concurrent_builds = 5",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.toml");
        let text = format!("{base}{slo}[sweep]\n\"quotas.concurrent_builds\" = [3, 5, 8]\n");
        std::fs::write(&f, text).unwrap();
        let md = report_of(&f, &dir.path().join("o"));
        // The quota never binds: every point costs the same, and the
        // current value (5) is the one recommended.
        assert!(md.contains(expect), "{expect}\n{md}");
    }
}

/// Slices on one trace track must nest or not overlap, or Perfetto draws
/// them misnested; checked on the first replication of every shipped scenario.
#[test]
fn every_trace_track_nests() {
    use std::collections::BTreeMap;
    for scn in super::shipped_scenarios() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t");
        let name = scn.display().to_string();
        super::amisim_ok(&[
            "run",
            &name,
            "-n",
            "1",
            "-q",
            "--rows",
            "none",
            "--trace",
            "--out",
            out.to_str().unwrap(),
        ]);
        let trace: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("trace.json")).unwrap()).unwrap();
        // (pid, tid) → slices as (start, end, name).
        type Slice = (u64, u64, String);
        let mut tracks: BTreeMap<(u64, u64), Vec<Slice>> = BTreeMap::new();
        for e in trace["traceEvents"].as_array().unwrap() {
            if e["ph"] == "X" {
                let ts = e["ts"].as_u64().unwrap();
                let end = ts + e["dur"].as_u64().unwrap();
                let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
                let label = e["name"].as_str().unwrap().to_string();
                tracks.entry(key).or_default().push((ts, end, label));
            }
        }
        assert!(!tracks.is_empty(), "{name}: the trace has slices");
        for (track, mut slices) in tracks {
            // Sorted by start, longest first: each slice must end within every open one.
            slices.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let mut open: Vec<&Slice> = Vec::new();
            for s in &slices {
                while open.last().is_some_and(|o| o.1 <= s.0) {
                    open.pop();
                }
                if let Some(o) = open.last() {
                    assert!(
                        s.1 <= o.1,
                        "{name}: track {track:?}: `{}` [{}, {}] overlaps `{}` [{}, {}] without nesting",
                        s.2,
                        s.0,
                        s.1,
                        o.2,
                        o.0,
                        o.1
                    );
                }
                open.push(s);
            }
        }
    }
}

/// Every file and directory in `dir`, as the manifest names them (a directory ends in `/`).
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    v.sort();
    v
}

fn manifest(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn listed(m: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The manifest lists exactly the files in the directory (aggregate.json,
/// the cost files, the report and the trace included), for a run, a
/// `--rows none` run, a sweep and after `amisim report`; its scenario path
/// is absolute, so `amisim report` works from any directory.
#[test]
fn the_manifest_lists_every_file_written_and_works_from_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 3] = [
        ("scenarios/quickstart.toml", &["--report", "--trace"]),
        ("scenarios/quickstart.toml", &["--rows", "none"]),
        ("scenarios/patch-sla.toml", &[]),
    ];
    for (i, (scn, flags)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("r{i}"));
        let mut args = vec!["run", scn, "-n", "2", "-q", "--out", out.to_str().unwrap()];
        args.extend(*flags);
        super::amisim_ok(&args);
        let m = manifest(&out);
        assert_eq!(listed(&m), entries(&out), "{scn} {flags:?}");
        assert!(out.join("aggregate.json").is_file());
        let file = m["scenario_file"].as_str().unwrap();
        assert!(std::path::Path::new(file).is_absolute(), "{file}");
    }
    // `amisim report` from another directory, on the --rows none run.
    let out = dir.path().join("r1");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(["report", out.to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(listed(&manifest(&out)), entries(&out));
    assert!(entries(&out).contains(&"report.html".to_string()));
}

/// `amisim report DIR --scenario OTHER` is refused (exit 2, both hashes
/// named) and changes nothing in DIR.
#[test]
fn a_report_under_another_scenario_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    super::amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "2",
        "-q",
        "--out",
        o,
    ]);
    let before = entries(&out);
    let r = amisim(&["report", o, "--scenario", "scenarios/patch-sla.toml"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(
        err.contains("SHA-256") && err.contains("pass the scenario it was run from"),
        "{err}"
    );
    assert_eq!(entries(&out), before);
    // The same scenario is accepted.
    super::amisim_ok(&["report", o, "--scenario", "scenarios/quickstart.toml"]);
}

/// A precision target that was not met: a warning on stderr, `met: false`
/// in the manifest, and a line in the report.
#[test]
fn an_unmet_precision_target_is_a_warning_and_a_report_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    let r = super::amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "4",
        "--precision",
        "0.0001",
        "--max-replications",
        "8",
        "-q",
        "--rows",
        "none",
        "--report",
        "--out",
        o,
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("warning: the precision target was not met"),
        "{err}"
    );
    let m = manifest(&out);
    assert_eq!(m["precision"]["met"], false, "{m}");
    assert_eq!(m["precision"]["target"], 0.0001);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("the precision target was not met"),
        "{report}"
    );
}

/// A sweep's report says how many points and replications it ran.
#[test]
fn a_sweep_report_header_counts_points_and_replications() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    super::amisim_ok(&[
        "run",
        "scenarios/patch-sla.toml",
        "-n",
        "3",
        "-q",
        "--report",
        "--out",
        o,
    ]);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("? replications"), "{report}");
    assert!(
        report.contains("sweep points of 3 replications"),
        "{report}"
    );
}

/// SLOs compare unrounded values: the quickstart's p95 is 1h 19m 28s, so a
/// 79-minute SLO is missed (by 28 s) and an 80-minute one met; money has
/// thousands separators.
#[test]
fn slos_compare_unrounded_values_and_say_by_how_much() {
    let quickstart = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    for (slo, verdict) in [
        ("80m", "SLO 1h 20m 00s MISSED (1s over)"),
        ("81m", "SLO 1h 21m 00s met"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let scn = dir.path().join("q.toml");
        std::fs::write(
            &scn,
            format!("{quickstart}\n[slo]\ntime_to_all_regions_p95 = \"{slo}\"\nmonthly_cost_usd = 1000\n"),
        )
        .unwrap();
        let report = report_of(&scn, &dir.path().join("r"));
        assert!(
            report.contains("p95 time to all Regions: 1h 20m 01s"),
            "{report}"
        );
        assert!(report.contains(verdict), "{slo}: {report}");
        assert!(report.contains("SLO $1,000.00 met"), "{report}");
        assert!(!report.contains("no [slo] set"), "{report}");
        // Failures are explained: counts by cause, in the verdict and a table.
        assert!(
            report.contains("- failures: 7 of 200 executions; most often step_failure in component update-linux (3, in 1 pipeline; see Failures)"),
            "{report}"
        );
        assert!(
            report
                .contains("| component | update-linux | step_failure | 3 | 43 % | al2023-golden |"),
            "{report}"
        );
    }
}

/// A two-key sweep: its table in point order (point 10 after point 9, not
/// after point 1), and its chart one line per value of the second key.
#[test]
fn a_two_key_sweep_is_drawn_one_line_per_value_of_the_second_key() {
    let quickstart = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scn = dir.path().join("sweep.toml");
    std::fs::write(
        &scn,
        format!(
            "{quickstart}\n[sweep]\n\"quotas.concurrent_builds\" = [1, 2, 3, 4, 5, 6]\n\"pipeline[0].volume[0].size_gib\" = [30, 60]\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("r");
    super::amisim_ok(&[
        "run",
        scn.to_str().unwrap(),
        "-n",
        "2",
        "-q",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let builds: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("| 30 |") || l.starts_with("| 60 |"))
        .map(|l| l.split('|').nth(2).unwrap().trim())
        .collect();
    let expected: Vec<String> = (0..12).map(|i| (i % 6 + 1).to_string()).collect();
    assert_eq!(builds, expected, "{report}");
    let svg = std::fs::read_to_string(out.join("charts/sweep.svg")).unwrap();
    for v in 1..=6 {
        assert!(
            svg.contains(&format!("quotas.concurrent_builds = {v}\n")),
            "no line for concurrent_builds = {v}"
        );
    }
}

/// Six daily pipelines on one build slot: a scenario where
/// `concurrent_builds` decides the p95, with `value` slots.
fn build_quota_scenario(value: u32) -> String {
    let mut t = format!(
        "name = \"build-quota\"\nhorizon = \"1d\"\nreplications = 20\n[quotas]\nconcurrent_builds = {value}\n[slo]\ntime_to_all_regions_p95 = \"1h30m\"\n[[region]]\nname = \"us-east-1\"\n"
    );
    for i in 0..6 {
        t.push_str(&format!(
            "[[pipeline]]\nname = \"p{i}\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 2\n[[pipeline.component]]\nname = \"build\"\nduration = \"20m\"\n[pipeline.schedule]\ncron = \"cron(0 6 * * ? *)\"\nstart_condition = \"always\"\n"
        ));
    }
    t
}

/// The worst p95 of time to all Regions in a run's summary.csv, seconds.
fn worst_p95(dir: &std::path::Path) -> f64 {
    let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let (metric, p95) = (
        h.iter().position(|c| c == "metric").unwrap(),
        h.iter().position(|c| c == "p95_s").unwrap(),
    );
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[metric] == "time_to_all_regions")
        .map(|x| x[p95].parse::<f64>().unwrap())
        .fold(0.0, f64::max)
}

/// The report's quota search answers with a value that meets the SLO when
/// run on its own, and whose predecessor does not: it runs what `amisim
/// run` runs (the same seed and replications), and bisects to the edge.
#[test]
fn the_quota_search_finds_the_smallest_value_that_meets_the_slo() {
    let dir = tempfile::tempdir().unwrap();
    let run = |value: u32, report: bool| {
        let f = dir.path().join(format!("q{value}.toml"));
        std::fs::write(&f, build_quota_scenario(value)).unwrap();
        let out = dir.path().join(format!("o{value}"));
        let mut args = vec![
            "run",
            f.to_str().unwrap(),
            "-q",
            "--rows",
            "none",
            "--out",
            out.to_str().unwrap(),
        ];
        if report {
            args.push("--report");
        }
        super::amisim_ok(&args);
        out
    };
    let out = run(1, true);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md
        .split("## The smallest concurrent_builds that meets the SLO")
        .nth(1)
        .unwrap_or_else(|| panic!("no search in\n{md}"));
    let answer: u32 = section
        .split("concurrent_builds = ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer in\n{section}"));
    assert!(answer > 1, "{section}");
    assert!(section.contains("replications in all"), "{section}");
    // Both sides of the edge were tried, and decided with no straddling CI here.
    assert!(section.contains(&format!("| {answer} | 20 |")), "{section}");
    assert!(
        section.contains(&format!("| {} | 20 |", answer - 1)),
        "{section}"
    );
    let slo = 5400.0;
    assert!(worst_p95(&run(answer, false)) <= slo, "{answer} meets");
    assert!(
        worst_p95(&run(answer - 1, false)) > slo,
        "{} misses",
        answer - 1
    );
}

/// Every section comes from the typed results, so a run that writes no
/// row file has the same report as one that writes them all.
#[test]
fn the_report_does_not_depend_on_the_row_files() {
    let dir = tempfile::tempdir().unwrap();
    let md = |rows: &str| {
        let out = dir.path().join(rows);
        super::amisim_ok(&[
            "run",
            "scenarios/quickstart.toml",
            "-n",
            "12",
            "-q",
            "--rows",
            rows,
            "--report",
            "--out",
            out.to_str().unwrap(),
        ]);
        std::fs::read_to_string(out.join("report.md")).unwrap()
    };
    let (all, none) = (md("all"), md("none"));
    for section in [
        "## One execution",
        "## Failures",
        "## Cost",
        "## Regions of",
    ] {
        assert!(all.contains(section), "{section}");
    }
    assert_eq!(all, none);
}

/// A number of minutes in `−3m 24s` form (the report's `human`), negative
/// with a leading minus sign.
fn minutes_of(text: &str) -> f64 {
    let (sign, t) = match text.strip_prefix('−') {
        Some(t) => (-1.0, t),
        None => (1.0, text.trim_start_matches('+')),
    };
    let mut total = 0.0;
    for part in t.split_whitespace() {
        let (n, unit) = part.split_at(part.len() - 1);
        let n: f64 = n.parse().unwrap();
        total += match unit {
            "h" => n * 60.0,
            "m" => n,
            "s" => n / 60.0,
            other => panic!("unit {other} in {text}"),
        };
    }
    sign * total
}

/// `amisim run A B` runs both; `amisim compare` puts them side by side.
/// Halving one component's lognormal duration (median 6 → 3 min, p95 12 →
/// 6) shortens every run by half that component's sample: the mean by
/// 6·e^(σ²/2) − 3·e^(σ²/2) = 3.279 min (σ = ln 2 / 1.645). With common
/// random numbers the paired 95 % CI holds that value and excludes 0; with
/// another seed the note says the runs are independent.
#[test]
fn compare_puts_runs_side_by_side_with_paired_differences() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let faster = base
        .replacen("name = \"quickstart\"", "name = \"faster\"", 1)
        .replacen(
            "median = \"6m\", p95 = \"12m\"",
            "median = \"3m\", p95 = \"6m\"",
            1,
        );
    assert_ne!(base, faster);
    let f = dir.path().join("faster.toml");
    std::fs::write(&f, faster).unwrap();
    let out = dir.path().join("runs");
    let (q, fz) = ("scenarios/quickstart.toml", f.to_str().unwrap());
    super::amisim_ok(&[
        "run",
        q,
        fz,
        "-q",
        "--rows",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    let cmp = dir.path().join("cmp");
    let dirs = [out.join("quickstart"), out.join("faster")];
    let d = |p: &std::path::Path| p.to_str().unwrap().to_string();
    super::amisim_ok(&["compare", &d(&dirs[0]), &d(&dirs[1]), "--out", &d(&cmp)]);
    let md = std::fs::read_to_string(cmp.join("compare.md")).unwrap();
    assert!(md.contains("common random numbers"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| al2023-golden | −"))
        .unwrap_or_else(|| panic!("no difference row in\n{md}"));
    // | al2023-golden | −3m 24s (95 % CI −3m 38s – −3m 09s) * |
    let cell = row.split('|').nth(2).unwrap().trim();
    let ci = cell
        .split("95 % CI ")
        .nth(1)
        .unwrap()
        .trim_end_matches(" *")
        .trim_end_matches(')');
    let (lo, hi) = ci.split_once(" – ").unwrap();
    let (lo, hi) = (minutes_of(lo), minutes_of(hi));
    eprintln!("compare: {row}");
    let expected = -(6.0 - 3.0) * (0.5 * (2f64.ln() / 1.645).powi(2)).exp();
    assert!(
        lo <= expected && expected <= hi && hi < 0.0,
        "{expected} not in [{lo}, {hi}]: {row}"
    );
    assert!(cell.ends_with('*'), "{cell}");
    // Without rows, the p95s' difference comes from the replications replayed.
    let replayed = md
        .lines()
        .filter(|l| l.starts_with("| al2023-golden | −"))
        .nth(1)
        .unwrap_or_else(|| panic!("no p95 difference row in\n{md}"))
        .to_string();
    let rows = dir.path().join("rows");
    super::amisim_ok(&["run", q, fz, "-q", "--rows", "runs", "--out", &d(&rows)]);
    let with = [rows.join("quickstart"), rows.join("faster")];
    super::amisim_ok(&["compare", &d(&with[0]), &d(&with[1]), "--out", &d(&cmp)]);
    let md = std::fs::read_to_string(cmp.join("compare.md")).unwrap();
    let p95 = md
        .lines()
        .filter(|l| l.starts_with("| al2023-golden | −"))
        .nth(1)
        .unwrap_or_else(|| panic!("no p95 difference row in\n{md}"));
    eprintln!("compare p95: {p95}");
    assert!(p95.contains("(95 % CI −") && p95.ends_with("* |"), "{p95}");
    assert_eq!(
        replayed, p95,
        "replayed replications give runs.csv's executions"
    );
    // Another seed: independent samples, said so.
    let other = dir.path().join("other");
    super::amisim_ok(&[
        "run",
        fz,
        "-q",
        "--rows",
        "none",
        "-s",
        "7",
        "--out",
        &d(&other),
    ]);
    super::amisim_ok(&["compare", &d(&dirs[0]), &d(&other), "--out", &d(&cmp)]);
    let md = std::fs::read_to_string(cmp.join("compare.md")).unwrap();
    assert!(md.contains("independent samples"), "{md}");
    // A sweep, or one directory, is refused.
    let sweep = dir.path().join("sweep");
    super::amisim_ok(&[
        "run",
        "scenarios/patch-sla.toml",
        "-n",
        "2",
        "-q",
        "--out",
        &d(&sweep),
    ]);
    for args in [
        vec!["compare", &d(&dirs[0]) as &str, &d(&sweep)],
        vec!["compare", &d(&dirs[0])],
    ] {
        let o = amisim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

/// Several scenarios to one `--out` go to DIR/NAME; two with one name are
/// refused before anything runs, and `validate` checks every file.
#[test]
fn several_scenarios_run_and_validate_together() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let q = "scenarios/quickstart.toml";
    let o = amisim(&["run", q, q, "-n", "2", "-q", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("both write"),
        "{o:?}"
    );
    assert!(!out.exists(), "nothing written");
    let o = amisim(&[
        "validate",
        q,
        "scenarios/illegal/unknown-key.toml",
        "scenarios/patch-sla.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown-key.toml:") && err.contains("1 of 3 scenario files"),
        "{err}"
    );
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("quickstart.toml: ok") && said.contains("patch-sla.toml: ok"),
        "{said}"
    );
}

#[test]
fn the_assumptions_listed_are_those_the_scenario_uses() {
    let text = std::fs::read_to_string(super::root().join("scenarios/quickstart.toml")).unwrap();
    let load = |t: &str| amisim::scenario::from_str(std::path::Path::new("q.toml"), t).unwrap();
    let has =
        |s: &amisim::scenario::Scenario, what: &str| s.assumptions.iter().any(|a| a.contains(what));
    let base = load(&text);
    for what in [
        "snapshot throughput",
        "copy throughput",
        "Linux launch p95",
        "us-east-1's figures",
        "per distribution configuration",
    ] {
        assert!(has(&base, what), "{what}: {:?}", base.assumptions);
    }
    // All Linux, every volume's changed data given: no Windows launch, no 10 %.
    assert!(!has(&base, "Windows launch") && !has(&base, "changed data"));
    // Given throughputs, a chosen copy-quota scope and a Region's own prices
    // take their lines out.
    let given = text.replace(
        "[account]",
        "[latency]\nsnapshot = { overhead = \"60s\", throughput_mib_s = 100 }\ncopy = { overhead = \"60s\", throughput_mib_s = 100 }\n\
         [quotas]\nami_copies_scope = \"account_region\"\n[account]",
    );
    let s = load(&given);
    for what in [
        "snapshot throughput",
        "copy throughput",
        "per distribution configuration",
    ] {
        assert!(!has(&s, what), "{what}: {:?}", s.assumptions);
    }
    assert!(has(&s, "Linux launch p95"));
}

#[test]
fn a_report_reads_the_scenario_copy_when_the_original_is_gone() {
    let input = tempfile::tempdir().unwrap();
    let scn = input.path().join("mine.toml");
    std::fs::copy(super::root().join("scenarios/quickstart.toml"), &scn).unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    super::import::run3(&scn, &dir);
    let copy = std::fs::read(dir.join("scenario.toml")).unwrap();
    assert_eq!(copy, std::fs::read(&scn).unwrap(), "a byte copy");
    std::fs::remove_file(&scn).unwrap();
    super::amisim_ok(&["report", dir.to_str().unwrap()]);
    assert!(dir.join("report.md").exists());
    // A changed copy is refused by the manifest's hash.
    std::fs::write(
        dir.join("scenario.toml"),
        String::from_utf8(copy)
            .unwrap()
            .replace("replications = 50", "replications = 49"),
    )
    .unwrap();
    let o = super::amisim(&["report", dir.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_fleet_slo_is_judged_and_searched_on_the_fleets_pooled_p95() {
    // enterprise-capacity with the copies of all its pipelines pooled per
    // Region (the quota binds) and the SLO about the fleet.
    let input = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::root().join("scenarios/enterprise-capacity.toml")).unwrap();
    let scn = input.path().join("fleet.toml");
    std::fs::write(
        &scn,
        text.replace(
            "[quotas]\n",
            "[quotas]\nami_copies_scope = \"account_region\"\n",
        ),
    )
    .unwrap();
    let (_out, _dir, md) = run_report(scn.to_str().unwrap(), &["-n", "4", "--rows", "none"]);
    let fleet = md
        .lines()
        .find(|l| l.contains("over the fleet"))
        .expect("a fleet line");
    assert!(
        fleet.contains("n = 480") && fleet.contains("— SLO 2h 00m 00s"),
        "{fleet}"
    );
    assert!(
        md.contains(
            "is the smallest value at which the fleet's p95 time to all Regions meets the SLO"
        ),
        "{md}"
    );
    assert!(
        !md.contains("each pipeline against the SLO"),
        "the fleet scope judges the fleet only"
    );
}

#[test]
fn a_sweep_recommends_its_cheapest_point_meeting_every_slo_with_its_figures() {
    // quickstart built daily, swept over daily and weekly with a loose SLO:
    // both meet it, and weekly (a seventh of the builds) is the cheaper.
    let dir = tempfile::tempdir().unwrap();
    let daily = "cron(0 6 * * ? *)";
    let text = std::fs::read_to_string("scenarios/quickstart.toml")
        .unwrap()
        .replacen("cron(0 6 ? * MON *)", daily, 1);
    let s = dir.path().join("swept.toml");
    std::fs::write(
        &s,
        format!("{text}\n[slo]\ntime_to_all_regions_p95 = \"6h\"\n\n[sweep]\n\"pipeline[0].schedule.cron\" = [\"{daily}\", \"cron(0 6 ? * MON *)\"]\n"),
    )
    .unwrap();
    let (_out, _dir, md) = run_report(s.to_str().unwrap(), &["-n", "3"]);
    let rec = md
        .lines()
        .find(|l| l.starts_with("- recommendation: "))
        .unwrap_or_else(|| panic!("no recommendation:\n{md}"));
    assert!(
        rec.contains(&format!(
            "set pipeline[0].schedule.cron = cron(0 6 ? * MON *) (the scenario has {daily})"
        )) && rec.contains("a month (95 % CI $"),
        "{rec}"
    );
}

#[test]
fn a_sweep_over_words_draws_its_bars_and_the_exposure_it_is_about() {
    // patch-sla sweeps a cron (not a number) and its SLO is the exposure window.
    let (_out, dir, md) = run_report("scenarios/patch-sla.toml", &["-n", "2"]);
    for chart in ["sweep", "sweep_cost", "sweep_exposure"] {
        let png = std::fs::read(dir.join("charts").join(format!("{chart}.png"))).unwrap();
        assert!(png.starts_with(&[0x89, b'P', b'N', b'G']), "{chart}.png");
        assert!(
            md.contains(&format!("charts/{chart}.png")),
            "{chart} in report.md"
        );
    }
    assert!(md.contains("one bar per sweep point"), "{md}");
}

#[test]
fn a_sweep_of_one_pipelines_key_shows_that_pipelines_p95_and_no_clamped_interval() {
    // time-based-copies sweeps pipeline[1].copy_completion; pipeline 0 is the slower.
    let (_out, _dir, md) = run_report("scenarios/time-based-copies.toml", &["-n", "2"]);
    assert!(md.contains("| p95 of time-based (swept) |"), "{md}");
    assert!(
        md.contains("(charts/sweep_swept.png)"),
        "its own chart: {md}"
    );
    // 2 replications cannot support a CI of a p95: said, not clamped to the sample.
    assert!(md.contains("(too few values for a 95 % CI)"), "{md}");
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 15m") || l.starts_with("| 4h"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    let swept = |row: &str| row.split('|').nth(2).unwrap().trim().to_string();
    assert_ne!(
        swept(rows[0]),
        swept(rows[1]),
        "the swept pipeline's p95 moves with the sweep"
    );
}

/// Runs `scenario` with `args` and `--report` into a fresh directory: the
/// directory (kept alive by its guard) and its report.md.
fn run_report(scenario: &str, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let to = dir.to_str().unwrap();
    super::amisim_ok(&[&["run", scenario, "-q", "--report", "--out", to], args].concat());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    (out, dir, md)
}

/// The sensitivity runs: the quickstart relies on the assumed copy,
/// snapshot and readiness figures, each run twice as slow with the same
/// seed and replications (so the same n); the same
/// scenario with all three given in `[latency]` relies on none of them.
#[test]
fn the_report_names_the_assumption_the_p95_moves_most_with() {
    let (_t, _dir, md) = run_report("scenarios/quickstart.toml", &["-n", "20"]);
    let line = md
        .lines()
        .find(|l| l.starts_with("- sensitivity: the p95 for al2023-golden is "))
        .unwrap_or_else(|| panic!("no sensitivity line:\n{md}"));
    assert!(
        line.contains("the 4 assumed defaults it relies on"),
        "{line}"
    );
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.contains("twice as slow") && l.starts_with('|'))
        .collect();
    assert_eq!(rows.len(), 1, "the table's header: {rows:?}");
    for a in [
        "the best-effort copy throughput and overhead",
        "the snapshot throughput and overhead",
        "Image Builder's readiness wait after a launch",
        "Image Builder's metadata collection (CollectImageMetadata)",
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {a} |")))
            .unwrap_or_else(|| panic!("no row for {a}"));
        // Twice as slow is slower, never faster, at the same n.
        assert!(row.contains("| +") && row.contains("(n = "), "{row}");
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    let measured = text.replacen(
        "[account]",
        "[latency]\ncopy = { overhead = \"3m\", throughput_mib_s = 40 }\nsnapshot = { overhead = \"2m\", throughput_mib_s = 30 }\ninstance_ready = \"90s\"\ncollect_image_metadata = \"1m\"\n\n[account]",
        1,
    );
    let s = dir.path().join("measured.toml");
    std::fs::write(&s, measured).unwrap();
    let (_t2, _d2, md) = run_report(s.to_str().unwrap(), &["-n", "5"]);
    assert!(
        !md.contains("sensitivity:") && !md.contains("twice as slow"),
        "{md}"
    );
}

/// The verdict's recommendation: with copies assumed, measure them first
/// (the quickstart); with the quota short under the other reading, the
/// value the search found.
#[test]
fn the_verdict_says_what_to_change() {
    let (_t, _dir, md) = run_report("scenarios/quickstart.toml", &["-n", "20"]);
    let rec = md
        .lines()
        .find(|l| l.starts_with("- recommendation: measure "))
        .unwrap_or_else(|| panic!("no recommendation:\n{md}"));
    assert!(
        rec.contains("`amisim fit`") && rec.contains("moves the p95 by +"),
        "{rec}"
    );
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/enterprise-capacity.toml").unwrap();
    let s = dir.path().join("ar.toml");
    std::fs::write(
        &s,
        text.replacen(
            "\n[quotas]\n",
            "\n[quotas]\nami_copies_scope = \"account_region\"\n",
            1,
        ),
    )
    .unwrap();
    let (_t2, _d2, md) = run_report(s.to_str().unwrap(), &["-n", "4"]);
    let rec = md
        .lines()
        .find(|l| {
            l.starts_with("- recommendation: request concurrent_ami_copies_per_distribution = ")
        })
        .unwrap_or_else(|| panic!("no quota recommendation:\n{md}"));
    assert!(rec.contains("(the scenario has 50)"), "{rec}");
}
