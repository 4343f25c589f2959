//! A Packer configuration as `packer build DIR` reads it: every template
//! of the directory as one body, variables from their defaults, the
//! `*.auto.pkrvars.hcl` files, `--var-file` and `--var` (Packer's
//! "Variables" documentation, lowest precedence first), locals, and the
//! `amazon-ami` data source; a legacy JSON template read as the HCL2
//! template `packer hcl2_upgrade` would write.

use std::path::{Path, PathBuf};

use hcl::eval::Context;
use hcl::{Block, Body, Value};

use super::{label, malformed};
use crate::import::lang::{base_context, eval};
use crate::import::{ImportError, Warning};

/// The templates' bodies as one: Packer reads a directory's templates as
/// one configuration.
pub(crate) fn merged(sources: &[(PathBuf, String)]) -> Result<Body, ImportError> {
    let mut all = Vec::new();
    for (f, text) in sources {
        let body = if f.extension().is_some_and(|x| x == "json") {
            let hcl = super::legacy::to_hcl(f, text)?;
            hcl::parse(&hcl).map_err(|e| malformed(f, &e))?
        } else {
            hcl::parse(text).map_err(|e| malformed(f, &e))?
        };
        all.extend(body.into_inner());
    }
    Ok(Body::from(all))
}

/// A declared variable: its name, its default if it has one.
fn declared(body: &Body) -> Vec<(String, Option<Value>)> {
    let ctx = base_context();
    body.blocks()
        .filter(|b| b.identifier() == "variable")
        .filter_map(|b| {
            let default = b
                .body()
                .attributes()
                .find(|a| a.key() == "default")
                .map(|a| eval(a.expr(), &ctx).unwrap_or(Value::Null));
            Some((label(b, 0)?.to_string(), default))
        })
        .collect()
}

