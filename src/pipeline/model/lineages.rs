//! The snapshot lineages a world can have, densely numbered: one per
//! (pipeline, copier account, destination Region) its copy plans name.
//! Their state is held per lineage, so memory follows the copies a world
//! makes, not its accounts × Regions (an organisation of 20,000 accounts
//! that receive shares only holds no state for them).

use crate::aws::directory::AccountId;
use crate::aws::ids::id_type;
use crate::pipeline::config::{RegionId, World};

id_type!(
    /// A snapshot lineage: a pipeline's copies by one account into one Region.
    Lineage,
    u32
);

/// Dense lineage numbers.
#[derive(Debug, Default)]
pub(super) struct Lineages {
    /// Per pipeline, per copy plan: its lineage.
    of_copy: Vec<Vec<u32>>,
    /// Per pipeline: (copier, destination) → lineage, sorted by place.
    by_place: Vec<Vec<((u32, u32), u32)>>,
    count: usize,
}

impl Lineages {
    /// The lineages of `world`'s copy plans, numbered pipeline by pipeline
    /// (within one, by place).
    pub(super) fn new(world: &World) -> Self {
        let mut l = Lineages::default();
        for p in &world.pipelines {
            let place = |c: &crate::pipeline::config::CopyPlan| {
                (c.copier.index() as u32, c.region.index() as u32)
            };
            let mut places: Vec<(u32, u32)> = p.copies.iter().map(place).collect();
            places.sort_unstable();
            places.dedup();
            let first = l.count as u32;
            l.count += places.len();
            let numbered: Vec<((u32, u32), u32)> = places.into_iter().zip(first..).collect();
            // Every copy's place is in `numbered`: the fallback keeps the
            // indices aligned and is never taken.
            let of_copy = p
                .copies
                .iter()
                .map(|c| number(&numbered, place(c)).unwrap_or(first));
            l.of_copy.push(of_copy.collect());
            l.by_place.push(numbered);
        }
        l
    }

    /// How many there are.
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// The lineage of pipeline `pi`'s copy plan `item`.
    pub(super) fn of_copy(&self, pi: usize, item: usize) -> Lineage {
        Lineage::from_index(self.of_copy[pi][item] as usize)
    }

    /// The lineage of pipeline `pi`'s copies by `account` into `region`,
    /// if its plans make any.
    pub(super) fn of_place(
        &self,
        pi: usize,
        account: AccountId,
        region: RegionId,
    ) -> Option<Lineage> {
        let place = (account.index() as u32, region.index() as u32);
        number(&self.by_place[pi], place).map(|n| Lineage::from_index(n as usize))
    }
}

/// The number of `place` in a pipeline's sorted list.
fn number(numbered: &[((u32, u32), u32)], place: (u32, u32)) -> Option<u32> {
    numbered
        .binary_search_by(|(p, _)| p.cmp(&place))
        .ok()
        .map(|i| numbered[i].1)
}
