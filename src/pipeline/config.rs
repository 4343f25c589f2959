//! The resolved description of pipelines: what the simulation runs.
//!
//! Built by `scenario::resolve` from a scenario file; every value here has
//! been checked, every name interned.

pub use super::clients::{ApiRetry, OptionalSteps, PackerWaits, RetryImage, StepTimeouts};
use crate::aws::directory::{AccountId, Directory, Encryption};
use crate::aws::rules::Rule;
use crate::engine::{SimDuration, SimTime};
use crate::law::{Law, Throughput};
pub use crate::pipeline::container::{Container, Replication};

pub use crate::aws::ids::RegionId;
pub use crate::pipeline::schedule::{Releases, Schedule, StartCondition, UpdateSource};

/// One distribution Region of a pipeline.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// The Region.
    pub region: RegionId,
    /// Launch/snapshot permissions on the owner's image there, if any.
    pub share: Option<SharePlan>,
    /// Index in [`Pipeline::copies`] of the owner's own copy to this Region
    /// (`None` in the build Region, or when only target accounts get copies).
    pub owner_copy: Option<u16>,
    /// Launch an instance from each copy here once it is available: the
    /// team's own smoke test (neither Image Builder nor Packer does this).
    pub test_launch: bool,
}

impl Distribution {
    /// Whether it shares the image publicly.
    pub fn is_public(&self) -> bool {
        self.share.as_ref().is_some_and(|s| s.public)
    }
}

/// Sharing of the owner's image in one Region.
#[derive(Debug, Clone)]
pub struct SharePlan {
    /// Launch-permission entities (accounts + OUs + organizations).
    pub entities: usize,
    /// Shared with the group `all`.
    pub public: bool,
    /// Accounts given createVolumePermission.
    pub snapshot_accounts: usize,
    /// The rule AWS would refuse it by (only with `model_misconfigurations`).
    pub violation: Option<Rule>,
}

/// One CopyImage into one account and Region.
#[derive(Debug, Clone)]
pub struct CopyPlan {
    /// Index in [`Pipeline::distributions`].
    pub distribution: u16,
    /// Destination Region.
    pub region: RegionId,
    /// The account that copies and owns the copy.
    pub copier: AccountId,
    /// Encryption of the copy.
    pub encryption: Encryption,
    /// The copy encrypts an unencrypted source: always full.
    pub encrypts_unencrypted: bool,
    /// The rule AWS would refuse or fail it by (only with `model_misconfigurations`).
    pub violation: Option<Rule>,
    /// A time-based copy: it completes within this duration (docs/sources.md#time-based-copies).
    pub completion: Option<SimDuration>,
}

/// Operating-system family of the image; it sets the default launch latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    /// Linux: launches in tens of seconds.
    Linux,
    /// Windows: a typical 242 s from a custom AMI, 85 s with EC2 Fast Launch.
    Windows,
}

/// The tool that runs a pipeline. It decides which quotas its requests
/// meet and what a full one does to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// EC2 Image Builder: its concurrent-build and copy quotas apply, and a
    /// full quota queues. AWS does not document whether Image Builder queues
    /// its own copies: that is an assumption (docs/sources.md#quota-full).
    ImageBuilder,
    /// Packer's amazon-ebs builder, calling the EC2 API itself.
    Packer,
    /// A script calling the EC2 API with an AWS SDK and its waiters.
    Sdk,
}

impl Tool {
    /// Its name in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Tool::ImageBuilder => "image_builder",
            Tool::Packer => "packer",
            Tool::Sdk => "sdk",
        }
    }

    /// What a full quota does to this tool's requests, unless `[quotas.when_full]`
    /// says: CopyImage and RunInstances fail with `ResourceLimitExceeded`,
    /// which the SDKs do not retry (docs/sources.md#quota-full).
    pub fn when_full(self) -> crate::aws::quotas::WhenFull {
        match self {
            Tool::ImageBuilder => crate::aws::quotas::WhenFull::Queue,
            Tool::Packer | Tool::Sdk => crate::aws::quotas::WhenFull::Fail,
        }
    }
}

