//! A counting resource with FIFO waiters (SimPy's `Resource`), the mechanism
//! behind quotas such as "concurrent copies per destination Region".
//!
//! The resource does not schedule anything itself: [`Resource::request`]
//! either grants a unit at once or queues the caller's token, and
//! [`Resource::release`] hands the freed unit to the longest waiter, returning
//! its token and how long it waited so the caller can resume it. Waiting
//! times are accumulated for reports. A request may hold several units
//! ([`Resource::request_units`], [`Resource::release_units`] then
//! [`Resource::next_granted`]): EBS's snapshot-copy quota, one unit per
//! snapshot of an image.

use std::collections::VecDeque;

use super::occupancy::{BucketSums, Occupancy};
use super::time::{SimDuration, SimTime};

/// The answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// A unit was free and is now held by the caller.
    Now,
    /// All units are held; the caller's token is queued at this position (0 = next).
    Queued(usize),
}

/// `capacity` identical units handed out first come, first served.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    capacity: u32,
    in_use: u32,
    /// Tokens waiting, with when they asked and how many units.
    waiters: VecDeque<(T, SimTime, u32)>,
    served: u64,
    total_wait: SimDuration,
    max_wait: SimDuration,
    peak_in_use: u32,
    peak_queue: usize,
    /// Time of the last change of `in_use` or the queue.
    last_change: SimTime,
    /// ∫ in_use dt, in unit-milliseconds.
    busy_integral: u128,
    /// ∫ queue length dt, in request-milliseconds.
    queue_integral: u128,
    /// Time with every unit in use, ms.
    full_ms: u64,
    /// Occupancy summed per time bucket, if tracing.
    occupancy: Option<Occupancy>,
    /// The wait of each granted request that waited, if tracing.
    waits: Vec<SimDuration>,
    /// Granted requests that did not wait, if tracing: most do, and a list
    /// of their zeros was 8 MB a replication for 1,000 pipelines.
    zero_waits: u64,
}

/// First allocation of a traced resource's wait log.
const TRACE_START: usize = 32;

impl<T> Resource<T> {
    /// A resource with `capacity` units (at least one).
    pub fn new(capacity: u32) -> Self {
        Resource {
            capacity: capacity.max(1),
            in_use: 0,
            waiters: VecDeque::new(),
            served: 0,
            total_wait: SimDuration::ZERO,
            max_wait: SimDuration::ZERO,
            peak_in_use: 0,
            peak_queue: 0,
            last_change: SimTime::ZERO,
            busy_integral: 0,
            queue_integral: 0,
            full_ms: 0,
            occupancy: None,
            waits: Vec::new(),
            zero_waits: 0,
        }
    }

    /// Also sums its occupancy per time bucket of `width` ms (for
    /// utilization over time) and records the wait of every granted request.
    pub fn traced(mut self, width: u64) -> Self {
        self.occupancy = Some(Occupancy::new(width));
        self
    }

    /// Accumulates the integrals (and the occupancy, if tracing) up to
    /// `now`; called before any change, and at the end of a run.
    pub fn advance(&mut self, now: SimTime) {
        if let Some(o) = &mut self.occupancy {
            let from = self.last_change.as_millis();
            o.add(
                from,
                now.as_millis(),
                self.in_use,
                self.waiters.len() as u32,
            );
        }
        let dt = now.since(self.last_change).as_millis() as u128;
        self.busy_integral += dt * self.in_use as u128;
        self.queue_integral += dt * self.waiters.len() as u128;
        if self.in_use >= self.capacity {
            self.full_ms += dt as u64;
        }
        self.last_change = self.last_change.max(now);
    }

    fn push_wait(&mut self, wait: SimDuration) {
        if wait == SimDuration::ZERO {
            self.zero_waits += 1;
            return;
        }
        if self.waits.capacity() == 0 {
            self.waits.reserve(TRACE_START);
        }
        self.waits.push(wait);
    }

