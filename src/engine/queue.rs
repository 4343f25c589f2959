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
//!
//! Small event sets live in a binary heap; from [`RADIX_AT`] entries on they
//! move to a radix heap on the (monotone) time, whose cost does not grow with
//! the number of entries (back below a quarter of that). Both pop in exactly
//! `(time, seq)` order. The radix heap needs time to be monotone: nothing may
//! be pushed earlier than the last event popped, which `Simulation` ensures.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

use super::radix::RadixHeap;
use super::time::SimTime;

/// From this many pending entries on, the queue uses a radix heap.
pub const RADIX_AT: usize = 8192;

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
        // One 128-bit comparison, without branches: (time, seq) in order.
        let key = |e: &Self| (e.time.as_millis() as u128) << 64 | e.seq as u128;
        key(other).cmp(&key(self))
    }
}

/// A priority queue of events ordered by `(time, insertion sequence)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    radix: Option<RadixHeap<E>>,
    last_popped: SimTime,
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
            heap: BinaryHeap::with_capacity(n.min(RADIX_AT)),
            radix: None,
            last_popped: SimTime::ZERO,
            next_seq: 0,
            cancelled: BTreeSet::new(),
        }
    }

    /// Schedules `event` at `time` (not earlier than the last event popped)
    /// and returns its key.
    pub fn push(&mut self, time: SimTime, event: E) -> EventKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        match &mut self.radix {
            Some(r) => r.push((time, seq, event)),
            None => {
                self.heap.push(Entry { time, seq, event });
                if self.heap.len() >= RADIX_AT {
                    let mut r = RadixHeap::new(self.last_popped);
                    r.load(self.heap.drain().map(|e| (e.time, e.seq, e.event)));
                    self.radix = Some(r);
                }
            }
        }
        EventKey(seq)
    }

    fn peek_key(&mut self) -> Option<(SimTime, u64)> {
        match &mut self.radix {
            Some(r) => r.peek(),
            None => self.heap.peek().map(|e| (e.time, e.seq)),
        }
    }

    fn pop_raw(&mut self) -> Option<(SimTime, u64, E)> {
        let item = match &mut self.radix {
            Some(r) => {
                let item = r.pop();
                if r.len() < RADIX_AT / 4 {
                    let mut r = self.radix.take().expect("radix present");
                    self.heap.extend(r.drain().map(|(time, seq, event)| Entry {
                        time,
                        seq,
                        event,
                    }));
                }
                item
            }
            None => self.heap.pop().map(|e| (e.time, e.seq, e.event)),
        };
        if let Some(i) = &item {
            self.last_popped = i.0;
        }
        item
    }

    /// Marks a pending event as cancelled; it will never be popped. Returns
    /// false if the key was already cancelled or never issued by this queue.
    /// Cancelling an event that has already fired is a no-op that returns true
    /// only if the key was issued; callers should not rely on it.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        key.0 < self.next_seq && self.cancelled.insert(key.0)
    }

    /// Drops cancelled entries from the top: one inlined branch when
    /// nothing is cancelled (the common case), the loop out of line.
    #[inline]
    fn drop_cancelled_top(&mut self) {
        if !self.cancelled.is_empty() {
            self.drop_cancelled_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn drop_cancelled_slow(&mut self) {
        while let Some((_, seq)) = self.peek_key() {
            if self.cancelled.remove(&seq) {
                self.pop_raw();
            } else {
                break;
            }
        }
    }

    /// The time of the earliest live event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_cancelled_top();
        self.peek_key().map(|k| k.0)
    }

    /// Removes and returns the earliest live event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.drop_cancelled_top();
        self.pop_raw().map(|(t, _, e)| (t, e))
    }

    /// Empties the queue and restarts its sequence numbers, as
    /// [`EventQueue::new`] made it, keeping the binary heap's buffer.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.radix = None;
        self.last_popped = SimTime::ZERO;
        self.next_seq = 0;
        self.cancelled.clear();
    }

    /// Number of entries held, cancelled ones included until they surface.
    pub fn len(&self) -> usize {
        self.radix.as_ref().map_or(self.heap.len(), |r| r.len())
    }

    /// True if no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    /// Interleaved pushes and pops across the radix threshold, both ways,
    /// against a reference binary heap: the same `(time, seq)` order.
    #[test]
    fn the_radix_mode_pops_exactly_like_a_binary_heap() {
        use std::cmp::Reverse;
        let mut rng = rand_chacha_free_rng(11);
        let mut q = EventQueue::new();
        let mut reference: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
        let mut now = 0u64;
        let mut seq = 0u64;
        let mut popped = 0;
        for phase in 0..6 {
            // Grow past RADIX_AT, then shrink below a quarter of it, three times.
            let (pushes, pops) = if phase % 2 == 0 {
                (3 * RADIX_AT, RADIX_AT)
            } else {
                (RADIX_AT / 2, 3 * RADIX_AT)
            };
            for step in 0..pushes.max(pops) {
                if step < pushes {
                    // Few distinct delays, so ties are frequent.
                    let t = now
                        + rng.random_range(0..40u64) * if rng.random_bool(0.1) { 1000 } else { 1 };
                    q.push(SimTime(t), seq);
                    reference.push(Reverse((t, seq)));
                    seq += 1;
                }
                if step < pops && !reference.is_empty() {
                    let Reverse((t, s)) = reference.pop().unwrap();
                    assert_eq!(q.pop(), Some((SimTime(t), s)), "pop {popped}");
                    now = t;
                    popped += 1;
                }
            }
        }
        while let Some(Reverse((t, s))) = reference.pop() {
            assert_eq!(q.pop(), Some((SimTime(t), s)));
        }
        assert!(q.pop().is_none() && popped > 30_000);
    }

    #[test]
    fn cancelling_works_in_radix_mode() {
        let mut q = EventQueue::new();
        let keys: Vec<_> = (0..2 * RADIX_AT as u64)
            .map(|i| q.push(SimTime(i % 100), i))
            .collect();
        for k in keys.iter().step_by(2) {
            q.cancel(*k);
        }
        let fired: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|(_, i)| i).collect();
        assert_eq!(fired.len(), RADIX_AT);
        assert!(fired.iter().all(|i| i % 2 == 1));
    }

    fn rand_chacha_free_rng(seed: u64) -> rand::rngs::ChaCha8Rng {
        rand::rngs::ChaCha8Rng::seed_from_u64(seed)
    }
}
