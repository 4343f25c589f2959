//! A small, generic discrete-event engine. It knows nothing of AWS.
//!
//! # Ordering contract
//!
//! Every event has a key `(time, seq)`: `time` is a [`SimTime`] (integer
//! milliseconds) and `seq` a per-simulation counter incremented on every
//! schedule. Events fire in increasing key order, so events scheduled for the
//! same instant fire in the order they were scheduled. Nothing else (no
//! hash, no address, no thread timing) influences the order, which makes a
//! run a pure function of its inputs and its seed.
//!
//! # Use
//!
//! ```
//! use amisim::engine::{Simulation, SimDuration, SimTime};
//!
//! #[derive(Clone, Copy)]
//! enum Ev { Ping(u32) }
//!
//! let mut sim = Simulation::new();
//! sim.schedule_in(SimDuration::from_secs(5), Ev::Ping(1));
//! let mut seen = Vec::new();
//! sim.run_until(SimTime(60_000), |sim, ev| {
//!     let Ev::Ping(n) = ev;
//!     seen.push((sim.now(), n));
//!     if n < 3 {
//!         sim.schedule_in(SimDuration::from_secs(5), Ev::Ping(n + 1));
//!     }
//! });
//! assert_eq!(seen.last(), Some(&(SimTime(15_000), 3)));
//! ```
#![warn(missing_docs)]

mod bucket;
mod occupancy;
mod queue;
mod radix;
mod resource;
mod rng;
mod time;

pub use bucket::TokenBucket;
pub use occupancy::{BucketSums, MAX_BUCKETS, Occupancy, bucket_width_ms};
pub use queue::{EventKey, EventQueue, RADIX_AT};
pub use resource::{Grant, Resource};
pub use rng::{RngStreams, StreamName, StreamRng};
pub use time::{DurationParseError, OptTime, SimDuration, SimTime, round_to_u64};

/// A simulation clock plus its future event set.
///
/// Building a model (the handler's state) is kept apart from running it: the
/// `Simulation` only orders events; the caller owns the model and passes a
/// handler to [`Simulation::run_until`] or drives [`Simulation::step`].
pub struct Simulation<E> {
    now: SimTime,
    queue: EventQueue<E>,
    fired: u64,
}

impl<E> Default for Simulation<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Simulation<E> {
    /// A simulation at time zero with no pending event.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// As [`Simulation::new`], with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        Simulation {
            now: SimTime::ZERO,
            queue: EventQueue::with_capacity(n),
            fired: 0,
        }
    }

    /// Back to time zero with no pending event and no event fired, keeping
    /// the queue's buffer: the same as a new simulation.
    pub fn reset(&mut self) {
        self.now = SimTime::ZERO;
        self.queue.clear();
        self.fired = 0;
    }

    /// The current simulated time: the time of the event being handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have fired so far.
    pub fn events_fired(&self) -> u64 {
        self.fired
    }

    /// Schedules `event` at the absolute time `time`, which must not be in
    /// the past (a bug in the model; checked in debug builds, clamped to
    /// `now` in release builds so that time never runs backwards).
    pub fn schedule_at(&mut self, time: SimTime, event: E) -> EventKey {
        debug_assert!(
            time >= self.now,
            "scheduled in the past: {time:?} < {:?}",
            self.now
        );
        self.queue.push(time.max(self.now), event)
    }

    /// Schedules `event` after `delay` from now (saturating at the end of time).
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventKey {
        let at = self.now.saturating_add(delay);
        self.queue.push(at, event)
    }

    /// Cancels a pending event: it will never fire. Returns false if the key
    /// was already cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        self.queue.cancel(key)
    }

    /// The time of the next pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Pops the next event if it is due no later than `horizon`, advancing
    /// the clock to its time.
    pub fn step(&mut self, horizon: SimTime) -> Option<E> {
        match self.queue.peek_time() {
            Some(t) if t <= horizon => {
                let (t, ev) = self.queue.pop()?;
                debug_assert!(t >= self.now);
                self.now = t;
                self.fired += 1;
                Some(ev)
            }
            _ => None,
        }
    }

    /// Runs `handle` on every event up to and including `horizon`, in key
    /// order. Returns when no event is left or the next one is later than the
    /// horizon; the clock then stays at the last event handled.
    pub fn run_until<F: FnMut(&mut Self, E)>(&mut self, horizon: SimTime, mut handle: F) {
        while let Some(ev) = self.step(horizon) {
            handle(self, ev);
        }
    }

    /// Runs until no event is left.
    pub fn run_to_end<F: FnMut(&mut Self, E)>(&mut self, handle: F) {
        self.run_until(SimTime::MAX, handle)
    }

    /// Number of pending entries (cancelled ones included until they surface).
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_until_stops_at_the_horizon_and_keeps_later_events() {
        let mut sim = Simulation::new();
        for t in [5u64, 10, 15, 20] {
            sim.schedule_at(SimTime(t), t);
        }
        let mut seen = Vec::new();
        sim.run_until(SimTime(15), |_, e| seen.push(e));
        assert_eq!(seen, vec![5, 10, 15]);
        assert_eq!(sim.now(), SimTime(15));
        assert_eq!(sim.peek_time(), Some(SimTime(20)));
        sim.run_to_end(|_, e| seen.push(e));
        assert_eq!(seen, vec![5, 10, 15, 20]);
    }

    #[test]
    fn handlers_can_cancel_pending_events() {
        let mut sim = Simulation::new();
        let late = sim.schedule_at(SimTime(100), "timeout");
        sim.schedule_at(SimTime(50), "done");
        let mut seen = Vec::new();
        sim.run_to_end(|sim, e| {
            seen.push(e);
            if e == "done" {
                assert!(sim.cancel(late));
            }
        });
        assert_eq!(seen, vec!["done"]);
    }

    #[test]
    fn same_time_events_scheduled_from_handlers_fire_fifo() {
        let mut sim = Simulation::new();
        sim.schedule_at(SimTime(1), 0u32);
        let mut seen = Vec::new();
        sim.run_to_end(|sim, e| {
            seen.push(e);
            if e == 0 {
                for k in 1..=3 {
                    sim.schedule_in(SimDuration::ZERO, k);
                }
            }
        });
        assert_eq!(seen, vec![0, 1, 2, 3]);
    }
}
