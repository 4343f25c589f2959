//! The bill month by month: `cost_by_month.csv`, the run rate at the
//! horizon's end, and whether snapshot storage has levelled off.

use super::ReportError;
use super::csv_files::{csv_err, finish};
use crate::experiment::Aggregate;
use crate::experiment::aggregate::MoneySum;
use crate::experiment::outputs;
use crate::scenario::Scenario;

/// Header of `cost_by_month.csv`.
pub const COST_BY_MONTH_HEADER: [&str; 7] = [
    "month",
    "hours",
    "category",
    "region",
    "mean_usd",
    "ci95_low_usd",
    "ci95_high_usd",
];

/// Storage growing by more than this from one full month to the next has
/// not levelled off. A stored level gives equal months (they are equally
/// long), so the margin only absorbs sampling noise; an assumption.
pub const GROWTH_MARGIN: f64 = 0.02;

/// Dollars with cents; empty for none.
fn cents(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

/// The months of a run: how many, how many hours each covers.
pub fn month_hours(scn: &Scenario) -> Vec<f64> {
    let month_h = scn.prices.hours_per_month;
    let horizon_h = scn.world.horizon.as_millis() as f64 / 3_600_000.0;
    let n = crate::cost::months_in(crate::cost::month(&scn.market()), scn.world.horizon);
    (0..n)
        .map(|i| (horizon_h - i as f64 * month_h).clamp(0.0, month_h))
        .collect()
}

/// Renders `cost_by_month.csv`: each month's total (`all`, `all`), then by
/// category and Region; the mean over replications and its 95 % interval
/// (empty where the replications cannot support one).
pub fn cost_by_month_csv(scn: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, ReportError> {
    const F: &str = outputs::COST_BY_MONTH.name;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COST_BY_MONTH_HEADER).map_err(csv_err(F))?;
    let hours = month_hours(scn);
    let n = agg.replications;
    let row = |month: usize, cat: &str, region: &str, s: &MoneySum| {
        let ci = s.ci95_usd(n);
        [
            (month + 1).to_string(),
            format!("{:.1}", hours.get(month).copied().unwrap_or(0.0)),
            cat.to_string(),
            region.to_string(),
            cents(Some(s.mean_usd(n))),
            cents(ci.map(|c| c.0)),
            cents(ci.map(|c| c.1)),
        ]
    };
    let by = &agg.cost_by_month;
    // The cells are ordered by month: one pass over them, beside the totals.
    let mut cells = by.cells.iter().peekable();
    for (month, s) in by.totals.iter().enumerate() {
        w.write_record(row(month, "all", "all", s))
            .map_err(csv_err(F))?;
        while let Some(((_, c, r), s)) = cells.next_if(|(k, _)| usize::from(k.0) == month) {
            let region = &scn.world.regions[r.index()];
            w.write_record(row(month, c.name(), region, s))
                .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

/// Whether snapshot storage has levelled off by the horizon's end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Storage {
    /// Fewer than two full months: cannot tell.
    TooShort,
    /// Grew from the month before the last full month to that month by
    /// this fraction, more than [`GROWTH_MARGIN`].
    Growing(f64),
    /// Within [`GROWTH_MARGIN`] of the month before.
    Level,
}

/// The last full month's total: the run rate at the horizon's end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunRate {
    /// The month, 1-based.
    pub month: usize,
    /// Its mean total over replications, dollars.
    pub mean: f64,
    /// The mean's 95 % interval, where the replications support one.
    pub ci: Option<(f64, f64)>,
}

/// The bill's shape over the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// The last full month; `None` if the horizon is shorter than a month.
    pub last_full: Option<RunRate>,
    /// Snapshot storage at the end.
    pub storage: Storage,
}

/// The run rate at the horizon's end and the storage trend.
pub fn trend(scn: &Scenario, agg: &Aggregate) -> Trend {
    let full = month_hours(scn)
        .iter()
        .take_while(|h| **h >= scn.prices.hours_per_month - 1e-9)
        .count()
        .min(agg.cost_by_month.totals.len());
    let n = agg.replications;
    let last_full = (full > 0).then(|| {
        let s = &agg.cost_by_month.totals[full - 1];
        RunRate {
            month: full,
            mean: s.mean_usd(n),
            ci: s.ci95_usd(n),
        }
    });
    let st = &agg.cost_by_month.storage;
    let storage = if full < 2 || st.len() < full {
        Storage::TooShort
    } else {
        let (prev, last) = (st[full - 2].mean_usd(n), st[full - 1].mean_usd(n));
        let growth = (last - prev) / prev.max(1e-9);
        if growth > GROWTH_MARGIN {
            Storage::Growing(growth)
        } else {
            Storage::Level
        }
    };
    Trend { last_full, storage }
}

/// For a scenario of migrations only: what one replication's moves cost,
/// dollars (a move is one-off: projecting it to a month would invent a bill).
pub fn one_off_cost(scn: &Scenario, agg: &Aggregate) -> Option<f64> {
    if scn.world.pipelines.iter().any(|p| p.kind.is_build()) || agg.replications == 0 {
        return None;
    }
    let total: u128 = agg.cost_by.values().map(|v| v.0).sum();
    Some(total as f64 / 1e6 / agg.replications as f64)
}
