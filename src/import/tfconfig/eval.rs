//! A module evaluated as `terraform plan` would: locals, data sources,
//! resources and local module calls, `count` and `for_each` expanded,
//! references between them followed.
//!
//! Terraform orders evaluation by a dependency graph; here every block is
//! evaluated against the values of the pass before, until a pass changes
//! nothing (a chain of N references settles in N passes). Only the last
//! pass's warnings are kept: an earlier pass's were about values not yet
//! known.

use std::path::PathBuf;

use hcl::Value;
use hcl::eval::Context;
use serde_json::Value as Json;

use super::load::{File, Module, labels};
use super::refs::{self, Place};
use super::repeat::{each_instance, gathered, repeat};
use super::vars::{MODULE_META, module_values};
use crate::import::imagebuilder::{Input, ResourceKind};
use crate::import::lang::{At, base_context, body_value, eval, from_json};
use crate::import::terraform::{TYPES, complete_copy, convert_object};
use crate::import::{ImportError, Warning};

/// Passes before evaluation stops looking for a fixed point.
const MAX_PASSES: usize = 12;

/// Passes over all modules together: a value that never settles in nested
/// modules would otherwise take MAX_PASSES to the power of their depth.
const MAX_TOTAL_PASSES: u32 = 10_000;

/// A resource's meta-arguments, which are not its attributes.
const META: [&str; 5] = ["count", "for_each", "provider", "depends_on", "lifecycle"];

/// Where a module is evaluated: its default Region, the account, the
/// Region of each provider alias (`aws.euw1`), the root module's directory.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) aliases: hcl::Map<String, Value>,
    pub(crate) root: PathBuf,
    /// Passes run so far over every module: a bound on the whole evaluation.
    pub(crate) passes: std::rc::Rc<std::cell::Cell<u32>>,
}

/// What a pass knows: the values its references read.
#[derive(Default, Clone, PartialEq)]
struct Scope {
    locals: hcl::Map<String, Value>,
    /// Data sources by type, then name.
    data: hcl::Map<String, Value>,
    /// Resources by type, then name.
    resources: hcl::Map<String, Value>,
    /// Module calls' outputs by call name.
    modules: hcl::Map<String, Value>,
}

/// A module's Image Builder documents, its outputs, its warnings, and the
/// module sources it could not read.
#[derive(Default)]
pub(crate) struct Evaluated {
    pub(crate) docs: Vec<Input>,
    pub(crate) outputs: hcl::Map<String, Value>,
    pub(crate) warnings: Vec<Warning>,
    /// Resources with no counterpart in amisim, by address.
    /// Resources with no counterpart: file, address, type.
    pub(crate) left_out: Vec<(PathBuf, String, String)>,
    pub(crate) unreadable: Vec<String>,
}

/// Evaluates module `m` with its variables `vars`; `prefix` is its
/// address (`module.recipe.`, or empty for the root).
pub(crate) fn evaluate(
    m: &Module,
    vars: &hcl::Map<String, Value>,
    env: &Env,
    prefix: &str,
) -> Result<Evaluated, ImportError> {
    let mut scope = Scope::default();
    let mut last = None;
    for _ in 0..MAX_PASSES {
        env.passes.set(env.passes.get() + 1);
        if env.passes.get() > MAX_TOTAL_PASSES {
            return Err(ImportError::wrong(
                env.root.clone(),
                prefix.trim_end_matches('.').to_string(),
                format!(
                    "the configuration's values do not settle in {MAX_TOTAL_PASSES} evaluations (a value that depends on itself, in modules nested deep)"
                ),
                "import `terraform show -json` of a plan instead: Terraform has evaluated it"
                    .into(),
            ));
        }
        let (next, out) = pass(m, vars, &scope, env, prefix)?;
        let settled = next == scope;
        scope = next;
        last = Some(out);
        if settled {
            break;
        }
    }
    Ok(last.unwrap_or_default())
}

fn object(m: &hcl::Map<String, Value>) -> Value {
    Value::Object(m.clone())
}

/// The context of a pass: every name a reference can start with.
fn context(
    m: &Module,
    vars: &hcl::Map<String, Value>,
    scope: &Scope,
    env: &Env,
) -> Context<'static> {
    let mut ctx = base_context();
    ctx.declare_var("var", object(vars));
    ctx.declare_var("local", object(&scope.locals));
    ctx.declare_var("module", object(&scope.modules));
    ctx.declare_var("data", object(&scope.data));
    ctx.declare_var("aws", object(&env.aliases));
    let mut path = hcl::Map::new();
    let dir = |p: &std::path::Path| Value::String(p.display().to_string());
    path.insert("module".into(), dir(&m.dir));
    path.insert("root".into(), dir(&env.root));
    path.insert("cwd".into(), dir(&env.root));
    ctx.declare_var("path", Value::Object(path));
    let mut tf = hcl::Map::new();
    tf.insert("workspace".into(), Value::from("default"));
    ctx.declare_var("terraform", Value::Object(tf));
    for (ty, v) in &scope.resources {
        ctx.declare_var(ty.as_str(), v.clone());
    }
    ctx
}

