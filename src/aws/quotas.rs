//! The quotas amisim models, one row each of [`Quota::row`]: its scenario
//! key (also its name in the CSV files), its default (from `facts`), its
//! range and what it limits. Adding a quota is a variant and its row here,
//! its field in `scenario::raw::RawQuotas`, and where the model checks it.

use serde::{Deserialize, Serialize};

use super::facts;

/// What a request finds when a quota is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// It waits, first come first served.
    Queue,
    /// It fails at once with `ResourceLimitExceeded`, which the SDKs do not retry.
    Fail,
}

/// What a quota limits, and so how the model holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Concurrent requests, one instance per account and Region (the build
    /// Region for builds, the destination for copies): a full one queues or
    /// fails ([`WhenFull`]), and its use is written to quotas.csv.
    Slots,
    /// Throughput held by time-based copies per account and (source,
    /// destination) Region pair, MiB/s.
    Throughput,
    /// A count checked where it is reached: a share refused, a public image
    /// over the limit refused.
    Count,
}

/// A quota. Declaration order is the order of the CSV rows; [`Quota::row`]
/// says everything else about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Quota {
    /// Image Builder concurrent builds, per account and build Region.
    #[serde(rename = "concurrent_builds")]
    ConcurrentBuilds,
    /// Concurrent AMI copies, per copier account and destination Region.
    #[serde(rename = "concurrent_ami_copies_per_region")]
    AmiCopiesPerRegion,
    /// Image Builder concurrent AMI copies: per distribution configuration,
    /// or per copier account and destination Region ([`CopyScope`]).
    #[serde(rename = "concurrent_ami_copies_per_distribution")]
    AmiCopiesPerDistribution,
    /// Cumulative time-based copy throughput per account and (source,
    /// destination) Region pair, MiB/s.
    #[serde(rename = "time_based_copy_throughput_mib_s")]
    TimeBasedCopyThroughput,
    /// Launch-permission entities per image (accounts, OUs, organizations).
    #[serde(rename = "share_entities_per_image")]
    ShareEntitiesPerImage,
    /// Public AMIs per account and Region.
    #[serde(rename = "public_amis_per_region")]
    PublicAmisPerRegion,
    /// EBS's concurrent snapshot copies per copier account and destination
    /// Region, one per snapshot of an image copied (off unless the scenario
    /// sets it: whether CopyImage's copies count is not documented).
    #[serde(rename = "concurrent_snapshot_copies_per_region")]
    SnapshotCopiesPerRegion,
}

/// One quota's facts: the row of [`Quota::row`].
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Its key under `[quotas]`, and its name in the CSV files.
    pub key: &'static str,
    /// The AWS default (sources in `facts`).
    pub default: u32,
    /// The largest value a scenario may give it.
    pub max: i64,
    /// What the scenario's range error adds, if anything.
    pub help: Option<&'static str>,
    /// What it limits.
    pub behaviour: Behaviour,
    /// Modelled only when the scenario sets it (AWS's scope is in doubt).
    pub opt_in: bool,
}

/// The largest value a scenario may give a concurrency quota.
pub const MAX_QUOTA: i64 = 100_000;

/// The number of quotas: the length of a [`PerQuota`].
pub const COUNT: usize = Quota::ALL.len();

impl Quota {
    /// Every quota, in declaration order.
    pub const ALL: [Quota; 7] = [
        Quota::ConcurrentBuilds,
        Quota::AmiCopiesPerRegion,
        Quota::AmiCopiesPerDistribution,
        Quota::TimeBasedCopyThroughput,
        Quota::ShareEntitiesPerImage,
        Quota::PublicAmisPerRegion,
        Quota::SnapshotCopiesPerRegion,
    ];

    /// Everything amisim knows of the quota.
    // Table: one row per quota.
    pub const fn row(self) -> Row {
        use Behaviour::*;
        let (key, default, max, help, behaviour) = match self {
            Quota::ConcurrentBuilds => (
                "concurrent_builds",
                facts::CONCURRENT_BUILDS,
                MAX_QUOTA,
                None,
                Slots,
            ),
            Quota::AmiCopiesPerRegion => (
                "concurrent_ami_copies_per_region",
                facts::CONCURRENT_AMI_COPIES_PER_REGION,
                MAX_QUOTA,
                None,
                Slots,
            ),
            Quota::AmiCopiesPerDistribution => (
                "concurrent_ami_copies_per_distribution",
                facts::CONCURRENT_AMI_COPIES_PER_DISTRIBUTION,
                MAX_QUOTA,
                None,
                Slots,
            ),
            Quota::TimeBasedCopyThroughput => (
                "time_based_copy_throughput_mib_s",
                facts::TIME_BASED_COPY_THROUGHPUT_MIB_S,
                1_000_000,
                Some("AWS's default is 2000 MiB/s per source and destination Region"),
                Throughput,
            ),
            Quota::ShareEntitiesPerImage => (
                "share_entities_per_image",
                facts::SHARE_ENTITIES_PER_IMAGE,
                1_000_000,
                Some("AWS's default is 1000 entities per image"),
                Count,
            ),
            Quota::PublicAmisPerRegion => (
                "public_amis_per_region",
                facts::PUBLIC_AMIS_PER_REGION,
                100_000,
                Some("AWS's default is 5 public AMIs per Region"),
                Count,
            ),
            Quota::SnapshotCopiesPerRegion => (
                "concurrent_snapshot_copies_per_region",
                facts::CONCURRENT_SNAPSHOT_COPIES_PER_REGION,
                MAX_QUOTA,
                None,
                Slots,
            ),
        };
        Row {
            key,
            default,
            max,
            help,
            behaviour,
            opt_in: matches!(self, Quota::SnapshotCopiesPerRegion),
        }
    }

