//! `count` and `for_each`: a block's instances, their addresses, the
//! variable each declares, and the value references to the block read.

use hcl::Value;
use hcl::eval::Context;

use crate::import::Warning;
use crate::import::lang::{At, each_items, eval};

/// How many instances a block has: `count`, `for_each`, or one.
pub(super) enum Repeat {
    One,
    Count(u64),
    Each(Vec<(Value, Value)>),
}

pub(super) fn repeat(
    b: &hcl::Block,
    ctx: &Context,
    at: &At<'_>,
    warnings: &mut Vec<Warning>,
) -> Repeat {
    let attr = |k: &str| b.body().attributes().find(|a| a.key() == k);
    let (key, got) = match (attr("count"), attr("for_each")) {
        (Some(c), _) => ("count", eval(c.expr(), ctx)),
        (None, Some(e)) => ("for_each", eval(e.expr(), ctx)),
        (None, None) => return Repeat::One,
    };
    match (key, got) {
        ("count", Ok(v)) if v.as_u64().is_some() => Repeat::Count(v.as_u64().unwrap_or(1)),
        ("for_each", Ok(v @ (Value::Object(_) | Value::Array(_)))) => Repeat::Each(each_items(&v)),
        (_, Ok(v)) => {
            at.warn(
                warnings,
                format!("{key} = {v}: not a number, map or set; read as one instance"),
            );
            Repeat::One
        }
        (_, Err(e)) => {
            at.warn(
                warnings,
                format!("{key} cannot be evaluated here ({e}); read as one instance"),
            );
            Repeat::One
        }
    }
}

/// Each instance: its address suffix and the variable it declares.
pub(super) fn each_instance(r: &Repeat) -> Vec<(String, Option<(&'static str, Value)>)> {
    let obj = |pairs: Vec<(&str, Value)>| {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    match r {
        Repeat::One => vec![(String::new(), None)],
        Repeat::Count(n) => (0..*n)
            .map(|i| {
                (
                    format!("[{i}]"),
                    Some(("count", obj(vec![("index", Value::from(i))]))),
                )
            })
            .collect(),
        Repeat::Each(items) => items
            .iter()
            .map(|(k, v)| {
                let key = match k {
                    Value::String(s) => format!("[{s:?}]"),
                    other => format!("[{other}]"),
                };
                (
                    key,
                    Some(("each", obj(vec![("key", k.clone()), ("value", v.clone())]))),
                )
            })
            .collect(),
    }
}

/// The value references read: the instance, or a list (`count`) or map
/// (`for_each`) of them.
pub(super) fn gathered(r: &Repeat, values: Vec<Value>) -> Value {
    match r {
        Repeat::One => values.into_iter().next().unwrap_or(Value::Null),
        Repeat::Count(_) => Value::Array(values),
        Repeat::Each(items) => Value::Object(
            items
                .iter()
                .zip(values)
                .map(|((k, _), v)| (k.as_str().map_or_else(|| k.to_string(), str::to_string), v))
                .collect(),
        ),
    }
}
