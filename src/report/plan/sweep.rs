//! A sweep: every point against the SLOs, with confidence intervals, and
//! the cheapest point that meets them, from the typed results.

use std::collections::BTreeMap;

use super::doc::Block;
use super::{Draft, Inputs};
use crate::experiment::Aggregate;
use crate::report::ReportError;
use crate::report::charts::{Band, LineChart, Series};
use crate::report::text::{dollars, human};
use crate::scenario::sweep::{Sweep, SweepPoint};

/// One point's figures.
struct Point<'a> {
    values: &'a [String],
    /// The worst pipeline's p95 of time to all Regions, s, and its 95 % CI.
    p95: f64,
    /// `None` where the sample cannot support one (never a clamped one).
    p95_ci: Option<(f64, f64)>,
    /// Mean monthly cost, dollars, and its 95 % CI.
    cost: f64,
    cost_ci: (f64, f64),
    /// Whether it meets every SLO set (`None`: no SLO is set).
    meets: Option<bool>,
    /// The worst pipeline's p95 exposure window, s, if any pipeline has releases.
    exposure: Option<f64>,
    /// The p95 of time to all Regions of the pipelines the keys set, s (the
    /// slowest of them), when they are not every pipeline.
    swept: Option<f64>,
}

fn points<'a>(inp: &Inputs<'_>, sweep: &'a Sweep) -> Vec<Point<'a>> {
    let slo = &inp.scn.slo;
    let slo_t = slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
    sweep
        .points
        .iter()
        .zip(inp.aggs)
        .map(|(pt, agg): (&'a SweepPoint, &Aggregate)| {
            let worst = agg
                .pipelines
                .iter()
                .filter_map(|pa| {
                    let m = &pa.time_to_all_regions;
                    Some((m.quantile_s(0.95)?, m.quantile_ci95_s(0.95)))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let (p95, ci) = worst.unwrap_or((f64::INFINITY, None));
            let swept = swept_pipelines(inp, sweep).map(|ps| {
                ps.iter()
                    .filter_map(|&i| agg.pipelines.get(i)?.time_to_all_regions.quantile_s(0.95))
                    .fold(0.0, f64::max)
            });
            let exposure = agg
                .pipelines
                .iter()
                .filter_map(|pa| pa.exposure_window.quantile_s(0.95))
                .max_by(f64::total_cmp);
            let m = &agg.monthly_cost;
            let cost = m.mean().unwrap_or(0.0) / 1e6;
            let cost_ci = m
                .ci95()
                .map_or((cost, cost), |(c, h)| ((c - h) / 1e6, (c + h) / 1e6));
            let meets = slo.any().then(|| {
                slo_t.is_none_or(|s| p95 <= s) && slo.monthly_cost_usd.is_none_or(|c| cost <= c)
            });
            Point {
                values: &pt.values,
                p95,
                p95_ci: ci,
                cost,
                cost_ci,
                meets,
                exposure,
                swept,
            }
        })
        .collect()
}

/// ` (95 % CI a – b)`, or that the sample supports none.
fn ci_text(ci: Option<(f64, f64)>) -> String {
    match ci {
        Some((lo, hi)) => format!(" (95 % CI {} – {})", human(lo), human(hi)),
        None => " (too few values for a 95 % CI)".into(),
    }
}

/// The pipelines the sweep's keys set, when they are some but not all.
fn swept_pipelines<'a>(inp: &Inputs<'_>, sweep: &'a Sweep) -> Option<&'a [usize]> {
    let t = sweep.touched.as_deref()?;
    (t.len() < inp.scn.world.pipelines.len()).then_some(t)
}

/// `key = value, …`.
fn label(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, x)| format!("{k} = {x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How far a point is from the current configuration: the keys it changes,
/// then the summed relative change of numeric ones.
fn change(sweep: &Sweep, values: &[String]) -> (usize, f64) {
    let mut keys = 0;
    let mut size = 0.0;
    for (v, base) in values.iter().zip(&sweep.base) {
        if base.as_deref() == Some(v.as_str()) {
            continue;
        }
        keys += 1;
        let num = |s: &str| s.parse::<f64>().ok();
        size += match (num(v), base.as_deref().and_then(num)) {
            (Some(a), Some(b)) => (a - b).abs() / b.abs().max(1.0),
            _ => 1.0,
        };
    }
    (keys, size)
}

/// The cheapest point meeting every SLO; among those whose cost CI overlaps
/// its cost's, the current configuration, else the smallest change.
fn cheapest<'a, 'b>(sweep: &Sweep, pts: &'b [Point<'a>]) -> Option<(&'b Point<'a>, usize)> {
    let ok: Vec<&Point> = pts.iter().filter(|p| p.meets == Some(true)).collect();
    let low = ok.iter().min_by(|a, b| a.cost.total_cmp(&b.cost))?;
    let ties: Vec<&&Point> = ok.iter().filter(|p| p.cost_ci.0 <= low.cost_ci.1).collect();
    let pick = ties.iter().min_by(|a, b| {
        let (ca, cb) = (change(sweep, a.values), change(sweep, b.values));
        ca.0.cmp(&cb.0)
            .then(ca.1.total_cmp(&cb.1))
            .then(a.cost.total_cmp(&b.cost))
    })?;
    Some((pick, ties.len()))
}

/// The verdict's lines for a sweep.
pub(super) fn verdict_lines(inp: &Inputs<'_>) -> Vec<String> {
    let Some(sweep) = inp.sweep else {
        return Vec::new();
    };
    let pts = points(inp, sweep);
    let mut v = vec![format!(
        "{} sweep points over {}, each with the same replications (common random numbers)",
        pts.len(),
        sweep.keys.join(", ")
    )];
    if let Some(best) = pts.iter().min_by(|a, b| a.p95.total_cmp(&b.p95)) {
        v.push(format!(
            "fastest point: {} — worst p95 {}{} at {} a month",
            label(&sweep.keys, best.values),
            human(best.p95),
            ci_text(best.p95_ci),
            dollars(best.cost)
        ));
    }
    if !inp.scn.slo.any() {
        return v;
    }
    let n = pts.iter().filter(|p| p.meets == Some(true)).count();
    v.push(match cheapest(sweep, &pts) {
        Some((p, ties)) => format!(
            "{n} of {} points meet every SLO; the cheapest: {} — worst p95 {} at {} a month{}",
            pts.len(),
            label(&sweep.keys, p.values),
            human(p.p95),
            dollars(p.cost),
            match ties {
                1 => String::new(),
                t => format!(
                    " (of {t} points whose costs are within each other's 95 % CI, the one nearest the current configuration)"
                ),
            }
        ),
        None => format!("none of the {} points meets every SLO", pts.len()),
    });
    v.extend(recommendation(sweep, &pts));
    v
}

/// What to set: the cheapest point meeting every SLO, with its p95 and
/// cost and their CIs, or that the scenario's own values are that point.
fn recommendation(sweep: &Sweep, pts: &[Point<'_>]) -> Option<String> {
    let (p, _) = cheapest(sweep, pts)?;
    let (lo, hi) = p.cost_ci;
    let exposure = p.exposure.map_or(String::new(), |e| {
        format!(", worst p95 exposure window {}", human(e))
    });
    let figures = format!(
        "worst p95 {}{}{exposure}, {} a month (95 % CI {} – {})",
        human(p.p95),
        ci_text(p.p95_ci),
        dollars(p.cost),
        dollars(lo),
        dollars(hi)
    );
    let set: Vec<String> = sweep
        .keys
        .iter()
        .zip(p.values)
        .zip(&sweep.base)
        .filter(|((_, v), base)| base.as_deref() != Some(v.as_str()))
        .map(|((k, v), base)| match base {
            Some(b) => format!("{k} = {v} (the scenario has {b})"),
            None => format!("{k} = {v}"),
        })
        .collect();
    Some(match set.is_empty() {
        true => format!(
            "recommendation: keep the scenario's values, the cheapest point meeting every SLO: {figures}"
        ),
        false => format!(
            "recommendation: set {}: the cheapest point meeting every SLO, {figures}",
            set.join(", ")
        ),
    })
}

/// The sweep's points.
pub(super) fn sweep(d: &mut Draft<'_>) -> Result<(), ReportError> {
    let Some(sweep) = d.inp.sweep else {
        return Ok(());
    };
    let pts = points(d.inp, sweep);
    d.blocks.push(Block::Heading("Sweep".into()));
    let meets = |p: &Point| match p.meets {
        Some(true) => "yes",
        Some(false) => "no",
        None => "no [slo] set",
    };
    d.blocks.push(Block::Table(
        sweep
            .keys
            .iter()
            .cloned()
            .chain(swept_pipelines(d.inp, sweep).map(|ps| {
                let names: Vec<&str> = ps
                    .iter()
                    .map(|&i| d.inp.scn.world.pipelines[i].name.as_str())
                    .collect();
                format!("p95 of {} (swept)", names.join(", "))
            }))
            .chain([
                "worst p95".into(),
                "mean monthly cost".into(),
                "meets SLOs".into(),
            ])
            .collect(),
        pts.iter()
            .map(|p| {
                p.values
                    .iter()
                    .cloned()
                    .chain(p.swept.map(human))
                    .chain([
                        format!("{}{}", human(p.p95), ci_text(p.p95_ci)),
                        format!(
                            "{} (± {})",
                            dollars(p.cost),
                            dollars((p.cost_ci.1 - p.cost_ci.0) / 2.0)
                        ),
                        meets(p).into(),
                    ])
                    .collect()
            })
            .collect(),
    ));
    charts(d, sweep, &pts)
}

/// A point of a sweep line: x, y and y's 95 % CI.
type Xyci = (f64, f64, f64, f64);

/// A point's y on a sweep chart, with its 95 % CI.
type YOf = fn(&Point) -> (f64, f64, f64);

/// What a sweep chart draws: its file stem, y label, title, y (with its
/// CI) of a point, and its SLO.
type SweepChart = (&'static str, &'static str, String, YOf, Option<f64>);

/// A first key's value on the charts' x axis: a number as it is, a
/// duration (`"15m"`) in hours; `None` for other values.
fn axis_value(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().or_else(|| {
        crate::engine::SimDuration::parse(v)
            .ok()
            .map(|d| d.as_secs_f64() / 3600.0)
    })
}

/// A line per value of the other keys, against the first key's numeric
/// values: `(name, [(x, y, low, high)])`.
fn lines(
    sweep: &Sweep,
    pts: &[Point<'_>],
    y: fn(&Point) -> (f64, f64, f64),
) -> Vec<(String, Vec<Xyci>)> {
    let mut by: BTreeMap<String, Vec<Xyci>> = BTreeMap::new();
    for p in pts {
        let Some(x) = axis_value(&p.values[0]) else {
            continue;
        };
        let rest = label(&sweep.keys[1..], &p.values[1..]);
        let (v, lo, hi) = y(p);
        by.entry(rest).or_default().push((x, v, lo, hi));
    }
    by.into_iter()
        .map(|(name, mut v)| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            (name, v)
        })
        .collect()
}

/// The p95 and the cost against the first key, with CI bands and the SLOs.
fn charts(d: &mut Draft<'_>, sweep: &Sweep, pts: &[Point<'_>]) -> Result<(), ReportError> {
    let k = &sweep.keys[0];
    let charts = chart_specs(k, &d.inp.scn.slo);
    for (stem, y_label, title, y, rule) in charts {
        let absent = match stem {
            "sweep_exposure" => pts.iter().any(|p| p.exposure.is_none()),
            "sweep_swept" => pts.iter().any(|p| p.swept.is_none()),
            _ => false,
        };
        if absent {
            continue;
        }
        if pts.iter().all(|p| axis_value(&p.values[0]).is_none()) {
            // Values that are not numbers (a cron, a word): one bar per point.
            bars(d, sweep, pts, (stem, y_label, &title, y))?;
            continue;
        }
        let lines = lines(sweep, pts, y);
        let x_label = match pts
            .first()
            .is_some_and(|p| p.values[0].parse::<f64>().is_err())
        {
            true => format!("{k}, hours"),
            false => k.clone(),
        };
        if lines.iter().all(|l| l.1.is_empty()) {
            continue;
        }
        let series: Vec<Series> = lines
            .iter()
            .map(|(name, v)| Series {
                name: if name.is_empty() {
                    "all points".into()
                } else {
                    name.clone()
                },
                points: v.iter().map(|p| (p.0, p.1)).collect(),
            })
            .collect();
        let bands: Vec<Band> = lines
            .iter()
            .enumerate()
            .map(|(i, (_, v))| Band {
                series: i,
                points: v.iter().map(|p| (p.0, p.2, p.3)).collect(),
            })
            .collect();
        let hlines: Vec<(f64, &str)> = rule.map(|r| (r, "SLO")).into_iter().collect();
        let alt = format!("{title}, with its SLO where [slo] sets one");
        d.line_chart(
            stem,
            &LineChart {
                title: &title,
                x_label: &x_label,
                y_label,
                series: &series,
                bands: &bands,
                hlines: &hlines,
                ..Default::default()
            },
            alt,
        )?;
    }
    Ok(())
}

/// A sweep chart when the first key's values are not numbers: one bar per
/// point, the value written after it.
fn bars(
    d: &mut Draft<'_>,
    sweep: &Sweep,
    pts: &[Point<'_>],
    (stem, y_label, title, y): (&str, &str, &str, YOf),
) -> Result<(), ReportError> {
    // The first point at the top: plotters' first row is the bottom one;
    // the values alone label a row (the keys are in the title).
    let rows: Vec<String> = pts.iter().rev().map(|p| p.values.join(", ")).collect();
    let keys = sweep.keys.join(", ");
    let title = title.replace(" (95 % CI shaded)", "");
    let values: Vec<(f64, f64)> = pts.iter().rev().map(|p| (0.0, y(p).0)).collect();
    crate::report::charts::stacked_bars(
        &d.chart_file(stem),
        &title,
        y_label,
        &rows,
        &[Series {
            name: y_label.to_string(),
            points: values,
        }],
        &[],
        stem == "sweep_cost",
    )?;
    d.blocks.push(Block::Chart(
        stem.to_string(),
        format!("{title}, one bar per sweep point ({keys})"),
    ));
    Ok(())
}

/// The sweep's charts: the worst p95, the cost, the exposure window and
/// the p95 of the pipelines the keys set (when they are not all), against
/// the first key, each with its SLO.
fn chart_specs(k: &str, slo: &crate::scenario::Slo) -> [SweepChart; 4] {
    [
        (
            "sweep",
            "worst p95, minutes",
            format!("Worst p95 time to all Regions against {k} (95 % CI shaded)"),
            |p| {
                let (lo, hi) = p.p95_ci.unwrap_or((p.p95, p.p95));
                (p.p95 / 60.0, lo / 60.0, hi / 60.0)
            },
            slo.time_to_all_regions_p95.map(|s| s.as_secs_f64() / 60.0),
        ),
        (
            "sweep_cost",
            "mean US dollars per month",
            format!("Mean monthly cost against {k} (95 % CI shaded)"),
            |p| (p.cost, p.cost_ci.0, p.cost_ci.1),
            slo.monthly_cost_usd,
        ),
        (
            "sweep_exposure",
            "worst p95 exposure window, hours",
            format!("Worst p95 exposure window against {k}"),
            |p| {
                let h = p.exposure.unwrap_or(f64::NAN) / 3600.0;
                (h, h, h)
            },
            slo.exposure_window_p95.map(|s| s.as_secs_f64() / 3600.0),
        ),
        (
            "sweep_swept",
            "p95, minutes",
            format!("p95 time to all Regions of the pipelines {k} sets"),
            |p| {
                let m = p.swept.unwrap_or(f64::NAN) / 60.0;
                (m, m, m)
            },
            slo.time_to_all_regions_p95.map(|s| s.as_secs_f64() / 60.0),
        ),
    ]
}
