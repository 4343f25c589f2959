//! `manifest.json`: what produced an output directory. One type, written by
//! `run`, `merge` and sweeps, read back by `amisim report`. It holds nothing
//! that depends on the machine, the thread count, the sharding or the clock.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ReportError;

/// The manifest of a run or a sweep (fields in the order they are written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The amisim that wrote it.
    pub amisim_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file, as given on the command line.
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
    /// The files written.
    pub files: Vec<String>,
}

/// A single scenario or a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ManifestKind {
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
    pub fn to_json(&self) -> Result<Vec<u8>, ReportError> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, ReportError> {
        let path = dir.join(crate::experiment::outputs::MANIFEST.name);
        let bytes = std::fs::read(&path).map_err(|source| ReportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Replications run, for a single scenario.
    pub fn replications(&self) -> Option<u64> {
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
