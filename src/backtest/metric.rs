//! What a backtest compares: each stage as Image Builder logs it, each
//! Region's copy, the wait before the build and the end-to-end, measured
//! the same way on the history and on simulated executions.

use crate::pipeline::config::World;
use crate::pipeline::model::{Cause, Outcome, ReplicationResult, Stage, StageRecord};

/// One compared quantity of an execution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// `dateCreated` → the build's `LaunchInstance` (a queue for a build slot).
    BuildWait,
    /// The build's `LaunchInstance` (launch and readiness).
    LaunchBuilder,
    /// The build's `ExecuteComponents`: every build component together.
    Components,
    /// `CollectImageMetadata` after the build components.
    Metadata,
    /// The sanitize script or Sysprep.
    Sanitize,
    /// `CreateImage`: the snapshots and the registration.
    CreateImage,
    /// The test's `LaunchInstance`.
    LaunchTest,
    /// `CollectImageScanFindings` on the test instance.
    ScanFindings,
    /// The test's `ExecuteComponents`: every test together.
    Tests,
    /// `DistributeImage`: every copy and share.
    Distribution,
    /// The distribution's start → the AMI `available` in this Region.
    Copy(String),
    /// `dateCreated` → usable in every Region (succeeded executions).
    TimeToAllRegions,
    /// The share of executions that failed (not a duration).
    Failures,
}

impl Metric {
    /// Its name in backtest.json.
    pub fn name(&self) -> String {
        match self {
            Metric::BuildWait => "build_wait".into(),
            Metric::LaunchBuilder => "launch_builder".into(),
            Metric::Components => "build_components".into(),
            Metric::Metadata => "collect_metadata".into(),
            Metric::Sanitize => "sanitize".into(),
            Metric::CreateImage => "create_image".into(),
            Metric::LaunchTest => "launch_test".into(),
            Metric::ScanFindings => "scan_findings".into(),
            Metric::Tests => "tests".into(),
            Metric::Distribution => "distribution".into(),
            Metric::Copy(r) => format!("copy:{r}"),
            Metric::TimeToAllRegions => "time_to_all_regions".into(),
            Metric::Failures => "failed_executions".into(),
        }
    }

    /// In words, for the verdict.
    pub fn words(&self) -> String {
        match self {
            Metric::BuildWait => "the wait from the image's creation to the build's launch".into(),
            Metric::LaunchBuilder => "the build instance's launch (LaunchInstance)".into(),
            Metric::Components => "the build components (ExecuteComponents)".into(),
            Metric::Metadata => "the metadata collection (CollectImageMetadata)".into(),
            Metric::Sanitize => "the sanitize script".into(),
            Metric::CreateImage => "CreateImage".into(),
            Metric::LaunchTest => "the test instance's launch (LaunchInstance)".into(),
            Metric::ScanFindings => "the scan findings (CollectImageScanFindings)".into(),
            Metric::Tests => "the tests (ExecuteComponents of the test workflow)".into(),
            Metric::Distribution => "the distribution (DistributeImage)".into(),
            Metric::Copy(r) => format!("the copy to {r}"),
            Metric::TimeToAllRegions => "the time to all Regions".into(),
            Metric::Failures => "the share of executions that fail".into(),
        }
    }

    /// A metric of one stage (not the wait before it, nor the end-to-end).
    pub fn is_stage(&self) -> bool {
        !matches!(
            self,
            Metric::BuildWait | Metric::TimeToAllRegions | Metric::Failures
        )
    }

    /// The metric of a simulated stage, if Image Builder logs it as one.
    fn of_stage(stage: Stage, region: &str) -> Option<Metric> {
        Some(match stage {
            Stage::LaunchBuilder => Metric::LaunchBuilder,
            Stage::Component => Metric::Components,
            Stage::CollectMetadata => Metric::Metadata,
            Stage::Sanitize => Metric::Sanitize,
            Stage::CreateImage | Stage::Snapshot | Stage::RegisterImage => Metric::CreateImage,
            Stage::LaunchTest => Metric::LaunchTest,
            Stage::ScanFindings => Metric::ScanFindings,
            Stage::Test => Metric::Tests,
            Stage::Copy => Metric::Copy(region.to_string()),
            _ => return None,
        })
    }
}

/// How an observed execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Its image is (or was) usable.
    Succeeded,
    /// It failed or was cancelled.
    Failed,
}

