//! Criterion benchmarks: `cargo bench --bench engine`.
//!
//! - `hold/N`: the classic hold model on the engine. The queue is kept at N
//!   pending events; each step pops the earliest and schedules a new one
//!   `Exp(mean 1 s)` later. Reported as events per second.
//! - `quickstart/replication`: one replication of scenarios/quickstart.toml
//!   (28 simulated days, four weekly builds, four Regions).

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_distr::{Distribution, Exp};

use amisim::engine::{RngStreams, SimDuration, SimTime, Simulation};
use amisim::pipeline::model::run_replication;

const STEPS: u64 = 100_000;

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(STEPS));
    for n in [1_000usize, 100_000] {
        let exp = Exp::new(1.0).unwrap();
        let mut rng = RngStreams::new(1, 0).stream("hold");
        let mut sim: Simulation<u32> = Simulation::with_capacity(n + 1);
        for i in 0..n {
            let d = SimDuration::from_secs_f64(exp.sample(&mut rng));
            sim.schedule_in(d, i as u32);
        }
        group.bench_function(format!("{n}"), |b| {
            b.iter(|| {
                for _ in 0..STEPS {
                    let ev = sim.step(SimTime::MAX).unwrap();
                    let d = SimDuration::from_secs_f64(exp.sample(&mut rng));
                    sim.schedule_in(d, black_box(ev));
                }
            })
        });
    }
    group.finish();
}

fn quickstart(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let scn = amisim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut i = 0u64;
    c.bench_function("quickstart/replication", |b| {
        b.iter_batched(
            || {
                i += 1;
                i
            },
            |rep| black_box(run_replication(&scn.world, 1, rep)),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, hold_model, quickstart);
criterion_main!(benches);
