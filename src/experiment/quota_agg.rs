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

/// A quota's timeline: per bucket, ∫ in use dt and ∫ queued dt. Held as
/// the (bucket, sums) pairs of the buckets with a non-zero sum, in bucket
/// order, and serialized so. Sparse: dense up to the last bucket, 1,000
/// pipelines' quota timelines were 24 MB of mostly zeros; a replication's
/// sums arrive in bucket order, so adding them finds each bucket from the
/// last. Canonical (no zero and no repeated bucket), so equal timelines
/// compare and serialize alike however they were built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline(Vec<(u64, Exact, Exact)>);

/// Most buckets an `aggregate.json` timeline may name: a guard against a
/// hostile file, far past any run (2^20 buckets of at least an hour are
/// 119 years).
pub(super) const MAX_TIMELINE_BUCKETS: u64 = 1 << 20;

impl Timeline {
    /// The sums of bucket `b`, if any was added.
    pub fn get(&self, b: u64) -> Option<(&Exact, &Exact)> {
        let i = self.0.binary_search_by_key(&b, |e| e.0).ok()?;
        let (_, in_use, queued) = &self.0[i];
        Some((in_use, queued))
    }

    /// Adds `sums`, `(bucket, in use, queued)` in increasing bucket order.
    pub(super) fn add_sorted(&mut self, sums: &[(u64, u128, u128)]) {
        let mut from = 0;
        for &(b, in_use, queued) in sums {
            from = self.add_from(from, b, in_use, queued);
        }
    }

    /// Adds `in_use` and `queued` to bucket `b`, looked for from entry
    /// `from` on (no earlier entry is past `b`); nothing if both are zero.
    /// Returns where the search for a later bucket may start.
    fn add_from(&mut self, from: usize, b: u64, in_use: u128, queued: u128) -> usize {
        if in_use == 0 && queued == 0 {
            return from;
        }
        let i = from + gallop(&self.0[from..], b);
        match self.0.get_mut(i) {
            Some(e) if e.0 == b => {
                e.1.0 += in_use;
                e.2.0 += queued;
            }
            _ => self.0.insert(i, (b, Exact(in_use), Exact(queued))),
        }
        i
    }

    /// Adds `in_use` and `queued` to bucket `b`; nothing if both are zero.
    #[cfg(test)]
    pub(super) fn add(&mut self, b: u64, in_use: u128, queued: u128) {
        self.add_from(0, b, in_use, queued);
    }

    /// Adds `other`'s sums, bucket by bucket.
    pub(super) fn merge(&mut self, other: &Timeline) {
        let mut from = 0;
        for &(b, i, q) in &other.0 {
            from = self.add_from(from, b, i.0, q.0);
        }
    }
}

/// The first entry of `rest` at or past bucket `b`: searched in spans
/// doubling from the start, since the next bucket is usually the next entry
/// (a plain binary search over the rest was 14 % of adding an enterprise
/// replication to the aggregate).
fn gallop(rest: &[(u64, Exact, Exact)], b: u64) -> usize {
    // Every entry before `lo` is before `b`.
    let (mut lo, mut step) = (0, 1);
    while lo + step <= rest.len() && rest[lo + step - 1].0 < b {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(rest.len());
    lo + rest[lo..hi].partition_point(|e| e.0 < b)
}

impl Serialize for Timeline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(b, i, q)| (b, (i, q))))
    }
}

impl<'de> Deserialize<'de> for Timeline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut pairs = Vec::<(u64, (Exact, Exact))>::deserialize(d)?;
        if let Some(&(b, _)) = pairs.iter().find(|p| p.0 >= MAX_TIMELINE_BUCKETS) {
            return Err(serde::de::Error::custom(format!(
                "quota timeline bucket {b} is past the last one a run can reach \
                 ({MAX_TIMELINE_BUCKETS}); the file is not one amisim wrote"
            )));
        }
        // Sorted first: a file in any order reads in n log n, not n².
        pairs.sort_by_key(|p| p.0);
        let mut t = Timeline::default();
        let mut from = 0;
        for (b, (i, q)) in pairs {
            from = t.add_from(from, b, i.0, q.0);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galloping_finds_what_a_binary_search_finds() {
        for len in 0..40u64 {
            // Buckets 0, 3, 6, …: every target before, on, between and past them.
            let rest: Vec<_> = (0..len).map(|k| (3 * k, Exact(1), Exact(0))).collect();
            for b in 0..3 * len + 2 {
                let want = rest.partition_point(|e| e.0 < b);
                assert_eq!(gallop(&rest, b), want, "len {len}, bucket {b}");
            }
        }
    }
}
