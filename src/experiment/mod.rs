//! Many seeded replications of one scenario, in parallel, aggregated in order.
//!
//! Replication `i` draws only from streams derived from `(seed, i)`.
//! Replications run in chunks: a chunk runs in parallel (rayon's indexed
//! `collect` keeps replication order), then is handed to the caller (to
//! stream rows to disk) and folded into the [`Aggregate`] in order, then
//! dropped. Memory is bounded by the chunk, and the outputs are the same
//! bytes whatever the thread count, the chunk size or the sharding.

pub mod aggregate;
pub mod stats;

use rayon::prelude::*;

pub use aggregate::Aggregate;

use crate::pipeline::model::{ReplicationResult, run_replication};
use crate::scenario::Scenario;

/// Stop adding replications once the 95 % confidence interval is this tight.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    /// Target relative half-width (e.g. 0.05 for ± 5 %).
    pub relative_half_width: f64,
    /// `mean` or `p95` of time to all Regions.
    pub of_p95: bool,
    /// Never run more than this many replications.
    pub max_replications: u64,
}

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Master seed.
    pub seed: u64,
    /// First replication index (a shard's offset).
    pub first: u64,
    /// Replications to run (the minimum, with a precision target).
    pub count: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Replications per chunk.
    pub chunk: u64,
    /// Keep going until this precision is reached.
    pub precision: Option<Precision>,
}

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        source: rayon::ThreadPoolBuildError,
    },
    /// The chunk handler failed (e.g. writing rows).
    #[error("{0}")]
    Sink(String),
}

/// Runs the plan; `sink` sees every chunk `(first index, results)` in order.
pub fn run<F>(scenario: &Scenario, plan: &Plan, mut sink: F) -> Result<Aggregate, ExperimentError>
where
    F: FnMut(u64, &[ReplicationResult]) -> Result<(), String>,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|source| ExperimentError::ThreadPool {
            threads: plan.threads,
            source,
        })?;
    let world = &scenario.world;
    let mut agg = Aggregate::new(world);
    let mut next = plan.first;
    let mut done = 0u64;
    loop {
        let target = match plan.precision {
            None => plan.count,
            Some(p) => {
                let reached = done >= plan.count
                    && agg.worst_relative_half_width().is_some_and(|(mean, p95)| {
                        (if p.of_p95 { p95 } else { mean }) <= p.relative_half_width
                    });
                if reached || done >= p.max_replications {
                    done
                } else {
                    p.max_replications
                }
            }
        };
        if done >= target {
            break;
        }
        let n = plan.chunk.max(1).min(target - done);
        let results: Vec<ReplicationResult> = pool.install(|| {
            (next..next + n)
                .into_par_iter()
                .map(|i| run_replication(world, plan.seed, i))
                .collect()
        });
        sink(next, &results).map_err(ExperimentError::Sink)?;
        for (k, r) in results.iter().enumerate() {
            agg.add(world, next + k as u64, r);
        }
        next += n;
        done += n;
    }
    Ok(agg)
}
