//! `[sweep]`: one scenario, many points.
//!
//! ```toml
//! [sweep]
//! "quotas.concurrent_ami_copies_per_distribution" = [50, 100, 300]
//! "pipeline[0].update_source[0].mean_interval" = ["3h", "6h"]
//! ```
//!
//! Each key is a dotted path into the scenario (array-of-tables elements by
//! index), each value a list; the points are the full grid over the keys in
//! alphabetical order, the last key varying fastest. Every point is the base file with
//! those values set, resolved and checked like any scenario. All points run
//! the same seeds and replication indices: common random numbers, so that
//! differences between points are not noise.

use std::path::Path;

use toml::{Table, Value};

use super::{Locator, Scenario, ScenarioError, ScenarioErrors, from_str_with};

/// One point of a sweep.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// The value of each key, as written in TOML.
    pub values: Vec<String>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

/// A resolved sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The key paths, in alphabetical order.
    pub keys: Vec<String>,
    /// The points, in grid order.
    pub points: Vec<SweepPoint>,
    /// Each key's value in the file outside `[sweep]` (the current
    /// configuration), written as the points' values are; `None` where the
    /// file leaves it to its default.
    pub base: Vec<Option<String>>,
    /// The pipelines the keys set (`pipeline[i]…`), when every key sets
    /// one: the p95 the sweep changes is theirs.
    pub touched: Option<Vec<usize>>,
}

/// Most points a sweep may have.
pub(crate) const MAX_POINTS: usize = 10_000;

enum Step {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part
            .split_once('[')
            .map_or((part, None), |(n, r)| (n, Some(r)));
        if name.is_empty() {
            return None;
        }
        steps.push(Step::Key(name.to_string()));
        let mut rest = rest;
        while let Some(r) = rest {
            let (idx, after) = r.split_once(']')?;
            steps.push(Step::Index(idx.parse().ok()?));
            rest = match after {
                "" => None,
                a => Some(a.strip_prefix('[')?),
            };
        }
    }
    Some(steps)
}

/// A key path as the sweep names it: `pipeline[00].x` is `pipeline[0].x`.
fn canonical(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The value at `path`, if the table has one.
fn get<'a>(table: &'a Table, path: &[Step]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let Step::Key(k) = first else { return None };
    let mut cur = table.get(k)?;
    for step in rest {
        cur = match step {
            Step::Key(k) => cur.as_table()?.get(k)?,
            Step::Index(i) => cur.as_array()?.get(*i)?,
        };
    }
    Some(cur)
}

/// A value as a sweep point shows it: strings bare, others as TOML.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Sets `value` at `path`, creating tables as needed; arrays must hold the index.
fn set(table: &mut Table, path: &[Step], value: Value) -> Result<(), String> {
    let mut root = Value::Table(std::mem::take(table));
    let result = set_in(&mut root, path, value);
    if let Value::Table(t) = root {
        *table = t;
    }
    result
}

fn set_in(root: &mut Value, path: &[Step], value: Value) -> Result<(), String> {
    let mut cur = root;
    {
        for (i, step) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            match step {
                Step::Key(k) => {
                    let t = cur
                        .as_table_mut()
                        .ok_or_else(|| format!("`{k}` is not inside a table"))?;
                    if last {
                        t.insert(k.clone(), value);
                        return Ok(());
                    }
                    let next_is_index = matches!(path.get(i + 1), Some(Step::Index(_)));
                    cur = t.entry(k.clone()).or_insert_with(|| {
                        if next_is_index {
                            Value::Array(Vec::new())
                        } else {
                            Value::Table(Table::new())
                        }
                    });
                }
                Step::Index(n) => {
                    let a = cur
                        .as_array_mut()
                        .ok_or_else(|| "an index applies to an array".to_string())?;
                    let len = a.len();
                    let slot = a
                        .get_mut(*n)
                        .ok_or_else(|| format!("index [{n}] is past the end ({len} element(s))"))?;
                    if last {
                        *slot = value;
                        return Ok(());
                    }
                    cur = slot;
                }
            }
        }
        Ok(())
    }
}

/// A scenario's `[sweep]`, taken out of the rest of its table, with where
/// each of its keys is written (for located errors).
struct SweepDoc<'a> {
    loc: Locator<'a>,
    /// The scenario without `[sweep]`.
    base: Table,
    sweep: Table,
    sweep_span: std::ops::Range<usize>,
    key_spans: Vec<(String, std::ops::Range<usize>)>,
}

