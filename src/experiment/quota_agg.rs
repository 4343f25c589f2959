//! Per quota instance, over replications: its waits, use and timeline
//! (what `quotas.csv`, `quota_timeline.csv` and the capacity verdict read).

use serde::{Deserialize, Serialize};

use super::stats::{Exact, Metric};
use crate::aws::ids::{AccountId, RegionId};
use crate::aws::quotas::Quota;

/// Identifies a quota instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QuotaKey {
    /// Which quota.
    pub kind: Quota,
    /// Account.
    pub account: AccountId,
    /// Region.
    pub region: RegionId,
    /// The pipeline whose distribution configuration it belongs to, for
    /// Image Builder's copy quota counted per distribution configuration
    /// (`account` and `region` are then the pipeline's owner and build Region).
    #[serde(default)]
    pub pipeline: Option<u32>,
}

/// Per quota instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaAgg {
    /// Units.
    pub capacity: u32,
    /// Requests granted.
    pub requests: u64,
    /// Requests that queued.
    pub waited: u64,
    /// Waits, ms (replications that used the quota).
    pub wait: Metric,
    /// Replications that used the quota.
    pub replications_used: u64,
    /// ∫ units in use dt over those replications, unit-ms.
    pub busy: Exact,
    /// ∫ queue length dt over those replications, request-ms.
    pub queue: Exact,
    /// Σ of those replications' lengths, ms.
    pub span: Exact,
    /// Σ time at capacity (every unit in use) over those replications, ms.
    pub full: Exact,
    /// Most units held at once.
    pub peak_in_use: u32,
    /// Longest queue.
    pub peak_queue: u64,
    /// Per timeline bucket ([`super::Aggregate::timeline_width_ms`] wide): ∫ in
    /// use dt and ∫ queued dt, summed over replications.
    pub timeline: Timeline,
}

/// A quota's timeline: per bucket, ∫ in use dt and ∫ queued dt. Dense by
/// bucket (a replication adds to up to 500 buckets of each of its quotas, and
/// a search tree per bucket was 5 % of an enterprise profile); serialized as
/// the (bucket, sums) pairs of the buckets with a non-zero sum, in order.
/// Canonical: the last bucket held is non-zero, so equal timelines compare
/// and serialize alike however they were built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline(Vec<(Exact, Exact)>);

/// Most buckets an `aggregate.json` timeline may name: a guard against a
/// hostile file (the dense timeline allocates up to its last bucket), far
/// past any run (2^20 buckets of at least an hour are 119 years).
pub(super) const MAX_TIMELINE_BUCKETS: u64 = 1 << 20;

impl Timeline {
    /// The sums of bucket `b`, if any was added.
    pub fn get(&self, b: u64) -> Option<&(Exact, Exact)> {
        usize::try_from(b)
            .ok()
            .and_then(|b| self.0.get(b))
            .filter(|(i, q)| i.0 != 0 || q.0 != 0)
    }

    /// Adds `in_use` and `queued` to bucket `b`; nothing if both are zero.
    pub(super) fn add(&mut self, b: u64, in_use: u128, queued: u128) {
        if in_use == 0 && queued == 0 {
            return;
        }
        let b = b as usize;
        if self.0.len() <= b {
            self.0.resize(b + 1, Default::default());
        }
        let e = &mut self.0[b];
        e.0.0 += in_use;
        e.1.0 += queued;
    }

    /// Adds `other`'s sums, bucket by bucket.
    pub(super) fn merge(&mut self, other: &Timeline) {
        for (b, (i, q)) in other.0.iter().enumerate() {
            self.add(b as u64, i.0, q.0);
        }
    }
}

impl Serialize for Timeline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((0..self.0.len() as u64).filter_map(|b| self.get(b).map(|sums| (b, sums))))
    }
}

impl<'de> Deserialize<'de> for Timeline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut t = Timeline::default();
        for (b, (i, q)) in Vec::<(u64, (Exact, Exact))>::deserialize(d)? {
            if b >= MAX_TIMELINE_BUCKETS {
                return Err(serde::de::Error::custom(format!(
                    "quota timeline bucket {b} is past the last one a run can reach \
                     ({MAX_TIMELINE_BUCKETS}); the file is not one amisim wrote"
                )));
            }
            t.add(b, i.0, q.0);
        }
        Ok(t)
    }
}

impl QuotaAgg {
    /// The share of the horizon with every unit in use (work that runs past
    /// the horizon counts, so the share is capped at 1).
    pub fn at_capacity(&self) -> f64 {
        (self.full.0 as f64 / self.span.0.max(1) as f64).min(1.0)
    }

    /// Σ ∫ units in use dt / (capacity × Σ horizon): time-weighted, capped at 1.
    pub fn utilization(&self) -> f64 {
        (self.busy.0 as f64 / (self.capacity.max(1) as f64 * self.span.0.max(1) as f64)).min(1.0)
    }
}