/// Who owns the base image the builder launches from. It decides whether
/// the first snapshot of a build is full or incremental (docs/sources.md#incremental-snapshot:
/// a snapshot is incremental only to a parent snapshot you own, with the same key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOwner {
    /// An AWS public image (e.g. Amazon Linux): every build snapshot is full.
    Aws,
    /// An AWS Marketplace image: full, as for any image of another owner.
    Marketplace,
    /// An image shared by another account: full.
    OtherAccount,
    /// The account's own image (e.g. the previous golden AMI): incremental.
    OwnAccount,
}

impl BaseOwner {
    /// True if the builder's volumes descend from the account's own snapshots,
    /// so that snapshots (and later copies) of its builds are incremental.
    pub fn is_own(self) -> bool {
        self == BaseOwner::OwnAccount
    }
}

/// What a pipeline is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineKind {
    /// An image pipeline: build, test, distribute.
    Build {
        /// Builder instance type.
        builder_instance_type: String,
        /// Test instance type.
        test_instance_type: String,
    },
    /// Moving a running instance with an image: stop it, create an image,
    /// copy it if the move is to another Region, launch the new instance
    /// (docs/sources.md#incremental-copy: a copy creates new snapshots in the destination).
    Migration(Migration),
}

impl PipelineKind {
    /// True for an image pipeline.
    pub fn is_build(&self) -> bool {
        matches!(self, PipelineKind::Build { .. })
    }
}

/// A move of one running instance (`[[migration]]`): it runs once, at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The Availability Zone of the new instance (a label).
    pub to_availability_zone: Option<String>,
    /// The instance's type (the user's own instance: not costed).
    pub instance_type: String,
    /// When the move starts.
    pub at: SimTime,
}

/// One EBS volume of the image.
#[derive(Debug, Clone)]
pub struct Volume {
    /// Device name, e.g. `/dev/xvda`.
    pub device: String,
    /// Provisioned size, GiB.
    pub size_gib: f64,
    /// Data written: the size of a full snapshot, GiB.
    pub data_gib: f64,
    /// Blocks changed by one build: the size of an incremental snapshot, GiB.
    pub changed_gib: f64,
}

/// A build or test component.
#[derive(Debug, Clone)]
pub struct Step {
    /// Component name.
    pub name: String,
    /// How long it runs, seconds.
    pub duration: Law,
    /// Probability that it fails, in [0, 1].
    pub failure_probability: f64,
}

/// Latency models for one pipeline (global defaults merged with its overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct Latencies {
    /// Instance launch until reachable, seconds.
    pub instance_launch: Law,
    /// Launch of the distributed image in a destination (a destination
    /// test): the launch above, or EC2 Fast Launch's when the pipeline
    /// enables it on its output AMI.
    pub destination_launch: Law,
    /// Image Builder's wait after a launch for the SSM agent and status checks, seconds.
    pub instance_ready: Law,
    /// Image Builder's Linux sanitize or Windows Sysprep, seconds.
    pub sanitize: Law,
    /// StopInstances until stopped, seconds.
    pub instance_stop: Law,
    /// TerminateInstances until terminated, seconds.
    pub instance_terminate: Law,
    /// Snapshots complete → AMI available, seconds.
    pub register_image: Law,
    /// Cron match → build start, seconds.
    pub schedule_delay: Law,
    /// ModifyImageAttribute + ModifySnapshotAttribute for one Region's shares.
    pub share: Law,
    /// Snapshot of one volume during CreateImage.
    pub snapshot: Throughput,
    /// Best-effort copy of one snapshot to another Region (unless a route overrides it).
    pub copy: Throughput,
    /// A container build host's BootstrapInstanceForContainer (Docker installed by SSM).
    pub container_bootstrap: Law,
    /// A `docker push` of layers to ECR (per GiB pushed).
    pub ecr_push: Throughput,
    /// The container test host's `docker pull` of the image.
    pub ecr_pull: Throughput,
    /// ECR replication of a push to one destination.
    pub ecr_replication: Law,
    /// Image Builder's CollectImageMetadata, seconds.
    pub collect_image_metadata: Law,
    /// Image Builder's CollectImageScanFindings, seconds.
    pub collect_image_scan_findings: Law,
}

