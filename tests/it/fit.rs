//! `amisim fit`: recovery, the loop from a run's own stages.csv back to a
//! calibrated run, the calibration mechanism, and bad input.

use std::path::Path;

use amisim::fit::family::{self, Family, Obs};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

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
    let mean = |d: &amisim::dist::Dist| d.mean();
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

/// True parameters, and draws right-censored at the true 90th percentile.
fn recovery_sample(f: Family, p: &[f64], n: usize, censor: bool, seed: u64) -> Vec<Obs> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t = f.quantile(p, 0.9);
    (0..n)
        .map(|_| {
            let x = f.sample(p, &mut rng);
            if censor && x > t {
                (t, true)
            } else {
                (x, false)
            }
        })
        .collect()
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
                .map(|s| family::fit(f, &recovery_sample(f, &truth, 300, censor, 5000 + s)))
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
