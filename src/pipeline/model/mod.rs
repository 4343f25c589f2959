//! The pipeline as a discrete-event model: one replication of a [`World`].
//!
//! ```text
//! trigger ─► launch builder ─► components… ─► stop ─► create image ─► register
//!   (cron, interval,            (each may fail)        (one snapshot     │
//!    dependency update, manual)                        per volume)       ▼
//!        usable everywhere ◄─ copy ◄─ (tests pass) ◄─ launch test ─► tests…
//!          (◄─ test launch,    (per destination Region and account, copies
//!           only with           queue at the concurrent-copy quotas)
//!           test_launch)
//! ```
//!
//! Each stage occurrence is a [`StageRecord`]; the only event that carries
//! work is [`Event::StageDone`], which points at its record, so events stay
//! small and `Copy`. Builder and test instances are terminated in the
//! background (their terminations are recorded but never delay the image).

mod distribute;
mod faults;
mod lifecycle;
mod records;
mod rng;
mod stages;

pub use records::{
    Cause, ExecId, ImageRecord, Outcome, QuotaUse, RecordId, ReplicationResult, RunRecord, Stage,
    StageRecord, TriggerKind,
};
use rng::PipelineRng;

use rand_distr::{Distribution, Exp};

use super::config::{Kind, Pipeline, RegionId, Releases, StartCondition, Tool, World};
use crate::aws::directory::{AccountId, Encryption};
pub use crate::aws::quotas::Quota;
use crate::aws::quotas::{PerQuota, WhenFull};
use crate::engine::{
    Grant, Resource, RngStreams, SimDuration, SimTime, Simulation, StreamRng, TokenBucket,
};

/// The events of the model: small and `Copy`.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The `idx`-th cron match of a pipeline.
    CronMatched {
        /// Pipeline index.
        pipeline: u16,
        /// Index into its cron times.
        idx: u32,
    },
    /// A fixed-interval tick.
    IntervalElapsed {
        /// Pipeline index.
        pipeline: u16,
    },
    /// An update source of a pipeline released a new version.
    Released {
        /// Pipeline index.
        pipeline: u16,
        /// Index into its update sources.
        source: u16,
        /// For a calendar, the index into its release times.
        idx: u32,
    },
    /// A run planned for a fixed time (a migration).
    RunRequested {
        /// Pipeline index.
        pipeline: u16,
    },
    /// An execution's start delay is over: ask for a build slot.
    ExecutionReady {
        /// Execution index.
        exec: ExecId,
    },
    /// Image Builder's distribution step of an execution reaches its time-out.
    DistributionTimedOut {
        /// Execution index.
        exec: ExecId,
        /// Which distribution of it (0, then 1 for the first RetryImage, …).
        round: u8,
    },
    /// RetryImage: a failed distribution is run again.
    DistributionRetried {
        /// Execution index.
        exec: ExecId,
    },
    /// The client's waiter on a record gives up.
    WaiterExpired {
        /// Record index.
        rec: RecordId,
    },
    /// An Image Builder step reaches its time-out while it still runs.
    StepTimedOut {
        /// Record index.
        rec: RecordId,
    },
    /// A failed stage is tried again (a new record).
    RetryStage {
        /// The failed record.
        rec: RecordId,
    },
    /// The lifecycle disables an execution's images.
    ImageDisabled {
        /// The execution that made them.
        exec: ExecId,
    },
    /// The lifecycle archives an execution's snapshots.
    ImageArchived {
        /// The execution that made them.
        exec: ExecId,
    },
    /// An image reaches the lifecycle's `max_age`.
    ImageExpired {
        /// The execution that made it.
        exec: ExecId,
    },
    /// A throttled API call is made again.
    ApiRetry {
        /// Record index.
        rec: RecordId,
    },
    /// The stage behind a record finished.
    StageDone {
        /// Record index.
        rec: RecordId,
    },
}

