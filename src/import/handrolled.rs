//! Terraform pipelines built by hand: `aws_ami_copy` of an image that exists
//! already (its `source_ami_id`), and `aws_ami_launch_permission` on the
//! copies, to a `tool = "sdk"` pipeline with `existing_image = true` and
//! Terraform's 40-minute waiter on each copy (docs/sources.md#waiters).
//!
//! Field names: the AWS provider's `aws_ami_copy` and
//! `aws_ami_launch_permission`, camelCased as the other Terraform
//! resources are here (`source_ami_id` is `sourceAmiId`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::directory::Directory;
use super::imagebuilder::{Doc, Kind, data_sizes};
use super::json::join;
use super::{ImportError, Sharing, Toml, Warning, quoted, volume};

/// One `aws_ami_copy`.
struct Copy {
    /// The document's index.
    doc: usize,
    /// Its id (the new AMI's, or the reference a `.tf` gives it).
    id: Option<String>,
    source: String,
    source_region: String,
    region: String,
    owner: Option<(String, String)>,
    kms: Option<(String, String)>,
    encrypted: Option<String>,
    waiter: Option<(String, String)>,
}

/// Who an `aws_ami_launch_permission` shares with.
#[derive(Default)]
struct Share {
    accounts: Vec<String>,
    public: bool,
    orgs: Vec<String>,
    ous: Vec<String>,
    from: String,
}

/// A pipeline's name from its source image: the AMI id, or the name of
/// the data source or resource a `.tf` refers to.
fn pipeline_name(source: &str) -> String {
    if source.starts_with("ami-") {
        format!("copy-{source}")
    } else {
        source.rsplit('.').next().unwrap_or(source).to_string()
    }
}