/// One pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Unique name.
    pub name: String,
    /// Image pipeline or migration.
    pub kind: PipelineKind,
    /// The tool that runs it (migrations: `Sdk`, the team's own script).
    pub tool: Tool,
    /// Image Builder's `DistributeImage` time-out, for the whole distribution.
    pub distribution_timeout: Option<SimDuration>,
    /// Image Builder's step time-outs (none for other tools).
    pub step_timeouts: Option<StepTimeouts>,
    /// Packer's waiters: how long it waits for an AMI (after CreateImage and
    /// for each copy) and for anything else (the stop), before it gives up.
    pub packer_waits: Option<PackerWaits>,
    /// How its client retries a throttled call (docs/sources.md#sdk-retry).
    pub api_retry: ApiRetry,
    /// RetryImage after a failed distribution or test phase.
    pub retry: Option<RetryImage>,
    /// Packer's `encrypt_boot`: the image built is an unencrypted intermediary,
    /// deregistered once copied (encrypted) into every Region, its own included.
    pub encrypt_boot: bool,
    /// The image exists already, made outside the pipeline (a script's or
    /// Terraform's `aws_ami_copy` of a given `source_ami_id`): a run copies
    /// and shares it, with no build, test or snapshot.
    pub existing_image: bool,
    /// Whether a test phase runs (Image Builder's `imageTestsEnabled`;
    /// Packer and sdk pipelines have one only with tests).
    pub test_phase: bool,
    /// Image Builder's metadata collection and scan findings steps.
    pub optional_steps: OptionalSteps,
    /// Build Region.
    pub region: RegionId,
    /// OS family.
    pub platform: Platform,
    /// Owner of the base image.
    pub base_owner: BaseOwner,
    /// Volumes of the image (at least one).
    pub volumes: Vec<Volume>,
    /// Build components in order.
    pub components: Vec<Step>,
    /// Test components in order.
    pub tests: Vec<Step>,
    /// Owning account.
    pub owner: AccountId,
    /// Encryption of the build volumes and of the image in the build Region.
    pub encryption: Encryption,
    /// The image carries product codes (Marketplace base).
    pub product_codes: bool,
    /// Distribution Regions, in scenario order (no repeats).
    pub distributions: Vec<Distribution>,
    /// Every copy, in distribution order.
    pub copies: Vec<CopyPlan>,
    /// Triggers.
    pub schedule: Schedule,
    /// Latency models.
    pub latency: Latencies,
    /// Which images are kept.
    pub lifecycle: Lifecycle,
    /// A container image pipeline (None: an AMI).
    pub container: Option<Box<Container>>,
}

pub use crate::aws::quotas::Quotas;

/// Image lifecycle of a pipeline (Image Builder lifecycle policies,
/// docs/sources.md#lifecycle).
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    /// Keep the newest N images; older ones are deregistered and their snapshots deleted.
    pub keep_last: Option<u32>,
    /// Delete images older than this ...
    pub max_age: Option<SimDuration>,
    /// ... but always keep at least this many (Image Builder's `retainAtLeast`).
    pub keep_at_least: u32,
    /// Deprecate images this long after creation (docs/sources.md#lifecycle).
    pub deprecate_after: Option<SimDuration>,
    /// Disable images this long after creation: they become private and
    /// lose their shares (docs/sources.md#lifecycle).
    pub disable_after: Option<SimDuration>,
    /// Deregistration protection on every image: each delete the lifecycle
    /// asks for is blocked, and the storage keeps billing.
    pub deregistration_protection: bool,
    /// Move the snapshots to the archive tier this long after creation
    /// (the AMI must be disabled first; docs/sources.md#snapshot-archive).
    pub archive_after: Option<SimDuration>,
}

