//! A replication's cost lines summed as they are priced: by execution, by
//! `(category, Region, account)` and by `(category, item)`, and in all. The
//! lines themselves are kept only for the replications whose rows are
//! written (`cost.csv`): 1,000 pipelines price 1.5 million a replication.

use rustc_hash::FxHashMap;

use crate::aws::ids::{AccountId, RegionId};
use crate::cost::{Category, CostLine, Item};
use crate::pipeline::config::World;
use crate::pipeline::places::Layout;

/// The sums, with buffers reused from one replication to the next.
#[derive(Default)]
pub(super) struct CostSums {
    /// Cost of each execution of the replication, micro-dollars.
    pub(super) per_exec: Vec<u64>,
    /// The replication's cost by `(category, Region, account)`, in the
    /// order first priced.
    pub(super) by_place: Vec<((Category, RegionId, AccountId), u128)>,
    /// Where each `(category, Region, account)` priced is in `by_place`,
    /// by its dense index: a map of the keys priced, not a table of every
    /// place (20,000 accounts × 30 Regions × 8 categories would be 19 MB).
    slot: FxHashMap<u64, u32>,
    /// The replication's cost by `(category, item)`, densely indexed.
    pub(super) by_item: Vec<u128>,
    /// Items per category in `by_item`.
    pub(super) items: usize,
    /// All of it, micro-dollars.
    pub(super) total: u128,
}

impl CostSums {
    /// Empties the sums for a replication of `world` with `runs` executions.
    pub(super) fn reset(&mut self, world: &World, runs: usize) {
        self.per_exec.clear();
        self.per_exec.resize(runs, 0);
        self.slot.clear();
        self.by_place.clear();
        self.items = Item::count(world.directory.keys.len());
        self.by_item.clear();
        self.by_item.resize(Category::ALL.len() * self.items, 0);
        self.total = 0;
    }

    /// The index of `(c, r, a)` among every category × place.
    fn dense(c: Category, r: RegionId, a: AccountId, layout: &Layout) -> u64 {
        (c as usize * layout.places() + layout.place(a, r).index()) as u64
    }

    /// Adds one line (exact sums: the grouping changes nothing).
    pub(super) fn add(&mut self, l: &CostLine, layout: &Layout) {
        self.by_item[l.category as usize * self.items + l.item.dense()] += l.usd_micro as u128;
        if let Some(e) = l.exec {
            // Saturating: a line is at most u64::MAX micro-dollars, a sum no more.
            self.per_exec[e.index()] = self.per_exec[e.index()].saturating_add(l.usd_micro);
        }
        self.total += l.usd_micro as u128;
        let at = Self::dense(l.category, l.region, l.account, layout);
        let next = self.by_place.len() as u32;
        let slot = *self.slot.entry(at).or_insert(next);
        match self.by_place.get_mut(slot as usize) {
            Some(e) => e.1 += l.usd_micro as u128,
            None => {
                let key = (l.category, l.region, l.account);
                self.by_place.push((key, l.usd_micro as u128));
            }
        }
    }
}
