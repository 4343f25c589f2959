//! The bill month by month over replications: for each (month, category,
//! Region) and each month's total, Σx and Σx² of the replications'
//! micro-dollars, exact and mergeable, from which the mean and its 95 %
//! interval follow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::moments::Moments;
use super::pipeline_agg::pairs;
use crate::aws::ids::RegionId;
use crate::cost::{Category, Months};

/// One amount's Σx and Σx² over the replications that had it,
/// micro-dollars; read over all `n` replications, the others counting as zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneySum(pub Moments);

impl MoneySum {
    /// Adds one replication's amount.
    pub fn add(&mut self, usd_micro: u64) {
        self.0.add(usd_micro);
    }

    /// Adds another's replications.
    pub fn merge(&mut self, other: &MoneySum) {
        self.0.merge(&other.0);
    }

    /// The moments over `n` replications: zeros add nothing to Σx or Σx².
    fn over(&self, n: u64) -> Moments {
        Moments { count: n, ..self.0 }
    }

    /// The mean over `n` replications, dollars.
    pub fn mean_usd(&self, n: u64) -> f64 {
        self.0.sum as f64 / n.max(1) as f64 / 1e6
    }

    /// The mean's 95 % interval over `n` replications, dollars: `None` below
    /// two replications or where it would reach below zero.
    pub fn ci95_usd(&self, n: u64) -> Option<(f64, f64)> {
        let (mean, half) = self.over(n).mean_ci95()?;
        let (lo, hi) = ((mean - half) / 1e6, (mean + half) / 1e6);
        (lo >= 0.0).then_some((lo, hi))
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