    /// Its key under `[quotas]`, and its name in quotas.csv and quota_timeline.csv.
    pub const fn key(self) -> &'static str {
        self.row().key
    }

    /// The AWS default (sources in `facts`).
    pub const fn default_value(self) -> u32 {
        self.row().default
    }

    /// Whether it is a concurrency quota with instances the model queues on.
    pub fn is_slots(self) -> bool {
        self.row().behaviour == Behaviour::Slots
    }

    /// Its index in a [`PerQuota`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// One `T` per quota, indexed by [`Quota`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerQuota<T>(pub [T; COUNT]);

impl<T> std::ops::Index<Quota> for PerQuota<T> {
    type Output = T;
    fn index(&self, q: Quota) -> &T {
        &self.0[q.index()]
    }
}

impl<T> std::ops::IndexMut<Quota> for PerQuota<T> {
    fn index_mut(&mut self, q: Quota) -> &mut T {
        &mut self.0[q.index()]
    }
}

impl<T> PerQuota<T> {
    /// One value per quota, made by `f`.
    pub fn from_fn(f: impl FnMut(usize) -> T) -> Self {
        PerQuota(std::array::from_fn(f))
    }
}

/// What one instance of Image Builder's copy quota
/// ([`Quota::AmiCopiesPerDistribution`]) holds: AWS's two texts read two
/// ways (docs/sources.md#quota-copies-distribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CopyScope {
    /// One per distribution configuration (a pipeline's): its Service
    /// Quotas name, "Concurrent AMI copies per distribution configuration".
    #[default]
    #[serde(rename = "distribution")]
    Distribution,
    /// One per copier account and destination Region, whatever the
    /// pipeline: the cross-account guide's "for each destination Region".
    #[serde(rename = "account_region")]
    AccountRegion,
}

impl CopyScope {
    /// Its word under `[quotas] ami_copies_scope`.
    pub fn word(self) -> &'static str {
        match self {
            CopyScope::Distribution => "distribution",
            CopyScope::AccountRegion => "account_region",
        }
    }

    /// The other reading.
    pub fn other(self) -> CopyScope {
        match self {
            CopyScope::Distribution => CopyScope::AccountRegion,
            CopyScope::AccountRegion => CopyScope::Distribution,
        }
    }
}

/// The value of every quota in a scenario, and what a full one does when
/// the scenario says (`[quotas.when_full]`; otherwise the tool decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    values: PerQuota<u32>,
    /// Which quotas the scenario set.
    given: PerQuota<bool>,
    when_full: PerQuota<Option<WhenFull>>,
    /// The scope of Image Builder's copy quota, and whether the scenario chose it.
    copy_scope: (CopyScope, bool),
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            values: PerQuota(Quota::ALL.map(Quota::default_value)),
            given: PerQuota::default(),
            when_full: PerQuota::default(),
            copy_scope: (CopyScope::default(), false),
        }
    }
}

impl Quotas {
    /// The value of `q`.
    pub fn get(&self, q: Quota) -> u32 {
        self.values[q]
    }

    /// Sets the value of `q`, as the scenario gives it.
    pub fn set(&mut self, q: Quota, v: u32) {
        self.values[q] = v;
        self.given[q] = true;
    }

    /// Whether the model holds `q`: always, or for an opt-in quota only
    /// when the scenario sets it.
    pub fn modelled(&self, q: Quota) -> bool {
        !q.row().opt_in || self.given[q]
    }

    /// What a full `q` does, if the scenario says.
    pub fn when_full(&self, q: Quota) -> Option<WhenFull> {
        self.when_full[q]
    }

    /// Sets what a full `q` does, for every client.
    pub fn set_when_full(&mut self, q: Quota, w: WhenFull) {
        self.when_full[q] = Some(w);
    }

    /// The scope of Image Builder's copy quota.
    pub fn copy_scope(&self) -> CopyScope {
        self.copy_scope.0
    }

    /// Whether the scenario chose the scope (else it is the default reading).
    pub fn copy_scope_given(&self) -> bool {
        self.copy_scope.1
    }

    /// Sets the scope of Image Builder's copy quota; `given`: the scenario chose it.
    pub fn set_copy_scope(&mut self, scope: CopyScope, given: bool) {
        self.copy_scope = (scope, given);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quota_has_a_distinct_key_and_its_default() {
        let q = Quotas::default();
        assert_eq!(q.get(Quota::AmiCopiesPerDistribution), 50);
        let mut keys: Vec<&str> = Quota::ALL.iter().map(|q| q.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), COUNT);
        for (i, k) in Quota::ALL.iter().enumerate() {
            assert_eq!(k.index(), i, "ALL is in declaration order");
            // The key is the serde name: quotas.csv and aggregate.json agree.
            assert_eq!(
                serde_json::to_string(k).unwrap(),
                format!("\"{}\"", k.key())
            );
        }
        assert_eq!(
            serde_json::to_string(&Quota::ConcurrentBuilds).unwrap(),
            "\"concurrent_builds\""
        );
    }
}
