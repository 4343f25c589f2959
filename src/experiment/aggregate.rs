//! Everything the reports need from many replications, in bounded memory:
//! built one replication at a time, mergeable in replication order, and
//! serializable, so that shards run anywhere and merge into exactly what one
//! process would have computed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::gather::{Scratch, add_pipeline};
pub use super::month_agg::{CostByMonth, MoneySum};
use super::pipeline_agg::pairs;
pub use super::pipeline_agg::{FailureKey, PipelineAgg, StageAgg};
pub use super::quota_agg::{QuotaAgg, QuotaKey, Timeline};
use super::stats::{Exact, Metric};
use crate::aws::ids::{AccountId, RegionId};
use crate::cost::{Category, Item, Market};
use crate::pipeline::config::World;
use crate::pipeline::model::{Outcome, ReplicationResult, Stage};

/// Everything aggregated over replications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Index of the first replication added.
    pub first_replication: u64,
    /// Replications added.
    pub replications: u64,
    /// Events handled.
    pub events: u64,
    /// Σ of the replications' lengths (time of their last event), ms.
    pub end_total_ms: Exact,
    /// The longest replication, ms.
    pub end_max_ms: u64,
    /// Per pipeline, in scenario order.
    pub pipelines: Vec<PipelineAgg>,
    /// Per quota instance.
    #[serde(with = "pairs")]
    pub quotas: BTreeMap<QuotaKey, QuotaAgg>,
    /// Width of a timeline bucket, ms.
    pub timeline_width_ms: u64,
    /// Each replication's cost projected to a month, micro-dollars.
    pub monthly_cost: Metric,
    /// Cost by (category, Region, account), micro-dollars, summed over replications.
    #[serde(with = "pairs")]
    pub cost_by: BTreeMap<(Category, RegionId, AccountId), Exact>,
    /// Cost by (category, item), micro-dollars, summed over replications.
    #[serde(default, with = "pairs")]
    pub cost_by_item: BTreeMap<(Category, Item), Exact>,
    /// Cost month by month.
    #[serde(default)]
    pub cost_by_month: CostByMonth,
    /// Only each pipeline's executions and time to all Regions are added
    /// (what a headline p95 needs: a variant run of the report's).
    #[serde(skip)]
    headline_only: bool,
    /// Buffers for [`Aggregate::add`].
    #[serde(skip)]
    scratch: Scratch,
}

/// An empty metric per Region pipeline `p` reaches (its build Region and
/// destinations), sorted by Region.
fn region_metrics(p: &crate::pipeline::config::Pipeline) -> vecmap::VecMap<u16, Metric> {
    let regions = std::iter::once(p.region).chain(p.distributions.iter().map(|d| d.region));
    let mut m = vecmap::VecMap::with_capacity(1 + p.distributions.len());
    m.extend(regions.map(|r| (r.index() as u16, Metric::default())));
    m.sort_keys();
    m
}

impl Aggregate {
    /// An empty aggregate for `world`.
    pub fn new(world: &World) -> Self {
        Aggregate {
            pipelines: world
                .pipelines
                .iter()
                .map(|p| PipelineAgg {
                    stages: vec![StageAgg::default(); Stage::ALL.len()],
                    time_to_region: region_metrics(p),
                    ..Default::default()
                })
                .collect(),
            timeline_width_ms: crate::engine::bucket_width_ms(world.horizon.as_millis()),
            ..Default::default()
        }
    }

    /// An empty aggregate for `world` that adds only each pipeline's
    /// executions and time to all Regions: what a headline p95 needs.
    pub(crate) fn headline(world: &World) -> Self {
        Aggregate {
            headline_only: true,
            ..Aggregate::new(world)
        }
    }

