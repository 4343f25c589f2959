//! The capacity-planning report: `report.md` and a self-contained
//! `report.html`, with charts, written from the files of an output directory
//! (so `amisim report DIR` and `amisim run --report` are the same code).
//! One file per section; `doc` holds the blocks and their renderings.

mod capacity;
mod cost;
mod doc;
mod failures;
mod sweep;
mod timing;
mod verdict;

use std::path::{Path, PathBuf};

use self::doc::{Block, Table, html, md};
use super::ReportError;
use super::write::atomic_write;
use crate::experiment::outputs;
use crate::scenario::Scenario;

/// The output files a report is made from (`None` where a run did not write one).
struct Tables {
    summary: Option<Table>,
    runs: Option<Table>,
    stages: Option<Table>,
    quotas: Option<Table>,
    timeline: Option<Table>,
    cost_summary: Option<Table>,
    breakdown: Option<Table>,
    sweep: Option<Table>,
}

/// A report being written.
struct Doc<'a> {
    scn: &'a Scenario,
    dir: &'a Path,
    charts_dir: PathBuf,
    blocks: Vec<Block>,
    tables: Tables,
    /// The typed results (aggregate.json), one per sweep point; `None` for
    /// a directory an older amisim wrote.
    aggs: Option<Vec<crate::experiment::Aggregate>>,
}

/// The defaults that are assumptions rather than published figures (src/aws/facts.rs).
pub const ASSUMPTIONS: [&str; 8] = [
    "snapshot throughput (lognormal, median 25 MiB/s, p95 80) and overhead (median 2 min, p95 8 min): no AWS figure (docs/sources.md#snapshot-time)",
    "best-effort copy throughput (median 30 MiB/s, p95 100) and overhead (median 3 min, p95 10 min): no AWS figure (docs/sources.md#copy-time)",
    "instance stop (median 1 min, p95 4 min), terminate (median 30 s), register (median 5 s) and share calls (median 2 s): no measured figure",
    "Linux launch p95 (60 s) and Windows launch p95 (15 min, 5 min with Fast Launch): only typical values are published (docs/sources.md#launch-windows)",
    "changed data per build, when not given: 10 % of the data",
    "prices outside us-east-1 and for instance types other than t3.medium, m5.large, c5.xlarge, m7i.large: no checked figure (docs/sources.md#price-instances; scenario overrides or not costed)",
    "a month is 730 hours; transfer from São Paulo, Middle East, Cape Town and Hong Kong at $0.08/GB (low end of the published range)",
    "Image Builder queues at a full quota (AWS does not say; Packer and scripts get ResourceLimitExceeded, docs/sources.md#quota-full); the 20 concurrent snapshot copies, time-based copies and vCPU quotas are not modelled",
];

/// Writes `charts/*.png|svg`, `report.md` and `report.html` into `dir` from
/// the files a run wrote there. Returns the files written.
pub fn write_report(scn: &Scenario, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Io {
        path: charts_dir.display().to_string(),
        source,
    })?;
    let mut blocks = Vec::new();
    let manifest = super::manifest::Manifest::read(dir)?;
    let ran = match &manifest.kind {
        super::manifest::ManifestKind::Run { replications, .. } => {
            format!("{replications} replications")
        }
        super::manifest::ManifestKind::Sweep {
            points,
            replications_per_point,
            ..
        } => format!(
            "{points} sweep points of {} replications",
            replications_per_point.iter().max().copied().unwrap_or(0)
        ),
    };
    blocks.push(Block::Para(format!(
        "{} — seed {}, {ran} of {} from {}; {} Regions, {} pipelines. Scenario {} (SHA-256 {}).",
        if scn.description.is_empty() {
            "No description"
        } else {
            &scn.description
        },
        manifest.seed,
        crate::engine::SimDuration(scn.world.horizon.as_millis()),
        scn.start.format("%Y-%m-%d"),
        scn.world.regions.len(),
        scn.world.pipelines.len(),
        scn.path.display(),
        &scn.hash[..12.min(scn.hash.len())]
    )));
    if let (Some(p), Some(reps)) = (&manifest.precision, manifest.replications())
        && let Some(why) = p.unmet(reps)
    {
        blocks.push(Block::Para(format!("**Warning:** {why}.")));
    }
    let read = |f: outputs::OutputFile| Table::read(&dir.join(f.name));
    let tables = Tables {
        summary: read(outputs::SUMMARY)?,
        runs: read(outputs::RUNS)?,
        stages: read(outputs::STAGES)?,
        quotas: read(outputs::QUOTAS)?,
        timeline: read(outputs::QUOTA_TIMELINE)?,
        cost_summary: read(outputs::COST_SUMMARY)?,
        breakdown: read(outputs::COST_BREAKDOWN)?,
        sweep: read(outputs::SWEEP)?,
    };
    if manifest.replications().is_some() {
        let mut missing = Vec::new();
        if tables.runs.is_none() {
            missing
                .push("the bottleneck in the verdict, the failure causes and the time-to-all-Regions chart (runs.csv)");
        }
        if tables.stages.is_none() {
            missing.push("the execution chart (stages.csv)");
        }
        if !dir.join(outputs::COST.name).is_file() {
            missing.push("the monthly-cost distribution and the cost-by-item chart (cost.csv)");
        }
        if !missing.is_empty() {
            blocks.push(Block::Para(format!(
                "Not shown: {}. They are made from row files this run did not write (`--rows`); rerun with `--rows all` to have them.",
                missing.join("; ")
            )));
        }
    }
    let aggs = match std::fs::read(dir.join(outputs::SHARD_AGGREGATE.name)) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes)?),
        Err(_) => None,
    };
    let mut d = Doc {
        scn,
        dir,
        charts_dir,
        blocks,
        tables,
        aggs,
    };
    verdict::verdict(&mut d)?;
    timing::timing(&mut d)?;
    failures::failures(&mut d)?;
    capacity::capacity(&mut d)?;
    cost::cost(&mut d)?;
    sweep::sweep(&mut d)?;
    let Doc {
        mut blocks,
        charts_dir,
        ..
    } = d;
    blocks.push(Block::Heading("Assumptions".into()));
    let mut assumptions: Vec<String> = ASSUMPTIONS.iter().map(|s| s.to_string()).collect();
    assumptions.extend(scn.warnings.iter().map(|w| w.reason.clone()));
    blocks.push(Block::Bullets(assumptions));

    let title = format!("amisim report: {}", scn.name);
    let md_text = format!("# {title}\n{}", md(&blocks));
    let html_text = html(&title, &blocks, dir);
    atomic_write(&dir.join(outputs::REPORT_MD.name), md_text.as_bytes())?;
    atomic_write(&dir.join(outputs::REPORT_HTML.name), html_text.as_bytes())?;
    Ok(vec![
        dir.join(outputs::REPORT_MD.name),
        dir.join(outputs::REPORT_HTML.name),
        charts_dir,
    ])
}

/// The pipeline with the largest p95 of `metric` (among those with values),
/// by the typed results: its name and aggregate.
fn slowest<'a>(
    scn: &'a Scenario,
    agg: &'a crate::experiment::Aggregate,
    metric: fn(&crate::experiment::aggregate::PipelineAgg) -> &crate::experiment::stats::Metric,
) -> Option<(&'a str, &'a crate::experiment::aggregate::PipelineAgg)> {
    scn.world
        .pipelines
        .iter()
        .zip(&agg.pipelines)
        .filter_map(|(p, pa)| Some((p.name.as_str(), pa, metric(pa).quantile(0.95)?)))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(n, pa, _)| (n, pa))
}
