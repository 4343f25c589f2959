//! The copy quotas a copy waits for, in order: Image Builder's per
//! distribution, EC2's concurrent copies per destination Region, and (when
//! the scenario models it) EBS's concurrent snapshot copies.

use super::records::RecordId;
use super::{Ask, Event, Instance, Model, Outcome, Quota};
use crate::engine::Simulation;
use crate::pipeline::config::Tool;

impl Model<'_> {
    /// A copy asks for Image Builder's slot (Image Builder pipelines), then
    /// for EC2's slot in its destination.
    pub(super) fn queue_copy(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        if !self.uses_distribution_quota(pi) {
            self.request_region_slot(sim, rec);
            return;
        }
        let idx = self.distribution_quota_index(rec);
        match self.ask(sim.now(), Quota::AmiCopiesPerDistribution, idx, rec) {
            Ask::Now => self.request_region_slot(sim, rec),
            Ask::Queued => {}
            Ask::Refused => self.refuse(sim, rec),
        }
    }

    /// The instance of Image Builder's copy quota a copy counts against: its
    /// pipeline's (one distribution configuration each), or its copier
    /// account's in its destination (`[quotas] ami_copies_scope`).
    pub(super) fn distribution_quota_index(&self, rec: RecordId) -> Instance {
        let r = &self.out.stages[rec.index()];
        if super::replicator::per_pipeline(self.world, Quota::AmiCopiesPerDistribution) {
            Instance::of_pipeline(self.out.runs[r.exec.index()].pipeline as usize)
        } else {
            self.copy_quota_index(rec)
        }
    }

    /// The quota instance of a copy: its copier account's in its destination.
    pub(super) fn copy_quota_index(&self, rec: RecordId) -> Instance {
        let r = &self.out.stages[rec.index()];
        Instance::of_place(self.world.layout().place(r.account, r.region))
    }

    /// Image Builder's copy quota applies to its own distributions only.
    pub(super) fn uses_distribution_quota(&self, pi: usize) -> bool {
        let p = &self.world.pipelines[pi];
        p.kind.is_build() && p.tool == Tool::ImageBuilder
    }

    /// A copy holding its distribution slot asks for a slot in its destination.
    pub(super) fn request_region_slot(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        if self.out.stages[rec.index()].outcome == Outcome::Failed {
            // Its distribution timed out while it queued: it is never asked for.
            self.give_back_distribution_slot(sim, rec);
            return;
        }
        let idx = self.copy_quota_index(rec);
        match self.ask(sim.now(), Quota::AmiCopiesPerRegion, idx, rec) {
            Ask::Now => self.request_snapshot_slots(sim, rec),
            Ask::Queued => {}
            Ask::Refused => {
                self.give_back_distribution_slot(sim, rec);
                self.refuse(sim, rec);
            }
        }
    }

    /// A copy holding its Region's AMI-copy slot asks for one slot of EBS's
    /// snapshot-copy quota per snapshot of its image, when the scenario
    /// models that quota (docs/sources.md#quota-snapshot-copies).
    pub(super) fn request_snapshot_slots(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let q = Quota::SnapshotCopiesPerRegion;
        if !self.world.quotas.modelled(q) {
            self.start_copy(sim, rec);
            return;
        }
        // A multi-volume image larger than the quota takes all of it.
        let volumes = self
            .pipeline(self.out.stages[rec.index()].exec)
            .volumes
            .len();
        let units = (volumes as u32).clamp(1, self.world.quotas.get(q));
        let idx = self.copy_quota_index(rec);
        match self.ask_units(sim.now(), (q, idx), rec, units) {
            Ask::Now => {
                self.snapshots_held.push((rec, units));
                self.start_copy(sim, rec);
            }
            Ask::Queued => {}
            Ask::Refused => {
                let now = sim.now();
                if let Some((next, _)) = self.slots[Quota::AmiCopiesPerRegion][idx].release(now) {
                    self.request_snapshot_slots(sim, next);
                }
                self.give_back_distribution_slot(sim, rec);
                self.refuse(sim, rec);
            }
        }
    }

    /// A copy that ended gives back its snapshot-copy slots, which start
    /// the copies waiting for them that now fit, in order.
    pub(super) fn release_snapshot_slots(
        &mut self,
        sim: &mut Simulation<Event>,
        rec: RecordId,
        idx: Instance,
    ) {
        let Some(i) = self.snapshots_held.iter().position(|h| h.0 == rec) else {
            return;
        };
        let (_, units) = self.snapshots_held.swap_remove(i);
        let q = Quota::SnapshotCopiesPerRegion;
        let now = sim.now();
        self.slots[q][idx].release_units(now, units);
        while let Some((next, _, units)) = self.slots[q][idx].next_granted(now) {
            self.snapshots_held.push((next, units));
            self.start_copy(sim, next);
        }
    }

    /// A copy that holds Image Builder's slot (if its pipeline uses one) and
    /// will not run gives it to the next copy waiting for it.
    pub(super) fn give_back_distribution_slot(
        &mut self,
        sim: &mut Simulation<Event>,
        rec: RecordId,
    ) {
        let pi = self.out.runs[self.out.stages[rec.index()].exec.index()].pipeline as usize;
        let idx = self.distribution_quota_index(rec);
        if self.uses_distribution_quota(pi)
            && let Some((next, _)) =
                self.slots[Quota::AmiCopiesPerDistribution][idx].release(sim.now())
        {
            self.request_region_slot(sim, next);
        }
    }
}
