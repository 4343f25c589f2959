//! Default figures, each citing its entry in the repository's
//! `docs/sources.md` (as `docs/sources.md#` followed by the id; a test checks every id).
//!
//! Where AWS publishes no figure (snapshot and best-effort copy throughput,
//! stop time, register time), the default is an **assumption**, marked as
//! such here, in the README and in every report, and chosen to agree with
//! the community observations the sources file lists. Override any of them
//! in a scenario's `[latency]` table.

/// A lognormal written as (median, p95) in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lognormal {
    /// Median, seconds (or MiB/s for rates).
    pub median: f64,
    /// 95th percentile, seconds (or MiB/s for rates).
    pub p95: f64,
}

/// Linux instance launch to reachable: ≈ 25.8 s average cold launch to SSH,
/// pending→running ≈ 16.5 s.
/// source: docs/sources.md#launch-linux (community benchmarks). The p95 is an assumption.
pub(crate) const LINUX_LAUNCH: Lognormal = Lognormal {
    median: 25.0,
    p95: 60.0,
};

/// Windows launch from a custom AMI: a typical 242 s. AWS's older "often 15
/// minutes or longer" is kept as the tail: the p95 (15 min) is an assumption.
/// source: docs/sources.md#launch-windows.
pub(crate) const WINDOWS_LAUNCH: Lognormal = Lognormal {
    median: 242.0,
    p95: 900.0,
};

/// Windows launch with EC2 Fast Launch: about 85 s for a custom AMI. The p95
/// (5 min) is an assumption. source: docs/sources.md#launch-windows.
pub(crate) const WINDOWS_FAST_LAUNCH: Lognormal = Lognormal {
    median: 85.0,
    p95: 300.0,
};

/// StopInstances: "it can take a few minutes"; treat as stuck after 10 min.
/// source: docs/sources.md#stop. ASSUMPTION: no measured figure exists;
/// median 1 min, p95 4 min keeps the 10-min stuck threshold beyond p99.
pub(crate) const STOP: Lognormal = Lognormal {
    median: 60.0,
    p95: 240.0,
};

/// TerminateInstances until `terminated`. ASSUMPTION (docs/sources.md#terminate).
pub(crate) const TERMINATE: Lognormal = Lognormal {
    median: 30.0,
    p95: 90.0,
};

/// RegisterImage / the last step from snapshots complete to AMI `available`.
/// ASSUMPTION (docs/sources.md#register: AWS publishes no per-phase durations).
pub(crate) const REGISTER: Lognormal = Lognormal {
    median: 5.0,
    p95: 20.0,
};

/// Image Builder's `LaunchInstance` waits, after the launch, for the SSM
/// agent and for the status checks. ASSUMPTION (docs/sources.md#image-builder-readiness:
/// no figure is published; EC2 status checks usually pass within a few minutes).
pub(crate) const IMAGE_BUILDER_READY: Lognormal = Lognormal {
    median: 120.0,
    p95: 300.0,
};

/// Image Builder's Linux sanitize script before the image is taken.
/// ASSUMPTION (docs/sources.md#image-builder-readiness).
pub(crate) const SANITIZE_LINUX: Lognormal = Lognormal {
    median: 10.0,
    p95: 30.0,
};

/// Windows Sysprep before the image is taken (Image Builder runs it, then the
/// instance shuts down). ASSUMPTION (docs/sources.md#image-builder-readiness).
pub(crate) const SYSPREP_WINDOWS: Lognormal = Lognormal {
    median: 240.0,
    p95: 600.0,
};

/// ModifyImageAttribute and ModifySnapshotAttribute for one Region's shares:
/// API calls that return at once. ASSUMPTION (docs/sources.md#share-latency).
pub(crate) const SHARE: Lognormal = Lognormal {
    median: 2.0,
    p95: 10.0,
};

/// Fixed cost of a CreateImage snapshot set before data moves.
/// ASSUMPTION (docs/sources.md#snapshot-time: no throughput is published).
pub(crate) const SNAPSHOT_OVERHEAD: Lognormal = Lognormal {
    median: 120.0,
    p95: 480.0,
};