/// One replication's state.
struct Model<'w> {
    world: &'w World,
    rng: Vec<PipelineRng>,
    /// One stream per update source, every pipeline's in order from
    /// `update_base[pipeline]`.
    update_rng: Vec<StreamRng>,
    update_base: Vec<usize>,
    out: ReplicationResult,
    /// The instances of each concurrency quota ([`crate::aws::quotas::Behaviour::Slots`]), one per
    /// `account * regions + region` (the copier account and destination
    /// Region for copies); empty for the other quotas.
    slots: PerQuota<Vec<Resource<RecordId>>>,
    /// `(pipeline * accounts + account) * regions + region`: the encryption of
    /// the latest completed copy of the pipeline's lineage there, if any,
    /// packed as [`Model::set_lineage`] writes it: 0 for none, so zeroed as
    /// `copying` below.
    lineage: Vec<u64>,
    /// The same index: the copy of the lineage AWS is carrying out there, as
    /// its record's index + 1, 0 if none (see [`Model::copying`]).
    // Zero for none: the table is allocated zeroed, so only the pages a
    // replication touches are resident (enterprise: 600,000 entries, 4.8 MB
    // per worker written out as `Option<RecordId>`).
    copying: Vec<u32>,
    /// Time-based copy throughput in use per `(account, source, destination)`,
    /// `(account * regions + from) * regions + to`, milli-MiB/s; empty when
    /// no copy is time-based.
    tb_used: Vec<u64>,
    /// Public images alive per `account * regions + region` (the public AMI quota).
    public_live: Vec<u32>,
    /// The time-based copies in progress: record, pair, throughput held.
    tb_active: Vec<(RecordId, usize, u64)>,
    /// The lineage and copying entries set this replication: only they need
    /// clearing (the whole arrays are pipelines × accounts × Regions long).
    lineage_set: Vec<u32>,
    copying_set: Vec<u32>,
    /// Per quota: the instances asked this replication, and whether each one
    /// is in that list. Only they need resetting and collecting (there are
    /// accounts × Regions of each).
    asked: PerQuota<Vec<u32>>,
    asked_flag: PerQuota<Vec<bool>>,
    /// Copies AWS holds back until the lineage's copy in progress ends
    /// (docs/sources.md#incremental-copy), oldest first, with their lineage index.
    lineage_waiting: Vec<(usize, RecordId)>,
    /// Per pipeline, the executions whose images are alive, oldest first, with
    /// the range of their [`ImageRecord`]s.
    live: Vec<std::collections::VecDeque<(ExecId, u32, u32)>>,
    updates_since_build: Vec<bool>,
    /// Per pipeline: failed executions since the last success.
    consecutive_failures: Vec<u32>,
    next_number: Vec<u32>,
    /// Incident windows per Region: `(start, end, slowdown, failure probability)`.
    incidents: Vec<Vec<(SimTime, SimTime, f64, f64)>>,
    /// CopyImage token buckets per `account * regions + region`.
    copy_tokens: Vec<TokenBucket>,
    /// RunInstances token buckets per `account * regions + region`.
    run_tokens: Vec<TokenBucket>,
    /// When the last event that did something fired.
    last_event: SimTime,
    /// Distribution time-outs that fired after their execution had ended.
    stale_timers: u64,
}

/// What a quota answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// A slot now.
    Now,
    /// Waiting in line.
    Queued,
    /// Full, and full means `ResourceLimitExceeded`.
    Refused,
}

/// Runs replication `replication` of `world` with master seed `seed`.
pub fn run_replication(world: &World, seed: u64, replication: u64) -> ReplicationResult {
    Replicator::new(world).run(seed, replication)
}

/// The occupancy changes and waits of one quota instance.
type QuotaLogs = (Vec<(SimTime, u32, u32)>, Vec<SimDuration>);

/// Runs replications of one world one after another, reusing one
/// replication's state (quota queues, token buckets, event queue) for the
/// next, and the buffers of results handed back with
/// [`Replicator::recycle`]: the same results as [`run_replication`],
/// without its allocations once warmed up.
pub struct Replicator<'w> {
    model: Model<'w>,
    sim: Simulation<Event>,
    /// A result handed back, to fill next.
    spare: Option<ReplicationResult>,
    /// Quota logs handed back, to swap into the quota instances.
    logs: Vec<QuotaLogs>,
}

