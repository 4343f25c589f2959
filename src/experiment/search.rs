//! The smallest value of a quota that meets the time SLO (judged as its
//! `[slo] scope` says: every pipeline, the fleet, or one): a bisection on
//! the quota (monotone: more slots never make a run wait longer), every
//! step run with the same seed and replication indices as the run it
//! starts from (common random numbers), and with enough replications for
//! its confidence interval to decide. This is the capacity planner's
//! question, answered by search rather than by a grid.

use super::{Aggregate, ExperimentError, Plan, first_chunk, workers};
use crate::aws::quotas::{MAX_QUOTA, Quota};
use crate::scenario::Scenario;

/// The search a report shows for a single run `agg` of `scn` with `seed`:
/// over its binding quota (the longest at capacity), when the scenario has
/// a time SLO and that quota was ever full; `None` otherwise.
pub(crate) fn for_run(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
) -> Result<Option<(Quota, QuotaSearch)>, ExperimentError> {
    let Some(slo) = scn.slo.time_to_all_regions_p95 else {
        return Ok(None);
    };
    let Some((k, q)) = agg.quotas_ranked().into_iter().next() else {
        return Ok(None);
    };
    if q.full.0 == 0 {
        return Ok(None);
    }
    let (first, n) = (agg.first_replication, agg.replications);
    let found = smallest_quota(scn, k.kind, seed, first, n, slo.as_secs_f64())?;
    Ok(Some((k.kind, found)))
}

/// A step's replications grow (doubling) to at most this many times the
/// run's while its bounds (the CI, or on a small sample its min and max) straddle the SLO.
pub(crate) const MAX_GROWTH: u64 = 8;

/// What one step found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Every pipeline's p95 CI lies at or below the SLO.
    Meets,
    /// Some pipeline's p95 CI lies above it.
    Misses,
    /// A CI still straddled it at the most replications; decided by the
    /// point estimates (`true`: they meet it).
    Undecided(bool),
}

impl Decision {
    /// Whether the step counts as meeting the SLO.
    pub(crate) fn meets(self) -> bool {
        matches!(self, Decision::Meets | Decision::Undecided(true))
    }
}

/// One value tried.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The quota's value.
    pub value: u32,
    /// Replications run at it.
    pub replications: u64,
    /// The worst pipeline's p95 of time to all Regions, s, and its 95 % CI.
    pub p95: f64,
    /// Its CI.
    pub ci: (f64, f64),
    /// What it decided.
    pub decision: Decision,
    /// Whether the quota was ever at capacity at this value.
    pub binds: bool,
}

/// The search's result.
#[derive(Debug, Clone)]
pub(crate) struct QuotaSearch {
    /// Its value in the scenario.
    pub current: u32,
    /// The steps, in the order run.
    pub steps: Vec<Step>,
    /// The smallest value that meets the SLO; `None` when none does (at a
    /// value where the quota is never full, more of it cannot help).
    pub answer: Option<u32>,
}

impl QuotaSearch {
    /// Replications run in all.
    pub(crate) fn replications(&self) -> u64 {
        self.steps.iter().map(|s| s.replications).sum()
    }
}

