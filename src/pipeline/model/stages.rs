//! Build, image and test stages, and how a stage ends.

use rand::RngExt;

use super::{Cause, Event, Model, Outcome, Stage, StageRecord};
use crate::aws::facts::MIB_PER_GIB;
use crate::engine::{SimDuration, SimTime, Simulation};
use crate::pipeline::config::{Kind, RegionId};

impl Model<'_> {
    /// Opens a stage record asked for at `enqueued`; it starts when `begin` is called.
    pub(super) fn open(
        &mut self,
        exec: u32,
        stage: Stage,
        item: u16,
        region: RegionId,
        enqueued: SimTime,
    ) -> u32 {
        let rec = self.out.stages.len() as u32;
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
        });
        rec
    }

    /// Starts record `rec` now and schedules its end after `d`.
    pub(super) fn begin(&mut self, sim: &mut Simulation<Event>, rec: u32, d: SimDuration) {
        self.out.stages[rec as usize].started = sim.now();
        sim.schedule_in(d, Event::StageDone { rec });
    }

    /// Opens and starts a stage at once.
    pub(super) fn run(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: u32,
        stage: Stage,
        item: u16,
        region: RegionId,
        d: SimDuration,
    ) -> u32 {
        let rec = self.open(exec, stage, item, region, sim.now());
        self.begin(sim, rec, d);
        rec
    }

    /// The concurrent-build quota of the execution's owner and build Region.
    pub(super) fn build_slot(&self, exec: u32) -> usize {
        let p = self.pipeline(exec);
        p.owner as usize * self.world.regions.len() + p.region as usize
    }

    pub(super) fn start_launch_builder(&mut self, sim: &mut Simulation<Event>, rec: u32) {
        let exec = self.out.stages[rec as usize].exec;
        self.out.runs[exec as usize].holds_build_slot = true;
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let d = self.world.pipelines[pi]
            .latency
            .instance_launch
            .sample_duration(&mut self.rng[pi].launch);
        self.begin(sim, rec, d);
    }

    /// Launches an instance for `stage` in `region`, in the account (and with
    /// the item) of record `like`, or the owner's when `like` is `None`.
    pub(super) fn launch(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: u32,
        stage: Stage,
        region: RegionId,
        like: Option<u32>,
    ) {
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let d = self.world.pipelines[pi]
            .latency
            .instance_launch
            .sample_duration(&mut self.rng[pi].launch);
        let rec = self.run(sim, exec, stage, 0, region, d);
        self.same_place(rec, like);
    }

    pub(super) fn terminate(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: u32,
        stage: Stage,
        region: RegionId,
        like: Option<u32>,
    ) {
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let d = self.world.pipelines[pi]
            .latency
            .instance_terminate
            .sample_duration(&mut self.rng[pi].terminate);
        let rec = self.run(sim, exec, stage, 0, region, d);
        self.same_place(rec, like);
    }

    /// Gives record `rec` the account and item of record `like`.
    pub(super) fn same_place(&mut self, rec: u32, like: Option<u32>) {
        if let Some(l) = like {
            let (account, item) = (
                self.out.stages[l as usize].account,
                self.out.stages[l as usize].item,
            );
            let r = &mut self.out.stages[rec as usize];
            r.account = account;
            r.item = item;
        }
    }

    /// Starts build component `i`, or stops the builder after the last one.
    pub(super) fn next_component(&mut self, sim: &mut Simulation<Event>, exec: u32, i: usize) {
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let p = &self.world.pipelines[pi];
        match p.components.get(i) {
            Some(step) => {
                let d = step.duration.sample_duration(&mut self.rng[pi].component);
                self.run(sim, exec, Stage::Component, i as u16, p.region, d);
            }
            None => {
                let d = p
                    .latency
                    .instance_stop
                    .sample_duration(&mut self.rng[pi].stop);
                self.run(sim, exec, Stage::StopBuilder, 0, p.region, d);
            }
        }
    }

    /// Starts test `i`, or ends the test phase after the last one.
    pub(super) fn next_test(&mut self, sim: &mut Simulation<Event>, exec: u32, i: usize) {
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let p = &self.world.pipelines[pi];
        match p.tests.get(i) {
            Some(step) => {
                let d = step.duration.sample_duration(&mut self.rng[pi].test);
                self.run(sim, exec, Stage::Test, i as u16, p.region, d);
            }
            None => {
                let region = p.region;
                self.terminate(sim, exec, Stage::TerminateTest, region, None);
                self.out.runs[exec as usize].tests_passed = Some(sim.now());
                self.distribute(sim, exec);
            }
        }
    }

    pub(super) fn create_image(&mut self, sim: &mut Simulation<Event>, exec: u32) {
        let pi = self.out.runs[exec as usize].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let region = p.region;
        // CreateImage has no event of its own: it ends when its last snapshot does.
        let ci = self.open(exec, Stage::CreateImage, 0, region, sim.now());
        let full = !p.base_owner.is_own();
        let n = p.volumes.len();
        for (j, v) in p.volumes.iter().enumerate() {
            // source: aws-facts.md §1.1 "Full vs incremental": full unless the parent
            // snapshot is the account's own.
            let gib = if full { v.data_gib } else { v.changed_gib };
            let d = p
                .latency
                .snapshot
                .sample(gib * MIB_PER_GIB, &mut self.rng[pi].snapshot);
            let rec = self.open(exec, Stage::Snapshot, j as u16, region, sim.now());
            self.out.stages[rec as usize].data_gib = gib;
            self.begin(sim, rec, d);
        }
        let run = &mut self.out.runs[exec as usize];
        run.pending = n as u32;
        run.create_image = ci;
    }

    /// Record `rec` failed with `cause`; the execution fails with it unless it already ended.
    pub(super) fn fail(&mut self, sim: &mut Simulation<Event>, rec: u32, cause: Cause) {
        let r = &mut self.out.stages[rec as usize];
        r.outcome = Outcome::Failed;
        r.cause = cause;
        let exec = r.exec;
        if self.out.runs[exec as usize].outcome == Outcome::Running {
            self.finish(sim, exec, Outcome::Failed, Some(rec));
        }
    }

    pub(super) fn finish(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: u32,
        outcome: Outcome,
        failed: Option<u32>,
    ) {
        let now = sim.now();
        let run = &mut self.out.runs[exec as usize];
        debug_assert_eq!(run.outcome, Outcome::Running, "an execution ends once");
        run.finished = now;
        run.outcome = outcome;
        run.failed_record = failed;
        if run.holds_build_slot {
            run.holds_build_slot = false;
            let slot = self.build_slot(exec);
            if let Some((next, _waited)) = self.builds[slot].release(now) {
                self.start_launch_builder(sim, next);
            }
        }
    }

    pub(super) fn stage_done(&mut self, sim: &mut Simulation<Event>, rec: u32) {
        let now = sim.now();
        let r = self.out.stages[rec as usize];
        let exec = r.exec;
        let pi = self.out.runs[exec as usize].pipeline as usize;
        self.out.stages[rec as usize].finished = now;
        self.out.stages[rec as usize].outcome = Outcome::Succeeded;
        match r.stage {
            Stage::LaunchBuilder => self.next_component(sim, exec, 0),
            Stage::Component | Stage::Test => {
                let p = &self.world.pipelines[pi];
                let step = if r.stage == Stage::Component {
                    &p.components[r.item as usize]
                } else {
                    &p.tests[r.item as usize]
                };
                let failed = step.failure_probability > 0.0
                    && self.rng[pi].failure.random_bool(step.failure_probability);
                let region = p.region;
                if failed {
                    let stage = if r.stage == Stage::Component {
                        Stage::TerminateBuilder
                    } else {
                        Stage::TerminateTest
                    };
                    self.terminate(sim, exec, stage, region, None);
                    self.fail(sim, rec, Cause::StepFailure);
                } else if r.stage == Stage::Component {
                    self.next_component(sim, exec, r.item as usize + 1);
                } else {
                    self.next_test(sim, exec, r.item as usize + 1);
                }
            }
            Stage::StopBuilder | Stage::StopInstance => self.create_image(sim, exec),
            // Never scheduled: closed by its last snapshot.
            Stage::CreateImage => {}
            Stage::Snapshot => {
                let run = &mut self.out.runs[exec as usize];
                run.pending -= 1;
                if run.pending == 0 {
                    // source: aws-facts.md §1.1 "Multi-volume snapshot sets": they complete together.
                    let ci = run.create_image as usize;
                    self.out.stages[ci].finished = now;
                    self.out.stages[ci].outcome = Outcome::Succeeded;
                    let p = &self.world.pipelines[pi];
                    let d = p
                        .latency
                        .register_image
                        .sample_duration(&mut self.rng[pi].register);
                    let region = p.region;
                    self.run(sim, exec, Stage::RegisterImage, 0, region, d);
                }
            }
            Stage::RegisterImage if self.world.pipelines[pi].kind != Kind::Build => {
                self.out.runs[exec as usize].image_available = Some(now);
                self.out.runs[exec as usize].tests_passed = Some(now);
                let region = self.world.pipelines[pi].region;
                if self.world.pipelines[pi].copies.is_empty() {
                    // A move to another Availability Zone: launch from the image here.
                    self.out.runs[exec as usize].pending = 1;
                    self.launch(sim, exec, Stage::LaunchMigratedInstance, region, None);
                } else {
                    self.distribute(sim, exec);
                }
            }
            Stage::LaunchMigratedInstance => self.branch_done(sim, exec),
            Stage::RegisterImage => {
                self.out.runs[exec as usize].image_available = Some(now);
                let region = self.world.pipelines[pi].region;
                self.terminate(sim, exec, Stage::TerminateBuilder, region, None);
                self.launch(sim, exec, Stage::LaunchTest, region, None);
            }
            Stage::LaunchTest => self.next_test(sim, exec, 0),
            Stage::Copy => {
                let (na, nr) = (
                    self.world.directory.accounts.len(),
                    self.world.regions.len(),
                );
                let p = &self.world.pipelines[pi];
                let plan = &p.copies[r.item as usize];
                let dist = &p.distributions[plan.distribution as usize];
                let shares_after = dist.share.is_some() && dist.owner_copy == Some(r.item);
                let (k, violation, encryption) =
                    (plan.distribution, plan.violation, plan.encryption);
                if let Some((next, _)) =
                    self.copies[r.account as usize * nr + r.region as usize].release(now)
                {
                    self.start_copy(sim, next);
                }
                if self.uses_distribution_quota(pi)
                    && let Some((next, _)) = self.dist_copies[pi].release(now)
                {
                    self.request_region_slot(sim, next);
                }
                if let Some(rule) = violation {
                    self.fail(sim, rec, Cause::Rule(rule));
                    self.branch_done(sim, exec);
                    if shares_after {
                        // The share waited for this copy; it never happens.
                        self.branch_done(sim, exec);
                    }
                } else {
                    self.lineage[(pi * na + r.account as usize) * nr + r.region as usize] =
                        Some(encryption);
                    let stage = if self.world.pipelines[pi].kind == Kind::Build {
                        Stage::LaunchDestinationTest
                    } else {
                        Stage::LaunchMigratedInstance
                    };
                    self.launch(sim, exec, stage, r.region, Some(rec));
                    if shares_after {
                        self.start_share(sim, exec, k, r.region);
                    }
                }
            }
            Stage::Share => {
                let p = &self.world.pipelines[pi];
                let violation = p.distributions[r.item as usize]
                    .share
                    .as_ref()
                    .and_then(|s| s.violation);
                if let Some(rule) = violation {
                    self.fail(sim, rec, Cause::Rule(rule));
                }
                self.branch_done(sim, exec);
            }
            Stage::LaunchDestinationTest => {
                self.terminate(
                    sim,
                    exec,
                    Stage::TerminateDestinationTest,
                    r.region,
                    Some(rec),
                );
                self.branch_done(sim, exec);
            }
            Stage::TerminateBuilder | Stage::TerminateTest | Stage::TerminateDestinationTest => {}
        }
    }
}
