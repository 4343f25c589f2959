//! `amisim fit`: latency models from a team's own history.
//!
//! Observations (durations, right-censored where a waiter or step gave up)
//! are read from a plain CSV, Image Builder's workflow step executions,
//! EventBridge snapshot events, `describe-snapshots` or CloudTrail; each
//! stage is fitted by maximum likelihood to every family amisim samples,
//! ranked by AIC, and checked by Kolmogorov-Smirnov and Anderson-Darling
//! with parametric-bootstrap p-values; size-driven stages are fitted as
//! amisim's throughput model. The result is scenario TOML, used through a
//! scenario's `calibration` key.

pub(crate) mod aws_input;
pub(crate) mod csv_input;
pub mod family;
pub(crate) mod gof;
pub(crate) mod obs;
pub(crate) mod overhead;
pub(crate) mod report;
pub mod stage;
pub mod throughput;
pub(crate) mod toml_out;

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
pub use obs::FitError;
use obs::{Observation, located};

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide by content.
    Auto,
    /// A plain CSV of observations (amisim's own `stages.csv` is one).
    Csv,
    /// Image Builder's `list-workflow-step-executions` (and `list-workflow-executions`) JSON.
    Imagebuilder,
    /// EventBridge "EBS Snapshot Notification" events (JSON lines or an array), with `describe-snapshots` for sizes.
    EbsEvents,
    /// `describe-snapshots` JSON.
    Snapshots,
    /// CloudTrail CreateImage and CopyImage records, with EventBridge "EC2 AMI State Change" events.
    Cloudtrail,
}

impl Format {
    /// The JSON kinds it takes.
    fn takes(self, k: aws_input::LogKind) -> bool {
        use aws_input::LogKind as K;
        match self {
            Format::Auto => true,
            Format::Csv => false,
            Format::Imagebuilder => matches!(k, K::StepExecutions | K::WorkflowExecutions),
            Format::EbsEvents => matches!(k, K::Events | K::Snapshots),
            Format::Snapshots => k == K::Snapshots,
            Format::Cloudtrail => matches!(k, K::CloudTrail | K::Events),
        }
    }
}

/// What to fit, and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// Files, or directories of them.
    pub inputs: Vec<PathBuf>,
    /// Their format.
    pub format: Format,
    /// Fitting options.
    pub options: stage::Options,
}

/// What a fit produced.
#[derive(Debug)]
pub struct Fitted {
    /// The calibration, TOML.
    pub toml: String,
    /// Every stage fitted.
    pub stages: Vec<stage::StageFit>,
    /// Rows left out, with why and how many.
    pub dropped: Vec<(String, usize)>,
    /// The formats read, by file.
    pub read_as: Vec<(PathBuf, &'static str)>,
}

/// The files to read: each file, and each directory's files in name order.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, FitError> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| {
                located(
                    p,
                    0,
                    "",
                    format!("cannot read: {e}"),
                    "give a readable directory",
                )
            })?;
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads one file: a CSV into `read`, a JSON log into `docs`.
fn read_one(
    file: &Path,
    format: Format,
    read: &mut csv_input::Read,
    docs: &mut Vec<aws_input::Log>,
) -> Result<&'static str, FitError> {
    // Logs: regular files of at most 1 GiB each.
    let text = crate::scenario::read_input(file, 1 << 30).map_err(|e| {
        located(
            file,
            0,
            "",
            format!("cannot read: {e}"),
            "give a readable UTF-8 file",
        )
    })?;
    let json = text.trim_start().starts_with(['{', '[']);
    if format == Format::Auto && file.extension().is_some_and(|x| x == "toml") {
        return Err(located(
            file,
            0,
            "",
            "a TOML file (a scenario or a calibration?), not a log".to_string(),
            "fit reads logs: a CSV of observations (a run's stages.csv is one) or AWS's JSON (docs/src/fit.md)",
        ));
    }
    if format == Format::Csv || (format == Format::Auto && !json) {
        csv_input::read(file, &text, read)?;
        return Ok("csv");
    }
    if !json {
        return Err(located(
            file,
            1,
            "",
            "not JSON",
            "this format is JSON the AWS CLI prints (or EventBridge events one per line); a CSV takes --format csv",
        ));
    }
    let doc = aws_input::parse(file, &text)?;
    if !format.takes(doc.kind) {
        return Err(located(
            file,
            1,
            "",
            format!(
                "this is {}, which --format {} does not read",
                doc.kind.name(),
                clap::ValueEnum::to_possible_value(&format)
                    .map_or(String::new(), |v| v.get_name().to_string())
            ),
            "leave --format out: auto decides by content",
        ));
    }
    let name = doc.kind.name();
    docs.push(doc);
    Ok(name)
}

/// Reads the inputs and fits every stage they hold.
pub fn fit(req: &Request) -> Result<Fitted, FitError> {
    let files = expand(&req.inputs)?;
    let mut read = csv_input::Read::default();
    let mut read_as = Vec::new();
    let mut docs = Vec::new();
    for f in &files {
        read_as.push((f.clone(), read_one(f, req.format, &mut read, &mut docs)?));
    }
    aws_input::read(&docs, &mut read)?;
    let observations: Vec<Observation> = std::mem::take(&mut read.observations);
    if observations.is_empty() {
        return Err(located(
            files.first().map_or(Path::new(""), |f| f.as_path()),
            0,
            "",
            "no observation to fit",
            "give logs with at least one successful stage",
        ));
    }
    let stages = stage::fit_all(&observations, &req.options);
    let mut header = vec![
        format!(
            "Calibration written by `amisim fit` from {}: {} observations.",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            observations.len()
        ),
        "Use it with `calibration = \"<this file>\"` at the top of a scenario: its values stand"
            .into(),
        "wherever the scenario sets none. Each value: n, the censored count, the date range,"
            .into(),
        "the families by AIC, and KS/AD goodness of fit with parametric-bootstrap p-values.".into(),
    ];
    for (why, n) in &read.dropped {
        header.push(format!("left out: {n} rows ({why})"));
    }
    let toml = toml_out::render(&stages, &header).map_err(|why| {
        Diagnostic::new(
            format!("amisim wrote a calibration its own reader refuses ({why})"),
            "a fault of amisim's: please report it with the input",
        )
    })?;
    Ok(Fitted {
        toml,
        stages,
        dropped: read.dropped,
        read_as,
    })
}
