//! Scenario and calibration files as amisim writes them (`import`, `fit`,
//! `backtest`): the raw types that read the files, serialized, so every key
//! written is one the reader takes and the text is TOML by construction;
//! each value carries its comment (where it came from, or why).

use std::collections::BTreeMap;

use serde::Serialize;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// The column a value's trailing comment starts at, when the line is shorter.
const COMMENT_COLUMN: usize = 40;

/// Tables the scenario format writes inline, as values of one key: a law's
/// or throughput's table (it has `kind`, or `overhead`), and these keys.
const INLINE_KEYS: [&str; 7] = [
    "launch_permission",
    "aws_polling",
    "step_timeouts",
    "retry",
    "replica_grants",
    "region_kms_key_ids",
    "enabled_for",
];

/// Comments of a file being written, by key path (`pipeline[0].volume[1].size_gib`,
/// as scenario errors name keys).
#[derive(Debug, Default, Clone)]
pub(crate) struct Notes {
    /// After a key's value, on its line.
    after: BTreeMap<String, String>,
    /// Whole lines before a key or a table's header.
    before: BTreeMap<String, Vec<String>>,
}

impl Notes {
    /// `text` after the value of the key at `path`.
    pub(crate) fn after(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.after.insert(path.into(), text.into());
    }

    /// A comment line before the key or table at `path`.
    pub(crate) fn before(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.before
            .entry(path.into())
            .or_default()
            .push(text.into());
    }

    /// The comment after the key at `path`, if any.
    pub(crate) fn after_of(&self, path: &str) -> Option<&str> {
        self.after.get(path).map(String::as_str)
    }

    /// The comments after the keys under `path` (a table's), in key order.
    pub(crate) fn under<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.after
            .range(path.to_string()..)
            .take_while(move |(k, _)| k.starts_with(path))
            .filter(move |(k, _)| k[path.len()..].starts_with(['.', '[']))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a file could not be written: the value does not serialize as TOML.
/// Always a fault of amisim's, never of the input.
#[derive(Debug, thiserror::Error)]
#[error("amisim could not write the file as TOML: {0}")]
pub(crate) struct WriteError(#[from] toml_edit::ser::Error);

/// `value` as TOML: `header` (comment lines, as given) first, then its
/// keys in the raw type's order, sections as tables, values with `notes`.
pub(crate) fn render<T: Serialize>(
    value: &T,
    header: &str,
    notes: &Notes,
) -> Result<String, WriteError> {
    let doc = toml_edit::ser::to_document(value)?;
    let mut root = Table::new();
    for (key, item) in doc.as_table().iter() {
        root.insert(key, item.clone());
    }
    let mut root = shape_table(root, "", notes);
    root.set_implicit(true);
    let mut out = DocumentMut::from(root).to_string();
    // A document's first table follows the header's blank line, not its own.
    if let Some(rest) = out.strip_prefix('\n') {
        out = rest.to_string();
    }
    Ok(format!("{header}{out}"))
}

/// The path of `key` in the table at `at`.
fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// A table with its sections as tables or arrays of tables, its values
/// commented, and a blank line before its header.
fn shape_table(t: Table, at: &str, notes: &Notes) -> Table {
    let mut out = Table::new();
    for (key, item) in t.into_iter() {
        let path = join(at, &key);
        let item = match item {
            Item::Value(Value::InlineTable(it)) if !stays_inline(&key, &it) => {
                let mut sub = shape_table(it.into_table(), &path, notes);
                header_decor(sub.decor_mut(), &path, notes);
                // A table of tables only (`[component."x"]`) has no header of its own.
                sub.set_implicit(true);
                Item::Table(sub)
            }
            Item::Value(Value::Array(a)) if is_tables(&a) => {
                let mut aot = ArrayOfTables::new();
                for (i, v) in a.into_iter().enumerate() {
                    let Value::InlineTable(it) = v else {
                        unreachable!("is_tables checked every element")
                    };
                    let elem = format!("{path}[{i}]");
                    let mut sub = shape_table(it.into_table(), &elem, notes);
                    header_decor(sub.decor_mut(), &elem, notes);
                    aot.push(sub);
                }
                Item::ArrayOfTables(aot)
            }
            Item::Value(v) => Item::Value(commented(&key, v, &path, notes)),
            other => other,
        };
        let is_value = item.is_value();
        out.insert(&key, item);
        if let (true, Some(lines), Some(mut k)) =
            (is_value, notes.before.get(&path), out.key_mut(&key))
        {
            let prefix: String = lines.iter().map(|l| format!("# {l}\n")).collect();
            k.leaf_decor_mut().set_prefix(prefix);
        }
    }
    out
}

/// A blank line, then the table's own comment lines, before its header.
fn header_decor(d: &mut toml_edit::Decor, path: &str, notes: &Notes) {
    let lines: String = notes
        .before
        .get(path)
        .into_iter()
        .flatten()
        .map(|l| format!("# {l}\n"))
        .collect();
    d.set_prefix(format!("\n{lines}"));
}

/// Whether a table is written inline: a law's or throughput's, or one of
/// [`INLINE_KEYS`], or anything nested in another inline value.
fn stays_inline(key: &str, t: &InlineTable) -> bool {
    INLINE_KEYS.contains(&key) || t.contains_key("kind") || t.contains_key("overhead")
}

/// An array whose every element is a table: an array of tables.
fn is_tables(a: &toml_edit::Array) -> bool {
    !a.is_empty() && a.iter().all(Value::is_inline_table)
}

/// `v` with its note after it, past [`COMMENT_COLUMN`] when the line is shorter.
fn commented(key: &str, mut v: Value, path: &str, notes: &Notes) -> Value {
    let Some(note) = notes.after.get(path) else {
        return v;
    };
    let line = format!("{} = {}", toml_edit::Key::new(key), v.to_string().trim());
    let pad = COMMENT_COLUMN.saturating_sub(line.chars().count()) + 1;
    v.decor_mut()
        .set_suffix(format!("{}# {note}", " ".repeat(pad)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::RawScenario;

    fn raw(text: &str) -> RawScenario {
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    // What a reader takes back is what was written: every shipped scenario,
    // its sweep aside (`scenario::sweep` reads that from the text).
    #[test]
    fn every_shipped_scenario_reads_back_as_written() {
        for entry in std::fs::read_dir("scenarios").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let first = raw(&std::fs::read_to_string(&path).unwrap());
            let text = render(&first, "", &Notes::default()).unwrap();
            let again = raw(&text);
            let as_value = |r: &RawScenario| toml::Value::try_from(r).unwrap();
            assert_eq!(
                as_value(&first),
                as_value(&again),
                "{}:\n{text}",
                path.display()
            );
        }
    }

    #[test]
    fn notes_go_after_values_and_before_tables() {
        let first = raw(
            "name = \"x\"\n[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\ndevice = \"/dev/xvda\"\nsize_gib = 8.0\ndata_gib = 4.5\n",
        );
        let mut notes = Notes::default();
        notes.after("pipeline[0].region", "from the ARN");
        notes.before("pipeline[0].volume[0]", "the root volume");
        let text = render(&first, "# head\n\n", &notes).unwrap();
        assert_eq!(
            text,
            "# head\n\nname = \"x\"\n\n[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"                     # from the ARN\n\n# the root volume\n[[pipeline.volume]]\ndevice = \"/dev/xvda\"\nsize_gib = 8.0\ndata_gib = 4.5\n"
        );
    }
}
