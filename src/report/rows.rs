//! Row files, streamed: `runs.csv`, `stages.csv` and `images.csv` get their
//! rows replication by replication while the experiment runs, into
//! temporary files that are renamed into place only when everything
//! succeeded.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{ReportError, at, span};
use crate::pipeline::analysis::{critical_stage, item_name, kms_key_name, records_by_exec};
use crate::pipeline::config::World;
use crate::pipeline::model::{Outcome, ReplicationResult};

/// Header of `runs.csv`.
pub const RUNS_HEADER: [&str; 16] = [
    "replication",
    "pipeline",
    "execution",
    "trigger",
    "triggered_at_s",
    "image_available_at_s",
    "tests_passed_at_s",
    "finished_at_s",
    "time_to_all_regions_s",
    "regions",
    "outcome",
    "failed_stage",
    "failed_item",
    "failed_cause",
    "critical_stage",
    "critical_stage_s",
];

/// Header of `stages.csv`.
pub const STAGES_HEADER: [&str; 18] = [
    "replication",
    "pipeline",
    "execution",
    "stage",
    "item",
    "region",
    "account",
    "enqueued_at_s",
    "started_at_s",
    "finished_at_s",
    "wait_s",
    "duration_s",
    "data_gib",
    "kms_key",
    "outcome",
    "cause",
    "attempt",
    "api_retries",
];

/// Header of `images.csv`.
pub const IMAGES_HEADER: [&str; 10] = [
    "replication",
    "pipeline",
    "execution",
    "account",
    "region",
    "kms_key",
    "stored_gib",
    "created_at_s",
    "deprecated_at_s",
    "deleted_at_s",
];

/// Header of `cost.csv`.
pub const COST_HEADER: [&str; 10] = [
    "replication",
    "pipeline",
    "execution",
    "category",
    "item",
    "region",
    "account",
    "quantity",
    "unit",
    "usd",
];

/// The row files.
pub const ROW_FILES: [&str; 4] = ["runs.csv", "stages.csv", "images.csv", "cost.csv"];

/// Which row files a run writes (`--rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSelection {
    /// `runs.csv`, `stages.csv`, `images.csv` and `cost.csv`.
    All,
    /// `runs.csv` only.
    Runs,
    /// None: only the aggregated reports.
    None,
}

impl RowSelection {
    /// The row files written, in [`ROW_FILES`] order.
    pub fn enabled(self) -> [bool; 4] {
        match self {
            RowSelection::All => [true, true, true, true],
            RowSelection::Runs => [true, false, false, false],
            RowSelection::None => [false, false, false, false],
        }
    }

    /// Names of the row files written.
    pub fn files(self) -> Vec<&'static str> {
        ROW_FILES
            .iter()
            .zip(self.enabled())
            .filter(|(_, e)| *e)
            .map(|(f, _)| *f)
            .collect()
    }
}

/// Writes the rows of one replication to the writers present (runs, stages, images, cost).
pub fn write_replication<W: Write>(
    world: &World,
    index: u64,
    rep: &ReplicationResult,
    out: &mut [Option<csv::Writer<W>>; 4],
) -> Result<(), csv::Error> {
    let ri = index.to_string();
    let [runs_w, stages_w, images_w, cost_w] = out;
    if let Some(w) = cost_w {
        write_cost(world, &ri, rep, w)?;
    }
    if let Some(w) = runs_w {
        write_runs(world, &ri, rep, w)?;
    }
    if let Some(w) = stages_w {
        write_stages(world, &ri, rep, w)?;
    }
    if let Some(w) = images_w {
        write_images(world, &ri, rep, w)?;
    }
    Ok(())
}

fn write_runs<W: Write>(
    world: &World,
    ri: &str,
    rep: &ReplicationResult,
    w: &mut csv::Writer<W>,
) -> Result<(), csv::Error> {
    let by_exec = records_by_exec(rep);
    for (ei, run) in rep.runs.iter().enumerate() {
        let p = &world.pipelines[run.pipeline as usize];
        let (stage, item, cause) = match run.failed_record {
            Some(f) => {
                let r = &rep.stages[f as usize];
                (
                    r.stage.name().to_string(),
                    item_name(world, rep, r),
                    r.cause.name(),
                )
            }
            None => (String::new(), String::new(), ""),
        };
        let (critical, critical_s) = match critical_stage(world, rep, ei, &by_exec[ei]) {
            Some((k, d)) => (k, span(d)),
            None => (String::new(), String::new()),
        };
        let ttar = if run.outcome == Outcome::Succeeded {
            span(run.finished.since(run.triggered))
        } else {
            String::new()
        };
        w.write_record([
            ri,
            &p.name,
            &run.number.to_string(),
            run.trigger.name(),
            &at(run.triggered),
            &run.image_available.map(at).unwrap_or_default(),
            &run.tests_passed.map(at).unwrap_or_default(),
            &at(run.finished),
            &ttar,
            &world.target_regions(p).to_string(),
            run.outcome.name(),
            &stage,
            &item,
            cause,
            &critical,
            &critical_s,
        ])?;
    }
    Ok(())
}

