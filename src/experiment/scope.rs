//! The other reading of Image Builder's copy quota: the run again with
//! `[quotas] ami_copies_scope` the other way, with the same seed and
//! replications (common random numbers), when the scenario did not choose
//! and the other reading could fill a quota this one does not.

use std::collections::BTreeMap;

use super::stats::Metric;
use super::{Aggregate, ExperimentError, Plan, first_chunk, workers};
use crate::aws::ids::{AccountId, RegionId};
use crate::aws::quotas::{CopyScope, Quota};
use crate::pipeline::config::Tool;
use crate::scenario::Scenario;

/// The slowest pipeline's p95 time to all Regions under the other reading.
#[derive(Debug, Clone)]
pub(crate) struct OtherReading {
    /// The reading run.
    pub scope: CopyScope,
    /// The slowest pipeline, by its p95.
    pub pipeline: String,
    /// Its p95, seconds, and how many succeeded executions it is from.
    pub p95_s: f64,
    /// Its succeeded executions.
    pub n: u64,
    /// Whether Image Builder's copy quota was ever full under it.
    pub binds: bool,
}

/// Runs the other reading for the report of `agg`, if the scenario left
/// the scope to amisim and the two readings can differ.
pub(crate) fn for_run(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
) -> Result<Option<OtherReading>, ExperimentError> {
    let quotas = &scn.world.quotas;
    if quotas.copy_scope_given() || !could_differ(scn) {
        return Ok(None);
    }
    let scope = quotas.copy_scope().other();
    let mut s = scn.clone();
    s.world.quotas.set_copy_scope(scope, true);
    let other = super::run_aggregate(&s, &same_plan(agg, seed)?)?;
    let binds = other
        .quotas
        .iter()
        .any(|(k, q)| k.kind == Quota::AmiCopiesPerDistribution && q.full.0 > 0);
    Ok(
        headline_p95(&s, &other).map(|(pipeline, p95_s, n)| OtherReading {
            scope,
            pipeline,
            p95_s,
            n,
            binds,
        }),
    )
}

/// `scn` run again on the same replications as `agg` with `change` applied
/// to each pipeline (it says whether it changed one), and the names of the
/// pipelines it changed; `None` when it changed none.
pub(crate) fn rerun_with(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
    mut change: impl FnMut(&mut crate::pipeline::config::Pipeline) -> bool,
) -> Result<Option<(Vec<String>, Scenario, Aggregate)>, ExperimentError> {
    let mut s = scn.clone();
    let names: Vec<String> = s
        .world
        .pipelines
        .iter_mut()
        .filter_map(|p| change(p).then(|| p.name.clone()))
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    let other = super::run_aggregate(&s, &same_plan(agg, seed)?)?;
    Ok(Some((names, s, other)))
}

/// The plan of a run again with the same seed and replications as `agg`'s
/// (common random numbers), on every core, without outputs.
pub(crate) fn same_plan(agg: &Aggregate, seed: u64) -> Result<Plan, ExperimentError> {
    let threads = workers(0)? as u64;
    Ok(Plan {
        seed,
        first: agg.first_replication,
        count: agg.replications.max(1),
        threads: 0,
        chunk: first_chunk(threads, false, false),
        precision: None,
    })
}

fn ttar(p: &crate::experiment::aggregate::PipelineAgg) -> &super::stats::Metric {
    &p.time_to_all_regions
}

/// The metric the `[slo]` scope judges: the fleet's times to all Regions
/// (every build pipeline's executions, pooled), a named pipeline's, or the
/// slowest pipeline's; and what it is about.
pub(crate) fn headline_metric(scn: &Scenario, agg: &Aggregate) -> Option<(String, Metric)> {
    use crate::scenario::SloScope;
    match scn.slo.scope {
        SloScope::Fleet => Some((
            "the fleet".into(),
            super::fleet::fleet(&scn.world, agg, ttar),
        )),
        SloScope::Pipeline(i) => Some((
            scn.world.pipelines.get(i as usize)?.name.clone(),
            ttar(agg.pipelines.get(i as usize)?).clone(),
        )),
        SloScope::Each => {
            let (i, pa) = super::fleet::slowest(agg, ttar)?;
            Some((scn.world.pipelines.get(i)?.name.clone(), ttar(pa).clone()))
        }
    }
}

/// The headline p95 (see [`headline_metric`]), seconds, and its n.
pub(crate) fn headline_p95(scn: &Scenario, agg: &Aggregate) -> Option<(String, f64, u64)> {
    let (of, m) = headline_metric(scn, agg)?;
    Some((of, m.quantile_s(0.95)?, m.count))
}

/// Whether either reading could fill the quota: one copier account's
/// copies into one Region over all its Image Builder pipelines (pooled by
/// account and Region), or one pipeline's copies (pooled by distribution
/// configuration), more than its value. Otherwise neither ever waits.
fn could_differ(scn: &Scenario) -> bool {
    let cap = scn.world.quotas.get(Quota::AmiCopiesPerDistribution) as usize;
    let mut per: BTreeMap<(AccountId, RegionId), usize> = BTreeMap::new();
    for p in &scn.world.pipelines {
        if p.tool != Tool::ImageBuilder || !p.kind.is_build() {
            continue;
        }
        if p.copies.len() > cap {
            return true;
        }
        for c in &p.copies {
            *per.entry((c.copier, c.region)).or_default() += 1;
        }
    }
    per.values().any(|&n| n > cap)
}
