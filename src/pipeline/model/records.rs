//! What one replication records: its executions, stage records, images and
//! quota use, with the names the output files print.

use crate::aws::directory::{AccountId, Encryption};
use crate::aws::ids::id_type;
use crate::aws::quotas::Quota;
use crate::aws::rules::Rule;
use crate::engine::{OptTime, SimDuration, SimTime};

id_type!(
    /// An execution of a replication: indexes `ReplicationResult::runs`.
    ExecId,
    u32
);
id_type!(
    /// A stage record of a replication: indexes `ReplicationResult::stages`.
    RecordId,
    u32
);
use crate::pipeline::config::RegionId;

/// A stage of an execution.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Stage {
    /// Launch the builder instance (waits for a concurrent-build slot).
    LaunchBuilder,
    /// Run one build component (item = component index).
    Component,
    /// Image Builder's Linux sanitize or Windows Sysprep, after the components.
    Sanitize,
    /// Stop the builder for data integrity.
    StopBuilder,
    /// CreateImage: from the request until every snapshot completes.
    CreateImage,
    /// One EBS snapshot (item = volume index).
    Snapshot,
    /// Register the AMI: snapshots complete → `available`.
    RegisterImage,
    /// Terminate the builder (background).
    TerminateBuilder,
    /// Launch a test instance from the new AMI.
    LaunchTest,
    /// Run one test component (item = test index).
    Test,
    /// Terminate the test instance (background).
    TerminateTest,
    /// Copy the AMI to a destination Region (waits for a copy slot there).
    Copy,
    /// Launch and snapshot permissions on the image in one Region.
    Share,
    /// Launch a test instance in the destination Region.
    LaunchDestinationTest,
    /// Terminate that instance (background).
    TerminateDestinationTest,
    /// Migration: stop the running instance.
    StopInstance,
    /// Migration: launch the moved instance from the image.
    LaunchMigratedInstance,
    /// Container: BootstrapInstanceForContainer on the build host.
    Bootstrap,
    /// Container: a push of the image's layers to ECR in one Region (the
    /// build Region's after the build, then each destination's).
    Push,
    /// Container: the test host pulls the image.
    Pull,
    /// Container: ECR replicates a push to another Region or account
    /// (item = replication index).
    Replicate,
    /// Image Builder's CollectImageMetadata after the build components
    /// (enhanced image metadata: SSM Inventory on the build instance).
    CollectMetadata,
    /// Image Builder's CollectImageScanFindings on the test instance
    /// (image scanning with Amazon Inspector).
    ScanFindings,
}

impl Stage {
    /// A branch of an image pipeline's distribution: a copy, a share, or a
    /// launch from a copy.
    pub fn is_distribution_branch(self) -> bool {
        matches!(
            self,
            Stage::Copy | Stage::Share | Stage::LaunchDestinationTest
        )
    }

    /// Every stage, in pipeline order (the order of summary rows).
    pub const ALL: [Stage; 23] = [
        Stage::StopInstance,
        Stage::LaunchBuilder,
        Stage::Component,
        Stage::CollectMetadata,
        Stage::Sanitize,
        Stage::StopBuilder,
        Stage::CreateImage,
        Stage::Snapshot,
        Stage::RegisterImage,
        Stage::TerminateBuilder,
        Stage::LaunchTest,
        Stage::ScanFindings,
        Stage::Test,
        Stage::TerminateTest,
        Stage::Copy,
        Stage::Share,
        Stage::LaunchDestinationTest,
        Stage::TerminateDestinationTest,
        Stage::LaunchMigratedInstance,
        Stage::Bootstrap,
        Stage::Push,
        Stage::Pull,
        Stage::Replicate,
    ];

    /// Position in [`Stage::ALL`] of each stage, by discriminant.
    const INDEX: [u8; 23] = {
        let mut t = [0u8; 23];
        let mut i = 0;
        while i < Stage::ALL.len() {
            t[Stage::ALL[i] as usize] = i as u8;
            i += 1;
        }
        t
    };

