//! The verdict: each pipeline's p95 against the SLO, the monthly cost, the
//! step that makes the tail, the binding quota and the failures.

use super::doc::Block;
use super::replay::Replayed;
use super::slo::{percent, slo_status};
use super::{Draft, slowest};
use crate::experiment::Aggregate;
use crate::experiment::aggregate::{QuotaAgg, QuotaKey};
use crate::experiment::stats::Metric;
use crate::pipeline::model::Stage;
use crate::report::ReportError;
use crate::report::text::{dollars, human};
use crate::scenario::Scenario;

/// The verdict.
pub(super) fn verdict(d: &mut Draft<'_>) -> Result<(), ReportError> {
    let scn = d.inp.scn;
    let mut verdict = Vec::new();
    if let Some(agg) = d.inp.run() {
        verdict = headline(scn, agg);
        verdict.extend(copy_scope(scn, agg, d.inp.other_scope.as_ref()));
        verdict.extend(deciding_assumptions(scn));
        verdict.extend(sensitivity(scn, agg, &d.inp.sensitivity));
        verdict.extend(bottleneck(scn, agg, d.inp.replayed.as_ref()));
        verdict.push(busiest_quota(scn, agg, d.inp.replayed.as_ref()));
        verdict.extend(super::failures::verdict_line(scn, agg));
        verdict.extend(super::recommend::lines(d.inp));
    }
    verdict.extend(super::sweep::verdict_lines(d.inp));
    if !scn.slo.any() {
        verdict.push("SLO: no [slo] set; add e.g. `[slo] time_to_all_regions_p95 = \"2h\"` and the verdict says whether it is met".into());
    }
    d.blocks.push(Block::Heading("Verdict".into()));
    d.blocks.push(Block::Bullets(verdict));
    Ok(())
}

/// The step most often on the slowest pipeline's critical path, over all
/// its succeeded executions, and the largest step of its execution nearest the p95.
fn bottleneck(scn: &Scenario, agg: &Aggregate, p95: Option<&Replayed>) -> Option<String> {
    let (pi, name, pa) = slowest(scn, agg, |p| &p.time_to_all_regions)?;
    // By kind of step first (all copies together), then the single most frequent one.
    let mut kinds: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for (k, n) in &pa.critical {
        *kinds.entry(k.kind()).or_default() += n;
    }
    let (kind, n) = kinds
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    let (key, step, m) =
        crate::pipeline::analysis::most_often_key(&scn.world, pi as u16, &pa.critical)?;
    let ok = pa.time_to_all_regions.count;
    // The single step only when it stands out (more than once).
    let top = match key.kind() == *kind && step != *kind && m > 1 {
        true => format!("; most often {step} ({m})"),
        false => String::new(),
    };
    let mut line = format!(
        "bottleneck: {kind} (wait included) is the largest step of {name}'s critical path in {n} of its {ok} succeeded executions ({:.0} %){top}",
        100.0 * *n as f64 / ok.max(1) as f64
    );
    if let Some(r) = p95
        && let Some((label, dur)) =
            crate::pipeline::analysis::critical_stage(&scn.world, &r.rep, r.exec)
    {
        line.push_str(&format!(
            "; in its execution nearest the p95, {label} takes {} of {} ({:.0} %)",
            human(dur.as_secs_f64()),
            human(r.ms as f64 / 1000.0),
            100.0 * dur.as_millis() as f64 / r.ms.max(1) as f64
        ));
    }
    Some(line)
}

/// The p95s against their SLOs, and the monthly cost: from the typed
/// results, the quantiles summary.csv prints.
fn headline(scn: &Scenario, agg: &Aggregate) -> Vec<String> {
    let mut v = Vec::new();
    let secs = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_secs_f64());
    // The n always; the interval only where the sample supports one.
    let p95_line = |m: &Metric, slo| {
        let (p95, ci) = super::slo::p95_text(m);
        (human(p95), ci, slo_status(p95, slo, human))
    };
    let target = secs(scn.slo.time_to_all_regions_p95);
    v.extend(super::slo::time_to_all_regions(scn, agg, |p95| {
        slo_status(p95, target, human)
    }));
    if let Some((_, name, pa)) = slowest(scn, agg, |p| &p.exposure_window) {
        let m = &pa.exposure_window;
        let (p95, ci, status) = p95_line(m, secs(scn.slo.exposure_window_p95));
        v.push(format!(
            "p95 exposure window (a release until an image with it is usable everywhere): {p95}{ci} for {name}{status}"
        ));
    }
    if let Some(line) = cost_line(scn, agg) {
        v.push(line);
    }
    v
}

