//! Time to all Regions (per pipeline, per destination Region), the stages
//! of the slowest pipeline, and its execution nearest the p95 as a Gantt chart: from
//! the typed results and the replayed execution.

use std::collections::{BTreeMap, BTreeSet};

use super::doc::{Block, secs_h};
use super::replay::Replayed;
use super::{Draft, named, slowest};
use crate::experiment::Aggregate;
use crate::experiment::aggregate::{PipelineAgg, StageAgg};
use crate::pipeline::model::{Stage, StageRecord};
use crate::report::ReportError;
use crate::report::charts::{self, GanttBar, Series};
use crate::report::text::human;

/// Time to all Regions, the Regions of the slowest pipeline, its stages and one execution.
pub(super) fn timing(d: &mut Draft<'_>) -> Result<(), ReportError> {
    let Some(agg) = d.inp.run() else {
        return Ok(());
    };
    table(d, agg);
    cdf_chart(d, agg)?;
    regions(d, agg);
    stages_chart(d, agg)?;
    if let Some(r) = &d.inp.replayed {
        execution_chart(d, r)?;
    }
    Ok(())
}

/// `mean (95 % CI low – high)`.
fn with_ci(v: Option<f64>, ci: Option<(f64, f64)>) -> String {
    match ci {
        Some((l, h)) => format!("{} (95 % CI {} – {})", secs_h(v), human(l), human(h)),
        None => secs_h(v),
    }
}

/// Most pipelines in the table: the slowest by p95.
const TABLE_ROWS: usize = 20;

/// One row per pipeline, the slowest (by p95) first when there are many.
fn table(d: &mut Draft<'_>, agg: &Aggregate) {
    let mut shown: Vec<(&str, &PipelineAgg)> = named(d.inp.scn, agg)
        .filter(|(_, _, pa)| pa.executions > 0)
        .map(|(_, name, pa)| (name, pa))
        .collect();
    let total = shown.len();
    if total > TABLE_ROWS {
        let p95 = |pa: &PipelineAgg| {
            pa.time_to_all_regions
                .quantile(0.95)
                .unwrap_or(f64::INFINITY)
        };
        shown.sort_by(|a, b| p95(b.1).total_cmp(&p95(a.1)));
        shown.truncate(TABLE_ROWS);
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(name, pa)| {
            let m = &pa.time_to_all_regions;
            vec![
                name.to_string(),
                m.count.to_string(),
                pa.failed.to_string(),
                with_ci(m.mean_s(), m.ci95_s().map(|(c, h)| (c - h, c + h))),
                secs_h(pa.time_to_first_region.quantile_s(0.95)),
                secs_h(m.quantile_s(0.5)),
                with_ci(m.quantile_s(0.95), m.quantile_ci95_s(0.95)),
                secs_h(m.quantile_s(0.99)),
            ]
        })
        .collect();
    let h = super::Headline::of(d.inp.scn);
    d.blocks.push(Block::Heading(h.heading.into()));
    if total > TABLE_ROWS {
        d.blocks.push(Block::Para(format!(
            "The {TABLE_ROWS} slowest of {total} pipelines by p95 (summary.csv has every one)."
        )));
    }
    d.blocks.push(Block::Table(
        [
            h.unit,
            "succeeded",
            "failed",
            "mean",
            "p95 to the first Region",
            "p50",
            "p95",
            "p99",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    ));
}

/// Most pipelines drawn in the CDF chart.
const CDF_LINES: usize = 8;

/// The step CDF of the slowest pipelines, their quantiles in the legend.
fn cdf_chart(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let mut shown: Vec<(&str, &PipelineAgg, f64)> = named(d.inp.scn, agg)
        .filter_map(|(_, name, pa)| Some((name, pa, pa.time_to_all_regions.quantile_s(0.95)?)))
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    shown.sort_by(|a, b| b.2.total_cmp(&a.2));
    let total = shown.len();
    shown.truncate(CDF_LINES);
    let series: Vec<Series> = shown
        .iter()
        .map(|(name, pa, _)| {
            let m = &pa.time_to_all_regions;
            let q = |x| secs_h(m.quantile_s(x));
            Series {
                name: format!("{name}: p50 {} · p95 {} · p99 {}", q(0.5), q(0.95), q(0.99)),
                points: m
                    .step_cdf(500)
                    .into_iter()
                    .map(|(v, f)| (v / 60_000.0, f))
                    .collect(),
            }
        })
        .collect();
    let h = super::Headline::of(d.inp.scn);
    let title = if total > series.len() {
        format!(
            "{}: the {} slowest of {total} {}s",
            h.chart,
            series.len(),
            h.unit
        )
    } else {
        h.chart.to_string()
    };
    d.line_chart(
        "time_to_all_regions",
        &charts::LineChart {
            title: &title,
            x_label: h.x_label,
            y_label: "fraction of runs",
            series: &series,
            ..Default::default()
        },
        "Distribution of the time to all Regions, the slowest pipelines first, with their p50, p95 and p99",
    )?;
    Ok(())
}

/// Most destination Regions listed.
const REGION_ROWS: usize = 30;

/// The slowest pipeline's time to each of its Regions, the slowest first.
fn regions(d: &mut Draft<'_>, agg: &Aggregate) {
    let scn = d.inp.scn;
    let Some((_, name, pa)) = slowest(scn, agg, |p| &p.time_to_all_regions) else {
        return;
    };
    let mut rows: Vec<(f64, Vec<String>)> = pa
        .time_to_region
        .iter()
        .filter_map(|(r, m)| {
            let p95 = m.quantile_s(0.95)?;
            Some((
                p95,
                vec![
                    scn.world.regions[*r as usize].clone(),
                    secs_h(m.quantile_s(0.5)),
                    with_ci(Some(p95), m.quantile_ci95_s(0.95)),
                    secs_h(Some(m.max as f64 / 1000.0)),
                ],
            ))
        })
        .collect();
    if rows.len() < 2 {
        return;
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1[0].cmp(&b.1[0])));
    let n = rows.len();
    d.blocks.push(Block::Heading(format!("Regions of {name}")));
    d.blocks.push(Block::Para(format!(
        "Time from the trigger until the image is usable in each of the {n} Regions of {name} (the pipeline with the slowest p95), the slowest first; p95 to the first Region {}.",
        secs_h(pa.time_to_first_region.quantile_s(0.95))
    )));
    d.blocks.push(Block::Table(
        ["region", "p50", "p95", "max"].map(String::from).to_vec(),
        rows.into_iter().take(REGION_ROWS).map(|r| r.1).collect(),
    ));
    if n > REGION_ROWS {
        d.blocks.push(Block::Para(format!(
            "and {} faster Regions.",
            n - REGION_ROWS
        )));
    }
}

