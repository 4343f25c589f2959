//! A file being written through the raw types that read it (`import`,
//! `fit`, `backtest`): tables and typed values in order, each value with
//! its comment, replayed as TOML's own headers would build them, then read
//! into the raw type (so a key the format does not have is refused) and
//! written through it ([`super::write::render`]).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::write::{Notes, render};

/// A value of a scenario key, typed: never TOML text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Val(toml::Value);

impl Val {
    /// A string.
    pub(crate) fn str(s: impl Into<String>) -> Self {
        Val(toml::Value::String(s.into()))
    }

    /// A table of `(key, value)`s, written inline.
    pub(crate) fn table<K: Into<String>>(entries: impl IntoIterator<Item = (K, Val)>) -> Self {
        Val(toml::Value::Table(
            entries.into_iter().map(|(k, v)| (k.into(), v.0)).collect(),
        ))
    }

    /// An array.
    pub(crate) fn array(items: impl IntoIterator<Item = Val>) -> Self {
        Val(toml::Value::Array(items.into_iter().map(|v| v.0).collect()))
    }

    /// A value of one of the format's own types (a law, a duration).
    pub(crate) fn of<T: Serialize>(value: &T) -> Self {
        Val(toml::Value::try_from(value).expect("the format's types serialize as TOML"))
    }
}

// Inline TOML, as the console and reports quote a value.
impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Self {
        Val(toml::Value::Boolean(b))
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Self {
        Val(toml::Value::Integer(n))
    }
}

impl From<u64> for Val {
    fn from(n: u64) -> Self {
        Val(toml::Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)))
    }
}

impl From<u32> for Val {
    fn from(n: u32) -> Self {
        Val(toml::Value::Integer(n.into()))
    }
}

impl From<f64> for Val {
    fn from(x: f64) -> Self {
        Val(toml::Value::Float(x))
    }
}

/// One step of a scenario being written.
#[derive(Debug)]
enum Op {
    /// `[a.b]` (`array` false) or `[[a.b]]`.
    Table { path: Vec<String>, array: bool },
    /// `key = value`, and where it came from.
    Set {
        key: String,
        value: Val,
        from: String,
    },
    /// A comment line before the current table (`table`) or the next key.
    Comment { text: String, table: bool },
}

/// A scenario being written: tables and values in order, as a TOML file
/// would hold them, each value with the source field it came from.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    ops: Vec<Op>,
}

impl Draft {
    /// A table, `[a.b]`, made or reopened.
    pub(crate) fn table(&mut self, path: &[&str]) {
        self.ops.push(Op::Table {
            path: path.iter().map(|s| s.to_string()).collect(),
            array: false,
        });
    }

    /// A new table of an array of tables, `[[a.b]]`.
    pub(crate) fn tables(&mut self, path: &[&str]) {
        self.ops.push(Op::Table {
            path: path.iter().map(|s| s.to_string()).collect(),
            array: true,
        });
    }

    /// `key = value`, with its source (none if empty).
    pub(crate) fn set(&mut self, key: &str, value: impl Into<Val>, from: impl Into<String>) {
        self.ops.push(Op::Set {
            key: key.to_string(),
            value: value.into(),
            from: from.into(),
        });
    }

    /// `other`'s tables after this one's.
    pub(crate) fn append(&mut self, other: Draft) {
        self.ops.extend(other.ops);
    }

    /// Rewrites the source of every value that `f` maps to another.
    pub(crate) fn map_sources(&mut self, f: impl Fn(&str) -> Option<String>) {
        for op in &mut self.ops {
            if let Op::Set { from, .. } = op
                && let Some(new) = f(from)
            {
                *from = new;
            }
        }
    }

    /// A comment line before the current table's header.
    pub(crate) fn comment(&mut self, text: &str) {
        self.ops.push(Op::Comment {
            text: text.to_string(),
            table: true,
        });
    }

