//! `amisim backtest`: does the model, fitted on a team's past, predict what
//! happened next?
//!
//! The history (Image Builder's images, workflows and steps, and the AMIs'
//! state changes) is reconstructed into whole executions; the executions
//! before the cutoff calibrate the scenario's stages (`amisim fit`'s
//! machinery) and failure probabilities; the calibrated scenario is run
//! over the period after the cutoff; each logged stage, each Region's copy,
//! the wait before the build, the time to all Regions and the failure
//! share are compared with what happened, per pipeline and pooled.

pub(crate) mod calibrate;
pub mod compare;
pub(crate) mod history;
pub(crate) mod metric;
pub(crate) mod reconstruct;
pub(crate) mod report;
pub(crate) mod stats;

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::experiment::{self, Output};
use crate::fit::obs::located;
use crate::scenario::{LoadOptions, Scenario, ScenarioErrors};
use metric::Execution;
use reconstruct::{PipelineRef, Reconstructed};

/// Where the history is split.
#[derive(Debug, Clone, Copy)]
pub enum Cutoff {
    /// At this time, seconds since the epoch.
    At(f64),
    /// Hold out this fraction of the executions, the latest.
    HoldOut(f64),
}

/// What to backtest.
#[derive(Debug, Clone)]
pub struct Request {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The history: files, or directories of them.
    pub history: Vec<PathBuf>,
    /// The split.
    pub cutoff: Cutoff,
    /// Replications of the prediction.
    pub replications: u64,
    /// Master seed (the scenario's when `None`).
    pub seed: Option<u64>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// How stages are fitted.
    pub fit: crate::fit::stage::Options,
    /// How the scenario is loaded.
    pub load: LoadOptions,
}

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The scenario is refused.
    #[error("{0}")]
    Scenario(ScenarioErrors),
    /// The history or the split is.
    #[error("{0}")]
    Input(Diagnostic),
    /// The calibrated scenario is refused: amisim's own failure.
    #[error("the calibration backtest fitted is refused (amisim's failure, please report it): {0}")]
    Calibration(ScenarioErrors),
    /// The calibration cannot be written: amisim's own failure.
    #[error(
        "the calibration backtest fitted cannot be written (amisim's failure, please report it): {0}"
    )]
    Unwritable(String),
    /// The simulation failed.
    #[error("{0}")]
    Run(#[from] experiment::ExperimentError),
}

/// What a backtest found.
#[derive(Debug)]
pub struct Backtested {
    /// The scenario's name.
    pub scenario: String,
    /// Its pipelines' names.
    pub pipelines: Vec<String>,
    /// The cutoff, seconds since the epoch.
    pub cutoff: f64,
    /// The first and last execution's creation.
    pub span: (f64, f64),
    /// Executions before and after the cutoff.
    pub split: (usize, usize),
    /// What the history held that could not be used.
    pub reconstructed: Reconstructed,
    /// The calibration fitted before the cutoff.
    pub calibration: calibrate::Calibration,
    /// Replications and seed of the prediction.
    pub plan: (u64, u64),
    /// Every comparison.
    pub rows: Vec<compare::Row>,
    /// The answer.
    pub verdict: compare::Verdict,
    /// What differs, in words, when inconsistent.
    pub findings: Vec<String>,
    /// The cause: drift or model structure, and the metrics it names.
    pub cause: Option<(compare::Cause, Vec<String>)>,
    /// Scenario pipelines the history has no execution of.
    pub unseen: Vec<String>,
}

/// Simulated executions of consecutive replications.
#[derive(Default)]
struct Sims(Vec<Execution>);

impl Output for Sims {
    fn held(&self) -> usize {
        self.0.len() * std::mem::size_of::<Execution>()
    }
    fn clear(&mut self) {
        self.0.clear();
    }
}

/// The split of `execs` (sorted by creation) and the cutoff time.
fn split(execs: &[Execution], cutoff: Cutoff, at: &Path) -> Result<(usize, f64), Diagnostic> {
    let (first, last) = (execs[0].created, execs[execs.len() - 1].created);
    let (k, t) = match cutoff {
        Cutoff::At(t) => (execs.partition_point(|e| e.created < t), t),
        Cutoff::HoldOut(f) => {
            let k = ((execs.len() as f64) * (1.0 - f)).round() as usize;
            let k = k.clamp(1, execs.len().saturating_sub(1).max(1));
            (k, execs[k.min(execs.len() - 1)].created)
        }
    };
    if k == 0 || k == execs.len() {
        return Err(located(
            at,
            0,
            "--cutoff",
            format!(
                "the cutoff leaves no execution on one side: the history runs from {} to {}",
                rfc3339(first),
                rfc3339(last)
            ),
            "give a --cutoff between the first and the last execution, or --holdout-fraction",
        ));
    }
    Ok((k, t))
}

