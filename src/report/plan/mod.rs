//! The capacity-planning report: `report.md` and a self-contained
//! `report.html`, with charts, written from the files of an output directory
//! (so `amisim report DIR` and `amisim run --report` are the same code).
//! One file per section; `doc` holds the blocks and their renderings.

mod capacity;
pub(crate) mod compare;
mod compare_p95;
mod cost;
mod doc;
mod failures;
mod recommend;
mod replay;
mod search;
mod slo;
mod sweep;
mod timing;
mod verdict;

use std::path::{Path, PathBuf};

use self::doc::{Block, html, md};
use super::ReportError;
use super::charts;
pub(crate) use super::manifest::Manifest;
use super::manifest::ManifestKind;
use super::write::atomic_write;
use crate::aws::quotas::Quota;
use crate::experiment::Aggregate;
use crate::experiment::levelled::Levelled;
use crate::experiment::outputs;
use crate::experiment::scope::OtherReading;
use crate::experiment::search::QuotaSearch;
use crate::experiment::sensitivity::Sensitivity;
use crate::experiment::time_based::TimeBased;
use crate::scenario::Scenario;
use crate::scenario::sweep::Sweep;

/// What a report is made from: typed results, never the files, and the
/// parts that take experiments, computed beforehand ([`Inputs::precompute`]).
pub(crate) struct Inputs<'a> {
    /// The scenario.
    pub scn: &'a Scenario,
    /// The run's manifest (its seed, its precision target).
    pub manifest: &'a Manifest,
    /// One aggregate, or one per sweep point.
    pub aggs: &'a [Aggregate],
    /// The sweep, for a sweep's results.
    pub sweep: Option<&'a Sweep>,
    /// The smallest value of the binding quota that meets the time SLO
    /// (`experiment::search::for_run`), when there is one to search.
    pub search: Option<(Quota, QuotaSearch)>,
    /// The slowest pipeline's execution nearest its p95, replayed (a single run only).
    pub replayed: Option<replay::Replayed>,
    /// The run under the other reading of Image Builder's copy quota, when
    /// the scenario left it to amisim and the readings can differ.
    pub other_scope: Option<crate::experiment::scope::OtherReading>,
    /// Each assumption the answer relies on, run twice as slow.
    pub sensitivity: Vec<crate::experiment::sensitivity::Sensitivity>,
    /// The run with time-based copies, where a pipeline could ask for them.
    pub time_based: Option<crate::experiment::time_based::TimeBased>,
    /// The run with a lifecycle, where snapshot storage is still growing.
    pub levelled: Option<crate::experiment::levelled::Levelled>,
}

impl<'a> Inputs<'a> {
    /// The aggregate of a single-scenario run.
    fn run(&self) -> Option<&'a Aggregate> {
        match (self.sweep, self.aggs) {
            (None, [agg]) => Some(agg),
            _ => None,
        }
    }
}

impl<'a> Inputs<'a> {
    /// The inputs of a report on `aggs`, with the quota search and the
    /// replayed execution nearest the p95 computed: the experiments a report needs.
    pub(crate) fn precompute(
        scn: &'a Scenario,
        manifest: &'a Manifest,
        aggs: &'a [Aggregate],
        sweep: Option<&'a Sweep>,
    ) -> Result<Self, ReportError> {
        let mut inp = Inputs {
            scn,
            manifest,
            aggs,
            sweep,
            search: None,
            replayed: None,
            other_scope: None,
            sensitivity: Vec::new(),
            time_based: None,
            levelled: None,
        };
        if let Some(agg) = inp.run() {
            let seed = manifest.seed;
            let growing = matches!(
                crate::report::cost_months::trend(scn, agg).storage,
                crate::report::cost_months::Storage::Growing(_)
            );
            // Every experiment is independent of the others: side by side.
            let ((search, replayed), rest) = crate::experiment::in_pool(|| {
                rayon::join(
                    || {
                        rayon::join(
                            || crate::experiment::search::for_run(scn, agg, seed),
                            || replay::p95_execution(scn, agg, seed),
                        )
                    },
                    || variants(scn, agg, seed, growing),
                )
            })
            .map_err(ReportError::Experiments)?;
            inp.search = search.map_err(ReportError::Experiments)?;
            inp.replayed = replayed;
            let ((other, timed), (sens, level)) = rest;
            inp.other_scope = other.map_err(ReportError::Experiments)?;
            inp.time_based = timed.map_err(ReportError::Experiments)?;
            inp.sensitivity = sens.map_err(ReportError::Experiments)?;
            inp.levelled = level.map_err(ReportError::Experiments)?;
        }
        Ok(inp)
    }
}

