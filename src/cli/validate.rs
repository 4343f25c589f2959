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

/// `1 pipeline`, `2 pipelines`.
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
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
    println!("{}: ok ({})", a.scenario.display(), counts.join(", "));
    Ok(())
}
