//! The event loop allocates nothing per event once warmed up.
//!
//! A counting global allocator (per thread, so parallel tests don't
//! interfere) wraps the system one for this test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use amisim::engine::{SimDuration, SimTime, Simulation};

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

#[test]
fn the_hold_model_allocates_nothing_per_event() {
    let n = 10_000u64;
    let mut sim: Simulation<u64> = Simulation::new();
    for i in 0..n {
        sim.schedule_at(SimTime(i * 7 % 1000), i);
    }
    // Warm-up: the heap reaches its working size.
    for _ in 0..n {
        let ev = sim.step(SimTime::MAX).unwrap();
        sim.schedule_in(SimDuration(1 + ev % 997), ev);
    }
    let before = allocations();
    for _ in 0..100_000 {
        let ev = sim.step(SimTime::MAX).unwrap();
        sim.schedule_in(SimDuration(1 + ev % 997), ev);
    }
    assert_eq!(allocations() - before, 0, "allocations in 100,000 events");
    // The counter works: a Vec allocates.
    let v: Vec<u8> = Vec::with_capacity(16);
    assert!(allocations() > before, "{}", v.capacity());
}
