//! The row files of a run (`runs.csv`, `stages.csv`, …) being written:
//! temporary files beside their targets, filled with the rows [`encode`]
//! made, synced and renamed into place by [`RowFiles::commit`].
//!
//! [`encode`]: super::rows::encode

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::ReportError;
use super::rows::{
    COST_HEADER, EXPOSURE_HEADER, Encoded, IMAGES_HEADER, N_ROW_FILES, ROW_FILES, RUNS_HEADER,
    RowFile, RowSelection, RowSet, STAGES_HEADER,
};
use super::write::{persist, temp_beside};

/// The row files being written into temporary files in `dir` (removed if
/// the run ends before [`RowFiles::commit`]).
pub struct RowFiles {
    dir: PathBuf,
    files: [Option<BufWriter<NamedTempFile>>; N_ROW_FILES],
    /// The thread syncing rows already complete (see [`RowFiles::sync_early`]).
    syncing: Option<std::thread::JoinHandle<()>>,
}

/// Each row file's header, in [`ROW_FILES`] order.
pub(crate) const HEADERS: [&[&str]; N_ROW_FILES] = [
    &RUNS_HEADER,
    &STAGES_HEADER,
    &IMAGES_HEADER,
    &COST_HEADER,
    &EXPOSURE_HEADER,
];

fn csv_error(source: csv::Error) -> ReportError {
    ReportError::Csv {
        file: "row files",
        source,
    }
}

impl RowFiles {
    /// Creates the selected temporary files, each with its header.
    pub fn create(dir: &Path, rows: RowSelection) -> Result<Self, ReportError> {
        let open = |rf: RowFile| -> Result<Option<BufWriter<NamedTempFile>>, ReportError> {
            if !rows.enabled()[rf] {
                return Ok(None);
            }
            let path = dir.join(rf.file().name);
            let f = temp_beside(&path).map_err(|source| ReportError::Io {
                path: path.display().to_string(),
                source,
            })?;
            // Encoded rows come in pieces far larger than the buffer, and
            // bypass it; headers and merged shards go through it.
            let mut f = BufWriter::with_capacity(1 << 16, f);
            let mut w = csv::Writer::from_writer(&mut f);
            w.write_record(HEADERS[rf as usize]).map_err(csv_error)?;
            w.flush().map_err(|e| csv_error(e.into()))?;
            drop(w);
            Ok(Some(f))
        };
        Ok(RowFiles {
            dir: dir.to_path_buf(),
            files: [
                open(RowFile::Runs)?,
                open(RowFile::Stages)?,
                open(RowFile::Images)?,
                open(RowFile::Cost)?,
                open(RowFile::Exposure)?,
            ],
            syncing: None,
        })
    }

    /// Starts writing the files to disk on a thread of its own, once no more
    /// rows will come while replications go on (the row cut of
    /// `--row-replications`): the sync in [`RowFiles::commit`] then finds
    /// little left to write, and the disk's time overlaps the replications
    /// instead of following them (quickstart's default command spent about
    /// 45 ms in fsync at its end, a tenth of its run). Best effort: commit
    /// syncs every file again and reports any error.
    pub fn sync_early(&mut self) -> Result<(), ReportError> {
        if self.syncing.is_some() {
            return Ok(());
        }
        let mut handles = Vec::new();
        for (f, spec) in self.files.iter_mut().zip(ROW_FILES) {
            let Some(f) = f else { continue };
            let io = |source| ReportError::Io {
                path: spec.name.to_string(),
                source,
            };
            f.flush().map_err(io)?;
            handles.push(f.get_ref().as_file().try_clone().map_err(io)?);
        }
        self.syncing = std::thread::Builder::new()
            .name("amisim-sync".into())
            .spawn(move || {
                for f in handles {
                    let _ = f.sync_data();
                }
            })
            .ok();
        Ok(())
    }

    /// The files written, in [`ROW_FILES`] order: what [`encode`](super::rows::encode) needs.
    pub fn enabled(&self) -> RowSet {
        RowSet(std::array::from_fn(|i| self.files[i].is_some()))
    }

    /// Appends encoded rows (those of the replications after the last appended).
    pub fn append(&mut self, encoded: &Encoded) -> Result<(), ReportError> {
        for (i, bytes) in encoded.0.iter().enumerate() {
            if let Some(f) = self.files[i].as_mut() {
                f.write_all(bytes).map_err(|source| ReportError::Io {
                    path: ROW_FILES[i].name.to_string(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// Appends the records (header line skipped) of the row files written
    /// by other processes, in order: how shard outputs are merged. A shard
    /// encodes its rows with this very writer, and `merge` has checked each
    /// file against its shard's SHA-256, so its bytes after the header are
    /// those one process writes: they are copied, not parsed.
    pub fn append_files(&mut self, parts: &[PathBuf]) -> Result<(), ReportError> {
        use std::io::BufRead;
        for part in parts {
            for (i, name) in ROW_FILES.iter().map(|f| f.name).enumerate() {
                let Some(f) = self.files[i].as_mut() else {
                    continue;
                };
                let path = part.join(name);
                let io = |source| ReportError::Io {
                    path: path.display().to_string(),
                    source,
                };
                let mut reader = std::io::BufReader::new(std::fs::File::open(&path).map_err(io)?);
                // The header is one line of fixed column names.
                let mut header = Vec::new();
                reader.read_until(b'\n', &mut header).map_err(io)?;
                std::io::copy(&mut reader, f).map_err(io)?;
            }
        }
        Ok(())
    }

    /// Flushes, syncs and renames the files into place.
    pub fn commit(mut self) -> Result<(), ReportError> {
        if let Some(syncing) = self.syncing.take() {
            let _ = syncing.join();
        }
        for (file, name) in self.files.into_iter().zip(ROW_FILES.map(|f| f.name)) {
            let Some(f) = file else { continue };
            let io = |source| ReportError::Io {
                path: name.to_string(),
                source,
            };
            let tmp = f.into_inner().map_err(|e| io(e.into_error()))?;
            persist(tmp, &self.dir.join(name)).map_err(io)?;
        }
        Ok(())
    }
}