    /// A comment line before the next key set.
    pub(crate) fn comment_next(&mut self, text: impl Into<String>) {
        self.ops.push(Op::Comment {
            text: text.into(),
            table: false,
        });
    }

    /// The tables and values as TOML would build them, with each value's
    /// source by key path; an error names a key set twice or a header TOML
    /// would refuse.
    fn replay(&self) -> Result<(toml::Table, Notes), String> {
        let mut root = toml::Table::new();
        let mut at: Vec<(&str, Option<usize>)> = Vec::new();
        let mut notes = Notes::default();
        let mut next: Vec<&str> = Vec::new();
        for op in &self.ops {
            match op {
                Op::Table { path, array } => at = open(&mut root, path, *array)?,
                Op::Set { key, value, from } => {
                    let path = join(&at, key);
                    if descend(&mut root, &at)
                        .insert(key.clone(), value.0.clone())
                        .is_some()
                    {
                        return Err(format!("`{path}` set twice"));
                    }
                    for text in next.drain(..) {
                        notes.before(path.clone(), text);
                    }
                    if !from.is_empty() {
                        notes.after(path, source_words(from));
                    }
                }
                Op::Comment { text, table: true } => notes.before(join(&at, ""), text.clone()),
                Op::Comment { text, table: false } => next.push(text),
            }
        }
        Ok((root, notes))
    }

    /// The file as TOML under `header`, written through the raw type `T`
    /// that reads it, and each value's comment by key path. An error is
    /// amisim's own fault (a key the format does not have, or one set twice).
    pub(crate) fn render<T: Serialize + DeserializeOwned>(
        &self,
        header: &str,
    ) -> Result<(String, Notes), String> {
        let (root, notes) = self.replay()?;
        let text = toml::to_string(&root).map_err(|e| e.to_string())?;
        let raw: T = toml::from_str(&text).map_err(|e| e.message().to_string())?;
        let out = render(&raw, header, &notes).map_err(|e| e.to_string())?;
        Ok((out, notes))
    }
}

/// A field path reads "from <path>"; anything else stands as it is.
fn source_words(from: &str) -> String {
    let first = from.split_whitespace().next().unwrap_or("");
    if first.contains('.') || first.contains('[') {
        format!("from {from}")
    } else {
        from.to_string()
    }
}

/// The key path of `key` in the table at `at` (the table's own with `key` empty).
fn join(at: &[(&str, Option<usize>)], key: &str) -> String {
    let mut out = String::new();
    for (seg, index) in at {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(seg);
        if let Some(i) = index {
            out.push_str(&format!("[{i}]"));
        }
    }
    if !key.is_empty() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    }
    out
}

/// Opens `[path]` or `[[path]]` as TOML does: earlier segments name the
/// last table of an array; returns the table's place, or why TOML would
/// refuse the header (a value where a table is asked for, `[[x]]` over a
/// table, `[x]` over an array of tables).
fn open<'a>(
    root: &mut toml::Table,
    path: &'a [String],
    array: bool,
) -> Result<Vec<(&'a str, Option<usize>)>, String> {
    let mut at = Vec::new();
    let mut t = root;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let entry = t.entry(seg.clone()).or_insert_with(|| match array && last {
            true => toml::Value::Array(Vec::new()),
            false => toml::Value::Table(toml::Table::new()),
        });
        let refused = || format!("the header `{}` over another kind of value", path.join("."));
        t = match entry {
            toml::Value::Array(_) if last && !array => return Err(refused()),
            toml::Value::Array(a) => {
                if last {
                    a.push(toml::Value::Table(toml::Table::new()));
                }
                at.push((seg.as_str(), Some(a.len() - 1)));
                a.last_mut()
                    .and_then(toml::Value::as_table_mut)
                    .ok_or_else(refused)?
            }
            toml::Value::Table(_) if last && array => return Err(refused()),
            toml::Value::Table(t) => {
                at.push((seg.as_str(), None));
                t
            }
            _ => return Err(refused()),
        };
    }
    Ok(at)
}

