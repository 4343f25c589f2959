//! Replications per second on 1 and 2 threads: `cargo bench --bench scale`.
//!
//! - `quickstart/threads-T`: 1,024 replications of scenarios/quickstart.toml.
//! - `enterprise/threads-T`: 32 replications of scenarios/enterprise.toml
//!   (40 pipelines, 30 Regions, 500 accounts, one simulated year each;
//!   enough per iteration that uneven replications even out over 2 workers).
//!
//! Throughput is reported in replications per second. Rows are not written
//! (the aggregate only), as with `--rows none`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use amisim::experiment::{self, Plan};

fn bench(c: &mut Criterion, name: &str, reps: u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
    let scn = amisim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(reps));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let plan = Plan {
            seed: 1,
            first: 0,
            count: reps,
            threads,
            chunk: 2 * threads as u64,
            precision: None,
            keep_results: false,
        };
        group.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| experiment::run(&scn, &plan, |_, _, _| Ok(())).unwrap())
        });
    }
    group.finish();
}

fn scale(c: &mut Criterion) {
    bench(c, "quickstart", 1024);
    bench(c, "enterprise", 32);
}

criterion_group!(benches, scale);
criterion_main!(benches);
