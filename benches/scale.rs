//! Replications per second on 1 and 2 threads: `cargo bench --bench scale`.
//!
//! - `quickstart/threads-T`: 1,024 replications of scenarios/quickstart.toml.
//! - `enterprise/threads-T`: 32 replications of scenarios/enterprise.toml
//!   (40 pipelines, 30 Regions, 500 accounts, one simulated year each;
//!   enough per iteration that uneven replications even out over 2 workers).
//!
//! Throughput is reported in replications per second. Rows are not written
//! (the aggregate only), as with `--rows none`, except in
//! - `quickstart-rows/threads-T`: the same 1,024 quickstart replications with
//!   all four row files written (to a temporary directory), as `amisim run`
//!   does by default: each worker encodes the rows of the replications it
//!   runs, and they are written in order.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use amisim::experiment::outputs::RowSelection;
use amisim::experiment::{self, Plan};
use amisim::report::row_files::RowFiles;
use amisim::report::rows::{Encoded, encode};

/// Benchmarks `reps` replications of `scenarios/{name}.toml` on 1 and 2
/// threads, in group `group`; with `rows`, every row file is written too.
fn bench(c: &mut Criterion, group: &str, name: &str, reps: u64, rows: bool) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
    let scn = amisim::scenario::load(&path, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(reps));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let plan = Plan {
            seed: 1,
            first: 0,
            count: reps,
            threads,
            // As `amisim run` does: one replication per worker first when
            // rows are written (to measure them), else all at once.
            chunk: if rows { threads as u64 } else { reps },
            precision: None,
        };
        group.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| {
                // Never committed: dropping it removes the files.
                let mut files =
                    rows.then(|| RowFiles::create(dir.path(), RowSelection::All).unwrap());
                let enabled = files.as_ref().map(RowFiles::enabled);
                experiment::run(
                    &scn,
                    &plan,
                    |out: &mut Encoded, i, r, lines| {
                        if let Some(enabled) = enabled {
                            encode(&scn.world, enabled, out, i, r, lines);
                        }
                    },
                    |_, _, out| match files.as_mut() {
                        Some(f) => f.append(out).map_err(Into::into),
                        None => Ok(()),
                    },
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

fn scale(c: &mut Criterion) {
    bench(c, "quickstart", "quickstart", 1024, false);
    bench(c, "enterprise", "enterprise", 32, false);
    bench(c, "quickstart-rows", "quickstart", 1024, true);
}

criterion_group!(benches, scale);
criterion_main!(benches);
