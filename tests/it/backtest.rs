//! `amisim backtest` on histories whose truth is known (tests/backtest/,
//! written by `backtest_gen`): the consistent one is found consistent, the
//! drifting one inconsistent by drift in its copies, the one with a queue
//! the scenario lacks inconsistent by model structure at the wait before
//! the build.

use std::path::{Path, PathBuf};

use amisim::backtest::{self, Backtested, Cutoff, compare::Cause, compare::Verdict};

use super::backtest_gen;

const CASES: [&str; 3] = ["consistent", "drift", "bottleneck"];

fn request(case: &str) -> backtest::Request {
    backtest::Request {
        scenario: PathBuf::from("tests/backtest/golden.toml"),
        history: vec![PathBuf::from(format!("tests/backtest/{case}"))],
        cutoff: Cutoff::HoldOut(0.5),
        replications: 20,
        seed: None,
        threads: 0,
        fit: amisim::fit::stage::Options {
            min_samples: 20,
            bootstrap: 19,
            seed: 1,
        },
        load: Default::default(),
    }
}

fn run(case: &str) -> Backtested {
    backtest::backtest(&request(case)).unwrap_or_else(|e| panic!("{case}: {e}"))
}

#[test]
fn the_fixtures_are_what_the_generator_writes() {
    for case in CASES {
        let dir = Path::new("tests/backtest").join(case);
        for (name, text) in backtest_gen::files(&backtest_gen::generate(case, backtest_gen::SEED)) {
            super::assert_golden(&dir.join(name), &text);
        }
    }
}

#[test]
fn a_history_the_model_generated_is_consistent() {
    let b = run("consistent");
    assert_eq!(b.split, (40, 40), "{:?}", b.split);
    assert!(
        b.reconstructed.unlinked.is_empty(),
        "{:?}",
        b.reconstructed.unlinked
    );
    assert_eq!(b.verdict, Verdict::Consistent, "{:#?}", b.findings);
    // Every stage the history logs was compared, with enough values to test.
    for m in [
        "launch_builder",
        "build_components",
        "create_image",
        "tests",
        "copy:eu-west-1",
        "copy:ap-southeast-2",
        "time_to_all_regions",
        "failed_executions",
    ] {
        let r = b
            .rows
            .iter()
            .find(|r| r.metric.name() == m)
            .unwrap_or_else(|| panic!("no row {m}"));
        assert!(r.p_value.is_some(), "{m} untested");
    }
}

#[test]
fn copies_that_slow_down_after_the_cutoff_are_drift_in_the_copies() {
    let b = run("drift");
    assert_eq!(b.verdict, Verdict::Inconsistent);
    let (cause, metrics) = b.cause.clone().expect("a cause");
    assert_eq!(cause, Cause::Drift, "{:#?}", b.findings);
    assert!(
        metrics
            .iter()
            .all(|m| m.starts_with("copy:") || m == "distribution" || m == "time_to_all_regions"),
        "{metrics:?}"
    );
    assert!(
        metrics[0].starts_with("copy:"),
        "the stage first: {metrics:?}"
    );
    // The stages the drift did not touch still match.
    for m in [
        "launch_builder",
        "build_components",
        "tests",
        "create_image",
    ] {
        let r = b.rows.iter().find(|r| r.metric.name() == m).unwrap();
        assert!(!r.rejected, "{m} rejected: {:#?}", b.findings);
    }
}

#[test]
fn a_queue_the_scenario_lacks_is_model_structure_at_the_wait() {
    let b = run("bottleneck");
    assert_eq!(b.verdict, Verdict::Inconsistent);
    let (cause, metrics) = b.cause.clone().expect("a cause");
    assert_eq!(cause, Cause::Structure, "{:#?}", b.findings);
    assert!(metrics.contains(&"build_wait".to_string()), "{metrics:?}");
    assert!(
        b.findings
            .iter()
            .any(|f| f.contains("wait for something before their build")),
        "{:#?}",
        b.findings
    );
    for m in [
        "launch_builder",
        "build_components",
        "tests",
        "copy:eu-west-1",
    ] {
        let r = b.rows.iter().find(|r| r.metric.name() == m).unwrap();
        assert!(!r.rejected, "{m} rejected: {:#?}", b.findings);
    }
}

