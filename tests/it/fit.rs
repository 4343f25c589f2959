//! `amisim fit`: recovery, the loop from a run's own stages.csv back to a
//! calibrated run, the calibration mechanism, and bad input.

use std::path::Path;

use amisim::fit::family::{self, Family};

use super::{amisim, amisim_ok, root};

/// The successful runs' times to all Regions in `runs.csv`, sorted.
fn times(runs: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(runs).unwrap();
    let mut v: Vec<f64> = text
        .lines()
        .skip(1)
        .filter(|l| l.contains(",succeeded,"))
        .map(|l| l.split(',').nth(8).unwrap().parse().unwrap())
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// A distribution-free 95 % interval of the p-quantile: the order
/// statistics at ranks n·p ± 1.96·sqrt(n·p·(1−p)).
fn quantile_ci(v: &[f64], p: f64) -> (f64, f64) {
    let n = v.len() as f64;
    let half = 1.96 * (n * p * (1.0 - p)).sqrt();
    let lo = ((n * p - half).floor().max(0.0)) as usize;
    let hi = ((n * p + half).ceil() as usize).min(v.len() - 1);
    (v[lo], v[hi])
}

#[test]
fn a_run_fitted_from_its_own_stages_csv_gives_the_same_p95() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let orig = d.join("orig");
    amisim_ok(&[
        "run",
        "scenarios/quickstart.toml",
        "-n",
        "300",
        "-q",
        "--out",
        orig.to_str().unwrap(),
    ]);
    let cal = d.join("cal.toml");
    let o = amisim_ok(&[
        "fit",
        orig.join("stages.csv").to_str().unwrap(),
        "--bootstrap",
        "19",
        "-o",
        cal.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fitted component update-linux"), "{err}");
    // The scenario without its step durations, calibrated instead.
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let bare: String = text
        .lines()
        .filter(|l| !l.starts_with("duration = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(text.lines().count() - bare.lines().count(), 5, "five steps");
    let s = d.join("calibrated.toml");
    std::fs::write(&s, format!("calibration = \"cal.toml\"\n{bare}")).unwrap();
    let cali = d.join("cali");
    amisim_ok(&[
        "run",
        s.to_str().unwrap(),
        "-n",
        "300",
        "-q",
        "--seed",
        "7",
        "--out",
        cali.to_str().unwrap(),
    ]);
    let (a, b) = (times(&orig.join("runs.csv")), times(&cali.join("runs.csv")));
    assert!(a.len() > 1000 && b.len() > 1000, "{} {}", a.len(), b.len());
    let (ca, cb) = (quantile_ci(&a, 0.95), quantile_ci(&b, 0.95));
    assert!(
        ca.0 <= cb.1 && cb.0 <= ca.1,
        "p95 intervals: original {ca:?}, calibrated {cb:?}"
    );
    // Without the calibration, the bare scenario is refused, step by step.
    let s2 = d.join("bare.toml");
    std::fs::write(&s2, &bare).unwrap();
    let o = amisim(&["validate", s2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("step \"update-linux\" has no duration"),
        "{err}"
    );
}

#[test]
fn the_scenarios_own_keys_win_and_a_bad_calibration_is_located_in_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("cal.toml"),
        "[latency]\nshare = \"10m\"\nregister_image = \"7s\"\n\n[component.\"update-linux\"]\nduration = \"1m\"\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let s = d.join("s.toml");
    std::fs::write(
        &s,
        format!("calibration = \"cal.toml\"\n{text}\n[latency]\nshare = \"3s\"\n"),
    )
    .unwrap();
    let scn = amisim::scenario::from_str(&s, &std::fs::read_to_string(&s).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let p = &scn.world.pipelines[0];
    let mean = |d: &amisim::law::Law| d.mean();
    assert_eq!(mean(&p.latency.share), 3.0, "the scenario's own key wins");
    assert_eq!(
        mean(&p.latency.register_image),
        7.0,
        "the calibration fills the rest"
    );
    assert!(
        (mean(&p.components[0].duration) - 60.0).abs() > 1.0,
        "a step's own duration wins"
    );
    // An error in the calibration names the calibration's line.
    std::fs::write(
        d.join("cal.toml"),
        "[latency]\nshare = { kind = \"lognormal\", median = \"9m\", p95 = \"1m\" }\n",
    )
    .unwrap();
    let o = amisim(&["validate", s.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cal.toml:2:"), "{err}");
    std::fs::write(d.join("cal.toml"), "[latncy]\n").unwrap();
    let err =
        String::from_utf8_lossy(&amisim(&["validate", s.to_str().unwrap()]).stderr).into_owned();
    assert!(err.contains("cal.toml:1:2: latncy: unknown field"), "{err}");
    std::fs::remove_file(d.join("cal.toml")).unwrap();
    let err =
        String::from_utf8_lossy(&amisim(&["validate", s.to_str().unwrap()]).stderr).into_owned();
    assert!(
        err.contains("s.toml:1:15: calibration: cannot read"),
        "{err}"
    );
}

#[test]
fn bad_observations_are_refused_with_their_line_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("cal.toml");
    for (csv, want) in [
        (
            "stage,duration_s\nshare,2\nshare,-1\n",
            "x.csv:3: duration_s: a duration of -1 s",
        ),
        (
            "stage,duration_s\nshare,0\n",
            "x.csv:2: duration_s: a duration of 0 s",
        ),
        ("stage,duration_s\nshrae,2\n", "did you mean `share`?"),
        (
            "stage,start,end\nshare,2026-11-30T06:00:10Z,2026-11-30T06:00:00Z\n",
            "x.csv:2: end: the end is 10.000 s before the start",
        ),
        (
            "stage,duration_s,data_gib\nsnapshot,60,0\n",
            "x.csv:2: data_gib: a snapshot of 0 GiB",
        ),
        ("stage,duration_s\nshare,2,3\n", "x.csv:2: not valid CSV"),
        ("phase,duration_s\n", "no `stage` column"),
    ] {
        let f = d.join("x.csv");
        std::fs::write(&f, csv).unwrap();
        let o = amisim(&["fit", f.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{csv}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{csv}: {err}");
        assert!(!out.exists(), "nothing written");
    }
}

/// The recovery table of the closing note: for each family, 200 samples of
/// 300 (with and without 10 % censoring), the mean fitted parameters and
/// how often the 95 % Fisher interval holds the truth.
/// `cargo test --release --test it fit::recovery_table -- --ignored --nocapture`
#[test]
#[ignore]
fn recovery_table() {
    let truths: [(Family, Vec<f64>); 5] = [
        (Family::Exponential, vec![120.0]),
        (Family::Lognormal, vec![5.0, 0.6]),
        (Family::Gamma, vec![3.0, 40.0]),
        (Family::Weibull, vec![1.8, 200.0]),
        (Family::Normal, vec![300.0, 60.0]),
    ];
    println!("| family | censored | parameter | true | mean fitted | 95 % coverage |");
    println!("|---|---|---|---|---|---|");
    for (f, truth) in truths {
        for censor in [false, true] {
            let fits: Vec<family::Fitted> = (0..200)
                .map(|s| {
                    family::fit(
                        f,
                        &family::draw(f, &truth, 300, censor.then_some(0.9), 5000 + s),
                    )
                })
                .collect();
            for (j, t) in truth.iter().enumerate() {
                let mean = fits.iter().map(|x| x.params[j]).sum::<f64>() / fits.len() as f64;
                let cover = fits
                    .iter()
                    .filter(|x| (x.params[j] - t).abs() <= 1.96 * x.se[j])
                    .count() as f64
                    / fits.len() as f64;
                println!(
                    "| {} | {} | {} | {t} | {mean:.4} | {:.1} % |",
                    f.kind(),
                    if censor { "10 %" } else { "none" },
                    f.param_names()[j],
                    100.0 * cover
                );
            }
        }
    }
}

/// Fits `inputs` in process, with a small bootstrap.
fn fit_files(inputs: &[&str]) -> amisim::fit::Fitted {
    amisim::fit::fit(&amisim::fit::Request {
        inputs: inputs.iter().map(|i| root().join(i)).collect(),
        format: amisim::fit::Format::Auto,
        options: amisim::fit::stage::Options {
            min_samples: 20,
            bootstrap: 19,
            seed: 1,
        },
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn stage<'a>(f: &'a amisim::fit::Fitted, label: &str) -> &'a amisim::fit::stage::StageFit {
    f.stages
        .iter()
        .find(|s| s.target.label() == label)
        .unwrap_or_else(|| {
            panic!(
                "no {label}: {:?}",
                f.stages
                    .iter()
                    .map(|s| s.target.label())
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn image_builders_step_executions_are_read_by_action_with_skips_dropped_and_time_outs_censored() {
    let f = fit_files(&["tests/fit/imagebuilder"]);
    assert!(
        f.dropped
            .iter()
            .any(|d| d.0 == "Image Builder step SKIPPED" && d.1 == 24),
        "{:?}",
        f.dropped
    );
    let launch = stage(&f, "instance_launch");
    assert_eq!(
        (launch.n, launch.censored),
        (48, 0),
        "LaunchInstance of builds and tests"
    );
    // The test workflow's ExecuteComponents, one of them timed out: a test, censored.
    let tests = stage(&f, "test ApplyTestComponents");
    assert_eq!((tests.n, tests.censored), (24, 1));
    assert!(tests.data.iter().any(|d| d.1 && (d.0 - 720.0).abs() < 1e-6));
    stage(&f, "component ApplyBuildComponents");
    stage(&f, "sanitize");
    assert!(f.toml.contains("instance_ready = \"0s\""), "{}", f.toml);
    assert!(
        f.toml
            .contains("every snapshot and the registration together")
    );
    // The calibration is one a scenario can use.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cal.toml"), &f.toml).unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let s = dir.path().join("s.toml");
    std::fs::write(&s, format!("calibration = \"cal.toml\"\n{text}")).unwrap();
    amisim_ok(&["validate", s.to_str().unwrap()]);
}

#[test]
fn ebs_snapshot_events_sized_by_describe_snapshots_give_the_throughput_per_region_pair() {
    let f = fit_files(&[
        "tests/fit/ebs-events.jsonl",
        "tests/fit/describe-snapshots.json",
    ]);
    // The fixture's copies: 90 s overhead, a lognormal rate of median 60 MiB/s (sigma 0.4).
    let copy = stage(&f, "copy");
    let amisim::fit::stage::StageModel::Throughput { fit, .. } = &copy.model else {
        panic!("{:?}", copy.model)
    };
    // A fixed overhead of 90 s. Both routes pooled, the likelihood-ratio
    // test (5 %) takes the spread between their estimates (88 s and 120 s)
    // for a random overhead: its median is then the one checked.
    use amisim::fit::throughput::Overhead;
    let (overhead, se, k) = match fit.overhead {
        Overhead::Fixed(o) => (o, fit.se[0], 1),
        Overhead::Random(l) => (l.mu.exp(), l.mu.exp() * fit.se[0], 2),
    };
    for (est, t, se) in [
        (overhead, 90.0, se),
        (fit.mu, 60f64.ln(), fit.se[k]),
        (fit.sigma, 0.4, fit.se[k + 1]),
    ] {
        assert!((est - t).abs() < 3.29 * se, "true {t}, fitted {est} ± {se}");
    }
    assert!(
        copy.notes
            .iter()
            .any(|n| n.starts_with("6 incremental copies left out")),
        "{:?}",
        copy.notes
    );
    stage(&f, "copy us-east-1 → eu-west-1");
    stage(&f, "copy us-east-1 → ap-southeast-2");
    assert!(
        f.toml
            .contains("[[route]]\nfrom = \"us-east-1\"\nto = \"eu-west-1\""),
        "{}",
        f.toml
    );
    assert!(
        f.dropped
            .iter()
            .any(|d| d.0 == "EBS copySnapshot not succeeded")
    );
    // describe-snapshots alone: StartTime to CompletionTime, with sizes.
    let f = fit_files(&["tests/fit/describe-snapshots.json"]);
    let s = stage(&f, "snapshot");
    assert!(matches!(
        s.model,
        amisim::fit::stage::StageModel::Throughput { .. }
    ));
    assert_eq!(s.n, 30);
}

#[test]
fn cloudtrail_calls_joined_with_ami_state_changes_time_each_image_to_available() {
    let f = fit_files(&[
        "tests/fit/cloudtrail.json",
        "tests/fit/ami-state-changes.json",
    ]);
    assert_eq!(stage(&f, "snapshot").n, 25);
    let pair = stage(&f, "copy us-east-1 → eu-west-1");
    assert_eq!(pair.n, 25);
    // Durations only (CloudTrail has no sizes), said in the comment.
    assert!(
        f.toml
            .contains("CloudTrail CopyImage to the AMI's available"),
        "{}",
        f.toml
    );
    // Without the state changes, the join matches nothing: refused, with counts.
    let o = amisim(&["fit", "tests/fit/cloudtrail.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("none of the 50 CreateImage and CopyImage records matches an \"EC2 AMI State Change\" event by request id (0 state changes given)"), "{err}");
}

#[test]
fn wrong_kinds_and_bad_aws_records_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A document of another kind.
    let f = d.join("pipeline.json");
    std::fs::write(&f, "{\n  \"imagePipeline\": {\"name\": \"x\"}\n}\n").unwrap();
    let err = String::from_utf8_lossy(&amisim(&["fit", f.to_str().unwrap()]).stderr).into_owned();
    assert!(
        err.contains("pipeline.json:1: not a log amisim reads: an object with imagePipeline"),
        "{err}"
    );
    // --format that does not match the content.
    let err = String::from_utf8_lossy(
        &amisim(&[
            "fit",
            "--format",
            "cloudtrail",
            "tests/fit/describe-snapshots.json",
        ])
        .stderr,
    )
    .into_owned();
    assert!(
        err.contains(
            "this is snapshots (describe-snapshots), which --format cloudtrail does not read"
        ),
        "{err}"
    );
    // An event ending before it starts: its line in the JSON lines.
    let text = std::fs::read_to_string(root().join("tests/fit/ebs-events.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let v: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    let (s, e) = (
        v["detail"]["startTime"].as_str().unwrap().to_string(),
        v["detail"]["endTime"].as_str().unwrap().to_string(),
    );
    lines[2] = lines[2]
        .replace(
            &format!("\"startTime\": \"{s}\""),
            &format!("\"startTime\": \"{e}X\""),
        )
        .replace(
            &format!("\"endTime\": \"{e}\""),
            &format!("\"endTime\": \"{s}\""),
        )
        .replace(&format!("{e}X"), &e);
    let f = d.join("events.jsonl");
    std::fs::write(&f, lines.join("\n")).unwrap();
    let err = String::from_utf8_lossy(&amisim(&["fit", f.to_str().unwrap()]).stderr).into_owned();
    assert!(
        err.contains("events.jsonl:3: detail.endTime: the end is"),
        "{err}"
    );
    // Malformed JSON: the parser's line.
    std::fs::write(&f, "{\"Snapshots\": [\n  {\"SnapshotId\": }\n]}\n").unwrap();
    let err = String::from_utf8_lossy(&amisim(&["fit", f.to_str().unwrap()]).stderr).into_owned();
    assert!(err.contains("events.jsonl:2: not valid JSON"), "{err}");
    // describe-snapshots that size none of the events: the join is named, with counts.
    let snaps = d.join("other-snapshots.json");
    std::fs::write(&snaps, "{\"Snapshots\": [{\"SnapshotId\": \"snap-0nothere\", \"VolumeSize\": 8, \"State\": \"completed\"}]}").unwrap();
    let err = String::from_utf8_lossy(
        &amisim(&["fit", "tests/fit/ebs-events.jsonl", snaps.to_str().unwrap()]).stderr,
    )
    .into_owned();
    assert!(
        err.contains("the describe-snapshots given match none of the 90 snapshot events"),
        "{err}"
    );
}

#[test]
fn the_report_has_a_cdf_and_a_q_q_chart_per_fitted_stage_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let rep = dir.path().join("rep");
    amisim_ok(&[
        "fit",
        "tests/fit/imagebuilder",
        "--bootstrap",
        "19",
        "--report",
        rep.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(rep.join("fit.md")).unwrap();
    for stem in ["instance-launch", "test-applytestcomponents", "snapshot"] {
        for kind in ["cdf", "qq"] {
            let png = std::fs::read(rep.join(format!("{stem}-{kind}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG", "{stem}-{kind}.png");
            let svg = std::fs::read_to_string(rep.join(format!("{stem}-{kind}.svg"))).unwrap();
            assert!(svg.contains("<svg"), "{stem}-{kind}.svg");
        }
        assert!(md.contains(&format!("[CDF]({stem}-cdf.png)")), "{md}");
    }
    assert!(md.contains("| test ApplyTestComponents | 24 | 1 |"), "{md}");
    let html = std::fs::read_to_string(rep.join("fit.html")).unwrap();
    assert!(
        html.contains("<img src=\"instance-launch-cdf.svg\""),
        "{html}"
    );
}

#[test]
fn the_committed_fit_example_is_what_its_command_writes() {
    // results/README.md: the command that wrote results/fit-example/.
    let dir = tempfile::tempdir().unwrap();
    let rep = dir.path().join("fit-example");
    amisim_ok(&[
        "fit",
        "tests/fit/ebs-events.jsonl",
        "tests/fit/describe-snapshots.json",
        "--bootstrap",
        "49",
        "--report",
        rep.to_str().unwrap(),
        "-o",
        rep.join("calibration.toml").to_str().unwrap(),
    ]);
    for f in ["calibration.toml", "fit.md"] {
        let committed =
            std::fs::read_to_string(root().join("results/fit-example").join(f)).unwrap();
        let fresh = std::fs::read_to_string(rep.join(f)).unwrap();
        // The header names the inputs as given; the rest is the same.
        let body = |t: &str| {
            t.lines()
                .filter(|l| !l.starts_with("# Calibration written by"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            body(&committed),
            body(&fresh),
            "{f}: regenerate with the command in results/README.md"
        );
    }
}

/// A describe-snapshots entry is read as its type: a field of the wrong
/// type is refused at its entry's line (it was skipped as if absent).
#[test]
fn a_describe_snapshots_entry_of_the_wrong_shape_is_refused_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("describe-snapshots.json");
    std::fs::write(
        &input,
        "{\n  \"Snapshots\": [\n    {\n      \"SnapshotId\": \"snap-1\",\n      \"State\": \"completed\",\n      \"StartTime\": \"2026-10-05T07:00:00.000Z\",\n      \"CompletionTime\": \"2026-10-05T07:10:00.000Z\",\n      \"VolumeSize\": \"eight\"\n    }\n  ]\n}\n",
    )
    .unwrap();
    let out = dir.path().join("cal.toml");
    let o = super::amisim(&["fit", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("describe-snapshots.json:4")
            && e.contains("not a describe-snapshots entry")
            && e.contains("invalid type"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn an_event_or_a_trail_record_of_the_wrong_shape_is_refused_at_its_line_and_field() {
    // Each log's records are typed: a field of the wrong type is an error
    // at its line naming the field, not a record silently skipped.
    let dir = tempfile::tempdir().unwrap();
    let events = std::fs::read_to_string(super::root().join("tests/fit/ebs-events.jsonl")).unwrap();
    let mut lines: Vec<String> = events.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen("\"startTime\": \"", "\"startTime\": 17, \"was\": \"", 1);
    let input = dir.path().join("events.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = dir.path().join("cal.toml");
    let o = super::amisim(&["fit", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("events.jsonl:3")
            && e.contains("detail.startTime")
            && e.contains(
                "not an EventBridge event: invalid type: integer `17`, expected a string"
            ),
        "{e}"
    );
    let trail = std::fs::read_to_string(super::root().join("tests/fit/cloudtrail.json"))
        .unwrap()
        .replacen("\"awsRegion\": \"us-east-1\"", "\"awsRegion\": 5", 1);
    let input = dir.path().join("cloudtrail.json");
    std::fs::write(&input, trail).unwrap();
    let states = super::root().join("tests/fit/ami-state-changes.json");
    let o = super::amisim(&[
        "fit",
        input.to_str().unwrap(),
        states.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("cloudtrail.json:")
            && e.contains("awsRegion")
            && e.contains("not a CloudTrail record: invalid type: integer `5`, expected a string"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
}