    /// Its position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        Stage::INDEX[self as usize] as usize
    }

    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Stage::LaunchBuilder => "launch_builder",
            Stage::Component => "component",
            Stage::Sanitize => "sanitize",
            Stage::StopBuilder => "stop_builder",
            Stage::CreateImage => "create_image",
            Stage::Snapshot => "snapshot",
            Stage::RegisterImage => "register_image",
            Stage::TerminateBuilder => "terminate_builder",
            Stage::LaunchTest => "launch_test",
            Stage::Test => "test",
            Stage::TerminateTest => "terminate_test",
            Stage::Copy => "copy",
            Stage::Share => "share",
            Stage::LaunchDestinationTest => "launch_destination_test",
            Stage::TerminateDestinationTest => "terminate_destination_test",
            Stage::StopInstance => "stop_instance",
            Stage::LaunchMigratedInstance => "launch_migrated_instance",
            Stage::Bootstrap => "bootstrap",
            Stage::Push => "push",
            Stage::Pull => "pull",
            Stage::Replicate => "replicate",
            Stage::CollectMetadata => "collect_metadata",
            Stage::ScanFindings => "scan_findings",
        }
    }

    /// True for stages that run beside the pipeline and never delay the image.
    pub fn is_background(self) -> bool {
        matches!(
            self,
            Stage::TerminateBuilder | Stage::TerminateTest | Stage::TerminateDestinationTest
        )
    }
}

/// How a stage or an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still running (only seen mid-run).
    Running,
    /// Done.
    Succeeded,
    /// Failed; the execution stops.
    Failed,
}

impl Outcome {
    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
        }
    }
}

/// Why a stage failed. Written to files (and aggregate.json) by its
/// [`Cause::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// It did not fail.
    None,
    /// A component or test failed (its `failure_probability`).
    StepFailure,
    /// AWS refused or failed the call by this rule (`model_misconfigurations`).
    Rule(Rule),
    /// The instance failed to launch (`faults.launch_failure_probability`).
    LaunchFailed,
    /// A snapshot failed (`faults.snapshot_failure_probability`).
    SnapshotFailed,
    /// The copy ended `failed` (`faults.copy_failure_probability`).
    CopyFailed,
    /// The operation failed in a Region incident window.
    RegionIncident,
    /// The client's waiter gave up; AWS went on and finished later.
    WaiterTimeout,
    /// Throttled (`RequestLimitExceeded`) on every attempt of the SDK.
    RequestLimitExceeded,
    /// A full quota refused the request (`ResourceLimitExceeded`, not retried).
    ResourceLimitExceeded,
    /// An Image Builder workflow step ran past its time-out (`DistributeImage`).
    StepTimeout,
}

impl Cause {
    /// The name used in CSV files (empty for `None`).
    pub fn name(self) -> &'static str {
        match self {
            Cause::None => "",
            Cause::StepFailure => "step_failure",
            Cause::Rule(r) => r.id(),
            Cause::LaunchFailed => "launch_failed",
            Cause::SnapshotFailed => "snapshot_failed",
            Cause::CopyFailed => "copy_failed",
            Cause::RegionIncident => "region_incident",
            Cause::WaiterTimeout => "waiter_timeout",
            Cause::RequestLimitExceeded => "request_limit_exceeded",
            Cause::ResourceLimitExceeded => "resource_limit_exceeded",
            Cause::StepTimeout => "step_timeout",
        }
    }

    /// Every cause but `None`: the simple ones, then one per rule.
    pub fn all() -> impl Iterator<Item = Cause> {
        [
            Cause::StepFailure,
            Cause::LaunchFailed,
            Cause::SnapshotFailed,
            Cause::CopyFailed,
            Cause::RegionIncident,
            Cause::WaiterTimeout,
            Cause::RequestLimitExceeded,
            Cause::ResourceLimitExceeded,
            Cause::StepTimeout,
        ]
        .into_iter()
        .chain(Rule::ALL.map(Cause::Rule))
    }

    /// True for transient causes a stage-level retry may overcome.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Cause::LaunchFailed
                | Cause::CopyFailed
                | Cause::RegionIncident
                | Cause::RequestLimitExceeded
        )
    }
}

