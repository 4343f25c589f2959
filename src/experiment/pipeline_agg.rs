//! Per pipeline, over replications: its times, stages, failures and
//! critical steps (what `summary.csv` and the report's pipeline sections read).

use std::collections::BTreeMap;
use vecmap::VecMap;

use serde::{Deserialize, Serialize};

use super::moments::Moments;
use super::stats::Metric;
use crate::pipeline::analysis::CriticalKey;
use crate::pipeline::model::{Cause, Stage};

/// Per stage of a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageAgg {
    /// `finished − started`, ms.
    pub duration: Metric,
    /// `started − enqueued`, ms.
    pub wait: Metric,
    /// Occurrences that failed.
    pub failed: u64,
}

/// Per pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineAgg {
    /// Executions triggered.
    pub executions: u64,
    /// Executions that failed.
    pub failed: u64,
    /// Trigger → usable in every Region, succeeded executions, ms.
    pub time_to_all_regions: Metric,
    /// The p95 of time to all Regions (ms) of each replication with a
    /// succeeded run: one observation per replication.
    pub p95_of_reps: Moments,
    /// Phases of succeeded executions: trigger → AMI available, → tests passed, → usable everywhere.
    pub phases: [Metric; 3],
    /// How often each step was the critical one (pairs in JSON: the keys
    /// are not strings).
    #[serde(with = "pairs")]
    pub critical: BTreeMap<CriticalKey, u64>,
    /// Per stage, in [`Stage::ALL`] order.
    pub stages: Vec<StageAgg>,
    /// Cost of each execution (its ledger lines), micro-dollars.
    pub cost_per_execution: Metric,
    /// Its executions' cost in each replication, projected to a month
    /// (× 730 h / horizon), micro-dollars: its share of the scenario's
    /// monthly cost (KMS keys, which belong to no execution, are not in it).
    #[serde(default)]
    pub monthly_cost: Metric,
    /// Release (dependency update) → an image containing it usable everywhere, ms.
    #[serde(default)]
    pub exposure_window: Metric,
    /// Releases no execution had shipped when their replication ended.
    #[serde(default)]
    pub unpatched: u64,
    /// When `auto_disable_after_failures` disabled the pipeline, ms from the
    /// start: one observation per replication where it did.
    #[serde(default)]
    pub disabled_at: Metric,
    /// Trigger → usable in the first of its Regions, succeeded executions, ms.
    #[serde(default)]
    pub time_to_first_region: Metric,
    /// Per target Region (its index in the world's Regions): trigger → the
    /// last of the execution's stages there finished (the image usable
    /// there), succeeded executions, ms. Sorted by Region, in a vector: a
    /// pipeline has a few, and a B-tree held them in 2.4 times the memory
    /// (1,000 pipelines' 13,000: 5.5 MB, against 2.3 MB).
    #[serde(
        default,
        serialize_with = "pairs::serialize",
        deserialize_with = "sorted_pairs::deserialize"
    )]
    pub time_to_region: VecMap<u16, Metric>,
    /// Failed executions by the stage, item and cause of their failure.
    #[serde(default, with = "pairs")]
    pub failures: BTreeMap<FailureKey, u64>,
}

/// What failed an execution: its failed stage, that stage's item (as in
/// [`StageRecord::item`](crate::pipeline::model::StageRecord)) and the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FailureKey {
    /// The stage that failed.
    pub stage: Stage,
    /// Its item: component, test, volume or copy index.
    pub item: u16,
    /// Why.
    pub cause: Cause,
}

/// [`pairs`]' reading for a map kept sorted by key in a vector: read in
/// any order, a key given twice keeping its last value, as a `BTreeMap`
/// reads them (written by [`pairs::serialize`]).
pub(super) mod sorted_pairs {
    use serde::{Deserialize, Deserializer};
    use vecmap::VecMap;

    pub(crate) fn deserialize<'de, K, V, D>(d: D) -> Result<VecMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let mut m: VecMap<K, V> = Vec::<(K, V)>::deserialize(d)?.into_iter().collect();
        m.sort_keys();
        Ok(m)
    }
}

/// Serde for a map as a list of pairs (JSON object keys must be strings).
pub(super) mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Any map whose entries iterate in key order (a `BTreeMap`, or a
    /// sorted `VecMap`).
    pub(crate) fn serialize<'a, M, K, V, S>(m: &'a M, s: S) -> Result<S::Ok, S::Error>
    where
        &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        K: Serialize + 'a,
        V: Serialize + 'a,
        S: Serializer,
    {
        s.collect_seq(m)
    }

    pub(crate) fn deserialize<
        'de,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    >(
        d: D,
    ) -> Result<BTreeMap<K, V>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per-Region metrics read from a file in any order, a Region named
    /// twice keeping its last value, come out sorted, as a B-tree read them.
    #[test]
    fn per_region_metrics_read_sorted_and_the_last_of_a_key_wins() {
        let metric = |v: u64| {
            let mut m = Metric::default();
            m.add(v);
            m
        };
        let pairs = vec![(5u16, metric(1)), (2, metric(2)), (5, metric(3))];
        let text = serde_json::to_string(&pairs).unwrap();
        let mut d = serde_json::Deserializer::from_str(&text);
        let m: VecMap<u16, Metric> = sorted_pairs::deserialize(&mut d).unwrap();
        let b: BTreeMap<u16, Metric> = pairs.into_iter().collect();
        let got: Vec<(u16, u64)> = m.iter().map(|(k, v)| (*k, v.max)).collect();
        let want: Vec<(u16, u64)> = b.iter().map(|(k, v)| (*k, v.max)).collect();
        assert_eq!(got, vec![(2, 2), (5, 3)]);
        assert_eq!(got, want);
    }
}
