//! `amisim compare`: the runs of several scenarios side by side (time to
//! all Regions per pipeline, the exposure window where there is one, the
//! monthly cost, the binding quota) and each run's differences from the
//! first, with confidence intervals: paired, over the same replications,
//! when the runs share their seed and replications (common random numbers).

use std::path::{Path, PathBuf};

use super::compare_p95::{Column, read_runs, replay_runs, table};
use super::doc::{Block, html, md};
use crate::experiment::Aggregate;
use crate::experiment::stats::Metric;
use crate::report::ReportError;
use crate::report::manifest::Manifest;
use crate::report::text::{dollars, human, signed_interval};
use crate::report::write::atomic_write;
use crate::scenario::Scenario;

/// One run compared.
pub(crate) struct Compared {
    /// Its output directory.
    pub dir: PathBuf,
    /// Its scenario.
    pub scenario: Scenario,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its typed results.
    pub agg: Aggregate,
}

impl Compared {
    /// `name (dir)`, the column heading.
    fn label(&self) -> String {
        format!("{} ({})", self.scenario.name, self.dir.display())
    }

    /// The metric `f` of the pipeline named `name`, if the run has it.
    fn metric<'a>(
        &'a self,
        name: &str,
        f: fn(&crate::experiment::aggregate::PipelineAgg) -> &Metric,
    ) -> Option<&'a Metric> {
        let i = self
            .scenario
            .world
            .pipelines
            .iter()
            .position(|p| p.name == name)?;
        Some(f(&self.agg.pipelines[i]))
    }
}

/// Whether two runs draw the same random numbers replication by replication.
fn paired(a: &Compared, b: &Compared) -> bool {
    a.manifest.seed == b.manifest.seed
        && a.agg.first_replication == b.agg.first_replication
        && a.agg.replications == b.agg.replications
}

/// `b − a` of the means with its 95 % CI (paired when the runs are), in the
/// metric's unit.
fn difference(a: &Metric, b: &Metric, paired: bool) -> Option<(f64, f64)> {
    if paired {
        return a.paired_difference_ci95(b);
    }
    let ((ma, ha), (mb, hb)) = (a.ci95()?, b.ci95()?);
    Some((mb - ma, (ha * ha + hb * hb).sqrt()))
}

/// `d ± h` as [`signed_interval`] writes it.
fn signed(d: f64, h: f64, show: fn(f64) -> String) -> String {
    signed_interval(d, (d - h, d + h), show)
}

fn secs(ms: f64) -> String {
    human(ms / 1000.0)
}

fn usd(micro: f64) -> String {
    dollars(micro / 1e6)
}

/// Writes `compare.md` and `compare.html` into `out`; returns their paths.
pub(crate) fn write_compare(runs: &[Compared], out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::Io {
        path: out.display().to_string(),
        source,
    })?;
    let blocks = blocks(runs);
    let title = "amisim comparison";
    let files = [
        (
            out.join("compare.md"),
            format!("# {title}\n{}", md(&blocks)),
        ),
        (out.join("compare.html"), html(title, &blocks, out)),
    ];
    for (path, text) in &files {
        atomic_write(path, text.as_bytes())?;
    }
    Ok(files.into_iter().map(|f| f.0).collect())
}

/// The comparison's blocks.
fn blocks(runs: &[Compared]) -> Vec<Block> {
    let mut b = vec![Block::Heading("Runs".into())];
    b.push(Block::Table(
        ["run", "scenario file", "SHA-256", "seed", "replications"]
            .map(String::from)
            .to_vec(),
        runs.iter()
            .map(|r| {
                vec![
                    r.label(),
                    r.manifest.scenario_file.clone(),
                    r.manifest.scenario_sha256[..12.min(r.manifest.scenario_sha256.len())]
                        .to_string(),
                    r.manifest.seed.to_string(),
                    r.agg.replications.to_string(),
                ]
            })
            .collect(),
    ));
    b.push(Block::Para(crn_note(runs)));
    let base = &runs[0];
    let names: Vec<&str> = base
        .scenario
        .world
        .pipelines
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for (title, f) in [
        (
            "Time to all Regions",
            (|p| &p.time_to_all_regions)
                as fn(&crate::experiment::aggregate::PipelineAgg) -> &Metric,
        ),
        ("Exposure window", |p| &p.exposure_window),
    ] {
        b.extend(metric_tables(runs, &names, title, f));
        if title == "Time to all Regions" {
            b.extend(p95_differences(runs, &names));
        }
    }
    b.extend(cost(runs));
    b.extend(quotas(runs));
    b
}

/// The p95s' differences from the first run, from the runs' runs.csv
/// where each holds every replication.
fn p95_differences(runs: &[Compared], names: &[&str]) -> Vec<Block> {
    let rows = |r: &Compared| {
        let whole = r
            .manifest
            .row_replications
            .is_none_or(|n| n >= r.agg.replications);
        whole
            .then(|| read_runs(&r.dir))
            .flatten()
            .or_else(|| replay_runs(&r.scenario, &r.agg, r.manifest.seed))
    };
    let base = &runs[0];
    let columns: Vec<Column> = runs[1..]
        .iter()
        .map(|r| Column {
            label: r.label(),
            paired: paired(base, r),
            runs: rows(r),
        })
        .collect();
    table(rows(base).as_ref(), &columns, names, base.manifest.seed)
}