impl serde::Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Cause {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name.is_empty() {
            return Ok(Cause::None);
        }
        Cause::all()
            .find(|c| c.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown failure cause `{name}`")))
    }
}

/// What started an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    /// A manual run at t = 0 (StartImagePipelineExecution).
    Manual,
    /// A cron match.
    Cron,
    /// A fixed-interval tick.
    Interval,
    /// A matching dependency update (`build_on_update`).
    Update,
}

impl TriggerKind {
    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            TriggerKind::Manual => "manual",
            TriggerKind::Cron => "cron",
            TriggerKind::Interval => "interval",
            TriggerKind::Update => "dependency_update",
        }
    }
}

/// One stage occurrence.
#[derive(Clone, Copy, Debug)]
pub struct StageRecord {
    /// Index of the execution in [`ReplicationResult::runs`].
    pub exec: ExecId,
    /// Which stage.
    pub stage: Stage,
    /// Component, test or volume index; copy index for copies and
    /// destination tests; distribution index for shares; 0 otherwise.
    pub item: u16,
    /// Where it ran.
    pub region: RegionId,
    /// The account it ran in (the copier, for copies).
    pub account: AccountId,
    /// When it was asked for.
    pub enqueued: SimTime,
    /// When it started (after any queue).
    pub started: SimTime,
    /// When it ended.
    pub finished: SimTime,
    /// Data moved, GiB (snapshots and copies; 0 otherwise).
    pub data_gib: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed (set when the failure is decided, which may be at its start).
    pub cause: Cause,
    /// 1 for the first attempt of a stage, 2 for its first retry, …
    pub attempt: u8,
    /// Calls throttled (`RequestLimitExceeded`) and retried by the SDK.
    pub api_retries: u8,
}

/// One pipeline execution.
#[derive(Clone, Copy, Debug)]
pub struct RunRecord {
    /// Pipeline index.
    pub pipeline: u16,
    /// 1-based execution number within the pipeline.
    pub number: u32,
    /// What started it.
    pub trigger: TriggerKind,
    /// When the trigger fired.
    pub triggered: SimTime,
    /// When the AMI became available in the build Region (register done).
    pub image_available: Option<SimTime>,
    /// When the tests in the build Region passed (distribution starts).
    pub tests_passed: Option<SimTime>,
    /// When the image was usable in every Region, or the failure.
    pub finished: SimTime,
    /// How it ended.
    pub outcome: Outcome,
    /// The record of the stage that failed, if any.
    pub failed_record: Option<RecordId>,
    /// Stage records still open for the current parallel step.
    pub(super) pending: u32,
    /// The CreateImage record while snapshots run.
    pub(super) create_image: RecordId,
    /// Holds a concurrent-build slot.
    pub(super) holds_build_slot: bool,
    /// Index of the first stage record that may belong to it.
    pub(super) first_record: RecordId,
    /// Its own first and last records, + 1 (0: none yet): the ends of its
    /// chain through `Model::next_record`.
    pub(super) own_first: u32,
    pub(super) own_last: u32,
    /// Distributions retried so far (RetryImage).
    pub(super) distribution_retries: u8,
    /// Test phases retried so far (RetryImage).
    pub(super) test_retries: u8,
    /// The first record of the current distribution: branches of an earlier,
    /// failed one no longer count.
    pub(super) round_first: RecordId,
    /// A failed distribution waits for its retry.
    pub(super) retrying: bool,
    /// Packer: copies of the distribution not yet done (its permissions wait for them).
    pub(super) copies_left: u32,
    /// When the Image Builder step now running began (ExecuteComponents:
    /// the first component's start), for its time-out.
    pub(super) step_started: SimTime,
}

