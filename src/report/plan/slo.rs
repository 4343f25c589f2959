//! The time-to-all-Regions lines of the verdict, judged as `[slo] scope`
//! says: the fleet's pooled executions, one pipeline, or every pipeline
//! (Holm-corrected binomial tests, `experiment::fleet`).

use super::slowest;
use crate::experiment::Aggregate;
use crate::experiment::aggregate::PipelineAgg;
use crate::experiment::fleet::{self, EachJudgement, FAMILY_ALPHA};
use crate::experiment::stats::Metric;
use crate::report::text::human;
use crate::scenario::{Scenario, SloScope};

fn ttar(p: &PipelineAgg) -> &Metric {
    &p.time_to_all_regions
}

/// A p95 with its n, and its 95 % CI where the sample supports one.
pub(super) fn p95_text(m: &Metric) -> (f64, String) {
    let p95 = m.quantile_s(0.95).unwrap_or(0.0);
    let ci = match m.quantile_ci95_s(0.95) {
        Some((l, h)) => format!(" (95 % CI {} – {}; n = {})", human(l), human(h), m.count),
        None => format!(
            " (n = {}: too few values for a 95 % CI of a p95, which needs {})",
            m.count,
            crate::experiment::stats::min_values_for_quantile_ci(0.95)
        ),
    };
    (p95, ci)
}

/// The lines on time to all Regions: one pipeline's alone, or the fleet's,
/// the slowest pipeline's and the judgement the scope asks for.
pub(super) fn time_to_all_regions(
    scn: &Scenario,
    agg: &Aggregate,
    status: impl Fn(f64) -> String,
) -> Vec<String> {
    let Some((_, name, pa)) = slowest(scn, agg, ttar) else {
        return Vec::new();
    };
    let builds = scn
        .world
        .pipelines
        .iter()
        .filter(|p| p.kind.is_build())
        .count();
    let h = super::Headline::of(scn);
    let slow = |judged: bool| {
        let (p95, ci) = p95_text(ttar(pa));
        let s = if judged { status(p95) } else { String::new() };
        format!(
            "p95 {}: {}{ci} for {name} (the slowest {}){s}",
            h.what,
            human(p95),
            h.unit
        )
    };
    if builds <= 1 {
        return vec![slow(true)];
    }
    let f = fleet::fleet(&scn.world, agg, ttar);
    let (fp95, fci) = p95_text(&f);
    let fleet_line = |judged: bool| {
        let s = if judged { status(fp95) } else { String::new() };
        format!(
            "p95 time to all Regions over the fleet (every execution of its {builds} pipelines, pooled): {}{fci}{s}",
            human(fp95)
        )
    };
    match scn.slo.scope {
        SloScope::Fleet => vec![fleet_line(true), slow(false)],
        SloScope::Pipeline(i) => {
            let Some(m) = agg.pipelines.get(i as usize).map(ttar) else {
                return vec![fleet_line(false)];
            };
            let (p95, ci) = p95_text(m);
            let named = &scn.world.pipelines[i as usize].name;
            vec![
                format!(
                    "p95 time to all Regions of {named}: {}{ci}{}",
                    human(p95),
                    status(p95)
                ),
                fleet_line(false),
            ]
        }
        SloScope::Each => {
            let mut v = vec![fleet_line(false), slow(false)];
            if let Some(t) = scn.slo.time_to_all_regions_p95 {
                let j = fleet::each(&scn.world, agg, ttar, t.as_millis() as f64);
                v.push(each_line(scn, &j, human(t.as_secs_f64())));
            }
            v
        }
    }
}

/// Every pipeline against the target: how many are over it, which are
/// shown to miss it, and the status that follows.
fn each_line(scn: &Scenario, j: &EachJudgement, target: String) -> String {
    let names = |v: &[fleet::Evidence]| {
        let shown: Vec<String> = v
            .iter()
            .take(3)
            .map(|e| {
                let name = &scn.world.pipelines[e.pipeline].name;
                format!("{name} ({} of {} over it)", e.over, e.n)
            })
            .collect();
        let more = v.len().saturating_sub(3);
        match more {
            0 => shown.join(", "),
            _ => format!("{} and {more} more", shown.join(", ")),
        }
    };
    let how = format!(
        "one-sided binomial tests of each pipeline's executions over the SLO, Holm's correction at {:.0} % family-wise",
        100.0 * FAMILY_ALPHA
    );
    let status = if !j.shown_to_miss.is_empty() {
        format!(
            " — SLO {target} MISSED: {} shown to miss it: {}",
            j.shown_to_miss.len(),
            names(&j.shown_to_miss)
        )
    } else if j.over.is_empty() && j.all_shown_to_meet {
        format!(" — SLO {target} met: every pipeline shown to meet it")
    } else if j.over.is_empty() {
        format!(
            " — SLO {target} met by every pipeline's p95, but not shown at that confidence: more replications would show it"
        )
    } else {
        format!(
            " — SLO {target} undecided: none shown to miss it yet; more replications would decide"
        )
    };
    format!(
        "each pipeline against the SLO ({how}): {} of {} have a p95 over it{}{status}",
        j.over.len(),
        j.judged,
        if j.over.is_empty() {
            String::new()
        } else {
            format!(" ({})", names(&j.over))
        }
    )
}

/// ` — SLO 2h 00m 00s met` or `MISSED`, comparing unrounded values.
pub(super) fn slo_status(value: f64, slo: Option<f64>, show: fn(f64) -> String) -> String {
    match slo {
        Some(s) if value <= s => format!(" — SLO {} met", show(s)),
        Some(s) => format!(" — SLO {} MISSED ({} over)", show(s), show(value - s)),
        None => String::new(),
    }
}

/// A signed change in per cent: `+34 %`, `−10 %`.
pub(super) fn percent(x: f64) -> String {
    let p = (100.0 * x).round() + 0.0; // no "-0"
    crate::report::text::signed(p, |v| format!("{v} %"))
}
