//! Packer HCL2 templates: the `amazon-ebs` source and its `build` block,
//! with variables (defaults, `--var`, `--var-file`) and locals, to a
//! `tool = "packer"` pipeline.
//!
//! Field names: hashicorp/packer-plugin-amazon, `builder/ebs` and
//! `builder/common` (AMIConfig, AccessConfig, RunConfig, BlockDevices).

use std::path::{Path, PathBuf};

use hcl::eval::Context;
use hcl::{Block, Body};
use serde_json::{Map, Value};

use super::directory::DirectoryDraft;
use super::json::join;
use super::lang::base_context;
use super::{ImportError, Request, Toml, Warning, quoted};

mod builds;
mod config;
mod emit;
mod legacy;
mod source;

/// The parser's place of an HCL error.
pub(super) fn malformed(file: &Path, e: &hcl::Error) -> ImportError {
    let (line, col) = match e {
        hcl::Error::Parse(p) => (p.location().line(), p.location().column()),
        _ => (0, 0),
    };
    ImportError::malformed(
        file.to_path_buf(),
        line,
        col,
        "HCL",
        e.to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string(),
    )
}

fn label(b: &Block, i: usize) -> Option<&str> {
    b.labels().get(i).map(|l| l.as_str())
}

/// An HCL value as JSON.
fn to_json(v: hcl::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Attributes that name or tag what Packer makes, with no counterpart in
/// amisim (a time stamp in them is only known at build time).
const NAMING: [&str; 7] = [
    "ami_name",
    "ami_description",
    "tags",
    "run_tags",
    "run_volume_tags",
    "snapshot_tags",
    "temporary_key_pair_name",
];

/// A block's body evaluated into JSON: attributes, and nested blocks as
/// objects (a repeated block as a list); what cannot be evaluated is warned.
pub(super) fn body_json(
    body: &Body,
    ctx: &Context,
    path: &str,
    file: &Path,
    warnings: &mut Vec<Warning>,
) -> Value {
    let mut m = Map::new();
    for a in body.attributes() {
        match super::lang::eval(a.expr(), ctx) {
            Ok(v) => {
                m.insert(a.key().to_string(), to_json(v));
            }
            // A name or tag Packer fills at build time: amisim has no counterpart anyway.
            Err(_) if NAMING.contains(&a.key()) => {
                warnings.push(Warning::unread(file, join(path, a.key())));
            }
            Err(e) => warnings.push(Warning {
                file: file.to_path_buf(),
                field: join(path, a.key()),
                what: crate::import::What::Assumed(format!(
                    "cannot be evaluated here ({e}); left out"
                )),
            }),
        }
    }
    for b in body.blocks() {
        let key = b.identifier().to_string();
        let v = body_json(b.body(), ctx, &join(path, &key), file, warnings);
        match m.get_mut(&key) {
            Some(Value::Array(list)) => list.push(v),
            Some(first) => {
                let prev = first.take();
                *first = Value::Array(vec![prev, v]);
            }
            None => {
                m.insert(key, v);
            }
        }
    }
    Value::Object(m)
}

/// The images to import: every one the builds make, or those `--only`
/// names (as Packer's `-only`: `amazon-ebs.NAME`, or `BUILD.amazon-ebs.NAME`).
fn chosen<'b>(
    all: Vec<builds::Instance<'b>>,
    only: &[String],
    file: &Path,
) -> Result<Vec<builds::Instance<'b>>, ImportError> {
    let names: Vec<String> = all.iter().map(builds::Instance::short_name).collect();
    let picked: Vec<builds::Instance<'b>> = all.into_iter().filter(|i| i.selected(only)).collect();
    if picked.is_empty() {
        let (reason, help) = if names.is_empty() {
            (
                "no source \"amazon-ebs\" block that a build uses".to_string(),
                "amisim imports Packer's amazon-ebs builder".to_string(),
            )
        } else {
            (
                format!("--only {} names no amazon-ebs build", only.join(",")),
                format!("the builds are {}", names.join(", ")),
            )
        };
        return Err(ImportError::wrong(
            file.to_path_buf(),
            String::new(),
            reason,
            help,
        ));
    }
    Ok(picked)
}

/// Blocks that are not amazon-ebs sources, builds or the configuration's
/// own bookkeeping: one warning each.
fn other_blocks(body: &Body, file: &Path, warnings: &mut Vec<Warning>) {
    for b in body.blocks() {
        let what = match (b.identifier(), label(b, 0)) {
            ("variable" | "variables" | "locals" | "local" | "build" | "packer", _) => continue,
            ("source", Some("amazon-ebs")) | ("data", Some("amazon-ami")) => continue,
            ("source", _) => "not an amazon-ebs builder; left out",
            _ => "a block with no counterpart in amisim; left out",
        };
        let field = match (label(b, 0), label(b, 1)) {
            (Some(a), Some(n)) => format!("{} \"{a}\" \"{n}\"", b.identifier()),
            _ => b.identifier().to_string(),
        };
        warnings.push(Warning {
            file: file.to_path_buf(),
            field,
            what: crate::import::What::Assumed(what.into()),
        });
    }
}

/// Reads a Packer configuration (its templates' text) into `out`; `file`
/// names it in messages (its directory, or its one template).
pub(super) fn read(
    file: &Path,
    sources: &[(PathBuf, String)],
    var_files: &[(PathBuf, String)],
    req: &Request,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let body = config::merged(sources)?;
    let vars = config::variables(&body, file, var_files, &req.vars, warnings)?;
    let mut ctx = base_context();
    ctx.declare_var("var", hcl::Value::Object(vars));
    config::locals(&body, &mut ctx, file, warnings);
    config::data_sources(&body, &mut ctx);
    other_blocks(&body, file, warnings);
    let images = chosen(builds::instances(&body, &ctx, file)?, &req.only, file)?;
    let mut dir = DirectoryDraft::default();
    let mut pipelines = Toml::default();
    let mut names = std::collections::BTreeSet::new();
    for image in &images {
        let mut s = source::read(image, &body, &ctx, file, &mut dir, warnings)?;
        // Two builds of one source: Packer tells them by their build's name.
        if !names.insert(s.name.clone()) {
            let (bi, _, build) = image.build.clone().unwrap_or((0, image.source, None));
            let build = build.unwrap_or(format!("build{bi}"));
            s.name_from = format!(
                "{build}.{}: Packer's name for this build of the source",
                image.short_name()
            );
            s.name = format!("{build}-{}", s.name);
            names.insert(s.name.clone());
        }
        let mut one = Toml::default();
        emit::pipeline(&mut one, &s);
        // A field a build-level block added is written as coming from there.
        one.map_sources(|from| {
            s.added.iter().find_map(|(top, build)| {
                let rest = from.strip_prefix(top.as_str())?;
                (rest.is_empty() || rest.starts_with(['.', '[', ' ']))
                    .then(|| format!("{build}{rest}"))
            })
        });
        pipelines.append(one);
    }
    out.set("name", quoted(&req.name), "the command line");
    dir.alias_warnings(file, warnings);
    dir.emit(out, "the template's key ARNs and ami_users");
    out.append(pipelines);
    Ok(())
}
