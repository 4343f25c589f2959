//! The event loop allocates nothing per event once warmed up.
//!
//! A counting global allocator (per thread, so parallel tests don't
//! interfere) wraps the system one for this test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use amisim::engine::{RADIX_AT, SimDuration, SimTime, Simulation};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|c| c.get())
}

/// Allocations during `steps` hold-model events at `n` pending, after a warm-up.
fn hold(n: u64, warmup: u64, steps: u64) -> u64 {
    let mut sim: Simulation<u64> = Simulation::new();
    for i in 0..n {
        sim.schedule_at(SimTime(i * 7 % 1000), i);
    }
    for _ in 0..warmup {
        let ev = sim.step(SimTime::MAX).unwrap();
        sim.schedule_in(SimDuration(1 + ev % 997), ev);
    }
    let before = allocations();
    for _ in 0..steps {
        let ev = sim.step(SimTime::MAX).unwrap();
        sim.schedule_in(SimDuration(1 + ev % 997), ev);
    }
    allocations() - before
}

#[test]
fn the_binary_heap_mode_allocates_nothing_per_event() {
    assert!(1_000 < RADIX_AT as u64);
    assert_eq!(
        hold(1_000, 10_000, 100_000),
        0,
        "allocations in 100,000 events"
    );
    // The counter works: a Vec allocates.
    let before = allocations();
    let v: Vec<u8> = Vec::with_capacity(16);
    assert!(allocations() > before, "{}", v.capacity());
}

#[test]
fn the_radix_mode_allocates_rarely_not_per_event() {
    // Its buckets keep their vectors; a vector grows only when a bucket holds
    // more entries than ever before, which gets rarer as the run goes on.
    let n = 2 * RADIX_AT as u64;
    let allocs = hold(n, 500_000, 1_000_000);
    assert!(
        allocs <= 100,
        "{allocs} allocations in 1,000,000 events (at most one per 10,000)"
    );
}

#[test]
fn a_warm_replicator_and_the_aggregate_allocate_nothing_per_replication() {
    use amisim::experiment::Aggregate;
    use amisim::pipeline::model::Replicator;
    let scn = amisim::scenario::load(
        &crate::root().join("scenarios/quickstart.toml"),
        &Default::default(),
    )
    .unwrap();
    let world = &scn.world;
    let mut agg = Aggregate::new(world);
    let mut rep = Replicator::new(world);
    let mut step = |i: u64| {
        let r = rep.run(1, i);
        agg.add(&scn.market(), i, &r);
        rep.recycle(r);
    };
    for i in 0..200 {
        step(i);
    }
    let before = allocations();
    for i in 200..1200 {
        step(i);
    }
    // Buffers grow only for a replication larger than any before (2 here),
    // and a histogram's counters when a count first passes 255 or 65,535
    // (at most three times each) or a value past its range widens it (13
    // here): never once a replication.
    let allocs = allocations() - before;
    assert!(allocs <= 20, "{allocs} allocations in 1,000 replications");
}