/// One step of an execution, as a metric.
#[derive(Debug, Clone)]
pub struct Observed {
    /// What it measures.
    pub metric: Metric,
    /// Seconds (for a failed step that timed out: until it gave up).
    pub secs: Option<f64>,
    /// It timed out: the stage lasted longer (right-censored).
    pub censored: bool,
    /// It failed (a time-out included).
    pub failed: bool,
}

/// One reconstructed execution.
#[derive(Debug, Clone)]
pub struct Execution {
    /// The scenario pipeline it belongs to (index).
    pub pipeline: usize,
    /// The image's ARN.
    pub image: String,
    /// `dateCreated`, seconds since the epoch.
    pub created: f64,
    /// How it ended.
    pub ended: Ended,
    /// Its steps (and copies, and the end-to-end), in time order.
    pub steps: Vec<Observed>,
    /// The stage that failed first, if it failed.
    pub failed_stage: Option<Metric>,
}

impl Execution {
    /// The values of `m` in this execution (usually one).
    pub fn values(&self, m: &Metric) -> impl Iterator<Item = (f64, bool)> + '_ {
        let m = m.clone();
        self.steps
            .iter()
            .filter(move |o| o.metric == m)
            .filter_map(|o| o.secs.map(|s| (s, o.censored)))
    }
}

/// The simulated executions of one replication, measured as the history is.
pub(crate) fn simulated(world: &World, r: &ReplicationResult, out: &mut Vec<Execution>) {
    for (run, ids) in r.runs.iter().zip(r.by_exec.iter()) {
        if run.outcome == Outcome::Running {
            continue;
        }
        let recs: Vec<&StageRecord> = ids.iter().map(|i| &r.stages[i.index()]).collect();
        let Some(first) = recs.iter().find(|s| s.stage == Stage::LaunchBuilder) else {
            continue;
        };
        let created = first.enqueued.0 as f64 / 1000.0;
        let mut e = Execution {
            pipeline: run.pipeline as usize,
            image: String::new(),
            created,
            ended: if run.outcome == Outcome::Succeeded {
                Ended::Succeeded
            } else {
                Ended::Failed
            },
            steps: Vec::new(),
            failed_stage: run
                .failed_record
                .and_then(|id| r.stages.get(id.index()))
                .and_then(|s| Metric::of_stage(s.stage, &world.regions[s.region.index()])),
        };
        let secs = |t: crate::engine::SimTime| t.0 as f64 / 1000.0;
        spans(world, &recs, run.tests_passed.map(secs), &mut e);
        e.steps
            .push(value(Metric::BuildWait, secs(first.started) - created));
        if let Some(tp) = run.tests_passed {
            e.steps
                .push(value(Metric::Distribution, secs(run.finished) - secs(tp)));
        }
        if run.outcome == Outcome::Succeeded {
            e.steps.push(value(
                Metric::TimeToAllRegions,
                secs(run.finished) - created,
            ));
        }
        out.push(e);
    }
}

fn value(metric: Metric, secs: f64) -> Observed {
    Observed {
        metric,
        secs: Some(secs.max(0.0)),
        censored: false,
        failed: false,
    }
}

/// Each logged stage's span (first start to last end of its records), a
/// copy from the distribution's start; failed ones as failed.
fn spans(world: &World, recs: &[&StageRecord], dist_start: Option<f64>, e: &mut Execution) {
    // (metric, first start, last end, the last record's outcome: failed, timed out)
    let mut acc: Vec<(Metric, f64, f64, (bool, bool))> = Vec::new();
    for s in recs {
        let region = &world.regions[s.region.index()];
        let Some(m) = Metric::of_stage(s.stage, region) else {
            continue;
        };
        let (a, b) = (s.started.0 as f64 / 1000.0, s.finished.0 as f64 / 1000.0);
        let a = match (&m, dist_start) {
            (Metric::Copy(_), Some(d)) => d,
            _ => a,
        };
        let failed = s.outcome == Outcome::Failed;
        let timed_out = failed && s.cause == Cause::StepTimeout;
        match acc.iter_mut().find(|x| x.0 == m) {
            Some(x) => {
                x.1 = x.1.min(a);
                if b >= x.2 {
                    x.3 = (failed, timed_out);
                }
                x.2 = x.2.max(b);
            }
            None => acc.push((m, a, b, (failed, timed_out))),
        }
    }
    for (metric, a, b, (failed, censored)) in acc {
        e.steps.push(Observed {
            metric,
            secs: (!failed || censored).then_some((b - a).max(0.0)),
            censored,
            failed,
        });
    }
}
