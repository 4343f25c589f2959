//! `amisim fit`: latency models from a team's own history.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, input, new_output, usage, write_whole};
use crate::fit::{self, Format};

/// `amisim fit`
#[derive(Debug, Args)]
pub struct FitArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// The logs, or directories of them: CSV files of observations (amisim's stages.csv is one), Image Builder's step executions, EventBridge snapshot and AMI events, describe-snapshots, CloudTrail records.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The input format; `auto` decides by content.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// Write the calibration here instead of standard output.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Replace the `-o` file if it exists (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// Below this many uncensored observations a stage gets the empirical distribution of its data.
    #[arg(long, default_value_t = 20)]
    pub min_samples: usize,
    /// Parametric-bootstrap samples for the goodness-of-fit p-values.
    #[arg(long, default_value_t = 199)]
    pub bootstrap: usize,
    /// The bootstrap's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write, for every fitted stage, the data's CDF with the fit and a Q-Q plot
    /// (PNG and SVG), and fit.md and fit.html, into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

pub(super) fn fit(a: &FitArgs) -> Result<(), CliError> {
    if let Some(out) = &a.out {
        new_output(out, &a.inputs, a.force)?;
    }
    if a.bootstrap == 0 || a.bootstrap > 100_000 {
        return Err(usage("--bootstrap: from 1 to 100000 samples"));
    }
    let req = fit::Request {
        inputs: a.inputs.clone(),
        format: a.format,
        options: fit::stage::Options {
            min_samples: a.min_samples,
            bootstrap: a.bootstrap,
            seed: a.seed,
        },
    };
    let done = fit::fit(&req).map_err(|e| input(&e))?;
    if !a.quiet {
        for (f, kind) in &done.read_as {
            eprintln!("read {} as {kind}", f.display());
        }
    }
    // Rows left out change the fit: said even with -q.
    for (why, n) in &done.dropped {
        eprintln!("left out {n} rows: {why}");
    }
    if !a.quiet {
        for s in &done.stages {
            let spec = fit::toml_out::spec(s);
            let (what, n, censored) = (s.target.label(), s.n, s.censored);
            eprintln!("fitted {what} (n = {n}, {censored} censored): {spec}");
        }
    }
    if let Some(dir) = &a.report {
        let files = fit::report::write(dir, &done.stages).map_err(|e| input(&e))?;
        if !a.quiet {
            eprintln!("wrote {} files into {}", files.len(), dir.display());
        }
    }
    match &a.out {
        None => std::io::stdout().write_all(done.toml.as_bytes())?,
        Some(out) => {
            write_whole(out, done.toml.as_bytes())?;
            if a.quiet {
                return Ok(());
            }
            // A scenario names its calibration relative to its own directory.
            let name = out.file_name().map_or(out.display().to_string(), |n| {
                n.to_string_lossy().into_owned()
            });
            eprintln!(
                "wrote {}; a scenario in the same directory uses it with calibration = \"{name}\" (a path relative to the scenario's directory)",
                out.display(),
            );
        }
    }
    Ok(())
}
