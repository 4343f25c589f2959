//! What a p95 target is judged on (`[slo] scope`): the fleet's pooled
//! executions, one pipeline, or every pipeline, the last with a
//! multiplicity-aware judgement instead of the largest of many noisy p95s.

use statrs::distribution::{Binomial, DiscreteCDF};

use super::Aggregate;
use super::aggregate::PipelineAgg;
use super::stats::Metric;
use crate::pipeline::config::World;

/// The family-wise error rate of the "each" judgement.
pub const FAMILY_ALPHA: f64 = 0.05;

/// Every build pipeline's executions pooled (migrations apart): the fleet.
pub fn fleet(world: &World, agg: &Aggregate, metric: fn(&PipelineAgg) -> &Metric) -> Metric {
    let mut all = Metric::default();
    for (p, pa) in world.pipelines.iter().zip(&agg.pipelines) {
        if p.kind.is_build() {
            all.merge(metric(pa));
        }
    }
    all
}

/// The pipeline with the largest p95 of `metric` (among those with
/// values): its index and aggregate.
pub fn slowest(
    agg: &Aggregate,
    metric: fn(&PipelineAgg) -> &Metric,
) -> Option<(usize, &PipelineAgg)> {
    agg.pipelines
        .iter()
        .enumerate()
        .filter_map(|(i, pa)| Some((i, pa, metric(pa).quantile(0.95)?)))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(i, pa, _)| (i, pa))
}

/// One pipeline's evidence about a p95 target.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Its index.
    pub pipeline: usize,
    /// Its executions and how many exceeded the target.
    pub n: u64,
    /// How many exceeded the target.
    pub over: u64,
    /// One-sided p-value of "its p95 is within the target" (that at most
    /// 5 % of its executions exceed it): P(X ≥ over), X ~ Binomial(n, 0.05).
    pub p_miss: f64,
    /// One-sided p-value of "its p95 exceeds the target": P(X ≤ over).
    pub p_meet: f64,
}

/// Every pipeline judged against `target_ms`, with Holm's step-down
/// correction over the pipelines at [`FAMILY_ALPHA`] family-wise.
#[derive(Debug, Clone, PartialEq)]
pub struct EachJudgement {
    /// The pipelines shown to miss the target, most certain first.
    pub shown_to_miss: Vec<Evidence>,
    /// Whether every pipeline is shown to meet it.
    pub all_shown_to_meet: bool,
    /// The pipelines whose own p95 is over the target (point estimates).
    pub over: Vec<Evidence>,
    /// Pipelines with executions.
    pub judged: usize,
}

/// Judges every build pipeline's `metric` against `target_ms`.
pub fn each(
    world: &World,
    agg: &Aggregate,
    metric: fn(&PipelineAgg) -> &Metric,
    target_ms: f64,
) -> EachJudgement {
    let evidence: Vec<Evidence> = world
        .pipelines
        .iter()
        .zip(&agg.pipelines)
        .enumerate()
        .filter(|(_, (p, pa))| p.kind.is_build() && metric(pa).count > 0)
        .map(|(i, (_, pa))| evidence(i, metric(pa), target_ms))
        .collect();
    let shown_to_miss = holm(&evidence, |e| e.p_miss);
    let all_shown_to_meet =
        !evidence.is_empty() && holm(&evidence, |e| e.p_meet).len() == evidence.len();
    let over = evidence
        .iter()
        .filter(|e| e.over as f64 > 0.05 * e.n as f64)
        .cloned()
        .collect();
    EachJudgement {
        shown_to_miss,
        all_shown_to_meet,
        over,
        judged: evidence.len(),
    }
}

fn evidence(pipeline: usize, m: &Metric, target_ms: f64) -> Evidence {
    let n = m.count;
    let over = m.count_above(target_ms.floor() as u64);
    let (p_miss, p_meet) = match Binomial::new(0.05, n) {
        Ok(b) => (if over == 0 { 1.0 } else { b.sf(over - 1) }, b.cdf(over)),
        Err(_) => (1.0, 1.0),
    };
    Evidence {
        pipeline,
        n,
        over,
        p_miss,
        p_meet,
    }
}

/// Holm's step-down procedure: the hypotheses rejected at
/// [`FAMILY_ALPHA`] family-wise, by `p`, smallest first.
fn holm(all: &[Evidence], p: fn(&Evidence) -> f64) -> Vec<Evidence> {
    let mut sorted: Vec<&Evidence> = all.iter().collect();
    sorted.sort_by(|a, b| p(a).total_cmp(&p(b)).then(a.pipeline.cmp(&b.pipeline)));
    let m = sorted.len();
    sorted
        .into_iter()
        .enumerate()
        .take_while(|(i, e)| p(e) <= FAMILY_ALPHA / (m - i) as f64)
        .map(|(_, e)| e.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: usize, p_miss: f64) -> Evidence {
        Evidence {
            pipeline: i,
            n: 100,
            over: 0,
            p_miss,
            p_meet: 1.0,
        }
    }

    #[test]
    fn holm_rejects_in_order_while_each_p_value_is_under_its_bound() {
        // Bounds for 4 hypotheses, smallest p first: 0.0125, 0.0167, 0.025,
        // 0.05; 0.04 is over the third, so it and 0.5 stand.
        let all = [ev(0, 0.01), ev(1, 0.04), ev(2, 0.015), ev(3, 0.5)];
        let r: Vec<usize> = holm(&all, |e| e.p_miss)
            .iter()
            .map(|e| e.pipeline)
            .collect();
        assert_eq!(r, [0, 2]);
        let all = [ev(0, 0.01), ev(1, 0.024), ev(2, 0.015), ev(3, 0.5)];
        let r: Vec<usize> = holm(&all, |e| e.p_miss)
            .iter()
            .map(|e| e.pipeline)
            .collect();
        assert_eq!(r, [0, 2, 1]);
        // The first over its bound stops the procedure.
        let all = [ev(0, 0.02), ev(1, 0.001)];
        let r: Vec<usize> = holm(&all, |e| e.p_miss)
            .iter()
            .map(|e| e.pipeline)
            .collect();
        assert_eq!(r, [1, 0]);
        let all = [ev(0, 0.03), ev(1, 0.03)];
        assert!(holm(&all, |e| e.p_miss).is_empty(), "0.03 > 0.025");
    }

    #[test]
    fn a_pipeline_with_many_executions_over_the_target_is_shown_to_miss_it() {
        let mut m = Metric::default();
        m.start_replication(0);
        // 100 executions, 20 of them over 1,000 ms: far above 5 %.
        for i in 0..100u64 {
            m.add(if i < 20 { 2_000 } else { 500 });
        }
        let e = evidence(0, &m, 1_000.0);
        assert_eq!((e.n, e.over), (100, 20));
        assert!(e.p_miss < 1e-6, "{}", e.p_miss);
        // None over: it meets, shown with 100 values (0.95^100 ≈ 0.006).
        let e = evidence(0, &m, 5_000.0);
        assert_eq!(e.over, 0);
        assert!((e.p_meet - 0.95f64.powi(100)).abs() < 1e-12);
    }
}
