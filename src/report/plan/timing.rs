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
        let mut series = Vec::new();
        let mut markers = Vec::new();
        for (i, (name, mut v)) in by.into_iter().take(8).enumerate() {
            v.sort_by(f64::total_cmp);
            let n = v.len() as f64;
            let points: Vec<(f64, f64)> = v
                .iter()
                .enumerate()
                .map(|(k, x)| (*x, (k + 1) as f64 / n))
                .collect();
            for q in [0.5, 0.95, 0.99] {
                let k = ((q * n).ceil() as usize).clamp(1, v.len()) - 1;
                markers.push((
                    format!(" p{:.0} {}", q * 100.0, human(v[k] * 60.0)),
                    v[k],
                    (k + 1) as f64 / n,
                    i,
                ));
            }
            series.push(Series { name, points });
        }
        charts::lines(
            &charts_dir.join("time_to_all_regions"),
            "Time to all Regions (CDF)",
            "minutes from trigger to usable everywhere",
            "fraction of runs",
            &series,
            &markers,
            None,
        )?;
        blocks.push(Block::Chart(
            "time_to_all_regions".into(),
            "Distribution of the time to all Regions, p50/p95/p99 marked".into(),
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