/// Failure injection and retries (`[faults]`).
#[derive(Debug, Clone)]
pub struct Faults {
    /// An instance launch fails (builder, test, destination, migrated).
    pub launch_failure_probability: f64,
    /// A snapshot of CreateImage fails, failing the image.
    pub snapshot_failure_probability: f64,
    /// A copy ends `failed` ("Copy image failed with an internal error").
    pub copy_failure_probability: f64,
    /// Attempts per launch or copy (1 = no stage-level retry).
    pub max_attempts: u32,
    /// Base of the stage-level backoff (exponential, full jitter).
    pub retry_backoff: SimDuration,
    /// Cap of the stage-level backoff.
    pub retry_backoff_max: SimDuration,
    /// How long the client waits for an AMI or a copy before giving up.
    pub waiter_timeout: Option<SimDuration>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            launch_failure_probability: 0.0,
            snapshot_failure_probability: 0.0,
            copy_failure_probability: 0.0,
            max_attempts: 1,
            retry_backoff: SimDuration::from_secs(30),
            retry_backoff_max: SimDuration::from_mins(10),
            waiter_timeout: None,
        }
    }
}

/// A Region incident: operations in the Region that start in a window are
/// slower by a factor and fail at a rate.
#[derive(Debug, Clone)]
pub struct Incident {
    /// The Region.
    pub region: RegionId,
    /// Start of a fixed window.
    pub start: Option<SimTime>,
    /// Mean time between random windows (a Poisson process), if random.
    pub mean_interval: Option<SimDuration>,
    /// Length of each window.
    pub duration: SimDuration,
    /// Durations are multiplied by this.
    pub slowdown: f64,
    /// Operations fail with this probability.
    pub failure_probability: f64,
}

/// A token bucket's size and refill rate (EC2 API throttling).
#[derive(Debug, Clone, Copy)]
pub struct BucketSpec {
    /// Tokens when full.
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_s: f64,
}

/// The API client: throttling buckets and the SDK's retry policy (`[api]`).
#[derive(Debug, Clone)]
pub struct Api {
    /// Model throttling at all.
    pub throttling: bool,
    /// CopyImage bucket, per account and destination Region.
    pub copy_image: BucketSpec,
    /// RunInstances request bucket, per account and Region.
    pub run_instances: BucketSpec,
    /// ECR PutImage bucket, per account and Region (container pushes).
    pub ecr_put_image: BucketSpec,
    /// Attempts per call on `RequestLimitExceeded`.
    pub max_attempts: u32,
    /// Backoff base (exponential, full jitter).
    pub backoff_base: SimDuration,
    /// Backoff cap.
    pub backoff_max: SimDuration,
}

/// Everything the simulation needs: Regions, account, routes, quotas, pipelines.
#[derive(Debug, Clone)]
pub struct World {
    /// Region codes; a [`RegionId`] indexes this.
    pub regions: Vec<String>,
    /// Accounts, organization and keys.
    pub directory: Directory,
    /// Copy model overrides per (from, to) Region pair.
    pub routes: crate::pipeline::places::Routes,
    /// Quotas.
    pub quotas: Quotas,
    /// Pipelines.
    pub pipelines: Vec<Pipeline>,
    /// Triggers are generated before this time.
    pub horizon: SimTime,
    /// Failure injection and retries.
    pub faults: Faults,
    /// Region incidents.
    pub incidents: Vec<Incident>,
    /// API throttling and client retries.
    pub api: Api,
}

impl World {
    /// The copy model for `from → to`: the route's if declared, else the pipeline's.
    pub fn copy_model<'a>(
        &'a self,
        p: &'a Pipeline,
        from: RegionId,
        to: RegionId,
    ) -> &'a Throughput {
        self.routes.get(from, to).unwrap_or(&p.latency.copy)
    }

    /// The shape of its per-place tables.
    pub fn layout(&self) -> crate::pipeline::places::Layout {
        let (np, na) = (self.pipelines.len(), self.directory.accounts.len());
        crate::pipeline::places::Layout::new(np, na, self.regions.len())
    }

    /// Regions an image of `p` lands in: the build Region and every distribution Region.
    pub fn target_regions(&self, p: &Pipeline) -> usize {
        if let Some(c) = &p.container {
            let mut regions: Vec<RegionId> = c.destinations.clone();
            regions.extend(c.replications.iter().map(|r| r.region));
            regions.retain(|r| *r != p.region);
            regions.sort();
            regions.dedup();
            return 1 + regions.len();
        }
        1 + p
            .distributions
            .iter()
            .filter(|d| d.region != p.region)
            .count()
    }
}
