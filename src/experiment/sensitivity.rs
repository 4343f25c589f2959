//! Which assumption the answer depends on: the scenario run again with each
//! assumed default (no AWS figure behind it) twice as slow, wherever the
//! scenario relies on it, with the same seed and replications (common
//! random numbers), and the p95 its `[slo]` scope judges compared.
//!
//! Each variant lays a calibration over the scenario that stands only where
//! the scenario sets nothing (a `[latency]` key, a `[[route]]`), so a value
//! the scenario measured or chose is never changed.

use super::{Aggregate, ExperimentError, run};
use crate::aws::facts::{self, Lognormal};
use crate::pipeline::config::Pipeline;
use crate::scenario::{LoadOptions, Scenario};

/// One assumption made twice as slow, and what the p95 became.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// The assumption, in words, with its article.
    pub assumption: &'static str,
    /// Its entry in docs/sources.md.
    pub source: &'static str,
    /// What the p95 is of (the fleet, a pipeline).
    pub of: String,
    /// The p95 with it twice as slow, seconds, and its n.
    pub p95_s: f64,
    /// Succeeded executions behind it.
    pub n: u64,
}

/// A latency as TOML, `k` times slower (a lognormal's quantiles scaled).
fn slower(l: Lognormal, k: f64) -> String {
    format!(
        "{{ kind = \"lognormal\", median = \"{}s\", p95 = \"{}s\" }}",
        l.median * k,
        l.p95 * k
    )
}

/// A throughput model as TOML, twice as slow: its overhead doubled, its
/// rate halved.
fn slower_throughput(overhead: Lognormal, rate: Lognormal) -> String {
    format!(
        "{{ overhead = {}, throughput_mib_s = {{ kind = \"lognormal\", median = {}, p95 = {} }} }}",
        slower(overhead, 2.0),
        rate.median / 2.0,
        rate.p95 / 2.0
    )
}

/// The assumed defaults amisim can make slower: key, words, source, value.
fn knobs() -> [(&'static str, &'static str, &'static str, String); 7] {
    [
        (
            "copy",
            "the best-effort copy throughput and overhead",
            "docs/sources.md#copy-time",
            slower_throughput(facts::COPY_OVERHEAD, facts::COPY_THROUGHPUT_MIB_S),
        ),
        (
            "snapshot",
            "the snapshot throughput and overhead",
            "docs/sources.md#snapshot-time",
            slower_throughput(facts::SNAPSHOT_OVERHEAD, facts::SNAPSHOT_THROUGHPUT_MIB_S),
        ),
        (
            "instance_ready",
            "Image Builder's readiness wait after a launch",
            "docs/sources.md#image-builder-readiness",
            slower(facts::IMAGE_BUILDER_READY, 2.0),
        ),
        (
            "ecr_replication",
            "the ECR replication delay",
            "docs/sources.md#ecr-replication",
            slower(facts::ECR_REPLICATION, 2.0),
        ),
        (
            "ecr_push",
            "the ECR push throughput and overhead",
            "docs/sources.md#container-build",
            slower_throughput(facts::ECR_PUSH_OVERHEAD, facts::ECR_PUSH_THROUGHPUT_MIB_S),
        ),
        (
            "collect_image_metadata",
            "Image Builder's metadata collection (CollectImageMetadata)",
            "docs/sources.md#image-metadata",
            slower(facts::IMAGE_BUILDER_METADATA, 2.0),
        ),
        (
            "collect_image_scan_findings",
            "Image Builder's scan findings (CollectImageScanFindings)",
            "docs/sources.md#image-scanning",
            slower(facts::IMAGE_BUILDER_SCAN_FINDINGS, 2.0),
        ),
    ]
}

/// Runs each assumption twice as slow for the report of `agg`; only those
/// the scenario relies on (whose run differs) are kept. `None` when the
/// scenario file cannot be read again.
pub fn for_run(
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
    let mut out = Vec::new();
    for (key, words, source, value) in knobs() {
        let cal = dir.path().join(format!("{key}.toml"));
        if std::fs::write(&cal, format!("[latency]\n{key} = {value}\n")).is_err() {
            continue;
        }
        let overlay = crate::scenario::Overlay {
            calibration: cal,
            wins: false,
            window: None,
        };
        let Ok(s) = crate::scenario::from_str_overlay(&scn.path, &text, load, &overlay) else {
            continue;
        };
        // Every pipeline sets the key itself: nothing to run.
        let unchanged = |(a, b): (&Pipeline, &Pipeline)| a.latency == b.latency;
        let pairs = scn.world.pipelines.iter().zip(&s.world.pipelines);
        if pairs.clone().all(unchanged) {
            continue;
        }
        let other = run(
            &s,
            &super::scope::same_plan(agg, seed)?,
            |_: &mut (), _, _, _| {},
            |_, _, _| Ok(()),
        )?;
        let Some((of, p95_s, n)) = super::scope::headline_p95(&s, &other) else {
            continue;
        };
        // The same p95 to the millisecond: the scenario does not rely on it.
        if (p95_s - base.1).abs() >= 0.0005 {
            out.push(Sensitivity {
                assumption: words,
                source,
                of,
                p95_s,
                n,
            });
        }
    }
    out.sort_by(|a, b| b.p95_s.total_cmp(&a.p95_s));
    Ok(out)
}