    /// Asks for one unit at `now` on behalf of `token`.
    pub fn request(&mut self, now: SimTime, token: T) -> Grant {
        self.request_units(now, token, 1)
    }

    /// Asks for `units` units together (at least one, at most the capacity)
    /// at `now` on behalf of `token`: granted when they are free and nobody
    /// waits before it (first come, first served, no overtaking).
    pub fn request_units(&mut self, now: SimTime, token: T, units: u32) -> Grant {
        let units = units.clamp(1, self.capacity);
        self.advance(now);
        if self.in_use + units <= self.capacity && self.waiters.is_empty() {
            self.in_use += units;
            self.peak_in_use = self.peak_in_use.max(self.in_use);
            self.served += 1;
            if self.occupancy.is_some() {
                self.push_wait(SimDuration::ZERO);
            }
            Grant::Now
        } else {
            self.waiters.push_back((token, now, units));
            self.peak_queue = self.peak_queue.max(self.waiters.len());
            Grant::Queued(self.waiters.len() - 1)
        }
    }

    /// Whether `units` units (as [`Resource::request_units`] counts them)
    /// are not held now, whoever waits.
    pub fn free_for(&self, units: u32) -> bool {
        self.in_use + units.clamp(1, self.capacity) <= self.capacity
    }

    /// Gives back one unit at `now`. If someone is waiting, the unit passes
    /// straight to the longest waiter, whose token and wait are returned.
    ///
    /// Releasing a unit that is not held is a bug in the model; it is ignored
    /// (and asserted in debug builds).
    pub fn release(&mut self, now: SimTime) -> Option<(T, SimDuration)> {
        debug_assert!(self.in_use > 0, "release without a held unit");
        if self.in_use == 0 {
            return None;
        }
        self.advance(now);
        self.in_use -= 1;
        self.grant_head(now).map(|(t, w, _)| (t, w))
    }

    /// Gives back `units` units at `now`; then [`Resource::next_granted`]
    /// until it returns `None` hands them to the waiters they now fit.
    /// Returns false (and asserts in debug builds) if fewer are held.
    pub fn release_units(&mut self, now: SimTime, units: u32) -> bool {
        debug_assert!(self.in_use >= units, "release without held units");
        if self.in_use < units {
            return false;
        }
        self.advance(now);
        self.in_use -= units;
        true
    }

    /// The longest waiter, if its units are now free: granted, with its
    /// wait and units.
    pub fn next_granted(&mut self, now: SimTime) -> Option<(T, SimDuration, u32)> {
        self.advance(now);
        self.grant_head(now)
    }

    fn grant_head(&mut self, now: SimTime) -> Option<(T, SimDuration, u32)> {
        let &(_, _, units) = self.waiters.front()?;
        if self.in_use + units > self.capacity {
            return None;
        }
        let (token, since, units) = self.waiters.pop_front()?;
        self.in_use += units;
        self.peak_in_use = self.peak_in_use.max(self.in_use);
        let waited = now.since(since);
        self.served += 1;
        self.total_wait = SimDuration(self.total_wait.0.saturating_add(waited.0));
        self.max_wait = self.max_wait.max(waited);
        if self.occupancy.is_some() {
            self.push_wait(waited);
        }
        Some((token, waited, units))
    }

    /// Units per resource.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Units held now.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Requests granted so far.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// Sum of the waits of granted requests.
    pub fn total_wait(&self) -> SimDuration {
        self.total_wait
    }

    /// Longest wait of a granted request.
    pub fn max_wait(&self) -> SimDuration {
        self.max_wait
    }

    /// Most units ever held at once.
    pub fn peak_in_use(&self) -> u32 {
        self.peak_in_use
    }

    /// Longest queue ever seen.
    pub fn peak_queue(&self) -> usize {
        self.peak_queue
    }

    /// ∫ units in use dt up to `now`, in unit-milliseconds.
    pub fn busy_integral(&self, now: SimTime) -> u128 {
        let dt = now.since(self.last_change).as_millis() as u128;
        self.busy_integral + dt * self.in_use as u128
    }

