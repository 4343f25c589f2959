//! Faults: Region incidents, stage failures and retries, the client's
//! waiter, and API throttling with the SDK's retries.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::records::RecordId;
use super::{Cause, Event, Model, Outcome, Stage};
use crate::aws::facts;
use crate::engine::{RngStreams, SimDuration, SimTime, Simulation, StreamRng};
use crate::pipeline::config::{ApiRetry, RegionId, World};

/// Incident windows per Region for one replication: fixed windows as given,
/// random ones as a Poisson process over the horizon.
pub(super) fn incident_windows(
    world: &World,
    streams: &RngStreams,
    out: &mut Vec<Vec<(SimTime, SimTime, f64, f64)>>,
) {
    out.resize_with(world.regions.len(), Vec::new);
    for w in out.iter_mut() {
        w.clear();
    }
    for (i, inc) in world.incidents.iter().enumerate() {
        let mut push = |start: SimTime| {
            out[inc.region.index()].push((
                start,
                start.saturating_add(inc.duration),
                inc.slowdown,
                inc.failure_probability,
            ));
        };
        if let Some(start) = inc.start {
            push(start);
        }
        if let Some(mean) = inc.mean_interval
            && let Ok(exp) = Exp::new(1.0 / mean.as_secs_f64())
        {
            let mut rng = streams.stream(&format!("incident-{i}"));
            let mut t =
                SimTime::ZERO.saturating_add(SimDuration::from_secs_f64(exp.sample(&mut rng)));
            while t < world.horizon {
                push(t);
                t = t.saturating_add(SimDuration::from_secs_f64(exp.sample(&mut rng)));
            }
        }
    }
}

/// Exponential backoff with full jitter: uniform on [0, min(max, base · 2^(k−1))].
pub(super) fn backoff(
    base: SimDuration,
    max: SimDuration,
    k: u32,
    rng: &mut StreamRng,
) -> SimDuration {
    let cap = base
        .as_millis()
        .saturating_mul(1u64 << k.saturating_sub(1).min(32))
        .min(max.as_millis());
    SimDuration(if cap == 0 {
        0
    } else {
        rng.random_range(0..=cap)
    })
}

/// Which API bucket a call draws from.
#[derive(Clone, Copy)]
pub(super) enum Api {
    CopyImage,
    RunInstances,
    /// ECR's PutImage, at the end of a container push.
    PutImage,
}

