//! The verdict: each pipeline's p95 against the SLO, the monthly cost, and
//! the step that makes the tail.

use std::collections::BTreeMap;

use super::Doc;
use super::doc::{Block, secs_h};
use crate::report::ReportError;
use crate::report::text::human;

/// The verdict.
pub(super) fn verdict(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let scn = d.scn;
    let blocks = &mut d.blocks;
    let summary = &d.tables.summary;
    let runs = &d.tables.runs;
    let quotas = &d.tables.quotas;
    let cost_summary = &d.tables.cost_summary;
    // Verdict.
    let mut verdict = Vec::new();
    // The slowest pipeline's p95 of a summary metric, against its SLO.
    let worst = |metric: &str, slo: Option<f64>| {
        let t = summary.as_ref()?;
        let (name, p95) = t
            .rows
            .iter()
            .filter(|r| t.get(r, "metric") == metric)
            .filter_map(|r| Some((t.get(r, "pipeline").to_string(), t.num(r, "p95_s")?)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let status = match slo {
            Some(s) if p95 <= s => format!(" — SLO {} met", human(s)),
            Some(s) => format!(" — SLO {} MISSED", human(s)),
            None => String::new(),
        };
        Some((name, human(p95), status))
    };
    let secs = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_secs_f64());
    if let Some((name, p95, status)) =
        worst("time_to_all_regions", secs(scn.slo.time_to_all_regions_p95))
    {
        verdict.push(format!(
            "p95 time to all Regions: {p95} for {name} (the slowest pipeline){status}"
        ));
    }
    if let Some((name, p95, status)) = worst("exposure_window", secs(scn.slo.exposure_window_p95)) {
        verdict.push(format!(
            "p95 exposure window (a release until an image with it is usable everywhere): {p95} for {name}{status}"
        ));
    }
    let monthly = cost_summary.as_ref().and_then(|t| {
        let r = t
            .rows
            .iter()
            .find(|r| t.get(r, "metric") == "monthly_cost")?;
        Some((t.num(r, "mean_usd")?, t.num(r, "p95_usd")?))
    });
    if let Some((mean, p95)) = monthly {
        let status = match scn.slo.monthly_cost_usd {
            Some(s) if mean <= s => format!(" — SLO ${s:.2} met"),
            Some(s) => format!(" — SLO ${s:.2} MISSED"),
            None => String::new(),
        };
        verdict.push(format!(
            "cost: ${mean:.2} a month on average, ${p95:.2} at p95{status}"
        ));
    }
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
    if let Some(t) = &quotas
        && let Some(r) = t.rows.iter().max_by(|a, b| {
            t.num(a, "mean_utilization")
                .unwrap_or(0.0)
                .total_cmp(&t.num(b, "mean_utilization").unwrap_or(0.0))
        })
    {
        verdict.push(format!(
            "busiest quota: {} ({} in {}{}), {:.1} % utilized, p95 wait {}",
            t.get(r, "quota"),
            t.get(r, "account"),
            t.get(r, "region"),
            match t.get(r, "pipeline") {
                "" => String::new(),
                p => format!(", pipeline {p}"),
            },
            100.0 * t.num(r, "mean_utilization").unwrap_or(0.0),
            secs_h(t.num(r, "p95_wait_s"))
        ));
    }
    blocks.push(Block::Heading("Verdict".into()));
    blocks.push(Block::Bullets(verdict));

    Ok(())
}
