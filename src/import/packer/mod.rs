//! Packer HCL2 templates: the `amazon-ebs` source and its `build` block,
//! with variables (defaults, `--var`, `--var-file`) and locals, to a
//! `tool = "packer"` pipeline.
//!
//! Field names: hashicorp/packer-plugin-amazon, `builder/ebs` and
//! `builder/common` (AMIConfig, AccessConfig, RunConfig, BlockDevices).

use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body};
use serde_json::{Map, Value};

use super::directory::Directory;
use super::json::{Reader, join};
use super::lang::base_context;
use super::{ImportError, Request, Toml, Warning, quoted, strings, volume};

mod config;
mod legacy;

/// The parser's place of an HCL error.
pub(super) fn malformed(file: &Path, e: &hcl::Error) -> ImportError {
    let (line, col) = match e {
        hcl::Error::Parse(p) => (p.location().line(), p.location().column()),
        _ => (0, 0),
    };
    ImportError::Malformed {
        file: file.to_path_buf(),
        line,
        col,
        language: "HCL",
        reason: e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
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
                what: format!("cannot be evaluated here ({e}); left out"),
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

/// The `amazon-ebs` sources to import: all, or those `--only` names (as
/// Packer's `-only`: `amazon-ebs.NAME`, or `BUILD.amazon-ebs.NAME`).
fn chosen<'b>(body: &'b Body, only: &[String], file: &Path) -> Result<Vec<&'b Block>, ImportError> {
    let ebs: Vec<&Block> = body
        .blocks()
        .filter(|b| b.identifier() == "source" && label(b, 0) == Some("amazon-ebs"))
        .collect();
    let short = |b: &Block| format!("amazon-ebs.{}", label(b, 1).unwrap_or(""));
    let picked: Vec<&Block> = ebs
        .iter()
        .copied()
        .filter(|b| {
            only.is_empty()
                || only
                    .iter()
                    .any(|o| *o == short(b) || o.ends_with(&format!(".{}", short(b))))
        })
        .collect();
    if picked.is_empty() {
        let names: Vec<String> = ebs.iter().map(|b| short(b)).collect();
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: String::new(),
            reason: if ebs.is_empty() {
                "no source \"amazon-ebs\" block".into()
            } else {
                format!("--only {} names no amazon-ebs source", only.join(","))
            },
            help: if ebs.is_empty() {
                "amisim imports Packer's amazon-ebs builder".into()
            } else {
                format!("the sources are {}", names.join(", "))
            },
        });
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
            what: what.into(),
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
    let ebs = chosen(&body, &req.only, file)?;
    let mut dir = Directory::default();
    let mut pipelines = Toml::default();
    for src in ebs {
        one_source(src, &body, &ctx, file, &mut dir, &mut pipelines, warnings)?;
    }
    out.set("name", quoted(&req.name), "the command line");
    dir.alias_warnings(file, warnings);
    dir.emit(out, "the template's key ARNs and ami_users");
    out.lines.push((String::new(), None));
    out.lines.extend(pipelines.lines);
    Ok(())
}

/// The base image's owner as the scenario names it, from the first of
/// Packer's `owners` (an alias, an account id).
fn owner_kind(first: Option<&str>, own: Option<&str>) -> String {
    match first {
        Some("amazon" | "137112412989") => "aws",
        Some("self") => "self",
        Some("aws-marketplace" | "679593333241") => "marketplace",
        Some(id) if Some(id) == own => "self",
        _ => "other_account",
    }
    .into()
}