/// Minutes, from milliseconds.
fn minutes(ms: Option<f64>) -> f64 {
    ms.unwrap_or(0.0) / 60_000.0
}

/// The stages of the slowest pipeline: mean wait, mean duration, on to the p95.
fn stages_chart(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let Some((_, name, pa)) = slowest(d.inp.scn, agg, |p| &p.time_to_all_regions) else {
        return Ok(());
    };
    // Background stages (terminations) at the bottom, pipeline stages
    // above in pipeline order (plotters' first row is the bottom one).
    let mut order: Vec<(&Stage, &StageAgg)> = Stage::ALL
        .iter()
        .zip(&pa.stages)
        .filter(|(_, sa)| sa.duration.count > 0)
        .collect();
    if order.is_empty() {
        return Ok(());
    }
    order.sort_by_key(|(st, _)| (!st.is_background(), std::cmp::Reverse(st.index())));
    let names: Vec<String> = order
        .iter()
        .map(|(st, _)| match st.is_background() {
            true => format!("{} (background)", st.name()),
            false => st.name().to_string(),
        })
        .collect();
    let column = |f: &dyn Fn(&StageAgg) -> f64| -> Vec<(f64, f64)> {
        order.iter().map(|(_, sa)| (0.0, f(sa))).collect()
    };
    let mean = |sa: &StageAgg| minutes(sa.duration.mean());
    let series = [
        Series {
            name: "mean queue wait".into(),
            points: column(&|sa| minutes(sa.wait.mean())),
        },
        Series {
            name: "mean duration".into(),
            points: column(&mean),
        },
        Series {
            // How far the p95 of the duration reaches beyond its mean.
            name: "on to the duration's p95".into(),
            points: column(&|sa| (minutes(sa.duration.quantile(0.95)) - mean(sa)).max(0.0)),
        },
    ];
    charts::stacked_bars(
        &d.chart_file("stages"),
        &format!("Stages of {name} (slowest p95): mean wait, mean duration, p95 duration"),
        "minutes",
        &names,
        &series,
        &[],
        false,
    )?;
    d.blocks.push(Block::Heading("Stages".into()));
    d.blocks.push(Block::Chart(
        "stages".into(),
        format!("Mean wait, mean duration and p95 duration of each stage of {name}, the pipeline with the slowest p95; background stages (which never delay the image) apart at the bottom"),
    ));
    Ok(())
}

