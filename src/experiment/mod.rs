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

use crate::pipeline::model::{ReplicationResult, Replicator};
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
    /// Hand the replications' records to the sink (false: it gets empty
    /// slices, and records are freed on the thread that made them).
    pub keep_results: bool,
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

/// The worker pool for `threads` (0: one per core), built once per process.
fn pool(threads: usize) -> Result<std::sync::Arc<rayon::ThreadPool>, ExperimentError> {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<BTreeMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|source| ExperimentError::ThreadPool { threads, source })?,
    );
    pools.insert(threads, p.clone());
    Ok(p)
}

/// Runs `f` on the worker pool of `threads` threads (0: one per core), the
/// one [`run`] uses: for parallel work on its results, such as encoding rows.
pub fn install<R: Send>(
    threads: usize,
    f: impl FnOnce() -> R + Send,
) -> Result<R, ExperimentError> {
    Ok(pool(threads)?.install(f))
}

/// The number of threads of the worker pool for `threads` (0: one per core).
pub fn workers(threads: usize) -> Result<usize, ExperimentError> {
    Ok(pool(threads)?.current_num_threads())
}

/// About this many bytes of replication results are held at once.
pub const CHUNK_BYTES: u64 = 16 << 20;

/// Replications per worker and chunk when no results are kept.
const UNKEPT_CHUNK_PER_THREAD: u64 = 4096;

/// The chunk when nothing is kept: memory does not depend on it, and large
/// groups amortize each group's fresh partial aggregate, the serial in-order
/// merge and the barrier.
fn unkept_chunk(plan: &Plan, threads: usize) -> u64 {
    (UNKEPT_CHUNK_PER_THREAD * threads as u64).max(plan.chunk)
}

/// A chunk size holding about [`CHUNK_BYTES`] of results like `sample`'s,
/// between `min` and 64 replications per thread.
fn adapt_chunk(sample: &[ReplicationResult], min: u64, threads: usize) -> u64 {
    let per_rep = sample
        .iter()
        .map(|r| {
            (r.stages.len() * std::mem::size_of::<crate::pipeline::model::StageRecord>()
                + r.runs.len() * std::mem::size_of::<crate::pipeline::model::RunRecord>()
                + r.images.len() * std::mem::size_of::<crate::pipeline::model::ImageRecord>()
                + r.quotas
                    .iter()
                    .map(|q| q.trace.len() * 16 + q.waits.len() * 8)
                    .sum::<usize>()) as u64
        })
        .max()
        .unwrap_or(1)
        .max(1);
    (CHUNK_BYTES / per_rep).clamp(min.max(1), 64 * threads as u64)
}

/// Runs the plan; `sink` sees every chunk `(first index, replications run,
/// results)` in order; `results` is empty unless `plan.keep_results`.
pub fn run<F>(scenario: &Scenario, plan: &Plan, mut sink: F) -> Result<Aggregate, ExperimentError>
where
    F: FnMut(u64, u64, &[ReplicationResult]) -> Result<(), String>,
{
    let pool = pool(plan.threads)?;
    let world = &scenario.world;
    let mut agg = Aggregate::new(world);
    let mut next = plan.first;
    let mut done = 0u64;
    // The one-worker path's replicator, kept from chunk to chunk.
    let mut replicator: Option<Replicator> = None;
    // Without a precision target the chunk only trades memory for speed:
    // grow it to about CHUNK_BYTES of replication results once the first
    // chunk shows how large a replication is.
    let adaptive = plan.precision.is_none();
    let mut chunk = if adaptive && !plan.keep_results {
        unkept_chunk(plan, pool.current_num_threads())
    } else {
        plan.chunk.max(1)
    };
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
        let n = chunk.min(target - done);
        // Contiguous groups, one per worker: each runs its replications and
        // folds them into a partial aggregate in parallel; the partials are
        // then merged in order, which is exact (see `Aggregate::merge`).
        let groups = (pool.current_num_threads() as u64).clamp(1, n);
        if groups == 1 {
            // One worker: fold straight into the aggregate.
            let replicator = replicator.get_or_insert_with(|| Replicator::new(world));
            if plan.keep_results {
                let results: Vec<ReplicationResult> = (next..next + n)
                    .map(|i| replicator.run(plan.seed, i))
                    .collect();
                sink(next, n, &results).map_err(ExperimentError::Sink)?;
                for (k, r) in results.iter().enumerate() {
                    agg.add(world, next + k as u64, r);
                }
                if adaptive {
                    chunk = adapt_chunk(&results, plan.chunk, pool.current_num_threads());
                }
            } else {
                for i in next..next + n {
                    let r = replicator.run(plan.seed, i);
                    agg.add(world, i, &r);
                    replicator.recycle(r);
                }
                sink(next, n, &[]).map_err(ExperimentError::Sink)?;
            }
            next += n;
            done += n;
            continue;
        }
        let parts: Vec<(u64, u64, Vec<ReplicationResult>, Aggregate)> = pool.install(|| {
            (0..groups)
                .into_par_iter()
                .map(|g| {
                    let (lo, hi) = (next + n * g / groups, next + n * (g + 1) / groups);
                    let mut part = Aggregate::new(world);
                    let mut results: Vec<ReplicationResult> = Vec::new();
                    let mut replicator = Replicator::new(world);
                    for i in lo..hi {
                        let r = replicator.run(plan.seed, i);
                        part.add(world, i, &r);
                        if plan.keep_results {
                            results.push(r);
                        } else {
                            replicator.recycle(r);
                        }
                    }
                    (lo, hi - lo, results, part)
                })
                .collect()
        });
        for (lo, ran, results, part) in &parts {
            sink(*lo, *ran, results).map_err(ExperimentError::Sink)?;
            agg.merge(part);
        }
        if adaptive
            && plan.keep_results
            && let Some((_, _, results, _)) = parts.first()
        {
            chunk = adapt_chunk(results, plan.chunk, pool.current_num_threads());
        }
        next += n;
        done += n;
    }
    Ok(agg)
}