    /// Replication `index`'s executions and their times to all Regions only.
    fn add_headline(&mut self, index: u64, rep: &ReplicationResult) {
        if self.replications == 0 {
            self.first_replication = index;
        }
        self.replications += 1;
        self.events += rep.events;
        for p in &mut self.pipelines {
            p.time_to_all_regions.start_replication(index);
        }
        for run in &rep.runs {
            let p = &mut self.pipelines[run.pipeline as usize];
            p.executions += 1;
            if run.outcome == Outcome::Succeeded {
                p.time_to_all_regions
                    .add(run.finished.since(run.triggered).as_millis());
            } else {
                p.failed += 1;
            }
        }
    }

    /// The quota instances, the longest at capacity first (then the most
    /// utilized, then in key order): the first is the binding quota.
    pub fn quotas_ranked(&self) -> Vec<(&QuotaKey, &QuotaAgg)> {
        let mut v: Vec<(&QuotaKey, &QuotaAgg)> = self.quotas.iter().collect();
        v.sort_by(|a, b| {
            b.1.at_capacity()
                .total_cmp(&a.1.at_capacity())
                .then(b.1.utilization().total_cmp(&a.1.utilization()))
                .then(a.0.cmp(b.0))
        });
        v
    }

    /// Adds replication `index` (replications must come in order).
    pub fn add(&mut self, market: &Market<'_>, index: u64, rep: &ReplicationResult) {
        self.add_keeping(market, (index, true), rep);
    }

    /// [`Aggregate::add`], keeping the replication's priced cost lines for
    /// [`Aggregate::cost_lines`] only if `keep_lines` (its rows are written).
    pub fn add_keeping(
        &mut self,
        market: &Market<'_>,
        (index, keep_lines): (u64, bool),
        rep: &ReplicationResult,
    ) {
        if self.headline_only {
            return self.add_headline(index, rep);
        }
        self.start_replication(index, rep);
        // Borrowed beside the other fields, not taken out of `self`: moving
        // it out and back was 1 % of a quickstart replication.
        let sc = &mut self.scratch;
        crate::pipeline::analysis::runs_by_pipeline(rep, self.pipelines.len(), &mut sc.by_pipeline);
        for (pi, p) in self.pipelines.iter_mut().enumerate() {
            add_pipeline(market.world, rep, (pi, p), sc);
        }
        for (p, at) in self.pipelines.iter_mut().zip(&rep.disabled_at) {
            if let Some(at) = at {
                p.disabled_at.add(at.as_millis());
            }
        }
        let pipelines = &mut self.pipelines;
        crate::pipeline::analysis::exposures(rep, &sc.by_pipeline, &mut sc.exposure_next, |e| {
            let p = &mut pipelines[usize::from(e.pipeline)];
            match e.window() {
                Some(w) => p.exposure_window.add(w.as_millis()),
                None => p.unpatched += 1,
            }
        });
        self.add_quotas(index, rep, market.world.horizon.as_millis());
        self.add_costs(market, (index, keep_lines), rep);
    }

    /// Counts replication `index` and opens its batch in every metric.
    fn start_replication(&mut self, index: u64, rep: &ReplicationResult) {
        if self.replications == 0 {
            self.first_replication = index;
        }
        self.replications += 1;
        self.events += rep.events;
        self.end_total_ms.0 += rep.end.as_millis() as u128;
        self.end_max_ms = self.end_max_ms.max(rep.end.as_millis());
        for p in &mut self.pipelines {
            p.time_to_all_regions.start_replication(index);
            p.exposure_window.start_replication(index);
            p.disabled_at.start_replication(index);
            p.time_to_first_region.start_replication(index);
            for m in p.time_to_region.values_mut() {
                m.start_replication(index);
            }
            for m in &mut p.phases {
                m.start_replication(index);
            }
            for s in &mut p.stages {
                s.duration.start_replication(index);
                s.wait.start_replication(index);
            }
        }
    }