/// A `--var` value: HCL where it parses as a value (lists, numbers), else
/// the string itself, as Packer reads it.
fn cli_value(raw: &str) -> Value {
    raw.parse::<hcl::Expression>()
        .ok()
        .and_then(|e| eval(&e, &base_context()).ok())
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// A variable file's values: HCL (`.pkrvars.hcl`), or a JSON object (a
/// legacy template's `-var-file`).
fn var_file(f: &Path, text: &str) -> Result<Vec<(String, Value)>, ImportError> {
    if f.extension().is_some_and(|x| x == "json") {
        let v = crate::import::json::parse(f, text)?;
        let m = v.as_object().ok_or_else(|| {
            ImportError::wrong(
                f.to_path_buf(),
                String::new(),
                "a JSON variable file is an object of variable names".into(),
                "write {\"region\": \"us-east-1\"}".into(),
            )
        })?;
        return Ok(m
            .iter()
            .map(|(k, v)| (k.clone(), crate::import::lang::from_json(v)))
            .collect());
    }
    let body = hcl::parse(text).map_err(|e| malformed(f, &e))?;
    let ctx = base_context();
    Ok(body
        .attributes()
        .filter_map(|a| Some((a.key().to_string(), eval(a.expr(), &ctx).ok()?)))
        .collect())
}

/// The variables' values. An undeclared `--var` and a variable without a
/// default or a value are refused, naming it, as Packer refuses them.
pub(crate) fn variables(
    body: &Body,
    label_file: &Path,
    var_files: &[(PathBuf, String)],
    vars: &[(String, String)],
    warnings: &mut Vec<Warning>,
) -> Result<hcl::Map<String, Value>, ImportError> {
    let decl = declared(body);
    let mut out: hcl::Map<String, Value> = decl
        .iter()
        .filter_map(|(n, d)| Some((n.clone(), d.clone()?)))
        .collect();
    for (f, text) in var_files {
        for (k, v) in var_file(f, text)? {
            if decl.iter().any(|(n, _)| *n == k) {
                out.insert(k, v);
            } else {
                warnings.push(Warning { file: f.clone(), field: k, what: crate::import::What::Assumed("a value for a variable the templates do not declare; left out, as Packer does".into()) });
            }
        }
    }
    let names = || {
        decl.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (k, raw) in vars.iter().filter(|(k, _)| !k.starts_with("AWS::")) {
        if !decl.iter().any(|(n, _)| n == k) {
            return Err(ImportError::wrong(
                label_file.to_path_buf(),
                format!("variable \"{k}\""),
                format!("--var {k}=… names no variable of the template"),
                format!("the variables are {}", names()),
            ));
        }
        out.insert(k.clone(), cli_value(raw));
    }
    if let Some((n, _)) = decl.iter().find(|(n, _)| !out.contains_key(n)) {
        return Err(ImportError::wrong(
            label_file.to_path_buf(),
            format!("variable \"{n}\""),
            format!("no value for variable \"{n}\", which has no default"),
            format!("give it with --var {n}=…, a --var-file, or a *.auto.pkrvars.hcl file"),
        ));
    }
    Ok(out)
}

/// The locals (`locals` blocks and `local "name"` blocks), settled over a
/// few passes since they may refer to each other; one Packer evaluates
/// only at build time (`timestamp()`) is a warning, left out.
pub(crate) fn locals(body: &Body, ctx: &mut Context, file: &Path, warnings: &mut Vec<Warning>) {
    let mut attrs: Vec<(String, &hcl::Expression)> = body
        .blocks()
        .filter(|b| b.identifier() == "locals")
        .flat_map(|b| {
            b.body()
                .attributes()
                .map(|a| (a.key().to_string(), a.expr()))
        })
        .collect();
    attrs.extend(
        body.blocks()
            .filter(|b| b.identifier() == "local")
            .filter_map(|b| {
                let e = b.body().attributes().find(|a| a.key() == "expression")?;
                Some((label(b, 0)?.to_string(), e.expr()))
            }),
    );
    let mut values = hcl::Map::new();
    let mut last = Vec::new();
    for _ in 0..=attrs.len().min(8) {
        ctx.declare_var("local", Value::Object(values.clone()));
        last.clear();
        for (k, e) in &attrs {
            match eval(e, ctx) {
                Ok(v) => {
                    values.insert(k.clone(), v);
                }
                Err(err) => last.push((k.clone(), err)),
            }
        }
    }
    ctx.declare_var("local", Value::Object(values));
    for (k, err) in last {
        warnings.push(Warning { file: file.to_path_buf(), field: format!("local.{k}"), what: crate::import::What::Assumed(format!("cannot be evaluated here ({err}; Packer evaluates some functions only at build time); left out")) });
    }
}

/// `data "amazon-ami" "NAME"` sources: each reads as its own address (the
/// image it finds is only known at build time), with its `owners` and
/// `filters` kept, so a source whose `source_ami` is
/// `data.amazon-ami.NAME.id` takes its owner from them.
pub(crate) fn data_sources(body: &Body, ctx: &mut Context) {
    let mut amis = hcl::Map::new();
    for b in body
        .blocks()
        .filter(|b| b.identifier() == "data" && label(b, 0) == Some("amazon-ami"))
    {
        let Some(name) = label(b, 1) else { continue };
        amis.insert(name.to_string(), Value::Object(ami_data(b, name, ctx)));
    }
    let mut data = hcl::Map::new();
    data.insert("amazon-ami".to_string(), Value::Object(amis));
    ctx.declare_var("data", Value::Object(data));
}

fn ami_data(b: &Block, name: &str, ctx: &Context) -> hcl::Map<String, Value> {
    let mut m = hcl::Map::new();
    m.insert(
        "id".into(),
        Value::String(format!("data.amazon-ami.{name}")),
    );
    for a in b.body().attributes() {
        if let Ok(v) = eval(a.expr(), ctx) {
            m.insert(a.key().to_string(), v);
        }
    }
    m
}

/// The `owners` of the `amazon-ami` data source a `source_ami` names.
pub(crate) fn ami_owners(body: &Body, ctx: &Context, source_ami: &str) -> Option<Vec<String>> {
    let name = source_ami.strip_prefix("data.amazon-ami.")?;
    let b = body.blocks().find(|b| {
        b.identifier() == "data" && label(b, 0) == Some("amazon-ami") && label(b, 1) == Some(name)
    })?;
    let owners = eval(
        b.body().attributes().find(|a| a.key() == "owners")?.expr(),
        ctx,
    )
    .ok()?;
    Some(
        owners
            .as_array()?
            .iter()
            .filter_map(|o| o.as_str().map(str::to_string))
            .collect(),
    )
}
