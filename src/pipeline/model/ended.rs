//! What follows the end of a component or test, the image's registration
//! and a copy: the steps of [`Model::stage_done`] with more than one line.

use rand::RngExt;

use super::records::{ExecId, RecordId};
use super::{Cause, Event, Model, Outcome, Stage};
use crate::engine::Simulation;
use crate::pipeline::config::Tool;

impl Model<'_> {
    /// A component or test ended: it failed by its own probability, or the
    /// next one starts.
    pub(super) fn step_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId, pi: usize) {
        let r = self.out.stages[rec.index()];
        let exec = r.exec;
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

    /// The image is registered: a migration launches from it or copies it;
    /// a build terminates its builder and tests it (Packer without tests
    /// distributes at once).
    pub(super) fn image_registered(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        pi: usize,
    ) {
        let now = sim.now();
        self.out.runs[exec.index()].image_available = Some(now);
        let p = &self.world.pipelines[pi];
        let region = p.region;
        if !p.kind.is_build() {
            self.out.runs[exec.index()].tests_passed = Some(now);
            if p.copies.is_empty() {
                // A move to another Availability Zone: launch from the image here.
                self.out.runs[exec.index()].pending = 1;
                self.launch(sim, exec, Stage::LaunchMigratedInstance, region, None);
            } else {
                self.distribute(sim, exec);
            }
            return;
        }
        let no_test_phase = !p.test_phase || (p.tool == Tool::Packer && p.tests.is_empty());
        self.terminate(sim, exec, Stage::TerminateBuilder, region, None);
        if no_test_phase {
            // Packer has no test phase unless the scenario adds tests;
            // Image Builder none with imageTestsEnabled = false.
            self.out.runs[exec.index()].tests_passed = Some(now);
            self.distribute(sim, exec);
        } else {
            self.launch(sim, exec, Stage::LaunchTest, region, None);
        }
    }

    /// A copy ended: its lineage is recorded, then the branch goes on in
    /// the destination (a launch there, or done) and the distribution's
    /// share, or Packer's next step, may start.
    pub(super) fn copy_done(&mut self, sim: &mut Simulation<Event>, rec: RecordId, pi: usize) {
        let r = self.out.stages[rec.index()];
        let exec = r.exec;
        let p = &self.world.pipelines[pi];
        let plan = &p.copies[r.item as usize];
        let dist = &p.distributions[plan.distribution as usize];
        let (k, encryption) = (plan.distribution, plan.encryption);
        let shares_after = dist.share.is_some()
            && dist.owner_copy == Some(r.item)
            && !self.done_before(exec, Stage::Share, k);
        let test_launch = dist.test_launch;
        // Recorded first: a copy of the lineage held back behind this one
        // starts in copy_ended, incremental on it. Unless Packer gave
        // up on the build and deregistered what it made.
        let cleaned =
            p.tool == Tool::Packer && self.out.runs[exec.index()].outcome == Outcome::Failed;
        if !cleaned {
            let l = self.lineage_index(rec);
            if self.lineage(l).is_none() {
                self.lineage_set.push(l);
            }
            self.set_lineage(l, Some((encryption, exec)));
        }
        self.copy_ended(sim, rec);
        if !self.in_current_round(rec) {
            // A copy of a distribution that failed and is being retried.
            return;
        }
        let p = &self.world.pipelines[pi];
        if !p.kind.is_build() {
            self.launch(
                sim,
                exec,
                Stage::LaunchMigratedInstance,
                r.region,
                Some(rec),
            );
        } else if test_launch {
            // The team's own smoke test: neither tool launches here.
            self.launch(sim, exec, Stage::LaunchDestinationTest, r.region, Some(rec));
        } else {
            self.branch_done(sim, rec);
        }
        if self.world.pipelines[pi].tool == Tool::Packer {
            self.packer_copy_done(sim, exec);
        } else if shares_after {
            self.start_share(sim, exec, k, r.region);
        }
    }
}