    fn add_quotas(&mut self, index: u64, rep: &ReplicationResult, world_horizon_ms: u64) {
        for q in &rep.quotas {
            let key = QuotaKey {
                kind: q.kind,
                account: q.account,
                region: q.region,
                pipeline: q.pipeline,
            };
            let a = self.quotas.entry(key).or_default();
            a.capacity = q.capacity;
            a.requests += q.served;
            a.waited += q.waits.len() as u64;
            a.wait.start_replication(index);
            a.wait.add_n(0, q.zero_waits);
            for w in &q.waits {
                a.wait.add(w.as_millis());
            }
            a.replications_used += 1;
            a.busy.0 += q.busy_unit_ms;
            a.queue.0 += q.queue_ms;
            a.full.0 += q.full_ms as u128;
            // Utilization is of the horizon, as the cost's month is.
            a.span.0 += world_horizon_ms as u128;
            a.peak_in_use = a.peak_in_use.max(q.peak_in_use);
            a.peak_queue = a.peak_queue.max(q.peak_queue as u64);
            a.timeline.add_sorted(&q.timeline);
        }
    }

    fn add_costs(
        &mut self,
        market: &Market<'_>,
        (index, keep_lines): (u64, bool),
        rep: &ReplicationResult,
    ) {
        let sc = &mut self.scratch;
        let world = market.world;
        let layout = world.layout();
        sc.costs.reset(world, rep.runs.len());
        let sums = &mut sc.costs;
        let sink = &mut |l: &crate::cost::CostLine| sums.add(l, &layout);
        sc.ledger.price_each(market, rep, keep_lines, sink);
        self.cost_by_month
            .add(&sc.ledger.months, &mut sc.month_totals);
        let sums = &sc.costs;
        for &(k, v) in &sums.by_place {
            self.cost_by.entry(k).or_default().0 += v;
        }
        let nk = sums.items;
        for (&category, items) in Category::ALL.iter().zip(sums.by_item.chunks(nk)) {
            for (i, &v) in items.iter().enumerate().filter(|c| *c.1 > 0) {
                let key = (category, Item::from_dense(i));
                self.cost_by_item.entry(key).or_default().0 += v;
            }
        }
        for p in &mut self.pipelines {
            p.cost_per_execution.start_replication(index);
            p.monthly_cost.start_replication(index);
        }
        sc.per_pipeline.clear();
        sc.per_pipeline.resize(self.pipelines.len(), 0);
        for (e, run) in rep.runs.iter().enumerate() {
            let cost = sc.costs.per_exec[e];
            self.pipelines[run.pipeline as usize]
                .cost_per_execution
                .add(cost);
            sc.per_pipeline[run.pipeline as usize] += u128::from(cost);
        }
        for (p, &v) in self.pipelines.iter_mut().zip(&sc.per_pipeline) {
            p.monthly_cost
                .add(crate::cost::per_month(market, v as f64).round() as u64);
        }
        // Projected to a month of the horizon's rate.
        let monthly = crate::cost::per_month(market, sc.costs.total as f64).round() as u64;
        self.monthly_cost.start_replication(index);
        self.monthly_cost.add(monthly);
    }

    /// The priced cost lines of the replication last added (what `cost.csv`
    /// lists for it), so that they need not be priced twice.
    pub fn cost_lines(&self) -> &[crate::cost::CostLine] {
        &self.scratch.ledger.lines
    }