/// The replayed execution nearest the p95 as a Gantt chart.
fn execution_chart(d: &mut Draft<'_>, r: &Replayed) -> Result<(), ReportError> {
    let world = &d.inp.scn.world;
    let recs: Vec<&StageRecord> = r
        .rep
        .stages
        .iter()
        .filter(|s| s.exec.index() == r.exec)
        .collect();
    if recs.is_empty() {
        return Ok(());
    }
    let (lanes, bars, kinds) = gantt_bars(world, &recs);
    let number = r.rep.runs[r.exec].number;
    charts::gantt(
        &d.chart_file("execution"),
        &format!(
            "{}: the execution nearest its p95 ({}), replication {} #{number} (light: queued)",
            r.name,
            human(r.ms as f64 / 1000.0),
            r.replication,
        ),
        &lanes,
        &bars,
        &kinds,
    )?;
    d.blocks.push(Block::Heading("One execution".into()));
    d.blocks.push(Block::Chart(
        "execution".into(),
        format!(
            "The execution of {} nearest its p95 ({}; replayed from the seed, the nearest of {}), by Region with accounts folded; light bars are queue waits",
            r.name,
            human(r.p95_ms / 1000.0),
            match r.all {
                true => format!("all {} replications", r.searched),
                false => format!("the first {} replications", r.searched),
            }
        ),
    ));
    Ok(())
}

/// At most this many lanes; Regions past it share one.
const MAX_LANES: usize = 40;

/// A record's lane: its Region, its snapshots apart.
fn lane_of(world: &crate::pipeline::config::World, r: &StageRecord) -> String {
    let region = &world.regions[r.region.index()];
    match r.stage {
        Stage::Snapshot => format!("{region} snapshots"),
        _ => region.clone(),
    }
}

/// The lanes (a Region, its accounts folded; its snapshots apart), the bars
/// and the stages shown, each with its fixed colour (its place in `Stage::ALL`).
fn gantt_bars(
    world: &crate::pipeline::config::World,
    recs: &[&StageRecord],
) -> (Vec<String>, Vec<GanttBar>, Vec<(String, usize)>) {
    let t0 = recs.iter().map(|r| r.enqueued).min().unwrap_or_default();
    // Background terminations and the CreateImage umbrella would hide other bars.
    let shown: Vec<&StageRecord> = recs
        .iter()
        .copied()
        .filter(|r| !r.stage.is_background() && r.stage != Stage::CreateImage)
        .collect();
    let mut accounts: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in &shown {
        let lane = lane_of(world, r);
        if !order.contains(&lane) {
            order.push(lane.clone());
        }
        accounts
            .entry(lane)
            .or_default()
            .insert(&world.directory.accounts[r.account.index()].name);
    }
    let kept = match order.len() > MAX_LANES {
        true => MAX_LANES - 1,
        false => order.len(),
    };
    let mut lanes: Vec<String> = order[..kept]
        .iter()
        .map(|l| match accounts[l].len() {
            1 => format!("{l} / {}", accounts[l].iter().next().unwrap_or(&"")),
            n => format!("{l} ({n} accounts)"),
        })
        .collect();
    if kept < order.len() {
        lanes.push(format!("{} more lanes", order.len() - kept));
    }
    let mut kinds: Vec<(String, usize)> = Vec::new();
    let mut bars = Vec::new();
    let secs = |t: crate::engine::SimTime| t.since(t0).as_millis() as f64 / 1000.0;
    for r in shown {
        let lane_name = lane_of(world, r);
        let lane = order
            .iter()
            .position(|l| *l == lane_name)
            .unwrap_or(0)
            .min(kept);
        let color = r.stage.index();
        if !kinds.iter().any(|k| k.1 == color) {
            kinds.push((r.stage.name().to_string(), color));
        }
        let (e, s, f) = (secs(r.enqueued), secs(r.started), secs(r.finished));
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
