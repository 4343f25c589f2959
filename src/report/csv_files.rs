//! `summary.csv` and `manifest.json`, rendered from an [`Aggregate`].

use super::ReportError;
use super::manifest::{Manifest, ManifestKind};
use crate::experiment::Aggregate;
use crate::experiment::outputs;
use crate::experiment::stats::Metric;
use crate::pipeline::model::Stage;
use crate::scenario::Scenario;

/// Header of `summary.csv`.
pub(crate) const SUMMARY_HEADER: [&str; 16] = [
    "pipeline",
    "stage",
    "metric",
    "count",
    "mean_s",
    "sd_s",
    "ci95_low_s",
    "ci95_high_s",
    "p50_s",
    "p90_s",
    "p95_s",
    "p99_s",
    "max_s",
    "failed",
    "p95_ci95_low_s",
    "p95_ci95_high_s",
];

pub(super) fn csv_err(file: &'static str) -> impl Fn(csv::Error) -> ReportError {
    move |source| ReportError::Csv { file, source }
}

pub(super) fn finish(file: &'static str, w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv {
        file,
        source: csv::Error::from(e.into_error()),
    })
}

pub(super) fn f3(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// The statistics columns of a metric in milliseconds, as seconds: mean, sd,
/// 95 % CI low and high, p50, p90, p95, p99, max.
pub(crate) fn seconds_cells(m: &Metric) -> [String; 9] {
    let ci = m.ci95_s();
    [
        f3(m.mean_s()),
        f3(m.sd_s()),
        f3(ci.map(|(c, h)| c - h)),
        f3(ci.map(|(c, h)| c + h)),
        f3(m.quantile_s(0.50)),
        f3(m.quantile_s(0.90)),
        f3(m.quantile_s(0.95)),
        f3(m.quantile_s(0.99)),
        format!("{:.3}", m.max as f64 / 1000.0),
    ]
}

fn metric_row(pipeline: &str, stage: &str, metric: &str, m: &Metric, failed: u64) -> Vec<String> {
    let mut row = vec![
        pipeline.to_string(),
        stage.to_string(),
        metric.to_string(),
        m.count.to_string(),
    ];
    row.extend(seconds_cells(m));
    row.push(failed.to_string());
    let ci = m.quantile_ci95_s(0.95);
    row.push(f3(ci.map(|(l, _)| l)));
    row.push(f3(ci.map(|(_, h)| h)));
    row
}

/// Renders `summary.csv`: per pipeline, time to all Regions over succeeded
/// executions, then every stage's duration and wait.
pub(crate) fn summary_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::SUMMARY.name;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUMMARY_HEADER).map_err(csv_err(F))?;
    for (p, pa) in scn.world.pipelines.iter().zip(&agg.pipelines) {
        if pa.time_to_all_regions.count > 0 {
            w.write_record(metric_row(
                &p.name,
                "all",
                "time_to_all_regions",
                &pa.time_to_all_regions,
                pa.failed,
            ))
            .map_err(csv_err(F))?;
        }
        if pa.exposure_window.count > 0 {
            // A release that no execution shipped is not an observation: `failed` counts them.
            w.write_record(metric_row(
                &p.name,
                "all",
                "exposure_window",
                &pa.exposure_window,
                pa.unpatched,
            ))
            .map_err(csv_err(F))?;
        }
        if pa.disabled_at.count > 0 {
            // One observation per replication where the pipeline was disabled.
            w.write_record(metric_row(
                &p.name,
                "all",
                "disabled_at",
                &pa.disabled_at,
                0,
            ))
            .map_err(csv_err(F))?;
        }
        for (stage, sa) in Stage::ALL.iter().zip(&pa.stages) {
            if sa.duration.count == 0 {
                continue;
            }
            w.write_record(metric_row(
                &p.name,
                stage.name(),
                "duration",
                &sa.duration,
                sa.failed,
            ))
            .map_err(csv_err(F))?;
            w.write_record(metric_row(
                &p.name,
                stage.name(),
                "wait",
                &sa.wait,
                sa.failed,
            ))
            .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

/// Renders `manifest.json`: what produced these files. Holds nothing that
/// depends on the machine, the thread count, the sharding or the wall clock.
pub(crate) fn manifest_json(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
    files: Vec<String>,
    precision: Option<super::manifest::PrecisionRecord>,
    row_replications: Option<u64>,
) -> Result<Vec<u8>, ReportError> {
    let m = Manifest {
        amisim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scn.name.clone(),
        scenario_file: super::manifest::absolute(&scn.path),
        scenario_sha256: scn.hash.clone(),
        seed,
        kind: ManifestKind::Run {
            replications: agg.replications,
            start: scn.start.to_rfc3339(),
            horizon: crate::engine::SimDuration(scn.world.horizon.as_millis()).to_string(),
            regions: scn.world.regions.clone(),
            pipelines: scn.world.pipelines.iter().map(|p| p.name.clone()).collect(),
        },
        events: agg.events,
        precision,
        row_replications,
        files,
    };
    m.to_json()
}

/// Header of `cost_summary.csv`.
pub(crate) const COST_SUMMARY_HEADER: [&str; 12] = [
    "scope",
    "metric",
    "count",
    "mean_usd",
    "sd_usd",
    "ci95_low_usd",
    "ci95_high_usd",
    "p50_usd",
    "p90_usd",
    "p95_usd",
    "p99_usd",
    "max_usd",
];

/// Micro-dollars as dollars with cents; empty for none.
pub(super) fn usd(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}", x / 1e6)).unwrap_or_default()
}

fn cost_row(scope: &str, metric: &str, m: &Metric) -> [String; 12] {
    let ci = m.ci95();
    [
        scope.to_string(),
        metric.to_string(),
        m.count.to_string(),
        usd(m.mean()),
        usd(m.sd()),
        usd(ci.map(|(c, h)| c - h)),
        usd(ci.map(|(c, h)| c + h)),
        usd(m.quantile(0.5)),
        usd(m.quantile(0.9)),
        usd(m.quantile(0.95)),
        usd(m.quantile(0.99)),
        usd(Some(m.max as f64)),
    ]
}

/// Renders `cost_summary.csv`: the cost of one execution per pipeline, and
/// the whole scenario's cost per month (each replication projected to 730 h).
pub(crate) fn cost_summary_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::COST_SUMMARY.name;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COST_SUMMARY_HEADER).map_err(csv_err(F))?;
    for (p, pa) in scn.world.pipelines.iter().zip(&agg.pipelines) {
        if pa.cost_per_execution.count > 0 {
            w.write_record(cost_row(
                &p.name,
                "cost_per_execution",
                &pa.cost_per_execution,
            ))
            .map_err(csv_err(F))?;
        }
    }
    if agg.pipelines.len() > 1 {
        for (p, pa) in scn.world.pipelines.iter().zip(&agg.pipelines) {
            w.write_record(cost_row(&p.name, "monthly_cost", &pa.monthly_cost))
                .map_err(csv_err(F))?;
        }
    }
    w.write_record(cost_row("all", "monthly_cost", &agg.monthly_cost))
        .map_err(csv_err(F))?;
    finish(F, w)
}

/// Header of `cost_breakdown.csv`.
pub(crate) const COST_BREAKDOWN_HEADER: [&str; 5] = [
    "category",
    "region",
    "account",
    "usd_per_replication",
    "usd_per_month",
];

/// Renders `cost_breakdown.csv`: mean cost per replication and per month, by
/// category, Region and account.
pub(crate) fn cost_breakdown_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::COST_BREAKDOWN.name;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COST_BREAKDOWN_HEADER).map_err(csv_err(F))?;
    let reps = agg.replications.max(1) as f64;
    for ((c, r, a), v) in &agg.cost_by {
        let per_rep = v.0 as f64 / 1e6 / reps;
        w.write_record([
            c.name().to_string(),
            scn.world.regions[r.index()].clone(),
            scn.world.directory.accounts[a.index()].name.clone(),
            format!("{per_rep:.2}"),
            format!("{:.2}", crate::cost::per_month(&scn.market(), per_rep)),
        ])
        .map_err(csv_err(F))?;
    }
    finish(F, w)
}
