//! Which assumption the answer depends on: the scenario run again with each
//! assumed default (no AWS figure behind it) twice as slow and twice as
//! fast, one at a time, wherever the scenario relies on it, with the same
//! seed and replications (common random numbers), and the p95 its `[slo]`
//! scope judges compared.
//!
//! Each variant lays a calibration over the scenario that stands only where
//! the scenario sets nothing (a `[latency]` key, a `[[route]]`), so a value
//! the scenario measured or chose is never changed.

use super::{Aggregate, ExperimentError, run};
use crate::aws::facts::{self, Lognormal};
use crate::pipeline::config::Pipeline;
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

/// A latency as TOML, `k` times slower (a lognormal's quantiles scaled).
fn slower(l: Lognormal, k: f64) -> String {
    format!(
        "{{ kind = \"lognormal\", median = \"{}s\", p95 = \"{}s\" }}",
        l.median * k,
        l.p95 * k
    )
}

/// A throughput model as TOML, `k` times slower: its overhead times `k`,
/// its rate divided by `k`.
fn slower_throughput(overhead: Lognormal, rate: Lognormal, k: f64) -> String {
    format!(
        "{{ overhead = {}, throughput_mib_s = {{ kind = \"lognormal\", median = {}, p95 = {} }} }}",
        slower(overhead, k),
        rate.median / k,
        rate.p95 / k
    )
}

/// An assumed default: a latency, or a throughput (overhead and rate).
#[derive(Clone, Copy)]
enum Assumed {
    Latency(Lognormal),
    Throughput(Lognormal, Lognormal),
}

impl Assumed {
    /// Its value `k` times slower, as TOML.
    fn slower(self, k: f64) -> String {
        match self {
            Assumed::Latency(l) => slower(l, k),
            Assumed::Throughput(o, r) => slower_throughput(o, r, k),
        }
    }
}

/// The assumed defaults amisim can vary: key, words, source, value.
fn knobs() -> [(&'static str, &'static str, &'static str, Assumed); 7] {
    [
        (
            "copy",
            "the best-effort copy throughput and overhead",
            "docs/sources.md#copy-time",
            Assumed::Throughput(facts::COPY_OVERHEAD, facts::COPY_THROUGHPUT_MIB_S),
        ),
        (
            "snapshot",
            "the snapshot throughput and overhead",
            "docs/sources.md#snapshot-time",
            Assumed::Throughput(facts::SNAPSHOT_OVERHEAD, facts::SNAPSHOT_THROUGHPUT_MIB_S),
        ),
        (
            "instance_ready",
            "Image Builder's readiness wait after a launch",
            "docs/sources.md#image-builder-readiness",
            Assumed::Latency(facts::IMAGE_BUILDER_READY),
        ),
        (
            "ecr_replication",
            "the ECR replication delay",
            "docs/sources.md#ecr-replication",
            Assumed::Latency(facts::ECR_REPLICATION),
        ),
        (
            "ecr_push",
            "the ECR push throughput and overhead",
            "docs/sources.md#container-build",
            Assumed::Throughput(facts::ECR_PUSH_OVERHEAD, facts::ECR_PUSH_THROUGHPUT_MIB_S),
        ),
        (
            "collect_image_metadata",
            "Image Builder's metadata collection (CollectImageMetadata)",
            "docs/sources.md#image-metadata",
            Assumed::Latency(facts::IMAGE_BUILDER_METADATA),
        ),
        (
            "collect_image_scan_findings",
            "Image Builder's scan findings (CollectImageScanFindings)",
            "docs/sources.md#image-scanning",
            Assumed::Latency(facts::IMAGE_BUILDER_SCAN_FINDINGS),
        ),
    ]
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
    let mut out = Vec::new();
    for (key, words, source, value) in knobs() {
        let Some((_, p95_s, n)) = varied.p95(key, value.slower(2.0))? else {
            continue;
        };
        // The same p95 to the millisecond: the scenario does not rely on it.
        if (p95_s - base.1).abs() >= 0.0005 {
            let faster = varied.p95(key, value.slower(0.5))?.map(|(_, p, n)| (p, n));
            out.push(Sensitivity {
                assumption: words,
                source,
                p95_s,
                n,
                faster,
            });
        }
    }
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
    fn p95(&self, key: &str, value: String) -> Result<Option<(String, f64, u64)>, ExperimentError> {
        let cal = self.dir.join(format!("{key}.toml"));
        if std::fs::write(&cal, format!("[latency]\n{key} = {value}\n")).is_err() {
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
        let other = run(&s, &plan, |_: &mut (), _, _, _| {}, |_, _, _| Ok(()))?;
        Ok(super::scope::headline_p95(&s, &other))
    }
}
