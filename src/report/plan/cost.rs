//! Cost: per month, by category, Region and item, from the typed results.

use std::collections::BTreeMap;

use super::Draft;
use super::doc::Block;
use crate::cost::Category;
use crate::experiment::Aggregate;
use crate::experiment::stats::Metric;
use crate::report::ReportError;
use crate::report::charts::{self, LineChart, Series};
use crate::report::text::dollars;

/// Cost.
pub(super) fn cost(d: &mut Draft<'_>) -> Result<(), ReportError> {
    let Some(agg) = d.inp.run() else {
        return Ok(());
    };
    d.blocks.push(Block::Heading("Cost".into()));
    by_category(d, agg)?;
    by_month(d, agg)?;
    monthly_cdf(d, agg)?;
    by_item(d, agg)?;
    summary(d, agg);
    Ok(())
}

/// Micro-dollars summed over replications, as dollars a month per replication.
fn monthly(d: &Draft<'_>, agg: &Aggregate, micro: u128) -> f64 {
    let per_rep = micro as f64 / 1e6 / agg.replications.max(1) as f64;
    crate::cost::per_month(&d.inp.scn.market(), per_rep)
}

/// The categories' table and the cost by Region, stacked by category.
fn by_category(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let scn = d.inp.scn;
    // Category → Region name → dollars a month.
    let mut cats: BTreeMap<Category, BTreeMap<&str, f64>> = BTreeMap::new();
    for ((c, r, _), v) in &agg.cost_by {
        *cats
            .entry(*c)
            .or_default()
            .entry(&scn.world.regions[r.index()])
            .or_default() += monthly(d, agg, v.0);
    }
    if cats.is_empty() {
        return Ok(());
    }
    let name = |c: Category| c.name().to_string();
    // Categories by cost, largest first, with the total.
    let mut totals: Vec<(Category, f64)> =
        cats.iter().map(|(c, m)| (*c, m.values().sum())).collect();
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut rows: Vec<Vec<String>> = totals
        .iter()
        .map(|(c, v)| vec![name(*c), dollars(*v)])
        .collect();
    rows.push(vec![
        "total".into(),
        dollars(totals.iter().map(|t| t.1).sum()),
    ]);
    d.blocks.push(Block::Table(
        vec!["category".into(), "per month".into()],
        rows,
    ));
    // Regions by cost, the largest at the top (plotters' first row is the bottom one).
    let mut regions: BTreeMap<&str, f64> = BTreeMap::new();
    for m in cats.values() {
        for (r, v) in m {
            *regions.entry(r).or_default() += v;
        }
    }
    let mut order: Vec<(&str, f64)> = regions.into_iter().collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)));
    let stacks: Vec<Series> = cats
        .iter()
        .map(|(c, m)| Series {
            name: name(*c),
            points: order
                .iter()
                .map(|(r, _)| (0.0, *m.get(r).unwrap_or(&0.0)))
                .collect(),
        })
        .collect();
    // Each category's colour is fixed: its place in the cost model's list.
    let colors: Vec<usize> = cats.keys().map(|c| *c as usize).collect();
    let names: Vec<String> = order.iter().map(|(r, _)| r.to_string()).collect();
    charts::stacked_bars(
        &d.chart_file("cost_by_region"),
        "Cost per month by Region and category",
        "US dollars per month",
        &names,
        &stacks,
        &colors,
        true,
    )?;
    d.blocks.push(Block::Chart(
        "cost_by_region".into(),
        "Monthly cost by Region, stacked by category".into(),
    ));
    Ok(())
}

/// Month by month, stacked by category: whether the bill levels off.
fn by_month(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let by = &agg.cost_by_month;
    let n = by.totals.len();
    if n < 2 {
        return Ok(()); // one month: the Region chart says it all
    }
    let reps = agg.replications;
    let mut cats: BTreeMap<Category, Vec<f64>> = BTreeMap::new();
    for ((m, c, _), s) in &by.cells {
        cats.entry(*c).or_insert_with(|| vec![0.0; n])[usize::from(*m)] += s.mean_usd(reps);
    }
    let hours = crate::report::cost_months::month_hours(d.inp.scn);
    let full = d.inp.scn.prices.hours_per_month;
    // Month 1 at the top: plotters' first row is the bottom one.
    let label = |m: usize| match hours.get(m) {
        Some(&h) if h < full - 1e-9 => format!("month {} ({:.1} days)", m + 1, h / 24.0),
        _ => format!("month {}", m + 1),
    };
    let rows: Vec<String> = (0..n).rev().map(label).collect();
    let stacks: Vec<Series> = cats
        .iter()
        .map(|(c, v)| Series {
            name: c.name().to_string(),
            points: v.iter().rev().map(|x| (0.0, *x)).collect(),
        })
        .collect();
    let colors: Vec<usize> = cats.keys().map(|c| *c as usize).collect();
    charts::stacked_bars(
        &d.chart_file("cost_by_month"),
        "Cost month by month, by category (mean over replications)",
        "US dollars in the month",
        &rows,
        &stacks,
        &colors,
        true,
    )?;
    d.blocks.push(Block::Chart(
        "cost_by_month".into(),
        "Cost of each month of the horizon, stacked by category: a bill still growing at the bottom has not levelled off (cost_by_month.csv has each month's 95 % interval)".into(),
    ));
    Ok(())
}

