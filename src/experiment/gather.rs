//! The buffers [`super::Aggregate::add`] reuses from one replication to the
//! next, and the per-stage and per-Region values it gathers before adding
//! them metric by metric.

use super::pipeline_agg::{FailureKey, PipelineAgg};
use crate::cost::Ledger;
use crate::engine::SimTime;
use crate::pipeline::analysis::{CriticalParts, critical_step};
use crate::pipeline::config::World;
use crate::pipeline::groups::Groups;
use crate::pipeline::model::{Outcome, RecordId, ReplicationResult};

/// Buffers [`Aggregate::add`] reuses from one replication to the next, so
/// that adding one allocates nothing once they are large enough. They carry
/// nothing from one call to the next: any two compare equal, and a clone
/// starts empty.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) ledger: Ledger,
    pub(super) critical: CriticalParts,
    /// The executions of each pipeline, in order.
    pub(super) by_pipeline: Groups<u32>,
    /// Times to all Regions of the pipeline's succeeded runs being added.
    pub(super) ttar: Vec<u64>,
    /// The replication's cost lines, summed as they are priced.
    pub(super) costs: super::cost_sums::CostSums,
    /// Cost of each pipeline's executions in the replication, micro-dollars.
    pub(super) per_pipeline: Vec<u128>,
    /// Per pipeline, the position in its `by_pipeline` group of the next
    /// run [`crate::pipeline::analysis::exposures`] looks at.
    pub(super) exposure_next: Vec<usize>,
    /// Per Region: when the execution being added last finished a stage there.
    pub(super) region_done: Vec<u64>,
    /// Values for the per-stage and per-Region metrics of the pipeline
    /// being added.
    pub(super) pending: Pending,
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

/// Values bound for the per-stage and per-Region metrics of a pipeline's
/// executions in a replication, gathered as they are added and then added
/// metric by metric with
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

    /// Adds every pending value to its metric of `p`, and forgets them.
    pub(super) fn apply(&mut self, p: &mut PipelineAgg) {
        let metrics = (p.stages.iter_mut())
            .flat_map(|s| [&mut s.duration, &mut s.wait])
            .chain(p.time_to_region.values_mut());
        for (m, vs) in metrics.zip(&mut self.values) {
            m.add_many(vs);
            vs.clear();
        }
    }
}

/// Pipeline `pi`'s executions in a replication: each one's failure by its
/// key, or its times (to all Regions, to each, its phases, its critical
/// step); each ended stage record's duration and wait; then the pipeline's
/// p95 of the replication. One pipeline at a time, so that the values
/// gathered are one pipeline's: 1,000 pipelines gathered together held
/// 45 MB.
pub(super) fn add_pipeline(
    world: &World,
    rep: &ReplicationResult,
    (pi, p): (usize, &mut PipelineAgg),
    sc: &mut Scratch,
) {
    sc.pending.reserve(Pending::slots(p) as usize);
    sc.ttar.clear();
    for k in 0..sc.by_pipeline[pi].len() {
        let ei = sc.by_pipeline[pi][k] as usize;
        add_execution(world, rep, (ei, &mut *p), sc);
        add_records(rep, &rep.by_exec[ei], p, &mut sc.pending);
    }
    sc.pending.apply(p);
    let v = &mut sc.ttar;
    if let Some(rank) = super::histogram::nearest_rank_of(0.95, v.len() as u64) {
        v.sort_unstable();
        p.p95_of_reps.add(v[rank as usize - 1]);
    }
}

/// Execution `ei`: its failure by its key, or its times.
fn add_execution(
    world: &World,
    rep: &ReplicationResult,
    (ei, p): (usize, &mut PipelineAgg),
    sc: &mut Scratch,
) {
    let run = &rep.runs[ei];
    p.executions += 1;
    if run.outcome != Outcome::Succeeded {
        p.failed += 1;
        if let Some(r) = run.failed_record {
            let r = &rep.stages[r.index()];
            let key = FailureKey {
                stage: r.stage,
                item: r.item,
                cause: r.cause,
            };
            *p.failures.entry(key).or_default() += 1;
        }
        return;
    }
    let total = run.finished.since(run.triggered).as_millis();
    p.time_to_all_regions.add(total);
    let records = &rep.by_exec[ei];
    add_region_times(
        p,
        rep,
        records,
        run.triggered,
        &mut sc.region_done,
        &mut sc.pending,
    );
    sc.ttar.push(total);
    let img = run.image_available.unwrap_or(run.finished);
    let tested = run.tests_passed.unwrap_or(run.finished);
    p.phases[0].add(img.since(run.triggered).as_millis());
    p.phases[1].add(tested.since(img).as_millis());
    p.phases[2].add(run.finished.since(tested).as_millis());
    if let Some((step, _)) = critical_step(world, rep, ei, &mut sc.critical) {
        *p.critical.entry(step).or_default() += 1;
    }
}

/// Each ended stage record's duration and wait (pending) and its failure.
fn add_records(
    rep: &ReplicationResult,
    records: &[RecordId],
    p: &mut PipelineAgg,
    pending: &mut Pending,
) {
    for &id in records {
        let r = &rep.stages[id.index()];
        if r.outcome == Outcome::Running {
            continue;
        }
        if r.outcome == Outcome::Failed {
            p.stages[r.stage.index()].failed += 1;
        }
        let slot = 2 * r.stage.index() as u32;
        pending.push(slot, r.finished.since(r.started).as_millis());
        pending.push(slot + 1, r.started.since(r.enqueued).as_millis());
    }
}

/// Adds a succeeded execution's time to each of its Regions (the last of its
/// stages there, background ones aside; pending, in the slots after the
/// stages') and to the first of them.
fn add_region_times(
    p: &mut PipelineAgg,
    rep: &ReplicationResult,
    records: &[crate::pipeline::model::RecordId],
    triggered: SimTime,
    done: &mut Vec<u64>,
    pending: &mut Pending,
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
    let base = 2 * p.stages.len() as u32;
    for (k, &r) in p.time_to_region.keys().enumerate() {
        let d = done[r as usize];
        pending.push(base + k as u32, d);
        first = first.min(d);
    }
    if first != u64::MAX {
        p.time_to_first_region.add(first);
    }
}
