//! Capacity: how full each quota was, and how long requests waited.

use std::collections::BTreeMap;

use super::Doc;
use super::doc::{Block, secs_h};
use crate::report::ReportError;
use crate::report::charts::{self, Series};

/// Quota use.
pub(super) fn capacity(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let charts_dir = &d.charts_dir;
    let blocks = &mut d.blocks;
    let quotas = &d.tables.quotas;
    let timeline = &d.tables.timeline;
    // Capacity.
    if let Some(t) = &quotas {
        blocks.push(Block::Heading("Quotas".into()));
        let mut rows: Vec<&Vec<String>> = t.rows.iter().collect();
        // The longest at capacity first, then the most utilized.
        let key = |r: &Vec<String>, k: &str| t.num(r, k).unwrap_or(0.0);
        rows.sort_by(|a, b| {
            key(b, "time_at_capacity")
                .total_cmp(&key(a, "time_at_capacity"))
                .then(key(b, "mean_utilization").total_cmp(&key(a, "mean_utilization")))
        });
        blocks.push(Block::Table(
            [
                "quota",
                "account",
                "region",
                "capacity",
                "at capacity",
                "utilization",
                "waited",
                "p95 wait",
                "peak in use",
            ]
            .map(String::from)
            .to_vec(),
            rows.iter()
                .take(10)
                .map(|r| {
                    vec![
                        t.get(r, "quota").into(),
                        t.get(r, "account").into(),
                        t.get(r, "region").into(),
                        t.get(r, "capacity").into(),
                        format!("{:.1} % of the time", 100.0 * key(r, "time_at_capacity")),
                        format!(
                            "{:.1} %",
                            100.0 * t.num(r, "mean_utilization").unwrap_or(0.0)
                        ),
                        t.get(r, "waited").into(),
                        secs_h(t.num(r, "p95_wait_s")),
                        t.get(r, "peak_in_use").into(),
                    ]
                })
                .collect(),
        ));
    }
    if let Some(t) = &timeline
        && !t.rows.is_empty()
    {
        let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for r in &t.rows {
            let key = format!(
                "{} {} {}",
                t.get(r, "quota"),
                t.get(r, "region"),
                t.get(r, "pipeline")
            );
            by.entry(key).or_default().push((
                t.num(r, "bucket_start_s").unwrap_or(0.0) / 3600.0,
                t.num(r, "utilization").unwrap_or(0.0),
            ));
        }
        let series: Vec<Series> = by
            .into_iter()
            .take(6)
            .map(|(name, points)| Series { name, points })
            .collect();
        charts::lines(
            &charts_dir.join("quota_utilization"),
            "Utilization of the quotas that queued",
            "hours since the start",
            "mean utilization",
            &series,
            &[],
            None,
        )?;
        blocks.push(Block::Chart(
            "quota_utilization".into(),
            "Utilization over time of the quotas that made requests wait".into(),
        ));
    }

    Ok(())
}
