//! Many seeded replications of one scenario, run in parallel, collected in order.
//!
//! Replication `i` draws only from streams derived from `(seed, i)`, and
//! rayon's indexed `collect` keeps results in replication order, so the
//! output is byte-identical whatever the thread count.

pub mod stats;

use rayon::prelude::*;

use crate::pipeline::model::{ReplicationResult, run_replication};
use crate::scenario::Scenario;

/// What an experiment produced.
#[derive(Debug, Clone)]
pub struct Results {
    /// Master seed used.
    pub seed: u64,
    /// One result per replication, in index order.
    pub replications: Vec<ReplicationResult>,
}

impl Results {
    /// Total events handled over all replications.
    pub fn events(&self) -> u64 {
        self.replications.iter().map(|r| r.events).sum()
    }
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
}

/// Runs `replications` replications of `scenario` with master seed `seed`
/// on `threads` threads (0 = one per core).
pub fn run(
    scenario: &Scenario,
    seed: u64,
    replications: u32,
    threads: usize,
) -> Result<Results, ExperimentError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| ExperimentError::ThreadPool { threads, source })?;
    let world = &scenario.world;
    let reps = pool.install(|| {
        (0..replications as u64)
            .into_par_iter()
            .map(|i| run_replication(world, seed, i))
            .collect::<Vec<_>>()
    });
    Ok(Results {
        seed,
        replications: reps,
    })
}
