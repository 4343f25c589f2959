//! Capacity outputs: `quotas.csv` (per quota instance: waits, utilization)
//! and `quota_timeline.csv` (utilization over time of the quotas that queued).

use std::collections::BTreeMap;

use super::{ReportError, secs};
use crate::engine::{SimDuration, SimTime};
use crate::experiment::Results;
use crate::experiment::stats::nearest_rank;
use crate::pipeline::model::{QuotaKind, QuotaUse};
use crate::scenario::Scenario;

/// Header of `quotas.csv`.
pub const QUOTAS_HEADER: [&str; 16] = [
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

/// Most buckets per quota instance in `quota_timeline.csv`.
pub const MAX_BUCKETS: u64 = 500;

type Key = (QuotaKind, u16, u16, Option<u16>);

fn key(q: &QuotaUse) -> Key {
    (q.kind, q.account, q.region, q.pipeline)
}

fn names(scn: &Scenario, k: &Key) -> [String; 4] {
    [
        k.0.name().to_string(),
        scn.world.directory.accounts[k.1 as usize].name.clone(),
        scn.world.regions[k.2 as usize].clone(),
        k.3.map(|p| scn.world.pipelines[p as usize].name.clone())
            .unwrap_or_default(),
    ]
}

/// Every quota instance used in any replication, with its uses in replication order.
fn by_instance(res: &Results) -> BTreeMap<Key, Vec<(usize, &QuotaUse)>> {
    let mut m: BTreeMap<Key, Vec<(usize, &QuotaUse)>> = BTreeMap::new();
    for (i, rep) in res.replications.iter().enumerate() {
        for q in &rep.quotas {
            m.entry(key(q)).or_default().push((i, q));
        }
    }
    m
}

/// Renders `quotas.csv`: per quota instance, over all replications.
/// Utilization is ∫ units in use dt / (capacity × the replication's length),
/// averaged over the replications that used the quota.
pub fn quotas_csv(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    const F: &str = "quotas.csv";
    let err = |source| ReportError::Csv { file: F, source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(QUOTAS_HEADER).map_err(err)?;
    for (k, uses) in by_instance(res) {
        let mut waits: Vec<f64> = uses
            .iter()
            .flat_map(|(_, q)| q.waits.iter().map(|d| d.as_secs_f64()))
            .collect();
        waits.sort_by(f64::total_cmp);
        let requests: u64 = uses.iter().map(|(_, q)| q.served).sum();
        let waited = waits.iter().filter(|w| **w > 0.0).count();
        let mean_wait = waits.iter().sum::<f64>() / waits.len().max(1) as f64;
        let (mut util, mut queue) = (0.0, 0.0);
        for (i, q) in &uses {
            let span = res.replications[*i].end.as_millis().max(1) as f64;
            util += q.busy_unit_ms as f64 / (q.capacity as f64 * span);
            queue += q.queue_ms as f64 / span;
        }
        let n = uses.len() as f64;
        let [quota, account, region, pipeline] = names(scn, &k);
        let f = |v: f64| format!("{v:.3}");
        w.write_record([
            quota,
            account,
            region,
            pipeline,
            uses[0].1.capacity.to_string(),
            uses.len().to_string(),
            requests.to_string(),
            waited.to_string(),
            f(mean_wait),
            f(nearest_rank(&waits, 0.5)),
            f(nearest_rank(&waits, 0.95)),
            f(waits.last().copied().unwrap_or(0.0)),
            format!("{:.6}", util / n),
            format!("{:.6}", queue / n),
            uses.iter()
                .map(|(_, q)| q.peak_in_use)
                .max()
                .unwrap_or(0)
                .to_string(),
            uses.iter()
                .map(|(_, q)| q.peak_queue)
                .max()
                .unwrap_or(0)
                .to_string(),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        file: F,
        source: csv::Error::from(e.into_error()),
    })
}

/// The bucket width: whole hours, at most [`MAX_BUCKETS`] buckets over the longest replication.
pub fn bucket_width(res: &Results) -> SimDuration {
    let end = res
        .replications
        .iter()
        .map(|r| r.end.as_millis())
        .max()
        .unwrap_or(0);
    let hour = 3_600_000u64;
    let hours = end.div_ceil(hour * MAX_BUCKETS).max(1);
    SimDuration(hours * hour)
}

/// Adds `value × overlap` of the interval `[from, to)` to each bucket it covers.
fn spread(buckets: &mut [f64], width: u64, from: u64, to: u64, value: u32) {
    if value == 0 || to <= from {
        return;
    }
    let mut t = from;
    while t < to {
        let b = (t / width) as usize;
        let bucket_end = (b as u64 + 1) * width;
        let seg_end = to.min(bucket_end);
        if let Some(x) = buckets.get_mut(b) {
            *x += value as f64 * (seg_end - t) as f64;
        }
        t = seg_end;
    }
}

/// Renders `quota_timeline.csv`: for each quota instance that queued a
/// request in some replication, the mean units in use and requests queued
/// per time bucket, averaged over all replications.
pub fn timeline_csv(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    const F: &str = "quota_timeline.csv";
    let err = |source| ReportError::Csv { file: F, source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(TIMELINE_HEADER).map_err(err)?;
    let width = bucket_width(res).as_millis();
    let end = res
        .replications
        .iter()
        .map(|r| r.end.as_millis())
        .max()
        .unwrap_or(0);
    let nb = end.div_ceil(width).max(1) as usize;
    let reps = res.replications.len().max(1) as f64;
    for (k, uses) in by_instance(res) {
        if uses.iter().all(|(_, q)| q.peak_queue == 0) {
            continue;
        }
        let mut in_use = vec![0.0; nb];
        let mut queued = vec![0.0; nb];
        for (i, q) in &uses {
            let rep_end = res.replications[*i].end.as_millis();
            let mut prev: (SimTime, u32, u32) = (SimTime::ZERO, 0, 0);
            for &ch in q
                .trace
                .iter()
                .chain(std::iter::once(&(SimTime(rep_end), 0, 0)))
            {
                spread(
                    &mut in_use,
                    width,
                    prev.0.as_millis(),
                    ch.0.as_millis(),
                    prev.1,
                );
                spread(
                    &mut queued,
                    width,
                    prev.0.as_millis(),
                    ch.0.as_millis(),
                    prev.2,
                );
                prev = ch;
            }
        }
        let names = names(scn, &k);
        let capacity = uses[0].1.capacity as f64;
        for b in 0..nb {
            let mean_in_use = in_use[b] / (width as f64 * reps);
            let mean_queued = queued[b] / (width as f64 * reps);
            let mut row = names.to_vec();
            row.extend([
                secs(b as u64 * width),
                format!("{mean_in_use:.4}"),
                format!("{mean_queued:.4}"),
                format!("{:.4}", mean_in_use / capacity),
            ]);
            w.write_record(row).map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        file: F,
        source: csv::Error::from(e.into_error()),
    })
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_splits_an_interval_over_buckets() {
        let mut b = vec![0.0; 3];
        spread(&mut b, 10, 5, 25, 2);
        assert_eq!(b, vec![10.0, 20.0, 10.0]);
    }
}
