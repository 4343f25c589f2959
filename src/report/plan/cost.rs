//! Cost: per month, by category, Region and item.

use std::collections::BTreeMap;

use super::Doc;
use super::doc::{Block, Table};
use crate::report::ReportError;
use crate::report::charts::{self, Series};
use crate::report::text::dollars;

/// Cost.
pub(super) fn cost(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let (scn, dir) = (d.scn, d.dir);
    let charts_dir = &d.charts_dir;
    let blocks = &mut d.blocks;
    let cost_summary = &d.tables.cost_summary;
    let breakdown = &d.tables.breakdown;
    // Cost.
    if let Some(t) = &breakdown {
        blocks.push(Block::Heading("Cost".into()));
        let mut regions: Vec<String> = Vec::new();
        let mut cats: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for r in &t.rows {
            let region = t.get(r, "region").to_string();
            if !regions.contains(&region) {
                regions.push(region.clone());
            }
            *cats
                .entry(t.get(r, "category").to_string())
                .or_default()
                .entry(region)
                .or_default() += t.num(r, "usd_per_month").unwrap_or(0.0);
        }
        // Categories by cost, largest first, with the total.
        let mut totals: Vec<(String, f64)> = cats
            .iter()
            .map(|(c, m)| (c.clone(), m.values().sum::<f64>()))
            .collect();
        totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let sum: f64 = totals.iter().map(|t| t.1).sum();
        let mut rows: Vec<Vec<String>> = totals
            .iter()
            .map(|(c, v)| vec![c.clone(), dollars(*v)])
            .collect();
        rows.push(vec!["total".into(), dollars(sum)]);
        blocks.push(Block::Table(
            vec!["category".into(), "per month".into()],
            rows,
        ));
        // Regions by cost, the largest at the top (plotters' first row is the bottom one).
        let region_total = |r: &String| {
            cats.values()
                .map(|m| *m.get(r).unwrap_or(&0.0))
                .sum::<f64>()
        };
        regions.sort_by(|a, b| region_total(a).total_cmp(&region_total(b)).then(b.cmp(a)));
        let stacks: Vec<Series> = cats
            .iter()
            .map(|(c, m)| Series {
                name: c.clone(),
                points: regions
                    .iter()
                    .map(|r| (0.0, *m.get(r).unwrap_or(&0.0)))
                    .collect(),
            })
            .collect();
        // Each category's colour is fixed: its place in the cost model's list.
        let colors: Vec<usize> = cats
            .keys()
            .map(|c| {
                crate::cost::Category::ALL
                    .iter()
                    .position(|k| k.name() == c)
                    .unwrap_or(crate::cost::Category::ALL.len())
            })
            .collect();
        charts::stacked_bars(
            &charts_dir.join("cost_by_region"),
            "Cost per month by Region and category",
            "US dollars per month",
            &regions,
            &stacks,
            &colors,
            true,
        )?;
        blocks.push(Block::Chart(
            "cost_by_region".into(),
            "Monthly cost by Region, stacked by category".into(),
        ));
    }
    if let Some(t) = Table::read(&dir.join(crate::experiment::outputs::COST.name))? {
        // Monthly cost per replication, and cost by item (stage), from the ledger.
        let mut per_rep: BTreeMap<u64, f64> = BTreeMap::new();
        let mut per_item: BTreeMap<String, f64> = BTreeMap::new();
        for r in &t.rows {
            let usd = t.num(r, "usd").unwrap_or(0.0);
            *per_rep
                .entry(t.get(r, "replication").parse().unwrap_or(0))
                .or_default() += crate::cost::per_month(&scn.market(), usd);
            *per_item
                .entry(format!("{} ({})", t.get(r, "item"), t.get(r, "category")))
                .or_default() += usd;
        }
        let reps = per_rep.len().max(1) as f64;
        let mut monthly: Vec<f64> = per_rep.into_values().collect();
        monthly.sort_by(f64::total_cmp);
        let points = charts::step_cdf(&monthly);
        // The p50 and p95 the verdict and cost_summary.csv print.
        let markers: Vec<(String, f64, f64, usize)> = match d.aggs.as_deref() {
            Some([agg]) => [0.5, 0.95]
                .iter()
                .filter_map(|&q| {
                    let v = agg.monthly_cost.quantile(q)? / 1e6;
                    Some((format!(" p{:.0} {}", q * 100.0, dollars(v)), v, q, 0))
                })
                .collect(),
            _ => Vec::new(),
        };
        charts::lines(
            &charts_dir.join("monthly_cost"),
            "Monthly cost over replications (CDF)",
            "US dollars per month",
            "fraction of replications",
            &[Series {
                name: "monthly cost".into(),
                points,
            }],
            &markers,
            None,
        )?;
        blocks.push(Block::Chart(
            "monthly_cost".into(),
            "Distribution of the monthly cost over replications".into(),
        ));
        // Items by cost, the largest at the top.
        let mut sorted: Vec<(String, f64)> = per_item.into_iter().collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let items: Vec<String> = sorted.iter().map(|i| i.0.clone()).collect();
        let values: Vec<(f64, f64)> = sorted
            .iter()
            .map(|(_, v)| (0.0, crate::cost::per_month(&scn.market(), *v) / reps))
            .collect();
        charts::stacked_bars(
            &charts_dir.join("cost_by_item"),
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
        blocks.push(Block::Chart(
            "cost_by_item".into(),
            "Monthly cost by item: instances, volumes and storage by stage, transfer, keys".into(),
        ));
    }
    if let Some(t) = &cost_summary {
        blocks.push(Block::Table(
            ["scope", "metric", "mean", "p50", "p95", "max"]
                .map(String::from)
                .to_vec(),
            t.rows
                .iter()
                .map(|r| {
                    vec![
                        t.get(r, "scope").into(),
                        t.get(r, "metric").into(),
                        money(t.num(r, "mean_usd")),
                        money(t.num(r, "p50_usd")),
                        money(t.num(r, "p95_usd")),
                        money(t.num(r, "max_usd")),
                    ]
                })
                .collect(),
        ));
    }

    Ok(())
}

/// Dollars with thousands grouped, `-` for none.
fn money(v: Option<f64>) -> String {
    v.map_or("-".into(), dollars)
}