/// The table at `at`, opened by [`open`].
fn descend<'a>(root: &'a mut toml::Table, at: &[(&str, Option<usize>)]) -> &'a mut toml::Table {
    let mut t = root;
    for (seg, index) in at {
        let v = t.get_mut(*seg).expect("opened");
        t = match (v, index) {
            (toml::Value::Array(a), Some(i)) => a[*i].as_table_mut().expect("opened"),
            (toml::Value::Table(t), None) => t,
            _ => unreachable!("opened"),
        };
    }
    t
}

/// The source of the key at `path`: its own, else the first (in key-path
/// order) of the keys under it (a table's), else of its table's keys.
pub(crate) fn source_of<'a>(notes: &'a Notes, path: &'a str) -> Option<&'a str> {
    let parent = path.rfind(['.', '[']).map_or("", |i| &path[..i]);
    notes
        .after_of(path)
        .or_else(|| notes.under(path).next())
        .or_else(|| notes.under(parent).next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::{RawCalibration, RawScenario};

    fn pipeline() -> Draft {
        let mut d = Draft::default();
        d.tables(&["pipeline"]);
        d.set("name", Val::str("p"), "imagePipeline.name");
        d.set("region", Val::str("us-east-1"), "the ARN");
        d
    }

    #[test]
    fn headers_build_tables_as_toml_does_and_sources_follow_key_paths() {
        let mut d = pipeline();
        d.tables(&["pipeline", "volume"]);
        d.set(
            "size_gib",
            8u64,
            "recipe.blockDeviceMappings[0].ebs.volumeSize",
        );
        d.set("data_gib", 4.0, "");
        d.append(pipeline());
        let (text, notes) = d.render::<RawScenario>("").unwrap();
        let raw: RawScenario = toml::from_str(&text).unwrap();
        assert_eq!(raw.pipeline.len(), 2);
        assert_eq!(raw.pipeline[0].get_ref().volume.len(), 1);
        assert_eq!(
            notes.after_of("pipeline[0].volume[0].size_gib"),
            Some("from recipe.blockDeviceMappings[0].ebs.volumeSize")
        );
        assert_eq!(notes.after_of("pipeline[1].region"), Some("the ARN"));
        // A key with no note of its own: the first of its table's.
        assert_eq!(
            source_of(&notes, "pipeline[0].volume[0].data_gib"),
            Some("from recipe.blockDeviceMappings[0].ebs.volumeSize")
        );
        assert_eq!(
            source_of(&notes, "pipeline[1]"),
            Some("from imagePipeline.name")
        );
    }

    #[test]
    fn a_key_the_format_lacks_or_one_set_twice_is_refused_as_amisims_fault() {
        let mut d = pipeline();
        d.set("colour", Val::str("red"), "");
        let e = d.render::<RawScenario>("").unwrap_err();
        assert!(e.contains("colour"), "{e}");
        let mut d = pipeline();
        d.set("region", Val::str("eu-west-1"), "");
        assert_eq!(
            d.render::<RawScenario>("").unwrap_err(),
            "`pipeline[0].region` set twice"
        );
        // A header over a value: refused, not a panic.
        let mut d = pipeline();
        d.set("schedule", Val::str("weekly"), "");
        d.table(&["pipeline", "schedule"]);
        assert!(
            d.render::<RawScenario>("")
                .unwrap_err()
                .contains("pipeline.schedule")
        );
        // The same draft against another format's type: refused too.
        assert!(pipeline().render::<RawCalibration>("").is_err());
    }

    #[test]
    fn comments_go_before_the_next_key_or_the_table() {
        let mut d = Draft::default();
        d.table(&["component", "update linux"]);
        d.comment_next("n = 12");
        d.set("duration", Val::str("7m"), "");
        let (text, _) = d.render::<RawCalibration>("# head\n\n").unwrap();
        assert_eq!(
            text,
            "# head\n\n[component.\"update linux\"]\n# n = 12\nduration = \"7m\"\n"
        );
    }
}
