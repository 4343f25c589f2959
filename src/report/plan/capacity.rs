//! Capacity: how long each quota was at capacity, how long requests waited,
//! and its queue over time, from the typed results.

use super::Draft;
use super::doc::{Block, secs_h};
use crate::experiment::Aggregate;
use crate::experiment::aggregate::{QuotaAgg, QuotaKey};
use crate::report::ReportError;
use crate::report::capacity::names;
use crate::report::charts::{self, LineChart, Series};
use crate::report::text::human;

/// Most quota instances in the table and the charts.
const SHOWN: usize = 10;
/// Most quota instances in the queue chart.
const QUEUE_LINES: usize = 6;

/// Quota use.
pub(super) fn capacity(d: &mut Draft<'_>) -> Result<(), ReportError> {
    let Some(agg) = d.inp.run() else {
        return Ok(());
    };
    let ranked = agg.quotas_ranked();
    if ranked.is_empty() {
        return Ok(());
    }
    table(d, &ranked);
    if ranked[0].1.full.0 > 0 {
        saturation_chart(d, &ranked)?;
    }
    queue_chart(d, agg, &ranked)
}

fn table(d: &mut Draft<'_>, ranked: &[(&QuotaKey, &QuotaAgg)]) {
    let scn = d.inp.scn;
    d.blocks.push(Block::Heading("Quotas".into()));
    d.blocks.push(Block::Table(
        [
            "quota",
            "account",
            "region",
            "pipeline",
            "capacity",
            "at capacity",
            "utilization",
            "waited",
            "p95 wait",
            "peak in use",
        ]
        .map(String::from)
        .to_vec(),
        ranked
            .iter()
            .take(SHOWN)
            .map(|(k, q)| {
                let [quota, account, region] = names(scn, k);
                vec![
                    quota,
                    account,
                    region,
                    crate::report::capacity::pipeline_name(scn, k),
                    q.capacity.to_string(),
                    format!("{:.1} % of the time", 100.0 * q.at_capacity()),
                    format!("{:.1} %", 100.0 * q.utilization()),
                    q.waited.to_string(),
                    secs_h(q.wait.quantile_s(0.95)),
                    q.peak_in_use.to_string(),
                ]
            })
            .collect(),
    ));
    if ranked.len() > SHOWN {
        d.blocks.push(Block::Para(format!(
            "and {} quota instances less often at capacity (quotas.csv lists every one).",
            ranked.len() - SHOWN
        )));
    }
}

/// `quota account region`, short enough for a chart's row or legend.
fn label(scn: &crate::scenario::Scenario, k: &QuotaKey) -> String {
    let [quota, account, region] = names(scn, k);
    match k.pipeline {
        Some(_) => format!("{quota} {}", crate::report::capacity::pipeline_name(scn, k)),
        None => format!("{quota} {account} {region}"),
    }
}

/// Time at capacity of the quotas longest at it, with their p95 wait.
fn saturation_chart(
    d: &mut Draft<'_>,
    ranked: &[(&QuotaKey, &QuotaAgg)],
) -> Result<(), ReportError> {
    let scn = d.inp.scn;
    // The longest at the top (plotters' first row is the bottom one).
    let shown: Vec<&(&QuotaKey, &QuotaAgg)> = ranked.iter().take(SHOWN).rev().collect();
    // Rows short enough for the label area: the quota in the title when
    // every row has the same one.
    let kinds: std::collections::BTreeSet<&str> = shown.iter().map(|(k, _)| k.kind.key()).collect();
    let rows: Vec<String> = shown
        .iter()
        .map(|(k, q)| {
            let [quota, account, region] = names(scn, k);
            let wait = secs_h(q.wait.quantile_s(0.95));
            let place = match k.pipeline {
                Some(_) => crate::report::capacity::pipeline_name(scn, k),
                None => format!("{region} {account}"),
            };
            match kinds.len() {
                1 => format!("{place}, p95 wait {wait}"),
                _ => format!("{quota} {place}, p95 wait {wait}"),
            }
        })
        .collect();
    let title = match kinds.iter().next() {
        Some(k) if kinds.len() == 1 => format!("Time at capacity of the busiest {k} instances"),
        _ => "Time at capacity (every unit in use) of the busiest quotas".into(),
    };
    let full: Vec<(f64, f64)> = shown
        .iter()
        .map(|(_, q)| (0.0, 100.0 * q.at_capacity()))
        .collect();
    charts::stacked_bars(
        &d.chart_file("quota_saturation"),
        &title,
        "% of the time at capacity (every unit in use)",
        &rows,
        &[Series {
            name: "at capacity".into(),
            points: full,
        }],
        &[],
        false,
    )?;
    d.blocks.push(Block::Chart(
        "quota_saturation".into(),
        "The share of the time each quota instance had every unit in use, the longest first, with its p95 wait".into(),
    ));
    Ok(())
}

/// The mean queue over time of the quotas that queued, the longest at capacity first.
fn queue_chart(
    d: &mut Draft<'_>,
    agg: &Aggregate,
    ranked: &[(&QuotaKey, &QuotaAgg)],
) -> Result<(), ReportError> {
    let scn = d.inp.scn;
    let width = agg.timeline_width_ms;
    let buckets = agg.end_max_ms.div_ceil(width.max(1)).max(1);
    let reps = agg.replications.max(1) as f64;
    let series: Vec<Series> = ranked
        .iter()
        .filter(|(_, q)| q.peak_queue > 0)
        .take(QUEUE_LINES)
        .map(|(k, q)| Series {
            name: format!("{} (capacity {})", label(scn, k), q.capacity),
            // Each bucket's mean as a flat step: a mean drawn as a point
            // joined to the next would show a queue that no execution saw.
            points: (0..buckets)
                .flat_map(|b| {
                    let queued = q.timeline.get(b).map_or(0.0, |t| t.1.0 as f64);
                    let v = queued / (width as f64 * reps);
                    let hours = |b: u64| (b * width) as f64 / 3_600_000.0;
                    [(hours(b), v), (hours(b + 1), v)]
                })
                .collect(),
        })
        .collect();
    if series.is_empty() {
        return Ok(());
    }
    let step = match width % 3_600_000 {
        0 => format!("{} h", width / 3_600_000),
        _ => human(width as f64 / 1000.0),
    };
    let title = format!("Requests waiting at the quotas that queued: the mean of each {step}");
    d.line_chart(
        "quota_queue",
        &LineChart {
            title: &title,
            x_label: "hours since the start",
            y_label: "requests waiting",
            series: &series,
            ..Default::default()
        },
        "How many requests waited at each saturated quota over time, averaged over replications and over each step of the timeline",
    )?;
    Ok(())
}
