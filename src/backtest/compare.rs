//! Prediction against observation, metric by metric and pipeline by
//! pipeline, and the verdict with its cause.
//!
//! Each duration metric's observations after the cutoff are transformed by
//! the predicted distribution (the randomized PIT) and tested for
//! uniformity by Kolmogorov-Smirnov against their Kaplan-Meier curve
//! (time-outs are right-censored), with the simulated sample's own size
//! folded in as a two-sample test's effective size. The failure share is
//! tested by a beta-binomial test (the predicted share known as well as the
//! executions before the cutoff tell it). Holm's correction at 5 % holds the
//! family-wise error of all tests together.

use super::metric::Metric;
use super::metric::{Ended, Execution};
use super::stats::{self, Sample};

/// Fewer observations after the cutoff than this: the metric is not tested.
pub const MIN_TESTED: usize = 10;
/// Family-wise error of all the tests.
pub const ALPHA: f64 = 0.05;

/// One metric of one pipeline (or of all pooled).
#[derive(Debug, Clone)]
pub struct Row {
    /// What.
    pub metric: Metric,
    /// Whose: a pipeline's name, or `None` for all pooled.
    pub pipeline: Option<String>,
    /// Observations after the cutoff (executions, for the failure share).
    pub n: usize,
    /// Of which right-censored (time-outs).
    pub censored: usize,
    /// Observations before the cutoff.
    pub n_before: usize,
    /// Observed p50 and p95 after the cutoff (Kaplan-Meier), seconds.
    pub observed: (Option<f64>, Option<f64>),
    /// Simulated values.
    pub predicted_n: usize,
    /// Predicted p50 with its 95 % interval.
    pub predicted_p50: (Option<f64>, Option<(f64, f64)>),
    /// Predicted p95 with its 95 % interval.
    pub predicted_p95: (Option<f64>, Option<(f64, f64)>),
    /// The failure share: failed and executions after the cutoff, predicted share.
    pub failures: Option<(u64, u64, f64)>,
    /// The test: `ks` or `binomial`; `None` when too few to test.
    pub test: Option<&'static str>,
    /// Its statistic (KS D; for the binomial the observed share).
    pub statistic: f64,
    /// Its p-value after the cutoff.
    pub p_value: Option<f64>,
    /// The same test before the cutoff (the data the fit saw).
    pub p_before: Option<f64>,
    /// Two-sample KS of before against after: did the history change?
    pub p_drift: Option<f64>,
    /// The PIT of each observation after the cutoff, with its censoring.
    pub pit: Vec<(f64, bool)>,
    /// Observations inside the predicted 90 % interval, of those uncensored.
    pub coverage90: Option<(usize, usize)>,
    /// Rejected by Holm's correction.
    pub rejected: bool,
    /// The sorted observed values after the cutoff and predicted ones, for charts.
    pub data: (Vec<(f64, bool)>, Sample),
}

fn values(execs: &[&Execution], m: &Metric) -> Vec<(f64, bool)> {
    execs.iter().flat_map(|e| e.values(m)).collect()
}

/// The duration row of `m` for one scope.
fn duration_row(
    m: &Metric,
    scope: Option<String>,
    before: &[&Execution],
    after: &[&Execution],
    predicted: &[&Execution],
    seed: u64,
) -> Option<Row> {
    let obs = values(after, m);
    let pre = values(before, m);
    let pred = Sample::new(values(predicted, m).into_iter().map(|v| v.0).collect());
    if obs.is_empty() && pred.is_empty() {
        return None;
    }
    let pit = stats::pit(&pred, &obs, seed);
    let tested = obs.len() >= MIN_TESTED && !pred.is_empty();
    // The prediction is known only as well as the executions it was fitted
    // on: the test's effective size is that of two samples, after and before.
    let known = pred.len().min(pre.len().max(MIN_TESTED));
    let (d, p) = stats::ks_pit(&pit, known);
    let p_before = (pre.len() >= MIN_TESTED && !pred.is_empty())
        .then(|| stats::ks_pit(&stats::pit(&pred, &pre, seed ^ 1), pred.len()).1);
    let uncensored =
        |v: &[(f64, bool)]| -> Vec<f64> { v.iter().filter(|x| !x.1).map(|x| x.0).collect() };
    let p_drift = (pre.len() >= MIN_TESTED && tested)
        .then(|| stats::ks_two(&uncensored(&pre), &uncensored(&obs)).1);
    let coverage90 = match (pred.quantile(0.05), pred.quantile(0.95)) {
        (Some(lo), Some(hi)) if !obs.is_empty() => {
            let u = uncensored(&obs);
            Some((u.iter().filter(|x| **x >= lo && **x <= hi).count(), u.len()))
        }
        _ => None,
    };
    Some(Row {
        metric: m.clone(),
        pipeline: scope,
        n: obs.len(),
        censored: obs.iter().filter(|x| x.1).count(),
        n_before: pre.len(),
        observed: (
            stats::km_quantile(&obs, 0.5),
            stats::km_quantile(&obs, 0.95),
        ),
        predicted_n: pred.len(),
        predicted_p50: (pred.quantile(0.5), pred.quantile_ci95(0.5)),
        predicted_p95: (pred.quantile(0.95), pred.quantile_ci95(0.95)),
        failures: None,
        test: tested.then_some("ks"),
        statistic: d,
        p_value: tested.then_some(p),
        p_before,
        p_drift,
        pit,
        coverage90,
        rejected: false,
        data: (obs, pred),
    })
}

