//! What a lifecycle would save when the snapshot storage bill is still
//! growing: the run again, with the same seed and replications (common
//! random numbers), with every build pipeline that deletes nothing keeping
//! its newest [`KEEP`] images (`[pipeline.lifecycle] keep_last`; older
//! images deregistered and their snapshots deleted,
//! docs/sources.md#lifecycle). The report judges its bill.

use super::{Aggregate, ExperimentError};
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
    let kept = super::scope::rerun_with(scn, agg, seed, |p| {
        let l = &mut p.lifecycle;
        let deletes = l.keep_last.is_some() || l.max_age.is_some();
        let ami = p.kind.is_build() && p.container.is_none();
        if !ami || deletes || l.deregistration_protection {
            return false;
        }
        l.keep_last = Some(KEEP);
        true
    })?;
    let Some((pipelines, _, agg)) = kept else {
        return Ok(None);
    };
    Ok(Some(Levelled {
        keep: KEEP,
        pipelines,
        agg,
    }))
}
