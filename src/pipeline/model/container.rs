//! A container image pipeline (docs/sources.md#container-build): the build
//! host is launched and bootstrapped, the components run in the container,
//! the image is pushed to ECR in the build Region, a test host pulls and
//! tests it, and the build host pushes it to each destination Region of
//! the same account; every push to a Region with a replication rule is
//! replicated by ECR to that rule's destinations (docs/sources.md#ecr-replication),
//! tested or not, once (no chaining).
//!
//! A run's `pending` counts the pushes and replications still to end and
//! its `copies_left` the pushes (the build host lives until the last one);
//! the execution succeeds when both are done and its tests passed.

use super::records::{ExecId, RecordId};
use super::{Cause, Event, Model, Outcome, Stage};
use crate::aws::facts::MIB_PER_GIB;
use crate::aws::ids::AccountId;
use crate::engine::{SimDuration, Simulation};
use crate::pipeline::config::RegionId;

impl<'w> Model<'w> {
    /// The build host is up: Docker is installed by SSM before the components.
    pub(super) fn bootstrap(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let d = p
            .latency
            .container_bootstrap
            .sample_duration(&mut self.rng[pi].container);
        self.run(sim, exec, Stage::Bootstrap, 0, p.region, d);
    }

    /// Pipeline `pi`'s container settings (only container pipelines come here).
    fn container_of(&self, pi: usize) -> &'w crate::pipeline::config::Container {
        self.world.pipelines[pi]
            .container
            .as_deref()
            .expect("a container pipeline")
    }

    /// What a push or replication moves into `account`'s repository in
    /// `region`: the whole image the first time, then the changed layers
    /// (content-addressed: layers already there are not sent again).
    fn layers_gib(&mut self, pi: usize, account: AccountId, region: RegionId) -> f64 {
        let c = self.container_of(pi);
        let i = self.world.layout().chain(pi, account, region);
        let had = std::mem::replace(&mut self.stored[i], true);
        if had { c.changed_gib } else { c.image_gib }
    }

    /// Pushes the image from the build host to `region` (item: 0 for the
    /// build Region, else 1 + the destination's index).
    pub(super) fn push(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        region: RegionId,
        item: u16,
    ) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let owner = self.world.pipelines[pi].owner;
        let gib = self.layers_gib(pi, owner, region);
        let rec = self.open(exec, Stage::Push, item, region, sim.now());
        self.out.stages[rec.index()].data_gib = gib;
        self.start_push(sim, rec);
    }

    /// A push asks ECR's PutImage (throttled per account and Region, and
    /// retried as the tool retries), then moves its layers.
    pub(super) fn start_push(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        if !self.api_call(sim, rec, super::faults::Api::PutImage) {
            return;
        }
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let d = self.world.pipelines[pi]
            .latency
            .ecr_push
            .sample(r.data_gib * MIB_PER_GIB, &mut self.rng[pi].container);
        self.begin_failing(sim, rec, d);
    }

    /// Starts `rec` for `d`; it may fail as a copy does (the copy failure
    /// probability, an incident): an assumption, AWS publishes no failure
    /// rate for pushes or replications.
    fn begin_failing(&mut self, sim: &mut Simulation<Event>, rec: RecordId, d: SimDuration) {
        let p = self.world.faults.copy_failure_probability;
        let d = self.plan(rec, d, p, Cause::CopyFailed, sim.now());
        self.begin(sim, rec, d);
    }

    /// The test host pulls the image before the tests.
    pub(super) fn pull(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let c = self.container_of(pi);
        let gib = c.image_gib;
        let d = p
            .latency
            .ecr_pull
            .sample(gib * MIB_PER_GIB, &mut self.rng[pi].container);
        let rec = self.run(sim, exec, Stage::Pull, 0, p.region, d);
        self.out.stages[rec.index()].data_gib = gib;
    }

    /// A push ended: the build Region's makes the image available and
    /// starts its test; each replicates where a rule says.
    pub(super) fn push_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let r = self.out.stages[rec.index()];
        let (exec, now) = (r.exec, sim.now());
        if self.out.runs[exec.index()].outcome != Outcome::Running {
            return; // the execution failed meanwhile
        }
        let pi = self.out.runs[exec.index()].pipeline as usize;
        self.replicate_from(sim, exec, r.region);
        if r.item == 0 {
            let p = &self.world.pipelines[pi];
            let c = self.container_of(pi);
            let pushes = c.destinations.len() as u32;
            let run = &mut self.out.runs[exec.index()];
            run.image_available = Some(now);
            run.copies_left = pushes;
            run.pending += pushes;
            if p.test_phase {
                let region = p.region;
                self.launch(sim, exec, Stage::LaunchTest, region, None);
            } else {
                self.out.runs[exec.index()].tests_passed = Some(now);
                self.container_distribute(sim, exec);
            }
            return;
        }
        let run = &mut self.out.runs[exec.index()];
        run.copies_left -= 1;
        let next = run.copies_left;
        self.branch_ended(sim, exec);
        let c = self.container_of(pi);
        let pushed = c.destinations.len() as u32 - next;
        if !c.parallel_pushes && next > 0 {
            let region = c.destinations[pushed as usize];
            self.push(sim, exec, region, pushed as u16 + 1);
        }
        if next == 0 {
            self.terminate_build_host(sim, exec);
        }
    }

    /// The tests passed: the build host pushes to the destinations (all at
    /// once, or one after another), or is done.
    pub(super) fn container_distribute(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let c = self.container_of(pi);
        let n = if c.parallel_pushes {
            c.destinations.len()
        } else {
            c.destinations.len().min(1)
        };
        if let (true, Some(t)) = (n > 0, self.world.pipelines[pi].distribution_timeout) {
            let round = self.out.runs[exec.index()].distribution_retries;
            sim.schedule_in(t, Event::DistributionTimedOut { exec, round });
        }
        for (k, &region) in c.destinations[..n].iter().enumerate() {
            self.push(sim, exec, region, k as u16 + 1);
        }
        if n == 0 {
            self.terminate_build_host(sim, exec);
        }
        self.maybe_done(sim, exec);
    }

    fn terminate_build_host(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let region = self.pipeline(exec).region;
        self.terminate(sim, exec, Stage::TerminateBuilder, region, None);
    }

    /// ECR replicates the push to `from` to every destination of its rules.
    fn replicate_from(&mut self, sim: &mut Simulation<Event>, exec: ExecId, from: RegionId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        for (k, rep) in self.container_of(pi).replications.iter().enumerate() {
            if rep.from != from {
                continue;
            }
            let gib = self.layers_gib(pi, rep.account, rep.region);
            let d = self.world.pipelines[pi]
                .latency
                .ecr_replication
                .sample_duration(&mut self.rng[pi].container);
            let rec = self.open(exec, Stage::Replicate, k as u16, rep.region, sim.now());
            let r = &mut self.out.stages[rec.index()];
            r.account = rep.account;
            r.data_gib = gib;
            self.out.runs[exec.index()].pending += 1;
            self.begin_failing(sim, rec, d);
        }
    }

    /// A replication ended.
    pub(super) fn replicate_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let exec = self.out.stages[rec.index()].exec;
        if self.out.runs[exec.index()].outcome == Outcome::Running {
            self.branch_ended(sim, exec);
        }
    }

    /// DistributeContainerImage timed out: the pushes still running fail,
    /// the build host is terminated, and the execution fails.
    pub(super) fn container_timed_out(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let now = sim.now();
        let from = self.out.runs[exec.index()].first_record.index();
        let mut first = None;
        for i in from..self.out.stages.len() {
            let r = &mut self.out.stages[i];
            if r.exec == exec && r.stage == Stage::Push && r.outcome == Outcome::Running {
                r.outcome = Outcome::Failed;
                r.cause = Cause::StepTimeout;
                r.finished = now;
                first = first.or(Some(RecordId::from_index(i)));
            }
        }
        if first.is_some() {
            self.finish(sim, exec, Outcome::Failed, first);
        }
    }

    /// A failed container execution's build host, if still up, is terminated.
    pub(super) fn end_build_host(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let from = self.out.runs[exec.index()].first_record.index();
        let own = |s: Stage, ok: bool| {
            self.out.stages[from..]
                .iter()
                .any(|r| r.exec == exec && r.stage == s && (!ok || r.outcome == Outcome::Succeeded))
        };
        if own(Stage::LaunchBuilder, true) && !own(Stage::TerminateBuilder, false) {
            self.terminate_build_host(sim, exec);
        }
    }

    fn branch_ended(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let run = &mut self.out.runs[exec.index()];
        run.pending -= 1;
        self.maybe_done(sim, exec);
    }

    /// Succeeds once the tests passed and every push and replication ended.
    fn maybe_done(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let run = &self.out.runs[exec.index()];
        if run.pending == 0 && run.tests_passed.is_some() && run.outcome == Outcome::Running {
            self.finish(sim, exec, Outcome::Succeeded, None);
        }
    }
}
