//! Replications one after another over one world: [`Replicator`] resets
//! only what the last replication touched and hands the quota logs back.

use super::faults;
use super::lazy::LazyTable;
use super::records::RecordId;
use super::{Event, Instance, Model, QuotaUse, ReplicationResult, TriggerKind};
use crate::aws::quotas::{CopyScope, PerQuota, Quota};
use crate::engine::{Resource, RngStreams, SimDuration, SimTime, Simulation, TokenBucket};
use crate::pipeline::config::{PipelineKind, World};
use typed_index_collections::TiVec;

/// Runs replication `replication` of `world` with master seed `seed`.
pub fn run_replication(world: &World, seed: u64, replication: u64) -> ReplicationResult {
    Replicator::new(world).run(seed, replication)
}

/// The occupancy sums per time bucket and the waits of one quota instance.
pub(super) type QuotaLogs = (crate::engine::BucketSums, Vec<SimDuration>);

/// Runs replications of one world one after another, reusing one
/// replication's state (quota queues, token buckets, event queue) for the
/// next, and the buffers of results handed back with
/// [`Replicator::recycle`]: the same results as [`run_replication`],
/// without its allocations once warmed up.
pub struct Replicator<'w> {
    pub(super) model: Model<'w>,
    sim: Simulation<Event>,
    /// A result handed back, to fill next.
    spare: Option<ReplicationResult>,
}

impl<'w> Replicator<'w> {
    /// A replicator for `world`.
    pub fn new(world: &'w World) -> Self {
        let np = world.pipelines.len();
        let nr = world.regions.len();
        let places = world.layout().places();
        // Quota occupancy is summed in the aggregate's timeline buckets.
        let width = crate::engine::bucket_width_ms(world.horizon.as_millis());
        let buckets = |api: &crate::pipeline::config::BucketSpec, n: usize| {
            LazyTable::new(TokenBucket::new(api.capacity, api.refill_per_s), n)
        };
        let lineages = super::lineages::Lineages::new(world);
        let model = Model {
            world,
            rng: Vec::with_capacity(np),
            stream_names: super::rng::StreamNames::new(world),
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
                let capacity = world.quotas.get(Quota::ALL[i]);
                LazyTable::new(Resource::new(capacity).traced(width), instances(world, i))
            }),
            lineage: TiVec::from(vec![0; lineages.len()]),
            copying: TiVec::from(vec![0; lineages.len()]),
            lineages,
            lineage_waiting: Vec::new(),
            throttled_since: Vec::new(),
            tb_used: if world
                .pipelines
                .iter()
                .any(|p| p.copies.iter().any(|c| c.completion.is_some()))
            {
                TiVec::from(vec![0; world.layout().copy_pairs()])
            } else {
                TiVec::new()
            },
            tb_active: Vec::new(),
            snapshots_held: Vec::new(),
            own_images: Vec::new(),
            next_record: Vec::new(),
            public_live: TiVec::from(vec![0; places]),
            public_set: Vec::new(),
            live: vec![Default::default(); np],
            updates_since_build: vec![false; np],
            consecutive_failures: vec![0; np],
            lineage_set: Vec::new(),
            copying_set: Vec::new(),
            asked: Default::default(),
            asked_flag: PerQuota::from_fn(|i| TiVec::from(vec![false; instances(world, i)])),
            spare_logs: Vec::new(),
            next_number: vec![0; np],
            incidents: vec![Vec::new(); nr],
            copy_tokens: buckets(&world.api.copy_image, places),
            run_tokens: buckets(&world.api.run_instances, places),
            put_tokens: if world.pipelines.iter().any(|p| p.container.is_some()) {
                buckets(&world.api.ecr_put_image, places)
            } else {
                buckets(&world.api.ecr_put_image, 0)
            },
            stored: if world.pipelines.iter().any(|p| p.container.is_some()) {
                TiVec::from(vec![false; world.layout().chains()])
            } else {
                TiVec::new()
            },
            last_event: SimTime::ZERO,
            stale_timers: 0,
        };
        Replicator {
            model,
            sim: Simulation::with_capacity(64),
            spare: None,
        }
    }

    /// Hands back a result this replicator (or another of the same world)
    /// produced, so that the next [`Replicator::run`] fills its buffers.
    pub fn recycle(&mut self, mut result: ReplicationResult) {
        let logs = result.quotas.drain(..).map(|q| (q.timeline, q.waits));
        self.model.spare_logs.extend(logs);
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
            if let PipelineKind::Migration(mg) = &p.kind {
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
        m.collect_quotas();
        let mut out = std::mem::take(&mut m.out);
        // The chains are done with: their buffer holds the grouping.
        out.group_records_in(std::mem::take(&mut m.next_record));
        out
    }
}