    /// Time with every unit in use up to `now`, ms: time at capacity.
    pub fn full_time(&self, now: SimTime) -> u64 {
        let dt = now.since(self.last_change).as_millis();
        self.full_ms + if self.in_use >= self.capacity { dt } else { 0 }
    }

    /// ∫ queue length dt up to `now`, in request-milliseconds.
    pub fn queue_integral(&self, now: SimTime) -> u128 {
        let dt = now.since(self.last_change).as_millis() as u128;
        self.queue_integral + dt * self.waiters.len() as u128
    }

    /// The waits of granted requests that waited, recorded by a
    /// [`Resource::traced`] resource, in grant order.
    pub fn waits(&self) -> &[SimDuration] {
        &self.waits
    }

    /// How many granted requests did not wait, counted by a
    /// [`Resource::traced`] resource.
    pub fn zero_waits(&self) -> u64 {
        self.zero_waits
    }

    /// Exchanges the occupancy sums (up to the last [`Resource::advance`])
    /// and waits with `sums` and `waits`: moves the logs out and hands in
    /// (typically emptied) buffers to record into from now on. An untraced
    /// resource's occupancy stays unrecorded.
    pub fn swap_logs(&mut self, sums: &mut BucketSums, waits: &mut Vec<SimDuration>) {
        if let Some(o) = &mut self.occupancy {
            o.swap_sums(sums);
        }
        std::mem::swap(&mut self.waits, waits);
    }

    /// Back to its state when made (idle at time zero, nothing recorded),
    /// keeping its buffers.
    pub fn reset(&mut self) {
        self.in_use = 0;
        self.waiters.clear();
        self.served = 0;
        self.total_wait = SimDuration::ZERO;
        self.max_wait = SimDuration::ZERO;
        self.peak_in_use = 0;
        self.peak_queue = 0;
        self.last_change = SimTime::ZERO;
        self.busy_integral = 0;
        self.queue_integral = 0;
        self.full_ms = 0;
        if let Some(o) = &mut self.occupancy {
            o.clear();
        }
        self.waits.clear();
        self.zero_waits = 0;
    }