impl Model<'_> {
    /// The slowdown factor and failure probability of an incident in `region` at `now`.
    pub(super) fn incident(&self, region: RegionId, now: SimTime) -> (f64, f64) {
        self.incidents[region.index()]
            .iter()
            .filter(|w| w.0 <= now && now < w.1)
            .fold((1.0, 0.0), |(s, p), w| (s.max(w.2), p.max(w.3)))
    }

    /// Plans the fate of a stage starting now in `region`: its duration
    /// stretched by any incident, and whether it fails (`base_p`, or the
    /// incident's rate). Returns the duration; a failure is recorded as the
    /// record's cause and acted on when the stage ends.
    pub(super) fn plan(
        &mut self,
        rec: RecordId,
        d: SimDuration,
        base_p: f64,
        cause: Cause,
        now: SimTime,
    ) -> SimDuration {
        let r = self.out.stages[rec.index()];
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let (slowdown, incident_p) = self.incident(r.region, now);
        let rng = &mut self.rng[pi].fault;
        let planned = if incident_p > 0.0 && rng.random_bool(incident_p) {
            Cause::RegionIncident
        } else if base_p > 0.0 && rng.random_bool(base_p) {
            cause
        } else {
            Cause::None
        };
        self.out.stages[rec.index()].cause = planned;
        if slowdown > 1.0 {
            SimDuration::from_secs_f64(d.as_secs_f64() * slowdown)
        } else {
            d
        }
    }

    /// Takes a token for an API call of record `rec`; on `RequestLimitExceeded`
    /// schedules the SDK's retry, or after the last attempt ends the stage
    /// failed at once. Returns true if the call goes through now.
    pub(super) fn api_call(
        &mut self,
        sim: &mut Simulation<Event>,
        rec: RecordId,
        api: Api,
    ) -> bool {
        let world = self.world;
        if !world.api.throttling {
            return true;
        }
        let r = self.out.stages[rec.index()];
        let idx = world.layout().place(r.account, r.region);
        let bucket = match api {
            Api::CopyImage => &mut self.copy_tokens[idx],
            Api::RunInstances => &mut self.run_tokens[idx],
            Api::PutImage => &mut self.put_tokens[idx],
        };
        let now = sim.now();
        if bucket.try_take(now) {
            if r.api_retries > 0 {
                self.throttled_since.retain(|t| t.0 != rec);
            }
            return true;
        }
        let retries = r.api_retries.saturating_add(1);
        self.out.stages[rec.index()].api_retries = retries;
        let pi = self.out.runs[r.exec.index()].pipeline as usize;
        let wait = backoff(
            world.api.backoff_base,
            world.api.backoff_max,
            u32::from(retries),
            &mut self.rng[pi].backoff,
        );
        if r.api_retries == 0 {
            self.throttled_since.push((rec, now));
        }
        if self.retries_left(rec, u32::from(retries), now.saturating_add(wait)) {
            sim.schedule_in(wait, Event::ApiRetry { rec });
        } else {
            self.throttled_since.retain(|t| t.0 != rec);
            self.out.stages[rec.index()].cause = Cause::RequestLimitExceeded;
            self.begin(sim, rec, SimDuration::ZERO);
        }
        false
    }

    /// Whether the client of record `rec` makes another attempt at `next`,
    /// after `made` throttled ones (docs/sources.md#sdk-retry).
    fn retries_left(&self, rec: RecordId, made: u32, next: SimTime) -> bool {
        let r = &self.out.stages[rec.index()];
        let p = self.pipeline(r.exec);
        match p.api_retry {
            ApiRetry::Sdk => made < self.world.api.max_attempts,
            ApiRetry::Attempts(n) => made < n,
            ApiRetry::UntilStepTimeout => {
                let limit = match r.stage {
                    Stage::Copy => p.distribution_timeout.unwrap_or(SimDuration::from_mins(
                        facts::IMAGE_BUILDER_DISTRIBUTE_TIMEOUT_MIN,
                    )),
                    _ => p.step_timeouts.map_or(
                        SimDuration::from_mins(facts::IMAGE_BUILDER_LAUNCH_TIMEOUT_MIN),
                        |t| t.launch_instance,
                    ),
                };
                let since = self
                    .throttled_since
                    .iter()
                    .find(|t| t.0 == rec)
                    .map_or(next, |t| t.1);
                next.since(since) < limit
            }
        }
    }

    /// A throttled call is made again.
    pub(super) fn api_retry(&mut self, sim: &mut Simulation<Event>, rec: RecordId) {
        match self.out.stages[rec.index()].stage {
            Stage::Copy => self.start_copy(sim, rec),
            Stage::Push => self.start_push(sim, rec),
            _ => self.start_launch(sim, rec),
        }
    }

    /// Arms the client's waiter on `rec`, or the step's time-out `step` if
    /// that comes first, when the operation (lasting `d`) outlasts it.
    pub(super) fn arm_waiter(
        &mut self,
        sim: &mut Simulation<Event>,
        rec: RecordId,
        d: SimDuration,
        step: Option<SimDuration>,
    ) {
        let exec = self.out.stages[rec.index()].exec;
        // Packer's own waiters, or the [faults] client's.
        let waiter = match self.pipeline(exec).packer_waits {
            Some(w) if self.out.stages[rec.index()].stage == Stage::StopBuilder => Some(w.other),
            Some(w) => Some(w.ami),
            None => self.world.faults.waiter_timeout,
        };
        match (waiter, step) {
            (w, Some(s)) if d > s && w.is_none_or(|w| s <= w) => {
                sim.schedule_in(s, Event::StepTimedOut { rec });
            }
            (Some(w), _) if d > w => {
                sim.schedule_in(w, Event::WaiterExpired { rec });
            }
            _ => {}
        }
    }

    /// The client gave up waiting on `rec` (CreateImage or a copy), or Image
    /// Builder's step timed out (`cause`): it fails the execution and cleans
    /// up, while AWS finishes the operation later.
    pub(super) fn gave_up(&mut self, sim: &mut Simulation<Event>, rec: RecordId, cause: Cause) {
        let r = self.out.stages[rec.index()];
        if r.outcome != Outcome::Running {
            return;
        }
        self.out.stages[rec.index()].finished = sim.now();
        let exec = r.exec;
        self.fail(sim, rec, cause);
        match r.stage {
            Stage::CreateImage | Stage::StopBuilder => {
                let stage = self.stop_stage_of(exec);
                if stage == Stage::StopBuilder {
                    self.terminate(sim, exec, Stage::TerminateBuilder, r.region, None);
                }
            }
            Stage::Copy => self.copy_branch_over(sim, rec),
            _ => {}
        }
    }

    /// A stage attempt failed with `cause` at its end: retry it, or give up.
    pub(super) fn attempt_failed(
        &mut self,
        sim: &mut Simulation<Event>,
        rec: RecordId,
        cause: Cause,
    ) {
        let r = self.out.stages[rec.index()];
        let exec = r.exec;
        let pi = self.out.runs[exec.index()].pipeline as usize;
        {
            let m = &mut self.out.stages[rec.index()];
            m.outcome = Outcome::Failed;
            m.cause = cause;
        }
        if r.stage == Stage::Copy {
            self.copy_ended(sim, rec);
        }
        let faults = &self.world.faults;
        let retryable = matches!(
            r.stage,
            Stage::Copy
                | Stage::LaunchBuilder
                | Stage::LaunchTest
                | Stage::LaunchDestinationTest
                | Stage::LaunchMigratedInstance
        ) && cause.is_retryable();
        if retryable
            && (r.attempt as u32) < faults.max_attempts
            && self.out.runs[exec.index()].outcome == Outcome::Running
        {
            let wait = backoff(
                faults.retry_backoff,
                faults.retry_backoff_max,
                r.attempt as u32,
                &mut self.rng[pi].backoff,
            );
            sim.schedule_in(wait, Event::RetryStage { rec });
            return;
        }
        match r.stage {
            Stage::Snapshot => {
                let ci = (self.out.runs[exec.index()].create_image).index();
                if self.out.stages[ci].cause == Cause::None {
                    self.out.stages[ci].cause = cause;
                }
                self.snapshot_ended(sim, exec);
            }
            Stage::Copy => {
                self.fail(sim, rec, cause);
                self.copy_branch_over(sim, rec);
            }
            Stage::Share | Stage::LaunchDestinationTest | Stage::LaunchMigratedInstance => {
                self.fail(sim, rec, cause);
                self.branch_done(sim, rec);
            }
            // Image Builder's step timed out on a running instance: it is
            // terminated (a failed launch left none).
            Stage::LaunchBuilder
            | Stage::Component
            | Stage::CollectMetadata
            | Stage::LaunchTest
            | Stage::ScanFindings
                if cause == Cause::StepTimeout =>
            {
                let stage = if matches!(r.stage, Stage::LaunchTest | Stage::ScanFindings) {
                    Stage::TerminateTest
                } else {
                    Stage::TerminateBuilder
                };
                self.terminate(sim, exec, stage, r.region, None);
                self.fail(sim, rec, cause);
            }
            _ => self.fail(sim, rec, cause),
        }
    }

    /// Tries a failed stage again, as a new record.
    pub(super) fn retry(&mut self, sim: &mut Simulation<Event>, failed: RecordId) {
        let r = self.out.stages[failed.index()];
        if self.out.runs[r.exec.index()].outcome != Outcome::Running
            || !self.in_current_round(failed)
        {
            // Another branch failed the execution meanwhile; give this branch up.
            if r.stage == Stage::Copy {
                self.copy_branch_over(sim, failed);
            } else if matches!(
                r.stage,
                Stage::LaunchDestinationTest | Stage::LaunchMigratedInstance
            ) {
                self.branch_done(sim, failed);
            }
            return;
        }
        let rec = self.open(r.exec, r.stage, r.item, r.region, sim.now());
        {
            let n = &mut self.out.stages[rec.index()];
            n.account = r.account;
            n.attempt = r.attempt.saturating_add(1);
        }
        match r.stage {
            Stage::Copy => self.queue_copy(sim, rec),
            _ => self.start_launch(sim, rec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let mut rng = RngStreams::new(1, 0).stream("b");
        let (base, max) = (SimDuration::from_secs(1), SimDuration::from_secs(20));
        for k in 1..8u32 {
            let cap = (1000u64 << (k - 1)).min(20_000);
            for _ in 0..200 {
                assert!(backoff(base, max, k, &mut rng).as_millis() <= cap);
            }
        }
        let big: Vec<u64> = (0..200)
            .map(|_| backoff(base, max, 10, &mut rng).as_millis())
            .collect();
        assert!(
            big.iter().any(|x| *x > 10_000),
            "jitter spreads up to the cap"
        );
    }
}
