//! Image Builder's DistributeImage time-out and RetryImage: a retry
//! resumes the distribution, redoing only what did not succeed, or runs a
//! failed test phase again (docs/sources.md#retry-image).

use super::records::{ExecId, RecordId};
use super::{Cause, Event, Model, Outcome, Stage};
use crate::engine::Simulation;

impl Model<'_> {
    /// Whether branch `item` of `stage` (a copy, or a distribution's share)
    /// of `exec` succeeded in an earlier round of its distribution: a
    /// retry (RetryImage) does not redo it. A scan, on retries only.
    pub(super) fn done_before(&self, exec: ExecId, stage: Stage, item: u16) -> bool {
        let run = &self.out.runs[exec.index()];
        if run.distribution_retries == 0 {
            return false;
        }
        // Within the execution's own records; the current round's hold no
        // success of this branch yet when it is asked.
        self.own_records(exec).any(|j| {
            let r = &self.out.stages[j];
            r.stage == stage && r.item == item && r.outcome == Outcome::Succeeded
        })
    }

    /// Image Builder's `DistributeImage` step ran out of time: every branch
    /// still running fails with `step_timeout`, and so does the execution.
    /// The copies carry on in AWS and free their quota slots when they end.
    pub(super) fn distribution_timed_out(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let run = self.out.runs[exec.index()];
        if run.outcome != Outcome::Running {
            return;
        }
        if self.pipeline(exec).container.is_some() {
            self.container_timed_out(sim, exec);
            return;
        }
        let now = sim.now();
        let mut first = None;
        for i in run.round_first.index()..self.out.stages.len() {
            let r = &mut self.out.stages[i];
            if r.exec == exec && r.stage.is_distribution_branch() && r.outcome == Outcome::Running {
                r.outcome = Outcome::Failed;
                r.cause = Cause::StepTimeout;
                r.finished = now;
                first = first.or(Some(RecordId::from_index(i)));
            }
        }
        if !self.retry_distribution(sim, exec) {
            self.finish(sim, exec, Outcome::Failed, first);
        }
    }

    /// RetryImage after a failed distribution: if the pipeline retries
    /// distributions and has a retry left, the distribution resumes after
    /// the delay, without a rebuild (what succeeded stays done:
    /// `done_before`). Returns false if it does not.
    pub(super) fn retry_distribution(&mut self, sim: &mut Simulation<Event>, exec: ExecId) -> bool {
        let Some(retry) = self.pipeline(exec).retry.filter(|r| r.distribution) else {
            return false;
        };
        let run = &mut self.out.runs[exec.index()];
        if run.retrying {
            return true;
        }
        if run.distribution_retries + run.test_retries >= retry.attempts {
            return false;
        }
        run.distribution_retries += 1;
        run.retrying = true;
        sim.schedule_in(retry.delay, Event::DistributionRetried { exec });
        true
    }

    /// RetryImage after a failed test phase: the test workflow runs again on
    /// a new test instance after the delay (the failed one is terminated;
    /// tests that passed run again: an assumption, AWS says only that the
    /// retry resumes from the failed phase). Returns false if it does not.
    pub(super) fn retry_tests(&mut self, sim: &mut Simulation<Event>, exec: ExecId) -> bool {
        let Some(retry) = self.pipeline(exec).retry.filter(|r| r.test) else {
            return false;
        };
        let run = &mut self.out.runs[exec.index()];
        if run.distribution_retries + run.test_retries >= retry.attempts {
            return false;
        }
        run.test_retries += 1;
        sim.schedule_in(retry.delay, Event::TestsRetried { exec });
        true
    }

    /// A retried test phase starts: a new test instance from the image.
    pub(super) fn tests_retried(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        if self.out.runs[exec.index()].outcome == Outcome::Running {
            let region = self.pipeline(exec).region;
            self.launch(sim, exec, Stage::LaunchTest, region, None);
        }
    }

    /// True if record `rec` belongs to its execution's current distribution
    /// (or is not a distribution record).
    pub(super) fn in_current_round(&self, rec: RecordId) -> bool {
        let r = &self.out.stages[rec.index()];
        let run = &self.out.runs[r.exec.index()];
        !run.retrying && rec >= run.round_first
    }
}