/// Reads the copies and shares into one pipeline per source image.
pub(super) fn read(
    docs: &mut [Doc<'_>],
    name: &str,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let mut copies: Vec<Copy> = Vec::new();
    for (i, d) in docs.iter_mut().enumerate() {
        if d.kind != Kind::AmiCopy {
            continue;
        }
        let (b, base) = (d.body, d.base);
        let r = &mut d.reader;
        let need = |r: &mut super::json::Reader<'_>, key: &str, why: &str| {
            r.str(b, base, key)?
                .map(str::to_string)
                .ok_or_else(|| ImportError::Wrong {
                    file: r.file(),
                    field: join(base, key),
                    reason: format!("an aws_ami_copy without {key}"),
                    help: why.to_string(),
                })
        };
        let source = need(
            r,
            "sourceAmiId",
            "Terraform requires source_ami_id; in a .tf, give it as a literal, a variable or a data source",
        )?;
        let source_region = need(r, "sourceAmiRegion", "Terraform requires source_ami_region")?;
        let region = need(
            r,
            "region",
            "give `terraform show -json` of the state (the copy's arn names its Region), use AWS provider 6's region argument, or give the provider a region",
        )?;
        let id = r.str(b, base, "id")?.map(str::to_string);
        r.str(b, base, "arn")?;
        let owner = r
            .str(b, base, "ownerId")?
            .map(|o| (o.to_string(), join(base, "ownerId")));
        let kms = r
            .str(b, base, "kmsKeyId")?
            .map(|k| (k.to_string(), join(base, "kmsKeyId")));
        let encrypted = match r.get(b, base, "encrypted") {
            Some(Value::Bool(true)) => Some(join(base, "encrypted")),
            _ => None,
        };
        let tbase = join(base, "timeouts");
        let waiter = match r.get(b, base, "timeouts") {
            Some(t) => r.str(t, &tbase, "create")?,
            None => None,
        }
        .map(|t| (t.to_string(), join(&tbase, "create")));
        // Every copy holds the same image: its block devices give the volumes.
        if let Some(Value::Array(devs)) = b.get("ebsBlockDevice") {
            for j in 0..devs.len() {
                let dbase = format!("{}[{j}]", join(base, "ebsBlockDevice"));
                r.use_path(&join(&dbase, "deviceName"));
                r.use_path(&join(&dbase, "volumeSize"));
            }
        }
        copies.push(Copy {
            doc: i,
            id,
            source,
            source_region,
            region,
            owner,
            kms,
            encrypted,
            waiter,
        });
    }

    // The shares, by the image they name.
    let mut dir = Directory::default();
    let mut shares: BTreeMap<String, Share> = BTreeMap::new();
    for d in docs.iter_mut() {
        if d.kind != Kind::LaunchPermission {
            continue;
        }
        let (b, base) = (d.body, d.base);
        let r = &mut d.reader;
        r.str(b, base, "id")?;
        // Its Region is its image's.
        r.get(b, base, "provider");
        r.get(b, base, "region");
        let Some(image) = r.str(b, base, "imageId")?.map(str::to_string) else {
            warnings.push(Warning {
                file: r.file(),
                field: join(base, "imageId"),
                what: "an aws_ami_launch_permission without image_id; left out".into(),
            });
            continue;
        };
        let s = shares.entry(image).or_default();
        if s.from.is_empty() {
            s.from = base.to_string();
        }
        if let Some(a) = r.str(b, base, "accountId")? {
            s.accounts.push(a.to_string());
        }
        if r.str(b, base, "group")? == Some("all") {
            s.public = true;
        }
        if let Some(o) = r.str(b, base, "organizationArn")? {
            if let Some(id) = o.rsplit('/').next().filter(|x| x.starts_with("o-")) {
                dir.orgs.entry(id.to_string()).or_default();
            }
            s.orgs.push(o.to_string());
        }
        if let Some(o) = r.str(b, base, "organizationalUnitArn")? {
            let mut parts = o.rsplit('/');
            if let (Some(ou), Some(org)) = (parts.next(), parts.next()) {
                let e = dir.orgs.entry(org.to_string()).or_default();
                if !e.iter().any(|x| x == ou) {
                    e.push(ou.to_string());
                }
            }
            s.ous.push(o.to_string());
        }
    }

    // One pipeline per source image, in the order the copies name them.
    let mut sources: Vec<(String, String)> = Vec::new();
    for c in &copies {
        let k = (c.source.clone(), c.source_region.clone());
        if !sources.contains(&k) {
            sources.push(k);
        }
    }
    let owner_id =
        copies
            .iter()
            .find_map(|c| c.owner.clone())
            .ok_or_else(|| ImportError::Wrong {
                file: docs[copies[0].doc].reader.file(),
                field: join(docs[copies[0].doc].base, "ownerId"),
                reason: "the account that copies is not in the document".into(),
                help:
                    "give `terraform show -json` of the state (owner_id), or --var AWS::AccountId=…"
                        .into(),
            })?;
    let owner = dir.account(&owner_id.0);
    let waiters: Vec<&(String, String)> = copies.iter().filter_map(|c| c.waiter.as_ref()).collect();
    let mut body = Toml::default();
    let data = data_sizes(docs)?;
    let mut used_shares: Vec<String> = Vec::new();
    for (source, source_region) in &sources {
        dir.region(source_region);
        let mine: Vec<&Copy> = copies
            .iter()
            .filter(|c| c.source == *source && c.source_region == *source_region)
            .collect();
        let (fb, fbase) = (docs[mine[0].doc].body, docs[mine[0].doc].base);
        let pfile = docs[mine[0].doc].reader.file();
        body.table("[[pipeline]]");
        body.set(
            "name",
            quoted(&pipeline_name(source)),
            format!("{} (the source image)", join(fbase, "sourceAmiId")),
        );
        body.set(
            "tool",
            quoted("sdk"),
            "aws_ami_copy: Terraform calls CopyImage itself",
        );
        body.set(
            "existing_image",
            "true".into(),
            format!("an image made elsewhere ({})", join(fbase, "sourceAmiId")),
        );
        body.set("account", quoted(&owner), owner_id.1.clone());
        body.set(
            "region",
            quoted(source_region),
            join(fbase, "sourceAmiRegion"),
        );
        body.set(
            "base_image_owner",
            quoted("self"),
            "assumed: the source image is the account's own, so repeated copies are incremental",
        );
        if source.starts_with("aws_ami_from_instance.") {
            warnings.push(Warning {
                file: pfile.clone(),
                field: join(fbase, "sourceAmiId"),
                what: format!("{source} is made in the same configuration: its CreateImage is not simulated, the copies start at once"),
            });
        }
        warnings.push(Warning {
            file: pfile.clone(),
            field: join(fbase, "sourceAmiId"),
            what: format!("the encryption of the source image {source} is not in the configuration: imported as unencrypted (set the pipeline's kms_key if it is encrypted)"),
        });
        // Volumes: the copy's block devices (in the state), else one root volume.
        let mut volumes: Vec<(String, u64, String)> = Vec::new();
        if let Some(Value::Array(devs)) = fb.get("ebsBlockDevice") {
            for (j, dv) in devs.iter().enumerate() {
                let dbase = format!("{}[{j}]", join(fbase, "ebsBlockDevice"));
                let dev = dv.get("deviceName").and_then(Value::as_str);
                let size = dv.get("volumeSize").and_then(Value::as_u64);
                if let (Some(dev), Some(size)) = (dev, size) {
                    volumes.push((dev.to_string(), size, join(&dbase, "volumeSize")));
                }
            }
        }
        if volumes.is_empty() {
            volumes = described_volumes(docs, source)?;
        }
        if volumes.is_empty() {
            volumes.push((
                "/dev/xvda".into(),
                8,
                "assumed: the source image's block devices are not in the configuration (an 8 GiB root volume; give `terraform show -json` of the state, or describe-images and describe-snapshots JSON)".into(),
            ));
        }
        for (device, size, from) in &volumes {
            let held = data.get(device).cloned().unwrap_or((
                *size as f64 / 2.0,
                "assumed: half the volume (give describe-images and describe-snapshots JSON for the data written)".into(),
            ));
            volume(
                &mut body,
                device,
                *size,
                from,
                from.replace(".volumeSize", ".deviceName"),
                held,
            );
        }
        body.table("[pipeline.schedule]");
        body.set(
            "run_at_start",
            "true".into(),
            "terraform apply: the copies are made once",
        );
        // The source Region's own shares, then one distribution per copy.
        let mut dists: Vec<(String, Option<&Copy>, Option<&Share>, String)> = Vec::new();
        if let Some(s) = shares.get(source) {
            used_shares.push(source.clone());
            dists.push((source_region.clone(), None, Some(s), s.from.clone()));
        }
        for c in &mine {
            let cbase = docs[c.doc].base;
            if c.region == *source_region {
                warnings.push(Warning {
                    file: docs[c.doc].reader.file(),
                    field: join(cbase, "region"),
                    what: "a copy within the source image's own Region (to re-encrypt it) has no counterpart in amisim; left out".into(),
                });
                continue;
            }
            if dists.iter().any(|d| d.0 == c.region) {
                warnings.push(Warning {
                    file: docs[c.doc].reader.file(),
                    field: join(cbase, "region"),
                    what: format!("a second copy of {source} into {}: amisim copies once per Region; left out", c.region),
                });
                continue;
            }
            let share = c.id.as_ref().and_then(|id| {
                let s = shares.get(id)?;
                used_shares.push(id.clone());
                Some(s)
            });
            dists.push((c.region.clone(), Some(c), share, join(cbase, "region")));
        }
        for (region, copy, share, from) in dists {
            dir.region(&region);
            body.table("[[pipeline.distribution]]");
            body.set("region", quoted(&region), from);
            if let Some(c) = copy {
                if let Some((k, kfrom)) = &c.kms {
                    let kname = dir.key(k, kfrom).ok_or_else(|| {
                        docs[c.doc]
                            .reader
                            .wrong(kfrom, format!("{k:?} is not a KMS key ARN"))
                    })?;
                    body.set("kms_key", quoted(&kname), kfrom.clone());
                } else if let Some(efrom) = &c.encrypted {
                    body.set("encrypted", "true".into(), efrom.clone());
                }
            }
            if let Some(s) = share {
                let accounts: Vec<String> = s.accounts.iter().map(|a| dir.account(a)).collect();
                let sharing = Sharing {
                    accounts: &accounts,
                    organizations: &s.orgs,
                    ous: &s.ous,
                    public: s.public,
                };
                if let Some(v) = sharing.value() {
                    body.set(
                        "launch_permission",
                        v,
                        format!("{} (aws_ami_launch_permission)", s.from),
                    );
                }
                // The key of the copy is used by whoever launches from it.
                if let Some(kname) = copy
                    .and_then(|c| c.kms.as_ref())
                    .and_then(|(k, f)| dir.key(k, f))
                {
                    for a in &accounts {
                        dir.grant(&kname, a.clone());
                    }
                    if !s.orgs.is_empty() || !s.ous.is_empty() {
                        let orgs: Vec<String> = dir.orgs.keys().cloned().collect();
                        for o in orgs {
                            dir.grant(&kname, o);
                        }
                    }
                }
            }
        }
    }
    for (image, s) in &shares {
        if !used_shares.contains(image) {
            warnings.push(Warning {
                file: PathBuf::from("(launch permissions)"),
                field: join(&s.from, "imageId"),
                what: format!("{image} is neither a copy here nor its source; left out"),
            });
        }
    }

    out.set("name", quoted(name), "the command line");
    dir.emit(out, "owner_id and the launch permissions");
    out.append(body);
    // Terraform's waiter on each copy: its create time-out, 40 minutes unless set.
    out.table("[faults]");
    match waiters.first() {
        Some((t, from)) => {
            out.set("waiter_timeout", quoted(t), from.clone());
            if waiters.iter().any(|w| w.0 != *t) {
                warnings.push(Warning {
                    file: PathBuf::from("(timeouts)"),
                    field: from.clone(),
                    what: format!("the copies have different create time-outs: amisim has one waiter for every copy, {t}"),
                });
            }
        }
        None => out.set(
            "client",
            quoted("terraform"),
            "aws_ami_copy's create time-out: 40 minutes, as none is set",
        ),
    }
    warnings.push(Warning {
        file: PathBuf::from("(terraform apply)"),
        field: "-parallelism".into(),
        what: "terraform apply makes at most 10 resources at once by default; amisim starts every copy at once".into(),
    });
    for d in docs.iter() {
        d.reader.unused(d.body, d.base, warnings);
    }
    if !dir.keys.is_empty() {
        warnings.push(Warning {
            file: PathBuf::from("(key policies)"),
            field: "kms_key.grants".into(),
            what: "not in the configuration: amisim grants each key to every account and organization that launches with it; check them against your key policies".into(),
        });
    }
    Ok(())
}

