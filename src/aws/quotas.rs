//! The quotas amisim models: one description each (its scenario key, which
//! is also its name in the CSV files; its default, from `facts`; its scope).

use serde::{Deserialize, Serialize};

use super::facts;

/// What one instance of a quota is shared by: every quota amisim models is
/// one per account and Region (the build Region for builds, the destination
/// for copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One per account and Region.
    AccountRegion,
}

/// What a request finds when a quota is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// It waits, first come first served.
    Queue,
    /// It fails at once with `ResourceLimitExceeded`, which the SDKs do not retry.
    Fail,
}

/// A quota. Declaration order is the order of the CSV rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Quota {
    /// Image Builder concurrent builds, per account and build Region.
    #[serde(rename = "concurrent_builds")]
    ConcurrentBuilds,
    /// Concurrent AMI copies, per copier account and destination Region.
    #[serde(rename = "concurrent_ami_copies_per_region")]
    AmiCopiesPerRegion,
    /// Image Builder concurrent AMI copies, per destination account and
    /// Region (its Service Quotas name says "per distribution configuration").
    #[serde(rename = "concurrent_ami_copies_per_distribution")]
    AmiCopiesPerDistribution,
}

/// The largest value a scenario may give a quota.
pub const MAX_QUOTA: i64 = 100_000;

impl Quota {
    /// Every quota, in declaration order.
    pub const ALL: [Quota; 3] = [
        Quota::ConcurrentBuilds,
        Quota::AmiCopiesPerRegion,
        Quota::AmiCopiesPerDistribution,
    ];

    /// Its key under `[quotas]`, and its name in quotas.csv and quota_timeline.csv.
    pub fn key(self) -> &'static str {
        match self {
            Quota::ConcurrentBuilds => "concurrent_builds",
            Quota::AmiCopiesPerRegion => "concurrent_ami_copies_per_region",
            Quota::AmiCopiesPerDistribution => "concurrent_ami_copies_per_distribution",
        }
    }

    /// The AWS default (sources in `facts`).
    pub fn default_value(self) -> u32 {
        match self {
            Quota::ConcurrentBuilds => facts::CONCURRENT_BUILDS,
            Quota::AmiCopiesPerRegion => facts::CONCURRENT_AMI_COPIES_PER_REGION,
            Quota::AmiCopiesPerDistribution => facts::CONCURRENT_AMI_COPIES_PER_DISTRIBUTION,
        }
    }

    /// What one instance of it is shared by.
    pub fn scope(self) -> Scope {
        Scope::AccountRegion
    }
}

/// The value of every quota in a scenario, and what a full one does when
/// the scenario says (`[quotas.when_full]`; otherwise the tool decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas([u32; 3], [Option<WhenFull>; 3], u32, u32);

impl Default for Quotas {
    fn default() -> Self {
        Quotas(
            Quota::ALL.map(Quota::default_value),
            [None; 3],
            facts::TIME_BASED_COPY_THROUGHPUT_MIB_S,
            facts::PUBLIC_AMIS_PER_REGION,
        )
    }
}

impl Quotas {
    /// Cumulative time-based copy throughput per account and (source,
    /// destination) Region pair, MiB/s (docs/sources.md#time-based-copies).
    pub fn time_based_throughput_mib_s(&self) -> u32 {
        self.2
    }

    /// Public AMIs per account and Region (docs/sources.md#public-amis).
    pub fn public_amis_per_region(&self) -> u32 {
        self.3
    }

    /// Sets [`Quotas::public_amis_per_region`].
    pub fn set_public_amis_per_region(&mut self, v: u32) {
        self.3 = v;
    }

    /// Sets [`Quotas::time_based_throughput_mib_s`].
    pub fn set_time_based_throughput_mib_s(&mut self, v: u32) {
        self.2 = v;
    }

    /// The value of `q`.
    pub fn get(&self, q: Quota) -> u32 {
        self.0[q as usize]
    }

    /// Sets the value of `q`.
    pub fn set(&mut self, q: Quota, v: u32) {
        self.0[q as usize] = v;
    }

    /// What a full `q` does, if the scenario says.
    pub fn when_full(&self, q: Quota) -> Option<WhenFull> {
        self.1[q as usize]
    }

    /// Sets what a full `q` does, for every client.
    pub fn set_when_full(&mut self, q: Quota, w: WhenFull) {
        self.1[q as usize] = Some(w);
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
        assert_eq!(keys.len(), 3);
        for (i, k) in Quota::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "ALL is in declaration order");
        }
        assert_eq!(
            serde_json::to_string(&Quota::ConcurrentBuilds).unwrap(),
            "\"concurrent_builds\""
        );
    }
}
