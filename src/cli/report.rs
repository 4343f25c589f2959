//! `amisim report`: charts, report.md and report.html from the outputs in
//! a directory.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{CliError, usage};
use crate::experiment::outputs;
use crate::report::manifest::Manifest;
use crate::scenario;

/// `amisim report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A directory written by `amisim run` (or `merge`).
    pub dir: PathBuf,
    /// The scenario file [default: the one named in DIR/manifest.json].
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

pub(super) fn report(a: &ReportArgs) -> Result<(), CliError> {
    let scenario = match &a.scenario {
        Some(p) => p.clone(),
        None => {
            let path = a.dir.join(outputs::MANIFEST.name);
            if let Err(e) = std::fs::metadata(&path) {
                return Err(usage(format!(
                    "cannot read {}: {e}; is {} an amisim output directory?",
                    path.display(),
                    a.dir.display()
                )));
            }
            let m = Manifest::read(&a.dir).with_context(|| {
                format!(
                    "{} is not an amisim manifest; pass --scenario FILE",
                    path.display()
                )
            })?;
            PathBuf::from(m.scenario_file)
        }
    };
    let (scn, _) = scenario::load_with_sweep(&scenario).map_err(CliError::Scenario)?;
    // No run may replace the directory while the report is written into it.
    let _lock = crate::report::commit::lock(&a.dir)?;
    crate::report::plan::write_report(&scn, &a.dir)?;
    println!(
        "wrote {0}/report.md, {0}/report.html and {0}/charts/",
        a.dir.display()
    );
    Ok(())
}