/// Snapshot throughput in MiB/s. ASSUMPTION (docs/sources.md#snapshot-time),
/// chosen so that a 30 GiB first snapshot takes ~20 min at the median and
/// over an hour at the 5th percentile of throughput, as the community reports
/// (a first snapshot of ~45 min called normal; a heavy Windows AMI 1 h 25 min).
pub(crate) const SNAPSHOT_THROUGHPUT_MIB_S: Lognormal = Lognormal {
    median: 25.0,
    p95: 80.0,
};

/// Fixed cost of a best-effort CopyImage before data moves.
/// ASSUMPTION (docs/sources.md#copy-time: no throughput is published).
pub(crate) const COPY_OVERHEAD: Lognormal = Lognormal {
    median: 180.0,
    p95: 600.0,
};

/// Best-effort copy throughput in MiB/s. ASSUMPTION (docs/sources.md#copy-time),
/// chosen so that copies of 10–30 GiB AMIs regularly outlast the 10-min SDK
/// waiter and sometimes 30–50 min, as community reports show.
pub(crate) const COPY_THROUGHPUT_MIB_S: Lognormal = Lognormal {
    median: 30.0,
    p95: 100.0,
};

/// Delay between the cron time and the build start: "can start up to a
/// minute after the cron time", modelled as uniform on [0, 60 s].
/// source: docs/sources.md#schedule-delay.
pub(crate) const SCHEDULE_DELAY_MAX_S: f64 = 60.0;

/// Concurrent AMI copies per destination Region: 300.
/// source: docs/sources.md#quota-ami-copies-region.
pub(crate) const CONCURRENT_AMI_COPIES_PER_REGION: u32 = 300;

/// EBS concurrent snapshot copy requests per destination Region: 20
/// (whether CopyImage's snapshot copies count is not documented).
/// source: docs/sources.md#quota-snapshot-copies.
pub(crate) const CONCURRENT_SNAPSHOT_COPIES_PER_REGION: u32 = 20;

/// Image Builder concurrent builds: 100 (L-BA4D191B), per account and Region.
/// source: docs/sources.md#quota-concurrent-builds.
pub(crate) const CONCURRENT_BUILDS: u32 = 100;

/// Image Builder concurrent AMI copies per distribution configuration: 50
/// (L-69312229, adjustable).
/// source: docs/sources.md#quota-copies-distribution.
pub(crate) const CONCURRENT_AMI_COPIES_PER_DISTRIBUTION: u32 = 50;

/// Components per recipe: 20 (fixed).
/// source: docs/sources.md#quota-components.
pub(crate) const MAX_COMPONENTS_PER_RECIPE: usize = 20;

/// MiB per GiB.
pub(crate) const MIB_PER_GIB: f64 = 1024.0;

/// Client waiter deadlines (how long a client waits for an AMI or a copy):
/// AWS SDK/CLI `ImageAvailable` 40 × 15 s = 10 min; Packer 120 × 15 s = 30 min;
/// Terraform `aws_ami_copy` 40 min.
/// source: docs/sources.md#waiters.
pub(crate) const WAITER_AWS_SDK_MIN: u64 = 10;
/// See [`WAITER_AWS_SDK_MIN`].
pub(crate) const WAITER_PACKER_MIN: u64 = 30;
/// See [`WAITER_AWS_SDK_MIN`].
pub(crate) const WAITER_TERRAFORM_MIN: u64 = 40;
/// Image Builder's CreateImage step timeout: 720 min.
/// source: docs/sources.md#image-builder-steps.
pub(crate) const WAITER_IMAGE_BUILDER_MIN: u64 = 720;

/// Packer's waiters with nothing set: 15 s between polls; 120 attempts for
/// an AMI or a snapshot (30 min), 40 for every other wait (10 min). A delay
/// set on its own gives 40 × delay everywhere (the 120 is lost, packer#6732);
/// attempts on their own give attempts × 15 s.
/// source: docs/sources.md#packer-waiters.
pub(crate) const PACKER_POLL_DELAY_S: u64 = 15;
/// See [`PACKER_POLL_DELAY_S`].
pub(crate) const PACKER_AMI_ATTEMPTS: u64 = 120;
/// See [`PACKER_POLL_DELAY_S`].
pub(crate) const PACKER_OTHER_ATTEMPTS: u64 = 40;

