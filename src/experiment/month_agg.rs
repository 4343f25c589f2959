//! The bill month by month over replications: for each (month, category,
//! Region) and each month's total, Σx and Σx² of the replications'
//! micro-dollars, exact and mergeable, from which the mean and its 95 %
//! interval follow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pipeline_agg::pairs;
use super::stats::Exact;
use crate::aws::ids::RegionId;
use crate::cost::{Category, Months};

/// Σx and Σx² over replications of one amount, micro-dollars; a replication
/// that had none counts as zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneySum {
    /// Σx.
    pub sum: Exact,
    /// Σx².
    pub sum_sq: Exact,
}

impl MoneySum {
    /// Adds one replication's amount.
    pub fn add(&mut self, usd_micro: u64) {
        let x = u128::from(usd_micro);
        self.sum.0 = self.sum.0.saturating_add(x);
        self.sum_sq.0 = self.sum_sq.0.saturating_add(x.saturating_mul(x));
    }

    /// Adds another's replications.
    pub fn merge(&mut self, other: &MoneySum) {
        self.sum.0 = self.sum.0.saturating_add(other.sum.0);
        self.sum_sq.0 = self.sum_sq.0.saturating_add(other.sum_sq.0);
    }

    /// The mean over `n` replications, dollars.
    pub fn mean_usd(&self, n: u64) -> f64 {
        self.sum.0 as f64 / n.max(1) as f64 / 1e6
    }

    /// The mean's 95 % interval over `n` replications, dollars: `None` below
    /// two replications or where it would reach below zero.
    pub fn ci95_usd(&self, n: u64) -> Option<(f64, f64)> {
        if n < 2 {
            return None;
        }
        let (s, nf) = (self.sum.0 as f64, n as f64);
        let var = ((self.sum_sq.0 as f64 - s * s / nf) / (nf - 1.0)).max(0.0);
        let half = super::tdist::t975(n as usize - 1) * (var / nf).sqrt() / 1e6;
        let mean = self.mean_usd(n);
        (mean - half >= 0.0).then_some((mean - half, mean + half))
    }
}

/// Cost by month over replications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostByMonth {
    /// By (month, category, Region).
    #[serde(with = "pairs")]
    pub cells: BTreeMap<(u16, Category, RegionId), MoneySum>,
    /// Each month's total, every category and Region.
    pub totals: Vec<MoneySum>,
    /// Each month's snapshot storage (standard and archive), every Region.
    pub storage: Vec<MoneySum>,
}

impl CostByMonth {
    /// Adds one replication's months (`totals` is a buffer).
    pub fn add(&mut self, months: &Months, totals: &mut Vec<(u64, u64)>) {
        let n = months.count();
        totals.clear();
        totals.resize(n, (0, 0));
        for (month, category, region, usd) in months.cells() {
            self.cells
                .entry((month as u16, category, region))
                .or_default()
                .add(usd);
            totals[month].0 = totals[month].0.saturating_add(usd);
            if matches!(
                category,
                Category::SnapshotStorage | Category::SnapshotArchive
            ) {
                totals[month].1 = totals[month].1.saturating_add(usd);
            }
        }
        self.totals
            .resize(n.max(self.totals.len()), MoneySum::default());
        self.storage
            .resize(n.max(self.storage.len()), MoneySum::default());
        for (i, (t, s)) in totals.iter().enumerate() {
            self.totals[i].add(*t);
            self.storage[i].add(*s);
        }
    }

    /// Adds another's replications.
    pub fn merge(&mut self, other: &CostByMonth) {
        for (k, v) in &other.cells {
            self.cells.entry(*k).or_default().merge(v);
        }
        for (mine, theirs) in [
            (&mut self.totals, &other.totals),
            (&mut self.storage, &other.storage),
        ] {
            mine.resize(theirs.len().max(mine.len()), MoneySum::default());
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
    }
}
