//! Scenario files: load, check and resolve.
//!
//! [`load`] reads a TOML file into `raw::RawScenario` (the file as typed,
//! unknown keys refused) and resolves it into a [`Scenario`] (defaults
//! applied, names interned, cross-references and ranges checked). Every
//! error found is reported with file, line, column, key path, reason and a
//! hint; syntax and type errors in different top-level entries are all
//! collected (each offending entry is set aside and the rest parsed again),
//! and semantic checks run once the file parses.
#![warn(missing_docs)]

pub(crate) mod draft;
mod error;
mod files;
mod parse;
mod pieces;
mod prices;
pub(crate) mod raw;
mod resolve;
mod scan;
pub(crate) mod spec;
pub(crate) mod sweep;
pub(crate) mod write;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use error::{Cut, Locator, ScenarioError, ScenarioErrors};
pub use files::{Files, LoadOptions, MAX_SCENARIO_BYTES, OUTSIDE_HELP, inside, read, read_input};
pub use parse::key_path_at;
use parse::parse_raw;
pub use resolve::checked::{
    DEFAULT_HORIZON, DEFAULT_REPLICATIONS, DEFAULT_SEED, MAX_REPLICATIONS, Scenario, default_start,
};
pub use resolve::{MAX_NAME_BYTES, Slo, SloScope};

/// The JSON Schema of scenario files (draft 2020-12), from the types that
/// read them: every key with its type and its documentation, unknown keys
/// refused as the reader refuses them.
pub fn schema() -> schemars::Schema {
    let mut s = schemars::schema_for!(raw::RawScenario);
    s.insert("title".into(), "amisim scenario".into());
    s
}

/// At most this many errors are reported for one file.
pub const MAX_ERRORS: usize = 20;

/// Reads, checks and resolves the scenario file at `path`.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Scenario, ScenarioErrors> {
    from_str_with(path, &read(path)?, opts)
}

/// Loads a scenario and its sweep points, if it has a `[sweep]`.
pub fn load_with_sweep(
    path: &Path,
    opts: &LoadOptions,
) -> Result<(Scenario, Option<sweep::Sweep>), ScenarioErrors> {
    let text = read(path)?;
    let base = from_str_with(path, &text, opts)?;
    let sweep = sweep::load_sweep(path, &text, opts)?;
    Ok((base, sweep))
}

/// As [`load`] with the default options, for a file already read; `path`
/// names it in errors and anchors relative paths (empirical CSV files).
pub fn from_str(path: &Path, text: &str) -> Result<Scenario, ScenarioErrors> {
    from_str_with(path, text, &LoadOptions::default())
}

/// As [`from_str`], under `opts`.
pub fn from_str_with(
    path: &Path,
    text: &str,
    opts: &LoadOptions,
) -> Result<Scenario, ScenarioErrors> {
    load_as(path, text, opts, None)
}

/// A calibration laid over a scenario before it is resolved: `amisim
/// backtest`'s (its values win, and the window is the period after the
/// cutoff) or a sensitivity run's (its values stand where the scenario
/// relies on a default).
#[derive(Debug, Clone)]
pub struct Overlay {
    /// The calibration file.
    pub calibration: std::path::PathBuf,
    /// Its values replace the scenario's own (else they stand where it sets none).
    pub wins: bool,
    /// Calendar time of t = 0 and the simulated window, if they change.
    pub window: Option<(toml::value::Datetime, spec::Dur)>,
}

/// As [`from_str_with`], with `overlay` laid over the scenario.
pub fn from_str_overlay(
    path: &Path,
    text: &str,
    opts: &LoadOptions,
    overlay: &Overlay,
) -> Result<Scenario, ScenarioErrors> {
    load_as(path, text, opts, Some(overlay))
}