/// The failure-share row of one scope.
fn failure_row(
    scope: Option<String>,
    before: &[&Execution],
    after: &[&Execution],
    predicted: &[&Execution],
) -> Option<Row> {
    let failed = |v: &[&Execution]| v.iter().filter(|e| e.ended == Ended::Failed).count() as u64;
    let (k, n) = (failed(after), after.len() as u64);
    let (kb, nb) = (failed(before), before.len() as u64);
    if predicted.is_empty() {
        return None;
    }
    let share = failed(predicted) as f64 / predicted.len() as f64;
    let tested = n as usize >= MIN_TESTED;
    let p = stats::beta_binomial_p(k, n, share, nb.max(MIN_TESTED as u64));
    let p_before = (nb as usize >= MIN_TESTED).then(|| stats::binomial_p(kb, nb, share));
    Some(Row {
        metric: Metric::Failures,
        pipeline: scope,
        n: n as usize,
        censored: 0,
        n_before: nb as usize,
        observed: (None, None),
        predicted_n: predicted.len(),
        predicted_p50: (None, None),
        predicted_p95: (None, None),
        failures: Some((k, n, share)),
        test: tested.then_some("binomial"),
        statistic: if n > 0 { k as f64 / n as f64 } else { 0.0 },
        p_value: tested.then_some(p),
        p_before,
        p_drift: None,
        pit: Vec::new(),
        coverage90: None,
        rejected: false,
        data: (Vec::new(), Sample::default()),
    })
}

/// The executions of one pipeline, or all.
fn of_scope<'a>(v: &[&'a Execution], scope: Option<usize>) -> Vec<&'a Execution> {
    v.iter()
        .filter(|e| scope.is_none_or(|p| e.pipeline == p))
        .copied()
        .collect()
}

/// Every row: per pipeline (and pooled when there are several), every
/// metric the history or the model has; then Holm's correction.
pub fn rows(
    names: &[String],
    before: &[&Execution],
    after: &[&Execution],
    predicted: &[Execution],
    seed: u64,
) -> Vec<Row> {
    let mut metrics: Vec<Metric> = after
        .iter()
        .flat_map(|e| e.steps.iter().map(|s| s.metric.clone()))
        .collect();
    metrics.sort();
    metrics.dedup();
    let mut pipelines: Vec<usize> = after.iter().map(|e| e.pipeline).collect();
    pipelines.sort_unstable();
    pipelines.dedup();
    let mut scopes: Vec<Option<usize>> = pipelines.iter().map(|p| Some(*p)).collect();
    if scopes.len() > 1 {
        scopes.push(None);
    }
    let mut out = Vec::new();
    for scope in scopes {
        let all: Vec<&Execution> = predicted.iter().collect();
        let (b, a, pr) = (
            of_scope(before, scope),
            of_scope(after, scope),
            of_scope(&all, scope),
        );
        let name = scope.map(|p| names[p].clone());
        for (i, m) in metrics.iter().enumerate() {
            let seed = seed ^ ((i as u64) << 20) ^ scope.map_or(0, |p| p as u64 + 1);
            out.extend(duration_row(m, name.clone(), &b, &a, &pr, seed));
        }
        out.extend(failure_row(name, &b, &a, &pr));
    }
    let tested: Vec<usize> = (0..out.len())
        .filter(|i| out[*i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested
        .iter()
        .map(|i| out[*i].p_value.unwrap_or(1.0))
        .collect();
    for (i, r) in tested.iter().zip(stats::holm(&p, ALPHA)) {
        out[*i].rejected = r;
    }
    out
}

/// The backtest's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing the model predicts is contradicted.
    Consistent,
    /// Something is, at 5 % family-wise.
    Inconsistent,
    /// Too few executions on either side of the cutoff to decide.
    InsufficientData,
}

impl Verdict {
    /// Its name in backtest.json.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::Inconsistent => "inconsistent",
            Verdict::InsufficientData => "insufficient data",
        }
    }
}

/// Why a rejected metric differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// It matched before the cutoff and not after: the pipeline changed.
    Drift,
    /// It does not match before the cutoff either, on the data the stages
    /// were fitted on: something the scenario lacks.
    Structure,
}

impl Cause {
    /// Its name in backtest.json.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Drift => "drift",
            Cause::Structure => "model structure",
        }
    }
}

/// The cause of a rejected row.
pub fn cause(r: &Row) -> Cause {
    if r.p_before.is_some_and(|p| p < ALPHA) {
        Cause::Structure
    } else {
        Cause::Drift
    }
}

/// The verdict: insufficient data below [`MIN_TESTED`] executions on
/// either side; inconsistent if Holm rejects any test.
pub fn verdict(before: usize, after: usize, rows: &[Row]) -> Verdict {
    if before < MIN_TESTED || after < MIN_TESTED {
        Verdict::InsufficientData
    } else if rows.iter().any(|r| r.rejected) {
        Verdict::Inconsistent
    } else {
        Verdict::Consistent
    }
}
