//! `amisim backtest`: the model, fitted on a team's past, against what
//! happened next.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, input, usage};
use crate::backtest::{self, BacktestError, Cutoff};

/// `amisim backtest`
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The scenario of the pipelines the history is of.
    pub scenario: PathBuf,
    /// The history, files or directories of them: list-image-pipeline-images,
    /// list-workflow-executions and list-workflow-step-executions output (one document
    /// per file, or JSON lines of them), and EventBridge EC2 AMI State Change events.
    #[arg(required = true)]
    pub history: Vec<PathBuf>,
    /// Split at this time (RFC 3339, or a date: midnight UTC): executions created before it
    /// calibrate, those after are predicted.
    #[arg(long, conflicts_with = "holdout_fraction")]
    pub cutoff: Option<String>,
    /// Hold out the latest fraction of the executions (default 0.5).
    #[arg(long)]
    pub holdout_fraction: Option<f64>,
    /// The output directory (default results/<scenario name>-backtest).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Also write backtest.md, backtest.html and their charts.
    #[arg(long)]
    pub report: bool,
    /// Master seed of the prediction (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications of the prediction.
    #[arg(short = 'n', long = "replications", default_value_t = 20)]
    pub replications: u64,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Parametric-bootstrap samples of the fits' goodness of fit.
    #[arg(long, default_value_t = 199)]
    pub bootstrap: usize,
    /// Below this many uncensored observations a stage gets the empirical distribution.
    #[arg(long, default_value_t = 20)]
    pub min_samples: usize,
    /// Replace an output directory that holds other results than a backtest's.
    #[arg(long)]
    pub force: bool,
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
}

/// The cutoff of the command line.
fn cutoff(a: &BacktestArgs) -> Result<Cutoff, CliError> {
    if let Some(c) = &a.cutoff {
        let t = chrono::DateTime::parse_from_rfc3339(c)
            .map(|t| t.timestamp_millis() as f64 / 1000.0)
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(c, "%Y-%m-%d")
                    .map(|d| d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()) as f64)
            })
            .map_err(|_| usage(format!("--cutoff {c:?}: give a date (2026-11-01) or an RFC 3339 time (2026-11-01T12:00:00Z)")))?;
        return Ok(Cutoff::At(t));
    }
    let f = a.holdout_fraction.unwrap_or(0.5);
    if !(f > 0.0 && f < 1.0) {
        return Err(usage(
            "--holdout-fraction: a fraction between 0 and 1 (0.3 holds out the latest 30 % of the executions)",
        ));
    }
    Ok(Cutoff::HoldOut(f))
}

/// Refuses a directory holding another command's results (a run's), which
/// the backtest would replace.
fn not_another_result(target: &std::path::Path) -> Result<(), CliError> {
    let Ok(entries) = std::fs::read_dir(target) else {
        return Ok(());
    };
    let ours = crate::experiment::outputs::BACKTEST_FILES;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !ours.contains(&name.as_str()) && name != "charts" {
            return Err(usage(format!(
                "{} holds {name}, another command's result, which a backtest would replace\n  help: give -o a directory of its own, or --force to replace it",
                target.display()
            )));
        }
    }
    Ok(())
}

pub(super) fn backtest(
    a: &BacktestArgs,
    load: crate::scenario::LoadOptions,
) -> Result<(), CliError> {
    if a.replications == 0 || a.replications > 100_000 {
        return Err(usage("-n: from 1 to 100000 replications"));
    }
    if a.bootstrap == 0 || a.bootstrap > 100_000 {
        return Err(usage("--bootstrap: from 1 to 100000 samples"));
    }
    let req = backtest::Request {
        scenario: a.scenario.clone(),
        history: a.history.clone(),
        cutoff: cutoff(a)?,
        replications: a.replications,
        seed: a.seed,
        threads: a.threads,
        fit: crate::fit::stage::Options {
            min_samples: a.min_samples,
            bootstrap: a.bootstrap,
            seed: a.seed.unwrap_or(1),
        },
        load,
    };
    let done = backtest::backtest(&req).map_err(|e| match e {
        BacktestError::Scenario(s) => CliError::Scenario(s),
        BacktestError::Input(d) => input(&d),
        e => CliError::Runtime(e.into()),
    })?;
    let target = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-backtest", done.scenario)));
    if !a.force {
        not_another_result(&target)?;
    }
    let staged = super::finish::stage(&target)?;
    let dir = staged.path();
    let write = |name: &str, text: &str| -> Result<(), CliError> {
        std::fs::write(dir.join(name), text)
            .map_err(|e| CliError::Runtime(anyhow::anyhow!("cannot write {name}: {e}")))
    };
    write("backtest.json", &backtest::report::json(&done))?;
    write("calibration.toml", &done.calibration.toml)?;
    if a.report {
        let charts = dir.join("charts");
        std::fs::create_dir_all(&charts)?;
        backtest::report::write_report(dir, &charts, &done)?;
    }
    staged.commit()?;
    if !a.quiet {
        print!("{}", backtest::report::console(&done));
        eprintln!("wrote {}", target.display());
    }
    Ok(())
}
