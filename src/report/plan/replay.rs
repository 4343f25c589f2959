//! The one execution a chart shows, replayed from its seed (as `--trace`
//! replays its replication): the slowest pipeline's execution nearest its
//! p95 among all the run's replications. A replication is a pure function of the scenario, the seed and its
//! index, so the replay is the run's own.

use rayon::prelude::*;

use crate::experiment::Aggregate;
use crate::pipeline::model::{Outcome, ReplicationResult, run_replication};
use crate::scenario::Scenario;

/// At most this many replications are replayed to find it (all of a run's
/// up to this: about one more run's work, beside the report's others).
pub(super) const MAX_REPLAYED: u64 = 1_000;

/// An execution and the replication it is in.
pub(crate) struct Replayed {
    /// The pipeline's name.
    pub name: String,
    /// The replication's index and its records.
    pub replication: u64,
    pub rep: ReplicationResult,
    /// The execution's index in `rep.runs`.
    pub exec: usize,
    /// Its time to all Regions, ms.
    pub ms: u64,
    /// The p95 it stands for, ms, and how many replications were searched
    /// (all of the run's, up to a thousand).
    pub p95_ms: f64,
    pub searched: u64,
    /// Whether every replication of the run was searched.
    pub all: bool,
}

/// The slowest pipeline's (by the p95 of time to all Regions) succeeded
/// execution whose time is nearest that p95 (the earlier one on a tie),
/// among the run's replications (the first [`MAX_REPLAYED`]), replayed in
/// parallel keeping only the distance, then the pick replayed again.
pub(super) fn p95_execution(scn: &Scenario, agg: &Aggregate, seed: u64) -> Option<Replayed> {
    let (pipeline, name, pa) = super::slowest(scn, agg, |p| &p.time_to_all_regions)?;
    let p95_ms = pa.time_to_all_regions.quantile(0.95)?;
    let searched = agg.replications.min(MAX_REPLAYED);
    let first = agg.first_replication;
    let nearest = |i: u64| {
        let rep = run_replication(&scn.world, seed, i);
        succeeded_times(&rep)
            .filter(|&(_, p, _)| p == pipeline)
            .map(|(e, _, ms)| ((ms as f64 - p95_ms).abs() as u64, i, e))
            .min()
    };
    // Ties go to the earlier replication and execution, whatever the threads.
    let (_, replication, exec) = (first..first + searched)
        .into_par_iter()
        .filter_map(nearest)
        .min()?;
    let rep = run_replication(&scn.world, seed, replication);
    let run = &rep.runs[exec];
    Some(Replayed {
        name: name.to_string(),
        replication,
        ms: run.finished.since(run.triggered).as_millis(),
        exec,
        rep,
        p95_ms,
        searched,
        all: searched == agg.replications,
    })
}

/// The succeeded executions of a replication: index, pipeline, and time to
/// all Regions in ms (what runs.csv's `time_to_all_regions_s` holds).
pub(super) fn succeeded_times(
    rep: &ReplicationResult,
) -> impl Iterator<Item = (usize, usize, u64)> + '_ {
    rep.runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.outcome == Outcome::Succeeded)
        .map(|(e, r)| {
            (
                e,
                r.pipeline as usize,
                r.finished.since(r.triggered).as_millis(),
            )
        })
}
