//! `amisim validate`: check a scenario (and every sweep point) and list
//! every error found, without running it.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, print_warnings};
use crate::scenario;

/// `amisim validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
}

pub(super) fn validate(a: &ValidateArgs) -> Result<(), CliError> {
    let (s, sweep) = scenario::load_with_sweep(&a.scenario).map_err(CliError::Scenario)?;
    print_warnings(&s);
    if let Some(sw) = &sweep {
        println!(
            "{}: [sweep] of {} points, every one valid",
            a.scenario.display(),
            sw.points.len()
        );
    }
    let (np, nr) = (s.world.pipelines.len(), s.world.regions.len());
    println!(
        "{}: ok ({np} pipeline{}, {nr} Region{})",
        a.scenario.display(),
        if np == 1 { "" } else { "s" },
        if nr == 1 { "" } else { "s" },
    );
    Ok(())
}
