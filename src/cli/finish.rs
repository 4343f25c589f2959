//! What `run` and `merge` both do once the aggregate is complete: write the
//! aggregated files and print the summary.

use std::path::Path;

use super::CliError;
use crate::experiment::Aggregate;
use crate::experiment::outputs::{self, RowSelection};
use crate::report::commit::Staged;
use crate::report::row_files::RowFiles;
use crate::report::{
    capacity, csv_files, sweep as sweep_report, text, write::atomic_write, write::atomic_write_json,
};
use crate::scenario::Scenario;
use crate::scenario::sweep::Sweep;

/// Locks the output directory `target` and stages its new contents (see
/// `report::commit`): nothing is visible there until [`Staged::commit`].
pub(super) fn stage(target: &Path) -> Result<Staged, CliError> {
    Staged::begin(target).map_err(|e| {
        if e.is_usage() {
            CliError::Usage(e.to_string())
        } else {
            CliError::Runtime(e.into())
        }
    })
}

/// A finished run (or merge), before its aggregated files are written.
pub(super) struct Finish<'a> {
    pub(super) scn: &'a Scenario,
    pub(super) sweep: Option<&'a Sweep>,
    pub(super) seed: u64,
    /// Where the files are written (the staging directory).
    pub(super) dir: &'a Path,
    /// Where they will be once committed: what messages name.
    pub(super) shown: &'a Path,
    pub(super) selection: RowSelection,
    pub(super) quiet: bool,
    /// `--all`: every pipeline in the console's table.
    pub(super) all: bool,
    /// Files written besides the aggregated ones (trace.json, the report).
    pub(super) extras: Vec<&'static str>,
    /// The precision target, when one was set.
    pub(super) precision: Option<crate::experiment::Precision>,
    /// The replications (from 0) the row files hold, when any are written.
    pub(super) row_replications: Option<u64>,
}

impl Finish<'_> {
    /// Every file the run writes into its directory, for the manifest: row
    /// files, aggregated files, aggregate.json, then the extras.
    fn written(&self) -> Vec<String> {
        let mut v: Vec<&str> = match self.sweep {
            Some(_) => vec![outputs::SWEEP.name, outputs::MANIFEST.name],
            None => {
                let mut v = self.selection.files();
                v.extend(
                    outputs::FILES
                        .iter()
                        .filter(|x| matches!(x.writer, outputs::Writer::Aggregate(_)))
                        .map(|x| x.name),
                );
                v
            }
        };
        v.push(outputs::SHARD_AGGREGATE.name);
        v.extend(&self.extras);
        v.into_iter().map(String::from).collect()
    }

    /// The precision record of a single-scenario run.
    fn precision_record(
        &self,
        agg: &Aggregate,
    ) -> Option<crate::report::manifest::PrecisionRecord> {
        self.precision
            .as_ref()
            .map(|p| crate::report::manifest::PrecisionRecord::of(p, agg))
    }
}

/// Writes the reports of a finished (or merged) run and commits its row
/// files into the staging directory.
pub(super) fn write_outputs(
    f: &Finish<'_>,
    aggs: &[Aggregate],
    rows: Option<RowFiles>,
) -> anyhow::Result<()> {
    let (scn, seed, dir) = (f.scn, f.seed, f.dir);
    // The typed results, in the shard format: what reports are made from.
    atomic_write_json(&dir.join(outputs::SHARD_AGGREGATE.name), aggs)?;
    match f.sweep {
        Some(sw) => {
            atomic_write(
                &dir.join(outputs::SWEEP.name),
                &sweep_report::sweep_csv(sw, aggs)?,
            )?;
            atomic_write(
                &dir.join(outputs::MANIFEST.name),
                &sweep_report::manifest_json(scn, sw, aggs, seed, f.written())?,
            )?;
        }
        None => {
            write_reports(f, &aggs[0])?;
            if let Some(rows) = rows {
                rows.commit()?;
            }
        }
    }
    Ok(())
}

/// Prints the summary of a committed run (or merge).
pub(super) fn print_summary(f: &Finish<'_>, aggs: &[Aggregate]) {
    if f.quiet {
        return;
    }
    let (scn, seed, dir) = (f.scn, f.seed, f.shown);
    match f.sweep {
        Some(sw) => {
            print!("{}", sweep_report::render(scn, sw, aggs, seed));
            println!("wrote {}/sweep.csv and manifest.json", dir.display());
        }
        None => {
            print!("{}", text::render(scn, seed, &aggs[0], f.all));
            let csv: Vec<&str> = outputs::run_files(f.selection)
                .into_iter()
                .filter_map(|n| n.strip_suffix(".csv"))
                .collect();
            println!(
                "wrote {}/{{{}}}.csv, manifest.json and scenario.toml",
                dir.display(),
                csv.join(",")
            );
            let total = aggs[0].replications;
            if let Some(n) = f.row_replications.filter(|n| *n < total) {
                println!(
                    "the row files hold replications 0-{} of {total} (the first {n}: about {} MB, --row-replications auto); the aggregated files hold every one; --row-replications all writes every row",
                    n - 1,
                    crate::report::rows::ROW_BUDGET_BYTES >> 20
                );
            }
        }
    }
}

/// The aggregated files of a single-scenario run, in the registry's order.
fn write_reports(f: &Finish<'_>, agg: &Aggregate) -> anyhow::Result<()> {
    let scn = f.scn;
    use outputs::AggregateFile as A;
    for file in &outputs::FILES {
        let outputs::Writer::Aggregate(kind) = file.writer else {
            continue;
        };
        let bytes = match kind {
            A::Summary => csv_files::summary_csv(scn, agg)?,
            A::Quotas => capacity::quotas_csv(scn, agg)?,
            A::QuotaTimeline => capacity::timeline_csv(scn, agg)?,
            A::CostSummary => csv_files::cost_summary_csv(scn, agg)?,
            A::CostBreakdown => csv_files::cost_breakdown_csv(scn, agg)?,
            A::CostByMonth => crate::report::cost_months::cost_by_month_csv(scn, agg)?,
            A::Manifest => csv_files::manifest_json(
                scn,
                agg,
                f.seed,
                f.written(),
                f.precision_record(agg),
                f.row_replications,
            )?,
            // The bytes the run read; the manifest's SHA-256 tells a changed one.
            A::Scenario => std::fs::read(&scn.path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read {} again to keep a copy: {e}",
                    scn.path.display()
                )
            })?,
        };
        atomic_write(&f.dir.join(file.name), &bytes)?;
    }
    Ok(())
}