impl ReplicationResult {
    /// Groups `stages` by execution again into
    /// [`ReplicationResult::by_exec`], reusing its buffer.
    pub fn group_records(&mut self) {
        let buffer = self.by_exec.take_buffer();
        self.group_records_in(buffer);
    }

    /// Groups `stages` by execution into [`ReplicationResult::by_exec`],
    /// its flat array in `buffer` (whose contents are discarded).
    pub(super) fn group_records_in(&mut self, buffer: Vec<RecordId>) {
        self.by_exec.adopt(buffer);
        let execs = self.stages.iter().map(|r| r.exec.index());
        (self.by_exec).group(self.runs.len(), execs, RecordId::from_index);
    }
}

impl Model<'_> {
    /// Back to the start of a replication with `streams`, filling `spare`'s
    /// buffers if given.
    pub(super) fn reset(&mut self, streams: &RngStreams, spare: Option<ReplicationResult>) {
        let world = self.world;
        let np = world.pipelines.len();
        (self.stream_names).draw(streams, &mut self.rng, &mut self.update_rng);
        self.next_record.clear();
        self.out = match spare {
            Some(mut r) => {
                self.next_record = r.by_exec.take_buffer();
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
                self.asked_flag[q][i] = false;
                self.slots[q][i].reset();
            }
            self.asked[q].clear();
        }
        self.reset_copies_and_images();
        faults::incident_windows(world, streams, &mut self.incidents);
        for b in self
            .copy_tokens
            .made()
            .chain(self.run_tokens.made())
            .chain(self.put_tokens.made())
        {
            b.reset();
        }
    }

    /// The copies' lineages and throughput, the images alive, and the
    /// repositories' layers, as at the start.
    fn reset_copies_and_images(&mut self) {
        for &i in &self.lineage_set {
            self.lineage[i] = 0;
        }
        self.lineage_set.clear();
        for &i in &self.copying_set {
            self.copying[i] = 0;
        }
        self.copying_set.clear();
        self.tb_used.fill(0);
        self.stored.fill(false);
        for &i in &self.public_set {
            self.public_live[i] = 0;
        }
        self.public_set.clear();
        self.tb_active.clear();
        self.snapshots_held.clear();
        self.lineage_waiting.clear();
        self.throttled_since.clear();
        for l in &mut self.live {
            l.clear();
        }
        self.updates_since_build.fill(false);
        self.next_number.fill(0);
    }

    /// Moves the use of every quota instance that served a request into the result.
    pub(super) fn collect_quotas(&mut self) {
        let world = self.world;
        let end = self.out.end;
        let push = |kind, idx: Instance, res: &mut Resource<RecordId>, out: &mut Vec<QuotaUse>| {
            if res.served() == 0 {
                return;
            }
            // Its logs move into the result; it was handed a spare pair
            // when first asked ([`Model::ask_units`]).
            let (mut timeline, mut waits) = QuotaLogs::default();
            res.advance(end);
            res.swap_logs(&mut timeline, &mut waits);
            let (account, region, pipeline) = if per_pipeline(world, kind) {
                let p = &world.pipelines[idx.pipeline()];
                (p.owner, p.region, Some(idx.pipeline() as u32))
            } else {
                let (account, region) = world.layout().place_parts(idx.place());
                (account, region, None)
            };
            out.push(QuotaUse {
                kind,
                account,
                region,
                pipeline,
                capacity: res.capacity(),
                served: res.served(),
                busy_unit_ms: res.busy_integral(end),
                queue_ms: res.queue_integral(end),
                full_ms: res.full_time(end),
                peak_in_use: res.peak_in_use(),
                peak_queue: res.peak_queue(),
                timeline,
                waits,
                zero_waits: res.zero_waits(),
            });
        };
        let mut out = std::mem::take(&mut self.out.quotas);
        // Only the instances asked can have served; in index order, as before.
        for q in Quota::ALL {
            let asked = &mut self.asked[q];
            asked.sort_unstable();
            let resources = &mut self.slots[q];
            for &i in asked.iter() {
                push(q, i, &mut resources[i], &mut out);
            }
        }
        self.out.quotas = out;
    }
}

/// Whether quota `kind` is held one instance per pipeline: Image Builder's
/// copy quota counted per distribution configuration.
pub(super) fn per_pipeline(world: &World, kind: Quota) -> bool {
    kind == Quota::AmiCopiesPerDistribution && world.quotas.copy_scope() == CopyScope::Distribution
}

/// How many instances of quota `Quota::ALL[i]` a world has: one per
/// pipeline, or one per account and Region, or none (not a concurrency
/// quota, or an opt-in one the scenario does not set).
fn instances(world: &World, i: usize) -> usize {
    let q = Quota::ALL[i];
    if !q.is_slots() || !world.quotas.modelled(q) {
        0
    } else if per_pipeline(world, q) {
        world.pipelines.len()
    } else {
        world.layout().places()
    }
}
