//! Distribution: copies into accounts and Regions under their quotas, and shares.

use super::faults::Api;
use super::lineages::Lineage;
use super::records::{ExecId, RecordId};
use super::{Cause, Event, Model, Outcome, Quota, Stage};
use crate::aws::facts::{self, MIB_PER_GIB};
use crate::engine::{SimDuration, Simulation};
use crate::pipeline::config::{RegionId, Tool};
use crate::pipeline::places::CopyPair;

impl Model<'_> {
    /// Tests passed: start every copy, and the shares that need no copy.
    pub(super) fn distribute(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        // A retry resumes: what succeeded in an earlier round stays done
        // (docs/sources.md#retry-image).
        let shares = (0..p.distributions.len())
            .filter(|&k| p.distributions[k].share.is_some())
            .filter(|&k| !self.done_before(exec, Stage::Share, k as u16))
            .count();
        let copies_left = (0..p.copies.len())
            .filter(|&c| !self.done_before(exec, Stage::Copy, c as u16))
            .count();
        let branches = copies_left + shares;
        if branches == 0 {
            self.finish(sim, exec, Outcome::Succeeded, None);
            return;
        }
        let run = &mut self.out.runs[exec.index()];
        run.pending = branches as u32;
        run.round_first = RecordId::from_index(self.out.stages.len());
        let round = run.distribution_retries;
        if let Some(t) = p.distribution_timeout {
            sim.schedule_in(t, Event::DistributionTimedOut { exec, round });
        }
        let packer = p.tool == Tool::Packer;
        let copies = copies_left as u32;
        self.out.runs[exec.index()].copies_left = copies;
        if packer && copies == 0 {
            self.packer_next_share(sim, exec, 0);
        }
        for k in 0..p.distributions.len() {
            let d = &self.world.pipelines[pi].distributions[k];
            // A share waits for its owner's copy, unless that copy is done.
            let ready = d
                .owner_copy
                .is_none_or(|c| self.done_before(exec, Stage::Copy, c));
            if !packer
                && d.share.is_some()
                && ready
                && !self.done_before(exec, Stage::Share, k as u16)
            {
                let region = d.region;
                self.start_share(sim, exec, k as u16, region);
            }
        }
        for c in 0..self.world.pipelines[pi].copies.len() {
            if self.done_before(exec, Stage::Copy, c as u16) {
                continue;
            }
            let plan = &self.world.pipelines[pi].copies[c];
            let (region, copier) = (plan.region, plan.copier);
            let rec = self.open(exec, Stage::Copy, c as u16, region, sim.now());
            self.out.stages[rec.index()].account = copier;
            self.queue_copy(sim, rec);
        }
    }

    /// Packer: one more copy is done. After the last one, its
    /// StepModifyAMIAttributes sets the permissions Region by Region, one
    /// after the other (docs/sources.md#packer-flow).
    pub(super) fn packer_copy_done(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let run = &mut self.out.runs[exec.index()];
        run.copies_left = run.copies_left.saturating_sub(1);
        if run.copies_left == 0 && run.outcome == Outcome::Running {
            self.packer_next_share(sim, exec, 0);
        }
    }

    /// Packer: sets the permissions of the first distribution from `from` on that has any.
    pub(super) fn packer_next_share(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        from: u16,
    ) {
        if self.out.runs[exec.index()].outcome != Outcome::Running {
            return;
        }
        let p = self.pipeline(exec);
        let next = (usize::from(from)..p.distributions.len())
            .find(|&k| p.distributions[k].share.is_some());
        if let Some(k) = next {
            let region = p.distributions[k].region;
            self.start_share(sim, exec, k as u16, region);
        }
    }

    /// A full quota refused record `rec`: it fails now with
    /// `ResourceLimitExceeded`, which the SDKs do not retry. A copy's branch
    /// is over (the caller has given back any slot it held).
    pub(super) fn refuse(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let now = sim.now();
        let r = &mut self.out.stages[rec.index()];
        r.started = now;
        r.finished = now;
        let stage = r.stage;
        self.fail(sim, rec, Cause::ResourceLimitExceeded);
        if stage == Stage::Copy {
            self.copy_branch_over(sim, rec);
        }
    }

    /// A copy ended in AWS (done, failed, or finished after the client gave
    /// up): its quota slots pass to the next waiters.
    pub(super) fn copy_ended(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let now = sim.now();
        // A time-based copy gives back the throughput it held.
        if let Some(i) = self.tb_active.iter().position(|a| a.0 == rec) {
            let (_, pair, granted) = self.tb_active.swap_remove(i);
            self.tb_used[pair] -= granted;
        }
        // The lineage is free: the oldest copy held back behind this one starts.
        let l = self.lineage_index(rec);
        if self.copying(l) == Some(rec) {
            self.set_copying(l, None);
            if let Some(i) = self.lineage_waiting.iter().position(|&(w, _)| w == l) {
                let (_, next) = self.lineage_waiting.remove(i);
                self.copy_accepted(sim, next);
            }
        }
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let idx = self.copy_quota_index(rec);
        self.release_snapshot_slots(sim, rec, idx);
        if let Some((next, _)) = self.slots[Quota::AmiCopiesPerRegion][idx].release(now) {
            self.request_snapshot_slots(sim, next);
        }
        let idx = self.distribution_quota_index(rec);
        if self.uses_distribution_quota(pi)
            && let Some((next, _)) = self.slots[Quota::AmiCopiesPerDistribution][idx].release(now)
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
        let k = p.copies[r.item as usize].distribution;
        let share_waited = dist.share.is_some()
            && dist.owner_copy == Some(r.item)
            && !self.done_before(r.exec, Stage::Share, k);
        self.branch_done(sim, rec);
        if share_waited {
            self.branch_done(sim, rec);
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
        let public = p.distributions[k as usize]
            .share
            .as_ref()
            .is_some_and(|s| s.public);
        // At most 5 public AMIs per account and Region (docs/sources.md#public-amis).
        let idx = self.world.layout().place(p.owner, region);
        let full = violation.is_none()
            && public
            && self.public_live[idx] >= self.world.quotas.get(Quota::PublicAmisPerRegion);
        // A refused call returns at once.
        let d = if violation.is_some() || full {
            SimDuration::ZERO
        } else {
            p.latency.share.sample_duration(&mut self.rng[pi].share)
        };
        let rec = self.run(sim, exec, Stage::Share, k, region, d);
        if let Some(rule) = violation {
            self.out.stages[rec.index()].cause = Cause::Rule(rule);
        } else if full {
            self.out.stages[rec.index()].cause = Cause::ResourceLimitExceeded;
        } else if public {
            if self.public_live[idx] == 0 {
                self.public_set.push(idx);
            }
            self.public_live[idx] += 1;
        }
    }
    /// A failed execution's public shares free their place under the
    /// public AMI quota.
    pub(super) fn public_shares_gone(&mut self, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let public = |r: &super::StageRecord| {
            r.stage == Stage::Share
                && r.cause == Cause::None
                && p.distributions[r.item as usize]
                    .share
                    .as_ref()
                    .is_some_and(|s| s.public)
        };
        let mut shares = std::mem::take(&mut self.own_images);
        shares.clear();
        let own = self
            .own_records(exec)
            .filter(|&j| public(&self.out.stages[j]));
        shares.extend(own.map(|j| j as u32));
        for &j in &shares {
            self.public_image_gone(exec, self.out.stages[j as usize].region);
        }
        self.own_images = shares;
    }

    /// One public image of the pipeline of `exec` in `region` is gone
    /// (deregistered, or never kept): its place under the public quota is free.
    pub(super) fn public_image_gone(&mut self, exec: ExecId, region: RegionId) {
        let p = self.pipeline(exec);
        let idx = self.world.layout().place(p.owner, region);
        self.public_live[idx] = self.public_live[idx].saturating_sub(1);
    }

    pub(super) fn start_copy(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        if r.outcome == Outcome::Failed && r.cause == Cause::StepTimeout {
            // Its distribution timed out while it queued: it is never called.
            self.copy_ended(sim, rec);
            return;
        }
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
        self.copy_accepted(sim, rec);
    }

    /// The index of record `rec`'s lineage: `(pipeline, copier, destination)`.
    pub(super) fn lineage_index(&self, rec: RecordId) -> Lineage {
        let r = &self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        self.lineages.of_copy(pi, r.item as usize)
    }

    /// AWS accepted the copy. Builds from the account's own image share one
    /// snapshot lineage: if a copy of it into the same account and Region is
    /// in progress, this one starts only when that one ends
    /// (docs/sources.md#incremental-copy), and the wait counts as queueing.
    /// Builds from another owner's image start a new lineage each time.
    fn copy_accepted(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let lineage = self.lineage_index(rec);
        if self.world.pipelines[pi].base_owner.is_own() {
            if self.copying(lineage).is_some() {
                self.lineage_waiting.push((lineage, rec));
                return;
            }
            self.copying_set.push(lineage);
            self.set_copying(lineage, Some(rec));
        }
        let p = &self.world.pipelines[pi];
        let plan = &p.copies[r.item as usize];
        let model = self.world.copy_model(p, p.region, r.region);
        // source: docs/sources.md#incremental-copy: incremental only if a copy of
        // the lineage exists in the destination with the same key; a new lineage (base
        // image of another owner) or encrypting an unencrypted source copies in full.
        let incremental = p.base_owner.is_own()
            && !plan.encrypts_unencrypted
            && self
                .lineage(lineage)
                .is_some_and(|(e, _)| e == plan.encryption);
        let size = |v: &crate::pipeline::config::Volume| {
            if incremental {
                v.changed_gib
            } else {
                v.data_gib
            }
        };
        let gib: f64 = p.volumes.iter().map(size).sum();
        self.out.stages[rec.index()].data_gib = gib;
        let longest = match plan.completion {
            Some(t) => {
                let pair = self.world.layout().copy_pair(r.account, p.region, r.region);
                match self.time_based(pair, t, p.volumes.iter().map(size)) {
                    Some((d, granted)) => {
                        self.tb_used[pair] += granted;
                        self.tb_active.push((rec, pair, granted));
                        d
                    }
                    None => {
                        // No throughput left between the two Regions: refused.
                        self.out.stages[rec.index()].cause = Cause::ResourceLimitExceeded;
                        self.begin(sim, rec, SimDuration::ZERO);
                        return;
                    }
                }
            }
            None => {
                let mut longest = SimDuration::ZERO;
                for v in &p.volumes {
                    // Each backing snapshot is copied on its own; the AMI is available when all are.
                    longest =
                        longest.max(model.sample(size(v) * MIB_PER_GIB, &mut self.rng[pi].copy));
                }
                longest
            }
        };
        let fail_p = self.world.faults.copy_failure_probability;
        let d = self.plan(rec, longest, fail_p, Cause::CopyFailed, sim.now());
        self.begin(sim, rec, d);
        self.arm_waiter(sim, rec, d, None);
    }

    /// A time-based copy of snapshots of `sizes` GiB that asks to complete
    /// within `t`, between the Region pair `pair`: how long it takes and the
    /// throughput it holds (milli-MiB/s), or `None` if none is left.
    /// Each snapshot gets the rate that finishes it at `t`, at most 500 MiB/s;
    /// if the pair's quota cannot give them all that, the request still
    /// succeeds and every snapshot slows in proportion (docs/sources.md#time-based-copies).
    /// ASSUMED: a copy given its full rate completes exactly at `t`, the
    /// latest time AWS promises.
    fn time_based(
        &self,
        pair: CopyPair,
        t: SimDuration,
        sizes: impl Iterator<Item = f64> + Clone,
    ) -> Option<(SimDuration, u64)> {
        let t_s = t.as_secs_f64();
        let rate = |gib: f64| (gib * MIB_PER_GIB / t_s).min(facts::TIME_BASED_COPY_SNAPSHOT_MIB_S);
        let need: f64 = sizes.clone().map(rate).sum();
        let cap = u64::from(self.world.quotas.get(Quota::TimeBasedCopyThroughput)) * 1000;
        let left = cap.saturating_sub(self.tb_used[pair]);
        if left == 0 {
            return None;
        }
        let need_m = (need * 1000.0).ceil() as u64;
        let granted = need_m.min(left);
        // The share of what every snapshot needs that the pair can give.
        let scale = if need_m <= left {
            1.0
        } else {
            left as f64 / 1000.0 / need
        };
        let mut longest = SimDuration::ZERO;
        for gib in sizes {
            let r = rate(gib);
            let d = if gib <= 0.0 {
                SimDuration::ZERO
            } else if scale >= 1.0 && r < facts::TIME_BASED_COPY_SNAPSHOT_MIB_S {
                t
            } else {
                SimDuration::from_secs_f64(gib * MIB_PER_GIB / (r * scale))
            };
            longest = longest.max(d);
        }
        Some((longest, granted))
    }

    /// One distribution branch (a copy and its test launch, or a share),
    /// ending with record `rec`, is over; one of an earlier distribution no longer counts.
    pub(super) fn branch_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        if !self.in_current_round(rec) {
            return;
        }
        let exec = self.out.stages[rec.index()].exec;
        let run = &mut self.out.runs[exec.index()];
        run.pending -= 1;
        if run.pending == 0 && run.outcome == Outcome::Running {
            self.finish(sim, exec, Outcome::Succeeded, None);
        }
    }
}
