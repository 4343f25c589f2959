//! The buffers [`super::Aggregate::add`] reuses from one replication to the
//! next, and the per-stage and per-Region values it gathers before adding
//! them metric by metric.

use super::pipeline_agg::PipelineAgg;
use crate::cost::Ledger;
use crate::engine::SimTime;
use crate::pipeline::analysis::{CriticalParts, ExecRecords};
use crate::pipeline::model::ReplicationResult;

/// Buffers [`Aggregate::add`] reuses from one replication to the next, so
/// that adding one allocates nothing once they are large enough. They carry
/// nothing from one call to the next: any two compare equal, and a clone
/// starts empty.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) by_exec: ExecRecords,
    pub(super) ledger: Ledger,
    pub(super) critical: CriticalParts,
    /// Per pipeline: times to all Regions of the replication's succeeded runs.
    pub(super) ttar: Vec<Vec<u64>>,
    /// The replication's cost lines, summed as they are priced.
    pub(super) costs: super::cost_sums::CostSums,
    /// Cost of each pipeline's executions in the replication, micro-dollars.
    pub(super) per_pipeline: Vec<u128>,
    /// The replication's releases and what shipped them.
    pub(super) exposures: Vec<crate::pipeline::analysis::Exposure>,
    /// Per pipeline, the next run [`crate::pipeline::analysis::exposures`] looks at.
    pub(super) first_after: Vec<usize>,
    /// Per Region: when the execution being added last finished a stage there.
    pub(super) region_done: Vec<u64>,
    /// Values for the per-stage and per-Region metrics.
    pub(super) pending: Pending,
    /// The first slot in `pending` of each pipeline's metrics.
    pub(super) base: Vec<u32>,
    /// The replication's total and storage cost of each month.
    pub(super) month_totals: Vec<(u64, u64)>,
}

impl Clone for Scratch {
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Scratch {}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch")
    }
}

/// Values bound for the per-stage and per-Region metrics of a replication,
/// gathered as it is added and then added metric by metric with
/// [`Metric::add_many`]: the enterprise scenario's ~100,000 values a
/// replication land in 3.4 MB of histograms, and added one at a time in
/// arrival order each was a cache miss (13 % of an enterprise profile).
#[derive(Default)]
pub(super) struct Pending {
    /// Per slot (see [`Pending::slots`]), its values; kept allocated.
    values: Vec<Vec<u64>>,
}

impl Pending {
    /// How many slots a pipeline's metrics take: each stage's duration and
    /// wait, then its Regions' times in key order.
    pub(super) fn slots(p: &PipelineAgg) -> u32 {
        (2 * p.stages.len() + p.time_to_region.len()) as u32
    }

    pub(super) fn push(&mut self, slot: u32, v: u64) {
        self.values[slot as usize].push(v);
    }

    /// Makes room for `slots` slots.
    pub(super) fn reserve(&mut self, slots: usize) {
        if self.values.len() < slots {
            self.values.resize_with(slots, Vec::new);
        }
    }

    /// Adds every pending value to its metric, and forgets them.
    pub(super) fn apply(&mut self, pipelines: &mut [PipelineAgg]) {
        let mut slots = self.values.iter_mut();
        for p in pipelines {
            let metrics = (p.stages.iter_mut())
                .flat_map(|s| [&mut s.duration, &mut s.wait])
                .chain(p.time_to_region.values_mut());
            for (m, vs) in metrics.zip(&mut slots) {
                m.add_many(vs);
                vs.clear();
            }
        }
    }
}

/// Adds a succeeded execution's time to each of its Regions (the last of its
/// stages there, background ones aside; pending, in the slots from
/// `base + 2 × stages`) and to the first of them.
pub(super) fn add_region_times(
    p: &mut PipelineAgg,
    rep: &ReplicationResult,
    records: &[crate::pipeline::model::RecordId],
    triggered: SimTime,
    done: &mut Vec<u64>,
    pending: &mut Pending,
    base: u32,
) {
    for &r in p.time_to_region.keys() {
        let r = r as usize;
        if done.len() <= r {
            done.resize(r + 1, 0);
        }
        done[r] = 0;
    }
    for &id in records {
        let s = &rep.stages[id.index()];
        if s.stage.is_background() {
            continue;
        }
        if let Some(d) = done.get_mut(s.region.index()) {
            *d = (*d).max(s.finished.since(triggered).as_millis());
        }
    }
    let mut first = u64::MAX;
    let base = base + 2 * p.stages.len() as u32;
    for (k, &r) in p.time_to_region.keys().enumerate() {
        let d = done[r as usize];
        pending.push(base + k as u32, d);
        first = first.min(d);
    }
    if first != u64::MAX {
        p.time_to_first_region.add(first);
    }
}
