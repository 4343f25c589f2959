//! Time to all Regions, the stages of the slowest pipeline, and its p95
//! execution as a Gantt chart.

use std::collections::BTreeMap;

use super::doc::{Block, Table, secs_h};
use super::{Doc, slowest};
use crate::report::ReportError;
use crate::report::charts::{self, GanttBar, Series};
use crate::report::text::human;

/// Time to all Regions, stages, and one execution.
pub(super) fn timing(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let scn = d.scn;
    let charts_dir = &d.charts_dir;
    let blocks = &mut d.blocks;
    let summary = &d.tables.summary;
    let runs = &d.tables.runs;
    let stages = &d.tables.stages;
    // Time to all Regions.
    if let Some(t) = &summary {
        blocks.push(Block::Heading(
            "Time until the image is usable in every Region".into(),
        ));
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .filter(|r| t.get(r, "metric") == "time_to_all_regions")
            .map(|r| {
                vec![
                    t.get(r, "pipeline").to_string(),
                    t.get(r, "count").to_string(),
                    t.get(r, "failed").to_string(),
                    format!(
                        "{} (95 % CI {} – {})",
                        secs_h(t.num(r, "mean_s")),
                        secs_h(t.num(r, "ci95_low_s")),
                        secs_h(t.num(r, "ci95_high_s"))
                    ),
                    secs_h(t.num(r, "p50_s")),
                    secs_h(t.num(r, "p95_s")),
                    secs_h(t.num(r, "p99_s")),
                ]
            })
            .collect();
        blocks.push(Block::Table(
            [
                "pipeline",
                "succeeded",
                "failed",
                "mean",
                "p50",
                "p95",
                "p99",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        ));
    }
    if let Some(t) = &runs {
        let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in &t.rows {
            if let Some(v) = t.num(r, "time_to_all_regions_s") {
                by.entry(t.get(r, "pipeline").to_string())
                    .or_default()
                    .push(v / 60.0);
            }
        }
        // The slowest pipelines by p95, their quantiles from the typed
        // results (the figures summary.csv and the verdict print).
        let mut shown: Vec<(String, [Option<f64>; 3])> = match d.aggs.as_deref() {
            Some([agg]) => scn
                .world
                .pipelines
                .iter()
                .zip(&agg.pipelines)
                .filter(|(_, pa)| pa.time_to_all_regions.count > 0)
                .map(|(p, pa)| {
                    let m = &pa.time_to_all_regions;
                    (p.name.clone(), [0.5, 0.95, 0.99].map(|q| m.quantile_s(q)))
                })
                .collect(),
            _ => by.keys().map(|k| (k.clone(), [None; 3])).collect(),
        };
        shown.sort_by(|a, b| b.1[1].unwrap_or(0.0).total_cmp(&a.1[1].unwrap_or(0.0)));
        let total = shown.len();
        shown.truncate(8);
        let series: Vec<Series> = shown
            .into_iter()
            .filter_map(|(name, q)| {
                let mut v = by.remove(&name)?;
                v.sort_by(f64::total_cmp);
                let label = match q {
                    [Some(a), Some(b), Some(c)] => format!(
                        "{name}: p50 {} · p95 {} · p99 {}",
                        human(a),
                        human(b),
                        human(c)
                    ),
                    _ => name,
                };
                Some(Series {
                    name: label,
                    points: charts::step_cdf(&v),
                })
            })
            .collect();
        let title = if total > series.len() {
            format!(
                "Time to all Regions (CDF): the {} slowest of {total} pipelines",
                series.len()
            )
        } else {
            "Time to all Regions (CDF)".to_string()
        };
        charts::lines(
            &charts_dir.join("time_to_all_regions"),
            &title,
            "minutes from trigger to usable everywhere",
            "fraction of runs",
            &series,
            &[],
            None,
        )?;
        blocks.push(Block::Chart(
            "time_to_all_regions".into(),
            "Distribution of the time to all Regions, the slowest pipelines first, with their p50, p95 and p99".into(),
        ));
    }

    // Stages of the slowest pipeline, from the typed results.
    if let Some([agg]) = d.aggs.as_deref()
        && let Some((name, pa)) = slowest(scn, agg, |p| &p.time_to_all_regions)
    {
        use crate::pipeline::model::Stage;
        let mut names = Vec::new();
        let (mut wait, mut dur, mut tail) = (Vec::new(), Vec::new(), Vec::new());
        // Background stages (terminations) at the bottom, pipeline stages
        // above in pipeline order (plotters' first row is the bottom one).
        let mut order: Vec<(&Stage, &crate::experiment::aggregate::StageAgg)> = Stage::ALL
            .iter()
            .zip(&pa.stages)
            .filter(|(_, sa)| sa.duration.count > 0)
            .collect();
        order.sort_by_key(|(st, _)| (!st.is_background(), std::cmp::Reverse(st.index())));
        for (st, sa) in order {
            let mean = sa.duration.mean_s().unwrap_or(0.0) / 60.0;
            let p95 = sa.duration.quantile_s(0.95).unwrap_or(0.0) / 60.0;
            names.push(if st.is_background() {
                format!("{} (background)", st.name())
            } else {
                st.name().to_string()
            });
            wait.push((0.0, sa.wait.mean_s().unwrap_or(0.0) / 60.0));
            dur.push((0.0, mean));
            // How far the p95 of the duration reaches beyond its mean.
            tail.push((0.0, (p95 - mean).max(0.0)));
        }
        if !names.is_empty() {
            charts::stacked_bars(
                &charts_dir.join("stages"),
                &format!("Stages of {name} (slowest p95): mean wait, mean duration, p95 duration"),
                "minutes",
                &names,
                &[
                    Series {
                        name: "mean queue wait".into(),
                        points: wait,
                    },
                    Series {
                        name: "mean duration".into(),
                        points: dur,
                    },
                    Series {
                        name: "on to the duration's p95".into(),
                        points: tail,
                    },
                ],
                &[],
                false,
            )?;
            blocks.push(Block::Heading("Stages".into()));
            blocks.push(Block::Chart(
                "stages".into(),
                format!("Mean wait, mean duration and p95 duration of each stage of {name}, the pipeline with the slowest p95; background stages (which never delay the image) apart at the bottom"),
            ));
        }
    }

    // One execution, as a Gantt chart: the slowest pipeline's p95 one.
    if let (Some(runs), Some(t)) = (runs, stages)
        && let Some(pick) = p95_execution(scn, d.aggs.as_deref(), runs)
    {
        let recs: Vec<&Vec<String>> = t
            .rows
            .iter()
            .filter(|r| {
                t.get(r, "replication") == pick.replication
                    && t.get(r, "pipeline") == pick.pipeline
                    && t.get(r, "execution") == pick.execution
            })
            .collect();
        if !recs.is_empty() {
            let (lanes, bars, kinds) = gantt_bars(t, &recs);
            charts::gantt(
                &charts_dir.join("execution"),
                &format!(
                    "{}: the p95 execution ({}), replication {} #{} (light: queued)",
                    pick.pipeline,
                    human(pick.seconds),
                    pick.replication,
                    pick.execution
                ),
                &lanes,
                &bars,
                &kinds,
            )?;
            blocks.push(Block::Heading("One execution".into()));
            blocks.push(Block::Chart(
                "execution".into(),
                format!(
                    "The execution of {} nearest its p95 (the slowest pipeline's), by Region with accounts folded; light bars are queue waits",
                    pick.pipeline
                ),
            ));
        }
    }

    Ok(())
}

/// The execution a chart shows.
struct Pick {
    pipeline: String,
    replication: String,
    execution: String,
    seconds: f64,
}

/// The slowest pipeline's (by the typed p95) succeeded execution whose time
/// to all Regions is the smallest at or above that p95.
fn p95_execution(
    scn: &crate::scenario::Scenario,
    aggs: Option<&[crate::experiment::Aggregate]>,
    runs: &Table,
) -> Option<Pick> {
    let [agg] = aggs? else {
        return None;
    };
    let (name, pa) = slowest(scn, agg, |p| &p.time_to_all_regions)?;
    let p95 = pa.time_to_all_regions.quantile_s(0.95)?;
    runs.rows
        .iter()
        .filter(|r| runs.get(r, "pipeline") == name)
        .filter_map(|r| Some((r, runs.num(r, "time_to_all_regions_s")?)))
        .filter(|(_, v)| *v + 0.0005 >= p95)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(r, v)| Pick {
            pipeline: name.to_string(),
            replication: runs.get(r, "replication").to_string(),
            execution: runs.get(r, "execution").to_string(),
            seconds: v,
        })
}

