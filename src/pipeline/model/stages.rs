//! Build, image and test stages, and how a stage ends.

use super::faults::Api;
use super::records::{ExecId, RecordId};
use super::{Cause, Event, Instance, Model, Outcome, Quota, Stage, StageRecord, TriggerKind};
use crate::aws::facts::MIB_PER_GIB;
use crate::engine::{SimDuration, SimTime, Simulation};
use crate::pipeline::config::{RegionId, Tool};

impl Model<'_> {
    /// Opens a stage record asked for at `enqueued`; it starts when `begin` is called.
    pub(super) fn open(
        &mut self,
        exec: ExecId,
        stage: Stage,
        item: u16,
        region: RegionId,
        enqueued: SimTime,
    ) -> RecordId {
        let rec = RecordId::from_index(self.out.stages.len());
        // Chained to the execution's previous record: its own, in order,
        // without a scan of every execution's.
        self.next_record.push(rec);
        let run = &mut self.out.runs[exec.index()];
        match run.own_last.checked_sub(1) {
            Some(last) => self.next_record[last as usize] = rec,
            None => run.own_first = rec.index() as u32 + 1,
        }
        run.own_last = rec.index() as u32 + 1;
        let account = self.pipeline(exec).owner;
        self.out.stages.push(StageRecord {
            exec,
            stage,
            item,
            region,
            account,
            enqueued,
            started: enqueued,
            finished: enqueued,
            data_gib: 0.0,
            outcome: Outcome::Running,
            cause: Cause::None,
            attempt: 1,
            api_retries: 0,
        });
        rec
    }

    /// Starts record `rec` now and schedules its end after `d`.
    pub(super) fn begin(&mut self, sim: &mut Simulation<Event>, rec: RecordId, d: SimDuration) {
        self.out.stages[rec.index()].started = sim.now();
        sim.schedule_in(d, Event::StageDone { rec });
    }

    /// Opens and starts a stage at once.
    pub(super) fn run(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        stage: Stage,
        item: u16,
        region: RegionId,
        d: SimDuration,
    ) -> RecordId {
        let rec = self.open(exec, stage, item, region, sim.now());
        self.begin(sim, rec, d);
        rec
    }

    /// The concurrent-build quota of the execution's owner and build Region.
    pub(super) fn build_slot(&self, exec: ExecId) -> Instance {
        let p = self.pipeline(exec);
        Instance::of_place(self.world.layout().place(p.owner, p.region))
    }

    pub(super) fn start_launch_builder(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let exec = self.out.stages[rec.index()].exec;
        self.out.runs[exec.index()].holds_build_slot = true;
        self.start_launch(sim, rec);
    }

    /// RunInstances for record `rec` (throttled per account and Region), then
    /// the launch itself, which an incident may slow or a fault may fail.
    pub(super) fn start_launch(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        if !self.api_call(sim, rec, Api::RunInstances) {
            return;
        }
        let exec = self.out.stages[rec.index()].exec;
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let pl = &self.world.pipelines[pi];
        let stage = self.out.stages[rec.index()].stage;
        let launch = match stage {
            Stage::LaunchDestinationTest => &pl.latency.destination_launch,
            _ => &pl.latency.instance_launch,
        };
        let mut d = launch.sample_duration(&mut self.rng[pi].launch);
        let timeouts = pl
            .step_timeouts
            .filter(|_| matches!(stage, Stage::LaunchBuilder | Stage::LaunchTest));
        if timeouts.is_some() {
            // Image Builder's LaunchInstance then waits for the SSM agent and
            // the status checks (docs/sources.md#image-builder-readiness).
            d = d.saturating_add(
                pl.latency
                    .instance_ready
                    .sample_duration(&mut self.rng[pi].ready),
            );
        }
        let p = self.world.faults.launch_failure_probability;
        let d = self.plan(rec, d, p, Cause::LaunchFailed, sim.now());
        let d = match timeouts {
            Some(t) => self.cut_at_timeout(rec, d, t.launch_instance),
            None => d,
        };
        self.begin(sim, rec, d);
    }

    /// An Image Builder step with `left` to go before its time-out: a
    /// duration `d` that outlasts it ends there instead, with cause
    /// `step_timeout` (docs/sources.md#image-builder-steps).
    pub(super) fn cut_at_timeout(
        &mut self,
        rec: RecordId,
        d: SimDuration,
        left: SimDuration,
    ) -> SimDuration {
        if d > left {
            self.out.stages[rec.index()].cause = Cause::StepTimeout;
            left
        } else {
            d
        }
    }

    /// The stop stage of an execution: the builder's, or a migrated instance's.
    pub(super) fn stop_stage_of(&self, exec: ExecId) -> Stage {
        if self.pipeline(exec).kind.is_build() {
            Stage::StopBuilder
        } else {
            Stage::StopInstance
        }
    }

    /// Launches an instance for `stage` in `region`, in the account (and with
    /// the item) of record `like`, or the owner's when `like` is `None`.
    pub(super) fn launch(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        stage: Stage,
        region: RegionId,
        like: Option<RecordId>,
    ) {
        let rec = self.open(exec, stage, 0, region, sim.now());
        self.same_place(rec, like);
        self.start_launch(sim, rec);
    }

    pub(super) fn terminate(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        stage: Stage,
        region: RegionId,
        like: Option<RecordId>,
    ) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let d = self.world.pipelines[pi]
            .latency
            .instance_terminate
            .sample_duration(&mut self.rng[pi].terminate);
        let rec = self.run(sim, exec, stage, 0, region, d);
        self.same_place(rec, like);
    }

    /// Gives record `rec` the account and item of record `like`.
    pub(super) fn same_place(&mut self, rec: RecordId, like: Option<RecordId>) {
        if let Some(l) = like {
            let (account, item) = (
                self.out.stages[l.index()].account,
                self.out.stages[l.index()].item,
            );
            let r = &mut self.out.stages[rec.index()];
            r.account = account;
            r.item = item;
        }
    }

    /// Starts build component `i`, or stops the builder after the last one.
    pub(super) fn next_component(&mut self, sim: &mut Simulation<Event>, exec: ExecId, i: usize) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        match p.components.get(i) {
            Some(step) => {
                let d = step.duration.sample_duration(&mut self.rng[pi].component);
                let rec = self.open(exec, Stage::Component, i as u16, p.region, sim.now());
                let d = match p.step_timeouts {
                    Some(t) => {
                        // ExecuteComponents: one time-out for every component together.
                        if i == 0 {
                            self.out.runs[exec.index()].step_started = sim.now();
                        }
                        let used = sim.now().since(self.out.runs[exec.index()].step_started);
                        let left = t.execute_components.saturating_sub(used);
                        self.cut_at_timeout(rec, d, left)
                    }
                    None => d,
                };
                self.begin(sim, rec, d);
            }
            // A container: the image is pushed to the build Region's repository.
            None if p.container.is_some() => {
                let region = p.region;
                self.push(sim, exec, region, 0);
            }
            None if p.tool == Tool::ImageBuilder => self.after_components(sim, exec),
            None => self.stop_builder(sim, exec),
        }
    }

    /// Stops the builder before the image is taken.
    pub(super) fn stop_builder(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let d = p
            .latency
            .instance_stop
            .sample_duration(&mut self.rng[pi].stop);
        let rec = self.run(sim, exec, Stage::StopBuilder, 0, p.region, d);
        if p.packer_waits.is_some() {
            // Packer waits for the stop too.
            self.arm_waiter(sim, rec, d, None);
        }
    }

    /// Starts test `i`, or ends the test phase after the last one.
    pub(super) fn next_test(&mut self, sim: &mut Simulation<Event>, exec: ExecId, i: usize) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        match p.tests.get(i) {
            Some(step) => {
                let d = step.duration.sample_duration(&mut self.rng[pi].test);
                self.run(sim, exec, Stage::Test, i as u16, p.region, d);
            }
            None => {
                let region = p.region;
                self.terminate(sim, exec, Stage::TerminateTest, region, None);
                self.out.runs[exec.index()].tests_passed = Some(sim.now());
                if self.world.pipelines[pi].container.is_some() {
                    self.container_distribute(sim, exec);
                } else {
                    self.distribute(sim, exec);
                }
            }
        }
    }

    pub(super) fn create_image(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let region = p.region;
        // CreateImage has no event of its own: it ends when its last snapshot does.
        let ci = self.open(exec, Stage::CreateImage, 0, region, sim.now());
        let full = !p.base_owner.is_own();
        let n = p.volumes.len();
        let mut longest = SimDuration::ZERO;
        for j in 0..n {
            let p = &self.world.pipelines[pi];
            let v = &p.volumes[j];
            // source: docs/sources.md#incremental-snapshot: full unless the parent
            // snapshot is the account's own.
            let gib = if full { v.data_gib } else { v.changed_gib };
            let d = p
                .latency
                .snapshot
                .sample(gib * MIB_PER_GIB, &mut self.rng[pi].snapshot);
            let rec = self.open(exec, Stage::Snapshot, j as u16, region, sim.now());
            self.out.stages[rec.index()].data_gib = gib;
            let fail_p = self.world.faults.snapshot_failure_probability;
            let d = self.plan(rec, d, fail_p, Cause::SnapshotFailed, sim.now());
            longest = longest.max(d);
            self.begin(sim, rec, d);
        }
        let run = &mut self.out.runs[exec.index()];
        run.pending = n as u32;
        run.create_image = ci;
        // The client waits for the AMI, i.e. for every snapshot; Image
        // Builder's CreateImage step has its own time-out.
        let step = self.world.pipelines[pi]
            .step_timeouts
            .map(|t| t.create_image);
        self.arm_waiter(sim, ci, longest, step);
    }

    /// One snapshot of the execution's CreateImage ended (well or not).
    pub(super) fn snapshot_ended(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let now = sim.now();
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let run = &mut self.out.runs[exec.index()];
        run.pending -= 1;
        if run.pending > 0 {
            return;
        }
        // source: docs/sources.md#snapshot-time: a multi-volume set completes together.
        let ci = run.create_image;
        let c = self.out.stages[ci.index()];
        if c.outcome != Outcome::Running {
            return; // the client gave up on it already
        }
        self.out.stages[ci.index()].finished = now;
        let region = self.world.pipelines[pi].region;
        if c.cause != Cause::None {
            if self.stop_stage_of(exec) == Stage::StopBuilder {
                self.terminate(sim, exec, Stage::TerminateBuilder, region, None);
            }
            self.fail(sim, ci, c.cause);
            return;
        }
        self.out.stages[ci.index()].outcome = Outcome::Succeeded;
        let d = self.world.pipelines[pi]
            .latency
            .register_image
            .sample_duration(&mut self.rng[pi].register);
        self.run(sim, exec, Stage::RegisterImage, 0, region, d);
    }

    /// Record `rec` failed with `cause`; the execution fails with it unless it already ended.
    pub(super) fn fail(&mut self, sim: &mut Simulation<Event>, rec: RecordId, cause: Cause) {
        let r = &mut self.out.stages[rec.index()];
        r.outcome = Outcome::Failed;
        r.cause = cause;
        let (exec, stage) = (r.exec, r.stage);
        let branch = stage.is_distribution_branch();
        if branch && !self.in_current_round(rec) {
            // A branch of a distribution already failed and being retried.
            return;
        }
        let tests = matches!(stage, Stage::LaunchTest | Stage::ScanFindings | Stage::Test);
        if self.out.runs[exec.index()].outcome == Outcome::Running
            && !(branch && self.retry_distribution(sim, exec))
            && !(tests && self.retry_tests(sim, exec))
        {
            self.finish(sim, exec, Outcome::Failed, Some(rec));
        }
    }

    pub(super) fn finish(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        outcome: Outcome,
        failed: Option<RecordId>,
    ) {
        let now = sim.now();
        let run = &mut self.out.runs[exec.index()];
        debug_assert_eq!(run.outcome, Outcome::Running, "an execution ends once");
        run.finished = now;
        run.outcome = outcome;
        run.failed_record = failed;
        let pi = run.pipeline as usize;
        if outcome == Outcome::Succeeded {
            self.consecutive_failures[pi] = 0;
            self.register_images(sim, exec);
        } else {
            self.execution_failed(sim, exec, pi);
        }
        let run = &mut self.out.runs[exec.index()];
        if run.holds_build_slot {
            run.holds_build_slot = false;
            let slot = self.build_slot(exec);
            if let Some((next, _waited)) = self.slots[Quota::ConcurrentBuilds][slot].release(now) {
                self.start_launch_builder(sim, next);
            }
        }
    }

    pub(super) fn stage_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        let now = sim.now();
        let r = self.out.stages[rec.index()];
        let exec = r.exec;
        let pi = self.out.runs[exec.index()].pipeline as usize;
        if r.outcome == Outcome::Failed {
            // The client gave up on it earlier; AWS has now finished.
            if r.stage == Stage::Copy {
                self.copy_ended(sim, rec);
            }
            return;
        }
        self.out.stages[rec.index()].finished = now;
        if r.cause != Cause::None {
            self.attempt_failed(sim, rec, r.cause);
            return;
        }
        self.out.stages[rec.index()].outcome = Outcome::Succeeded;
        match r.stage {
            Stage::LaunchBuilder if self.world.pipelines[pi].container.is_some() => {
                self.bootstrap(sim, exec)
            }
            Stage::LaunchBuilder | Stage::Bootstrap => self.next_component(sim, exec, 0),
            Stage::Push => self.push_done(sim, rec),
            Stage::Pull => self.next_test(sim, exec, 0),
            Stage::Replicate => self.replicate_done(sim, rec),
            Stage::Component | Stage::Test => self.step_done(sim, rec, pi),
            Stage::Sanitize => self.stop_builder(sim, exec),
            Stage::CollectMetadata => self.sanitize(sim, exec),
            Stage::ScanFindings => self.next_test(sim, exec, 0),
            Stage::StopBuilder | Stage::StopInstance => self.create_image(sim, exec),
            // Never scheduled: closed by its last snapshot.
            Stage::CreateImage => {}
            Stage::Snapshot => self.snapshot_ended(sim, exec),
            Stage::LaunchMigratedInstance => self.branch_done(sim, rec),
            Stage::RegisterImage => self.image_registered(sim, exec, pi),
            Stage::LaunchTest if self.world.pipelines[pi].container.is_some() => {
                self.pull(sim, exec)
            }
            Stage::LaunchTest => self.test_instance_ready(sim, exec),
            Stage::Copy => self.copy_done(sim, rec, pi),
            Stage::Share => {
                self.branch_done(sim, rec);
                if self.world.pipelines[pi].tool == Tool::Packer {
                    self.packer_next_share(sim, exec, r.item + 1);
                }
            }
            Stage::LaunchDestinationTest => {
                self.terminate(
                    sim,
                    exec,
                    Stage::TerminateDestinationTest,
                    r.region,
                    Some(rec),
                );
                self.branch_done(sim, rec);
            }
            Stage::TerminateBuilder | Stage::TerminateTest | Stage::TerminateDestinationTest => {}
        }
    }
    /// A failed execution: what it leaves (Packer's clean-up, Image
    /// Builder's kept images, a container's build host), the public shares
    /// it frees, and the auto-disable count.
    fn execution_failed(&mut self, sim: &mut Simulation<Event>, exec: ExecId, pi: usize) {
        let now = sim.now();
        if self.world.pipelines[pi].tool == Tool::Packer {
            // Packer deregisters the AMIs and deletes the snapshots it
            // made (docs/sources.md#packer-flow): no later copy is
            // incremental on them.
            // An entry of this execution was set this replication, so
            // it is among those the reset clears.
            for k in 0..self.lineage_set.len() {
                let l = self.lineage_set[k];
                if self.lineage(l).is_some_and(|(_, e)| e == exec) {
                    self.set_lineage(l, None);
                }
            }
        }
        if self.world.pipelines[pi].container.is_some() {
            // The build host lives until the pushes end: a failed test or push ends it too.
            self.end_build_host(sim, exec);
        }
        if self.world.pipelines[pi].tool == Tool::ImageBuilder {
            // Image Builder keeps a failed execution's AMI and the copies
            // made so far (RetryImage resumes on them,
            // docs/sources.md#retry-image): billed, under the lifecycle,
            // anchoring the next incremental copies.
            self.register_images(sim, exec);
        }
        self.public_shares_gone(exec);
        // Only failed scheduled executions count; a manual or
        // update-triggered one leaves the count (docs/sources.md#auto-disable).
        let scheduled = matches!(
            self.out.runs[exec.index()].trigger,
            TriggerKind::Cron | TriggerKind::Interval
        );
        self.consecutive_failures[pi] += u32::from(scheduled);
        if let Some(n) = self.world.pipelines[pi]
            .schedule
            .auto_disable_after_failures
            && self.consecutive_failures[pi] >= n
            && self.out.disabled_at[pi].is_none()
        {
            self.out.disabled_at[pi] = Some(now);
        }
    }
}
