//! Capacity outputs: `quotas.csv` (per quota instance: waits, utilization)
//! and `quota_timeline.csv` (utilization over time of the quotas that queued).

use super::{ReportError, secs};
use crate::experiment::Aggregate;
use crate::experiment::aggregate::QuotaKey;
use crate::experiment::outputs;
use crate::scenario::Scenario;

/// Header of `quotas.csv`.
pub const QUOTAS_HEADER: [&str; 17] = [
    "quota",
    "account",
    "region",
    "pipeline",
    "capacity",
    "replications_used",
    "requests",
    "waited",
    "mean_wait_s",
    "p50_wait_s",
    "p95_wait_s",
    "max_wait_s",
    "mean_utilization",
    "mean_queue_length",
    "peak_in_use",
    "peak_queue",
    "time_at_capacity",
];

/// Header of `quota_timeline.csv`.
pub const TIMELINE_HEADER: [&str; 8] = [
    "quota",
    "account",
    "region",
    "pipeline",
    "bucket_start_s",
    "mean_in_use",
    "mean_queued",
    "utilization",
];

pub(crate) fn names(scn: &Scenario, k: &QuotaKey) -> [String; 3] {
    [
        k.kind.key().to_string(),
        scn.world.directory.accounts[k.account.index()].name.clone(),
        scn.world.regions[k.region.index()].clone(),
    ]
}

/// The pipeline a quota instance belongs to (Image Builder's copy quota per
/// distribution configuration), or empty.
pub(crate) fn pipeline_name(scn: &Scenario, k: &QuotaKey) -> String {
    k.pipeline
        .map(|p| scn.world.pipelines[p as usize].name.clone())
        .unwrap_or_default()
}

/// Where a quota instance is, in words: `account in region`, or the
/// pipeline's distribution configuration.
pub(crate) fn place(scn: &Scenario, k: &QuotaKey) -> String {
    let [_, account, region] = names(scn, k);
    match k.pipeline {
        Some(_) => format!(
            "{}'s distribution configuration, {account} in {region}",
            pipeline_name(scn, k)
        ),
        None => format!("{account} in {region}"),
    }
}

fn csv_done(file: &'static str, w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv {
        file,
        source: csv::Error::from(e.into_error()),
    })
}

/// Renders `quotas.csv`: per quota instance, over all replications.
/// Utilization is Σ ∫ units in use dt / (capacity × Σ replication length),
/// over the replications that used the quota (time-weighted).
pub fn quotas_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::QUOTAS.name;
    let err = |source| ReportError::Csv { file: F, source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(QUOTAS_HEADER).map_err(err)?;
    for (k, q) in &agg.quotas {
        let queue = q.queue.0 as f64 / q.span.0.max(1) as f64;
        let f = |v: Option<f64>| format!("{:.3}", v.unwrap_or(0.0));
        let [quota, account, region] = names(scn, k);
        w.write_record([
            quota,
            account,
            region,
            pipeline_name(scn, k),
            q.capacity.to_string(),
            q.replications_used.to_string(),
            q.requests.to_string(),
            q.waited.to_string(),
            f(q.wait.mean_s()),
            f(q.wait.quantile_s(0.5)),
            f(q.wait.quantile_s(0.95)),
            format!("{:.3}", q.wait.max as f64 / 1000.0),
            format!("{:.6}", q.utilization()),
            format!("{queue:.6}"),
            q.peak_in_use.to_string(),
            q.peak_queue.to_string(),
            format!("{:.6}", q.at_capacity()),
        ])
        .map_err(err)?;
    }
    csv_done(F, w)
}

/// Renders `quota_timeline.csv`: for each quota instance that queued a
/// request in some replication, the mean units in use and requests queued
/// per time bucket, averaged over all replications.
pub fn timeline_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::QUOTA_TIMELINE.name;
    let err = |source| ReportError::Csv { file: F, source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(TIMELINE_HEADER).map_err(err)?;
    let width = agg.timeline_width_ms;
    let end = agg.end_max_ms;
    let nb = end.div_ceil(width).max(1);
    let reps = agg.replications.max(1) as f64;
    for (k, q) in &agg.quotas {
        if q.peak_queue == 0 {
            continue;
        }
        let [quota, account, region] = names(scn, k);
        let names = [quota, account, region, pipeline_name(scn, k)];
        for b in 0..nb {
            let (in_use, queued) = q
                .timeline
                .get(b)
                .map_or((0.0, 0.0), |(i, qd)| (i.0 as f64, qd.0 as f64));
            let mean_in_use = in_use / (width as f64 * reps);
            let mean_queued = queued / (width as f64 * reps);
            let mut row = names.to_vec();
            row.extend([
                secs(b * width),
                format!("{mean_in_use:.4}"),
                format!("{mean_queued:.4}"),
                format!("{:.4}", mean_in_use / q.capacity as f64),
            ]);
            w.write_record(row).map_err(err)?;
        }
    }
    csv_done(F, w)
}