/// The monthly cost: its average over the horizon, the run rate of the last
/// full month and the storage trend; the SLO judged on that run rate (the
/// bill the team will be paying), or on the average if there is no full month.
fn cost_line(scn: &Scenario, agg: &Aggregate) -> Option<String> {
    if let Some(usd) = crate::report::cost_months::one_off_cost(scn, agg) {
        return Some(crate::report::text::one_off_sentence(usd));
    }
    let m = &agg.monthly_cost;
    let (mean, p95) = (m.mean()? / 1e6, m.quantile(0.95)? / 1e6);
    let t = crate::report::cost_months::trend(scn, agg);
    let status = match (scn.slo.monthly_cost_usd, t.last_full) {
        (None, _) => String::new(),
        (Some(_), Some(r)) => format!(
            "{}, judged on month {month}",
            slo_status(r.mean, scn.slo.monthly_cost_usd, dollars),
            month = r.month
        ),
        (Some(_), None) => slo_status(mean, scn.slo.monthly_cost_usd, dollars),
    };
    Some(format!(
        "cost: {} a month on average over the horizon, {} at p95; {}{status}",
        dollars(mean),
        dollars(p95),
        crate::report::text::trend_sentence(&t)
    ))
}

/// The quota instance longest at capacity (then the most utilized), if any.
pub(super) fn binding(agg: &Aggregate) -> Option<(&QuotaKey, &QuotaAgg)> {
    agg.quotas_ranked().into_iter().next()
}

/// The longest wait, ms, in execution `r` at quota instance `k`: its
/// builder launch waits for a build slot, its copies for copy slots.
pub(super) fn wait_at(k: &QuotaKey, r: &Replayed) -> Option<u64> {
    use crate::aws::quotas::Quota;
    let stage = match k.kind {
        Quota::ConcurrentBuilds => Stage::LaunchBuilder,
        Quota::AmiCopiesPerRegion
        | Quota::AmiCopiesPerDistribution
        | Quota::SnapshotCopiesPerRegion => Stage::Copy,
        // Not queued on: nothing waits for them.
        Quota::TimeBasedCopyThroughput
        | Quota::ShareEntitiesPerImage
        | Quota::PublicAmisPerRegion => {
            return None;
        }
    };
    r.rep
        .stages
        .iter()
        .filter(|s| {
            // A pipeline's own copy quota holds all its copies.
            let at = k.pipeline.is_some() || (s.region == k.region && s.account == k.account);
            s.exec.index() == r.exec && s.stage == stage && at
        })
        .map(|s| s.started.since(s.enqueued).as_millis())
        .max()
}

/// The binding quota: the one longest at capacity (then the most
/// utilized), with its time at capacity, waits, utilization and its wait in
/// the execution nearest the p95; or that none is close to binding.
fn busiest_quota(scn: &Scenario, agg: &Aggregate, p95: Option<&Replayed>) -> String {
    let Some((k, q)) = binding(agg) else {
        return "quotas: none was used".into();
    };
    let util = q.utilization();
    let [quota, ..] = crate::report::capacity::names(scn, k);
    let place = crate::report::capacity::place(scn, k);
    let waited: u64 = agg.quotas.values().map(|q| q.waited).sum();
    if q.full.0 == 0 && waited == 0 {
        return format!(
            "quotas: none is close to binding: none was ever full and no request queued; the busiest, {quota} ({place}), is {:.1} % utilized",
            100.0 * util
        );
    }
    let per_rep = q.full.0 as f64 / 1000.0 / q.replications_used.max(1) as f64;
    let share = p95
        .and_then(|r| Some((r, wait_at(k, r)?)))
        .filter(|(_, w)| *w > 0)
        .map_or(String::new(), |(r, w)| {
            format!(
                "; in {}'s execution nearest its p95, its longest wait is {} of {} ({:.0} %)",
                r.name,
                human(w as f64 / 1000.0),
                human(r.ms as f64 / 1000.0),
                100.0 * w as f64 / r.ms.max(1) as f64
            )
        });
    // The verdict rests on a reading of the quota's scope: said.
    let scope = match k.kind {
        crate::aws::quotas::Quota::AmiCopiesPerDistribution
            if !scn.world.quotas.copy_scope_given() =>
        {
            format!(
                "; counted {}, amisim's reading when [quotas] ami_copies_scope is not set (docs/sources.md#quota-copies-distribution)",
                scope_words(scn.world.quotas.copy_scope())
            )
        }
        _ => String::new(),
    };
    format!(
        "binding quota: {quota} = {} ({place}), at capacity {} per replication ({:.1} % of the horizon), {} of {} requests queued, p95 wait {}; {:.1} % utilized on average{share}{scope}",
        q.capacity,
        human(per_rep),
        100.0 * q.at_capacity(),
        q.waited,
        q.requests,
        human(q.wait.quantile_s(0.95).unwrap_or(0.0)),
        100.0 * util
    )
}

/// How a reading of Image Builder's copy quota counts.
fn scope_words(scope: crate::aws::quotas::CopyScope) -> &'static str {
    use crate::aws::quotas::CopyScope;
    match scope {
        CopyScope::Distribution => {
            "one per distribution configuration (ami_copies_scope = \"distribution\", its Service Quotas name)"
        }
        CopyScope::AccountRegion => {
            "one per copier account and destination Region (ami_copies_scope = \"account_region\", the cross-account guide's words)"
        }
    }
}