fn write_stages<W: Write>(
    world: &World,
    ri: &str,
    rep: &ReplicationResult,
    w: &mut csv::Writer<W>,
) -> Result<(), csv::Error> {
    for r in &rep.stages {
        let run = &rep.runs[r.exec as usize];
        let p = &world.pipelines[run.pipeline as usize];
        w.write_record([
            ri,
            &p.name,
            &run.number.to_string(),
            r.stage.name(),
            &item_name(world, rep, r),
            &world.regions[r.region as usize],
            &world.directory.accounts[r.account as usize].name,
            &at(r.enqueued),
            &at(r.started),
            &at(r.finished),
            &span(r.started.since(r.enqueued)),
            &span(r.finished.since(r.started)),
            &format!("{:.3}", r.data_gib),
            &kms_key_name(world, rep, r),
            r.outcome.name(),
            r.cause.name(),
            &r.attempt.to_string(),
            &r.api_retries.to_string(),
        ])?;
    }
    Ok(())
}

fn write_cost<W: Write>(
    world: &World,
    ri: &str,
    rep: &ReplicationResult,
    w: &mut csv::Writer<W>,
) -> Result<(), csv::Error> {
    for l in crate::cost::ledger(world, rep) {
        let (pipeline, execution) = match l.exec {
            Some(e) => {
                let run = &rep.runs[e as usize];
                (
                    world.pipelines[run.pipeline as usize].name.as_str(),
                    run.number.to_string(),
                )
            }
            None => ("", String::new()),
        };
        w.write_record([
            ri,
            pipeline,
            &execution,
            l.category.name(),
            &l.item,
            &world.regions[l.region as usize],
            &world.directory.accounts[l.account as usize].name,
            &format!("{:.6}", l.quantity),
            l.category.unit(),
            &format!("{}.{:06}", l.usd_micro / 1_000_000, l.usd_micro % 1_000_000),
        ])?;
    }
    Ok(())
}

fn write_images<W: Write>(
    world: &World,
    ri: &str,
    rep: &ReplicationResult,
    w: &mut csv::Writer<W>,
) -> Result<(), csv::Error> {
    let dir = &world.directory;
    for img in &rep.images {
        let run = &rep.runs[img.exec as usize];
        w.write_record([
            ri,
            &world.pipelines[run.pipeline as usize].name,
            &run.number.to_string(),
            &dir.accounts[img.account as usize].name,
            &world.regions[img.region as usize],
            &dir.encryption_name(img.encryption),
            &format!("{:.3}", img.stored_gib),
            &at(img.created),
            &img.deprecated.map(at).unwrap_or_default(),
            &img.deleted.map(at).unwrap_or_default(),
        ])?;
    }
    Ok(())
}

/// The row files being written into temporary files in `dir`.
pub struct RowFiles {
    dir: PathBuf,
    writers: [Option<csv::Writer<BufWriter<File>>>; 4],
    committed: bool,
}

fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

const HEADERS: [&[&str]; 4] = [&RUNS_HEADER, &STAGES_HEADER, &IMAGES_HEADER, &COST_HEADER];

impl RowFiles {
    /// Creates the selected temporary files, each with its header.
    pub fn create(dir: &Path, rows: RowSelection) -> Result<Self, ReportError> {
        let open = |i: usize| -> Result<Option<csv::Writer<BufWriter<File>>>, ReportError> {
            if !rows.enabled()[i] {
                return Ok(None);
            }
            let path = temp_path(dir, ROW_FILES[i]);
            let f = File::create(&path).map_err(|source| ReportError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let mut w = csv::Writer::from_writer(BufWriter::new(f));
            w.write_record(HEADERS[i])
                .map_err(|source| ReportError::Csv {
                    file: "row files",
                    source,
                })?;
            Ok(Some(w))
        };
        Ok(RowFiles {
            dir: dir.to_path_buf(),
            writers: [open(0)?, open(1)?, open(2)?, open(3)?],
            committed: false,
        })
    }

    /// Appends one replication's rows.
    pub fn write(
        &mut self,
        world: &World,
        index: u64,
        rep: &ReplicationResult,
    ) -> Result<(), ReportError> {
        write_replication(world, index, rep, &mut self.writers).map_err(|source| ReportError::Csv {
            file: "row files",
            source,
        })
    }

    /// Appends the records (header skipped) of the row files written by
    /// other processes, in order: how shard outputs are merged. Records are
    /// re-encoded by the same writer, so the bytes are those one process writes.
    pub fn append_files(&mut self, parts: &[PathBuf]) -> Result<(), ReportError> {
        for part in parts {
            for (i, name) in ROW_FILES.iter().enumerate() {
                let Some(w) = self.writers[i].as_mut() else {
                    continue;
                };
                let path = part.join(name);
                let csv = |source| ReportError::Csv {
                    file: "row files",
                    source,
                };
                let mut reader = csv::Reader::from_path(&path).map_err(csv)?;
                for record in reader.byte_records() {
                    w.write_byte_record(&record.map_err(csv)?).map_err(csv)?;
                }
            }
        }
        Ok(())
    }

    /// Flushes, syncs and renames the files into place.
    pub fn commit(mut self) -> Result<(), ReportError> {
        for (i, name) in ROW_FILES.iter().enumerate() {
            let Some(w) = self.writers[i].as_mut() else {
                continue;
            };
            let io = |source| ReportError::Io {
                path: name.to_string(),
                source,
            };
            w.flush().map_err(io)?;
            w.get_ref().get_ref().sync_all().map_err(io)?;
            std::fs::rename(temp_path(&self.dir, name), self.dir.join(name)).map_err(io)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for RowFiles {
    /// An unfinished run leaves no partial file behind.
    fn drop(&mut self) {
        if !self.committed {
            for name in ROW_FILES {
                let _ = std::fs::remove_file(temp_path(&self.dir, name));
            }
        }
    }
}
