//! A sweep: every point against the SLOs, and the cheapest that meets them.

use std::collections::BTreeMap;

use super::Doc;
use super::doc::Block;
use crate::report::ReportError;
use crate::report::charts::{self, Series};
use crate::report::text::{dollars, human};

/// The sweep's points.
pub(super) fn sweep(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let scn = d.scn;
    let charts_dir = &d.charts_dir;
    let blocks = &mut d.blocks;
    let sweep = &d.tables.sweep;
    // Sweep.
    if let Some(t) = &sweep {
        blocks.push(Block::Heading("Sweep".into()));
        let keys: Vec<String> = t
            .header
            .iter()
            .skip(1)
            .take_while(|h| *h != "pipeline")
            .cloned()
            .collect();
        let slo_t = scn.slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
        let slo_c = scn.slo.monthly_cost_usd;
        // By point number (as a number: point 10 comes after point 9).
        let mut points: BTreeMap<u64, (Vec<String>, f64, f64)> = BTreeMap::new();
        for r in &t.rows {
            let point = t.get(r, "point").parse().unwrap_or(u64::MAX);
            let e = points.entry(point).or_insert((
                keys.iter().map(|k| t.get(r, k).to_string()).collect(),
                0.0,
                0.0,
            ));
            e.1 = e.1.max(t.num(r, "p95_s").unwrap_or(f64::INFINITY));
            e.2 = t.num(r, "mean_monthly_usd").unwrap_or(0.0);
        }
        let meets =
            |p95: f64, cost: f64| slo_t.is_none_or(|s| p95 <= s) && slo_c.is_none_or(|c| cost <= c);
        blocks.push(Block::Table(
            keys.iter()
                .cloned()
                .chain([
                    "worst p95".into(),
                    "monthly cost".into(),
                    "meets SLOs".into(),
                ])
                .collect(),
            points
                .values()
                .map(|(v, p95, c)| {
                    v.iter()
                        .cloned()
                        .chain([
                            human(*p95),
                            dollars(*c),
                            if meets(*p95, *c) {
                                "yes".into()
                            } else {
                                "no".into()
                            },
                        ])
                        .collect()
                })
                .collect(),
        ));
        let best = points
            .values()
            .filter(|(_, p, c)| meets(*p, *c))
            .min_by(|a, b| a.2.total_cmp(&b.2));
        blocks.push(Block::Para(match best {
            Some((v, p, c)) => format!(
                "Cheapest point meeting every SLO: {} — p95 {} at {} a month.",
                keys.iter()
                    .zip(v)
                    .map(|(k, x)| format!("{k} = {x}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                human(*p),
                dollars(*c)
            ),
            None => "No point meets every SLO.".into(),
        }));
        if let Some(k) = keys.first() {
            // One line per value of the other keys: a two-key grid is not one sawtooth.
            let mut lines: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for (v, p, _) in points.values() {
                let Ok(x) = v[0].parse::<f64>() else { continue };
                let rest: Vec<String> = keys
                    .iter()
                    .zip(v)
                    .skip(1)
                    .map(|(k, x)| format!("{k} = {x}"))
                    .collect();
                let name = if rest.is_empty() {
                    "p95".to_string()
                } else {
                    rest.join(", ")
                };
                lines.entry(name).or_default().push((x, p / 60.0));
            }
            let series: Vec<Series> = lines
                .into_iter()
                .map(|(name, mut points)| {
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Series { name, points }
                })
                .collect();
            if !series.is_empty() {
                charts::lines(
                    &charts_dir.join("sweep"),
                    &format!("Worst p95 time to all Regions against {k}"),
                    k,
                    "p95, minutes",
                    &series,
                    &[],
                    slo_t.map(|s| (s / 60.0, "SLO")),
                )?;
                blocks.push(Block::Chart(
                    "sweep".into(),
                    format!("p95 against {k}, with the SLO"),
                ));
            }
        }
    }

    Ok(())
}