/// Launch permissions per AMI per Region: 1,000 entities (accounts, orgs,
/// OUs). source: docs/sources.md#share-entities.
pub(crate) const SHARE_ENTITIES_PER_IMAGE: u32 = 1000;

/// The largest EBS volume, in GiB: 64 TiB (io2 Block Express; gp3 and
/// gp2 reach 16 TiB). source: docs/sources.md#ebs-volume-size.
pub(crate) const MAX_VOLUME_GIB: f64 = 65_536.0;

/// Public AMIs per account and Region: 5 by default (adjustable); the
/// sixth public share fails with `ResourceLimitExceeded`.
/// source: docs/sources.md#public-amis.
pub(crate) const PUBLIC_AMIS_PER_REGION: u32 = 5;
/// A public AMI is deprecated at most 2 years after it was created.
/// source: docs/sources.md#public-amis.
pub(crate) const PUBLIC_DEPRECATION_MAX_DAYS: u64 = 730;

/// Time-based copies: each snapshot copies at up to 500 MiB/s (fixed); an
/// account has 2,000 MiB/s (adjustable) for concurrent time-based copies
/// between one source and one destination Region.
/// source: docs/sources.md#time-based-copies.
pub(crate) const TIME_BASED_COPY_SNAPSHOT_MIB_S: f64 = 500.0;
/// See [`TIME_BASED_COPY_SNAPSHOT_MIB_S`].
pub(crate) const TIME_BASED_COPY_THROUGHPUT_MIB_S: u32 = 2000;
/// The per-GiB charge of a time-based copy, on top of transfer, by tier:
/// `(longest completion in minutes, USD per GiB)`. A copy is charged at the
/// tier of its requested duration, or of its actual duration when the
/// account's own throughput quota made it later (durations come in 15-minute
/// steps, so a late copy's duration is rounded up to the next step's tier).
/// source: docs/sources.md#time-based-copies.
pub(crate) const TIME_BASED_COPY_TIERS: [(u64, f64); 7] = [
    (15, 0.020),
    (45, 0.018),
    (105, 0.016),
    (225, 0.014),
    (465, 0.012),
    (945, 0.010),
    (2880, 0.005),
];

/// Image Builder's default step time-outs, minutes: `LaunchInstance` 75,
/// `ExecuteComponents` 720 (at most 24 h), `CreateImage` 720 (at most 3 days).
/// source: docs/sources.md#image-builder-steps.
pub(crate) const IMAGE_BUILDER_LAUNCH_TIMEOUT_MIN: u64 = 75;
/// See [`IMAGE_BUILDER_LAUNCH_TIMEOUT_MIN`].
pub(crate) const IMAGE_BUILDER_COMPONENTS_TIMEOUT_MIN: u64 = 720;
/// See [`IMAGE_BUILDER_LAUNCH_TIMEOUT_MIN`].
pub(crate) const IMAGE_BUILDER_CREATE_IMAGE_TIMEOUT_MIN: u64 = 720;

/// Image Builder's `DistributeImage` step time-out, for the whole
/// distribution: 360 min by default (30 to 720).
/// source: docs/sources.md#image-builder-steps.
pub(crate) const IMAGE_BUILDER_DISTRIBUTE_TIMEOUT_MIN: u64 = 360;

/// Image Builder's `DistributeContainerImage` step time-out, for a
/// container's pushes to other Regions: 120 min by default (up to 720).
/// source: docs/sources.md#container-build.
pub(crate) const IMAGE_BUILDER_CONTAINER_DISTRIBUTE_TIMEOUT_MIN: u64 = 120;

/// Image Builder's `CollectImageMetadata`: SSM Inventory lists the build
/// instance's OS and packages. ASSUMPTION (docs/sources.md#image-metadata:
/// no duration is published; its time-out is 30 min).
pub(crate) const IMAGE_BUILDER_METADATA: Lognormal = Lognormal {
    median: 45.0,
    p95: 120.0,
};

/// `CollectImageMetadata`'s default time-out, minutes.
/// source: docs/sources.md#image-builder-steps.
pub(crate) const COLLECT_METADATA_TIMEOUT_MIN: u64 = 30;