/// At most this many lanes; Regions past it share one.
const MAX_LANES: usize = 40;

/// The lanes (a Region, its accounts folded; its snapshots apart), the bars
/// and the stages shown, each with its fixed colour (its place in `Stage::ALL`).
fn gantt_bars(
    t: &Table,
    recs: &[&Vec<String>],
) -> (Vec<String>, Vec<GanttBar>, Vec<(String, usize)>) {
    use crate::pipeline::model::Stage;
    let t0 = recs
        .iter()
        .filter_map(|r| t.num(r, "enqueued_at_s"))
        .fold(f64::INFINITY, f64::min);
    // Background terminations and the CreateImage umbrella would hide other bars.
    let shown: Vec<&&Vec<String>> = recs
        .iter()
        .filter(|r| {
            !t.get(r, "stage").starts_with("terminate") && t.get(r, "stage") != "create_image"
        })
        .collect();
    let lane_of = |r: &Vec<String>| match t.get(r, "stage") {
        "snapshot" => format!("{} snapshots", t.get(r, "region")),
        _ => t.get(r, "region").to_string(),
    };
    let mut accounts: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in &shown {
        let lane = lane_of(r);
        if !order.contains(&lane) {
            order.push(lane.clone());
        }
        accounts
            .entry(lane)
            .or_default()
            .insert(t.get(r, "account").to_string());
    }
    let folded = order.len().saturating_sub(MAX_LANES - 1);
    let kept = if folded > 1 {
        MAX_LANES - 1
    } else {
        order.len()
    };
    let mut lanes: Vec<String> = order[..kept]
        .iter()
        .map(|l| match accounts[l].len() {
            1 => format!(
                "{l} / {}",
                accounts[l].iter().next().map_or("", |a| a.as_str())
            ),
            n => format!("{l} ({n} accounts)"),
        })
        .collect();
    if kept < order.len() {
        lanes.push(format!("{} more lanes", order.len() - kept));
    }
    let mut kinds: Vec<(String, usize)> = Vec::new();
    let mut bars = Vec::new();
    for r in shown {
        let lane = order
            .iter()
            .position(|l| *l == lane_of(r))
            .unwrap_or(0)
            .min(kept);
        let stage = t.get(r, "stage").to_string();
        let color = Stage::ALL
            .iter()
            .position(|s| s.name() == stage)
            .unwrap_or(0);
        if !kinds.iter().any(|k| k.0 == stage) {
            kinds.push((stage, color));
        }
        let at = |k: &str| t.num(r, k).unwrap_or(t0) - t0;
        let (e, s, f) = (at("enqueued_at_s"), at("started_at_s"), at("finished_at_s"));
        if s > e {
            bars.push(GanttBar {
                lane,
                start: e,
                end: s,
                queued: true,
                color,
            });
        }
        bars.push(GanttBar {
            lane,
            start: s,
            end: f,
            queued: false,
            color,
        });
    }
    kinds.sort_by_key(|k| k.1);
    (lanes, bars, kinds)
}
