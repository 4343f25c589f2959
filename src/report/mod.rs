//! Reports: pure functions from results to bytes, written atomically.
//!
//! Column names carry their unit (`_s` seconds since the start of the
//! simulation or a span in seconds, `_gib` gibibytes). Times are printed
//! from integer milliseconds with exactly three decimals, so the bytes are
//! the same on every machine.

pub mod capacity;
pub mod charts;
pub mod csv_files;
pub mod plan;
pub mod rows;
pub mod sweep;
pub mod text;
pub mod trace;
pub mod write;

use crate::engine::{SimDuration, SimTime};

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// CSV encoding failed.
    #[error("cannot encode {file}: {source}")]
    Csv {
        /// The file being rendered.
        file: &'static str,
        /// The cause.
        source: csv::Error,
    },
    /// JSON encoding failed.
    #[error("cannot encode manifest.json: {0}")]
    Json(#[from] serde_json::Error),
    /// A chart could not be drawn.
    #[error("cannot draw chart {chart}: {reason}")]
    Chart {
        /// The chart.
        chart: String,
        /// Why.
        reason: String,
    },
    /// An output file could not be read back for a report.
    #[error("cannot read {path} for the report: {reason}")]
    Input {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Seconds with three decimals, from integer milliseconds.
pub fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// An instant as seconds since the start.
pub fn at(t: SimTime) -> String {
    secs(t.as_millis())
}

/// A span as seconds.
pub fn span(d: SimDuration) -> String {
    secs(d.as_millis())
}
