//! Reports: pure functions from results to bytes, written atomically.
//!
//! Column names carry their unit (`_s` seconds since the start of the
//! simulation or a span in seconds, `_gib` gibibytes). Times are printed
//! from integer milliseconds with exactly three decimals, so the bytes are
//! the same on every machine.

pub mod capacity;
pub(crate) mod charts;
pub(crate) mod commit;
pub mod cost_months;
pub(crate) mod csv_files;
pub(crate) mod interrupt;
pub(crate) mod manifest;
pub(crate) mod plan;
pub mod row_files;
pub mod rows;
pub(crate) mod sweep;
pub(crate) mod text;
pub(crate) mod trace;
pub(crate) mod write;

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
    /// The report's own runs (the quota search, the copy quota's other
    /// reading, the sensitivity runs) failed.
    #[error("cannot run the report's experiments")]
    Experiments(#[source] crate::experiment::ExperimentError),
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
    let mut b = Vec::with_capacity(24);
    push_secs(&mut b, ms);
    // ASCII digits and a point only.
    b.into_iter().map(char::from).collect()
}

/// Appends [`secs`]`(ms)` to `buf` (no allocation once it has room).
pub fn push_secs(buf: &mut Vec<u8>, ms: u64) {
    push_digits(buf, ms / 1000, 1);
    buf.push(b'.');
    push_digits(buf, ms % 1000, 3);
}

/// Appends `v` in decimal, at least `width` digits (zero-padded).
pub fn push_digits(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 && tmp.len() - i >= width {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `format!("{x:.decimals$}")` to `buf`, without the formatting
/// machinery when that is safe: for a non-negative `x` whose scaled value
/// `x · 10^decimals` is far enough (more than its rounding error) from a
/// rounding tie, rounding the scaled float gives the exactly rounded
/// decimal, printed as integers. Otherwise (ties, huge or negative values,
/// NaN) it formats as `format!` does.
pub fn push_fixed(buf: &mut Vec<u8>, x: f64, decimals: usize) {
    const SCALE: [u64; 10] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    if let Some(&scale) = SCALE.get(decimals)
        && x.is_sign_positive()
    {
        let p = x * scale as f64;
        // |p - x·scale| <= p · 2^-53: beyond 2^-50 · p from a tie, p rounds
        // the way the exact product does (and below 2^52 it has a fraction).
        let frac = p - p.floor();
        if p < (1u64 << 52) as f64 && (frac - 0.5).abs() > p * f64::EPSILON * 2.0 {
            let n = crate::engine::round_to_u64(p);
            push_digits(buf, n / scale, 1);
            if decimals > 0 {
                buf.push(b'.');
                push_digits(buf, n % scale, decimals);
            }
            return;
        }
    }
    use std::io::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{x:.decimals$}");
}
