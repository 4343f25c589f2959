//! Which assumption the answer depends on: the scenario run again with each
//! assumed default (no AWS figure behind it) twice as slow and twice as
//! fast, one at a time, wherever the scenario relies on it, with the same
//! seed and replications (common random numbers), and the p95 its `[slo]`
//! scope judges compared.
//!
//! Each variant lays a calibration over the scenario that stands only where
//! the scenario sets nothing (a `[latency]` key, a `[[route]]`), so a value
//! the scenario measured or chose is never changed.

use rayon::prelude::*;

use super::{Aggregate, ExperimentError};
use crate::aws::facts::{self, Lognormal};
use crate::engine::SimDuration;
use crate::pipeline::config::Pipeline;
use crate::pipeline::model::Stage;
use crate::scenario::draft::{Draft, Val};
use crate::scenario::raw::RawCalibration;
use crate::scenario::spec::{DistTable, Dur, LawSpec, ThroughputSpec};
use crate::scenario::{LoadOptions, Scenario};

/// One assumption made twice as slow and twice as fast, and what the p95
/// became.
#[derive(Debug, Clone)]
pub(crate) struct Sensitivity {
    /// The assumption, in words, with its article.
    pub assumption: &'static str,
    /// Its entry in docs/sources.md.
    pub source: &'static str,
    /// The p95 with it twice as slow, seconds, and its n.
    pub p95_s: f64,
    /// Succeeded executions behind it.
    pub n: u64,
    /// The p95 with it twice as fast, seconds, and its n.
    pub faster: Option<(f64, u64)>,
}

/// Seconds as a duration, read as the text `"<x>s"` reads.
fn dur(x: f64) -> Dur {
    Dur(SimDuration::parse(&format!("{x}s")).unwrap_or(SimDuration::from_secs_f64(x)))
}

/// A latency `k` times slower (a lognormal's quantiles scaled).
fn slower(l: Lognormal, k: f64) -> LawSpec<Dur> {
    LawSpec::Table(DistTable::Lognormal {
        median: Some(dur(l.median * k)),
        p95: Some(dur(l.p95 * k)),
        mu: None,
        sigma: None,
    })
}

/// A throughput model `k` times slower: its overhead times `k`, its rate
/// divided by `k`.
fn slower_throughput(overhead: Lognormal, rate: Lognormal, k: f64) -> ThroughputSpec {
    ThroughputSpec {
        overhead: slower(overhead, k),
        throughput_mib_s: LawSpec::Table(DistTable::Lognormal {
            median: Some(rate.median / k),
            p95: Some(rate.p95 / k),
            mu: None,
            sigma: None,
        }),
    }
}

/// An assumed default: a latency, or a throughput (overhead and rate).
#[derive(Clone, Copy)]
enum Assumed {
    Latency(Lognormal),
    Throughput(Lognormal, Lognormal),
}

impl Assumed {
    /// Its value `k` times slower.
    fn slower(self, k: f64) -> Val {
        match self {
            Assumed::Latency(l) => Val::of(&slower(l, k)),
            Assumed::Throughput(o, r) => Val::of(&slower_throughput(o, r, k)),
        }
    }
}

/// An assumed default amisim can vary.
struct Knob {
    /// Its `[latency]` key.
    key: &'static str,
    /// In words, with its article.
    words: &'static str,
    /// Its entry in docs/sources.md.
    source: &'static str,
    /// Its value.
    value: Assumed,
    /// The stages that sample it: a run none of whose pipelines ran one
    /// does not rely on it.
    stages: &'static [Stage],
}

/// The assumed defaults amisim can vary.
fn knobs() -> [Knob; 7] {
    let knob = |key, words, source, value, stages| Knob {
        key,
        words,
        source,
        value,
        stages,
    };
    [
        knob(
            "copy",
            "the best-effort copy throughput and overhead",
            "docs/sources.md#copy-time",
            Assumed::Throughput(facts::COPY_OVERHEAD, facts::COPY_THROUGHPUT_MIB_S),
            &[Stage::Copy],
        ),
        knob(
            "snapshot",
            "the snapshot throughput and overhead",
            "docs/sources.md#snapshot-time",
            Assumed::Throughput(facts::SNAPSHOT_OVERHEAD, facts::SNAPSHOT_THROUGHPUT_MIB_S),
            &[Stage::Snapshot],
        ),
        knob(
            "instance_ready",
            "Image Builder's readiness wait after a launch",
            "docs/sources.md#image-builder-readiness",
            Assumed::Latency(facts::IMAGE_BUILDER_READY),
            &[Stage::LaunchBuilder, Stage::LaunchTest],
        ),
        knob(
            "ecr_replication",
            "the ECR replication delay",
            "docs/sources.md#ecr-replication",
            Assumed::Latency(facts::ECR_REPLICATION),
            &[Stage::Replicate],
        ),
        knob(
            "ecr_push",
            "the ECR push throughput and overhead",
            "docs/sources.md#container-build",
            Assumed::Throughput(facts::ECR_PUSH_OVERHEAD, facts::ECR_PUSH_THROUGHPUT_MIB_S),
            &[Stage::Push],
        ),
        knob(
            "collect_image_metadata",
            "Image Builder's metadata collection (CollectImageMetadata)",
            "docs/sources.md#image-metadata",
            Assumed::Latency(facts::IMAGE_BUILDER_METADATA),
            &[Stage::CollectMetadata],
        ),
        knob(
            "collect_image_scan_findings",
            "Image Builder's scan findings (CollectImageScanFindings)",
            "docs/sources.md#image-scanning",
            Assumed::Latency(facts::IMAGE_BUILDER_SCAN_FINDINGS),
            &[Stage::ScanFindings],
        ),
    ]
}