/// What the other reading of Image Builder's copy quota gives, when the
/// scenario left the scope to amisim and it was run: said as deciding the
/// verdict when the SLO's answer differs.
fn copy_scope(
    scn: &Scenario,
    agg: &Aggregate,
    other: Option<&crate::experiment::scope::OtherReading>,
) -> Option<String> {
    let o = other?;
    let (name, p95, n) = crate::experiment::scope::headline_p95(scn, agg)?;
    let slo = scn.slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
    let status = |v: f64| slo_status(v, slo, human);
    let decides = slo.is_some_and(|s| (p95 <= s) != (o.p95_s <= s));
    // The slowest pipeline's p95 under scope = "each", else the one judged.
    let which = match scn.slo.scope {
        crate::scenario::SloScope::Each => "slowest p95",
        _ => "p95",
    };
    let lead = if decides {
        "copy quota scope DECIDES this verdict"
    } else {
        "copy quota scope: the other reading gives the same verdict"
    };
    Some(format!(
        "{lead}: counting Image Builder's concurrent copies {}, the {which} is {} for {name} (n = {n}){}; counting them {}, it is {} for {} (n = {}){}{}, with the same seed and replications. AWS's texts allow both: set [quotas] ami_copies_scope to the one your account shows (docs/sources.md#quota-copies-distribution)",
        scope_words(scn.world.quotas.copy_scope()),
        human(p95),
        status(p95),
        scope_words(o.scope),
        human(o.p95_s),
        o.pipeline,
        o.n,
        status(o.p95_s),
        if o.binds {
            ", the quota full at times"
        } else {
            ", the quota never full"
        },
    ))
}

/// The assumption the p95 moves most with, run twice as slow: said as
/// deciding the verdict when the time SLO's answer differs.
fn sensitivity(
    scn: &Scenario,
    agg: &Aggregate,
    runs: &[crate::experiment::sensitivity::Sensitivity],
) -> Option<String> {
    let top = runs.first()?;
    let (of, p95, _) = crate::experiment::scope::headline_p95(scn, agg)?;
    let slo = scn.slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
    let decides = slo.is_some_and(|s| (p95 <= s) != (top.p95_s <= s));
    let lead = if decides {
        "an assumption DECIDES this verdict"
    } else {
        "sensitivity"
    };
    Some(format!(
        "{lead}: the p95 for {of} is {}; with {} twice as slow (an assumption: {}), it would be {} (n = {}){}; the largest change of the {} assumed default{} it relies on, each run twice as slow with the same seed and replications (see Assumptions)",
        human(p95),
        top.assumption,
        top.source,
        human(top.p95_s),
        top.n,
        slo_status(top.p95_s, slo, human),
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
    ))
}

/// The Assumptions section's table: each assumption the p95 moves with,
/// twice as slow and twice as fast, and the other reading of Image
/// Builder's copy quota when it was run; the largest change first.
pub(super) fn sensitivity_table(inp: &super::Inputs<'_>) -> Option<Block> {
    let agg = inp.run()?;
    let (of, p95, _) = crate::experiment::scope::headline_p95(inp.scn, agg)?;
    let change = |v: f64| percent((v - p95) / p95.max(1e-9));
    let at = |v: f64, n: u64| format!("{} (n = {n})", human(v));
    let mut rows: Vec<(f64, Vec<String>)> = inp
        .sensitivity
        .iter()
        .map(|s| {
            let (fast, fast_change) = s
                .faster
                .map_or(("–".into(), "–".into()), |(v, n)| (at(v, n), change(v)));
            let row = vec![
                s.assumption.to_string(),
                at(s.p95_s, s.n),
                change(s.p95_s),
                fast,
                fast_change,
                s.source.to_string(),
            ];
            (s.p95_s, row)
        })
        .collect();
    if let Some(o) = &inp.other_scope {
        let words = format!(
            "Image Builder's copy quota counted {}",
            scope_words(o.scope)
        );
        let row = vec![
            words,
            at(o.p95_s, o.n),
            change(o.p95_s),
            "–".into(),
            "–".into(),
            "docs/sources.md#quota-copies-distribution".into(),
        ];
        rows.push((o.p95_s, row));
    }
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let head = vec![
        "assumption".to_string(),
        format!("p95 for {of}, twice as slow (or the other reading)"),
        "change".into(),
        "twice as fast".into(),
        "change".into(),
        "source".into(),
    ];
    Some(Block::Table(head, rows.into_iter().map(|r| r.1).collect()))
}

/// The assumed latencies that decide failures (at most three, then how many more).
fn deciding_assumptions(scn: &Scenario) -> Vec<String> {
    const SHOWN: usize = 3;
    let all = &scn.deciding_assumptions;
    let mut v: Vec<String> = all
        .iter()
        .take(SHOWN)
        .map(|a| {
            format!(
                "assumption: {}; measure it with `amisim fit` (docs/src/fit.md)",
                a.sentence
            )
        })
        .collect();
    if all.len() > SHOWN {
        v.push(format!(
            "assumption: {} more such assumption{} (run `amisim validate` to list them)",
            all.len() - SHOWN,
            if all.len() - SHOWN == 1 { "" } else { "s" }
        ));
    }
    v
}
