//! One replication's bill month by month: each charge spread over the time
//! it covers, in whole micro-dollars that add up to the charge exactly.
//!
//! A month is `[cost] hours_per_month` long and counted from the start of
//! the run; the last month of the horizon may be partial, and whatever is
//! charged after the horizon (an execution still running, the rest of a
//! deleted archive's 90 days) falls in it.

use super::Category;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::RegionId;

/// Cost by (month, category, Region) of one replication, micro-dollars.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Months {
    /// Length of a month, ms.
    month_ms: u64,
    /// Months in the horizon (the last may be partial), at least 1.
    count: usize,
    /// Regions in the world.
    regions: usize,
    /// `[(month × categories + category) × Regions + Region]`.
    cells: Vec<u64>,
}

impl Months {
    /// Clears the months for a world of `regions` Regions and a run of
    /// `horizon`, months of `month` each.
    pub fn reset(&mut self, month: SimDuration, horizon: SimTime, regions: usize) {
        self.month_ms = month.as_millis().max(1);
        self.count = months_in(month, horizon);
        self.regions = regions;
        self.cells.clear();
        self.cells
            .resize(self.count * Category::ALL.len() * regions, 0);
    }

    /// Months in the horizon (the last may be partial), at least 1.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Adds `usd_micro` charged evenly over `[from, to]` (a point if equal).
    pub fn spread(
        &mut self,
        category: Category,
        region: RegionId,
        usd_micro: u64,
        from: SimTime,
        to: SimTime,
    ) {
        if usd_micro == 0 || self.cells.is_empty() {
            return;
        }
        let (a, b) = (from.as_millis(), to.as_millis().max(from.as_millis()));
        let first = self.month_of(a);
        let last = self.month_of(b);
        if first == last || a == b {
            self.add(first, category, region, usd_micro);
            return;
        }
        // Each month its share of the span; the last month the remainder, so
        // the parts add up to the charge exactly.
        let (len, mut given) = (b - a, 0u64);
        // The same floor in u64 when the product fits (a u128 division was
        // 1 % of an enterprise run).
        let share = |overlap: u64| match usd_micro.checked_mul(overlap) {
            Some(p) => p / len,
            None => (u128::from(usd_micro) * u128::from(overlap) / u128::from(len)) as u64,
        };
        // A whole month's share, divided once for all of them (a division
        // per month was 14 % of pricing an enterprise replication).
        let mut whole = None;
        for month in first..last {
            let end = (month as u64 + 1) * self.month_ms;
            let overlap = end.min(b) - a.max(month as u64 * self.month_ms);
            let part = if overlap == self.month_ms {
                *whole.get_or_insert_with(|| share(overlap))
            } else {
                share(overlap)
            };
            self.add(month, category, region, part);
            given += part;
        }
        self.add(last, category, region, usd_micro - given);
    }

    /// The non-zero cells: `(month, category, Region, micro-dollars)`.
    pub fn cells(&self) -> impl Iterator<Item = (usize, Category, RegionId, u64)> + '_ {
        // The cells in the order `add` lays them out: month, category, Region.
        let keys = (0..self.count).flat_map(move |month| {
            Category::ALL.into_iter().flat_map(move |category| {
                (0..self.regions).map(move |r| (month, category, RegionId::from_index(r)))
            })
        });
        keys.zip(&self.cells)
            .filter(|c| *c.1 > 0)
            .map(|((month, category, region), &v)| (month, category, region, v))
    }

    fn month_of(&self, t: u64) -> usize {
        ((t / self.month_ms) as usize).min(self.count - 1)
    }

    fn add(&mut self, month: usize, category: Category, region: RegionId, usd_micro: u64) {
        let i = (month * Category::ALL.len() + category as usize) * self.regions + region.index();
        self.cells[i] = self.cells[i].saturating_add(usd_micro);
    }
}

/// Months in a horizon (the last may be partial), at least 1.
pub fn months_in(month: SimDuration, horizon: SimTime) -> usize {
    (horizon.as_millis().div_ceil(month.as_millis().max(1)) as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_is_split_by_overlap_and_adds_up_exactly() {
        let mut m = Months::default();
        let day = SimDuration::from_hours(24);
        // Months of 10 days, a horizon of 25: 3 months, the last partial.
        m.reset(
            SimDuration::from_hours(240),
            SimTime(25 * day.as_millis()),
            2,
        );
        assert_eq!(m.count(), 3);
        let r = RegionId::from_index(1);
        let at = |d: u64| SimTime(d * day.as_millis());
        // 1,000,001 µ$ from day 5 to day 25: 5 days, 10 days, 5 days.
        m.spread(Category::SnapshotStorage, r, 1_000_001, at(5), at(25));
        // A point charge after the horizon falls in the last month.
        m.spread(Category::Transfer, r, 7, at(40), at(40));
        let cells: Vec<_> = m.cells().collect();
        assert_eq!(
            cells,
            vec![
                (0, Category::SnapshotStorage, r, 250_000),
                (1, Category::SnapshotStorage, r, 500_000),
                (2, Category::SnapshotStorage, r, 250_001),
                (2, Category::Transfer, r, 7),
            ]
        );
        // A charge whose product with an overlap passes u64: the same split.
        let big = u64::MAX / 3;
        m.spread(
            Category::Transfer,
            RegionId::from_index(0),
            big,
            at(5),
            at(25),
        );
        let split: Vec<u64> = m
            .cells()
            .filter(|c| c.2.index() == 0)
            .map(|c| c.3)
            .collect();
        assert_eq!(split, [big / 4, big / 2, big - big / 4 - big / 2]);
    }
}