    /// Appends `other`, whose replications follow this one's.
    pub fn merge(&mut self, other: &Aggregate) {
        if self.replications == 0 {
            self.first_replication = other.first_replication;
        }
        self.replications += other.replications;
        self.events += other.events;
        self.end_total_ms.0 += other.end_total_ms.0;
        self.end_max_ms = self.end_max_ms.max(other.end_max_ms);
        if self.pipelines.is_empty() {
            self.pipelines = other.pipelines.clone();
        } else {
            for (a, b) in self.pipelines.iter_mut().zip(&other.pipelines) {
                a.executions += b.executions;
                a.failed += b.failed;
                a.time_to_all_regions.merge(&b.time_to_all_regions);
                a.p95_of_reps.merge(&b.p95_of_reps);
                for (x, y) in a.phases.iter_mut().zip(&b.phases) {
                    x.merge(y);
                }
                for (k, n) in &b.critical {
                    *a.critical.entry(*k).or_default() += n;
                }
                for (x, y) in a.stages.iter_mut().zip(&b.stages) {
                    x.duration.merge(&y.duration);
                    x.wait.merge(&y.wait);
                    x.failed += y.failed;
                }
                a.cost_per_execution.merge(&b.cost_per_execution);
                a.monthly_cost.merge(&b.monthly_cost);
                a.exposure_window.merge(&b.exposure_window);
                a.unpatched += b.unpatched;
                a.disabled_at.merge(&b.disabled_at);
                a.time_to_first_region.merge(&b.time_to_first_region);
                for (r, m) in &b.time_to_region {
                    a.time_to_region.entry(*r).or_default().merge(m);
                }
                a.time_to_region.sort_keys();
                for (k, n) in &b.failures {
                    *a.failures.entry(*k).or_default() += n;
                }
            }
        }
        for (k, b) in &other.quotas {
            let a = self.quotas.entry(*k).or_default();
            a.capacity = b.capacity;
            a.requests += b.requests;
            a.waited += b.waited;
            a.wait.merge(&b.wait);
            a.replications_used += b.replications_used;
            a.busy.0 += b.busy.0;
            a.queue.0 += b.queue.0;
            a.full.0 += b.full.0;
            a.span.0 += b.span.0;
            a.peak_in_use = a.peak_in_use.max(b.peak_in_use);
            a.peak_queue = a.peak_queue.max(b.peak_queue);
            a.timeline.merge(&b.timeline);
        }
        self.timeline_width_ms = self.timeline_width_ms.max(other.timeline_width_ms);
        self.monthly_cost.merge(&other.monthly_cost);
        for (k, v) in &other.cost_by {
            self.cost_by.entry(*k).or_default().0 += v.0;
        }
        for (k, v) in &other.cost_by_item {
            self.cost_by_item.entry(*k).or_default().0 += v.0;
        }
        self.cost_by_month.merge(&other.cost_by_month);
    }

    /// The largest relative 95 % half-width over pipelines, of the mean and
    /// of the p95 of time to all Regions: the p95's is its distribution-free
    /// interval's farther end from the p95 (the interval the reports show);
    /// `None` until every pipeline has intervals of both (110 succeeded
    /// executions for the p95's).
    pub fn worst_relative_half_width(&self) -> Option<(f64, f64)> {
        let mut worst = (0.0f64, 0.0f64);
        for p in &self.pipelines {
            let t = &p.time_to_all_regions;
            let (m, h) = t.ci95_s()?;
            let (q, (lo, hi)) = (t.quantile_s(0.95)?, t.quantile_ci95_s(0.95)?);
            worst.0 = worst.0.max(h / m.max(f64::MIN_POSITIVE));
            worst.1 = worst.1.max((q - lo).max(hi - q) / q.max(f64::MIN_POSITIVE));
        }
        Some(worst)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::aws::quotas::Quota;
    use crate::experiment::quota_agg::MAX_TIMELINE_BUCKETS;
    use crate::pipeline::model::run_replication;

    fn scenario() -> crate::scenario::Scenario {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml"),
        )
        .unwrap();
        crate::scenario::from_str(Path::new("quickstart.toml"), &text).unwrap()
    }

    fn added(scn: &crate::scenario::Scenario, range: std::ops::Range<u64>) -> Aggregate {
        let mut agg = Aggregate::new(&scn.world);
        for i in range {
            agg.add(&scn.market(), i, &run_replication(&scn.world, 3, i));
        }
        agg
    }

