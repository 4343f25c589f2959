//! What `run` and `merge` both do once the aggregate is complete: write the
//! aggregated files and print the summary.

use std::path::Path;

use anyhow::Context;

use crate::experiment::Aggregate;
use crate::experiment::outputs::{self, RowSelection};
use crate::report::rows::RowFiles;
use crate::report::{capacity, csv_files, sweep as sweep_report, text, write::atomic_write};
use crate::scenario::Scenario;
use crate::scenario::sweep::Sweep;

/// Creates the output directory and checks that it can be written in,
/// before the run rather than after it.
pub(super) fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    // The first existing part of the path must be a directory.
    if let Some(file) = dir.ancestors().find(|p| p.exists()).filter(|p| !p.is_dir()) {
        anyhow::bail!(
            "cannot use {} as the output directory: {} is a file, not a directory (give --out a directory)",
            dir.display(),
            file.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let probe = dir.join(format!(".amisim-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write in the output directory {}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// A finished run (or merge), before its aggregated files are written.
pub(super) struct Finish<'a> {
    pub(super) scn: &'a Scenario,
    pub(super) sweep: Option<&'a Sweep>,
    pub(super) seed: u64,
    pub(super) dir: &'a Path,
    pub(super) selection: RowSelection,
    pub(super) quiet: bool,
}

/// Writes the reports of a finished (or merged) run, commits its row
/// files, and prints its summary.
pub(super) fn finish_outputs(
    f: &Finish<'_>,
    aggs: &[Aggregate],
    rows: Option<RowFiles>,
) -> anyhow::Result<()> {
    let (scn, seed, dir) = (f.scn, f.seed, f.dir);
    match f.sweep {
        Some(sw) => {
            atomic_write(
                &dir.join(outputs::SWEEP.name),
                &sweep_report::sweep_csv(sw, aggs)?,
            )?;
            atomic_write(
                &dir.join(outputs::MANIFEST.name),
                &sweep_report::manifest_json(scn, sw, aggs, seed)?,
            )?;
            if !f.quiet {
                print!("{}", sweep_report::render(scn, sw, aggs, seed));
                println!("wrote {}/sweep.csv and manifest.json", dir.display());
            }
        }
        None => {
            write_reports(f, &aggs[0])?;
            if let Some(rows) = rows {
                rows.commit()?;
            }
            if !f.quiet {
                print!("{}", text::render(scn, seed, &aggs[0]));
                let csv: Vec<&str> = outputs::run_files(f.selection)
                    .into_iter()
                    .filter_map(|n| n.strip_suffix(".csv"))
                    .collect();
                println!(
                    "wrote {}/{{{}}}.csv and manifest.json",
                    dir.display(),
                    csv.join(",")
                );
            }
        }
    }
    Ok(())
}

/// The aggregated files of a single-scenario run, in the registry's order.
fn write_reports(f: &Finish<'_>, agg: &Aggregate) -> anyhow::Result<()> {
    let scn = f.scn;
    for file in outputs::FILES
        .iter()
        .filter(|x| x.writer == outputs::Writer::Aggregate)
    {
        let bytes = match *file {
            outputs::SUMMARY => csv_files::summary_csv(scn, agg)?,
            outputs::QUOTAS => capacity::quotas_csv(scn, agg)?,
            outputs::QUOTA_TIMELINE => capacity::timeline_csv(scn, agg)?,
            outputs::COST_SUMMARY => csv_files::cost_summary_csv(scn, agg)?,
            outputs::COST_BREAKDOWN => csv_files::cost_breakdown_csv(scn, agg)?,
            outputs::MANIFEST => csv_files::manifest_json(scn, agg, f.seed, f.selection)?,
            other => anyhow::bail!("no writer for {}", other.name),
        };
        atomic_write(&f.dir.join(file.name), &bytes)?;
    }
    Ok(())
}