impl<'w> Replicator<'w> {
    /// A replicator for `world`.
    pub fn new(world: &'w World) -> Self {
        let np = world.pipelines.len();
        let nr = world.regions.len();
        let na = world.directory.accounts.len();
        let traced = |capacity: u32, n: usize| -> Vec<Resource<RecordId>> {
            (0..n).map(|_| Resource::new(capacity).traced()).collect()
        };
        let buckets = |api: &crate::pipeline::config::BucketSpec| -> Vec<TokenBucket> {
            (0..na * nr)
                .map(|_| TokenBucket::new(api.capacity, api.refill_per_s))
                .collect()
        };
        let model = Model {
            world,
            rng: Vec::with_capacity(np),
            update_rng: Vec::new(),
            update_base: world
                .pipelines
                .iter()
                .scan(0, |n, p| {
                    let base = *n;
                    *n += p.schedule.updates.len();
                    Some(base)
                })
                .collect(),
            out: ReplicationResult::default(),
            slots: PerQuota::from_fn(|i| {
                let q = Quota::ALL[i];
                let n = if q.is_slots() { na * nr } else { 0 };
                traced(world.quotas.get(q), n)
            }),
            lineage: vec![0; np * na * nr],
            copying: vec![0; np * na * nr],
            lineage_waiting: Vec::new(),
            tb_used: if world
                .pipelines
                .iter()
                .any(|p| p.copies.iter().any(|c| c.completion.is_some()))
            {
                vec![0; na * nr * nr]
            } else {
                Vec::new()
            },
            tb_active: Vec::new(),
            public_live: vec![0; na * nr],
            live: vec![Default::default(); np],
            updates_since_build: vec![false; np],
            consecutive_failures: vec![0; np],
            lineage_set: Vec::new(),
            copying_set: Vec::new(),
            asked: Default::default(),
            asked_flag: PerQuota::from_fn(|i| {
                vec![false; if Quota::ALL[i].is_slots() { na * nr } else { 0 }]
            }),
            next_number: vec![0; np],
            incidents: vec![Vec::new(); nr],
            copy_tokens: buckets(&world.api.copy_image),
            run_tokens: buckets(&world.api.run_instances),
            last_event: SimTime::ZERO,
            stale_timers: 0,
        };
        Replicator {
            model,
            sim: Simulation::with_capacity(64),
            spare: None,
            logs: Vec::new(),
        }
    }

    /// Hands back a result this replicator (or another of the same world)
    /// produced, so that the next [`Replicator::run`] fills its buffers.
    pub fn recycle(&mut self, mut result: ReplicationResult) {
        self.logs
            .extend(result.quotas.drain(..).map(|q| (q.trace, q.waits)));
        self.spare = Some(result);
    }

    /// Runs replication `replication` with master seed `seed`.
    pub fn run(&mut self, seed: u64, replication: u64) -> ReplicationResult {
        let m = &mut self.model;
        let world = m.world;
        let streams = RngStreams::new(seed, replication);
        m.reset(&streams, self.spare.take());
        let sim = &mut self.sim;
        sim.reset();
        for (i, p) in world.pipelines.iter().enumerate() {
            let pipeline = i as u16;
            let s = &p.schedule;
            if s.run_at_start {
                m.trigger(sim, pipeline, TriggerKind::Manual, SimDuration::ZERO);
            }
            if let Kind::Migration(mg) = &p.kind {
                sim.schedule_at(mg.at, Event::RunRequested { pipeline });
            }
            if let Some(t) = s.cron_times.first() {
                sim.schedule_at(*t, Event::CronMatched { pipeline, idx: 0 });
            }
            if let Some(iv) = s.interval
                && SimTime(iv.0) < world.horizon
            {
                sim.schedule_in(iv, Event::IntervalElapsed { pipeline });
            }
            for (source, u) in s.updates.iter().enumerate() {
                // A release that does not match the recipe's filter is no update.
                if u.matches_filter {
                    m.schedule_release(sim, pipeline, source as u16, 0);
                }
            }
        }
        // Triggers stop at the horizon; executions in flight run to their end.
        m.last_event = SimTime::ZERO;
        m.stale_timers = 0;
        sim.run_to_end(|sim, ev| m.handle(sim, ev));
        // A distribution time-out that fires after its execution ended did
        // nothing: it neither counts nor lengthens the replication.
        m.out.events = sim.events_fired() - m.stale_timers;
        m.out.end = m.last_event;
        m.collect_quotas(&mut self.logs);
        std::mem::take(&mut m.out)
    }
}

