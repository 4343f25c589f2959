//! HCL as Terraform and Packer evaluate it: hcl-rs's evaluator with their
//! built-in functions, `try` and `can`, and `dynamic` blocks.

pub(crate) mod funcs;

use std::path::Path;

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, FuncCall};
use hcl::{Body, Value};
use serde_json::{Map, Value as Json};

use super::Warning;

/// A context with every built-in function and nothing else.
pub(crate) fn base_context() -> Context<'static> {
    let mut ctx = Context::new();
    funcs::declare(&mut ctx);
    ctx
}

/// The value of `expr`, or why it has none here.
pub(crate) fn eval(expr: &Expression, ctx: &Context) -> Result<Value, String> {
    let expr = lazy(expr, ctx)?;
    // hcl-rs quotes the expression over several lines: one line here.
    expr.evaluate(ctx).map_err(|e| {
        e.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// `expr` with each `try(…)` replaced by its first argument that evaluates
/// and each `can(…)` by whether its argument does: both need their
/// arguments unevaluated, which hcl-rs's functions never see.
fn lazy(expr: &Expression, ctx: &Context) -> Result<Expression, String> {
    Ok(match expr {
        Expression::FuncCall(f) if f.name.namespace.is_empty() => lazy_call(f, ctx)?,
        Expression::Parenthesis(e) => Expression::Parenthesis(Box::new(lazy(e, ctx)?)),
        Expression::Array(a) => {
            Expression::Array(a.iter().map(|e| lazy(e, ctx)).collect::<Result<_, _>>()?)
        }
        Expression::Conditional(c) => {
            let mut c = c.clone();
            c.cond_expr = lazy(&c.cond_expr, ctx)?;
            c.true_expr = lazy(&c.true_expr, ctx)?;
            c.false_expr = lazy(&c.false_expr, ctx)?;
            Expression::Conditional(c)
        }
        Expression::Object(o) => {
            let mut o = o.clone();
            for v in o.values_mut() {
                *v = lazy(v, ctx)?;
            }
            Expression::Object(o)
        }
        other => other.clone(),
    })
}

fn lazy_call(f: &FuncCall, ctx: &Context) -> Result<Expression, String> {
    match f.name.name.as_str() {
        "try" => {
            let mut last = "try: no arguments".to_string();
            for a in &f.args {
                match eval(a, ctx) {
                    Ok(v) => return Ok(Expression::from(v)),
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
        "can" => {
            let ok = f.args.first().is_some_and(|a| eval(a, ctx).is_ok());
            Ok(Expression::Bool(ok))
        }
        _ => {
            let mut f = f.clone();
            for a in &mut f.args {
                *a = lazy(a, ctx)?;
            }
            Ok(Expression::FuncCall(Box::new(f)))
        }
    }
}

/// JSON of an HCL value.
pub(crate) fn to_json(v: Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// An HCL value of JSON.
pub(crate) fn from_json(v: &Json) -> Value {
    serde_json::from_value(v.clone()).unwrap_or(Value::Null)
}

/// Where a body is evaluated, for its warnings.
pub(crate) struct At<'a> {
    pub(crate) file: &'a Path,
    /// The body's address, e.g. `aws_imagebuilder_image_recipe.this`.
    pub(crate) path: String,
}

impl At<'_> {
    fn join(&self, key: &str) -> At<'_> {
        At {
            file: self.file,
            path: format!("{}.{key}", self.path),
        }
    }

    pub(crate) fn warn(&self, warnings: &mut Vec<Warning>, what: String) {
        warnings.push(Warning {
            file: self.file.to_path_buf(),
            field: self.path.clone(),
            what: crate::import::What::Assumed(what),
        });
    }
}

/// A body's attributes and nested blocks as JSON, every nested block in a
/// list (as `terraform show -json` writes them), `dynamic` blocks
/// expanded; the attributes in `skip` (meta-arguments) left out. An
/// attribute that cannot be evaluated is a warning and is left out.
pub(crate) fn body_value(
    body: &Body,
    ctx: &Context,
    at: &At<'_>,
    skip: &[&str],
    warnings: &mut Vec<Warning>,
) -> Json {
    let mut m = Map::new();
    for a in body.attributes().filter(|a| !skip.contains(&a.key())) {
        match eval(a.expr(), ctx) {
            Ok(v) => {
                m.insert(a.key().to_string(), to_json(v));
            }
            Err(e) => at.join(a.key()).warn(
                warnings,
                format!("cannot be evaluated here ({e}); left out"),
            ),
        }
    }
    for b in body.blocks() {
        let (key, items) = if b.identifier() == "dynamic" {
            let label = b.labels().first().map_or("", |l| l.as_str()).to_string();
            let items = dynamic(b, &label, ctx, &at.join(&label), warnings);
            (label, items)
        } else {
            let key = b.identifier().to_string();
            let v = body_value(b.body(), ctx, &at.join(&key), &[], warnings);
            (key, vec![v])
        };
        match m.entry(key).or_insert_with(|| Json::Array(Vec::new())) {
            Json::Array(list) => list.extend(items),
            other => *other = Json::Array(items),
        }
    }
    Json::Object(m)
}

/// A `dynamic "label"` block: its `content` once per element of its
/// `for_each`, with the iterator (`label`, or its `iterator`) as
/// `{key, value}`.
fn dynamic(
    b: &hcl::Block,
    label: &str,
    ctx: &Context,
    at: &At<'_>,
    warnings: &mut Vec<Warning>,
) -> Vec<Json> {
    let attr = |k: &str| b.body().attributes().find(|a| a.key() == k);
    let iterator = attr("iterator")
        .map(|a| a.expr().to_string())
        .unwrap_or_else(|| label.to_string());
    let Some(content) = b.body().blocks().find(|c| c.identifier() == "content") else {
        at.warn(warnings, "a dynamic block without content; left out".into());
        return Vec::new();
    };
    let items = match attr("for_each").map(|a| eval(a.expr(), ctx)) {
        Some(Ok(v)) => each_items(&v),
        Some(Err(e)) => {
            at.join("for_each").warn(
                warnings,
                format!("cannot be evaluated here ({e}); the block is left out"),
            );
            return Vec::new();
        }
        None => Vec::new(),
    };
    items
        .into_iter()
        .map(|(k, v)| {
            let mut inner = ctx.clone();
            let mut it = hcl::Map::new();
            it.insert("key".to_string(), k);
            it.insert("value".to_string(), v);
            inner.declare_var(iterator.as_str(), Value::Object(it));
            body_value(content.body(), &inner, at, &[], warnings)
        })
        .collect()
}

/// The `(key, value)` pairs a `for_each` iterates: a map's entries, a
/// set's or list's elements (each its own key, as Terraform's sets of
/// strings; a list's index for a `dynamic` block's list).
pub(crate) fn each_items(v: &Value) -> Vec<(Value, Value)> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(_) => (v.clone(), v.clone()),
                _ => (Value::from(i as u64), v.clone()),
            })
            .collect(),
        _ => Vec::new(),
    }
}
