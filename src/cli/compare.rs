//! `amisim compare`: several runs side by side, with their differences.

use std::path::PathBuf;

use clap::Args;

use super::report::{manifest_of, scenario_of};
use super::{CliError, usage};
use crate::experiment::{Aggregate, outputs};
use crate::report::manifest::ManifestKind;
use crate::report::plan::compare::{Compared, write_compare};

/// `amisim compare`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// Output directories of `amisim run` (or `merge`), the baseline first.
    #[arg(required = true, num_args = 2..)]
    pub dirs: Vec<PathBuf>,
    /// Where compare.md and compare.html go.
    #[arg(short, long, default_value = "results/compare")]
    pub out: PathBuf,
    /// How its scenarios are loaded (the global `--allow-outside-paths`).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

/// The run in `dir`, checked.
fn load(dir: &std::path::Path, opts: &crate::scenario::LoadOptions) -> Result<Compared, CliError> {
    let manifest = manifest_of(dir)?;
    if let ManifestKind::Sweep { .. } = manifest.kind {
        return Err(usage(format!(
            "{} holds a sweep; its report compares its points (amisim report {}); compare takes single runs",
            dir.display(),
            dir.display()
        )));
    }
    let (scenario, _) = scenario_of(dir, &manifest, None, opts)?;
    let path = dir.join(outputs::SHARD_AGGREGATE.name);
    let bytes = std::fs::read(&path).map_err(|e| {
        usage(format!(
            "cannot read {}: {e}; rerun the scenario with this amisim",
            path.display()
        ))
    })?;
    let mut aggs: Vec<Aggregate> = serde_json::from_slice(&bytes).map_err(|e| {
        usage(format!(
            "{} is not an amisim aggregate: {e}",
            path.display()
        ))
    })?;
    if aggs.len() != 1 || aggs[0].pipelines.len() != scenario.world.pipelines.len() {
        return Err(usage(format!(
            "{} does not hold one run of {}",
            path.display(),
            manifest.scenario_file
        )));
    }
    Ok(Compared {
        dir: dir.to_path_buf(),
        scenario,
        manifest,
        agg: aggs.remove(0),
    })
}

pub(super) fn compare(a: &CompareArgs) -> Result<(), CliError> {
    let runs = a
        .dirs
        .iter()
        .map(|d| load(d, &a.load))
        .collect::<Result<Vec<_>, _>>()?;
    if a.dirs.iter().any(|d| d == &a.out) {
        return Err(usage(format!(
            "--out {} is one of the runs compared; write the comparison elsewhere",
            a.out.display()
        )));
    }
    if a.out.exists() && !a.out.is_dir() {
        return Err(usage(format!(
            "--out {}: a file, and the comparison is a directory (compare.md, compare.html); give a directory",
            a.out.display()
        )));
    }
    let files = write_compare(&runs, &a.out)?;
    if !a.quiet {
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}
