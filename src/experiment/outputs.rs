//! Every file a run, a shard, a sweep or `amisim report` writes: one
//! registry, read by `run`, `merge`, `report`, the manifest and the tests.

use serde::{Deserialize, Serialize};

/// Which row files a run writes (`--rows`). Ordered: each choice writes the
/// row files of the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSelection {
    /// None: only the aggregated reports.
    None,
    /// `runs.csv` only.
    Runs,
    /// `runs.csv`, `stages.csv`, `images.csv`, `cost.csv` and `exposure.csv`.
    All,
}

/// What writes a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// A row file: one line per record, streamed while replications run;
    /// written when `--rows` is at least the selection given.
    Rows(RowSelection),
    /// Built from the aggregate of a whole run (or merge).
    Aggregate(AggregateFile),
    /// Written by `run --shard` for `amisim merge`.
    Shard,
    /// A scenario with a `[sweep]`: one line per point.
    Sweep,
    /// `--trace`.
    Trace,
    /// `--report` or `amisim report`.
    Report,
}

/// The files built from the aggregate of a whole run, each rendered by its
/// own function (`cli::finish` matches on this exhaustively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFile {
    /// `summary.csv`.
    Summary,
    /// `quotas.csv`.
    Quotas,
    /// `quota_timeline.csv`.
    QuotaTimeline,
    /// `cost_summary.csv`.
    CostSummary,
    /// `cost_breakdown.csv`.
    CostBreakdown,
    /// `cost_by_month.csv`.
    CostByMonth,
    /// `manifest.json`.
    Manifest,
    /// `scenario.toml`: the scenario file the run read, byte for byte.
    Scenario,
}

/// A row file, in [`ROW_FILES`] order: what indexes a [`RowSet`] and the
/// encoded rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFile {
    /// `runs.csv`.
    Runs,
    /// `stages.csv`.
    Stages,
    /// `images.csv`.
    Images,
    /// `cost.csv`.
    Cost,
    /// `exposure.csv`.
    Exposure,
}

impl RowFile {
    /// Every row file, in [`ROW_FILES`] order.
    pub const ALL: [RowFile; N_ROW_FILES] = [
        RowFile::Runs,
        RowFile::Stages,
        RowFile::Images,
        RowFile::Cost,
        RowFile::Exposure,
    ];

    /// Its entry in the registry.
    pub fn file(self) -> OutputFile {
        ROW_FILES[self as usize]
    }
}

/// The files `amisim backtest` writes in its directory (charts in `charts/`).
pub const BACKTEST_FILES: [&str; 4] = [
    "backtest.json",
    "calibration.toml",
    "backtest.md",
    "backtest.html",
];

/// Which row files are written, indexed by [`RowFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowSet(pub [bool; N_ROW_FILES]);

impl std::ops::Index<RowFile> for RowSet {
    type Output = bool;
    fn index(&self, f: RowFile) -> &bool {
        &self.0[f as usize]
    }
}

impl RowSet {
    /// Every row file.
    pub const ALL: RowSet = RowSet([true; N_ROW_FILES]);

    /// Whether any row file is written.
    pub fn any(self) -> bool {
        self.0.contains(&true)
    }
}

/// One output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFile {
    /// Its name in the output directory.
    pub name: &'static str,
    /// What writes it.
    pub writer: Writer,
}

impl OutputFile {
    /// True for a row file.
    pub fn is_row_file(&self) -> bool {
        matches!(self.writer, Writer::Rows(_))
    }
}

const fn file(name: &'static str, writer: Writer) -> OutputFile {
    OutputFile { name, writer }
}

