//! The future event set: a binary heap keyed by `(time, seq)`.
//!
//! `seq` is a per-queue counter incremented on every push, so events at the
//! same instant pop in the order they were scheduled (FIFO ties). Events are
//! stored inline (`E` is expected to be a small `Copy` enum): pushing and
//! popping allocate nothing once the heap has grown to its working size.
//!
//! Cancellation is lazy: [`EventQueue::cancel`] records the key and the entry
//! is skipped when it reaches the top. The record is a sorted set that is
//! empty in the common case, so the check costs one branch per pop.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

use super::time::SimTime;

/// Identifies one scheduled event, for [`EventQueue::cancel`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey(u64);

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A priority queue of events ordered by `(time, insertion sequence)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    cancelled: BTreeSet<u64>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` pending events before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            next_seq: 0,
            cancelled: BTreeSet::new(),
        }
    }

    /// Schedules `event` at `time` and returns its key.
    pub fn push(&mut self, time: SimTime, event: E) -> EventKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
        EventKey(seq)
    }

    /// Marks a pending event as cancelled; it will never be popped. Returns
    /// false if the key was already cancelled or never issued by this queue.
    /// Cancelling an event that has already fired is a no-op that returns true
    /// only if the key was issued; callers should not rely on it.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        key.0 < self.next_seq && self.cancelled.insert(key.0)
    }

    fn drop_cancelled_top(&mut self) {
        if self.cancelled.is_empty() {
            return;
        }
        while let Some(top) = self.heap.peek() {
            if self.cancelled.remove(&top.seq) {
                self.heap.pop();
            } else {
                break;
            }
        }
    }

    /// The time of the earliest live event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_cancelled_top();
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the earliest live event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.drop_cancelled_top();
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Number of entries held, cancelled ones included until they surface.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True if no entry is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn events_pop_in_time_then_sequence_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(30), 'c');
        q.push(SimTime(10), 'a');
        q.push(SimTime(20), 'b');
        q.push(SimTime(10), 'A');
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(10), 'a'),
                (SimTime(10), 'A'),
                (SimTime(20), 'b'),
                (SimTime(30), 'c')
            ]
        );
    }

    #[test]
    fn random_schedules_pop_non_decreasing_with_fifo_ties() {
        let mut rng = rand_chacha_free_rng(7);
        let mut q = EventQueue::new();
        for i in 0..10_000u64 {
            // Few distinct times, so ties are frequent.
            q.push(SimTime(rng.random_range(0..50)), i);
        }
        let mut last = (SimTime(0), 0u64);
        let mut first = true;
        while let Some((t, i)) = q.pop() {
            if !first {
                assert!(
                    t > last.0 || (t == last.0 && i > last.1),
                    "{t:?},{i} after {last:?}"
                );
            }
            first = false;
            last = (t, i);
        }
    }

    #[test]
    fn a_cancelled_event_never_fires() {
        let mut q = EventQueue::new();
        let mut keys = Vec::new();
        for i in 0..100u64 {
            keys.push(q.push(SimTime(i % 10), i));
        }
        for k in keys.iter().step_by(3) {
            assert!(q.cancel(*k));
        }
        assert!(!q.cancel(keys[0]), "double cancel reports false");
        let fired: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|(_, i)| i).collect();
        assert_eq!(fired.len(), 100 - 34);
        assert!(fired.iter().all(|i| i % 3 != 0));
    }

    fn rand_chacha_free_rng(seed: u64) -> rand::rngs::ChaCha8Rng {
        rand::rngs::ChaCha8Rng::seed_from_u64(seed)
    }
}
