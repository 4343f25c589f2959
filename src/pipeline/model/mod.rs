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

mod container;
mod copy_quotas;
mod distribute;
mod ended;
mod faults;
mod lazy;
mod lifecycle;
mod lineages;
mod records;
mod replicator;
mod retry;
mod rng;
mod stages;
mod triggers;
mod workflow;

pub use records::{
    Cause, ExecId, ExecRecords, ImageRecord, Outcome, QuotaUse, RecordId, ReplicationResult,
    RunRecord, Stage, StageRecord, TriggerKind,
};
pub use replicator::{Replicator, run_replication};
use rng::PipelineRng;

use super::config::{Pipeline, World};
use super::places::{Chain, CopyPair, PerPlace, Place};
use crate::aws::directory::Encryption;
use crate::aws::ids::id_type;
pub use crate::aws::quotas::Quota;
use crate::aws::quotas::{PerQuota, WhenFull};
use crate::engine::{Grant, SimDuration, SimTime, Simulation, StreamRng, TokenBucket};
use lineages::Lineage;
use typed_index_collections::TiVec;

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
    /// RetryImage: a failed test phase is run again.
    TestsRetried {
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
    /// The names of `rng`'s and `update_rng`'s streams.
    stream_names: rng::StreamNames,
    /// One stream per update source, every pipeline's in order from
    /// `update_base[pipeline]`.
    update_rng: Vec<StreamRng>,
    update_base: Vec<usize>,
    out: ReplicationResult,
    /// Records whose API call is being retried after throttling, and when
    /// it was first throttled (Image Builder retries until a step time-out).
    throttled_since: Vec<(RecordId, SimTime)>,
    /// The instances of each concurrency quota ([`crate::aws::quotas::Behaviour::Slots`]), one per
    /// place (the copier account and destination Region for copies) or per
    /// pipeline ([`Instance`]); empty for the other quotas.
    slots: PerQuota<lazy::LazyTable<Instance, crate::engine::Resource<RecordId>>>,
    /// The lineages of the world's copy plans, numbered densely.
    lineages: lineages::Lineages,
    /// Per lineage: the encryption of its latest completed copy, if any,
    /// packed as [`Model::set_lineage`] writes it: 0 for none, so zeroed as
    /// `copying` below.
    lineage: TiVec<Lineage, u64>,
    /// Per lineage: the copy AWS is carrying out, as its record's index + 1,
    /// 0 if none (see [`Model::copying`]).
    copying: TiVec<Lineage, u32>,
    /// Time-based copy throughput in use per copy pair, milli-MiB/s; empty
    /// when no copy is time-based.
    tb_used: TiVec<CopyPair, u64>,
    /// Public images alive per place (the public AMI quota).
    public_live: PerPlace<u32>,
    /// The places `public_live` counted in, cleared one by one: clearing
    /// all 600,000 places of 20,000 accounts made their 2.4 MB resident.
    public_set: Vec<Place>,
    /// The time-based copies in progress: record, pair, throughput held.
    tb_active: Vec<(RecordId, CopyPair, u64)>,
    /// Per stage record: the next record of its execution (itself for the
    /// last so far). Its buffer becomes [`ReplicationResult::by_exec`]'s as
    /// the replication ends, and comes back with the recycled result.
    next_record: Vec<RecordId>,
    /// Record indices of one execution picked from its chain, reused: the
    /// records of its images when they are registered
    /// (`Model::scan_own_records`), its public shares when it fails.
    own_images: Vec<u32>,
    /// Copies holding units of the snapshot-copy quota, and how many.
    snapshots_held: Vec<(RecordId, u32)>,
    /// The lineage and copying entries set this replication: only they need
    /// clearing (the whole arrays are pipelines × accounts × Regions long).
    lineage_set: Vec<Lineage>,
    copying_set: Vec<Lineage>,
    /// Per quota: the instances asked this replication, and whether each one
    /// is in that list. Only they need resetting and collecting (there are
    /// accounts × Regions of each).
    asked: PerQuota<Vec<Instance>>,
    asked_flag: PerQuota<TiVec<Instance, bool>>,
    /// Quota logs of results handed back, for the instances asked next.
    spare_logs: Vec<replicator::QuotaLogs>,
    /// Copies AWS holds back until the lineage's copy in progress ends
    /// (docs/sources.md#incremental-copy), oldest first, with their lineage index.
    lineage_waiting: Vec<(Lineage, RecordId)>,
    /// Per pipeline, the executions whose images are alive, oldest first, with
    /// the range of their [`ImageRecord`]s and when the execution recorded
    /// them (the time their lifecycle ages count from).
    live: Vec<std::collections::VecDeque<(ExecId, u32, u32, SimTime)>>,
    updates_since_build: Vec<bool>,
    /// Per pipeline: failed executions since the last success.
    consecutive_failures: Vec<u32>,
    next_number: Vec<u32>,
    /// Incident windows per Region: `(start, end, slowdown, failure probability)`.
    incidents: Vec<Vec<(SimTime, SimTime, f64, f64)>>,
    /// CopyImage token buckets per place.
    copy_tokens: lazy::LazyTable<Place, TokenBucket>,
    /// RunInstances token buckets per place.
    run_tokens: lazy::LazyTable<Place, TokenBucket>,
    /// ECR PutImage token buckets per place.
    put_tokens: lazy::LazyTable<Place, TokenBucket>,
    /// Per chain (a pipeline's repository in an account and Region): the
    /// container image's layers are in it (ECR stores a layer once); empty
    /// without container pipelines.
    stored: TiVec<Chain, bool>,
    /// When the last event that did something fired.
    last_event: SimTime,
    /// Distribution time-outs that fired after their execution had ended.
    stale_timers: u64,
}

