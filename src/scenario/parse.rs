//! TOML to the serde mirror, collecting every error: each offending entry
//! is set aside and the rest parsed again; serde's messages are explained
//! with the key path, the unit and the fix.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::{Cut, Locator, MAX_ERRORS, ScenarioErrors};

/// Parses the TOML and deserializes it, collecting one error per offending
/// entry: each is removed in turn and the rest deserialized again.
pub(super) fn parse_raw<T: serde::de::DeserializeOwned>(
    loc: &Locator<'_>,
    text: &str,
) -> Result<T, ScenarioErrors> {
    if let Some(raw) = in_pieces(text) {
        return Ok(raw);
    }
    let doc = syntax(loc, text)?;
    control_characters(loc, &doc)?;
    // The usual case, a file that reads: one document in memory, consumed.
    // Only a failure parses it again to list every offending entry (a
    // 20,000-account file held three copies: 2.5x its peak memory).
    if let Ok(raw) = <T as serde::Deserialize>::deserialize(toml::de::Deserializer::from(doc)) {
        return Ok(raw);
    }
    deserialize_all(loc, syntax(loc, text)?)
}

/// A large document that reads, read in pieces ([`super::pieces`]); `None`
/// for anything else, which is then read whole (and its errors listed).
fn in_pieces<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let clean = |t: &DeTable<'_>| {
        let mut bad = Vec::new();
        control_chars(t, &mut bad);
        bad.is_empty()
    };
    super::pieces::Plan::of(text)?.deserialize(text, &clean)
}

/// The document, or its syntax errors. The first costs no more than
/// parsing; listing them all keeps every one in memory, so past 1 MiB only
/// the first is listed.
fn syntax<'t>(loc: &Locator<'_>, text: &'t str) -> Result<Spanned<DeTable<'t>>, ScenarioErrors> {
    let syntax_error = |e: &toml::de::Error| {
        loc.error(
            e.span(),
            "",
            format!("invalid TOML: {}", e.message().trim()),
            Some("see the scenario format in docs/src/scenario.md".into()),
        )
    };
    match DeTable::parse(text) {
        Ok(doc) => Ok(doc),
        Err(first) if text.len() > 1 << 20 => {
            Err(ScenarioErrors(vec![syntax_error(&first)], Cut::Stopped))
        }
        Err(first) if first.span().is_none() && first.message().contains("recursion") => {
            // toml gives no position: the deepest key or table header is it.
            let (span, depth) = super::scan::deepest_key(text);
            Err(ScenarioErrors(
                vec![loc.error(
                    span,
                    "",
                    format!("invalid TOML: a key nested {depth} levels deep, past what the TOML reader allows"),
                    Some("amisim's keys nest at most 4 levels (pipeline.latency.copy): shorten the key".into()),
                )],
                Cut::Nothing,
            ))
        }
        Err(first)
            if first.message().contains("array") && !first.message().contains("array table") =>
        {
            // One unclosed `[` makes every later line an error of its array:
            // one error, at the bracket.
            let at = first.span().map_or(text.len(), |r| r.start);
            let Some(open) = super::scan::unclosed_bracket(text, at) else {
                return Err(ScenarioErrors(vec![syntax_error(&first)], Cut::Nothing));
            };
            Err(ScenarioErrors(
                vec![loc.error(
                    Some(open..open + 1),
                    "",
                    "invalid TOML: this `[` is not closed, so the lines after it read as its elements".to_string(),
                    Some("close the array with `]` where its elements end".into()),
                )],
                Cut::Nothing,
            ))
        }
        Err(_) => {
            let (_, mut syntax) = DeTable::parse_recoverable(text);
            // After a broken table header the keys under it fall into the
            // table before, where recovery reports them again as duplicate
            // keys: only the header's error is the user's.
            if let Some(h) = syntax.iter().position(|e| e.message().contains("unclosed")) {
                let mut i = 0;
                syntax.retain(|e| {
                    i += 1;
                    i <= h + 1 || !e.message().contains("duplicate key")
                });
            }
            let more = syntax.len().saturating_sub(MAX_ERRORS);
            let errors = syntax.iter().take(MAX_ERRORS).map(syntax_error).collect();
            let cut = if more > 0 {
                Cut::More(more)
            } else {
                Cut::Nothing
            };
            Err(ScenarioErrors(errors, cut))
        }
    }
}

/// Control characters (escapes such as \u001b) would reach CSVs and
/// terminals through names: refused wherever a string holds one.
fn control_characters(loc: &Locator<'_>, doc: &Spanned<DeTable<'_>>) -> Result<(), ScenarioErrors> {
    let mut bad = Vec::new();
    control_chars(doc.get_ref(), &mut bad);
    if bad.is_empty() {
        return Ok(());
    }
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
    Err(ScenarioErrors::at_most(errors, MAX_ERRORS))
}

/// Deserializes `doc`, setting aside each entry serde refuses and trying
/// again, so that every entry's error is listed (up to [`MAX_ERRORS`]).
fn deserialize_all<T: serde::de::DeserializeOwned>(
    loc: &Locator<'_>,
    doc: Spanned<DeTable<'_>>,
) -> Result<T, ScenarioErrors> {
    // Paths are computed on the untouched document, so that indices stay those of the file.
    let original = doc.clone();
    let mut doc = doc;
    let mut errors = Vec::new();
    // The key paths removed so far, to tell our own "missing field" from the user's.
    let mut removed: Vec<String> = Vec::new();
    loop {
        let de = toml::de::Deserializer::from(doc.clone());
        let e = match <T as serde::Deserialize>::deserialize(de) {
            Ok(raw) if errors.is_empty() => return Ok(raw),
            Ok(_) => return Err(ScenarioErrors::new(errors)),
            Err(e) => e,
        };
        let span = e.span();
        let path = span
            .as_ref()
            .map(|s| key_path_at(original.get_ref(), s.start))
            .unwrap_or_default();
        let Some(at) = span.as_ref().map(|s| s.start) else {
            errors.push(loc.error(None, path, explain_serde_message(e.message(), "").0, None));
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
            return Err(ScenarioErrors(errors, Cut::Stopped));
        }
    }
}

/// Keys an earlier format had, with what replaced them.
const RETIRED: &[(&str, &str)] = &[
    (
        "package_update_mean_interval",
        "dependency updates now come from named sources: add [[pipeline.update_source]] with of = \"base_image\" (or a component's name) and mean_interval; docs/src/scenario.md, \"Dependency updates\"",
    ),
    (
        "package_update_cron",
        "dependency updates now come from named sources: add [[pipeline.update_source]] with of = \"base_image\" (or a component's name) and cron; docs/src/scenario.md, \"Dependency updates\"",
    ),
    (
        "retry_distribution",
        "renamed retry = { attempts, delay, phases = [\"distribution\", \"test\"] } (RetryImage; phases default to both); docs/src/scenario.md",
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
            Some((_, k)) => {
                format!("did you mean `{k}`? every key is listed in docs/src/scenario.md")
            }
            None => "remove or correct the key; every key is listed in docs/src/scenario.md".into(),
        })
    } else if message.starts_with("missing field") {
        Some("add the key; required keys are listed in docs/src/scenario.md".into())
    } else if message.contains("unknown variant") {
        Some("use one of the kinds listed".into())
    } else if message.starts_with("invalid type") {
        Some("check the value's type against docs/src/scenario.md".into())
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
    let help = format!(
        "{bare}, e.g. `{key} = {example}`; docs/src/scenario.md lists every key with its unit"
    );
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
    } else if key.ends_with("usd_per_hour") || table.ends_with("instance_usd_per_hour") {
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