/// One `source "amazon-ebs"` block and the builds that use it: a pipeline.
fn one_source(
    src: &Block,
    body: &Body,
    ctx: &Context,
    file: &Path,
    dir: &mut Directory,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let src_name = label(src, 1).unwrap_or("ebs").to_string();
    let base = format!("source.amazon-ebs.{src_name}");
    let sv = body_json(src.body(), ctx, &base, file, warnings);
    let mut r = Reader::new(file);
    let Some(region) = r.str(&sv, &base, "region")?.map(str::to_string) else {
        return Err(r.wrong(&join(&base, "region"), "the source has no region".into()));
    };
    let build_key = r.str(&sv, &base, "kms_key_id")?.map(str::to_string);
    // The template names no account: the build key's owner, else a placeholder.
    let owner_id = build_key
        .as_deref()
        .and_then(super::directory::arn)
        .map(|a| a.account.to_string());
    if owner_id.is_none() {
        warnings.push(Warning {
            file: file.to_path_buf(),
            field: base.clone(),
            what:
                "the template names no account: the scenario's owner is 111111111111, a placeholder"
                    .into(),
        });
    }
    let owner = dir.account(owner_id.as_deref().unwrap_or("111111111111"));
    dir.region(&region);
    let instance_type = r.str(&sv, &base, "instance_type")?.map(str::to_string);
    // A Windows source: WinRM, or a Windows base image by its filter's name.
    let winrm = r.str(&sv, &base, "communicator")? == Some("winrm");
    let windows_filter = sv
        .get("source_ami_filter")
        .and_then(|f| f.get("filters"))
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| n.to_lowercase().contains("windows"));
    let windows = if winrm {
        Some(join(&base, "communicator"))
    } else if windows_filter {
        let from = format!("{}.filters.name", join(&base, "source_ami_filter"));
        r.use_path(&from);
        Some(from)
    } else {
        None
    };
    let encrypt_boot = matches!(r.get(&sv, &base, "encrypt_boot"), Some(Value::Bool(true)));
    let ami_regions = r.strings(&sv, &base, "ami_regions")?;
    let users = r.strings(&sv, &base, "ami_users")?;
    let groups = r.strings(&sv, &base, "ami_groups")?;
    let org_arns = r.strings(&sv, &base, "ami_org_arns")?;
    let ou_arns = r.strings(&sv, &base, "ami_ou_arns")?;
    let snapshot_users = r.strings(&sv, &base, "snapshot_users")?;
    let copy_minutes = r.uint(&sv, &base, "snapshot_copy_duration_minutes")?;
    for note in ["deprecate_at", "skip_save_build_region"] {
        if sv.get(note).is_some() {
            r.use_path(&join(&base, note));
            warnings.push(Warning {
                file: file.to_path_buf(),
                field: join(&base, note),
                what: if note == "deprecate_at" {
                    "an absolute date: set [pipeline.lifecycle] deprecate_after by hand".into()
                } else {
                    "the build Region's AMI kept only as an intermediary: not modelled without encrypt_boot; left out".into()
                },
            });
        }
    }
    // Base image owner from source_ami_filter.owners.
    let mut base_owner = ("other_account".to_string(), join(&base, "source_ami"));
    if let Some(f) = r.get(&sv, &base, "source_ami_filter") {
        let fbase = join(&base, "source_ami_filter");
        let owners = r.strings(f, &fbase, "owners")?;
        base_owner.1 = join(&fbase, "owners");
        base_owner.0 = owner_kind(owners.first().map(String::as_str), owner_id.as_deref());
    } else if let Some(owners) = r
        .str(&sv, &base, "source_ami")?
        .and_then(|ami| config::ami_owners(body, ctx, ami))
    {
        base_owner.0 = owner_kind(owners.first().map(String::as_str), owner_id.as_deref());
    } else if r.str(&sv, &base, "source_ami")?.is_some() {
        warnings.push(Warning {
            file: file.to_path_buf(),
            field: join(&base, "source_ami"),
            what:
                "an AMI id: its owner is not in the template; imported as another account's image"
                    .into(),
        });
    }
    // Keys.
    let owner_account = owner_id.as_deref().unwrap_or("111111111111");
    let build_key_name = match &build_key {
        Some(k) => Some(
            dir.key_in(k, (owner_account, &region), &join(&base, "kms_key_id"))
                .ok_or_else(|| {
                    r.wrong(
                        &join(&base, "kms_key_id"),
                        format!("{k:?} is not a KMS key ARN, id or alias"),
                    )
                })?,
        ),
        None => None,
    };
    let mut region_keys: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(m)) = r.get(&sv, &base, "region_kms_key_ids") {
        for (reg, k) in m {
            let from = format!("{}[\"{reg}\"]", join(&base, "region_kms_key_ids"));
            r.use_path(&join(&join(&base, "region_kms_key_ids"), reg));
            match k.as_str() {
                Some("") => region_keys.push((reg.clone(), "aws/ebs".into())),
                Some(arn) => {
                    let n = dir
                        .key_in(arn, (owner_account, reg), &from)
                        .ok_or_else(|| {
                            r.wrong(&from, format!("{arn:?} is not a KMS key ARN, id or alias"))
                        })?;
                    region_keys.push((reg.clone(), n));
                }
                None => return Err(r.wrong(&from, "expected a key ARN".into())),
            }
        }
    }
    let shared_accounts: Vec<String> = users.iter().map(|u| dir.account(u)).collect();
    let snapshot_accounts: Vec<String> = snapshot_users.iter().map(|u| dir.account(u)).collect();
    for o in org_arns.iter().chain(&ou_arns) {
        let mut parts = o.rsplit('/');
        let (last, prev) = (parts.next(), parts.next());
        match (last, prev) {
            (Some(ou), Some(org)) if ou.starts_with("ou-") => {
                let e = dir.orgs.entry(org.to_string()).or_default();
                if !e.iter().any(|x| x == ou) {
                    e.push(ou.to_string());
                }
            }
            (Some(org), _) => {
                dir.orgs.entry(org.to_string()).or_default();
            }
            _ => {}
        }
    }
    let keys: Vec<String> = dir.keys.keys().cloned().collect();
    let orgs: Vec<String> = dir.orgs.keys().cloned().collect();
    for k in &keys {
        for u in shared_accounts.iter().chain(&snapshot_accounts) {
            dir.grant(k, u.clone());
        }
        for o in &orgs {
            dir.grant(k, o.clone());
        }
    }
    for reg in &ami_regions {
        dir.region(reg);
    }
    // Volumes.
    let mut volumes: Vec<(String, u64, String)> = Vec::new();
    let mappings: Vec<Value> = match r.get(&sv, &base, "launch_block_device_mappings") {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    };
    let single = mappings.len() == 1;
    for (i, m) in mappings.iter().enumerate() {
        let mbase = if single {
            join(&base, "launch_block_device_mappings")
        } else {
            format!("{}[{i}]", join(&base, "launch_block_device_mappings"))
        };
        let device = r
            .str(m, &mbase, "device_name")?
            .unwrap_or("/dev/xvda")
            .to_string();
        let size = r.uint(m, &mbase, "volume_size")?.unwrap_or(8);
        volumes.push((device, size, join(&mbase, "volume_size")));
    }
    if volumes.is_empty() {
        volumes.push((
            "/dev/xvda".into(),
            8,
            "no launch_block_device_mappings: the base image's 8 GiB root volume (assumed)".into(),
        ));
    }
    let polling = r.get(&sv, &base, "aws_polling").cloned();
    let pbase = join(&base, "aws_polling");
    let (delay, attempts) = match &polling {
        Some(p) => (
            r.uint(p, &pbase, "delay_seconds")?,
            r.uint(p, &pbase, "max_attempts")?,
        ),
        None => (None, None),
    };
    r.unused(&sv, &base, warnings);

    // The provisioners of the builds that list this source, in order, become
    // components; `only` and `except` name sources as `amazon-ebs.NAME`.
    let short = format!("amazon-ebs.{src_name}");
    let list = |b: &Body, key: &str| -> Vec<String> {
        b.attributes()
            .find(|a| a.key() == key)
            .and_then(|a| a.expr().evaluate(ctx).ok())
            .map(to_json)
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let mut components: Vec<(String, String)> = Vec::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for (bi, b) in body
        .blocks()
        .filter(|b| b.identifier() == "build")
        .enumerate()
    {
        let bbase = format!("build[{bi}]");
        let mut listed = list(b.body(), "sources");
        listed.extend(
            b.body()
                .blocks()
                .filter(|x| x.identifier() == "source")
                .filter_map(|x| label(x, 0).map(str::to_string)),
        );
        if !listed.contains(&base) {
            continue;
        }
        for p in b.body().blocks() {
            match p.identifier() {
                "source" => {}
                "provisioner" => {
                    let (only, except) = (list(p.body(), "only"), list(p.body(), "except"));
                    if (!only.is_empty() && !only.contains(&short)) || except.contains(&short) {
                        continue;
                    }
                    let ty = label(p, 0).unwrap_or("provisioner").to_string();
                    let n = counts.entry(ty.clone()).or_default();
                    *n += 1;
                    components.push((
                        format!("{ty}-{n}"),
                        format!("{bbase}.provisioner \"{ty}\" #{n}"),
                    ));
                }
                other => warnings.push(Warning::unread(
                    file,
                    format!("{bbase}.{other} \"{}\"", label(p, 0).unwrap_or("")),
                )),
            }
        }
    }
    if components.is_empty() {
        components.push((
            "build".into(),
            "no provisioner: one instant step (assumed)".into(),
        ));
    }

    // The pipeline.
    out.table("[[pipeline]]");
    out.set(
        "name",
        quoted(&src_name),
        format!("{base} (the source's name)"),
    );
    out.set(
        "tool",
        quoted("packer"),
        "the template kind (Packer amazon-ebs)",
    );
    out.set(
        "account",
        quoted(&owner),
        if owner_id.is_some() {
            "the account of kms_key_id"
        } else {
            "assumed: a placeholder"
        },
    );
    out.set("region", quoted(&region), join(&base, "region"));
    if let Some(from) = windows {
        out.set(
            "platform",
            quoted("windows"),
            format!("{from} (a Windows build)"),
        );
    }
    out.set(
        "base_image_owner",
        quoted(&base_owner.0),
        base_owner.1.clone(),
    );
    if let Some(k) = &build_key_name {
        out.set("kms_key", quoted(k), join(&base, "kms_key_id"));
    }
    if encrypt_boot {
        out.set("encrypt_boot", "true".into(), join(&base, "encrypt_boot"));
    }
    if let Some(t) = &instance_type {
        out.set(
            "builder_instance_type",
            quoted(t),
            join(&base, "instance_type"),
        );
    }
    if let Some(m) = copy_minutes {
        out.set(
            "copy_completion",
            quoted(&format!("{m}m")),
            join(&base, "snapshot_copy_duration_minutes"),
        );
    }
    if polling.is_some() {
        let mut parts = Vec::new();
        if let Some(d) = delay {
            parts.push(format!("delay_seconds = {d}"));
        }
        if let Some(n) = attempts {
            parts.push(format!("max_attempts = {n}"));
        }
        out.set(
            "aws_polling",
            format!("{{ {} }}", parts.join(", ")),
            pbase.clone(),
        );
    }
    for (device, size, from) in &volumes {
        let held = (
            *size as f64 / 2.0,
            "assumed: half the volume (the data written is not in the template)".to_string(),
        );
        volume(
            out,
            device,
            *size,
            from,
            from.replace(".volume_size", ".device_name"),
            held,
        );
    }
    for (n, from) in &components {
        out.table("[[pipeline.component]]");
        out.set("name", quoted(n), from.clone());
        out.set(
            "duration",
            quoted("10m"),
            "assumed: not in the template; measure with `amisim fit`",
        );
    }
    out.table("[pipeline.schedule]");
    out.set(
        "run_at_start",
        "true".into(),
        "Packer runs when its caller (CI) runs it: one run; add a cron or interval for yours",
    );
    // Permissions are set on the AMI of every Region, the build Region's too.
    let public = groups.iter().any(|g| g == "all");
    let shares = public
        || !shared_accounts.is_empty()
        || !org_arns.is_empty()
        || !ou_arns.is_empty()
        || !snapshot_accounts.is_empty();
    let mut regions: Vec<String> = vec![region.clone()];
    regions.extend(ami_regions.iter().filter(|x| **x != region).cloned());
    for (i, reg) in regions.iter().enumerate() {
        let key = region_keys
            .iter()
            .find(|(r, _)| r == reg)
            .map(|x| x.1.clone());
        if i == 0 && !shares {
            continue;
        }
        out.table("[[pipeline.distribution]]");
        out.set(
            "region",
            quoted(reg),
            if i == 0 {
                join(&base, "region")
            } else {
                format!("{}[{}]", join(&base, "ami_regions"), i - 1)
            },
        );
        if i > 0
            && let Some(k) = key
        {
            out.set(
                "kms_key",
                quoted(&k),
                format!("{}[\"{reg}\"]", join(&base, "region_kms_key_ids")),
            );
        }
        if shares {
            let sharing = super::Sharing {
                accounts: &shared_accounts,
                organizations: &org_arns,
                ous: &ou_arns,
                public,
            };
            if let Some(v) = sharing.value() {
                out.set(
                    "launch_permission",
                    v,
                    format!("{base}.ami_users / ami_groups / ami_org_arns / ami_ou_arns"),
                );
            }
            if !snapshot_accounts.is_empty() {
                out.set(
                    "snapshot_permission",
                    strings(&snapshot_accounts),
                    join(&base, "snapshot_users"),
                );
            }
        }
    }
    Ok(())
}