impl Model<'_> {
    /// The latest completed copy of lineage `l`: its encryption and execution.
    pub(super) fn lineage(&self, l: usize) -> Option<(Encryption, ExecId)> {
        let v = self.lineage[l];
        let exec = (v as u32).checked_sub(1)?;
        let encryption = match v >> 32 {
            0 => Encryption::None,
            1 => Encryption::AwsManaged,
            k => Encryption::Key(crate::aws::directory::KeyId::from_index(k as usize - 2)),
        };
        Some((encryption, ExecId::from_index(exec as usize)))
    }

    /// Sets lineage `l`'s latest completed copy (`None`: none).
    pub(super) fn set_lineage(&mut self, l: usize, copy: Option<(Encryption, ExecId)>) {
        self.lineage[l] = copy.map_or(0, |(encryption, exec)| {
            let code: u64 = match encryption {
                Encryption::None => 0,
                Encryption::AwsManaged => 1,
                Encryption::Key(k) => k.index() as u64 + 2,
            };
            code << 32 | (exec.index() as u64 + 1)
        });
    }

    /// The copy of lineage `l` AWS is carrying out, if any.
    pub(super) fn copying(&self, l: usize) -> Option<RecordId> {
        self.copying[l]
            .checked_sub(1)
            .map(|i| RecordId::from_index(i as usize))
    }

    /// Records `rec` as lineage `l`'s copy in progress (`None`: none).
    pub(super) fn set_copying(&mut self, l: usize, rec: Option<RecordId>) {
        self.copying[l] = rec.map_or(0, |r| r.index() as u32 + 1);
    }
    /// Back to the start of a replication with `streams`, filling `spare`'s
    /// buffers if given.
    fn reset(&mut self, streams: &RngStreams, spare: Option<ReplicationResult>) {
        let world = self.world;
        let np = world.pipelines.len();
        self.rng.clear();
        self.rng.extend(
            world
                .pipelines
                .iter()
                .map(|p| PipelineRng::new(streams, &p.name)),
        );
        self.update_rng.clear();
        self.update_rng.extend(world.pipelines.iter().flat_map(|p| {
            p.schedule
                .updates
                .iter()
                .map(|u| streams.stream_of(&["updates/", &u.stream]))
        }));
        self.out = match spare {
            Some(mut r) => {
                r.runs.clear();
                r.stages.clear();
                r.images.clear();
                r.quotas.clear();
                r.skipped_matches.clear();
                r.disabled_at.clear();
                r.releases.clear();
                r.updates.clear();
                r
            }
            // Room for a small scenario's records (quickstart: ~86 stages,
            // ~15 images, 4 runs) so that growth does not reallocate six times
            // per replication; large worlds grow amortized as usual.
            None => ReplicationResult {
                runs: Vec::with_capacity(8),
                stages: Vec::with_capacity(128),
                images: Vec::with_capacity(32),
                ..Default::default()
            },
        };
        self.out.skipped_matches.resize(np, 0);
        self.out.disabled_at.resize(np, None);
        self.consecutive_failures.fill(0);
        self.out.updates.resize(np, 0);
        self.out.events = 0;
        self.out.end = SimTime::ZERO;
        // Only what the last replication touched differs from the start.
        for q in Quota::ALL {
            for &i in &self.asked[q] {
                let i = i as usize;
                self.asked_flag[q][i] = false;
                self.slots[q][i].reset();
            }
            self.asked[q].clear();
        }
        for &i in &self.lineage_set {
            self.lineage[i as usize] = 0;
        }
        self.lineage_set.clear();
        for &i in &self.copying_set {
            self.copying[i as usize] = 0;
        }
        self.copying_set.clear();
        self.tb_used.fill(0);
        self.public_live.fill(0);
        self.tb_active.clear();
        self.lineage_waiting.clear();
        for l in &mut self.live {
            l.clear();
        }
        self.updates_since_build.fill(false);
        self.next_number.fill(0);
        faults::incident_windows(world, streams, &mut self.incidents);
        for b in self.copy_tokens.iter_mut().chain(&mut self.run_tokens) {
            b.reset();
        }
    }

    /// Moves the use of every quota instance that served a request into the result.
    fn collect_quotas(&mut self, logs: &mut Vec<QuotaLogs>) {
        let nr = self.world.regions.len();
        let end = self.out.end;
        let mut push = |kind, idx: usize, res: &mut Resource<RecordId>, out: &mut Vec<QuotaUse>| {
            if res.served() == 0 {
                return;
            }
            // The instance keeps emptied buffers from an earlier result.
            let (mut trace, mut waits) = logs.pop().unwrap_or_default();
            trace.clear();
            waits.clear();
            res.swap_logs(&mut trace, &mut waits);
            out.push(QuotaUse {
                kind,
                account: AccountId::from_index(idx / nr),
                region: RegionId::from_index(idx % nr),
                capacity: res.capacity(),
                served: res.served(),
                busy_unit_ms: res.busy_integral(end),
                queue_ms: res.queue_integral(end),
                full_ms: res.full_time(end),
                peak_in_use: res.peak_in_use(),
                peak_queue: res.peak_queue(),
                trace,
                waits,
            });
        };
        let mut out = std::mem::take(&mut self.out.quotas);
        // Only the instances asked can have served; in index order, as before.
        for q in Quota::ALL {
            let asked = &mut self.asked[q];
            asked.sort_unstable();
            let resources = &mut self.slots[q];
            for &i in asked.iter() {
                push(q, i as usize, &mut resources[i as usize], &mut out);
            }
        }
        self.out.quotas = out;
    }

    /// Asks quota `q`'s instance `idx` for a slot for record `rec`: granted
    /// now, queued, or refused because it is full and full means fail for
    /// the record's tool (unless `[quotas.when_full]` says otherwise).
    fn ask(&mut self, now: SimTime, q: Quota, idx: usize, rec: RecordId) -> Ask {
        let exec = self.out.stages[rec.index()].exec;
        let tool = self.pipeline(exec).tool;
        let when_full = self.world.quotas.when_full(q).unwrap_or(tool.when_full());
        if !self.asked_flag[q][idx] {
            self.asked_flag[q][idx] = true;
            self.asked[q].push(idx as u32);
        }
        let res = &mut self.slots[q][idx];
        if when_full == WhenFull::Fail && res.in_use() >= res.capacity() {
            return Ask::Refused;
        }
        match res.request(now, rec) {
            Grant::Now => Ask::Now,
            Grant::Queued(_) => Ask::Queued,
        }
    }

    fn pipeline(&self, exec: ExecId) -> &Pipeline {
        &self.world.pipelines[self.out.runs[exec.index()].pipeline as usize]
    }

    fn handle(&mut self, sim: &mut Simulation<Event>, ev: Event) {
        if let Event::DistributionTimedOut { exec, round } = ev
            && (self.out.runs[exec.index()].outcome != Outcome::Running
                || self.out.runs[exec.index()].distribution_retries != round
                || self.out.runs[exec.index()].retrying)
        {
            self.stale_timers += 1;
            return;
        }
        self.last_event = sim.now();
        match ev {
            Event::CronMatched { pipeline, idx } => {
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
                // source: docs/sources.md#schedule-delay: up to a minute after the cron time.
                let p = &self.world.pipelines[pipeline as usize];
                let delay = p
                    .latency
                    .schedule_delay
                    .sample_duration(&mut self.rng[pipeline as usize].schedule);
                self.scheduled_match(sim, pipeline, TriggerKind::Cron, delay);
            }
            Event::IntervalElapsed { pipeline } => {
                let p = &self.world.pipelines[pipeline as usize];
                if let Some(iv) = p.schedule.interval {
                    let next = sim.now().saturating_add(iv);
                    if next < self.world.horizon {
                        sim.schedule_at(next, Event::IntervalElapsed { pipeline });
                    }
                }
                self.scheduled_match(sim, pipeline, TriggerKind::Interval, SimDuration::ZERO);
            }
            Event::Released {
                pipeline,
                source,
                idx,
            } => {
                self.schedule_release(sim, pipeline, source, idx + 1);
                self.released(sim, pipeline);
            }
            Event::RunRequested { pipeline } => {
                self.trigger(sim, pipeline, TriggerKind::Manual, SimDuration::ZERO);
            }
            Event::ExecutionReady { exec } => {
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
            Event::StageDone { rec } => self.stage_done(sim, rec),
            Event::WaiterExpired { rec } => self.gave_up(sim, rec, Cause::WaiterTimeout),
            Event::StepTimedOut { rec } => self.gave_up(sim, rec, Cause::StepTimeout),
            Event::DistributionTimedOut { exec, .. } => self.distribution_timed_out(sim, exec),
            Event::DistributionRetried { exec } => {
                self.out.runs[exec.index()].retrying = false;
                self.distribute(sim, exec);
            }
            Event::RetryStage { rec } => self.retry(sim, rec),
            Event::ApiRetry { rec } => self.api_retry(sim, rec),
            Event::ImageExpired { exec } => self.image_expired(sim, exec),
            Event::ImageDisabled { exec } => self.images_disabled(exec),
            Event::ImageArchived { exec } => self.images_archived(exec),
        }
    }

    /// A matching dependency update is released now: recorded, and a build
    /// starts if the pipeline builds on updates.
    fn released(&mut self, sim: &mut Simulation<Event>, pipeline: u16) {
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
    fn schedule_release(
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

    fn scheduled_match(
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

    fn trigger(
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
            round_first: RecordId::default(),
            retrying: false,
            copies_left: 0,
            first_record: RecordId::from_index(self.out.stages.len()),
            step_started: sim.now(),
        });
        sim.schedule_in(delay, Event::ExecutionReady { exec });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::directory::KeyId;

    #[test]
    fn the_packed_lineage_and_copy_tables_read_back_what_was_set() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let scn = crate::scenario::load(&path, &Default::default()).unwrap();
        let mut m = Replicator::new(&scn.world).model;
        let last = m.lineage.len() - 1;
        assert_eq!((m.lineage(0), m.copying(0)), (None, None), "zeroed is none");
        for (l, enc, e) in [
            (0, Encryption::None, 0),
            (1, Encryption::AwsManaged, 7),
            (
                last,
                Encryption::Key(KeyId::from_index(0)),
                u32::MAX as usize - 1,
            ),
            (2, Encryption::Key(KeyId::from_index(u16::MAX as usize)), 3),
        ] {
            let copy = (enc, ExecId::from_index(e));
            m.set_lineage(l, Some(copy));
            assert_eq!(m.lineage(l), Some(copy));
            let rec = RecordId::from_index(e);
            m.set_copying(l, Some(rec));
            assert_eq!(m.copying(l), Some(rec));
        }
        m.set_lineage(1, None);
        m.set_copying(1, None);
        assert_eq!((m.lineage(1), m.copying(1)), (None, None));
        assert!(m.lineage(2).is_some(), "clearing one leaves the others");
    }
}
