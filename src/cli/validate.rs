//! `amisim validate`: check a scenario (and every sweep point) and list
//! every error found, without running it.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, print_warnings};
use crate::scenario;

/// `amisim validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// The scenario files (TOML); each is checked, and every error of each listed.
    #[arg(required = true, num_args = 1..)]
    pub scenarios: Vec<PathBuf>,
    /// How its scenarios are loaded (the global `--allow-outside-paths`).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

/// `1 pipeline`, `2 pipelines`.
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub(super) fn validate(a: &ValidateArgs) -> Result<(), CliError> {
    let mut bad = Vec::new();
    for path in &a.scenarios {
        match validate_one(path, &a.load, a.quiet) {
            Ok(()) => {}
            // One file: its own error is the answer.
            Err(e) if a.scenarios.len() == 1 => return Err(e),
            Err(e) => {
                e.report();
                bad.push(path.display().to_string());
            }
        }
    }
    match bad.len() {
        0 => Ok(()),
        n => Err(super::usage(format!(
            "{n} of {} scenario files have errors (listed above): {}",
            a.scenarios.len(),
            bad.join(", ")
        ))),
    }
}

fn validate_one(
    path: &std::path::Path,
    load: &scenario::LoadOptions,
    quiet: bool,
) -> Result<(), CliError> {
    let (s, sweep) = scenario::load_with_sweep(path, load).map_err(CliError::Scenario)?;
    print_warnings(&s);
    if quiet {
        return Ok(());
    }
    if let Some(sw) = &sweep {
        println!(
            "{}: [sweep] of {} points, every one valid",
            path.display(),
            sw.points.len()
        );
    }
    let nm = s
        .world
        .pipelines
        .iter()
        .filter(|p| !p.kind.is_build())
        .count();
    let np = s.world.pipelines.len() - nm;
    let mut counts = Vec::new();
    if np > 0 || nm == 0 {
        counts.push(plural(np, "pipeline"));
    }
    if nm > 0 {
        counts.push(plural(nm, "migration"));
    }
    counts.push(plural(s.world.regions.len(), "Region"));
    println!("{}: ok ({})", path.display(), counts.join(", "));
    Ok(())
}
