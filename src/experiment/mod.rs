//! Many seeded replications of one scenario, in parallel, aggregated in order.
//!
//! Replication `i` draws only from streams derived from `(seed, i)`.
//! Replications run in chunks, each split into one group of consecutive
//! replications per worker. A worker folds its replications into a partial
//! [`Aggregate`] and hands each to the caller's `each` (to encode its rows),
//! reusing one replication's buffers for the next; the groups' outputs then
//! go to the caller's sink (to write them) and the partials are merged, in
//! replication order. Memory is bounded by the chunk, and the outputs are
//! the same bytes whatever the thread count, the chunk size or the sharding.

pub mod aggregate;
mod batches;
mod cost_sums;
pub mod fleet;
mod gather;
mod histogram;
pub(crate) mod levelled;
pub(crate) mod moments;
mod month_agg;
pub mod outputs;
mod pipeline_agg;
mod quota_agg;
pub(crate) mod scope;
pub(crate) mod search;
pub(crate) mod sensitivity;
pub(crate) mod shard;
pub mod stats;
mod tdist;
pub(crate) mod time_based;
pub(crate) mod u128_str;

use rayon::prelude::*;

pub use aggregate::Aggregate;

use crate::cost::CostLine;
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
    /// Replications per chunk: with a precision target, the chunk after
    /// which it is checked; otherwise the first chunk (one replication per
    /// worker is enough to measure outputs; [`MAX_CHUNK_PER_THREAD`] per
    /// worker when there are none), after which chunks hold about
    /// [`CHUNK_BYTES`] of outputs.
    pub chunk: u64,
    /// Keep going until this precision is reached.
    pub precision: Option<Precision>,
}

/// What the workers make of replications besides the aggregate (such as
/// their rows, encoded): one value per group of consecutive replications,
/// handed to the sink in replication order.
pub trait Output: Send + Default {
    /// Bytes it holds, to bound how many replications a chunk runs.
    fn held(&self) -> usize;
    /// Empties it, keeping its buffers for the next group.
    fn clear(&mut self);
}

/// Nothing besides the aggregate.
impl Output for () {
    fn held(&self) -> usize {
        0
    }
    fn clear(&mut self) {}
}

/// What a chunk handler of [`run`] may fail with.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

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
    /// The chunk handler failed (e.g. writing rows): its error, as it is.
    #[error(transparent)]
    Sink(SinkError),
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

/// The number of threads of the worker pool for `threads` (0: one per core).
pub fn workers(threads: usize) -> Result<usize, ExperimentError> {
    Ok(pool(threads)?.current_num_threads())
}

/// `f` on the experiments' thread pool (every worker), where the runs it
/// starts share the pool's threads: independent runs side by side.
pub(crate) fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, ExperimentError> {
    Ok(pool(0)?.install(f))
}

/// Replications per chunk with a precision target: fixed, so that the
/// target stops at the same replication whatever the thread count.
pub const PRECISION_CHUNK: u64 = 16;

/// The first chunk of a run on `workers` threads (see [`Plan::chunk`]).
/// A precision target is checked between chunks: a fixed chunk keeps the
/// stopping point independent of the thread count. Otherwise the chunk only
/// bounds memory: one replication per worker first, to measure their
/// outputs, when there are any.
pub fn first_chunk(workers: u64, precision: bool, outputs: bool) -> u64 {
    if precision {
        PRECISION_CHUNK
    } else if outputs {
        workers
    } else {
        MAX_CHUNK_PER_THREAD * workers
    }
}

/// About this many bytes of outputs are held at once.
pub const CHUNK_BYTES: u64 = 16 << 20;

/// One worker hands its outputs to the sink once they hold this many bytes.
const SMALL_GROUP_BYTES: usize = 256 << 10;

/// Most replications per worker and chunk: memory does not depend on it
/// when outputs are small, and large groups amortize each group's fresh
/// partial aggregate, the serial in-order merge and the barrier. (Without
/// outputs, a first chunk this large avoids a small first one.)
pub const MAX_CHUNK_PER_THREAD: u64 = 4096;