/// Image Builder's `CollectImageScanFindings`: it waits for Amazon
/// Inspector's findings on the test instance. ASSUMPTION
/// (docs/sources.md#image-scanning: no duration is published; its time-out
/// is 120 min).
pub(crate) const IMAGE_BUILDER_SCAN_FINDINGS: Lognormal = Lognormal {
    median: 600.0,
    p95: 1800.0,
};

/// `CollectImageScanFindings`' default time-out, minutes.
/// source: docs/sources.md#image-builder-steps.
pub(crate) const SCAN_FINDINGS_TIMEOUT_MIN: u64 = 120;

/// `BootstrapInstanceForContainer`: SSM Run Command installs Docker and the
/// AWS CLI on the build host. ASSUMPTION (docs/sources.md#container-build:
/// no duration is published; its time-out is 60 min).
pub(crate) const CONTAINER_BOOTSTRAP: Lognormal = Lognormal {
    median: 90.0,
    p95: 240.0,
};

/// A `docker push` to ECR: fixed cost before layers move. ASSUMPTION
/// (docs/sources.md#container-build: no figure is published).
pub(crate) const ECR_PUSH_OVERHEAD: Lognormal = Lognormal {
    median: 10.0,
    p95: 40.0,
};

/// A push's throughput in MiB/s (compressed layers). ASSUMPTION
/// (docs/sources.md#container-build).
pub(crate) const ECR_PUSH_THROUGHPUT_MIB_S: Lognormal = Lognormal {
    median: 60.0,
    p95: 200.0,
};

/// The test host's `docker pull`: fixed cost. ASSUMPTION (docs/sources.md#container-build).
pub(crate) const ECR_PULL_OVERHEAD: Lognormal = Lognormal {
    median: 5.0,
    p95: 20.0,
};

/// A pull's throughput in MiB/s. ASSUMPTION (docs/sources.md#container-build).
pub(crate) const ECR_PULL_THROUGHPUT_MIB_S: Lognormal = Lognormal {
    median: 100.0,
    p95: 300.0,
};

/// ECR replication from a push to the image in a destination: "the majority
/// of images replicate in less than 30 minutes", no SLA, no throughput.
/// ASSUMPTION on the shape (docs/sources.md#ecr-replication).
pub(crate) const ECR_REPLICATION: Lognormal = Lognormal {
    median: 600.0,
    p95: 1800.0,
};

/// ECR replication: at most 10 rules per replication configuration and 25
/// unique destinations across them (not adjustable).
/// source: docs/sources.md#ecr-replication.
pub(crate) const ECR_REPLICATION_MAX_RULES: usize = 10;
/// source: docs/sources.md#ecr-replication.
pub(crate) const ECR_REPLICATION_MAX_DESTINATIONS: usize = 25;

/// ECR private storage, per GB-month of compressed, de-duplicated layers.
/// source: docs/sources.md#price-ecr.
pub(crate) const ECR_USD_PER_GB_MONTH: f64 = 0.10;

/// EC2 API throttling, per account and Region: CopyImage bucket 100, refill 1/s;
/// RunInstances request bucket 5, refill 2/s.
/// source: docs/sources.md#throttling.
pub(crate) const COPY_IMAGE_BUCKET: (u32, f64) = (100, 1.0);
/// See [`COPY_IMAGE_BUCKET`].
pub(crate) const RUN_INSTANCES_BUCKET: (u32, f64) = (5, 2.0);

/// ECR's PutImage, per account and Region: 10 per second (a container push
/// ends with one). source: docs/sources.md#rule-ecr-replication (ECR's quotas).
pub(crate) const ECR_PUT_IMAGE_BUCKET: (u32, f64) = (10, 10.0);

/// The AWS SDKs' standard retry mode: 3 attempts, exponential backoff with
/// full jitter from a 1 s base, capped at 20 s.
/// source: docs/sources.md#sdk-retry.
pub(crate) const SDK_MAX_ATTEMPTS: u32 = 3;
/// See [`SDK_MAX_ATTEMPTS`].
pub(crate) const SDK_BACKOFF_BASE_S: u64 = 1;
/// See [`SDK_MAX_ATTEMPTS`].
pub(crate) const SDK_BACKOFF_MAX_S: u64 = 20;
/// Packer's `max_retries` when unset: 10 ("to make throttling issues less
/// likely"), passed to the SDK as its maximum attempts, with the SDK's
/// backoff. source: docs/sources.md#sdk-retry.
pub(crate) const PACKER_MAX_RETRIES: u32 = 10;