/// `runs.csv`: one line per execution.
pub const RUNS: OutputFile = file("runs.csv", Writer::Rows(RowSelection::Runs));
/// `stages.csv`: one line per stage record.
pub const STAGES: OutputFile = file("stages.csv", Writer::Rows(RowSelection::All));
/// `images.csv`: one line per image.
pub const IMAGES: OutputFile = file("images.csv", Writer::Rows(RowSelection::All));
/// `cost.csv`: one line per cost line.
pub const COST: OutputFile = file("cost.csv", Writer::Rows(RowSelection::All));
/// `exposure.csv`: one line per release (dependency update).
pub const EXPOSURE: OutputFile = file("exposure.csv", Writer::Rows(RowSelection::All));
/// `summary.csv`.
pub const SUMMARY: OutputFile = file("summary.csv", Writer::Aggregate(AggregateFile::Summary));
/// `quotas.csv`.
pub const QUOTAS: OutputFile = file("quotas.csv", Writer::Aggregate(AggregateFile::Quotas));
/// `quota_timeline.csv`.
pub const QUOTA_TIMELINE: OutputFile = file(
    "quota_timeline.csv",
    Writer::Aggregate(AggregateFile::QuotaTimeline),
);
/// `cost_summary.csv`.
pub const COST_SUMMARY: OutputFile = file(
    "cost_summary.csv",
    Writer::Aggregate(AggregateFile::CostSummary),
);
/// `cost_breakdown.csv`.
pub const COST_BREAKDOWN: OutputFile = file(
    "cost_breakdown.csv",
    Writer::Aggregate(AggregateFile::CostBreakdown),
);
/// `cost_by_month.csv`.
pub const COST_BY_MONTH: OutputFile = file(
    "cost_by_month.csv",
    Writer::Aggregate(AggregateFile::CostByMonth),
);
/// `manifest.json`: what produced the directory.
pub const MANIFEST: OutputFile = file("manifest.json", Writer::Aggregate(AggregateFile::Manifest));
/// `scenario.toml`: a copy of the scenario file, so that `report` and
/// `compare` work after the original moved.
pub const SCENARIO_COPY: OutputFile =
    file("scenario.toml", Writer::Aggregate(AggregateFile::Scenario));
/// `aggregate.json`: a shard's exact partial aggregate.
pub const SHARD_AGGREGATE: OutputFile = file("aggregate.json", Writer::Shard);
/// `shard.json`: which slice a shard ran.
pub const SHARD_INFO: OutputFile = file("shard.json", Writer::Shard);
/// `sweep.csv`.
pub const SWEEP: OutputFile = file("sweep.csv", Writer::Sweep);
/// `trace.json`.
pub const TRACE: OutputFile = file("trace.json", Writer::Trace);
/// `report.md`.
pub const REPORT_MD: OutputFile = file("report.md", Writer::Report);
/// `report.html`.
pub const REPORT_HTML: OutputFile = file("report.html", Writer::Report);
/// What `--report` and `amisim report` add to a directory, as the manifest lists them.
pub const REPORT_FILES: [&str; 3] = [REPORT_MD.name, REPORT_HTML.name, "charts/"];

/// Every output file, row files first (in their column-file order), then
/// the aggregated ones in the order they are written and listed.
pub const FILES: [OutputFile; 19] = [
    RUNS,
    STAGES,
    IMAGES,
    COST,
    EXPOSURE,
    SUMMARY,
    QUOTAS,
    QUOTA_TIMELINE,
    COST_SUMMARY,
    COST_BREAKDOWN,
    COST_BY_MONTH,
    MANIFEST,
    SCENARIO_COPY,
    SHARD_AGGREGATE,
    SHARD_INFO,
    SWEEP,
    TRACE,
    REPORT_MD,
    REPORT_HTML,
];

/// The row files, in order: `encode` and `RowFiles` index them so.
pub const ROW_FILES: [OutputFile; N_ROW_FILES] = [RUNS, STAGES, IMAGES, COST, EXPOSURE];

/// How many row files there are.
pub const N_ROW_FILES: usize = 5;

impl RowSelection {
    /// Whether each of [`ROW_FILES`] is written.
    pub fn enabled(self) -> RowSet {
        RowSet(ROW_FILES.map(|f| match f.writer {
            Writer::Rows(min) => self >= min,
            _ => false,
        }))
    }

    /// The row files written.
    pub fn files(self) -> Vec<&'static str> {
        ROW_FILES
            .iter()
            .zip(self.enabled().0)
            .filter(|(_, e)| *e)
            .map(|(f, _)| f.name)
            .collect()
    }
}

/// The files a single-scenario run (or merge) writes with `rows`, in order.
pub fn run_files(rows: RowSelection) -> Vec<&'static str> {
    let mut files = rows.files();
    files.extend(
        FILES
            .iter()
            .filter(|f| matches!(f.writer, Writer::Aggregate(_)))
            .map(|f| f.name),
    );
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_selection_writes_the_row_files_of_the_smaller_ones() {
        assert_eq!(RowSelection::None.files(), Vec::<&str>::new());
        for f in RowFile::ALL {
            assert!(f.file().is_row_file());
        }
        assert_eq!(RowSelection::Runs.files(), ["runs.csv"]);
        assert_eq!(
            RowSelection::All.files(),
            [
                "runs.csv",
                "stages.csv",
                "images.csv",
                "cost.csv",
                "exposure.csv"
            ]
        );
        assert_eq!(run_files(RowSelection::Runs).len(), 9);
        let mut names: Vec<&str> = FILES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FILES.len(), "names are unique");
        assert!(ROW_FILES.iter().all(OutputFile::is_row_file));
    }
}
