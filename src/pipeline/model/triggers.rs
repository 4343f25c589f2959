//! What starts executions: cron matches, intervals, releases of the
//! recipe's dependencies, manual runs; and an execution's first step once
//! its schedule delay is over.

use rand_distr::{Distribution, Exp};

use super::records::{ExecId, RecordId};
use super::{Ask, Event, Model, Outcome, Quota, RunRecord, Stage, TriggerKind};
use crate::engine::{SimDuration, Simulation};
use crate::pipeline::config::{Releases, StartCondition, Tool};

impl Model<'_> {
    /// The `idx`-th cron match of `pipeline`: the next is scheduled, and a
    /// build starts after the schedule delay
    /// (docs/sources.md#schedule-delay: up to a minute after the cron time).
    pub(super) fn cron_matched(&mut self, sim: &mut Simulation<Event>, pipeline: u16, idx: u32) {
        let times = &self.world.pipelines[pipeline as usize].schedule.cron_times;
        if let Some(next) = times.get(idx as usize + 1) {
            sim.schedule_at(
                *next,
                Event::CronMatched {
                    pipeline,
                    idx: idx + 1,
                },
            );
        }
        let p = &self.world.pipelines[pipeline as usize];
        let delay = p
            .latency
            .schedule_delay
            .sample_duration(&mut self.rng[pipeline as usize].schedule);
        self.scheduled_match(sim, pipeline, TriggerKind::Cron, delay);
    }

    /// The interval of `pipeline` elapsed: the next is scheduled before the
    /// horizon, and a build starts.
    pub(super) fn interval_elapsed(&mut self, sim: &mut Simulation<Event>, pipeline: u16) {
        let p = &self.world.pipelines[pipeline as usize];
        if let Some(iv) = p.schedule.interval {
            let next = sim.now().saturating_add(iv);
            if next < self.world.horizon {
                sim.schedule_at(next, Event::IntervalElapsed { pipeline });
            }
        }
        self.scheduled_match(sim, pipeline, TriggerKind::Interval, SimDuration::ZERO);
    }

    /// The schedule delay of `exec` is over: an existing image is copied at
    /// once, a migration stops its instance, a build waits for its slot.
    pub(super) fn execution_ready(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let world = self.world;
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &world.pipelines[pi];
        let region = p.region;
        if p.existing_image {
            // Nothing to build: the image is there, its copies start now.
            let run = &mut self.out.runs[exec.index()];
            run.image_available = Some(sim.now());
            run.tests_passed = Some(sim.now());
            self.distribute(sim, exec);
            return;
        }
        if !p.kind.is_build() {
            // Not an Image Builder build: no build slot, the instance already runs.
            let d = p
                .latency
                .instance_stop
                .sample_duration(&mut self.rng[pi].stop);
            self.run(sim, exec, Stage::StopInstance, 0, region, d);
            return;
        }
        // The schedule delay is over: from here the wait is for a build slot.
        let rec = self.open(exec, Stage::LaunchBuilder, 0, region, sim.now());
        if p.tool != Tool::ImageBuilder {
            // Packer or a script: no Image Builder build quota.
            self.start_launch(sim, rec);
            return;
        }
        let slot = self.build_slot(exec);
        match self.ask(sim.now(), Quota::ConcurrentBuilds, slot, rec) {
            Ask::Now => self.start_launch_builder(sim, rec),
            Ask::Queued => {}
            Ask::Refused => self.refuse(sim, rec),
        }
    }

    /// A matching dependency update is released now: recorded, and a build
    /// starts if the pipeline builds on updates.
    pub(super) fn released(&mut self, sim: &mut Simulation<Event>, pipeline: u16) {
        self.out.updates[pipeline as usize] += 1;
        self.out.releases.push((pipeline, sim.now()));
        self.updates_since_build[pipeline as usize] = true;
        if self.world.pipelines[pipeline as usize]
            .schedule
            .build_on_update
        {
            self.trigger(sim, pipeline, TriggerKind::Update, SimDuration::ZERO);
        }
    }

    /// Schedules release `idx` of a pipeline's update `source`: the next
    /// date of its calendar, or an exponential gap from now.
    pub(super) fn schedule_release(
        &mut self,
        sim: &mut Simulation<Event>,
        pipeline: u16,
        source: u16,
        idx: u32,
    ) {
        let p = &self.world.pipelines[pipeline as usize];
        let at = match &p.schedule.updates[source as usize].releases {
            Releases::Calendar(times) => match times.get(idx as usize) {
                Some(t) => *t,
                None => return,
            },
            Releases::Random(mean) => {
                let Ok(exp) = Exp::new(1.0 / mean.as_secs_f64()) else {
                    return;
                };
                let rng =
                    &mut self.update_rng[self.update_base[pipeline as usize] + source as usize];
                sim.now()
                    .saturating_add(SimDuration::from_secs_f64(exp.sample(rng)))
            }
        };
        if at < self.world.horizon {
            sim.schedule_at(
                at,
                Event::Released {
                    pipeline,
                    source,
                    idx,
                },
            );
        }
    }

    pub(super) fn scheduled_match(
        &mut self,
        sim: &mut Simulation<Event>,
        pipeline: u16,
        kind: TriggerKind,
        delay: SimDuration,
    ) {
        let p = &self.world.pipelines[pipeline as usize];
        if p.schedule.start_condition == StartCondition::DependencyUpdates
            && !self.updates_since_build[pipeline as usize]
        {
            self.out.skipped_matches[pipeline as usize] += 1;
            return;
        }
        self.trigger(sim, pipeline, kind, delay);
    }

    pub(super) fn trigger(
        &mut self,
        sim: &mut Simulation<Event>,
        pipeline: u16,
        kind: TriggerKind,
        delay: SimDuration,
    ) {
        if self.out.disabled_at[pipeline as usize].is_some() {
            // Disabled after too many failures: nothing starts it any more.
            return;
        }
        self.updates_since_build[pipeline as usize] = false;
        self.next_number[pipeline as usize] += 1;
        let exec = ExecId::from_index(self.out.runs.len());
        self.out.runs.push(RunRecord {
            pipeline,
            number: self.next_number[pipeline as usize],
            trigger: kind,
            triggered: sim.now(),
            image_available: None,
            tests_passed: None,
            finished: sim.now(),
            outcome: Outcome::Running,
            failed_record: None,
            pending: 0,
            create_image: RecordId::default(),
            holds_build_slot: false,
            distribution_retries: 0,
            test_retries: 0,
            round_first: RecordId::default(),
            retrying: false,
            copies_left: 0,
            first_record: RecordId::from_index(self.out.stages.len()),
            own_first: 0,
            own_last: 0,
            step_started: sim.now(),
        });
        sim.schedule_in(delay, Event::ExecutionReady { exec });
    }
}