/// Whether any pipeline of the run ran one of `stages`.
fn ran(agg: &Aggregate, stages: &[Stage]) -> bool {
    agg.pipelines.iter().any(|p| {
        stages.iter().any(|s| {
            p.stages
                .get(s.index())
                .is_some_and(|a| a.duration.count > 0)
        })
    })
}

/// Runs each assumption twice as slow, and where that moves the p95 twice
/// as fast, for the report of `agg`; only those the scenario relies on
/// (whose run differs) are kept, the largest p95 first. Empty when the
/// scenario file cannot be read again.
pub(crate) fn for_run(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
    load: &LoadOptions,
) -> Result<Vec<Sensitivity>, ExperimentError> {
    let Ok(text) = crate::scenario::read(&scn.path) else {
        return Ok(Vec::new());
    };
    let Some(base) = super::scope::headline_p95(scn, agg) else {
        return Ok(Vec::new());
    };
    let Ok(dir) = tempfile::tempdir() else {
        return Ok(Vec::new());
    };
    let varied = Varied {
        scn,
        agg,
        seed,
        load,
        text: &text,
        dir: dir.path(),
    };
    // The variants are independent runs, each deterministic: run together.
    let used: Vec<Knob> = knobs().into_iter().filter(|k| ran(agg, k.stages)).collect();
    let slower = super::in_pool(|| {
        used.par_iter()
            .map(|k| varied.p95(k.key, k.value.slower(2.0)))
            .collect::<Result<Vec<_>, _>>()
    })??;
    // The same p95 to the millisecond: the scenario does not rely on it.
    let moved: Vec<(&Knob, f64, u64)> = used
        .iter()
        .zip(slower)
        .filter_map(|(k, got)| got.map(|(_, p95_s, n)| (k, p95_s, n)))
        .filter(|(_, p95_s, _)| (p95_s - base.1).abs() >= 0.0005)
        .collect();
    let faster = super::in_pool(|| {
        moved
            .par_iter()
            .map(|(k, _, _)| varied.p95(k.key, k.value.slower(0.5)))
            .collect::<Result<Vec<_>, _>>()
    })??;
    let mut out: Vec<Sensitivity> = moved
        .iter()
        .zip(faster)
        .map(|((k, p95_s, n), faster)| Sensitivity {
            assumption: k.words,
            source: k.source,
            p95_s: *p95_s,
            n: *n,
            faster: faster.map(|(_, p, n)| (p, n)),
        })
        .collect();
    out.sort_by(|a, b| b.p95_s.total_cmp(&a.p95_s));
    Ok(out)
}

/// The run a variant repeats, and where its calibrations go.
struct Varied<'a> {
    scn: &'a Scenario,
    agg: &'a Aggregate,
    seed: u64,
    load: &'a LoadOptions,
    text: &'a str,
    dir: &'a std::path::Path,
}

impl Varied<'_> {
    /// The headline p95 with `[latency] key = value` where the scenario sets
    /// nothing; `None` when no pipeline uses it or it cannot be loaded.
    fn p95(&self, key: &str, value: Val) -> Result<Option<(String, f64, u64)>, ExperimentError> {
        let cal = self.dir.join(format!("{key}.toml"));
        let mut draft = Draft::default();
        draft.table(&["latency"]);
        draft.set(key, value, "");
        let Ok((text, _)) = draft.render::<RawCalibration>("") else {
            return Ok(None);
        };
        if std::fs::write(&cal, text).is_err() {
            return Ok(None);
        }
        let overlay = crate::scenario::Overlay {
            calibration: cal,
            wins: false,
            window: None,
        };
        let scn = self.scn;
        let Ok(s) = crate::scenario::from_str_overlay(&scn.path, self.text, self.load, &overlay)
        else {
            return Ok(None);
        };
        // Every pipeline sets the key itself: nothing to run.
        let unchanged = |(a, b): (&Pipeline, &Pipeline)| a.latency == b.latency;
        if scn
            .world
            .pipelines
            .iter()
            .zip(&s.world.pipelines)
            .all(unchanged)
        {
            return Ok(None);
        }
        let plan = super::scope::same_plan(self.agg, self.seed)?;
        let other = super::run_headline(&s, &plan)?;
        Ok(super::scope::headline_p95(&s, &other))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Plan, run, run_headline, scope::headline_p95};
    use crate::scenario::LoadOptions;

    // The variants' slim aggregate holds the same executions and times to
    // all Regions as the whole one, so their p95s are the naive computation's.
    #[test]
    fn a_headline_aggregate_has_the_whole_ones_times_and_p95() {
        for path in [
            "scenarios/quickstart.toml",
            "scenarios/enterprise-capacity.toml",
        ] {
            let scn = crate::scenario::load(Path::new(path), &LoadOptions::default()).unwrap();
            let plan = Plan {
                seed: 7,
                first: 3,
                count: 4,
                threads: 2,
                chunk: 2,
                precision: None,
            };
            let whole = run(&scn, &plan, |_: &mut (), _, _, _| {}, |_, _, _| Ok(())).unwrap();
            let slim = run_headline(&scn, &plan).unwrap();
            assert_eq!(whole.replications, slim.replications);
            for (a, b) in whole.pipelines.iter().zip(&slim.pipelines) {
                assert_eq!(a.time_to_all_regions, b.time_to_all_regions, "{path}");
                assert_eq!((a.executions, a.failed), (b.executions, b.failed));
            }
            let p95 = headline_p95(&scn, &whole);
            assert!(p95.is_some(), "{path}");
            assert_eq!(p95, headline_p95(&scn, &slim), "{path}");
        }
    }
}
