//! The dense indices of per-place tables, made and unpacked only here: an
//! account in a Region ([`Place`]), an account's copies from one Region to
//! another ([`CopyPair`]), a pipeline's images in one account and Region
//! ([`Chain`]), a copy route between two Regions ([`Routes`]). Each is its
//! own type, and the tables they index are `TiVec`s, so a swapped index
//! does not compile and no caller multiplies, divides or takes a remainder.

use crate::aws::ids::{AccountId, RegionId, id_type};
use crate::law::Throughput;
use typed_index_collections::TiVec;

id_type!(
    /// An account in a Region: what quotas and API buckets are counted per.
    Place,
    u32
);
id_type!(
    /// An account's copies from one Region into another (time-based copy
    /// throughput is counted per pair).
    CopyPair,
    u32
);
id_type!(
    /// A pipeline's images in one account and Region: a snapshot chain, or
    /// a container repository.
    Chain,
    u32
);

/// Values per [`Place`].
pub(crate) type PerPlace<T> = TiVec<Place, T>;

/// How many pipelines, accounts and Regions a world has: the shape of its
/// per-place tables ([`crate::pipeline::config::World::layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pipelines: usize,
    accounts: usize,
    regions: usize,
}

impl Layout {
    /// The layout of `pipelines` pipelines, `accounts` accounts and `regions` Regions.
    pub fn new(pipelines: usize, accounts: usize, regions: usize) -> Self {
        Layout {
            pipelines,
            accounts,
            regions,
        }
    }

    /// How many places (accounts × Regions).
    pub fn places(self) -> usize {
        self.accounts * self.regions
    }

    /// `account` in `region`.
    pub fn place(self, account: AccountId, region: RegionId) -> Place {
        Place::from_index(account.index() * self.regions + region.index())
    }

    /// The account and Region of `place`.
    pub fn place_parts(self, place: Place) -> (AccountId, RegionId) {
        (
            AccountId::from_index(place.index() / self.regions),
            RegionId::from_index(place.index() % self.regions),
        )
    }

    /// How many copy pairs (accounts × Regions × Regions).
    pub fn copy_pairs(self) -> usize {
        self.places() * self.regions
    }

    /// `account`'s copies from `from` into `to`.
    pub fn copy_pair(self, account: AccountId, from: RegionId, to: RegionId) -> CopyPair {
        CopyPair::from_index(self.place(account, from).index() * self.regions + to.index())
    }

    /// How many chains (pipelines × accounts × Regions).
    pub fn chains(self) -> usize {
        self.pipelines * self.places()
    }

    /// Pipeline `pipeline`'s images in `account` and `region`.
    pub fn chain(self, pipeline: usize, account: AccountId, region: RegionId) -> Chain {
        Chain::from_index(pipeline * self.places() + self.place(account, region).index())
    }

    /// The pipeline of `chain`.
    pub fn chain_pipeline(self, chain: Chain) -> usize {
        chain.index() / self.places()
    }
}

/// The copy model declared for each pair of Regions, if any.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    regions: usize,
    by_pair: Vec<Option<Throughput>>,
}

impl Routes {
    /// No route between `regions` Regions.
    pub fn new(regions: usize) -> Self {
        Routes {
            regions,
            by_pair: vec![None; regions * regions],
        }
    }

    /// The model declared for `from → to`.
    pub fn get(&self, from: RegionId, to: RegionId) -> Option<&Throughput> {
        self.by_pair[from.index() * self.regions + to.index()].as_ref()
    }

    /// Declares the model for `from → to`.
    pub fn set(&mut self, from: RegionId, to: RegionId, model: Throughput) {
        self.by_pair[from.index() * self.regions + to.index()] = Some(model);
    }

    /// Whether each pair, row by row, has a model (for the resolver's tests).
    #[cfg(test)]
    pub(crate) fn declared(&self) -> impl Iterator<Item = bool> + '_ {
        self.by_pair.iter().map(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_pairs_and_chains_unpack_to_what_made_them_and_cover_their_tables() {
        let (np, na, nr) = (3, 4, 5);
        let w = Layout::new(np, na, nr);
        let (mut places, mut pairs, mut chains) = (
            vec![0; w.places()],
            vec![0; w.copy_pairs()],
            vec![0; w.chains()],
        );
        for a in (0..na).map(AccountId::from_index) {
            for r in (0..nr).map(RegionId::from_index) {
                let place = w.place(a, r);
                assert_eq!(w.place_parts(place), (a, r));
                places[place.index()] += 1;
                for to in (0..nr).map(RegionId::from_index) {
                    pairs[w.copy_pair(a, r, to).index()] += 1;
                }
                for p in 0..np {
                    let chain = w.chain(p, a, r);
                    assert_eq!(w.chain_pipeline(chain), p);
                    chains[chain.index()] += 1;
                }
            }
        }
        assert!(places.iter().chain(&pairs).chain(&chains).all(|n| *n == 1));
    }
}