fn load_as(
    path: &Path,
    text: &str,
    opts: &LoadOptions,
    overlay: Option<&Overlay>,
) -> Result<Scenario, ScenarioErrors> {
    let loc = Locator::new(path, text);
    let files = Files::of(path, opts);
    parse_raw::<raw::RawScenario>(&loc, text)
        .and_then(|raw| with_calibration(&loc, &files, text, raw))
        .and_then(|(raw, hash)| match overlay {
            None => Ok((raw, hash)),
            Some(o) => with_overlay(raw, hash, o, &files),
        })
        .and_then(|(mut raw, hash)| {
            // The hash covers the prices file too: the costs depend on it.
            let hash = match prices::with_prices(&loc, &files, &mut raw)? {
                Some(p) => hex_sha256(format!("{hash}\0{p}").as_bytes()),
                None => hash,
            };
            Ok((raw, hash))
        })
        .and_then(|(raw, hash)| {
            resolve::resolve(&loc, path, files.clone(), raw, hash)
                .map_err(|e| ScenarioErrors::at_most(e, MAX_ERRORS))
        })
        .map_err(|mut e| {
            // In file order, like a compiler; errors without a place first.
            e.0.sort_by_key(|e| (e.line, e.col));
            e
        })
}

/// Reads, checks and merges the scenario's `calibration`, if it names one;
/// the hash then covers both files, since the results depend on both.
fn with_calibration(
    loc: &Locator<'_>,
    files: &Files,
    text: &str,
    mut raw: raw::RawScenario,
) -> Result<(raw::RawScenario, String), ScenarioErrors> {
    let Some(c) = raw.calibration.take() else {
        return Ok((raw, hex_sha256(text.as_bytes())));
    };
    let cal_path = files.inside(c.get_ref()).map_err(|reason| {
        ScenarioErrors::new(vec![loc.error(
            Some(c.span()),
            "calibration",
            reason,
            Some(OUTSIDE_HELP.into()),
        )])
    })?;
    let cal_text = read_input(&cal_path, MAX_SCENARIO_BYTES).map_err(|e| {
        ScenarioErrors::new(vec![loc.error(
            Some(c.span()),
            "calibration",
            format!("cannot read {}: {e}", cal_path.display()),
            Some("the path is relative to the scenario's directory; write one with `amisim fit … -o calibration.toml`".into()),
        )])
    })?;
    let cal = read_calibration(&cal_path, &cal_text, files)?;
    resolve::calibration::merge(&mut raw, cal);
    let hash = hex_sha256(format!("{text}\0{cal_text}").as_bytes());
    Ok((raw, hash))
}

/// Parses and checks a calibration, its errors located in its own file.
fn read_calibration(
    cal_path: &Path,
    cal_text: &str,
    files: &Files,
) -> Result<raw::RawCalibration, ScenarioErrors> {
    let cal_loc = Locator::new(cal_path, cal_text);
    let cal = parse_raw::<raw::RawCalibration>(&cal_loc, cal_text)?;
    let cal_files = Files {
        dir: cal_path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .to_path_buf(),
        allow_outside: files.allow_outside,
        without_prices: files.without_prices,
    };
    let errors = resolve::calibration::check(&cal_loc, cal_files, &cal);
    if !errors.is_empty() {
        return Err(ScenarioErrors::at_most(errors, MAX_ERRORS));
    }
    Ok(cal)
}

/// An [`Overlay`]'s calibration merged (winning or not) and its window
/// set; the hash covers both.
fn with_overlay(
    mut raw: raw::RawScenario,
    hash: String,
    b: &Overlay,
    files: &Files,
) -> Result<(raw::RawScenario, String), ScenarioErrors> {
    let text = read_input(&b.calibration, MAX_SCENARIO_BYTES).map_err(|e| {
        ScenarioErrors::new(vec![Locator::new(&b.calibration, "").error(
            None,
            "calibration",
            format!("cannot read {}: {e}", b.calibration.display()),
            None,
        )])
    })?;
    let cal = read_calibration(&b.calibration, &text, files)?;
    if b.wins {
        resolve::calibration::merge_winning(&mut raw, cal);
    } else {
        resolve::calibration::merge(&mut raw, cal);
    }
    let mut window = String::new();
    if let Some((start, horizon)) = b.window {
        raw.start = Some(toml::Spanned::new(0..0, start));
        raw.horizon = Some(toml::Spanned::new(0..0, horizon));
        window = format!("{start}\0{}", horizon.0.as_millis());
    }
    Ok((
        raw,
        hex_sha256(format!("{hash}\0{text}\0{window}").as_bytes()),
    ))
}

/// The SHA-256 of `bytes`, in hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