    #[test]
    fn partial_aggregates_merge_into_exactly_the_whole() {
        let scn = scenario();
        let whole = added(&scn, 0..6);
        let mut merged = added(&scn, 0..2);
        merged.merge(&added(&scn, 2..5));
        merged.merge(&added(&scn, 5..6));
        // Everything a shard records (its JSON; the batch being filled and
        // the scratch buffers are working state, not results).
        let json = |a: &Aggregate| serde_json::to_value(a).unwrap();
        assert_eq!(json(&merged), json(&whole));
        assert_eq!(whole.replications, 6);
        let text = serde_json::to_string(&whole).unwrap();
        let back: Aggregate = serde_json::from_str(&text).unwrap();
        assert_eq!(json(&back), json(&whole), "shards round-trip");
    }

    #[test]
    fn every_execution_and_quota_instance_is_counted() {
        let scn = scenario();
        let w = &scn.world;
        let reps: Vec<ReplicationResult> = (0..4).map(|i| run_replication(w, 3, i)).collect();
        let mut agg = Aggregate::new(w);
        for (i, r) in reps.iter().enumerate() {
            agg.add(&scn.market(), i as u64, r);
        }
        let runs: u64 = reps.iter().map(|r| r.runs.len() as u64).sum();
        assert_eq!(agg.pipelines[0].executions, runs);
        let failed = reps
            .iter()
            .flat_map(|r| &r.runs)
            .filter(|r| r.outcome == Outcome::Failed)
            .count() as u64;
        assert_eq!(agg.pipelines[0].failed, failed);
        // Quota instances by kind: one build quota, one copy quota per
        // destination Region, one per-distribution quota.
        let mut kinds: Vec<Quota> = agg.quotas.keys().map(|k| k.kind).collect();
        kinds.dedup();
        let slots: Vec<Quota> = Quota::ALL
            .into_iter()
            .filter(|q| q.is_slots() && !q.row().opt_in)
            .collect();
        assert_eq!(kinds, slots);
        assert_eq!(
            agg.monthly_cost.count, 4,
            "one monthly cost per replication"
        );
    }

    #[test]
    fn a_timeline_is_written_as_the_pairs_of_its_non_zero_buckets() {
        let mut t = Timeline::default();
        t.add(3, 7, 0);
        t.add(0, 0, 0);
        t.add(1, 0, 2);
        t.add(3, 1, 5);
        let text = serde_json::to_string(&t).unwrap();
        // The wire format of the map it replaced: [bucket, [in use, queued]].
        assert_eq!(text, r#"[[1,["0","2"]],[3,["8","5"]]]"#);
        let back: Timeline = serde_json::from_str(&text).unwrap();
        assert_eq!(back, t, "round-trips to an equal timeline");
        let shuffled = r#"[[3,["7","0"]],[1,["0","2"]],[3,["1","5"]]]"#;
        let read: Timeline = serde_json::from_str(shuffled).unwrap();
        assert_eq!(read, t, "pairs in any order, a bucket named twice summed");
        assert_eq!(back.get(0), None, "a bucket never added reads as none");
        assert_eq!(back.get(3).map(|s| (s.0.0, s.1.0)), Some((8, 5)));
        t.add(2, 1, 1);
        t.add(9, 1, 0);
        let mut sorted = Timeline::default();
        sorted.add_sorted(&[(1, 0, 2), (2, 1, 1), (3, 8, 5), (9, 1, 0)]);
        assert_eq!(sorted, t, "added in order or not, the same timeline");
        assert_eq!(back.get(u64::MAX), None);
        let mut merged = Timeline::default();
        merged.merge(&back);
        merged.merge(&back);
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            r#"[[1,["0","4"]],[3,["16","10"]]]"#
        );
    }

    #[test]
    fn a_timeline_past_any_run_is_refused_not_allocated() {
        let text = format!(r#"[[{},["1","0"]]]"#, MAX_TIMELINE_BUCKETS);
        let err = serde_json::from_str::<Timeline>(&text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("past the last one a run can reach"), "{err}");
        let last = format!(r#"[[{},["1","0"]]]"#, MAX_TIMELINE_BUCKETS - 1);
        assert!(serde_json::from_str::<Timeline>(&last).is_ok());
    }
}