/// On-demand Linux prices per hour in us-east-1 (us-west-2 the same).
/// source: docs/sources.md#price-instances. Other types and Regions have no
/// sourced figure: give them in `[cost]`.
pub(crate) const INSTANCE_USD_PER_HOUR: &[(&str, f64)] = &[
    ("t3.medium", 0.0416),
    ("m5.large", 0.096),
    ("c5.xlarge", 0.17),
    ("m7i.large", 0.1008),
];

/// On-demand prices per hour with a Windows licence included, us-east-1:
/// t3.medium and m5.large as public tables give them; c5.xlarge and
/// m7i.large an assumption (twice Linux, public tables disagree).
/// source: docs/sources.md#price-windows-instances. `amisim prices` reads
/// the current figures from AWS's price list.
pub(crate) const WINDOWS_INSTANCE_USD_PER_HOUR: &[(&str, f64)] = &[
    ("t3.medium", 0.0596),
    ("m5.large", 0.192),
    ("c5.xlarge", 0.34),
    ("m7i.large", 0.2016),
];

/// The types of [`WINDOWS_INSTANCE_USD_PER_HOUR`] whose price is an
/// assumption (twice Linux), not a published figure.
/// source: docs/sources.md#price-windows-instances.
pub(crate) const WINDOWS_INSTANCE_ASSUMED: &[&str] = &["c5.xlarge", "m7i.large"];

/// EBS gp3, per GB-month (us-east-1). source: docs/sources.md#price-ebs.
pub(crate) const EBS_GP3_USD_PER_GB_MONTH: f64 = 0.08;
/// EBS snapshot storage, standard tier, per GB-month (us-east-1).
/// source: docs/sources.md#price-snapshot.
pub(crate) const SNAPSHOT_USD_PER_GB_MONTH: f64 = 0.05;
/// EBS snapshot storage, archive tier, per GB-month of the full snapshot
/// (us-east-1), with a 90-day minimum. source: docs/sources.md#snapshot-archive.
pub(crate) const SNAPSHOT_ARCHIVE_USD_PER_GB_MONTH: f64 = 0.0125;
/// See [`SNAPSHOT_ARCHIVE_USD_PER_GB_MONTH`].
pub(crate) const SNAPSHOT_ARCHIVE_MIN_DAYS: u64 = 90;
/// Inter-Region transfer, per GB, most pairs. source: docs/sources.md#price-transfer.
pub(crate) const TRANSFER_USD_PER_GB: f64 = 0.02;
/// us-east-1 ↔ us-east-2, per GB. source: docs/sources.md#price-transfer.
pub(crate) const TRANSFER_US_EAST_PAIR_USD_PER_GB: f64 = 0.01;
/// Source Regions with higher transfer prices (São Paulo, Middle East, Cape
/// Town, Hong Kong): about $0.08–0.147 / GB; the low end is used.
/// source: docs/sources.md#price-transfer.
pub(crate) const TRANSFER_EXPENSIVE_SOURCES: &[&str] = &[
    "sa-east-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
];
/// See [`TRANSFER_EXPENSIVE_SOURCES`].
pub(crate) const TRANSFER_EXPENSIVE_USD_PER_GB: f64 = 0.08;
/// Customer managed KMS key, per key-month (each multi-Region replica counts).
/// source: docs/sources.md#price-kms-key.
pub(crate) const KMS_KEY_USD_PER_MONTH: f64 = 1.0;
/// Per-second billing with a 60-second minimum per start.
/// source: docs/sources.md#billing-minimum.
pub(crate) const MIN_BILLED_S: u64 = 60;
/// Hours in a month for GB-month and monthly figures: 730 (AWS's pricing
/// calculator's convention). source: docs/sources.md#hours-per-month.
pub(crate) const HOURS_PER_MONTH: f64 = 730.0;
