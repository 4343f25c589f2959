//! The snapshot lineages a world can have, densely numbered: one per
//! (pipeline, copier account, destination Region) its copy plans name.
//! Their state is held per lineage, so memory follows the copies a world
//! makes, not its accounts × Regions (an organisation of 20,000 accounts
//! that receive shares only holds no state for them).

use crate::aws::directory::AccountId;
use crate::pipeline::config::{RegionId, World};

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
    /// The lineages of `world`'s copy plans, numbered pipeline by pipeline.
    pub(super) fn new(world: &World) -> Self {
        let mut l = Lineages::default();
        for p in &world.pipelines {
            let mut places: Vec<((u32, u32), u32)> = Vec::new();
            let mut of_copy = Vec::with_capacity(p.copies.len());
            for c in &p.copies {
                let place = (c.copier.index() as u32, c.region.index() as u32);
                let n = match places.iter().find(|(k, _)| *k == place) {
                    Some(&(_, n)) => n,
                    None => {
                        let n = l.count as u32;
                        l.count += 1;
                        places.push((place, n));
                        n
                    }
                };
                of_copy.push(n);
            }
            places.sort_unstable();
            l.by_place.push(places);
            l.of_copy.push(of_copy);
        }
        l
    }

    /// How many there are.
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// The lineage of pipeline `pi`'s copy plan `item`.
    pub(super) fn of_copy(&self, pi: usize, item: usize) -> usize {
        self.of_copy[pi][item] as usize
    }

    /// The lineage of pipeline `pi`'s copies by `account` into `region`,
    /// if its plans make any.
    pub(super) fn of_place(
        &self,
        pi: usize,
        account: AccountId,
        region: RegionId,
    ) -> Option<usize> {
        let place = (account.index() as u32, region.index() as u32);
        let v = &self.by_place[pi];
        v.binary_search_by(|(k, _)| k.cmp(&place))
            .ok()
            .map(|i| v[i].1 as usize)
    }
}