/// What [`variants`] gives: each experiment's result.
type Variants = (
    (Tried<Option<OtherReading>>, Tried<Option<TimeBased>>),
    (Tried<Vec<Sensitivity>>, Tried<Option<Levelled>>),
);

/// An experiment's result.
type Tried<T> = Result<T, crate::experiment::ExperimentError>;

/// The report's variant runs of a single-scenario run, side by side: the
/// copy quota's other reading, time-based copies, the sensitivity runs and,
/// while storage grows, the levelled bill.
fn variants(scn: &Scenario, agg: &Aggregate, seed: u64, growing: bool) -> Variants {
    use crate::experiment::{levelled, scope, sensitivity, time_based};
    let load = crate::scenario::LoadOptions::default();
    rayon::join(
        || {
            rayon::join(
                || scope::for_run(scn, agg, seed),
                || time_based::for_run(scn, agg, seed),
            )
        },
        || {
            rayon::join(
                || sensitivity::for_run(scn, agg, seed, &load),
                || match growing {
                    true => levelled::for_run(scn, agg, seed),
                    false => Ok(None),
                },
            )
        },
    )
}

/// A report being rendered.
struct Draft<'a> {
    inp: &'a Inputs<'a>,
    charts_dir: PathBuf,
    /// Makes the chart files, whose PNGs go to the encoder thread.
    charts: charts::Encoder,
    blocks: Vec<Block>,
}

/// Reads the aggregates a run wrote into `dir` (aggregate.json), checked
/// against the scenario's number of sweep points.
pub(crate) fn read_aggregates(
    dir: &Path,
    sweep: Option<&Sweep>,
) -> Result<Vec<Aggregate>, ReportError> {
    let path = dir.join(outputs::SHARD_AGGREGATE.name);
    let bytes = std::fs::read(&path).map_err(|e| ReportError::Input {
        path: path.display().to_string(),
        reason: format!("{e}; rerun the scenario with this amisim to write it"),
    })?;
    let aggs: Vec<Aggregate> = serde_json::from_slice(&bytes).map_err(|e| ReportError::Input {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let expected = sweep.map_or(1, |s| s.points.len());
    if aggs.len() != expected {
        return Err(ReportError::Input {
            path: path.display().to_string(),
            reason: format!(
                "it holds {} aggregates where the scenario has {expected} point(s)",
                aggs.len()
            ),
        });
    }
    Ok(aggs)
}

/// The report of `inp`: the text of `report.md` and of `report.html`
/// (whose links point into `dir`), its charts drawn into `dir/charts`.
/// Runs no experiment and reads no file.
pub(crate) fn render(inp: &Inputs<'_>, dir: &Path) -> Result<(String, String), ReportError> {
    let charts_dir = dir.join("charts");
    // `dir`, a staging directory, exists: only `charts` is made, so that a
    // signal's clean-up that has just removed `dir` is not undone.
    match std::fs::create_dir(&charts_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(ReportError::Io {
                path: charts_dir.display().to_string(),
                source: e,
            });
        }
        _ => {}
    }
    // PNGs are encoded and written on a thread of their own while the
    // next chart is drawn; it has written them all when this returns.
    let (encoder, jobs) = charts::Encoder::new();
    let (drafted, encoded) = std::thread::scope(|s| {
        let encoding = s.spawn(|| charts::encode_all(jobs));
        let d = Draft {
            inp,
            charts_dir,
            charts: encoder,
            blocks: Vec::new(),
        };
        let drafted = draft(d);
        let encoded = encoding.join();
        (drafted, encoded)
    });
    let blocks = drafted?;
    encoded.unwrap_or_else(|p| std::panic::resume_unwind(p))?;
    let title = format!("amisim report: {}", inp.scn.name);
    Ok((
        format!("# {title}\n{}", md(&blocks)),
        html(&title, &blocks, dir),
    ))
}

/// The report's sections in order, their charts drawn (the draft and its
/// encoder are dropped at the end, so the encoder thread finishes).
fn draft(mut d: Draft<'_>) -> Result<Vec<Block>, ReportError> {
    let inp = d.inp;
    header(&mut d);
    verdict::verdict(&mut d)?;
    timing::timing(&mut d)?;
    failures::failures(&mut d);
    capacity::capacity(&mut d)?;
    search::search(&mut d);
    cost::cost(&mut d)?;
    sweep::sweep(&mut d)?;
    let Draft { mut blocks, .. } = d;
    blocks.push(Block::Heading("Assumptions".into()));
    // Only the defaults this scenario uses (scenario::resolve::used).
    let mut assumptions = inp.scn.assumptions.clone();
    assumptions.extend(inp.scn.warnings.iter().map(|w| w.reason.clone()));
    blocks.push(Block::Bullets(assumptions));
    if let Some(t) = verdict::sensitivity_table(inp) {
        blocks.push(t);
    }
    Ok(blocks)
}

/// Renders the report of `inp` into `dir`: `charts/`, `report.md` and
/// `report.html`. Returns the files written.
pub(crate) fn write_report(inp: &Inputs<'_>, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let (md_text, html_text) = render(inp, dir)?;
    atomic_write(&dir.join(outputs::REPORT_MD.name), md_text.as_bytes())?;
    atomic_write(&dir.join(outputs::REPORT_HTML.name), html_text.as_bytes())?;
    Ok(vec![
        dir.join(outputs::REPORT_MD.name),
        dir.join(outputs::REPORT_HTML.name),
        dir.join("charts"),
    ])
}

/// What ran, from what, and any unmet precision target.
fn header(d: &mut Draft<'_>) {
    let (scn, manifest) = (d.inp.scn, d.inp.manifest);
    let ran = match &manifest.kind {
        ManifestKind::Run { replications, .. } => format!("{replications} replications"),
        ManifestKind::Sweep {
            points,
            replications_per_point,
            ..
        } => format!(
            "{points} sweep points of {} replications",
            replications_per_point.iter().max().copied().unwrap_or(0)
        ),
    };
    d.blocks.push(Block::Para(format!(
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
        d.blocks.push(Block::Para(format!("**Warning:** {why}.")));
    }
}

/// Each pipeline's index, name and aggregate, in scenario order.
fn named<'a>(
    scn: &'a Scenario,
    agg: &'a Aggregate,
) -> impl Iterator<
    Item = (
        usize,
        &'a str,
        &'a crate::experiment::aggregate::PipelineAgg,
    ),
> + 'a {
    scn.world
        .pipelines
        .iter()
        .zip(&agg.pipelines)
        .enumerate()
        .map(|(i, (p, pa))| (i, p.name.as_str(), pa))
}

impl Draft<'_> {
    /// The chart files `charts/STEM.png|svg`.
    fn chart_file(&self, stem: &str) -> charts::ChartFile {
        self.charts.file(self.charts_dir.join(stem))
    }

    /// Draws `chart` into `charts/STEM.png|svg` and puts it in the report,
    /// described by `alt`.
    fn line_chart(
        &mut self,
        stem: &str,
        chart: &charts::LineChart<'_>,
        alt: impl Into<String>,
    ) -> Result<(), ReportError> {
        chart.draw(&self.chart_file(stem))?;
        self.blocks.push(Block::Chart(stem.into(), alt.into()));
        Ok(())
    }
}

