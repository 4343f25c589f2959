//! `manifest.json`: what produced an output directory. One type, written by
//! `run`, `merge` and sweeps, read back by `amisim report`. It holds nothing
//! that depends on the machine, the thread count, the sharding or the clock.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ReportError;

/// The manifest of a run or a sweep (fields in the order they are written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The amisim that wrote it.
    pub amisim_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file, an absolute path (so that `amisim report` finds it
    /// from anywhere).
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// What ran.
    #[serde(flatten)]
    pub kind: ManifestKind,
    /// Events simulated.
    pub events: u64,
    /// The precision target (`--precision`), when one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionRecord>,
    /// The replications (from 0) whose rows the row files hold, when row
    /// files were written (`--row-replications`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_replications: Option<u64>,
    /// Every file written into the directory (a directory ends in `/`).
    pub files: Vec<String>,
}

/// A precision target and whether it was met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PrecisionRecord {
    /// The target: the 95 % CI's half-width as a fraction of the estimate.
    pub target: f64,
    /// The statistic it applies to: `mean` or `p95` of time to all Regions.
    pub of: String,
    /// The half-width reached (the worst pipeline's), as a fraction.
    pub achieved: Option<f64>,
    /// The bound on replications (`--max-replications`).
    pub max_replications: u64,
    /// Whether the target was met before the bound.
    pub met: bool,
}

impl PrecisionRecord {
    /// The record of `target` for a run that ended with `agg`.
    pub(crate) fn of(p: &crate::experiment::Precision, agg: &crate::experiment::Aggregate) -> Self {
        let achieved = agg
            .worst_relative_half_width()
            .map(|(mean, p95)| if p.of_p95 { p95 } else { mean });
        PrecisionRecord {
            target: p.relative_half_width,
            of: if p.of_p95 { "p95" } else { "mean" }.into(),
            achieved,
            max_replications: p.max_replications,
            met: achieved.is_some_and(|a| a <= p.relative_half_width),
        }
    }

    /// The warning printed, and put in the report, when the target was not met.
    pub(crate) fn unmet(&self, replications: u64) -> Option<String> {
        (!self.met).then(|| {
            format!(
                "the precision target was not met: the {} of time to all Regions has a 95 % CI of ±{} after {replications} replications (target ±{:.2} %, bound {}); raise --max-replications or loosen --precision",
                self.of,
                self.achieved
                    .map_or("unknown (too few succeeded runs)".into(), |a| format!("{:.2} %", a * 100.0)),
                self.target * 100.0,
                self.max_replications
            )
        })
    }
}

/// The absolute form of a scenario path, for a manifest.
pub(crate) fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// A single scenario or a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum ManifestKind {
    /// One scenario.
    Run {
        /// Replications run.
        replications: u64,
        /// Calendar time of t = 0, RFC 3339.
        start: String,
        /// The horizon, as the scenario writes durations.
        horizon: String,
        /// Region codes.
        regions: Vec<String>,
        /// Pipeline names.
        pipelines: Vec<String>,
    },
    /// A `[sweep]`.
    Sweep {
        /// The keys the sweep varies.
        sweep_keys: Vec<String>,
        /// How many points.
        points: usize,
        /// Replications of each point.
        replications_per_point: Vec<u64>,
    },
}

impl Manifest {
    /// The JSON written to disk (pretty, with a final newline).
    pub(crate) fn to_json(&self) -> Result<Vec<u8>, ReportError> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Reads `dir/manifest.json`.
    pub(crate) fn read(dir: &Path) -> Result<Manifest, ReportError> {
        let path = dir.join(crate::experiment::outputs::MANIFEST.name);
        let bytes = std::fs::read(&path).map_err(|source| ReportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Replications run, for a single scenario.
    pub(crate) fn replications(&self) -> Option<u64> {
        match self.kind {
            ManifestKind::Run { replications, .. } => Some(replications),
            ManifestKind::Sweep { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written() {
        let m = Manifest {
            amisim_version: "0.1.0".into(),
            scenario: "s".into(),
            scenario_file: "s.toml".into(),
            scenario_sha256: "ab".into(),
            seed: 3,
            kind: ManifestKind::Sweep {
                sweep_keys: vec!["quotas.concurrent_builds".into()],
                points: 2,
                replications_per_point: vec![5, 5],
            },
            events: 10,
            precision: None,
            row_replications: None,
            files: vec!["sweep.csv".into()],
        };
        let json = m.to_json().unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        let order: Vec<usize> = ["\"seed\"", "\"sweep_keys\"", "\"events\"", "\"files\""]
            .iter()
            .map(|k| text.find(k).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(serde_json::from_slice::<Manifest>(&json).unwrap(), m);
        assert_eq!(m.replications(), None);
    }
}