/// One pass over every block of `m`.
fn pass(
    m: &Module,
    vars: &hcl::Map<String, Value>,
    scope: &Scope,
    env: &Env,
    prefix: &str,
) -> Result<(Scope, Evaluated), ImportError> {
    let ctx = context(m, vars, scope, env);
    let mut out = Evaluated::default();
    let mut next = Scope {
        locals: locals(m, &ctx, &scope.locals, &mut out.warnings),
        ..Scope::default()
    };
    for (f, b) in m.blocks("data") {
        let v = instances(f, b, &ctx, env, prefix, What::Data, &mut out)?;
        insert(&mut next.data, b, v);
    }
    for (f, b) in m.blocks("resource") {
        let v = instances(f, b, &ctx, env, prefix, What::Resource, &mut out)?;
        insert(&mut next.resources, b, v);
    }
    for (f, b) in m.blocks("module") {
        let v = instances(f, b, &ctx, env, prefix, What::Module(m), &mut out)?;
        next.modules.insert(labels(b).0.to_string(), v);
    }
    for (_, b) in m.blocks("output") {
        if let Some(v) = b
            .body()
            .attributes()
            .find(|a| a.key() == "value")
            .and_then(|a| eval(a.expr(), &ctx).ok())
        {
            out.outputs.insert(labels(b).0.to_string(), v);
        }
    }
    other_blocks(m, &mut out.warnings);
    Ok((next, out))
}

/// `map[type][name] = v`.
fn insert(map: &mut hcl::Map<String, Value>, b: &hcl::Block, v: Value) {
    let (ty, name) = labels(b);
    let e = map
        .entry(ty.to_string())
        .or_insert_with(|| Value::Object(hcl::Map::new()));
    if let Value::Object(o) = e {
        o.insert(name.to_string(), v);
    }
}

/// The locals, each evaluated against the pass before.
fn locals(
    m: &Module,
    ctx: &Context,
    prev: &hcl::Map<String, Value>,
    warnings: &mut Vec<Warning>,
) -> hcl::Map<String, Value> {
    let mut out = prev.clone();
    for (f, b) in m.blocks("locals") {
        for a in b.body().attributes() {
            match eval(a.expr(), ctx) {
                Ok(v) => {
                    out.insert(a.key().to_string(), v);
                }
                Err(e) => warnings.push(Warning {
                    file: f.path.clone(),
                    field: format!("local.{}", a.key()),
                    what: crate::import::What::Assumed(format!(
                        "cannot be evaluated here ({e}); what reads it is left out"
                    )),
                }),
            }
        }
    }
    out
}

/// Top-level blocks that say nothing amisim reads, and are not
/// Terraform's bookkeeping: one warning each.
fn other_blocks(m: &Module, warnings: &mut Vec<Warning>) {
    const KNOWN: [&str; 12] = [
        "terraform",
        "provider",
        "variable",
        "locals",
        "output",
        "resource",
        "data",
        "module",
        "moved",
        "import",
        "removed",
        "check",
    ];
    for f in &m.files {
        for b in f.body.blocks().filter(|b| !KNOWN.contains(&b.identifier())) {
            warnings.push(Warning {
                file: f.path.clone(),
                field: b.identifier().to_string(),
                what: crate::import::What::Assumed(
                    "a block Terraform does not define; left out".into(),
                ),
            });
        }
    }
}

/// What kind of block is being expanded.
#[derive(Clone, Copy)]
enum What<'m> {
    Data,
    Resource,
    /// A module call of the module given.
    Module(&'m Module),
}

/// Every instance of a block, evaluated; the value references read.
fn instances(
    f: &File,
    b: &hcl::Block,
    ctx: &Context,
    env: &Env,
    prefix: &str,
    kind: What<'_>,
    out: &mut Evaluated,
) -> Result<Value, ImportError> {
    let (ty, label) = labels(b);
    let head = match kind {
        What::Data => format!("{prefix}data.{ty}.{label}"),
        What::Resource => format!("{prefix}{ty}.{label}"),
        What::Module(_) => format!("{prefix}module.{ty}"),
    };
    let at = At {
        file: &f.path,
        path: head.clone(),
    };
    let r = repeat(b, ctx, &at, &mut out.warnings);
    let mut values = Vec::new();
    for (suffix, var) in each_instance(&r) {
        let mut ictx = ctx.clone();
        if let Some((name, v)) = var {
            ictx.declare_var(name, v);
        }
        let address = format!("{head}{suffix}");
        let v = match kind {
            What::Data => data(f, b, &ictx, env, &address),
            What::Resource => resource(f, b, &ictx, env, &address, out),
            What::Module(parent) => module(parent, f, b, &ictx, env, &address, out)?,
        };
        values.push(v);
    }
    Ok(gathered(&r, values))
}

