//! `amisim report`: charts, report.md and report.html from the outputs in
//! a directory.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{CliError, usage};
use crate::experiment::outputs;
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
            let text = std::fs::read_to_string(&path).map_err(|e| {
                usage(format!(
                    "cannot read {}: {e}; is {} an amisim output directory?",
                    path.display(),
                    a.dir.display()
                ))
            })?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a manifest", path.display()))?;
            match v.get("scenario_file").and_then(|s| s.as_str()) {
                Some(s) => PathBuf::from(s),
                None => {
                    return Err(usage(format!(
                        "{} names no scenario file; pass --scenario",
                        path.display()
                    )));
                }
            }
        }
    };
    let (scn, _) = scenario::load_with_sweep(&scenario).map_err(CliError::Scenario)?;
    crate::report::plan::write_report(&scn, &a.dir)?;
    println!(
        "wrote {0}/report.md, {0}/report.html and {0}/charts/",
        a.dir.display()
    );
    Ok(())
}
