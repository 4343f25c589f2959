//! `compare`'s difference of the p95s: a paired bootstrap over replications
//! from each run's `runs.csv`, or its replications replayed where the run
//! kept no rows (the same seed gives the same executions). Replication i of runs with the same seed
//! draws the same random numbers (common random numbers), so replications
//! are resampled together; a replication's executions are kept together
//! (they share its quotas and incidents: a cluster bootstrap).

use std::collections::BTreeMap;
use std::path::Path;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;

use super::doc::Block;
use crate::report::text::{human, signed, signed_interval};

/// Bootstrap resamples per difference.
pub(super) const RESAMPLES: usize = 2_000;

/// The executions a p95 and its bootstrap interval need in each run: the
/// bar of the distribution-free interval (`Metric::quantile_ci95`).
pub(super) const MIN_EXECUTIONS: usize = 110;

/// The part of a `runs.csv` row the difference needs.
#[derive(Debug, Deserialize)]
struct RunRow {
    replication: u64,
    pipeline: String,
    time_to_all_regions_s: Option<f64>,
    outcome: String,
}

/// Each pipeline's times to all Regions (s) by replication, from `dir`'s
/// runs.csv; `None` when the run has no such file (or a damaged one).
pub(super) type ByReplication = BTreeMap<String, BTreeMap<u64, Vec<f64>>>;

/// Reads `dir/runs.csv`, succeeded executions only.
pub(super) fn read_runs(dir: &Path) -> Option<ByReplication> {
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).ok()?;
    let mut out = ByReplication::new();
    for row in r.deserialize::<RunRow>() {
        let row = row.ok()?;
        if let (Some(t), "succeeded") = (row.time_to_all_regions_s, row.outcome.as_str()) {
            let reps = out.entry(row.pipeline).or_default();
            reps.entry(row.replication).or_default().push(t);
        }
    }
    Some(out)
}

/// Each pipeline's succeeded times to all Regions by replication, from
/// the run's replications simulated again (what its runs.csv would hold):
/// for a run written with `--rows none` or fewer row replications. `None`
/// past [`super::replay::MAX_REPLAYED`] replications.
pub(super) fn replay_runs(
    scn: &crate::scenario::Scenario,
    agg: &crate::experiment::Aggregate,
    seed: u64,
) -> Option<ByReplication> {
    use crate::pipeline::model::run_replication;
    use rayon::prelude::*;
    if agg.replications > super::replay::MAX_REPLAYED {
        return None;
    }
    let first = agg.first_replication;
    let times = |i: u64| {
        let rep = run_replication(&scn.world, seed, i);
        let t: Vec<(usize, f64)> = super::replay::succeeded_times(&rep)
            .map(|(_, p, ms)| (p, ms as f64 / 1000.0))
            .collect();
        (i, t)
    };
    let reps: Vec<(u64, Vec<(usize, f64)>)> = (first..first + agg.replications)
        .into_par_iter()
        .map(times)
        .collect();
    let mut out = ByReplication::new();
    for (i, t) in reps {
        for (p, s) in t {
            let name = scn.world.pipelines[p].name.clone();
            out.entry(name).or_default().entry(i).or_default().push(s);
        }
    }
    Some(out)
}

/// The nearest-rank p95 of `v` (reordered).
fn p95(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((0.95 * v.len() as f64).ceil() as usize).clamp(1, v.len());
    let (_, x, _) = v.select_nth_unstable_by(rank - 1, f64::total_cmp);
    Some(*x)
}

/// The values of replications `pick` (repeats included), into `out`.
fn pool(reps: &[&[f64]], pick: &[usize], out: &mut Vec<f64>) {
    out.clear();
    for &i in pick {
        out.extend_from_slice(reps[i]);
    }
}

/// One compared run's column: its heading, whether it is paired with the
/// first run (same seed and replications), and its rows when its runs.csv
/// holds every replication.
pub(super) struct Column {
    pub(super) label: String,
    pub(super) paired: bool,
    pub(super) runs: Option<ByReplication>,
}

/// The table of each run's p95 minus the first's (`base`), per pipeline,
/// with the paired bootstrap interval (seeded by the runs' `seed`).
pub(super) fn table(
    base: Option<&ByReplication>,
    columns: &[Column],
    names: &[&str],
    seed: u64,
) -> Vec<Block> {
    if columns.is_empty() {
        return Vec::new();
    }
    let mut header = vec!["pipeline".to_string()];
    header.extend(
        columns
            .iter()
            .map(|c| format!("p95 − first's, {}", c.label)),
    );
    let rows = names
        .iter()
        .map(|n| {
            let mut row = vec![n.to_string()];
            row.extend(columns.iter().map(|c| cell(base, c, n, seed)));
            row
        })
        .collect();
    vec![
        Block::Para(format!(
            "The difference of the p95s, with a paired bootstrap 95 % CI: replications resampled together ({RESAMPLES} times), each keeping its executions, from each run's runs.csv (or, for a run that kept no rows, its replications replayed: the same seed gives the same executions); * marks a CI that excludes 0. In a test with a known difference it covered it in 200 of 200 cases: conservative."
        )),
        Block::Table(header, rows),
    ]
}