/// The monthly cost over replications, with the p50 and p95 printed elsewhere.
fn monthly_cdf(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let m = &agg.monthly_cost;
    if m.count == 0 {
        return Ok(());
    }
    let points: Vec<(f64, f64)> = m
        .step_cdf(500)
        .into_iter()
        .map(|(v, f)| (v / 1e6, f))
        .collect();
    let markers: Vec<charts::Marker> = [0.5, 0.95]
        .iter()
        .filter_map(|&q| {
            let v = m.quantile(q)? / 1e6;
            Some((format!(" p{:.0} {}", q * 100.0, dollars(v)), v, q, 0))
        })
        .collect();
    d.line_chart(
        "monthly_cost",
        &LineChart {
            title: "Monthly cost over replications (CDF)",
            x_label: "US dollars per month",
            y_label: "fraction of replications",
            series: &[Series {
                name: "monthly cost".into(),
                points,
            }],
            markers: &markers,
            ..Default::default()
        },
        "Distribution of the monthly cost over replications",
    )?;
    Ok(())
}

/// Items by cost, the largest at the top.
fn by_item(d: &mut Draft<'_>, agg: &Aggregate) -> Result<(), ReportError> {
    let world = &d.inp.scn.world;
    let mut sorted: Vec<(String, f64)> = agg
        .cost_by_item
        .iter()
        .map(|((c, item), v)| {
            let item = item.name(world).to_string();
            let cat = c.name();
            (format!("{item} ({cat})"), monthly(d, agg, v.0))
        })
        .collect();
    if sorted.is_empty() {
        return Ok(());
    }
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let items: Vec<String> = sorted.iter().map(|i| i.0.clone()).collect();
    let values: Vec<(f64, f64)> = sorted.iter().map(|(_, v)| (0.0, *v)).collect();
    charts::stacked_bars(
        &d.chart_file("cost_by_item"),
        "Cost per month by what it pays for",
        "US dollars per month",
        &items,
        &[Series {
            name: "per month".into(),
            points: values,
        }],
        &[],
        true,
    )?;
    d.blocks.push(Block::Chart(
        "cost_by_item".into(),
        "Monthly cost by item: instances, volumes and storage by stage, transfer, keys".into(),
    ));
    Ok(())
}

/// Dollars with thousands grouped, `-` for none, from micro-dollars.
fn money(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| dollars(x / 1e6))
}

/// Most pipelines in the cost table.
const COST_ROWS: usize = 10;

/// Cost per execution of each pipeline (the most expensive when there are many) and per month.
fn summary(d: &mut Draft<'_>, agg: &Aggregate) {
    let row = |scope: &str, metric: &str, m: &Metric| {
        vec![
            scope.to_string(),
            metric.to_string(),
            money(m.mean()),
            money(m.quantile(0.5)),
            money(m.quantile(0.95)),
            money((m.count > 0).then_some(m.max as f64)),
        ]
    };
    let mut costly: Vec<(&str, &Metric)> = super::named(d.inp.scn, agg)
        .filter(|(_, _, pa)| pa.cost_per_execution.count > 0)
        .map(|(_, name, pa)| (name, &pa.cost_per_execution))
        .collect();
    let total = costly.len();
    if total > COST_ROWS {
        // The most expensive per execution first.
        let mean = |m: &Metric| m.mean().unwrap_or(0.0);
        costly.sort_by(|a, b| mean(b.1).total_cmp(&mean(a.1)));
        costly.truncate(COST_ROWS);
        d.blocks.push(Block::Para(format!(
            "The {COST_ROWS} most expensive of {total} pipelines per execution (cost_summary.csv has every one)."
        )));
    }
    let mut rows: Vec<Vec<String>> = costly
        .iter()
        .map(|(name, m)| row(name, "cost_per_execution", m))
        .collect();
    if agg.pipelines.len() > 1 && agg.pipelines.len() <= COST_ROWS {
        // Each pipeline's share of the month, where they are few enough to list.
        for (_, name, pa) in super::named(d.inp.scn, agg) {
            rows.push(row(name, "monthly_cost", &pa.monthly_cost));
        }
    }
    rows.push(row("all", "monthly_cost", &agg.monthly_cost));
    d.blocks.push(Block::Table(
        ["scope", "metric", "mean", "p50", "p95", "max"]
            .map(String::from)
            .to_vec(),
        rows,
    ));
}
