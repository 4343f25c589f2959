//! The verdict's recommendations: what to change, from what the report
//! searched or ran again (the quota value, measuring an assumption,
//! time-based copies, a lifecycle), each with its predicted p95 or cost.

use super::slo::{percent, slo_status};
use crate::report::cost_months::{Storage, trend};
use crate::report::text::{dollars, human};

/// Pipeline names for a sentence: all of up to three, else the first three
/// and how many more.
fn names(list: &[String]) -> String {
    if list.len() <= 3 {
        return list.join(", ");
    }
    format!(
        "{} pipelines ({} and {} more)",
        list.len(),
        list[..3].join(", "),
        list.len() - 3
    )
}

/// Every recommendation that applies, in order.
pub(super) fn lines(inp: &super::Inputs<'_>) -> Vec<String> {
    [measure_or_request(inp), time_based(inp), levelled(inp)]
        .into_iter()
        .flatten()
        .collect()
}

/// What to change, from what the report found: the quota value the search
/// found when the SLO is missed; otherwise, where an assumption moves the
/// p95 by more than a tenth, to measure it before acting on the answer.
fn measure_or_request(inp: &super::Inputs<'_>) -> Option<String> {
    if let Some((quota, found)) = &inp.search
        && let Some(v) = found.answer
        && v > found.current
    {
        return Some(format!(
            "recommendation: request {} = {v} (the scenario has {}): the smallest value found to meet the SLO (see its section); the quota's own page in Service Quotas says whether it is adjustable",
            quota.key(),
            found.current
        ));
    }
    let agg = inp.run()?;
    let (_, p95, _) = crate::experiment::scope::headline_p95(inp.scn, agg)?;
    let top = inp.sensitivity.first()?;
    let change = (top.p95_s - p95) / p95.max(1e-9);
    (change > 0.1).then(|| {
        format!(
            "recommendation: measure {} before acting on this answer (`amisim fit` on your logs, docs/src/fit.md): it is an assumption, and twice as slow it moves the p95 by {}",
            top.assumption,
            percent(change)
        )
    })
}

/// What time-based copies would do, where a pipeline could ask for them:
/// the p95 and the monthly cost of the same run with every best-effort
/// copy of those pipelines asked to complete in AWS's shortest time, each
/// with its CI, against now.
fn time_based(inp: &super::Inputs<'_>) -> Option<String> {
    let tb = inp.time_based.as_ref()?;
    let agg = inp.run()?;
    let (_, now, _) = crate::experiment::scope::headline_p95(inp.scn, agg)?;
    let (p95, ci) = super::slo::p95_text(&tb.time_to_all_regions);
    let slo = inp.scn.slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
    let (m, was) = (&tb.monthly_cost, &agg.monthly_cost);
    let (mean, was_mean) = (m.mean()? / 1e6, was.mean()? / 1e6);
    // The same replications both ways: the paired difference's interval.
    let change = match was.paired_difference_ci95(m) {
        Some((d, half)) => format!(
            "{}{} (95 % CI ± {}, paired by replication)",
            if d < 0.0 { "−" } else { "+" },
            dollars(d.abs() / 1e6),
            dollars(half / 1e6)
        ),
        None => "too few replications for a CI of the change".into(),
    };
    Some(format!(
        "recommendation, time-based copies: with copy_completion = \"{}\" (AWS's shortest) on the copies of {}, the p95 for {} would be {}{ci}{}, against {} now; the cost {} a month, against {} now: {change} (each copy pays its tier's per-GiB charge: docs/sources.md#time-based-copies)",
        tb.completion,
        names(&tb.pipelines),
        tb.of,
        human(p95),
        slo_status(p95, slo, human),
        human(now),
        dollars(mean),
        dollars(was_mean),
    ))
}

/// What a lifecycle would save where snapshot storage still grows: the
/// last full month's bill with the newest images kept, against now, and
/// whether storage then levels off.
fn levelled(inp: &super::Inputs<'_>) -> Option<String> {
    let lv = inp.levelled.as_ref()?;
    let agg = inp.run()?;
    let (now, then) = (trend(inp.scn, agg), trend(inp.scn, &lv.agg));
    let (was, will) = (now.last_full?, then.last_full?);
    let ci = will.ci.map_or(String::new(), |(lo, hi)| {
        format!(" (95 % CI {} – {})", dollars(lo), dollars(hi))
    });
    let storage = match then.storage {
        Storage::Growing(g) => format!("still grows ({:+.0} % over the month)", g * 100.0),
        _ => "levels off".to_string(),
    };
    Some(format!(
        "recommendation, lifecycle: keeping the newest {k} images of {} (`[pipeline.lifecycle] keep_last = {k}`; {k} is an assumption: set your rollback depth), month {} would cost {}{ci}, against {} now, and snapshot storage {storage} (same seed and replications; docs/sources.md#lifecycle)",
        names(&lv.pipelines),
        will.month,
        dollars(will.mean),
        dollars(was.mean),
        k = lv.keep,
    ))
}
