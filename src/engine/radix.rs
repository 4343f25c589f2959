//! A radix heap of `(time, seq, event)` entries for monotone time: popped
//! times never decrease, and no entry is pushed earlier than the last one
//! popped, which holds in a discrete-event simulation. Entries whose time
//! equals the last popped time wait in a FIFO by `seq`; the others sit in
//! buckets by the highest bit in which their time differs from it. Push is
//! O(1); a pop refills from the lowest non-empty bucket (amortised O(log T)).
//! Unlike a binary heap, its cost does not grow with the number of entries.

use std::collections::VecDeque;

use super::time::SimTime;

/// An entry: time, insertion sequence, event.
pub(crate) type Item<E> = (SimTime, u64, E);

pub(crate) struct RadixHeap<E> {
    last: u64,
    /// Entries at exactly `last`, in `seq` order.
    now: VecDeque<Item<E>>,
    /// `buckets[b]`: entries whose time differs from `last` first at bit `b`.
    buckets: Vec<Vec<Item<E>>>,
    len: usize,
}

impl<E> RadixHeap<E> {
    pub(crate) fn new(last: SimTime) -> Self {
        RadixHeap {
            last: last.as_millis(),
            now: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            len: 0,
        }
    }

    /// Loads entries in any order (switching from a binary heap).
    pub(crate) fn load(&mut self, items: impl Iterator<Item = Item<E>>) {
        for item in items {
            self.push(item);
        }
        self.now.make_contiguous().sort_unstable_by_key(|i| i.1);
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, item: Item<E>) {
        let t = item.0.as_millis().max(self.last);
        self.len += 1;
        if t == self.last {
            // Its seq is the largest so far: it goes last.
            self.now.push_back((SimTime(t), item.1, item.2));
        } else {
            let b = 63 - (t ^ self.last).leading_zeros() as usize;
            self.buckets[b].push((SimTime(t), item.1, item.2));
        }
    }

    /// Moves the entries of the earliest time into `now`, if it is empty.
    fn refill(&mut self) {
        if !self.now.is_empty() || self.len == 0 {
            return;
        }
        let Some(b) = self.buckets.iter().position(|v| !v.is_empty()) else {
            return;
        };
        self.last = self.buckets[b]
            .iter()
            .map(|i| i.0.as_millis())
            .min()
            .unwrap_or(self.last);
        // Every entry moves to a lower bucket (they agree with the new minimum
        // on every bit above b), so the bucket drains in place and keeps its
        // allocation.
        let (lower, upper) = self.buckets.split_at_mut(b);
        for item in upper[0].drain(..) {
            let t = item.0.as_millis();
            if t == self.last {
                self.now.push_back(item);
            } else {
                let nb = 63 - (t ^ self.last).leading_zeros() as usize;
                debug_assert!(nb < b);
                lower[nb].push(item);
            }
        }
        self.now.make_contiguous().sort_unstable_by_key(|i| i.1);
    }

    pub(crate) fn peek(&mut self) -> Option<(SimTime, u64)> {
        self.refill();
        self.now.front().map(|i| (i.0, i.1))
    }

    pub(crate) fn pop(&mut self) -> Option<Item<E>> {
        self.refill();
        let item = self.now.pop_front()?;
        self.len -= 1;
        Some(item)
    }

    /// Every entry, in no order (to switch back to a binary heap).
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Item<E>> + '_ {
        self.len = 0;
        self.now
            .drain(..)
            .chain(self.buckets.iter_mut().flat_map(|b| b.drain(..)))
    }
}
