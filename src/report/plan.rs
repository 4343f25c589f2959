//! The capacity-planning report: `report.md` and a self-contained
//! `report.html`, with charts, written from the files of an output directory
//! (so `amisim report DIR` and `amisim run --report` are the same code).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::ReportError;
use super::charts::{self, GanttBar, Series};
use super::text::human;
use super::write::atomic_write;
use crate::scenario::Scenario;

/// A CSV file read back: header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Result<Option<Table>, ReportError> {
        if !path.exists() {
            return Ok(None);
        }
        let bad = |e: csv::Error| ReportError::Input {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let mut r = csv::Reader::from_path(path).map_err(bad)?;
        let header = r
            .headers()
            .map_err(bad)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(bad)?.iter().map(str::to_string).collect());
        }
        Ok(Some(Table { header, rows }))
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or(usize::MAX)
    }

    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        row.get(self.col(name)).map_or("", String::as_str)
    }

    fn num(&self, row: &[String], name: &str) -> Option<f64> {
        self.get(row, name).parse().ok()
    }
}

/// A piece of the report.
enum Block {
    Heading(String),
    Para(String),
    Bullets(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
    Chart(String, String),
}

fn md(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "\n## {h}\n");
            }
            Block::Para(p) => {
                let _ = writeln!(out, "{p}\n");
            }
            Block::Bullets(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(h, rows) => {
                let _ = writeln!(out, "| {} |", h.join(" | "));
                let _ = writeln!(
                    out,
                    "|{}|",
                    h.iter().map(|_| "---").collect::<Vec<_>>().join("|")
                );
                for r in rows {
                    let _ = writeln!(out, "| {} |", r.join(" | "));
                }
                out.push('\n');
            }
            Block::Chart(stem, alt) => {
                let _ = writeln!(out, "![{alt}](charts/{stem}.png)\n");
            }
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(title: &str, blocks: &[Block], dir: &Path) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#f3f3f3}}td:first-child,th:first-child{{text-align:left}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "<h2>{}</h2>", esc(h));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "<p>{}</p>", esc(p));
            }
            Block::Bullets(items) => {
                out.push_str("<ul>");
                for i in items {
                    let _ = write!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(h, rows) => {
                out.push_str("<table><tr>");
                for c in h {
                    let _ = write!(out, "<th>{}</th>", esc(c));
                }
                out.push_str("</tr>");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td>{}</td>", esc(c));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</table>\n");
            }
            Block::Chart(stem, alt) => {
                // Inline SVG: the page needs no other file.
                match std::fs::read_to_string(dir.join("charts").join(format!("{stem}.svg"))) {
                    Ok(svg) => {
                        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                        let _ = writeln!(
                            out,
                            "<figure>{body}<figcaption>{}</figcaption></figure>",
                            esc(alt)
                        );
                    }
                    Err(_) => {
                        let _ = writeln!(out, "<p>(chart {} missing)</p>", esc(stem));
                    }
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// The defaults that are assumptions rather than published figures (src/aws/facts.rs).
pub const ASSUMPTIONS: [&str; 8] = [
    "snapshot throughput (lognormal, median 25 MiB/s, p95 80) and overhead (median 2 min, p95 8 min): no AWS figure (aws-facts.md §8)",
    "best-effort copy throughput (median 30 MiB/s, p95 100) and overhead (median 3 min, p95 10 min): no AWS figure (§8)",
    "instance stop (median 1 min, p95 4 min), terminate (median 30 s), register (median 5 s) and share calls (median 2 s): no measured figure",
    "Linux launch p95 (60 s) and Windows launch p95 (30 min): only typical values are published",
    "changed data per build, when not given: 10 % of the data",
    "prices outside us-east-1 and for instance types other than t3.medium, m5.large, c5.xlarge, m7i.large: not in aws-facts.md (scenario overrides or not costed)",
    "a month is 730 hours; transfer from São Paulo, Middle East, Cape Town and Hong Kong at $0.08/GB (low end of the published range)",
    "all quotas queue (none fails with ResourceLimitExceeded); the 20 concurrent snapshot copies, time-based copies and vCPU quotas are not modelled",
];

fn secs_h(s: Option<f64>) -> String {
    s.map_or("-".to_string(), human)
}

/// Writes `charts/*.png|svg`, `report.md` and `report.html` into `dir` from
/// the files a run wrote there. Returns the files written.
pub fn write_report(scn: &Scenario, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Io {
        path: charts_dir.display().to_string(),
        source,
    })?;
    let mut blocks = Vec::new();
    let manifest = super::manifest::Manifest::read(dir).ok();
    let known = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    blocks.push(Block::Para(format!(
        "{} — seed {}, {} replications of {} from {}; {} Regions, {} pipelines. Scenario {} (SHA-256 {}).",
        if scn.description.is_empty() { "No description" } else { &scn.description },
        known(manifest.as_ref().map(|m| m.seed)),
        known(manifest.as_ref().and_then(|m| m.replications())),
        crate::engine::SimDuration(scn.world.horizon.as_millis()),
        scn.start.format("%Y-%m-%d"),
        scn.world.regions.len(),
        scn.world.pipelines.len(),
        scn.path.display(),
        &scn.hash[..12.min(scn.hash.len())]
    )));
    let summary = Table::read(&dir.join("summary.csv"))?;
    let runs = Table::read(&dir.join("runs.csv"))?;
    let stages = Table::read(&dir.join("stages.csv"))?;
    let quotas = Table::read(&dir.join("quotas.csv"))?;
    let timeline = Table::read(&dir.join("quota_timeline.csv"))?;
    let cost_summary = Table::read(&dir.join("cost_summary.csv"))?;
    let breakdown = Table::read(&dir.join("cost_breakdown.csv"))?;
    let sweep = Table::read(&dir.join("sweep.csv"))?;

    // Verdict.
    let mut verdict = Vec::new();
    let p95s: Vec<(String, f64)> = summary.as_ref().map_or(Vec::new(), |t| {
        t.rows
            .iter()
            .filter(|r| t.get(r, "metric") == "time_to_all_regions")
            .filter_map(|r| Some((t.get(r, "pipeline").to_string(), t.num(r, "p95_s")?)))
            .collect()
    });
    if let Some((worst, p95)) = p95s.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
        let slo = scn.slo.time_to_all_regions_p95.map(|d| d.as_secs_f64());
        let status = match slo {
            Some(s) if *p95 <= s => format!(" — SLO {} met", human(s)),
            Some(s) => format!(" — SLO {} MISSED", human(s)),
            None => String::new(),
        };
        verdict.push(format!(
            "p95 time to all Regions: {} for {worst} (the slowest pipeline){status}",
            human(*p95)
        ));
    }
    let monthly = cost_summary.as_ref().and_then(|t| {
        let r = t
            .rows
            .iter()
            .find(|r| t.get(r, "metric") == "monthly_cost")?;
        Some((t.num(r, "mean_usd")?, t.num(r, "p95_usd")?))
    });
    if let Some((mean, p95)) = monthly {
        let status = match scn.slo.monthly_cost_usd {
            Some(s) if mean <= s => format!(" — SLO ${s:.2} met"),
            Some(s) => format!(" — SLO ${s:.2} MISSED"),
            None => String::new(),
        };
        verdict.push(format!(
            "cost: ${mean:.2} a month on average, ${p95:.2} at p95{status}"
        ));
    }
    // The bottleneck: the step most often critical in the slowest 5 % of runs.
    if let Some(t) = &runs {
        let mut tail: BTreeMap<String, (usize, f64)> = BTreeMap::new();
        let mut ttar: Vec<f64> = t
            .rows
            .iter()
            .filter_map(|r| t.num(r, "time_to_all_regions_s"))
            .collect();
        ttar.sort_by(f64::total_cmp);
        if !ttar.is_empty() {
            let cut = ttar[((0.95 * ttar.len() as f64).ceil() as usize).clamp(1, ttar.len()) - 1];
            let mut n = 0;
            for r in &t.rows {
                if let (Some(v), Some(c)) = (
                    t.num(r, "time_to_all_regions_s"),
                    t.num(r, "critical_stage_s"),
                ) && v >= cut
                {
                    n += 1;
                    let e = tail
                        .entry(t.get(r, "critical_stage").to_string())
                        .or_default();
                    e.0 += 1;
                    e.1 += c / v;
                }
            }
            // By kind of step first (all copies together), then the single most frequent one.
            let mut kinds: BTreeMap<String, (usize, f64)> = BTreeMap::new();
            for (stage, (k, share)) in &tail {
                let kind = stage.split(':').next().unwrap_or(stage).to_string();
                let e = kinds.entry(kind).or_default();
                e.0 += k;
                e.1 += share;
            }
            if let Some((kind, (k, share))) = kinds
                .iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)))
            {
                let top = tail
                    .iter()
                    .filter(|(s, _)| s.split(':').next() == Some(kind.as_str()))
                    .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)))
                    .map(|(s, (c, _))| format!("; most often {s} ({c})"))
                    .unwrap_or_default();
                verdict.push(format!(
                    "bottleneck: {kind} (wait included) is the largest step in {k} of the {n} slowest runs (≥ p95), {:.0} % of their time on average{top}",
                    100.0 * share / *k as f64
                ));
            }
        }
    }
    if let Some(t) = &quotas
        && let Some(r) = t.rows.iter().max_by(|a, b| {
            t.num(a, "mean_utilization")
                .unwrap_or(0.0)
                .total_cmp(&t.num(b, "mean_utilization").unwrap_or(0.0))
        })
    {
        verdict.push(format!(
            "busiest quota: {} ({} in {}{}), {:.1} % utilized, p95 wait {}",
            t.get(r, "quota"),
            t.get(r, "account"),
            t.get(r, "region"),
            match t.get(r, "pipeline") {
                "" => String::new(),
                p => format!(", pipeline {p}"),
            },
            100.0 * t.num(r, "mean_utilization").unwrap_or(0.0),
            secs_h(t.num(r, "p95_wait_s"))
        ));
    }
    blocks.push(Block::Heading("Verdict".into()));
    blocks.push(Block::Bullets(verdict));

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
        let first = scn
            .world
            .pipelines
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_default();
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
        let first = scn
            .world
            .pipelines
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_default();
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

    // Capacity.
    if let Some(t) = &quotas {
        blocks.push(Block::Heading("Quotas".into()));
        let mut rows: Vec<&Vec<String>> = t.rows.iter().collect();
        rows.sort_by(|a, b| {
            t.num(b, "mean_utilization")
                .unwrap_or(0.0)
                .total_cmp(&t.num(a, "mean_utilization").unwrap_or(0.0))
        });
        blocks.push(Block::Table(
            [
                "quota",
                "account",
                "region",
                "pipeline",
                "capacity",
                "utilization",
                "waited",
                "p95 wait",
                "peak in use",
            ]
            .map(String::from)
            .to_vec(),
            rows.iter()
                .take(10)
                .map(|r| {
                    vec![
                        t.get(r, "quota").into(),
                        t.get(r, "account").into(),
                        t.get(r, "region").into(),
                        t.get(r, "pipeline").into(),
                        t.get(r, "capacity").into(),
                        format!(
                            "{:.1} %",
                            100.0 * t.num(r, "mean_utilization").unwrap_or(0.0)
                        ),
                        t.get(r, "waited").into(),
                        secs_h(t.num(r, "p95_wait_s")),
                        t.get(r, "peak_in_use").into(),
                    ]
                })
                .collect(),
        ));
    }
    if let Some(t) = &timeline
        && !t.rows.is_empty()
    {
        let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for r in &t.rows {
            let key = format!(
                "{} {} {}",
                t.get(r, "quota"),
                t.get(r, "region"),
                t.get(r, "pipeline")
            );
            by.entry(key).or_default().push((
                t.num(r, "bucket_start_s").unwrap_or(0.0) / 3600.0,
                t.num(r, "utilization").unwrap_or(0.0),
            ));
        }
        let series: Vec<Series> = by
            .into_iter()
            .take(6)
            .map(|(name, points)| Series { name, points })
            .collect();
        charts::lines(
            &charts_dir.join("quota_utilization"),
            "Utilization of the quotas that queued",
            "hours since the start",
            "mean utilization",
            &series,
            &[],
            None,
        )?;
        blocks.push(Block::Chart(
            "quota_utilization".into(),
            "Utilization over time of the quotas that made requests wait".into(),
        ));
    }

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
            .map(|(c, m)| vec![c.clone(), format!("${:.2}", m.values().sum::<f64>())])
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
    if let Some(t) = Table::read(&dir.join("cost.csv"))? {
        // Monthly cost per replication, and cost by item (stage), from the ledger.
        let mut per_rep: BTreeMap<u64, f64> = BTreeMap::new();
        let mut per_item: BTreeMap<String, f64> = BTreeMap::new();
        for r in &t.rows {
            let usd = t.num(r, "usd").unwrap_or(0.0);
            *per_rep
                .entry(t.get(r, "replication").parse().unwrap_or(0))
                .or_default() += crate::cost::per_month(&scn.world, usd);
            *per_item
                .entry(format!("{} ({})", t.get(r, "item"), t.get(r, "category")))
                .or_default() += usd;
        }
        let reps = per_rep.len().max(1) as f64;
        let mut monthly: Vec<f64> = per_rep.into_values().collect();
        monthly.sort_by(f64::total_cmp);
        let n = monthly.len() as f64;
        let points: Vec<(f64, f64)> = monthly
            .iter()
            .enumerate()
            .map(|(k, x)| (*x, (k + 1) as f64 / n))
            .collect();
        charts::lines(
            &charts_dir.join("monthly_cost"),
            "Monthly cost over replications (CDF)",
            "US dollars per month",
            "fraction of replications",
            &[Series {
                name: "monthly cost".into(),
                points,
            }],
            &[],
            None,
        )?;
        blocks.push(Block::Chart(
            "monthly_cost".into(),
            "Distribution of the monthly cost over replications".into(),
        ));
        let items: Vec<String> = per_item.keys().cloned().collect();
        let values: Vec<(f64, f64)> = per_item
            .values()
            .map(|v| (0.0, crate::cost::per_month(&scn.world, *v) / reps))
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
                        format!("${}", t.get(r, "mean_usd")),
                        format!("${}", t.get(r, "p50_usd")),
                        format!("${}", t.get(r, "p95_usd")),
                        format!("${}", t.get(r, "max_usd")),
                    ]
                })
                .collect(),
        ));
    }

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
        let mut points: BTreeMap<String, (Vec<String>, f64, f64)> = BTreeMap::new();
        for r in &t.rows {
            let e = points.entry(t.get(r, "point").to_string()).or_insert((
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
                            format!("${c:.2}"),
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
                "Cheapest point meeting every SLO: {} — p95 {} at ${c:.2} a month.",
                keys.iter()
                    .zip(v)
                    .map(|(k, x)| format!("{k} = {x}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                human(*p)
            ),
            None => "No point meets every SLO.".into(),
        }));
        if let Some(k) = keys.first() {
            let pts: Vec<(f64, f64)> = points
                .values()
                .filter_map(|(v, p, _)| Some((v[0].parse::<f64>().ok()?, p / 60.0)))
                .collect();
            if !pts.is_empty() {
                charts::lines(
                    &charts_dir.join("sweep"),
                    &format!("Worst p95 time to all Regions against {k}"),
                    k,
                    "p95, minutes",
                    &[Series {
                        name: "p95".into(),
                        points: pts,
                    }],
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

    blocks.push(Block::Heading("Assumptions".into()));
    let mut assumptions: Vec<String> = ASSUMPTIONS.iter().map(|s| s.to_string()).collect();
    assumptions.extend(scn.warnings.iter().map(|w| w.reason.clone()));
    blocks.push(Block::Bullets(assumptions));

    let title = format!("amisim report: {}", scn.name);
    let md_text = format!("# {title}\n{}", md(&blocks));
    let html_text = html(&title, &blocks, dir);
    atomic_write(&dir.join("report.md"), md_text.as_bytes())?;
    atomic_write(&dir.join("report.html"), html_text.as_bytes())?;
    Ok(vec![
        dir.join("report.md"),
        dir.join("report.html"),
        charts_dir,
    ])
}
