//! `amisim merge`: the outputs of `run --shard`, merged into exactly what
//! one process writes (compatibility rules: `experiment::shard`).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::Args;

use super::finish::{Finish, print_summary, stage, write_outputs};
use super::{CliError, usage};
use crate::experiment::Aggregate;
use crate::experiment::outputs;
use crate::experiment::shard::{ShardInfo, check_merge, verify};
use crate::report::row_files::RowFiles;
use crate::scenario;

/// `amisim merge`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The scenario file the shards ran.
    pub scenario: PathBuf,
    /// The shards' output directories, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output directory [default: results/NAME/].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// List every pipeline in the summary (else the 20 slowest by p95 and a count of the rest).
    #[arg(long)]
    pub all: bool,
    /// How its scenarios are loaded (the global `--allow-outside-paths`).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} {what}", path.display()))
}

/// Each shard directory's record (`shard.json`); a directory without one
/// is not a shard's, refused with the fix.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<(ShardInfo, PathBuf)>, CliError> {
    let mut shards = Vec::new();
    for d in dirs {
        let record = d.join(outputs::SHARD_INFO.name);
        if !record.is_file() {
            let refused = crate::diag::Diagnostic::new(
                format!(
                    "no {}: not the directory of a `run --shard` (merge takes the shards' directories)",
                    outputs::SHARD_INFO.name
                ),
                "give each `amisim run SCENARIO --shard K/N --out DIR` directory; a whole run needs no merge",
            );
            return Err(super::input(&refused.at(d, (0, 0), "")));
        }
        let info: ShardInfo = read_json(&record, "is not a shard record")?;
        shards.push((info, d.clone()));
    }
    Ok(shards)
}

pub(super) fn merge(a: &MergeArgs) -> Result<(), CliError> {
    let (scn, sweep) =
        scenario::load_with_sweep(&a.scenario, &a.load).map_err(CliError::Scenario)?;
    let mut shards = read_shards(&a.shards)?;
    let scenario_name = a.scenario.display().to_string();
    let merged = check_merge(&mut shards, (&scenario_name, &scn.hash), |d: &PathBuf| {
        d.display().to_string()
    })
    .map_err(usage)?;
    // Every shard's files as it wrote them, before anything is written.
    for (info, d) in &shards {
        verify(info, d, sweep.is_none())
            .map_err(|why| usage(format!("shard {}: {why}; rerun that shard", d.display())))?;
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scn.name));
    let points = sweep.as_ref().map_or(1, |s| s.points.len());
    let mut aggs = vec![Aggregate::default(); points];
    for (info, d) in &shards {
        let path = d.join(outputs::SHARD_AGGREGATE.name);
        let parts: Vec<Aggregate> = read_json(&path, "is damaged")?;
        if parts.len() != points || parts.iter().any(|p| p.replications != info.replications) {
            return Err(anyhow!(
                "{} does not hold {} replications for each of {points} point(s)",
                path.display(),
                info.replications
            )
            .into());
        }
        for (agg, part) in aggs.iter_mut().zip(&parts) {
            agg.merge(part);
        }
    }
    let staged = stage(&dir)?;
    let staging = staged.path().to_path_buf();
    let rows = if sweep.is_none() {
        let mut rows = RowFiles::create(&staging, merged.rows)?;
        let parts: Vec<PathBuf> = shards.iter().map(|(_, d)| d.clone()).collect();
        rows.append_files(&parts)?;
        Some(rows)
    } else {
        None
    };
    let finish = Finish {
        scn: &scn,
        sweep: sweep.as_ref(),
        seed: merged.seed,
        dir: &staging,
        shown: &dir,
        selection: merged.rows,
        quiet: a.quiet,
        all: a.all,
        extras: Vec::new(),
        precision: None,
        row_replications: merged.row_replications,
    };
    write_outputs(&finish, &aggs, rows)?;
    staged.commit()?;
    print_summary(&finish, &aggs);
    if !a.quiet {
        println!("merged {} shards", merged.shards);
    }
    Ok(())
}
