//! Scenario files: load, check and resolve.
//!
//! [`load`] reads a TOML file into [`raw::RawScenario`] (the file as typed,
//! unknown keys refused) and resolves it into a [`Scenario`] (defaults
//! applied, names interned, cross-references and ranges checked). Every
//! error found is reported with file, line, column, key path, reason and a
//! hint; syntax and type errors in different top-level entries are all
//! collected (each offending entry is set aside and the rest parsed again),
//! and semantic checks run once the file parses.
#![warn(missing_docs)]

mod error;
pub mod raw;
mod resolve;
pub mod spec;
pub mod sweep;

use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

pub use error::{Cut, Locator, ScenarioError, ScenarioErrors};
pub use resolve::*;

/// At most this many errors are reported for one file.
pub const MAX_ERRORS: usize = 20;

/// Reads, checks and resolves the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
    from_str(path, &read(path)?)
}

/// Whether files a scenario names may lie outside its directory
/// (`--allow-outside-paths`); off, they may not.
static OUTSIDE_PATHS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Allows (or, the default, refuses) files a scenario names outside its
/// directory: an empirical `csv` or a `calibration`.
pub fn allow_paths_outside(allow: bool) {
    OUTSIDE_PATHS.store(allow, std::sync::atomic::Ordering::Relaxed);
}

/// `file`, named in a scenario in `base`, as a path; refused, unless
/// [`allow_paths_outside`], if it is absolute, climbs out with `..`, or is
/// a symbolic link to a file outside. A scenario from elsewhere then cannot
/// make amisim read (and report on) any file the user can read.
pub fn inside(base: &Path, file: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let path = base.join(file);
    if OUTSIDE_PATHS.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(path);
    }
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let outside = || {
        format!(
            "{file} lies outside the scenario's directory ({}), and amisim reads only files inside it",
            dir.display()
        )
    };
    let mut depth = 0i64;
    for c in Path::new(file).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => depth -= 1,
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
        if depth < 0 {
            return Err(outside());
        }
    }
    // A link inside may point outside: compare where both really are.
    if let (Ok(b), Ok(p)) = (std::fs::canonicalize(dir), std::fs::canonicalize(&path))
        && !p.starts_with(&b)
    {
        return Err(outside());
    }
    Ok(path)
}

/// The help for [`inside`]'s refusal.
pub const OUTSIDE_HELP: &str = "copy the file beside the scenario (or below it), or pass --allow-outside-paths to read it where it is";

/// At most this many bytes in a scenario or calibration file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads a regular file of at most `max` bytes as UTF-8. Anything else (a
/// FIFO, which would block, a device, a directory, a file over the limit)
/// is refused before it is read.
pub fn read_input(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read as _};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a device or a directory); give a file",
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!("over the limit of {max} bytes for this input"),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(too_big());
    }
    Ok(text)
}

/// Reads a scenario file, or a located error saying why it cannot be read.
pub fn read(path: &Path) -> Result<String, ScenarioErrors> {
    read_input(path, MAX_SCENARIO_BYTES).map_err(|e| {
        ScenarioErrors::new(vec![ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            col: 0,
            key_path: String::new(),
            reason: format!("cannot read the scenario file: {e}"),
            help: Some("check the path; shipped scenarios are in scenarios/".into()),
        }])
    })
}

/// Loads a scenario and its sweep points, if it has a `[sweep]`.
pub fn load_with_sweep(path: &Path) -> Result<(Scenario, Option<sweep::Sweep>), ScenarioErrors> {
    let text = read(path)?;
    let base = from_str(path, &text)?;
    let sweep = sweep::load_sweep(path, &text)?;
    Ok((base, sweep))
}