/// Where the differences are paired, and where they cannot be.
fn crn_note(runs: &[Compared]) -> String {
    let base = &runs[0];
    let unpaired: Vec<String> = runs[1..]
        .iter()
        .filter(|r| !paired(base, r))
        .map(Compared::label)
        .collect();
    let common = "Differences are each run's minus the first's; * marks a 95 % CI that excludes 0.";
    if unpaired.is_empty() {
        format!(
            "{common} Every run has seed {} and replications {}–{}: common random numbers. Replication i of each draws from the same streams (each pipeline's, by its position, and each quota's), so a pipeline at the same position with the same steps sees the same latencies and failures, and the CIs of the differences are paired over the same replications (batch means of the differences). That holds stage by stage only while the models take the same steps: a pipeline moved, added in front, or given another number of steps draws other numbers from then on.",
            base.manifest.seed,
            base.agg.first_replication,
            base.agg.first_replication + base.agg.replications.max(1) - 1
        )
    } else {
        format!(
            "{common} {} not share the first run's seed and replications: those runs are independent samples, and their CIs of the differences combine the two runs' CIs (wider than paired ones). Run them with the same --seed and -n for common random numbers.",
            match unpaired.len() {
                1 => format!("{} does", unpaired[0]),
                _ => format!("{} do", unpaired.join(", ")),
            }
        )
    }
}

/// The p95 of each run, and the differences from the first, per pipeline.
fn metric_tables(
    runs: &[Compared],
    names: &[&str],
    title: &str,
    f: fn(&crate::experiment::aggregate::PipelineAgg) -> &Metric,
) -> Vec<Block> {
    let shown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| {
            runs.iter()
                .any(|r| r.metric(n, f).is_some_and(|m| m.count > 0))
        })
        .collect();
    if shown.is_empty() {
        return Vec::new();
    }
    let mut header = vec!["pipeline".to_string()];
    header.extend(runs.iter().map(|r| format!("p95, {}", r.label())));
    let p95s = shown
        .iter()
        .map(|n| {
            let mut row = vec![n.to_string()];
            row.extend(runs.iter().map(|r| match r.metric(n, f) {
                Some(m) if m.count > 0 => {
                    let ci = m.quantile_ci95(0.95).map_or(String::new(), |(l, h)| {
                        format!(" ({} – {})", secs(l), secs(h))
                    });
                    format!("{}{ci}", secs(m.quantile(0.95).unwrap_or(0.0)))
                }
                _ => "-".into(),
            }));
            row
        })
        .collect();
    let mut out = vec![Block::Heading(title.into()), Block::Table(header, p95s)];
    if runs.len() > 1 {
        let base = &runs[0];
        let mut header = vec!["pipeline".to_string()];
        header.extend(
            runs[1..]
                .iter()
                .map(|r| format!("mean − first's, {}", r.label())),
        );
        let rows = shown
            .iter()
            .map(|n| {
                let mut row = vec![n.to_string()];
                row.extend(runs[1..].iter().map(|r| {
                    match (base.metric(n, f), r.metric(n, f)) {
                        (Some(a), Some(b)) => difference(a, b, paired(base, r))
                            .map_or("-".into(), |(d, h)| signed(d, h, secs)),
                        _ => "-".into(),
                    }
                }));
                row
            })
            .collect();
        out.push(Block::Table(header, rows));
    }
    out
}

/// The monthly cost of each run, and its difference from the first's.
fn cost(runs: &[Compared]) -> Vec<Block> {
    let base = &runs[0];
    let rows = runs
        .iter()
        .map(|r| {
            let m = &r.agg.monthly_cost;
            let diff = match std::ptr::eq(r, base) {
                true => "-".into(),
                false => difference(&base.agg.monthly_cost, m, paired(base, r))
                    .map_or("-".into(), |(d, h)| signed(d, h, usd)),
            };
            vec![
                r.label(),
                m.mean().map_or("-".into(), usd),
                m.quantile(0.95).map_or("-".into(), usd),
                diff,
            ]
        })
        .collect();
    vec![
        Block::Heading("Monthly cost".into()),
        Block::Table(
            ["run", "mean", "p95", "mean − first's"]
                .map(String::from)
                .to_vec(),
            rows,
        ),
    ]
}

/// Each run's binding quota: the one longest at capacity.
fn quotas(runs: &[Compared]) -> Vec<Block> {
    let rows = runs
        .iter()
        .map(|r| match super::verdict::binding(&r.agg) {
            Some((k, q)) if q.full.0 > 0 || q.waited > 0 => {
                let [quota, ..] = crate::report::capacity::names(&r.scenario, k);
                let place = crate::report::capacity::place(&r.scenario, k);
                vec![
                    r.label(),
                    format!("{quota} = {} ({place})", q.capacity),
                    format!("{:.1} %", 100.0 * q.at_capacity()),
                    format!("{} of {}", q.waited, q.requests),
                    secs(q.wait.quantile(0.95).unwrap_or(0.0)),
                ]
            }
            _ => vec![
                r.label(),
                "none: no quota was full and no request queued".into(),
                "-".into(),
                "-".into(),
                "-".into(),
            ],
        })
        .collect();
    vec![
        Block::Heading("Binding quota".into()),
        Block::Table(
            ["run", "quota", "at capacity", "requests queued", "p95 wait"]
                .map(String::from)
                .to_vec(),
            rows,
        ),
    ]
}