/// The verdicts over 20 other draws of each history: how often the
/// backtest says consistent of a consistent history (Holm holds the
/// family-wise error at 5 %: at most 3 of 20, P(X ≥ 4) = 1.6 % for
/// Binomial(20, 0.05)), and how often it finds the drift in the copies
/// and the queue at the build's launch (at least 18 of 20: a power of at
/// least 90 %; 40 draws of each gave 40 of 40 when this was written).
#[test]
fn the_verdicts_hold_over_other_draws_of_the_histories() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let mut right = 0;
        for seed in 0..20u64 {
            let d = dir.path().join(format!("{case}-{seed}"));
            std::fs::create_dir_all(&d).unwrap();
            let h = backtest_gen::generate(case, 1000 + seed);
            for (name, text) in backtest_gen::files(&h) {
                std::fs::write(d.join(name), text).unwrap();
            }
            let mut req = request(case);
            req.history = vec![d];
            let b = backtest::backtest(&req).unwrap();
            let named = |m: &str| {
                b.cause
                    .as_ref()
                    .is_some_and(|c| c.1.iter().any(|x| x.starts_with(m)))
            };
            right += usize::from(match case {
                "consistent" => b.verdict == Verdict::Consistent,
                "drift" => b.cause.as_ref().is_some_and(|c| c.0 == Cause::Drift) && named("copy:"),
                _ => {
                    b.cause.as_ref().is_some_and(|c| c.0 == Cause::Structure) && named("build_wait")
                }
            });
        }
        let least = if case == "consistent" { 17 } else { 18 };
        assert!(
            right >= least,
            "{case}: right {right} of 20, at least {least} expected"
        );
    }
}

/// The failure probabilities a backtest fits land in its calibration, and
/// a calibration's probabilities change the simulated failures: with
/// `update-linux` failing 30 % of the time and launches 10 % (two per
/// execution), about 1 − 0.7 × 0.9² = 43.3 % of executions fail.
#[test]
fn fitted_failure_probabilities_land_in_the_calibration_and_change_the_failures() {
    let b = run("consistent");
    let toml = &b.calibration.toml;
    for key in [
        "launch_failure_probability",
        "snapshot_failure_probability",
        "copy_failure_probability",
    ] {
        let (_, k, n, p) = b
            .calibration
            .failures
            .iter()
            .find(|f| f.0 == key)
            .unwrap_or_else(|| panic!("{key}"));
        let q = (*k as f64 + 0.5) / (*n as f64 + 1.0);
        assert!((p - q).abs() < 1e-12, "{key}: {p} against Jeffreys' {q}");
        assert!(toml.contains(&format!("{key} = ")), "{key} not in\n{toml}");
    }
    assert!(
        toml.contains("[component.update-linux]") && toml.contains("failure_probability = "),
        "{toml}"
    );
    // A calibration's failure keys in a run.
    let dir = tempfile::tempdir().unwrap();
    let cal = "[faults]\nlaunch_failure_probability = 0.1\n\n[component.\"update-linux\"]\nduration = \"7m\"\nfailure_probability = 0.3\n";
    std::fs::write(dir.path().join("cal.toml"), cal).unwrap();
    let golden = std::fs::read_to_string("tests/backtest/golden.toml").unwrap();
    let text = golden
        .replace("name = \"backtest-golden\"", "name = \"cal\"\ncalibration = \"cal.toml\"")
        .replace("name = \"update-linux\"\nduration = { kind = \"lognormal\", median = \"4m\", p95 = \"9m\" }\n", "name = \"update-linux\"\n");
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let sc = amisim::scenario::load(&dir.path().join("s.toml"), &Default::default()).unwrap();
    let (mut failed, mut all) = (0u64, 0u64);
    for i in 0..20 {
        let r = amisim::pipeline::model::run_replication(&sc.world, 5, i);
        all += r.runs.len() as u64;
        failed += r
            .runs
            .iter()
            .filter(|x| x.outcome == amisim::pipeline::model::Outcome::Failed)
            .count() as u64;
    }
    let share = failed as f64 / all as f64;
    let expected = 1.0 - 0.7 * 0.9 * 0.9;
    // 1,600 executions: sd √(p(1 − p)/n) ≈ 0.012; four of them.
    let sd = (expected * (1.0 - expected) / all as f64).sqrt();
    assert!(
        (share - expected).abs() < 4.0 * sd,
        "{failed} of {all} failed: {share}, expected {expected} ± {}",
        4.0 * sd
    );
}
