//! `sweep.csv` and the sweep's summary: one row per point and pipeline.

use std::fmt::Write;

use super::ReportError;
use super::manifest::{Manifest, ManifestKind};
use super::text::human;
use crate::experiment::Aggregate;
use crate::experiment::outputs;
use crate::pipeline::analysis::most_often;
use crate::scenario::Scenario;
use crate::scenario::sweep::Sweep;

/// Metric columns of `sweep.csv` (after `point`, the key columns and `pipeline`).
pub(crate) const SWEEP_METRICS: [&str; 17] = [
    "runs",
    "failed",
    "mean_s",
    "sd_s",
    "ci95_low_s",
    "ci95_high_s",
    "p50_s",
    "p90_s",
    "p95_s",
    "p99_s",
    "max_s",
    "most_often_late",
    "mean_monthly_usd",
    "p95_monthly_usd",
    "exposure_mean_s",
    "exposure_p95_s",
    "unpatched",
];

/// Renders `sweep.csv`: time to all Regions per point and pipeline.
pub(crate) fn sweep_csv(sweep: &Sweep, aggs: &[Aggregate]) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::SWEEP.name;
    let err = |source| ReportError::Csv { file: F, source };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(sweep.keys.iter().cloned());
    header.push("pipeline".into());
    header.extend(SWEEP_METRICS.iter().map(|s| s.to_string()));
    w.write_record(&header).map_err(err)?;
    for (i, (pt, agg)) in sweep.points.iter().zip(aggs).enumerate() {
        let world = &pt.scenario.world;
        for (pi, (p, pa)) in world.pipelines.iter().zip(&agg.pipelines).enumerate() {
            let mut row = vec![i.to_string()];
            row.extend(pt.values.iter().cloned());
            row.extend([
                p.name.clone(),
                pa.executions.to_string(),
                pa.failed.to_string(),
            ]);
            row.extend(super::csv_files::seconds_cells(&pa.time_to_all_regions));
            row.extend([
                most_often(world, pi as u16, &pa.critical).map_or_else(String::new, |(l, _)| l),
                super::csv_files::usd(agg.monthly_cost.mean()),
                super::csv_files::usd(agg.monthly_cost.quantile(0.95)),
                super::csv_files::f3(pa.exposure_window.mean_s()),
                super::csv_files::f3(pa.exposure_window.quantile_s(0.95)),
                pa.unpatched.to_string(),
            ]);
            w.write_record(&row).map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        file: F,
        source: csv::Error::from(e.into_error()),
    })
}

/// Renders the sweep's `manifest.json`.
pub(crate) fn manifest_json(
    scn: &Scenario,
    sweep: &Sweep,
    aggs: &[Aggregate],
    seed: u64,
    files: Vec<String>,
) -> Result<Vec<u8>, ReportError> {
    let m = Manifest {
        amisim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scn.name.clone(),
        scenario_file: super::manifest::absolute(&scn.path),
        scenario_sha256: scn.hash.clone(),
        seed,
        kind: ManifestKind::Sweep {
            sweep_keys: sweep.keys.clone(),
            points: sweep.points.len(),
            replications_per_point: aggs.iter().map(|a| a.replications).collect(),
        },
        events: aggs.iter().map(|a| a.events).sum(),
        precision: None,
        row_replications: None,
        files,
    };
    m.to_json()
}

/// The table printed after a sweep.
pub(crate) fn render(scn: &Scenario, sweep: &Sweep, aggs: &[Aggregate], seed: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: sweep of {} point{} (seed {}, the same replications at every point)",
        scn.name,
        sweep.points.len(),
        if sweep.points.len() == 1 { "" } else { "s" },
        seed
    );
    for (pt, agg) in sweep.points.iter().zip(aggs) {
        let label = sweep
            .keys
            .iter()
            .zip(&pt.values)
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "{label}");
        for (p, pa) in pt.scenario.world.pipelines.iter().zip(&agg.pipelines) {
            let m = &pa.time_to_all_regions;
            let q = |x: f64| m.quantile_s(x).map_or("-".to_string(), human);
            let exposure = pa
                .exposure_window
                .quantile_s(0.95)
                .map_or(String::new(), |e| format!("  exposure p95 {:>8}", human(e)));
            let _ = writeln!(
                out,
                "  {:<24} p50 {:>8}  p95 {:>8}  p99 {:>8}  failed {}{exposure}",
                p.name,
                q(0.5),
                q(0.95),
                q(0.99),
                pa.failed
            );
        }
    }
    out
}