/// As [`load`], for a file already read; `path` names it in errors and
/// anchors relative paths (empirical CSV files).
pub fn from_str(path: &Path, text: &str) -> Result<Scenario, ScenarioErrors> {
    let loc = Locator::new(path, text);
    parse_raw::<raw::RawScenario>(&loc, text)
        .and_then(|raw| with_calibration(&loc, path, text, raw))
        .and_then(|(raw, hash)| {
            resolve::resolve(&loc, path, raw, hash)
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
    path: &Path,
    text: &str,
    mut raw: raw::RawScenario,
) -> Result<(raw::RawScenario, String), ScenarioErrors> {
    let Some(c) = raw.calibration.take() else {
        return Ok((raw, hex_sha256(text.as_bytes())));
    };
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    let cal_path = inside(base, c.get_ref()).map_err(|reason| {
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
    let cal_loc = Locator::new(&cal_path, &cal_text);
    let cal = parse_raw::<raw::RawCalibration>(&cal_loc, &cal_text)?;
    let errors = resolve::calibration::check(&cal_loc, &cal_path, &cal);
    if !errors.is_empty() {
        return Err(ScenarioErrors::at_most(errors, MAX_ERRORS));
    }
    resolve::calibration::merge(&mut raw, cal);
    let hash = hex_sha256(format!("{text}\0{cal_text}").as_bytes());
    Ok((raw, hash))
}

/// The SHA-256 of `bytes`, in hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses the TOML and deserializes it, collecting one error per offending
/// entry: each is removed in turn and the rest deserialized again.
fn parse_raw<T: serde::de::DeserializeOwned>(
    loc: &Locator<'_>,
    text: &str,
) -> Result<T, ScenarioErrors> {
    let syntax_error = |e: &toml::de::Error| {
        loc.error(
            e.span(),
            "",
            format!("invalid TOML: {}", e.message().trim()),
            Some("see the scenario format in README.md".into()),
        )
    };
    // The first syntax error costs no more than parsing; listing them all
    // keeps every one in memory, so past 1 MiB only the first is listed.
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(first) if text.len() > 1 << 20 => {
            return Err(ScenarioErrors(vec![syntax_error(&first)], Cut::Stopped));
        }
        Err(_) => {
            let (_, syntax) = DeTable::parse_recoverable(text);
            let more = syntax.len().saturating_sub(MAX_ERRORS);
            let errors = syntax.iter().take(MAX_ERRORS).map(syntax_error).collect();
            let cut = if more > 0 {
                Cut::More(more)
            } else {
                Cut::Nothing
            };
            return Err(ScenarioErrors(errors, cut));
        }
    };
    // Control characters (escapes such as \u001b) would reach CSVs and
    // terminals through names: refused wherever a string holds one.
    let mut bad = Vec::new();
    control_chars(doc.get_ref(), &mut bad);
    if !bad.is_empty() {
        let errors = bad
            .into_iter()
            .take(MAX_ERRORS)
            .map(|(span, c)| {
                loc.error(
                    Some(span.clone()),
                    key_path_at(doc.get_ref(), span.start),
                    format!("the string holds the control character U+{:04X}", c as u32),
                    Some("remove it: names and values are written into CSV files and terminals (tabs and line breaks only in description)".into()),
                )
            })
            .collect();
        return Err(ScenarioErrors::at_most(errors, MAX_ERRORS));
    }
    // Paths are computed on the untouched document, so that indices stay those of the file.
    let original = doc.clone();
    let mut doc = doc;
    let mut errors = Vec::new();
    // The key paths removed so far, to tell our own "missing field" from the user's.
    let mut removed: Vec<String> = Vec::new();
    loop {
        let de = toml::de::Deserializer::from(doc.clone());
        match <T as serde::Deserialize>::deserialize(de) {
            Ok(raw) if errors.is_empty() => return Ok(raw),
            Ok(_) => return Err(ScenarioErrors::new(errors)),
            Err(e) => {
                let span = e.span();
                let path = span
                    .as_ref()
                    .map(|s| key_path_at(original.get_ref(), s.start))
                    .unwrap_or_default();
                let Some(at) = span.as_ref().map(|s| s.start) else {
                    errors.push(loc.error(
                        None,
                        path,
                        explain_serde_message(e.message(), "").0,
                        None,
                    ));
                    return Err(ScenarioErrors::new(errors));
                };
                // A required key this loop removed to go on is missing now: that
                // is not the user's error, so drop the table that lacks it instead.
                let ours = missing_field(e.message()).is_some_and(|f| {
                    let full = if path.is_empty() {
                        f.to_string()
                    } else {
                        format!("{path}.{f}")
                    };
                    removed.contains(&full)
                });
                if !ours {
                    let (reason, help) = explain_serde_message(e.message(), &path);
                    errors.push(loc.error(span.clone(), path.clone(), reason, help));
                }
                removed.push(path);
                if !remove_deepest_at(doc.get_mut(), at) {
                    return Err(ScenarioErrors::new(errors));
                }
                if errors.len() >= MAX_ERRORS {
                    return Err(ScenarioErrors(errors, error::Cut::Stopped));
                }
            }
        }
    }
}

/// Keys an earlier format had, with what replaced them.
const RETIRED: &[(&str, &str)] = &[
    (
        "package_update_mean_interval",
        "dependency updates now come from named sources: add [[pipeline.update_source]] with of = \"base_image\" (or a component's name) and mean_interval; README, \"Dependency updates\"",
    ),
    (
        "package_update_cron",
        "dependency updates now come from named sources: add [[pipeline.update_source]] with of = \"base_image\" (or a component's name) and cron; README, \"Dependency updates\"",
    ),
    (
        "build_on_package_update",
        "renamed build_on_update (a build at each matching dependency update)",
    ),
];

/// Rewrites serde's wording into ours and adds a hint.
fn explain_serde_message(message: &str, key_path: &str) -> (String, Option<String>) {
    let message = message.trim().to_string();
    if let Some(typed) = explain_type_error(&message, key_path) {
        return typed;
    }
    let retired = RETIRED
        .iter()
        .find(|(key, _)| message.starts_with(&format!("unknown field `{key}`")));
    let help = if let Some((_, instead)) = retired {
        Some((*instead).to_string())
    } else if message.starts_with("unknown field") {
        // "unknown field `x`, expected one of `a`, `b`": suggest the closest key.
        let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        let guess = names.split_first().and_then(|(typed, known)| {
            known
                .iter()
                .map(|k| (strsim::levenshtein(typed, k), *k))
                .min()
                .filter(|(d, _)| *d <= 3)
        });
        Some(match guess {
            Some((_, k)) => format!("did you mean `{k}`? every key is listed in README.md"),
            None => "remove or correct the key; every key is listed in README.md".into(),
        })
    } else if message.starts_with("missing field") {
        Some("add the key; required keys are listed in README.md".into())
    } else if message.contains("unknown variant") {
        Some("use one of the kinds listed".into())
    } else if message.starts_with("invalid type") {
        Some("check the value's type against README.md".into())
    } else if let Some((reason, fix)) = message.rsplit_once("; ")
        && ["write ", "use ", "give "]
            .iter()
            .any(|v| fix.starts_with(v))
    {
        // Our own parsers end their message with the fix: it is the help.
        return (reason.to_string(), Some(fix.to_string()));
    } else {
        None
    };
    (message, help)
}

/// serde's "invalid type: string \"x\", expected f64" (and "invalid value:
/// integer `-1`, expected u64") in words: what the key takes, with its unit,
/// and what the file gave.
fn explain_type_error(message: &str, key_path: &str) -> Option<(String, Option<String>)> {
    let (got, expected) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?
        .rsplit_once(", expected ")?;
    let (wanted, whole_example) = match expected {
        "f64" | "f32" => ("a number", None),
        "u8" | "u16" | "u32" | "u64" | "usize" => ("a whole number, 0 or more", Some("3")),
        "i8" | "i16" | "i32" | "i64" | "isize" => ("a whole number", Some("3")),
        "a boolean" => {
            let got = got
                .strip_prefix("string ")
                .map_or(got.to_string(), |v| format!("the string {v}"));
            let help = "write true or false, without quotes".to_string();
            return Some((format!("expected true or false, got {got}"), Some(help)));
        }
        _ => return None,
    };
    let (unit, unit_example) = unit_of(key_path).unzip();
    let wanted = match unit {
        Some(u) => format!("{wanted} ({u})"),
        None => wanted.to_string(),
    };
    let quoted = got.starts_with("string ");
    // "string \"x\"" → "the string \"x\"", "floating point `1.5`" → "1.5".
    let got = match got.split_once(' ') {
        Some(("string", v)) => format!("the string {v}"),
        Some(("boolean", v)) => format!("the boolean {}", v.trim_matches('`')),
        _ => got
            .rsplit_once(' ')
            .map_or(got, |(_, v)| v)
            .trim_matches('`')
            .to_string(),
    };
    let key = key_path.rsplit('.').next().unwrap_or(key_path);
    let example = whole_example.or(unit_example).unwrap_or("1.5");
    let bare = if quoted {
        "write a bare number, without quotes"
    } else {
        "write a number"
    };
    let help = format!("{bare}, e.g. `{key} = {example}`; README.md lists every key with its unit");
    Some((format!("expected {wanted}, got {got}"), Some(help)))
}

/// The unit a numeric key takes, read off its name (the names carry their
/// units), and a typical value.
fn unit_of(key_path: &str) -> Option<(&'static str, &'static str)> {
    let key = key_path.rsplit('.').next().unwrap_or(key_path);
    let table = key_path.split('.').rev().nth(1).unwrap_or("");
    Some(if key.ends_with("_gib") {
        ("GiB", "30")
    } else if key.ends_with("probability") {
        ("a probability, from 0 to 1", "0.01")
    } else if key == "slowdown" {
        ("a factor on durations, 1 or more", "3")
    } else if key == "refill_per_s" {
        ("tokens per second", "2")
    } else if key == "capacity" {
        ("tokens", "100")
    } else if key.ends_with("usd_per_hour") || table == "instance_usd_per_hour" {
        ("US dollars per hour", "0.0832")
    } else if key.ends_with("usd_per_gb_month") {
        ("US dollars per GB-month", "0.05")
    } else if key.ends_with("usd_per_gb") || table == "transfer_from" {
        ("US dollars per GB", "0.02")
    } else if key.ends_with("usd_per_month") || key.ends_with("cost_usd") {
        ("US dollars a month", "1")
    } else {
        return None;
    })
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

/// The dotted key path of the deepest key or value whose span holds `offset`.
///
/// Children are searched even when their parent's span does not hold the
/// offset: the span of an array-of-tables element covers its header, not the
/// sub-tables declared after it.
pub fn key_path_at(table: &DeTable<'_>, offset: usize) -> String {
    let mut parts = Vec::new();
    find_in_table(table, offset, &mut parts);
    let mut path = String::new();
    for p in parts.iter().rev() {
        if !p.starts_with('[') && !path.is_empty() {
            path.push('.');
        }
        path.push_str(p);
    }
    path
}

/// Every string value (and key) of `table` holding a control character:
/// its span and the first such character. `description` may hold tabs and
/// line breaks.
fn control_chars(table: &DeTable<'_>, out: &mut Vec<(std::ops::Range<usize>, char)>) {
    fn first_bad(s: &str, text: bool) -> Option<char> {
        s.chars()
            .find(|c| c.is_control() && !(text && matches!(c, '\t' | '\n' | '\r')))
    }
    fn value(v: &Spanned<DeValue<'_>>, text: bool, out: &mut Vec<(std::ops::Range<usize>, char)>) {
        match v.get_ref() {
            DeValue::String(s) => {
                if let Some(c) = first_bad(s, text) {
                    out.push((v.span(), c));
                }
            }
            DeValue::Table(t) => control_chars(t, out),
            DeValue::Array(a) => a.iter().for_each(|x| value(x, false, out)),
            _ => {}
        }
    }
    for (k, v) in table.iter() {
        if let Some(c) = first_bad(k.get_ref(), false) {
            out.push((k.span(), c));
        }
        value(v, k.get_ref() == "description", out);
    }
}

/// Pushes path parts innermost first; true if `offset` is inside `table`.
fn find_in_table(table: &DeTable<'_>, offset: usize, parts: &mut Vec<String>) -> bool {
    for (key, value) in table.iter() {
        if contains(&key.span(), offset)
            || find_in_value(value, offset, parts)
            || contains(&value.span(), offset)
        {
            parts.push(key.get_ref().to_string());
            return true;
        }
    }
    false
}

fn find_in_value(value: &Spanned<DeValue<'_>>, offset: usize, parts: &mut Vec<String>) -> bool {
    match value.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset, parts),
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                if find_in_value(v, offset, parts) || contains(&v.span(), offset) {
                    parts.push(format!("[{i}]"));
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// The field serde's "missing field `x`" names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Removes the deepest entry that holds `offset`: a key with a scalar value,
/// an array element that is not a table, or a table that holds `offset` in
/// its header but in none of its keys. Returns false if nothing holds it.
fn remove_deepest_at(table: &mut DeTable<'_>, offset: usize) -> bool {
    let mut scratch = Vec::new();
    let key = table
        .iter()
        .find(|(k, v)| {
            contains(&k.span(), offset)
                || find_in_value(v, offset, &mut scratch)
                || contains(&v.span(), offset)
        })
        .map(|(k, _)| k.clone());
    let Some(key) = key else { return false };
    let on_key = contains(&key.span(), offset);
    let Some(value) = table.get_mut(&key) else {
        return false;
    };
    if !on_key {
        match value.get_mut() {
            DeValue::Table(t) => {
                let removed = remove_deepest_at(t, offset);
                return removed || table.remove(&key).is_some();
            }
            DeValue::Array(a) => {
                if let Some(i) = a.iter().position(|v| {
                    find_in_value(v, offset, &mut scratch) || contains(&v.span(), offset)
                }) {
                    // DeArray has no mutable access to one element: rebuild it.
                    let mut kept = DeArray::new();
                    for (j, v) in a.iter().enumerate() {
                        if j != i {
                            kept.push(v.clone());
                            continue;
                        }
                        let mut v = v.clone();
                        if let DeValue::Table(t) = v.get_mut()
                            && remove_deepest_at(t, offset)
                        {
                            kept.push(v);
                        }
                    }
                    *a = kept;
                    return true;
                }
            }
            _ => {}
        }
    }
    table.remove(&key).is_some()
}
