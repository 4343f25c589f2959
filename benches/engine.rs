//! Criterion benchmarks: `cargo bench --bench engine`.
//!
//! - `hold/engine/N` and `hold/bare-heap/N`: the classic hold model at N
//!   pending events (10^3, 10^5, 10^6). Each step pops the earliest event
//!   and schedules a new one `Exp(mean 1 s)` later. `bare-heap` is the
//!   reference limit: a `BinaryHeap<Reverse<(u64, u64)>>` with the same
//!   random numbers and the same work per step, and nothing else.
//!   Reported as events per second.
//! - `replication/quickstart`, `replication/enterprise`: one replication of
//!   each scenario (the whole model: triggers, quotas, faults, records), by
//!   a warm [`Replicator`] as `amisim run` uses it; aggregation not included
//!   (`cargo bench --bench scale` includes it).
//! - `replication/quickstart+aggregate`, `replication/enterprise+aggregate`:
//!   the same, each replication also added to an aggregate as `amisim run`
//!   does: beside the one before, the aggregate's cost in one run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_distr::{Distribution, Exp};

use amisim::engine::{RngStreams, SimDuration, SimTime, Simulation, StreamRng, round_to_u64};
use amisim::experiment::aggregate::Aggregate;
use amisim::pipeline::model::{Replicator, run_replication};

const STEPS: u64 = 100_000;

fn draw(exp: &Exp<f64>, rng: &mut StreamRng) -> u64 {
    // Milliseconds, as the engine's SimDuration::from_secs_f64 does.
    round_to_u64(exp.sample(rng) * 1000.0)
}

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(STEPS));
    for n in [1_000usize, 100_000, 1_000_000] {
        if n >= 1_000_000 {
            group.sample_size(20);
        }
        let exp = Exp::new(1.0).unwrap();
        // The engine.
        let mut rng = RngStreams::new(1, 0).stream("hold");
        let mut sim: Simulation<u32> = Simulation::with_capacity(n + 1);
        for i in 0..n {
            sim.schedule_in(SimDuration(draw(&exp, &mut rng)), i as u32);
        }
        group.bench_function(format!("engine/{n}"), |b| {
            b.iter(|| {
                for _ in 0..STEPS {
                    let ev = sim.step(SimTime::MAX).unwrap();
                    sim.schedule_in(SimDuration(draw(&exp, &mut rng)), black_box(ev));
                }
            })
        });
        // The bare heap: the same work, no engine.
        let mut rng = RngStreams::new(1, 0).stream("hold");
        let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(n + 1);
        let mut seq = 0u64;
        for _ in 0..n {
            heap.push(Reverse((draw(&exp, &mut rng), seq)));
            seq += 1;
        }
        group.bench_function(format!("bare-heap/{n}"), |b| {
            b.iter(|| {
                for _ in 0..STEPS {
                    let Reverse((t, _)) = heap.pop().unwrap();
                    heap.push(Reverse((t + draw(&exp, &mut rng), black_box(seq))));
                    seq += 1;
                }
            })
        });
    }
    group.finish();
}

fn replications(c: &mut Criterion) {
    let mut group = c.benchmark_group("replication");
    for (name, samples) in [("quickstart", 100), ("enterprise", 10)] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        let scn =
            amisim::scenario::load(&path, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
        let events = run_replication(&scn.world, 1, 0).events;
        let market = scn.market();
        group.throughput(Throughput::Elements(events));
        group.sample_size(samples);
        // As `amisim run` does: one warm replicator, each result handed back;
        // with `+aggregate`, each result also added to the aggregate, so the
        // two benchmarks side by side give the aggregate's cost in one run.
        for aggregated in [false, true] {
            let mut replicator = Replicator::new(&scn.world);
            let mut agg = Aggregate::new(&scn.world);
            let mut i = 0u64;
            let id = if aggregated {
                format!("{name}+aggregate")
            } else {
                name.to_string()
            };
            group.bench_function(id, |b| {
                b.iter_batched(
                    || {
                        i += 1;
                        i
                    },
                    |rep| {
                        let r = replicator.run(1, rep);
                        if aggregated {
                            agg.add(&market, rep, &r);
                        }
                        black_box(&r);
                        replicator.recycle(r);
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, hold_model, replications);
criterion_main!(benches);
