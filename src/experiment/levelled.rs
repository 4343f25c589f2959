//! What a lifecycle would save when the snapshot storage bill is still
//! growing: the run again, with the same seed and replications (common
//! random numbers), with every build pipeline that deletes nothing keeping
//! its newest [`KEEP`] images (`[pipeline.lifecycle] keep_last`; older
//! images deregistered and their snapshots deleted,
//! docs/sources.md#lifecycle). The report judges its bill.

use super::{Aggregate, ExperimentError, run};
use crate::scenario::Scenario;

/// Images kept: the newest release and two to roll back to. An assumption
/// (a team's rollback depth is its own choice), named where it is used.
pub(crate) const KEEP: u32 = 3;

/// The run with a lifecycle.
#[derive(Debug, Clone)]
pub(crate) struct Levelled {
    /// The images kept.
    pub keep: u32,
    /// The pipelines given the lifecycle.
    pub pipelines: Vec<String>,
    /// Its aggregate.
    pub agg: Aggregate,
}

/// Runs `scn` again with `keep_last = KEEP` on every build pipeline whose
/// lifecycle deletes nothing; `None` when every pipeline already deletes.
pub(crate) fn for_run(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
) -> Result<Option<Levelled>, ExperimentError> {
    let mut s = scn.clone();
    let mut pipelines = Vec::new();
    for p in &mut s.world.pipelines {
        let l = &mut p.lifecycle;
        let deletes = l.keep_last.is_some() || l.max_age.is_some();
        let ami = p.kind.is_build() && p.container.is_none();
        if !ami || deletes || l.deregistration_protection {
            continue;
        }
        l.keep_last = Some(KEEP);
        pipelines.push(p.name.clone());
    }
    if pipelines.is_empty() {
        return Ok(None);
    }
    let plan = super::scope::same_plan(agg, seed)?;
    let agg = run(&s, &plan, |_: &mut (), _, _, _| {}, |_, _, _| Ok(()))?;
    Ok(Some(Levelled {
        keep: KEEP,
        pipelines,
        agg,
    }))
}
