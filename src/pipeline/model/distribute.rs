//! Distribution: copies into accounts and Regions under their quotas, and shares.

use super::faults::Api;
use super::records::{ExecId, RecordId};
use super::{Cause, Event, Model, Outcome, Stage};
use crate::aws::facts::MIB_PER_GIB;
use crate::engine::{Grant, SimDuration, Simulation};
use crate::pipeline::config::RegionId;

impl Model<'_> {
    /// Tests passed: start every copy, and the shares that need no copy.
    pub(super) fn distribute(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let shares = p.distributions.iter().filter(|d| d.share.is_some()).count();
        let branches = p.copies.len() + shares;
        if branches == 0 {
            self.finish(sim, exec, Outcome::Succeeded, None);
            return;
        }
        self.out.runs[exec.index()].pending = branches as u32;
        for k in 0..p.distributions.len() {
            let d = &self.world.pipelines[pi].distributions[k];
            if d.share.is_some() && d.owner_copy.is_none() {
                let region = d.region;
                self.start_share(sim, exec, k as u16, region);
            }
        }
        for c in 0..self.world.pipelines[pi].copies.len() {
            let plan = &self.world.pipelines[pi].copies[c];
            let (region, copier) = (plan.region, plan.copier);
            let rec = self.open(exec, Stage::Copy, c as u16, region, sim.now());
            self.out.stages[rec.index()].account = copier;
            self.queue_copy(sim, rec);
        }
    }

    /// A copy asks for its distribution slot, then for its Region slot.
    pub(super) fn queue_copy(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let exec = self.out.stages[rec.index()].exec;
        let pi = self.out.runs[exec.index()].pipeline as usize;
        if !self.uses_distribution_quota(pi)
            || self.dist_copies[pi].request(sim.now(), rec) == Grant::Now
        {
            self.request_region_slot(sim, rec);
        }
    }

    /// A copy ended in AWS (done, failed, or finished after the client gave
    /// up): its quota slots pass to the next waiters.
    pub(super) fn copy_ended(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let now = sim.now();
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let nr = self.world.regions.len();
        if let Some((next, _)) = self.copies[r.account.index() * nr + r.region.index()].release(now)
        {
            self.start_copy(sim, next);
        }
        if self.uses_distribution_quota(pi)
            && let Some((next, _)) = self.dist_copies[pi].release(now)
        {
            self.request_region_slot(sim, next);
        }
    }

    /// A copy's branch is over without its copy: the copy's launch and the
    /// share that waited for it never happen.
    pub(super) fn copy_branch_over(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let p = &self.world.pipelines[self.out.runs[r.exec.index()].pipeline as usize];
        let dist = &p.distributions[p.copies[r.item as usize].distribution as usize];
        let share_waited = dist.share.is_some() && dist.owner_copy == Some(r.item);
        self.branch_done(sim, r.exec);
        if share_waited {
            self.branch_done(sim, r.exec);
        }
    }

    /// Image Builder distributions share a per-configuration copy quota; migrations don't.
    pub(super) fn uses_distribution_quota(&self, pi: usize) -> bool {
        self.world.pipelines[pi].kind.is_build()
    }

    /// A copy holding its distribution slot asks for a slot in its destination.
    pub(super) fn request_region_slot(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let nr = self.world.regions.len();
        if self.copies[r.account.index() * nr + r.region.index()].request(sim.now(), rec)
            == Grant::Now
        {
            self.start_copy(sim, rec);
        }
    }

    pub(super) fn start_share(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        k: u16,
        region: RegionId,
    ) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let violation = p.distributions[k as usize]
            .share
            .as_ref()
            .and_then(|s| s.violation);
        // A refused call returns at once.
        let d = match violation {
            Some(_) => SimDuration::ZERO,
            None => p.latency.share.sample_duration(&mut self.rng[pi].share),
        };
        let rec = self.run(sim, exec, Stage::Share, k, region, d);
        if let Some(rule) = violation {
            self.out.stages[rec.index()].cause = Cause::Rule(rule);
        }
    }

    pub(super) fn start_copy(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let plan = &p.copies[r.item as usize];
        let model = self.world.copy_model(p, p.region, r.region);
        if let Some(rule) = plan.violation {
            // AWS refuses the call at once, or the copy runs and ends `failed`.
            let d = if rule.refused_at_request() {
                SimDuration::ZERO
            } else {
                model.overhead.sample_duration(&mut self.rng[pi].copy)
            };
            self.out.stages[rec.index()].cause = Cause::Rule(rule);
            self.begin(sim, rec, d);
            return;
        }
        // CopyImage is called in the destination Region, against its bucket
        // (docs/sources.md#throttling).
        if !self.api_call(sim, rec, Api::CopyImage) {
            return;
        }
        let p = &self.world.pipelines[pi];
        let plan = &p.copies[r.item as usize];
        let model = self.world.copy_model(p, p.region, r.region);
        let (na, nr) = (
            self.world.directory.accounts.len(),
            self.world.regions.len(),
        );
        // source: docs/sources.md#incremental-copy: incremental only if a copy of
        // the lineage exists in the destination with the same key; a new lineage (base
        // image of another owner) or encrypting an unencrypted source copies in full.
        let lineage = (pi * na + plan.copier.index()) * nr + r.region.index();
        let incremental = p.base_owner.is_own()
            && !plan.encrypts_unencrypted
            && self.lineage[lineage].is_some_and(|(e, _)| e == plan.encryption);
        let mut longest = SimDuration::ZERO;
        let mut gib = 0.0;
        for v in &p.volumes {
            let size = if incremental {
                v.changed_gib
            } else {
                v.data_gib
            };
            gib += size;
            // Each backing snapshot is copied on its own; the AMI is available when all are.
            longest = longest.max(model.sample(size * MIB_PER_GIB, &mut self.rng[pi].copy));
        }
        self.out.stages[rec.index()].data_gib = gib;
        let fail_p = self.world.faults.copy_failure_probability;
        let d = self.plan(rec, longest, fail_p, Cause::CopyFailed, sim.now());
        self.begin(sim, rec, d);
        self.arm_waiter(sim, rec, d);
    }

    /// One distribution branch (a copy and its test launch, or a share) is over.
    pub(super) fn branch_done(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let run = &mut self.out.runs[exec.index()];
        run.pending -= 1;
        if run.pending == 0 && run.outcome == Outcome::Running {
            self.finish(sim, exec, Outcome::Succeeded, None);
        }
    }
}
