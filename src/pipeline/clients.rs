//! How each tool's client behaves: Image Builder's step time-outs,
//! Packer's waiters, and every client's retries of a throttled call.

use crate::engine::SimDuration;

/// Image Builder's workflow step time-outs: a step still running at its
/// time-out fails the execution with cause `step_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTimeouts {
    /// `LaunchInstance`: the launch and the wait for readiness.
    pub launch_instance: SimDuration,
    /// `ExecuteComponents`: every build component, from the first one's start.
    pub execute_components: SimDuration,
    /// `CreateImage`: until every snapshot completes.
    pub create_image: SimDuration,
}

/// How a pipeline's client retries a call throttled with
/// `RequestLimitExceeded` (exponential backoff with full jitter, `[api]`'s
/// base and cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiRetry {
    /// The AWS SDKs' standard mode: `[api] max_attempts` attempts in all (3).
    Sdk,
    /// At most this many attempts in all: Packer's `max_retries` (10 unless
    /// set), or the pipeline's `api_max_attempts`.
    Attempts(u32),
    /// Image Builder's own calls: retried until the step's time-out
    /// (LaunchInstance for launches, DistributeImage for copies), an
    /// assumption (AWS does not document them).
    UntilStepTimeout,
}

/// Image Builder's RetryImage as the scenario's automation calls it
/// (docs/sources.md#retry-image): a failed execution is resumed from the
/// point of failure, without a rebuild, if its failure is in a covered phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryImage {
    /// Retries of one execution, all phases together.
    pub attempts: u8,
    /// Wait between the failure and the retry.
    pub delay: SimDuration,
    /// A failed distribution (a copy or share, or the time-out) is resumed.
    pub distribution: bool,
    /// A failed test phase (the test instance's launch or a test) runs again
    /// on a new test instance.
    pub test: bool,
}

/// Image Builder's optional workflow steps (docs/sources.md#image-metadata,
/// docs/sources.md#image-scanning); other tools have neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionalSteps {
    /// CollectImageMetadata after the build components (Image Builder's
    /// `enhancedImageMetadataEnabled`, on by default; AMIs only).
    pub metadata: bool,
    /// CollectImageScanFindings on the test instance
    /// (`imageScanningConfiguration.imageScanningEnabled`, off by default).
    pub scanning: bool,
}

/// Packer's waiter deadlines, from its `aws_polling` arithmetic
/// (docs/sources.md#packer-waiters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackerWaits {
    /// Waiting for an AMI to be available: after CreateImage, and for each copy.
    pub ami: SimDuration,
    /// Every other wait (the builder's stop).
    pub other: SimDuration,
}

impl PackerWaits {
    /// The deadlines for `aws_polling` (or `AWS_POLL_DELAY_SECONDS` and
    /// `AWS_MAX_ATTEMPTS`) as set: a delay in seconds and a number of attempts.
    pub fn from_polling(delay_s: Option<u64>, attempts: Option<u64>) -> Self {
        use crate::aws::facts::{PACKER_AMI_ATTEMPTS, PACKER_OTHER_ATTEMPTS, PACKER_POLL_DELAY_S};
        let each = |n: u64, d: u64| SimDuration::from_secs(n.saturating_mul(d));
        match (delay_s, attempts) {
            (None, None) => PackerWaits {
                ami: each(PACKER_AMI_ATTEMPTS, PACKER_POLL_DELAY_S),
                other: each(PACKER_OTHER_ATTEMPTS, PACKER_POLL_DELAY_S),
            },
            (Some(d), None) => PackerWaits {
                ami: each(PACKER_OTHER_ATTEMPTS, d),
                other: each(PACKER_OTHER_ATTEMPTS, d),
            },
            (d, Some(n)) => {
                let w = each(n, d.unwrap_or(PACKER_POLL_DELAY_S));
                PackerWaits { ami: w, other: w }
            }
        }
    }
}
