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
        let totals: Vec<Vec<String>> = cats
            .iter()
            .map(|(c, m)| vec![c.clone(), dollars(m.values().sum::<f64>())])
            .collect();
        blocks.push(Block::Table(
            vec!["category".into(), "per month".into()],
            totals,
        ));
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
        charts::stacked_bars(
            &charts_dir.join("cost_by_region"),
            "Cost per month by Region and category",
            "US dollars per month",
            &regions,
            &stacks,
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
        let items: Vec<String> = per_item.keys().cloned().collect();
        let values: Vec<(f64, f64)> = per_item
            .values()
            .map(|v| (0.0, crate::cost::per_month(&scn.market(), *v) / reps))
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