    /// The occupancy sums of a [`Resource::traced`] resource, up to its
    /// last change or [`Resource::advance`], the last bucket excepted.
    pub fn occupancy(&self) -> &[(u64, u128, u128)] {
        self.occupancy.as_ref().map_or(&[], |o| o.sums())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Simulation;

    #[derive(Clone, Copy, Debug)]
    enum Ev {
        Arrive(u32),
        Done,
    }

    /// Ten jobs of 10 s arriving 1 s apart on a capacity-3 resource.
    #[test]
    fn never_serves_more_than_capacity_and_serves_in_arrival_order() {
        let mut sim = Simulation::new();
        // Traced in buckets of 7 s, which the 10 s jobs straddle.
        let mut res: Resource<u32> = Resource::new(3).traced(7_000);
        for i in 0..10u32 {
            sim.schedule_at(SimTime(i as u64 * 1000), Ev::Arrive(i));
        }
        let mut started = Vec::new();
        let mut waits = Vec::new();
        sim.run_to_end(|sim, ev| match ev {
            Ev::Arrive(i) => {
                if res.request(sim.now(), i) == Grant::Now {
                    started.push(i);
                    waits.push(0);
                    sim.schedule_in(SimDuration::from_secs(10), Ev::Done);
                }
                assert!(res.in_use() <= 3);
            }
            Ev::Done => {
                if let Some((i, w)) = res.release(sim.now()) {
                    started.push(i);
                    waits.push(w.as_millis());
                    sim.schedule_in(SimDuration::from_secs(10), Ev::Done);
                }
                assert!(res.in_use() <= 3);
            }
        });
        assert_eq!(started, (0..10).collect::<Vec<_>>());
        assert_eq!(res.peak_in_use(), 3);
        assert_eq!(res.in_use(), 0);
        assert_eq!(res.served(), 10);
        // Job 3 arrives at 3 s and gets job 0's unit at 10 s.
        assert_eq!(waits[3], 7_000);
        assert_eq!(res.max_wait().as_millis(), *waits.iter().max().unwrap());
        // Units are busy 10 jobs × 10 s = 100 unit-seconds; waiting totals the waits.
        assert_eq!(res.busy_integral(sim.now()), 100_000);
        assert_eq!(
            res.queue_integral(sim.now()),
            waits.iter().sum::<u64>() as u128
        );
        // The buckets sum to the integrals, each within its 7 s.
        res.advance(sim.now());
        let (mut sums, mut w) = (Vec::new(), Vec::new());
        res.swap_logs(&mut sums, &mut w);
        let total = |f: fn(&(u64, u128, u128)) -> u128| sums.iter().map(f).sum::<u128>();
        assert_eq!(total(|s| s.1), 100_000);
        assert_eq!(total(|s| s.2), waits.iter().sum::<u64>() as u128);
        assert!(sums.windows(2).all(|p| p[0].0 < p[1].0));
        assert!(sums.iter().all(|s| s.1 <= 3 * 7_000));
    }

    #[test]
    fn a_traced_resource_sums_its_occupancy_per_bucket() {
        let mut res: Resource<u8> = Resource::new(1).traced(10);
        res.request(SimTime(0), 1);
        res.request(SimTime(5), 2);
        res.release(SimTime(10));
        res.release(SimTime(20));
        // Bucket 0 (0-10 ms): one unit in use throughout, one queued for 5 ms.
        assert_eq!(res.occupancy(), &[(0, 10, 5)]);
        // Its one unit is in use from 0 to 20 ms, then idle.
        assert_eq!(res.full_time(SimTime(20)), 20);
        assert_eq!(res.full_time(SimTime(35)), 20);
        res.request(SimTime(40), 3);
        assert_eq!(res.full_time(SimTime(45)), 25);
        // Changes at one instant: the release at 50 ms grants the waiting
        // request at once, and the unit stays in use.
        res.request(SimTime(50), 4);
        res.release(SimTime(50));
        res.advance(SimTime(60));
        let (mut sums, mut waits) = (Vec::new(), Vec::new());
        res.swap_logs(&mut sums, &mut waits);
        assert_eq!(sums, [(0, 10, 5), (1, 10, 0), (4, 10, 0), (5, 10, 0)]);
        assert_eq!(waits, [SimDuration(5)]);
        assert_eq!(res.zero_waits(), 3);
    }

    #[test]
    fn a_request_for_several_units_waits_until_they_are_all_free_and_is_not_overtaken() {
        let mut res: Resource<u8> = Resource::new(4);
        assert_eq!(res.request_units(SimTime(0), 1, 3), Grant::Now);
        // Two of four are needed, one is free: it waits; a one-unit request
        // behind it waits too (first come, first served).
        assert_eq!(res.request_units(SimTime(1), 2, 2), Grant::Queued(0));
        assert_eq!(res.request_units(SimTime(2), 3, 1), Grant::Queued(1));
        assert!(res.free_for(1) && !res.free_for(2));
        // More than the capacity is asked as the whole capacity.
        assert_eq!(res.request_units(SimTime(3), 4, 9), Grant::Queued(2));
        assert!(res.release_units(SimTime(10), 3));
        assert_eq!(res.next_granted(SimTime(10)), Some((2, SimDuration(9), 2)));
        assert_eq!(res.next_granted(SimTime(10)), Some((3, SimDuration(8), 1)));
        assert_eq!(
            res.next_granted(SimTime(10)),
            None,
            "four units, three held"
        );
        assert_eq!(res.in_use(), 3);
        assert!(res.release_units(SimTime(20), 3));
        assert_eq!(res.next_granted(SimTime(20)), Some((4, SimDuration(17), 4)));
        assert_eq!((res.peak_in_use(), res.served()), (4, 4));
    }
}