id_type!(
    /// One instance of a concurrency quota: a `Place`'s, or a pipeline's
    /// when Image Builder's copy quota is counted per distribution
    /// configuration (`replicator::per_pipeline`).
    Instance,
    u32
);

impl Instance {
    fn of_place(place: Place) -> Self {
        Instance::from_index(place.index())
    }

    fn of_pipeline(pipeline: usize) -> Self {
        Instance::from_index(pipeline)
    }

    /// The place of an instance made by [`Instance::of_place`].
    fn place(self) -> Place {
        Place::from_index(self.index())
    }

    /// The pipeline of an instance made by [`Instance::of_pipeline`].
    fn pipeline(self) -> usize {
        self.index()
    }
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

impl Model<'_> {
    /// The latest completed copy of lineage `l`: its encryption and execution.
    pub(super) fn lineage(&self, l: Lineage) -> Option<(Encryption, ExecId)> {
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
    pub(super) fn set_lineage(&mut self, l: Lineage, copy: Option<(Encryption, ExecId)>) {
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
    pub(super) fn copying(&self, l: Lineage) -> Option<RecordId> {
        self.copying[l]
            .checked_sub(1)
            .map(|i| RecordId::from_index(i as usize))
    }

    /// Records `rec` as lineage `l`'s copy in progress (`None`: none).
    pub(super) fn set_copying(&mut self, l: Lineage, rec: Option<RecordId>) {
        self.copying[l] = rec.map_or(0, |r| r.index() as u32 + 1);
    }
    /// Asks quota `q`'s instance `idx` for a slot for record `rec`: granted
    /// now, queued, or refused because it is full and full means fail for
    /// the record's tool (unless `[quotas.when_full]` says otherwise).
    fn ask(&mut self, now: SimTime, q: Quota, idx: Instance, rec: RecordId) -> Ask {
        self.ask_units(now, (q, idx), rec, 1)
    }

    /// [`Model::ask`] for `units` slots of `q`'s instance `idx` together.
    fn ask_units(
        &mut self,
        now: SimTime,
        (q, idx): (Quota, Instance),
        rec: RecordId,
        units: u32,
    ) -> Ask {
        let exec = self.out.stages[rec.index()].exec;
        let tool = self.pipeline(exec).tool;
        let when_full = self.world.quotas.when_full(q).unwrap_or(tool.when_full());
        let res = &mut self.slots[q][idx];
        if !self.asked_flag[q][idx] {
            self.asked_flag[q][idx] = true;
            self.asked[q].push(idx);
            // Logs of an earlier result, emptied: held by the instances
            // asked only, not kept by every instance ever asked beside the
            // result's (1,000 pipelines: 321 -> 311 MB).
            if let Some((mut timeline, mut waits)) = self.spare_logs.pop() {
                timeline.clear();
                waits.clear();
                res.swap_logs(&mut timeline, &mut waits);
            }
        }
        if when_full == WhenFull::Fail && !res.free_for(units) {
            return Ask::Refused;
        }
        match res.request_units(now, rec, units) {
            Grant::Now => Ask::Now,
            Grant::Queued(_) => Ask::Queued,
        }
    }

    /// The records of execution `exec`, in order (indices into `out.stages`).
    fn own_records(&self, exec: ExecId) -> impl Iterator<Item = usize> + '_ {
        let first = self.out.runs[exec.index()].own_first;
        let first = first
            .checked_sub(1)
            .map(|i| RecordId::from_index(i as usize));
        std::iter::successors(first, |&r| {
            let next = self.next_record[r.index()];
            (next != r).then_some(next)
        })
        .map(RecordId::index)
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
            Event::CronMatched { pipeline, idx } => self.cron_matched(sim, pipeline, idx),
            Event::IntervalElapsed { pipeline } => self.interval_elapsed(sim, pipeline),
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
            Event::ExecutionReady { exec } => self.execution_ready(sim, exec),
            Event::StageDone { rec } => self.stage_done(sim, rec),
            Event::WaiterExpired { rec } => self.gave_up(sim, rec, Cause::WaiterTimeout),
            Event::StepTimedOut { rec } => self.gave_up(sim, rec, Cause::StepTimeout),
            Event::DistributionTimedOut { exec, .. } => self.distribution_timed_out(sim, exec),
            Event::DistributionRetried { exec } => {
                self.out.runs[exec.index()].retrying = false;
                self.distribute(sim, exec);
            }
            Event::TestsRetried { exec } => self.tests_retried(sim, exec),
            Event::RetryStage { rec } => self.retry(sim, rec),
            Event::ApiRetry { rec } => self.api_retry(sim, rec),
            Event::ImageExpired { exec } => self.image_expired(sim, exec),
            Event::ImageDisabled { exec } => self.images_disabled(exec),
            Event::ImageArchived { exec } => self.images_archived(exec),
        }
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
        let l = Lineage::from_index;
        let last = l(m.lineage.len() - 1);
        assert_eq!(
            (m.lineage(l(0)), m.copying(l(0))),
            (None, None),
            "zeroed is none"
        );
        for (lin, enc, e) in [
            (l(0), Encryption::None, 0),
            (l(1), Encryption::AwsManaged, 7),
            (
                last,
                Encryption::Key(KeyId::from_index(0)),
                u32::MAX as usize - 1,
            ),
            (
                l(2),
                Encryption::Key(KeyId::from_index(u16::MAX as usize)),
                3,
            ),
        ] {
            let copy = (enc, ExecId::from_index(e));
            m.set_lineage(lin, Some(copy));
            assert_eq!(m.lineage(lin), Some(copy));
            let rec = RecordId::from_index(e);
            m.set_copying(lin, Some(rec));
            assert_eq!(m.copying(lin), Some(rec));
        }
        m.set_lineage(l(1), None);
        m.set_copying(l(1), None);
        assert_eq!((m.lineage(l(1)), m.copying(l(1))), (None, None));
        assert!(m.lineage(l(2)).is_some(), "clearing one leaves the others");
    }
}