/// One cell of [`table`].
fn cell(base: Option<&ByReplication>, c: &Column, name: &str, seed: u64) -> String {
    if !c.paired {
        return "- (not paired: another seed or -n)".into();
    }
    let (Some(a), Some(b)) = (base, c.runs.as_ref()) else {
        return format!(
            "- (needs runs.csv of every replication, or at most {} to replay)",
            super::replay::MAX_REPLAYED
        );
    };
    match a
        .get(name)
        .zip(b.get(name))
        .and_then(|(a, b)| p95_difference(a, b, seed))
    {
        Some(P95Difference::Interval(d, ci)) => signed_interval(d, ci, human),
        Some(P95Difference::TooFew(d, n)) => format!(
            "{} (n = {n}: too few executions for a CI; {MIN_EXECUTIONS} needed)",
            signed(d, human)
        ),
        None => "-".into(),
    }
}

/// What the difference of two p95s says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum P95Difference {
    /// `b − a` and its 95 % percentile-bootstrap interval, s.
    Interval(f64, (f64, f64)),
    /// `b − a`, s, with too few executions in the smaller run for an interval.
    TooFew(f64, usize),
}

/// The p95 of `b` minus that of `a` over the replications both have, with
/// a paired percentile-bootstrap 95 % interval (replications resampled
/// together, `RESAMPLES` times, seeded by `seed`).
pub(super) fn p95_difference(
    a: &BTreeMap<u64, Vec<f64>>,
    b: &BTreeMap<u64, Vec<f64>>,
    seed: u64,
) -> Option<P95Difference> {
    let (ra, rb): (Vec<&[f64]>, Vec<&[f64]>) = a
        .iter()
        .filter_map(|(i, x)| Some((x.as_slice(), b.get(i)?.as_slice())))
        .unzip();
    let all: Vec<usize> = (0..ra.len()).collect();
    let (mut xa, mut xb) = (Vec::new(), Vec::new());
    pool(&ra, &all, &mut xa);
    pool(&rb, &all, &mut xb);
    let n = xa.len().min(xb.len());
    let d = p95(&mut xb)? - p95(&mut xa)?;
    if n < MIN_EXECUTIONS {
        return Some(P95Difference::TooFew(d, n));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut diffs = Vec::with_capacity(RESAMPLES);
    let mut pick = Vec::with_capacity(ra.len());
    for _ in 0..RESAMPLES {
        pick.clear();
        pick.extend((0..ra.len()).map(|_| rng.random_range(0..ra.len())));
        pool(&ra, &pick, &mut xa);
        pool(&rb, &pick, &mut xb);
        if let (Some(pa), Some(pb)) = (p95(&mut xa), p95(&mut xb)) {
            diffs.push(pb - pa);
        }
    }
    diffs.sort_by(f64::total_cmp);
    let at = |q: f64| diffs[((q * diffs.len() as f64) as usize).min(diffs.len() - 1)];
    Some(P95Difference::Interval(d, (at(0.025), at(0.975))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, LogNormal};

    /// Replications of `k` executions: a shared draw (common random
    /// numbers) plus each run's own noise; `b` is `a` slowed by `shift` s.
    fn pair(seed: u64, reps: u64, k: usize, shift: f64) -> [BTreeMap<u64, Vec<f64>>; 2] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let common = LogNormal::new(8.0, 0.3).unwrap();
        let own = LogNormal::new(5.0, 0.5).unwrap();
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        for i in 0..reps {
            let (mut xa, mut xb) = (Vec::new(), Vec::new());
            for _ in 0..k {
                let c: f64 = common.sample(&mut rng);
                xa.push(c + own.sample(&mut rng));
                xb.push(c + shift + own.sample(&mut rng));
            }
            a.insert(i, xa);
            b.insert(i, xb);
        }
        [a, b]
    }

    #[test]
    fn the_same_run_differs_by_nothing_and_a_small_one_gets_no_interval() {
        let [a, _] = pair(1, 40, 5, 0.0);
        assert_eq!(
            p95_difference(&a, &a, 7),
            Some(P95Difference::Interval(0.0, (0.0, 0.0)))
        );
        let [a, b] = pair(1, 20, 5, 100.0);
        assert!(matches!(
            p95_difference(&a, &b, 7),
            Some(P95Difference::TooFew(_, 100))
        ));
    }

    #[test]
    fn the_paired_interval_covers_the_true_difference_at_about_its_level() {
        // The true p95 difference of c + shift + e against c + e' is `shift`.
        // 200 runs of 50 replications × 4 executions; a 95 % interval
        // should cover it in 190 of 200 (sd √(200·0.95·0.05) = 3.1): the
        // bar, 176, is 4.5 sd below. (It covers all 200: the percentile
        // bootstrap of a quantile at n = 200 is conservative here, its
        // half-width 163 s against 1.96 × the estimate's sd of 70.5 s.)
        let (mut covered, mut half, mut d) = (0, 0.0, Vec::new());
        for seed in 0..200 {
            let [a, b] = pair(100 + seed, 50, 4, 300.0);
            let Some(P95Difference::Interval(x, (lo, hi))) = p95_difference(&a, &b, seed) else {
                panic!("an interval at n = 200");
            };
            covered += u32::from(lo <= 300.0 && 300.0 <= hi);
            half += (hi - lo) / 2.0 / 200.0;
            d.push(x);
        }
        let mean = d.iter().sum::<f64>() / 200.0;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 199.0).sqrt();
        eprintln!(
            "paired bootstrap: covered {covered} of 200; mean half-width {half:.1} s against 1.96 × sd {sd:.1} s = {:.1} s",
            1.96 * sd
        );
        assert!(covered >= 176, "covered {covered} of 200");
    }
}