/// Runs replication `i` on `replicator`, folds it into `agg`, and hands it
/// to `each` with `out` and the cost lines `agg` priced (kept only for the
/// replications below `lines_below`: none for the others).
fn run_one<T, E>(
    (market, seed, lines_below): (&crate::cost::Market<'_>, u64, u64),
    i: u64,
    replicator: &mut Replicator,
    agg: &mut Aggregate,
    out: &mut T,
    each: &E,
) where
    E: Fn(&mut T, u64, &ReplicationResult, &[CostLine]),
{
    let r = replicator.run(seed, i);
    agg.add_keeping(market, (i, i < lines_below), &r);
    each(out, i, &r, agg.cost_lines());
    replicator.recycle(r);
}

/// How many replications the run needs so far: the plan's count, or with
/// a precision target, up to its maximum until the target is reached.
fn target(plan: &Plan, done: u64, agg: &Aggregate) -> u64 {
    let Some(p) = plan.precision else {
        return plan.count;
    };
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

/// The next chunk's size, so that its outputs hold about [`CHUNK_BYTES`]
/// (`held` bytes were held for `n` replications).
fn next_chunk(held: usize, n: u64, threads: u64) -> u64 {
    match (held as u64).div_ceil(n) {
        0 => MAX_CHUNK_PER_THREAD * threads,
        b => (CHUNK_BYTES / b).clamp(threads, MAX_CHUNK_PER_THREAD * threads),
    }
}

/// Runs replications `next..next + n` in contiguous groups, one per worker
/// (`outs`, `replicators`), in parallel: each folds its replications into a
/// partial aggregate made by `fresh`, except the first, which folds straight
/// into `agg` (the same as merging its partial first, see
/// [`Aggregate::merge`]: one partial fewer held and merged). Returns each
/// group's `(first index, replications, partial)`, in order.
fn run_groups<'w, T, E>(
    ctx: (&crate::cost::Market<'w>, u64, u64),
    fresh: fn(&crate::pipeline::config::World) -> Aggregate,
    (next, n): (u64, u64),
    agg: &mut Aggregate,
    (outs, replicators): (&mut [T], &mut [Option<Replicator<'w>>]),
    each: &E,
) -> Vec<(u64, u64, Option<Aggregate>)>
where
    T: Output,
    E: Fn(&mut T, u64, &ReplicationResult, &[CostLine]) + Sync,
{
    let world = ctx.0.world;
    let groups = outs.len() as u64;
    let mut into: Vec<Option<&mut Aggregate>> = vec![Some(agg)];
    into.resize_with(outs.len(), || None);
    outs.par_iter_mut()
        .zip(replicators)
        .zip(into)
        .enumerate()
        .map(|(g, ((out, replicator), into))| {
            let g = g as u64;
            let (lo, hi) = (next + n * g / groups, next + n * (g + 1) / groups);
            let replicator = replicator.get_or_insert_with(|| Replicator::new(world));
            let mut part = None;
            let agg = match into {
                Some(agg) => agg,
                None => part.insert(fresh(world)),
            };
            for i in lo..hi {
                run_one(ctx, i, replicator, agg, out, each);
            }
            (lo, hi - lo, part)
        })
        .collect()
}

/// Hands each worker's outputs to the sink and merges the partial
/// aggregates in order (exact, see [`Aggregate::merge`]); the bytes held.
fn merge_parts<T: Output, F: FnMut(u64, u64, &T) -> Result<(), SinkError>>(
    parts: Vec<(u64, u64, Option<Aggregate>)>,
    outs: &mut [T],
    agg: &mut Aggregate,
    sink: &mut F,
) -> Result<usize, ExperimentError> {
    let mut held = 0;
    for ((lo, ran, part), out) in parts.into_iter().zip(outs) {
        held += out.held();
        sink(lo, ran, out).map_err(ExperimentError::Sink)?;
        out.clear();
        match part {
            None => {} // already in `agg`
            // The same as merging it into the empty aggregate, without
            // a pass over its histograms (enterprise: ~6 ms a merge).
            Some(part) if agg.replications == 0 => *agg = part,
            Some(part) => agg.merge(&part),
        }
    }
    Ok(held)
}

/// Runs the plan. Each replication is aggregated and handed, with its
/// index and its cost lines, to `each` on the worker that ran it, with the
/// output of its group (consecutive replications); `sink` then gets every
/// group's `(first index, replications, output)` in order, after which the
/// output is cleared and reused.
pub fn run<T, E, F>(
    scenario: &Scenario,
    plan: &Plan,
    each: E,
    sink: F,
) -> Result<Aggregate, ExperimentError>
where
    T: Output,
    E: Fn(&mut T, u64, &ReplicationResult, &[CostLine]) + Sync,
    F: FnMut(u64, u64, &T) -> Result<(), SinkError>,
{
    run_rows(scenario, (plan, u64::MAX), each, sink)
}

/// [`run`], handing `each` the cost lines of the replications below
/// `lines_below` only (those whose rows it writes; an empty list for the
/// others): the lines of a replication are then summed as they are
/// priced, not held.
pub fn run_rows<T, E, F>(
    scenario: &Scenario,
    (plan, lines_below): (&Plan, u64),
    each: E,
    sink: F,
) -> Result<Aggregate, ExperimentError>
where
    T: Output,
    E: Fn(&mut T, u64, &ReplicationResult, &[CostLine]) + Sync,
    F: FnMut(u64, u64, &T) -> Result<(), SinkError>,
{
    run_into(scenario, (plan, lines_below), Aggregate::new, each, sink)
}

/// Runs the plan for its aggregate alone (no rows, no sink): the report's
/// runs again (the quota search, the other reading, the recommendations).
pub(crate) fn run_aggregate(
    scenario: &Scenario,
    plan: &Plan,
) -> Result<Aggregate, ExperimentError> {
    run_bare(scenario, plan, Aggregate::new)
}

/// Runs the plan into an aggregate that adds only each pipeline's
/// executions and time to all Regions ([`Aggregate::headline`]): a
/// report's variant runs, which judge a headline p95 and nothing else.
pub(crate) fn run_headline(scenario: &Scenario, plan: &Plan) -> Result<Aggregate, ExperimentError> {
    run_bare(scenario, plan, Aggregate::headline)
}

/// [`run`] with no output but the aggregate `fresh` makes.
fn run_bare(
    scenario: &Scenario,
    plan: &Plan,
    fresh: fn(&crate::pipeline::config::World) -> Aggregate,
) -> Result<Aggregate, ExperimentError> {
    run_into(
        scenario,
        (plan, 0),
        fresh,
        |_: &mut (), _, _, _| {},
        |_, _, _| Ok(()),
    )
}

/// [`run`], with aggregates made by `fresh`.
fn run_into<T, E, F>(
    scenario: &Scenario,
    (plan, lines_below): (&Plan, u64),
    fresh: fn(&crate::pipeline::config::World) -> Aggregate,
    each: E,
    mut sink: F,
) -> Result<Aggregate, ExperimentError>
where
    T: Output,
    E: Fn(&mut T, u64, &ReplicationResult, &[CostLine]) + Sync,
    F: FnMut(u64, u64, &T) -> Result<(), SinkError>,
{
    let pool = pool(plan.threads)?;
    let threads = pool.current_num_threads() as u64;
    let world = &scenario.world;
    let market = scenario.market();
    let ctx = (&market, plan.seed, lines_below);
    let mut agg = fresh(world);
    let (mut next, mut done) = (plan.first, 0u64);
    // Each worker's output and replicator, reused from chunk to chunk.
    let mut outs: Vec<T> = (0..threads).map(|_| T::default()).collect();
    let mut replicators: Vec<Option<Replicator>> = (0..threads).map(|_| None).collect();
    // Without a precision target the chunk only trades memory for speed:
    // after the first, chunks hold about CHUNK_BYTES of outputs.
    let adaptive = plan.precision.is_none();
    let mut chunk = plan.chunk.max(1);
    loop {
        let target = target(plan, done, &agg);
        if done >= target {
            break;
        }
        let n = chunk.min(target - done);
        // Contiguous groups, one per worker: each runs its replications and
        // folds them into a partial aggregate in parallel; the partials are
        // then merged in order, which is exact (see `Aggregate::merge`).
        let groups = threads.clamp(1, n);
        let held = if groups == 1 {
            // One worker: fold straight into the aggregate.
            // Outputs go to the sink in small groups, while in cache.
            let replicator = replicators[0].get_or_insert_with(|| Replicator::new(world));
            let out = &mut outs[0];
            let (mut lo, mut held) = (next, 0);
            for i in next..next + n {
                run_one(ctx, i, replicator, &mut agg, out, &each);
                if out.held() >= SMALL_GROUP_BYTES || i + 1 == next + n {
                    held += out.held();
                    sink(lo, i + 1 - lo, out).map_err(ExperimentError::Sink)?;
                    out.clear();
                    lo = i + 1;
                }
            }
            held
        } else {
            let workers = (
                &mut outs[..groups as usize],
                &mut replicators[..groups as usize],
            );
            let parts =
                pool.install(|| run_groups(ctx, fresh, (next, n), &mut agg, workers, &each));
            merge_parts(parts, &mut outs, &mut agg, &mut sink)?
        };
        if adaptive {
            chunk = next_chunk(held, n, threads);
        }
        next += n;
        done += n;
    }
    Ok(agg)
}
