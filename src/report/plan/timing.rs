//! Time to all Regions, the stages of the first pipeline, and one execution
//! as a Gantt chart.

use std::collections::BTreeMap;

use super::Doc;
use super::doc::{Block, secs_h};
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
    // The stage chart and the Gantt chart show the first pipeline.
    let first = scn
        .world
        .pipelines
        .first()
        .map(|p| p.name.as_str())
        .unwrap_or_default();
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
                    points: step_cdf(&v),
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

    // Stages of the first pipeline.
    if let Some(t) = &summary {
        let mut names = Vec::new();
        let (mut wait, mut dur, mut tail) = (Vec::new(), Vec::new(), Vec::new());
        for r in t
            .rows
            .iter()
            .filter(|r| t.get(r, "pipeline") == first && t.get(r, "stage") != "all")
        {
            let stage = t.get(r, "stage").to_string();
            let v = t.num(r, "mean_s").unwrap_or(0.0) / 60.0;
            if t.get(r, "metric") == "duration" {
                names.push(stage);
                dur.push((0.0, v));
                // How far the p95 of the duration reaches beyond its mean.
                tail.push((0.0, (t.num(r, "p95_s").unwrap_or(0.0) / 60.0 - v).max(0.0)));
            } else {
                wait.push((0.0, v));
            }
        }
        if !names.is_empty() {
            charts::stacked_bars(
                &charts_dir.join("stages"),
                &format!("Stages of {first}: mean wait, mean duration, p95 duration"),
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
            )?;
            blocks.push(Block::Heading("Stages".into()));
            blocks.push(Block::Chart(
                "stages".into(),
                format!("Mean wait, mean duration and p95 duration of each stage of {first}"),
            ));
        }
    }

    // One execution, as a Gantt chart.
    if let Some(t) = &stages {
        let recs: Vec<&Vec<String>> = t
            .rows
            .iter()
            .filter(|r| {
                t.get(r, "replication") == "0"
                    && t.get(r, "pipeline") == first
                    && t.get(r, "execution") == "1"
            })
            .collect();
        if !recs.is_empty() {
            let t0 = recs
                .iter()
                .filter_map(|r| t.num(r, "enqueued_at_s"))
                .fold(f64::INFINITY, f64::min);
            let mut lanes: Vec<String> = Vec::new();
            let mut kinds: Vec<String> = Vec::new();
            let mut bars = Vec::new();
            // Background terminations and the CreateImage umbrella would hide
            // other bars; parallel snapshots get a lane each.
            for r in recs.iter().filter(|r| {
                !t.get(r, "stage").starts_with("terminate") && t.get(r, "stage") != "create_image"
            }) {
                let lane_name = match t.get(r, "stage") {
                    "snapshot" => format!("{} snapshot {}", t.get(r, "region"), t.get(r, "item")),
                    _ => format!("{} / {}", t.get(r, "region"), t.get(r, "account")),
                };
                let lane = lanes
                    .iter()
                    .position(|l| *l == lane_name)
                    .unwrap_or_else(|| {
                        lanes.push(lane_name);
                        lanes.len() - 1
                    });
                let stage = t.get(r, "stage").to_string();
                let color = kinds.iter().position(|k| *k == stage).unwrap_or_else(|| {
                    kinds.push(stage);
                    kinds.len() - 1
                });
                let (e, s, f) = (
                    t.num(r, "enqueued_at_s").unwrap_or(t0),
                    t.num(r, "started_at_s").unwrap_or(t0),
                    t.num(r, "finished_at_s").unwrap_or(t0),
                );
                if s > e {
                    bars.push(GanttBar {
                        lane,
                        start: e - t0,
                        end: s - t0,
                        queued: true,
                        color,
                    });
                }
                bars.push(GanttBar {
                    lane,
                    start: s - t0,
                    end: f - t0,
                    queued: false,
                    color,
                });
            }
            charts::gantt(
                &charts_dir.join("execution"),
                &format!("{first}, execution 1 of replication 0 (light: queued)"),
                &lanes,
                &bars,
                &kinds,
            )?;
            blocks.push(Block::Heading("One execution".into()));
            blocks.push(Block::Chart(
                "execution".into(),
                "Stages of one execution per Region and account; light bars are queue waits".into(),
            ));
        }
    }

    Ok(())
}

/// The empirical CDF of sorted values as a step line: up at each value.
fn step_cdf(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = Vec::with_capacity(2 * sorted.len());
    for (k, x) in sorted.iter().enumerate() {
        points.push((*x, k as f64 / n));
        points.push((*x, (k + 1) as f64 / n));
    }
    points
}