/// Seconds since the epoch as RFC 3339, to the second.
pub fn rfc3339(t: f64) -> String {
    chrono::DateTime::from_timestamp(t.floor() as i64, 0).map_or_else(
        || "?".into(),
        |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Loads the scenario, reads and reconstructs the history.
fn read(req: &Request) -> Result<(Scenario, String, Reconstructed), BacktestError> {
    let text = crate::scenario::read(&req.scenario).map_err(BacktestError::Scenario)?;
    let sc = crate::scenario::from_str_with(&req.scenario, &text, &req.load)
        .map_err(BacktestError::Scenario)?;
    let h = history::read(&req.history).map_err(BacktestError::Input)?;
    let refs: Vec<PipelineRef> = sc
        .world
        .pipelines
        .iter()
        .map(|p| PipelineRef {
            name: p.name.clone(),
            region: sc.world.regions[p.region.index()].clone(),
        })
        .collect();
    let rec = reconstruct::reconstruct(&h, &refs).map_err(BacktestError::Input)?;
    if rec.executions.is_empty() {
        let first = req.history.first().map_or(Path::new(""), |p| p.as_path());
        let why = rec.unlinked.first().map_or(
            "no image in list-image-pipeline-images output".to_string(),
            |u| {
                format!(
                    "{} images left out, the first, {}, because {}",
                    rec.unlinked.len(),
                    u.0,
                    u.1
                )
            },
        );
        return Err(BacktestError::Input(located(
            first,
            0,
            "",
            format!("no execution could be reconstructed: {why}"),
            "give list-image-pipeline-images with the step executions of its images (docs/src/backtest.md)",
        )));
    }
    Ok((sc, text, rec))
}

/// Runs the calibrated scenario over the window; the simulated executions.
fn predict(
    sc: &Scenario,
    replications: u64,
    seed: u64,
    threads: usize,
) -> Result<Vec<Execution>, BacktestError> {
    let workers = experiment::workers(threads)?;
    let plan = experiment::Plan {
        seed,
        first: 0,
        count: replications,
        threads,
        chunk: experiment::first_chunk(workers as u64, false, true),
        precision: None,
    };
    let world = &sc.world;
    let mut all = Vec::new();
    experiment::run(
        sc,
        &plan,
        |out: &mut Sims, _, r, _| metric::simulated(world, r, &mut out.0),
        |_, _, out: &Sims| {
            all.extend(out.0.iter().cloned());
            Ok(())
        },
    )?;
    Ok(all)
}

/// Runs the backtest.
pub fn backtest(req: &Request) -> Result<Backtested, BacktestError> {
    let (sc, text, rec) = read(req)?;
    let execs = &rec.executions;
    let at = req.history.first().map_or(Path::new(""), |p| p.as_path());
    let (k, cutoff) = split(execs, req.cutoff, at).map_err(BacktestError::Input)?;
    let (before, after): (Vec<&Execution>, Vec<&Execution>) =
        (execs[..k].iter().collect(), execs[k..].iter().collect());
    let calibration =
        calibrate::calibrate(&sc.world, &before, &req.fit).map_err(BacktestError::Unwritable)?;
    let dir = tempfile::tempdir().map_err(|e| {
        BacktestError::Input(located(
            at,
            0,
            "",
            format!("cannot make a temporary directory: {e}"),
            "free some space in the temporary directory",
        ))
    })?;
    let cal_path = dir.path().join("calibration.toml");
    std::fs::write(&cal_path, &calibration.toml).map_err(|e| {
        BacktestError::Input(located(
            &cal_path,
            0,
            "",
            format!("cannot write: {e}"),
            "free some space in the temporary directory",
        ))
    })?;
    let last = execs[execs.len() - 1].created;
    let start = rfc3339(cutoff).parse().map_err(|_| {
        BacktestError::Input(located(
            at,
            0,
            "--cutoff",
            "a cutoff outside the calendar",
            "give a date after 1970",
        ))
    })?;
    let horizon = crate::scenario::spec::Dur(crate::engine::SimDuration::from_secs_f64(
        (last - cutoff.floor()).max(0.0) + 1.0,
    ));
    let window = crate::scenario::Overlay {
        calibration: cal_path,
        wins: true,
        window: Some((start, horizon)),
    };
    let calibrated = crate::scenario::from_str_overlay(&req.scenario, &text, &req.load, &window)
        .map_err(BacktestError::Calibration)?;
    let seed = req.seed.unwrap_or(sc.seed);
    let mut predicted = predict(&calibrated, req.replications, seed, req.threads)?;
    let seen: Vec<usize> = execs.iter().map(|e| e.pipeline).collect();
    predicted.retain(|e| seen.contains(&e.pipeline));
    let names: Vec<String> = sc.world.pipelines.iter().map(|p| p.name.clone()).collect();
    let rows = compare::rows(&names, &before, &after, &predicted, seed);
    let verdict = compare::verdict(before.len(), after.len(), &rows);
    let (findings, cause) = report::findings(&rows, verdict);
    let unseen = names
        .iter()
        .enumerate()
        .filter(|(i, _)| !seen.contains(i))
        .map(|(_, n)| n.clone())
        .collect();
    Ok(Backtested {
        scenario: sc.name.clone(),
        pipelines: names,
        cutoff,
        span: (execs[0].created, last),
        split: (before.len(), after.len()),
        calibration,
        plan: (req.replications, seed),
        rows,
        verdict,
        findings,
        cause,
        unseen,
        reconstructed: rec,
    })
}
