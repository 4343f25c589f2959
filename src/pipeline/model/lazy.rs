//! Per-place state made when first touched: an organisation of 20,000
//! accounts × 30 Regions holds quota instances and API buckets only for
//! the account-Region pairs its work touches, not 600,000 of each.

use std::ops::{Index, IndexMut};

/// Values by typed index `K`, each a clone of a prototype made on first
/// mutable use (and kept for the next replication, which resets the pool).
#[derive(Debug)]
pub(super) struct LazyTable<K, T> {
    /// Per index: its position in `pool` + 1, or 0 if not made yet
    /// (zeroed, so the pages of untouched indices are never resident).
    index: Vec<u32>,
    pool: Vec<T>,
    /// What each value starts as, and what an index not made yet reads as.
    proto: T,
    key: std::marker::PhantomData<fn(K)>,
}

impl<K, T: Clone> LazyTable<K, T> {
    /// `n` values that start as `proto`, none made yet.
    pub(super) fn new(proto: T, n: usize) -> Self {
        LazyTable {
            index: vec![0; n],
            pool: Vec::new(),
            proto,
            key: std::marker::PhantomData,
        }
    }

    /// Every value made so far.
    pub(super) fn made(&mut self) -> impl Iterator<Item = &mut T> {
        self.pool.iter_mut()
    }
}

impl<K: Into<usize>, T> Index<K> for LazyTable<K, T> {
    type Output = T;
    fn index(&self, i: K) -> &T {
        match self.index[i.into()].checked_sub(1) {
            Some(p) => &self.pool[p as usize],
            None => &self.proto,
        }
    }
}

impl<K: Into<usize>, T: Clone> IndexMut<K> for LazyTable<K, T> {
    fn index_mut(&mut self, i: K) -> &mut T {
        let i = i.into();
        let p = match self.index[i].checked_sub(1) {
            Some(p) => p as usize,
            None => {
                self.pool.push(self.proto.clone());
                self.index[i] = self.pool.len() as u32;
                self.pool.len() - 1
            }
        };
        &mut self.pool[p]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_made_on_first_mutable_use_and_reads_as_its_prototype_before() {
        let mut t: LazyTable<usize, u32> = LazyTable::new(7u32, 1_000);
        assert_eq!((t[999], t.made().count()), (7, 0));
        t[999] += 1;
        t[3] += 2;
        t[999] += 1;
        assert_eq!((t[999], t[3], t[4]), (9, 9, 7));
        assert_eq!(t.made().count(), 2);
    }
}