/// A swept key: its path as written and parsed, and its values.
type Swept = (String, Vec<Step>, Vec<Value>);

impl<'a> SweepDoc<'a> {
    /// The `[sweep]` of `text`, or `None` if it has none.
    fn parse(path: &'a Path, text: &'a str) -> Result<Option<Self>, ScenarioErrors> {
        let loc = Locator::new(path, text);
        let syntax = |e: toml::de::Error| {
            ScenarioErrors::new(vec![loc.error(e.span(), "", e.message().to_string(), None)])
        };
        // A large file without a sweep is not parsed whole again for it.
        if super::pieces::surely_lacks(text, "sweep") {
            return Ok(None);
        }
        let doc = toml::de::DeTable::parse(text).map_err(syntax)?;
        let Some(sweep_value) = doc
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref() == "sweep")
            .map(|(_, v)| v)
        else {
            return Ok(None);
        };
        let sweep_span = sweep_value.span();
        let key_spans = match sweep_value.get_ref() {
            toml::de::DeValue::Table(t) => t
                .iter()
                .map(|(k, _)| (k.get_ref().to_string(), k.span()))
                .collect(),
            _ => Vec::new(),
        };
        let mut base: Table = toml::from_str(text).map_err(syntax)?;
        let Some(Value::Table(sweep)) = base.remove("sweep") else {
            return Err(ScenarioErrors::new(vec![loc.error(
                Some(sweep_span),
                "sweep",
                "[sweep] must be a table of key paths and value lists",
                None,
            )]));
        };
        Ok(Some(SweepDoc {
            loc,
            base,
            sweep,
            sweep_span,
            key_spans,
        }))
    }

    /// Where `key` is written (the `[sweep]` header if not found).
    fn span_of(&self, key: &str) -> std::ops::Range<usize> {
        self.key_spans
            .iter()
            .find(|(k, _)| k == key)
            .map_or(self.sweep_span.clone(), |(_, s)| s.clone())
    }

    /// An error at sweep key `key`.
    fn err(&self, key: &str, reason: String, help: Option<&str>) -> ScenarioErrors {
        ScenarioErrors::new(vec![self.loc.error(
            Some(self.span_of(key)),
            format!("sweep.\"{key}\""),
            reason,
            help.map(str::to_string),
        )])
    }

    /// Every swept key with its values, each checked.
    fn keys(&self) -> Result<Vec<Swept>, ScenarioErrors> {
        if self.sweep.is_empty() {
            return Err(ScenarioErrors::new(vec![self.loc.error(
                Some(self.sweep_span.clone()),
                "sweep",
                "[sweep] names no key to sweep",
                Some("add a key path and its values, e.g. \"quotas.concurrent_builds\" = [10, 50, 100], or remove [sweep]".into()),
            )]));
        }
        let mut keys = Vec::new();
        for (k, v) in &self.sweep {
            let steps = parse_path(k).ok_or_else(|| {
                self.err(
                    k,
                    format!("\"{k}\" is not a key path"),
                    Some("write dotted keys with indices, e.g. \"pipeline[0].schedule.interval\""),
                )
            })?;
            let Value::Array(values) = v else {
                return Err(self.err(
                    k,
                    "a sweep key needs a list of values".into(),
                    Some("e.g. \"quotas.concurrent_builds\" = [10, 50, 100]"),
                ));
            };
            if values.is_empty() {
                return Err(self.err(k, "the list of values is empty".into(), None));
            }
            if k == "sweep" || k.starts_with("sweep.") || k == "seed" || k == "replications" {
                return Err(self.err(
                    k,
                    format!("\"{k}\" cannot be swept"),
                    Some("sweep scenario settings; seed and replications are the experiment's"),
                ));
            }
            let name = canonical(&steps);
            if let Some((other, _, _)) = keys
                .iter()
                .find(|(o, s, _): &&Swept| canonical(s) == name && *o != *k)
            {
                return Err(self.err(
                    k,
                    format!("\"{k}\" and \"{other}\" name the same key, {name}"),
                    Some("sweep each key once"),
                ));
            }
            keys.push((k.clone(), steps, values.clone()));
        }
        Ok(keys)
    }

    /// The grid's size, checked: a product of list lengths can overflow.
    fn grid_size(&self, keys: &[Swept]) -> Result<usize, ScenarioErrors> {
        keys.iter()
            .try_fold(1usize, |a, k| a.checked_mul(k.2.len()))
            .filter(|n| *n <= MAX_POINTS)
            .ok_or_else(|| {
                let lens: Vec<String> = keys.iter().map(|k| k.2.len().to_string()).collect();
                self.err(
                    &keys[0].0,
                    format!(
                        "a grid of {} points; at most {MAX_POINTS}",
                        lens.join(" × ")
                    ),
                    Some("sweep fewer values, or split the sweep into several files"),
                )
            })
    }

    /// Point `i` of the grid (mixed radix, last key fastest), resolved.
    fn point(
        &self,
        (path, text, opts): (&Path, &str, &super::LoadOptions),
        keys: &[Swept],
        i: usize,
    ) -> Result<SweepPoint, ScenarioErrors> {
        let mut rem = i;
        let mut pick = vec![0; keys.len()];
        for (j, k) in keys.iter().enumerate().rev() {
            pick[j] = rem % k.2.len();
            rem /= k.2.len();
        }
        let mut table = self.base.clone();
        let mut values = Vec::new();
        for (j, (k, steps, list)) in keys.iter().enumerate() {
            let v = list[pick[j]].clone();
            values.push(shown(&v));
            set(&mut table, steps, v)
                .map_err(|r| self.err(k, format!("cannot set \"{k}\": {r}"), None))?;
        }
        let point_text =
            toml::to_string(&table).map_err(|e| self.err(&keys[0].0, e.to_string(), None))?;
        let label = keys
            .iter()
            .zip(&values)
            .map(|((k, _, _), v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (line, col) = self.loc.line_col(self.span_of(&keys[0].0).start);
        let mut scenario = from_str_with(path, &point_text, opts).map_err(|e| {
            let cut = e.1;
            ScenarioErrors(
                e.0.into_iter()
                    .map(|x| ScenarioError {
                        file: path.to_path_buf(),
                        line,
                        col,
                        key_path: format!("sweep point {label}: {}", x.key_path),
                        reason: x.reason,
                        help: x.help,
                        aws_rule: x.aws_rule,
                    })
                    .collect(),
                cut,
            )
        })?;
        // The point's identity is the file plus the point.
        scenario.hash = super::hex_sha256(
            format!("{}\n{label}", super::hex_sha256(text.as_bytes())).as_bytes(),
        );
        Ok(SweepPoint { values, scenario })
    }
}

/// Reads the `[sweep]` of the scenario at `path` (already known to be valid
/// without it), or `None` if it has none.
pub(crate) fn load_sweep(
    path: &Path,
    text: &str,
    opts: &super::LoadOptions,
) -> Result<Option<Sweep>, ScenarioErrors> {
    let Some(doc) = SweepDoc::parse(path, text)? else {
        return Ok(None);
    };
    let keys = doc.keys()?;
    let n = doc.grid_size(&keys)?;
    let points = (0..n)
        .map(|i| doc.point((path, text, opts), &keys, i))
        .collect::<Result<Vec<_>, _>>()?;
    let base = keys
        .iter()
        .map(|(_, steps, _)| get(&doc.base, steps).map(shown))
        .collect();
    let touched = keys
        .iter()
        .map(|(_, steps, _)| match steps.as_slice() {
            [Step::Key(k), Step::Index(i), ..] if k == "pipeline" => Some(*i),
            _ => None,
        })
        .collect::<Option<std::collections::BTreeSet<usize>>>()
        .map(|s| s.into_iter().collect());
    Ok(Some(Sweep {
        keys: keys.iter().map(|(_, steps, _)| canonical(steps)).collect(),
        points,
        base,
        touched,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_indices_are_set_and_tables_created() {
        let mut t: Table =
            toml::from_str("[[pipeline]]\nname = \"a\"\n[[pipeline]]\nname = \"b\"\n").unwrap();
        set(
            &mut t,
            &parse_path("pipeline[1].schedule.interval").unwrap(),
            Value::String("7d".into()),
        )
        .unwrap();
        set(
            &mut t,
            &parse_path("quotas.concurrent_builds").unwrap(),
            Value::Integer(5),
        )
        .unwrap();
        let s = toml::to_string(&t).unwrap();
        assert!(s.contains("concurrent_builds = 5"), "{s}");
        assert!(s.contains("interval = \"7d\""), "{s}");
        assert!(
            set(
                &mut t,
                &parse_path("pipeline[7].name").unwrap(),
                Value::Integer(1)
            )
            .is_err()
        );
        assert!(parse_path("a..b").is_none());
        assert!(parse_path("a[x]").is_none());
    }
}
