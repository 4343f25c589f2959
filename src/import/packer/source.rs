//! One `source "amazon-ebs"` block and the builds that use it: what it
//! says, as a pipeline.

use std::path::Path;

use hcl::eval::Context;
use hcl::{Block, Body};
use serde_json::Value;

use super::builds::{Instance, list_attr};
use super::{body_json, config, label};
use crate::import::directory::DirectoryDraft;
use crate::import::json::{Reader, Reference, join};
use crate::import::{ImportError, Warning, root_volume};
use crate::sources::arn::Arn;
use crate::sources::packer::AmazonEbs;

/// The account of a template that names none.
const PLACEHOLDER: &str = "111111111111";

/// `aws_polling`: its delay in seconds and its attempts, each if set.
pub(super) type Polling = (Option<u64>, Option<u64>);

/// What a source says.
pub(super) struct Source {
    pub(super) name: String,
    /// Where the name comes from.
    pub(super) name_from: String,
    /// The fields a build-level source block added: `(top-level path,
    /// build-level path)` of each, for the sources written beside values.
    pub(super) added: Vec<(String, String)>,
    /// Its address, `source.amazon-ebs.NAME`.
    pub(super) base: String,
    pub(super) region: String,
    /// The owner's scenario name, and whether the template names it.
    pub(super) owner: String,
    pub(super) owner_named: bool,
    /// The field that says it is a Windows build.
    pub(super) windows: Option<String>,
    pub(super) encrypt_boot: bool,
    pub(super) instance_type: Option<String>,
    pub(super) copy_minutes: Option<u64>,
    /// `max_retries`, if set (0 is Packer's "unset": its default 10).
    pub(super) max_retries: Option<u64>,
    /// `aws_polling`, if the block is there.
    pub(super) polling: Option<Polling>,
    /// The base image's owner as the scenario names it, and its field.
    pub(super) base_owner: (String, String),
    pub(super) build_key: Option<String>,
    /// Each copy Region's key.
    pub(super) region_keys: Vec<(String, String)>,
    pub(super) ami_regions: Vec<String>,
    pub(super) shared_accounts: Vec<String>,
    pub(super) snapshot_accounts: Vec<String>,
    pub(super) org_arns: Vec<String>,
    pub(super) ou_arns: Vec<String>,
    pub(super) public: bool,
    pub(super) volumes: Vec<(String, u64, String)>,
    /// Provisioners as components: name, field.
    pub(super) components: Vec<(String, String)>,
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

/// The fields of `image`: its top-level source's, and those its build-level
/// source block adds (Packer refuses one set in both).
fn fields(
    image: &Instance<'_>,
    (ctx, base): (&Context, &str),
    file: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Value, ImportError> {
    let mut sv = body_json(image.source.body(), ctx, base, file, warnings);
    let Some((inner, at)) = &image.extra else {
        return Ok(sv);
    };
    let Value::Object(added) = body_json(inner.body(), ctx, at, file, warnings) else {
        return Ok(sv);
    };
    let Value::Object(own) = &mut sv else {
        return Ok(sv);
    };
    for (k, v) in added.into_iter().filter(|(k, _)| k != "name") {
        if own.contains_key(&k) {
            return Err(ImportError::wrong(
                file.to_path_buf(),
                join(at, &k),
                format!("{k} is set both here and in {base}, which Packer refuses"),
                "set it in one of the two blocks".into(),
            ));
        }
        own.insert(k, v);
    }
    Ok(sv)
}

/// Reads `image` of the configuration `body`: its source, as its build uses it.
pub(super) fn read(
    image: &Instance<'_>,
    body: &Body,
    ctx: &Context,
    file: &Path,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Source, ImportError> {
    let name = image.name.clone();
    let base = format!(
        "source.amazon-ebs.{}",
        label(image.source, 1).unwrap_or("ebs")
    );
    let sv = fields(image, (ctx, &base), file, warnings)?;
    let mut r = Reader::new(file, Reference::Packer);
    let ebs: AmazonEbs = r.typed(&sv, &base)?;
    let Some(region) = ebs.region.clone() else {
        return Err(r.wrong(&join(&base, "region"), "the source has no region".into()));
    };
    let build_key = ebs.kms_key_id.clone();
    // The template names no account: the build key's owner, else a placeholder.
    let owner_id = build_key
        .as_deref()
        .and_then(Arn::parse)
        .map(|a| a.account.to_string());
    if owner_id.is_none() {
        warnings.push(Warning { file: file.to_path_buf(), field: base.clone(), what: crate::import::What::Assumed(format!("the template names no account: the scenario's owner is {PLACEHOLDER}, a placeholder")) });
    }
    let mut s = Source {
        owner: dir.account(owner_id.as_deref().unwrap_or(PLACEHOLDER)),
        owner_named: owner_id.is_some(),
        region,
        ..settings(&r, &ebs, name, base, warnings)
    };
    if let Some((inner, at)) = &image.extra {
        if inner.body().attributes().any(|a| a.key() == "name") {
            s.name_from = join(at, "name");
        }
        s.added = inner
            .body()
            .attributes()
            .map(|a| a.key())
            .chain(inner.body().blocks().map(|b| b.identifier()))
            .filter(|k| *k != "name")
            .map(|k| (join(&s.base, k), join(at, k)))
            .collect();
    }
    dir.region(&s.region);
    let own = owner_id.as_deref();
    base_owner(&mut s, &r, &ebs, (body, ctx), own, warnings);
    keys(&mut s, &r, &ebs, own, dir)?;
    sharing(&mut s, &r, &ebs, dir)?;
    s.volumes = volumes(&ebs, &sv, &s.base, s.windows.is_some());
    s.polling = ebs.aws_polling.map(|p| (p.delay_seconds, p.max_attempts));
    r.unused(&sv, &s.base, warnings);
    s.components = provisioners(ctx, image, file, warnings);
    Ok(s)
}

/// The settings read as they are, and the notes on those not modelled.
fn settings(
    r: &Reader<'_>,
    ebs: &AmazonEbs,
    name: String,
    base: String,
    warnings: &mut Vec<Warning>,
) -> Source {
    // A Windows source: WinRM, or a Windows base image by its filter's name.
    let windows = if ebs.communicator.as_deref() == Some("winrm") {
        Some(join(&base, "communicator"))
    } else if ebs.windows_filter() {
        Some(format!("{}.filters.name", join(&base, "source_ami_filter")))
    } else {
        None
    };
    let max_retries = ebs.max_retries.filter(|n| *n > 0);
    if let Some(n) = max_retries.filter(|n| *n > 100) {
        warnings.push(Warning { file: r.file(), field: join(&base, "max_retries"), what: crate::import::What::Assumed(format!("{n} attempts: amisim takes at most 100 (api_max_attempts = 100 assumed; beyond that a throttled call is as good as never refused)")) });
    }
    notes(r, ebs, &base, warnings);
    Source {
        added: Vec::new(),
        name_from: format!("{base} (the source's name)"),
        name,
        base,
        region: String::new(),
        owner: String::new(),
        owner_named: false,
        windows,
        encrypt_boot: ebs.encrypt_boot == Some(true),
        instance_type: ebs.instance_type.clone(),
        copy_minutes: ebs.snapshot_copy_duration_minutes,
        max_retries,
        polling: None,
        base_owner: (String::new(), String::new()),
        build_key: None,
        region_keys: Vec::new(),
        ami_regions: ebs.ami_regions.clone().unwrap_or_default(),
        shared_accounts: Vec::new(),
        snapshot_accounts: Vec::new(),
        org_arns: Vec::new(),
        ou_arns: Vec::new(),
        public: false,
        volumes: Vec::new(),
        components: Vec::new(),
    }
}

/// Settings amisim does not model that change what a planner reads.
fn notes(r: &Reader<'_>, ebs: &AmazonEbs, base: &str, warnings: &mut Vec<Warning>) {
    let said = [
        (
            ebs.deprecate_at.is_some(),
            "deprecate_at",
            "an absolute date: set [pipeline.lifecycle] deprecate_after by hand",
        ),
        (
            ebs.skip_save_build_region.is_some(),
            "skip_save_build_region",
            "the build Region's AMI kept only as an intermediary: not modelled without encrypt_boot; left out",
        ),
    ];
    for (_, note, what) in said.into_iter().filter(|n| n.0) {
        warnings.push(Warning {
            file: r.file(),
            field: join(base, note),
            what: crate::import::What::Assumed(what.into()),
        });
    }
}

/// The base image's owner: `source_ami_filter.owners`, else the owners of
/// the `amazon-ami` data source `source_ami` names, else another account.
fn base_owner(
    s: &mut Source,
    r: &Reader<'_>,
    ebs: &AmazonEbs,
    (body, ctx): (&Body, &Context),
    owner_id: Option<&str>,
    warnings: &mut Vec<Warning>,
) {
    let base = &s.base;
    s.base_owner = ("other_account".to_string(), join(base, "source_ami"));
    if let Some(f) = &ebs.source_ami_filter {
        let owners = f.owners.iter().flatten().next();
        s.base_owner = (
            owner_kind(owners.map(String::as_str), owner_id),
            join(&join(base, "source_ami_filter"), "owners"),
        );
    } else if let Some(owners) =
        (ebs.source_ami.as_deref()).and_then(|ami| config::ami_owners(body, ctx, ami))
    {
        s.base_owner.0 = owner_kind(owners.first().map(String::as_str), owner_id);
    } else if ebs.source_ami.is_some() {
        warnings.push(Warning {
            file: r.file(),
            field: join(base, "source_ami"),
            what: crate::import::What::Assumed(
                "an AMI id: its owner is not in the template; imported as another account's image"
                    .into(),
            ),
        });
    }
}

/// The build key and each copy Region's key (`""` is the default EBS key).
fn keys(
    s: &mut Source,
    r: &Reader<'_>,
    ebs: &AmazonEbs,
    owner_id: Option<&str>,
    dir: &mut DirectoryDraft,
) -> Result<(), ImportError> {
    let base = s.base.clone();
    let owner = owner_id.unwrap_or(PLACEHOLDER);
    let bad =
        |from: &str, k: &str| r.wrong(from, format!("{k:?} is not a KMS key ARN, id or alias"));
    if let Some(k) = &ebs.kms_key_id {
        let from = join(&base, "kms_key_id");
        let key = dir.key_in(k, (owner, &s.region), &from);
        s.build_key = Some(key.ok_or_else(|| bad(&from, k))?);
    }
    for (reg, k) in ebs.region_kms_key_ids.iter().flatten() {
        let from = format!("{}[\"{reg}\"]", join(&base, "region_kms_key_ids"));
        let name = match k.as_str() {
            "" => "aws/ebs".to_string(),
            arn => dir
                .key_in(arn, (owner, reg), &from)
                .ok_or_else(|| bad(&from, arn))?,
        };
        s.region_keys.push((reg.clone(), name));
    }
    Ok(())
}

/// Who the images are shared with, and the keys granted to them.
fn sharing(
    s: &mut Source,
    r: &Reader<'_>,
    ebs: &AmazonEbs,
    dir: &mut DirectoryDraft,
) -> Result<(), ImportError> {
    let base = &s.base;
    let users = ebs.ami_users.clone().unwrap_or_default();
    s.public = ebs.ami_groups.iter().flatten().any(|g| g == "all");
    s.org_arns = ebs.ami_org_arns.clone().unwrap_or_default();
    s.ou_arns = ebs.ami_ou_arns.clone().unwrap_or_default();
    let snapshot_users = ebs.snapshot_users.clone().unwrap_or_default();
    for (key, list) in [("ami_users", &users), ("snapshot_users", &snapshot_users)] {
        if let Some((i, u)) = list
            .iter()
            .enumerate()
            .find(|(_, u)| !crate::aws::ids::is_account_id(u))
        {
            return Err(ImportError::wrong(
                r.file(),
                format!("{}[{i}]", join(base, key)),
                format!("{u:?} is not an AWS account ID (12 digits), and AWS refuses to share with it"),
                "an empty one is a variable left without a value: give it with --var NAME=123456789012 or --var-file, as `packer build` needs it".into(),
            ));
        }
    }
    s.shared_accounts = users.iter().map(|u| dir.account(u)).collect();
    s.snapshot_accounts = snapshot_users.iter().map(|u| dir.account(u)).collect();
    for o in s.org_arns.iter().chain(&s.ou_arns) {
        dir.organization(o);
    }
    let keys: Vec<String> = dir.keys.keys().cloned().collect();
    let orgs: Vec<String> = dir.orgs.keys().cloned().collect();
    for k in &keys {
        for u in s
            .shared_accounts
            .iter()
            .chain(&s.snapshot_accounts)
            .chain(&orgs)
        {
            dir.grant(k, u.clone());
        }
    }
    for reg in &s.ami_regions {
        dir.region(reg);
    }
    Ok(())
}

/// `launch_block_device_mappings` as volumes; without any, the base
/// image's root volume (assumed). One block is named without an index,
/// as the template (`sv`) has it.
fn volumes(ebs: &AmazonEbs, sv: &Value, base: &str, windows: bool) -> Vec<(String, u64, String)> {
    let root = root_volume(windows);
    let at = join(base, "launch_block_device_mappings");
    let single = sv
        .get("launch_block_device_mappings")
        .is_some_and(Value::is_object);
    let mut out = Vec::new();
    for (i, m) in ebs
        .launch_block_device_mappings
        .iter()
        .flatten()
        .enumerate()
    {
        let mbase = if single {
            at.clone()
        } else {
            format!("{at}[{i}]")
        };
        let device = m.device_name.as_deref().unwrap_or(root.0).to_string();
        let size = m.volume_size.unwrap_or(root.1);
        out.push((device, size, join(&mbase, "volume_size")));
    }
    if out.is_empty() {
        out.push((
            root.0.into(),
            root.1,
            format!("no launch_block_device_mappings: {} (assumed)", root.2),
        ));
    }
    out
}

/// The provisioners of the build that makes `image`, in order, as
/// components; `only` and `except` name images as `amazon-ebs.NAME`.
/// Without a build (a file of sources only), none.
fn provisioners(
    ctx: &Context,
    image: &Instance<'_>,
    file: &Path,
    warnings: &mut Vec<Warning>,
) -> Vec<(String, String)> {
    let short = image.short_name();
    let mut components: Vec<(String, String)> = Vec::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let builds: Vec<(usize, &Block)> = match &image.build {
        Some((bi, b, _)) => vec![(*bi, *b)],
        None => Vec::new(),
    };
    for (bi, b) in builds {
        let bbase = format!("build[{bi}]");
        for p in b.body().blocks() {
            match p.identifier() {
                "source" => {}
                "provisioner" => {
                    let (only, except) = (
                        list_attr(p.body(), "only", ctx),
                        list_attr(p.body(), "except", ctx),
                    );
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
    components
}