/// How one quota instance was used in a replication.
#[derive(Debug, Clone)]
pub struct QuotaUse {
    /// Which quota.
    pub kind: Quota,
    /// Account it belongs to.
    pub account: AccountId,
    /// Region it belongs to.
    pub region: RegionId,
    /// The pipeline whose distribution configuration it is, if counted so
    /// ([`crate::aws::quotas::CopyScope::Distribution`]).
    pub pipeline: Option<u32>,
    /// Units.
    pub capacity: u32,
    /// Requests granted.
    pub served: u64,
    /// ∫ units in use dt, unit-milliseconds, up to [`ReplicationResult::end`].
    pub busy_unit_ms: u128,
    /// ∫ queue length dt, request-milliseconds.
    pub queue_ms: u128,
    /// Time with every unit in use (at capacity), ms.
    pub full_ms: u64,
    /// Most units held at once.
    pub peak_in_use: u32,
    /// Longest queue.
    pub peak_queue: usize,
    /// Per time bucket touched (of [`crate::engine::bucket_width_ms`] of the
    /// horizon), in order: `(bucket, ∫ in use dt, ∫ queued dt)` up to
    /// [`ReplicationResult::end`].
    pub timeline: crate::engine::BucketSums,
    /// The wait of every granted request that waited, in grant order.
    pub waits: Vec<SimDuration>,
    /// Granted requests that did not wait.
    pub zero_waits: u64,
}

/// One AMI in one account and Region, from registration to deletion.
#[derive(Debug, Clone, Copy)]
pub struct ImageRecord {
    /// Index of the execution that made it.
    pub exec: ExecId,
    /// Owner.
    pub account: AccountId,
    /// Region.
    pub region: RegionId,
    /// Encryption of its snapshots.
    pub encryption: Encryption,
    /// Snapshot data it added to storage, GiB (full or incremental).
    pub stored_gib: f64,
    /// When it became available in its Region (registered in the build
    /// Region, copied elsewhere): its storage is billed from then.
    pub available: SimTime,
    /// When it was deprecated, if before the horizon.
    pub deprecated: OptTime,
    /// When it was deregistered and its snapshots deleted, if ever.
    pub deleted: OptTime,
    /// When the lifecycle disabled it (private, its shares gone), if before the horizon.
    pub disabled: OptTime,
    /// When the lifecycle first asked to delete it and deregistration
    /// protection blocked the delete, if it did.
    pub delete_blocked: OptTime,
    /// When its snapshots moved to the archive tier, if before the horizon
    /// and before it was deleted.
    pub archived: OptTime,
}

/// Stage-record indices grouped by execution, in record order
/// (`records[exec]` is a slice): [`ReplicationResult::by_exec`].
pub type ExecRecords = crate::pipeline::groups::Groups<RecordId>;

/// Everything one replication produced.
#[derive(Debug, Clone, Default)]
pub struct ReplicationResult {
    /// Executions in the order they were triggered.
    pub runs: Vec<RunRecord>,
    /// Stage occurrences in the order they were asked for.
    pub stages: Vec<StageRecord>,
    /// The indices of `stages` grouped by execution (`by_exec[exec]`, in
    /// record order), built as the replication ends in the buffer that
    /// chained each execution's records during it: one index per record,
    /// not two (1,000 pipelines: 5.8 MB). Rebuilt by
    /// [`ReplicationResult::group_records`] after `runs` or `stages` are
    /// edited.
    pub by_exec: ExecRecords,
    /// Per pipeline: scheduled matches skipped because no dependency had changed.
    pub skipped_matches: Vec<u32>,
    /// Per pipeline: matching dependency updates released.
    pub updates: Vec<u32>,
    /// Every matching dependency update (a release, e.g. a fix), in time order: its
    /// pipeline and when it was published.
    pub releases: Vec<(u16, SimTime)>,
    /// Per pipeline: when `auto_disable_after_failures` disabled it, if it did.
    pub disabled_at: Vec<Option<SimTime>>,
    /// Events handled.
    pub events: u64,
    /// Quota instances that served at least one request.
    pub quotas: Vec<QuotaUse>,
    /// Images of succeeded executions, per account and Region.
    pub images: Vec<ImageRecord>,
    /// Time of the last event.
    pub end: SimTime,
}