/// The p95 the `[slo] scope` judges and its bounds, and whether every
/// bound lies at or below `slo` (`Some(true)`), some lies above
/// (`Some(false)`), or neither: the fleet's pooled p95, one pipeline's, or
/// (each) every pipeline's, the worst reported. (The point estimates meet
/// it when the reported p95 does.)
fn judge(scn: &Scenario, agg: &Aggregate, slo: f64) -> (f64, (f64, f64), Option<bool>) {
    use crate::scenario::SloScope;
    let fleet;
    let judged: Vec<&super::stats::Metric> = match scn.slo.scope {
        SloScope::Fleet => {
            fleet = super::fleet::fleet(&scn.world, agg, |p| &p.time_to_all_regions);
            vec![&fleet]
        }
        SloScope::Pipeline(i) => agg
            .pipelines
            .get(i as usize)
            .map(|p| &p.time_to_all_regions)
            .into_iter()
            .collect(),
        SloScope::Each => agg
            .pipelines
            .iter()
            .map(|p| &p.time_to_all_regions)
            .collect(),
    };
    let (mut worst, mut ci) = (0.0f64, (0.0, 0.0));
    let (mut all_below, mut any_above) = (true, false);
    for m in judged {
        let Some(p95) = m.quantile_s(0.95) else {
            continue;
        };
        // On a small sample the interval is the clamped one: its bounds are
        // then the sample's min and max (every execution met, or missed).
        let (lo, hi) = m.quantile_bounds_clamped_s(0.95).unwrap_or((p95, p95));
        all_below &= hi <= slo;
        any_above |= lo > slo;
        if p95 > worst {
            (worst, ci) = (p95, (lo, hi));
        }
    }
    let verdict = if any_above {
        Some(false)
    } else if all_below {
        Some(true)
    } else {
        None
    };
    (worst, ci, verdict)
}

/// Runs `scn` with `quota` at `value`, more replications while undecided.
fn step(
    scn: &Scenario,
    quota: Quota,
    value: u32,
    seed: u64,
    first: u64,
    base: u64,
    slo: f64,
) -> Result<Step, ExperimentError> {
    let mut s = scn.clone();
    s.world.quotas.set(quota, value);
    let threads = workers(0)? as u64;
    let mut n = base.max(1);
    loop {
        let plan = Plan {
            seed,
            first,
            count: n,
            threads: 0,
            chunk: first_chunk(threads, false, false),
            precision: None,
        };
        let agg = super::run_aggregate(&s, &plan)?;
        let (p95, ci, verdict) = judge(&s, &agg, slo);
        let binds = agg
            .quotas
            .iter()
            .any(|(k, q)| k.kind == quota && q.full.0 > 0);
        let decision = match verdict {
            Some(true) => Decision::Meets,
            Some(false) => Decision::Misses,
            None if n >= base.max(1) * MAX_GROWTH => Decision::Undecided(p95 <= slo),
            None => {
                n *= 2;
                continue;
            }
        };
        return Ok(Step {
            value,
            replications: n,
            p95,
            ci,
            decision,
            binds,
        });
    }
}

/// Searches for the smallest value of `quota` whose run of `replications`
/// (from `first`, with `seed`) meets `slo` seconds of p95 for every pipeline.
pub(crate) fn smallest_quota(
    scn: &Scenario,
    quota: Quota,
    seed: u64,
    first: u64,
    replications: u64,
    slo: f64,
) -> Result<QuotaSearch, ExperimentError> {
    let current = scn.world.quotas.get(quota);
    let mut steps = Vec::new();
    let at = |v: u32, steps: &mut Vec<Step>| -> Result<Step, ExperimentError> {
        let s = step(scn, quota, v, seed, first, replications, slo)?;
        steps.push(s.clone());
        Ok(s)
    };
    // A value known to meet it (hi) and one known to miss it (lo, 0 for none).
    let here = at(current, &mut steps)?;
    let (mut lo, mut hi) = if here.decision.meets() {
        (0u32, current)
    } else {
        let mut v = current;
        let mut last = here;
        loop {
            if !last.binds || v as i64 >= MAX_QUOTA {
                // Never full: more of it cannot help.
                return Ok(QuotaSearch {
                    current,
                    steps,
                    answer: None,
                });
            }
            let next = ((v as i64 * 2).min(MAX_QUOTA)) as u32;
            last = at(next, &mut steps)?;
            if last.decision.meets() {
                break (v, next);
            }
            v = next;
        }
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at(mid, &mut steps)?.decision.meets() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(QuotaSearch {
        current,
        steps,
        answer: Some(hi),
    })
}
