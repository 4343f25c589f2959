//! Issue 17's numbers: over every shipped scenario, every quantile in
//! summary.csv, cost_summary.csv and sweep.csv lies within [0, max] and in
//! order (p50 ≤ p90 ≤ p95 ≤ p99 ≤ max), every mean's CI is centred on the
//! mean printed, and every p95's CI holds the p95.

use super::{root, shipped_scenarios, shipped_sweeps};

/// The rows of a CSV file, as header → value maps.
fn rows(path: &std::path::Path) -> Vec<std::collections::HashMap<String, f64>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .zip(rec.unwrap().iter())
                .filter_map(|(h, v)| Some((h.clone(), v.parse::<f64>().ok()?)))
                .collect()
        })
        .collect()
}

/// What is wrong with one row (`unit` is `_s` or `_usd`; `tol` the rounding).
fn check_row(row: &std::collections::HashMap<String, f64>, unit: &str, tol: f64) -> Vec<String> {
    let get = |k: &str| row.get(&format!("{k}{unit}")).copied();
    let mut bad = Vec::new();
    let Some(max) = get("max") else {
        return bad;
    };
    let qs: Vec<f64> = ["p50", "p90", "p95", "p99"]
        .iter()
        .filter_map(|k| get(k))
        .collect();
    let mut chain = vec![0.0];
    chain.extend(&qs);
    chain.push(max);
    if chain.windows(2).any(|w| w[0] > w[1] + tol) {
        bad.push(format!("quantiles not within [0, max] in order: {chain:?}"));
    }
    if let (Some(mean), Some(lo), Some(hi)) = (get("mean"), get("ci95_low"), get("ci95_high"))
        && ((lo + hi) / 2.0 - mean).abs() > tol
    {
        bad.push(format!("CI {lo} – {hi} not centred on the mean {mean}"));
    }
    if let (Some(p95), Some(lo), Some(hi)) = (get("p95"), get("p95_ci95_low"), get("p95_ci95_high"))
        && !(lo <= p95 + tol && p95 <= hi + tol && hi <= max + tol)
    {
        bad.push(format!(
            "p95 CI {lo} – {hi} does not hold p95 {p95} within max {max}"
        ));
    }
    bad
}

#[test]
fn quantiles_lie_within_min_and_max_and_cis_are_centred_for_every_shipped_scenario() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let singles = shipped_scenarios().into_iter().map(|s| (s, true));
    for (scn, single) in singles.chain(shipped_sweeps().into_iter().map(|s| (s, false))) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // A sweep writes no rows (and refuses --rows).
        let row_flags: &[&str] = if single { &["--rows", "none"] } else { &[] };
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_amisim"))
            .args(["run", scn.to_str().unwrap(), "-n", "3", "-q"])
            .args(row_flags)
            .arg("--out")
            .arg(&out)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            scn.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        for (file, unit, tol) in [
            ("summary.csv", "_s", 0.0015),
            ("cost_summary.csv", "_usd", 0.015),
            ("sweep.csv", "_s", 0.0015),
        ] {
            let path = out.join(file);
            if !path.exists() {
                continue;
            }
            for (i, row) in rows(&path).iter().enumerate() {
                checked += 1;
                for why in check_row(row, unit, tol) {
                    failures.push(format!("{} {file} row {}: {why}", scn.display(), i + 1));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} rows checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