fn attributes(
    f: &File,
    b: &hcl::Block,
    ctx: &Context,
    address: &str,
    skip: &[&str],
    out: &mut Evaluated,
) -> serde_json::Map<String, Json> {
    let at = At {
        file: &f.path,
        path: address.to_string(),
    };
    match body_value(b.body(), ctx, &at, skip, &mut out.warnings) {
        Json::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// A data source: its arguments (their warnings muted: they are what
/// AWS is asked, not what the pipeline is) and what it reads.
fn data(f: &File, b: &hcl::Block, ctx: &Context, env: &Env, address: &str) -> Value {
    let mut muted = Evaluated::default();
    let mut body = attributes(f, b, ctx, address, &META, &mut muted);
    let region = provider_region(b, ctx, env, address, f, &mut muted.warnings);
    let place = Place {
        region: &region,
        account: &env.account,
    };
    refs::data(labels(b).0, address, &mut body, &place);
    from_json(&Json::Object(body))
}

/// A resource's Region: its `provider = aws.ALIAS`, else the module's.
fn provider_region(
    b: &hcl::Block,
    ctx: &Context,
    env: &Env,
    address: &str,
    f: &File,
    warnings: &mut Vec<Warning>,
) -> String {
    let Some(p) = b.body().attributes().find(|a| a.key() == "provider") else {
        return env.region.clone();
    };
    match eval(p.expr(), ctx) {
        Ok(Value::String(r)) => r,
        _ => {
            warnings.push(Warning {
                file: f.path.clone(),
                field: format!("{address}.provider"),
                what: crate::import::What::Assumed(format!(
                    "{} is no provider \"aws\" with a region; read as {}",
                    p.expr(),
                    env.region
                )),
            });
            env.region.clone()
        }
    }
}

fn resource(
    f: &File,
    b: &hcl::Block,
    ctx: &Context,
    env: &Env,
    address: &str,
    out: &mut Evaluated,
) -> Value {
    let (ty, label) = labels(b);
    let body = attributes(f, b, ctx, address, &META, out);
    let region = provider_region(b, ctx, env, address, f, &mut out.warnings);
    let place = Place {
        region: &region,
        account: &env.account,
    };
    let mut reference = body.clone();
    refs::resource(ty, label, address, &mut reference, &place);
    let Some((_, kind)) = TYPES.iter().find(|(t, _)| *t == ty) else {
        out.left_out
            .push((f.path.clone(), address.to_string(), ty.to_string()));
        return from_json(&Json::Object(reference));
    };
    // The document: the arguments and the ARN; a copy's id too (its
    // launch permissions name it).
    let mut body = body;
    let computed: &[&str] = if *kind == ResourceKind::AmiCopy {
        &["arn", "id"]
    } else {
        &["arn"]
    };
    for k in computed {
        if let Some(v) = reference.get(*k) {
            body.insert((*k).to_string(), v.clone());
        }
    }
    let mut doc =
        convert_object(&Json::Object(body)).unwrap_or(Json::Object(serde_json::Map::new()));
    if *kind == ResourceKind::AmiCopy {
        complete_copy(&mut doc, Some(&region), Some(&env.account));
    }
    out.docs
        .push((f.path.clone(), doc, Some((*kind, address.to_string()))));
    from_json(&Json::Object(reference))
}

/// A module call's instance: its arguments as the module's variables, its
/// provider, its evaluation; the value is its outputs.
fn module(
    parent: &Module,
    f: &File,
    b: &hcl::Block,
    ctx: &Context,
    env: &Env,
    address: &str,
    out: &mut Evaluated,
) -> Result<Value, ImportError> {
    let name = labels(b).0;
    let child = match parent.children.get(name) {
        Some(Ok(c)) => c,
        other => {
            let src = other
                .and_then(|c| c.as_ref().err())
                .cloned()
                .unwrap_or_default();
            out.unreadable.push(format!("{address} (source {src:?})"));
            At { file: &f.path, path: format!("{address}.source") }.warn(
                &mut out.warnings,
                format!("{src:?} is not a local directory: what the module creates is not read (import `terraform show -json` of a plan instead)"),
            );
            return Ok(Value::Null);
        }
    };
    let mut args = hcl::Map::new();
    for a in b
        .body()
        .attributes()
        .filter(|a| !MODULE_META.contains(&a.key()))
    {
        let v = eval(a.expr(), ctx).unwrap_or_else(|e| {
            At {
                file: &f.path,
                path: format!("{address}.{}", a.key()),
            }
            .warn(
                &mut out.warnings,
                format!("cannot be evaluated here ({e}); the module reads null"),
            );
            Value::Null
        });
        args.insert(a.key().to_string(), v);
    }
    let vars = module_values(child, args, (&f.path, name))?;
    let mut child_env = env.clone();
    if let Some(p) = b.body().attributes().find(|a| a.key() == "providers")
        && let Ok(Value::Object(m)) = eval(p.expr(), ctx)
        && let Some(Value::String(r)) = m.get("aws")
    {
        child_env.region = r.clone();
    }
    let ev = evaluate(child, &vars, &child_env, &format!("{address}."))?;
    out.docs.extend(ev.docs);
    out.warnings.extend(ev.warnings);
    out.left_out.extend(ev.left_out);
    out.unreadable.extend(ev.unreadable);
    Ok(Value::Object(ev.outputs))
}