/// The source image's volumes from `describe-images`, if given: each
/// device with its size.
fn described_volumes(
    docs: &mut [Doc<'_>],
    source: &str,
) -> Result<Vec<(String, u64, String)>, ImportError> {
    let mut out = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == Kind::Images) {
        let images = d.body.as_array().map(Vec::as_slice).unwrap_or_default();
        for (i, img) in images.iter().enumerate() {
            let ibase = format!("{}[{i}]", d.base);
            if d.reader.str(img, &ibase, "ImageId")? != Some(source) {
                continue;
            }
            for (j, m) in d
                .reader
                .array(img, &ibase, "BlockDeviceMappings")?
                .iter()
                .enumerate()
            {
                let mbase = format!("{}[{j}]", join(&ibase, "BlockDeviceMappings"));
                let dev = d.reader.str(m, &mbase, "DeviceName")?.map(str::to_string);
                let ebase = join(&mbase, "Ebs");
                let size = match d.reader.get(m, &mbase, "Ebs") {
                    Some(e) => d.reader.uint(e, &ebase, "VolumeSize")?,
                    None => None,
                };
                if let (Some(dev), Some(size)) = (dev, size) {
                    out.push((dev, size, join(&ebase, "VolumeSize")));
                }
            }
        }
    }
    Ok(out)
}
