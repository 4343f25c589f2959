//! What time-based copies would change: the run again, with the same seed
//! and replications (common random numbers), with every best-effort copy
//! of the pipelines that can ask for a completion time (Packer's
//! `snapshot_copy_duration_minutes`, an SDK's
//! `SnapshotCopyCompletionDurationMinutes`; Image Builder cannot; a
//! migration's move is left as it is) made a
//! time-based copy at AWS's shortest completion, 15 minutes
//! (docs/sources.md#time-based-copies): its p95 and its monthly cost.

use super::stats::Metric;
use super::{Aggregate, ExperimentError};
use crate::engine::SimDuration;
use crate::pipeline::config::Tool;
use crate::scenario::Scenario;

/// The shortest completion AWS accepts (15 minutes to 48 hours, in
/// 15-minute steps): the fastest a time-based copy can be asked to be.
pub(crate) const SHORTEST: SimDuration = SimDuration::from_mins(15);

/// The run with time-based copies.
#[derive(Debug, Clone)]
pub(crate) struct TimeBased {
    /// The completion asked for.
    pub completion: SimDuration,
    /// The pipelines whose copies were changed.
    pub pipelines: Vec<String>,
    /// What the headline p95 is about (the fleet or a pipeline's name).
    pub of: String,
    /// Its time to all Regions, for the p95 and its CI.
    pub time_to_all_regions: Metric,
    /// The monthly cost over replications, micro-dollars.
    pub monthly_cost: Metric,
}

/// Runs `scn` again with time-based copies where a pipeline copies best
/// effort and could ask for them; `None` when no pipeline could.
pub(crate) fn for_run(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
) -> Result<Option<TimeBased>, ExperimentError> {
    let asked = super::scope::rerun_with(scn, agg, seed, |p| {
        let can_ask = p.tool != Tool::ImageBuilder && p.kind.is_build() && p.container.is_none();
        if !can_ask || p.copies.is_empty() || p.copies.iter().any(|c| c.completion.is_some()) {
            return false;
        }
        for c in &mut p.copies {
            c.completion = Some(SHORTEST);
        }
        true
    })?;
    let Some((pipelines, s, other)) = asked else {
        return Ok(None);
    };
    let Some((of, time_to_all_regions)) = super::scope::headline_metric(&s, &other) else {
        return Ok(None);
    };
    Ok(Some(TimeBased {
        completion: SHORTEST,
        pipelines,
        of,
        time_to_all_regions,
        monthly_cost: other.monthly_cost,
    }))
}
