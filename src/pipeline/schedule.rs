//! When a pipeline runs, resolved: its cron matches and interval, its start
//! condition, and the recipe's dependencies that release new versions.

use crate::engine::{SimDuration, SimTime};

/// Image Builder's `pipelineExecutionStartCondition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartCondition {
    /// `EXPRESSION_MATCH_ONLY`: build at every schedule match.
    #[default]
    Always,
    /// `EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE` (Image Builder's
    /// default): build at a match only if a matching dependency update was
    /// released since the last build.
    DependencyUpdates,
}

/// When an update source releases.
#[derive(Debug, Clone, PartialEq)]
pub enum Releases {
    /// A Poisson process with this mean gap.
    Random(SimDuration),
    /// On a calendar: the release times before the horizon.
    Calendar(Vec<SimTime>),
}

/// A dependency of the recipe that releases new versions: the base image or
/// a component (docs/sources.md#dependency-updates).
#[derive(Debug, Clone)]
pub struct UpdateSource {
    /// `base_image`, or the component's name.
    pub of: String,
    /// The name its random stream is drawn from: sources of one name, in any
    /// pipelines, release at the same times (one dependency, shared).
    pub stream: String,
    /// When it releases.
    pub releases: Releases,
    /// Whether its new versions match the recipe's version filter; a source
    /// that does not match is never an update for this pipeline.
    pub matches_filter: bool,
}

/// When a pipeline runs (the default: never on its own, as a migration).
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// The cron expression as written, for reports.
    pub cron_text: Option<String>,
    /// Cron matches before the horizon, as simulated times.
    pub cron_times: Vec<SimTime>,
    /// A fixed interval between scheduled builds.
    pub interval: Option<SimDuration>,
    /// Whether a scheduled match builds unconditionally.
    pub start_condition: StartCondition,
    /// The recipe's dependencies that release new versions.
    pub updates: Vec<UpdateSource>,
    /// Start a build at each matching release (an EventBridge rule).
    pub build_on_update: bool,
    /// A manual run at t = 0.
    pub run_at_start: bool,
    /// Image Builder's `autoDisablePolicy.failureCount`: the pipeline is
    /// disabled after this many consecutive failed executions (1-10).
    pub auto_disable_after_failures: Option<u32>,
}

impl Schedule {
    /// An upper estimate of the builds one replication starts: every
    /// scheduled trigger, the run at start, and (with `build_on_update`)
    /// every release, random ones at their expected count.
    pub fn builds_estimate(&self, horizon: SimTime) -> u64 {
        let interval = self
            .interval
            .map_or(0, |iv| horizon.0 / iv.as_millis().max(1));
        let releases: u64 = if self.build_on_update {
            self.updates
                .iter()
                .map(|u| match &u.releases {
                    Releases::Random(mean) => horizon.0 / mean.as_millis().max(1) + 1,
                    Releases::Calendar(t) => t.len() as u64,
                })
                .sum()
        } else {
            0
        };
        (self.cron_times.len() as u64)
            .saturating_add(interval)
            .saturating_add(releases)
            .saturating_add(u64::from(self.run_at_start))
    }
}