/// The pipeline with the largest p95 of `metric` (among those with values),
/// by the typed results: its index, name and aggregate.
fn slowest<'a>(
    scn: &'a Scenario,
    agg: &'a Aggregate,
    metric: fn(&crate::experiment::aggregate::PipelineAgg) -> &crate::experiment::stats::Metric,
) -> Option<(
    usize,
    &'a str,
    &'a crate::experiment::aggregate::PipelineAgg,
)> {
    let (i, pa) = crate::experiment::fleet::slowest(agg, metric)?;
    Some((i, scn.world.pipelines.get(i)?.name.as_str(), pa))
}

/// What the headline duration is called: a build's time to all Regions,
/// or, when every entry is a migration, the instance's downtime (stopped
/// until the moved instance is launched).
#[derive(Debug, Clone, Copy)]
pub(super) struct Headline {
    /// "time to all Regions" or "downtime".
    pub what: &'static str,
    /// "pipeline" or "migration".
    pub unit: &'static str,
    /// The section on it.
    pub heading: &'static str,
    /// Its chart's title and x axis.
    pub chart: &'static str,
    pub x_label: &'static str,
}

impl Headline {
    pub(super) fn of(scn: &Scenario) -> Headline {
        match scn.world.pipelines.iter().all(|p| !p.kind.is_build()) {
            true => Headline {
                what: "downtime",
                unit: "migration",
                heading: "Downtime: from the instance's stop until the moved instance is launched",
                chart: "Downtime (CDF)",
                x_label: "minutes from the stop to the moved instance's launch",
            },
            false => Headline {
                what: "time to all Regions",
                unit: "pipeline",
                heading: "Time until the image is usable in every Region",
                chart: "Time to all Regions (CDF)",
                x_label: "minutes from trigger to usable everywhere",
            },
        }
    }
}
