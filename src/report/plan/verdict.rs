//! The verdict: each pipeline's p95 against the SLO, the monthly cost, and
//! the step that makes the tail.

use std::collections::BTreeMap;

use super::doc::Block;
use super::{Doc, slowest};
use crate::experiment::Aggregate;
use crate::experiment::stats::Metric;
use crate::report::ReportError;
use crate::report::text::{dollars, human};
use crate::scenario::Scenario;

/// The verdict.
pub(super) fn verdict(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let scn = d.scn;
    let blocks = &mut d.blocks;
    let runs = &d.tables.runs;
    let mut verdict = match d.aggs.as_deref() {
        Some([agg]) => headline(scn, agg),
        _ => Vec::new(),
    };
    // The bottleneck: the step most often critical in the slowest 5 % of runs.
    if let Some(t) = &runs {
        let mut tail: BTreeMap<String, (usize, f64)> = BTreeMap::new();
        let mut ttar: Vec<f64> = t
            .rows
            .iter()
            .filter_map(|r| t.num(r, "time_to_all_regions_s"))
            .collect();
        ttar.sort_by(f64::total_cmp);
        if !ttar.is_empty() {
            let cut = ttar[((0.95 * ttar.len() as f64).ceil() as usize).clamp(1, ttar.len()) - 1];
            let mut n = 0;
            for r in &t.rows {
                if let (Some(v), Some(c)) = (
                    t.num(r, "time_to_all_regions_s"),
                    t.num(r, "critical_stage_s"),
                ) && v >= cut
                {
                    n += 1;
                    let e = tail
                        .entry(t.get(r, "critical_stage").to_string())
                        .or_default();
                    e.0 += 1;
                    e.1 += c / v;
                }
            }
            // By kind of step first (all copies together), then the single most frequent one.
            let mut kinds: BTreeMap<String, (usize, f64)> = BTreeMap::new();
            for (stage, (k, share)) in &tail {
                let kind = stage.split(':').next().unwrap_or(stage).to_string();
                let e = kinds.entry(kind).or_default();
                e.0 += k;
                e.1 += share;
            }
            if let Some((kind, (k, share))) = kinds
                .iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)))
            {
                let top = tail
                    .iter()
                    .filter(|(s, _)| s.split(':').next() == Some(kind.as_str()))
                    .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)))
                    .map(|(s, (c, _))| format!("; most often {s} ({c})"))
                    .unwrap_or_default();
                verdict.push(format!(
                    "bottleneck: {kind} (wait included) is the largest step in {k} of the {n} slowest runs (≥ p95), {:.0} % of their time on average{top}",
                    100.0 * share / *k as f64
                ));
            }
        }
    }
    if let Some([agg]) = d.aggs.as_deref() {
        verdict.push(busiest_quota(scn, agg));
    }
    if !scn.slo.any() {
        verdict.push("SLO: no [slo] set; add e.g. `[slo] time_to_all_regions_p95 = \"2h\"` and the verdict says whether it is met".into());
    }
    verdict.extend(super::failures::verdict_line(d.tables.runs.as_ref()));
    blocks.push(Block::Heading("Verdict".into()));
    blocks.push(Block::Bullets(verdict));

    Ok(())
}

/// ` — SLO 2h 00m 00s met` or `MISSED`, comparing unrounded values.
fn slo_status(value: f64, slo: Option<f64>, show: fn(f64) -> String) -> String {
    match slo {
        Some(s) if value <= s => format!(" — SLO {} met", show(s)),
        Some(s) => format!(" — SLO {} MISSED ({} over)", show(s), show(value - s)),
        None => String::new(),
    }
}

/// The p95s against their SLOs, and the monthly cost: from the typed
/// results, the quantiles summary.csv prints.
fn headline(scn: &Scenario, agg: &Aggregate) -> Vec<String> {
    let mut v = Vec::new();
    let secs = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_secs_f64());
    let p95_line = |m: &Metric, slo| {
        let p95 = m.quantile_s(0.95).unwrap_or(0.0);
        let ci = m.quantile_ci95_s(0.95).map_or(String::new(), |(l, h)| {
            format!(" (95 % CI {} – {})", human(l), human(h))
        });
        (human(p95), ci, slo_status(p95, slo, human))
    };
    if let Some((name, pa)) = slowest(scn, agg, |p| &p.time_to_all_regions) {
        let m = &pa.time_to_all_regions;
        let (p95, ci, status) = p95_line(m, secs(scn.slo.time_to_all_regions_p95));
        v.push(format!(
            "p95 time to all Regions: {p95}{ci} for {name} (the slowest pipeline){status}"
        ));
    }
    if let Some((name, pa)) = slowest(scn, agg, |p| &p.exposure_window) {
        let m = &pa.exposure_window;
        let (p95, ci, status) = p95_line(m, secs(scn.slo.exposure_window_p95));
        v.push(format!(
            "p95 exposure window (a release until an image with it is usable everywhere): {p95}{ci} for {name}{status}"
        ));
    }
    let m = &agg.monthly_cost;
    if let (Some(mean), Some(p95)) = (m.mean(), m.quantile(0.95)) {
        let (mean, p95) = (mean / 1e6, p95 / 1e6);
        v.push(format!(
            "cost: {} a month on average, {} at p95{}",
            dollars(mean),
            dollars(p95),
            slo_status(mean, scn.slo.monthly_cost_usd, dollars)
        ));
    }
    v
}

/// The binding quota: the one longest at capacity (then the most
/// utilized), with its time at capacity, waits and utilization; or that
/// none is close to binding.
fn busiest_quota(scn: &Scenario, agg: &Aggregate) -> String {
    use crate::experiment::aggregate::QuotaAgg;
    let span = |q: &QuotaAgg| q.span.0.max(1) as f64;
    let util = |q: &QuotaAgg| q.busy.0 as f64 / (q.capacity.max(1) as f64 * span(q));
    let full = |q: &QuotaAgg| q.full.0 as f64 / span(q);
    let Some((k, q)) = agg.quotas.iter().max_by(|a, b| {
        full(a.1)
            .total_cmp(&full(b.1))
            .then(util(a.1).total_cmp(&util(b.1)))
            .then(b.0.cmp(a.0))
    }) else {
        return "quotas: none was used".into();
    };
    let [quota, account, region, _] = crate::report::capacity::names(scn, k);
    let waited: u64 = agg.quotas.values().map(|q| q.waited).sum();
    if q.full.0 == 0 && waited == 0 {
        return format!(
            "quotas: none is close to binding: none was ever full and no request queued; the busiest, {quota} ({account} in {region}), is {:.1} % utilized",
            100.0 * util(q)
        );
    }
    let per_rep = q.full.0 as f64 / 1000.0 / q.replications_used.max(1) as f64;
    format!(
        "binding quota: {quota} ({account} in {region}), at capacity {} per replication ({:.1} % of its length), {} of {} requests queued, p95 wait {}; {:.1} % utilized on average",
        human(per_rep),
        100.0 * full(q),
        q.waited,
        q.requests,
        human(q.wait.quantile_s(0.95).unwrap_or(0.0)),
        100.0 * util(q)
    )
}
