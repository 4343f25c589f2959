//! One source image's pipeline: its table, its volumes, and a
//! distribution for the source Region's shares and for each copy.

use std::collections::BTreeMap;

use super::{Copy, Share, Source, described_volumes, pipeline_name};
use crate::import::directory::DirectoryDraft;
use crate::import::imagebuilder::Resource;
use crate::import::json::join;
use crate::import::{ImportError, Sharing, Toml, Warning, quoted, volume};

/// The `[[pipeline]]` of source image `at`, its volumes and schedule.
pub(super) fn source_pipeline(
    docs: &mut [Resource<'_>],
    at: &Source<'_>,
    data: &BTreeMap<String, (f64, String)>,
    body: &mut Toml,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let (source, source_region) = (at.name, at.region);
    dir.region(source_region);
    let first = at.copies[0].doc;
    let fbase = docs[first].base;
    let pfile = docs[first].reader.file();
    body.tables(&["pipeline"]);
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
        true,
        format!("an image made elsewhere ({})", join(fbase, "sourceAmiId")),
    );
    body.set("account", quoted(&at.owner.0), at.owner.1.clone());
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
        warnings.push(Warning { file: pfile.clone(), field: join(fbase, "sourceAmiId"), what: crate::import::What::Assumed(format!("{source} is made in the same configuration: its CreateImage is not simulated, the copies start at once")) });
    }
    warnings.push(Warning { file: pfile, field: join(fbase, "sourceAmiId"), what: crate::import::What::Assumed(format!("the encryption of the source image {source} is not in the configuration: imported as unencrypted (set the pipeline's kms_key if it is encrypted)")) });
    let volumes = match &at.copies[0].volumes {
        v if !v.is_empty() => v.clone(),
        _ => described_volumes(docs, source)?,
    };
    write_volumes(body, volumes, data);
    body.table(&["pipeline", "schedule"]);
    body.set(
        "run_at_start",
        true,
        "terraform apply: the copies are made once",
    );
    Ok(())
}

/// The volumes (else one root volume, assumed) with the data each holds.
fn write_volumes(
    body: &mut Toml,
    mut volumes: Vec<(String, u64, String)>,
    data: &BTreeMap<String, (f64, String)>,
) {
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
            body,
            device,
            *size,
            from,
            from.replace(".volumeSize", ".deviceName"),
            held,
        );
    }
}

/// One distribution: its Region, the copy into it (none for the source
/// Region's own shares), its shares, its field.
pub(super) type Dist<'a> = (String, Option<&'a Copy>, Option<&'a Share>, String);

/// The source Region's own shares, then one distribution per copy (a
/// copy within the source Region, or a second one into a Region, said and
/// left out).
pub(super) fn distributions<'a>(
    docs: &[Resource<'_>],
    at: &Source<'a>,
    shares: &'a BTreeMap<String, Share>,
    used_shares: &mut Vec<String>,
    warnings: &mut Vec<Warning>,
) -> Vec<Dist<'a>> {
    let (source, source_region) = (at.name, at.region);
    let mut dists: Vec<Dist<'a>> = Vec::new();
    if let Some(s) = shares.get(source) {
        used_shares.push(source.to_string());
        dists.push((source_region.to_string(), None, Some(s), s.from.clone()));
    }
    for c in at.copies {
        let cbase = docs[c.doc].base;
        let said = if c.region == *source_region {
            Some("a copy within the source image's own Region (to re-encrypt it) has no counterpart in amisim; left out".to_string())
        } else if dists.iter().any(|d| d.0 == c.region) {
            Some(format!(
                "a second copy of {source} into {}: amisim copies once per Region; left out",
                c.region
            ))
        } else {
            None
        };
        if let Some(what) = said {
            warnings.push(Warning {
                file: docs[c.doc].reader.file(),
                field: join(cbase, "region"),
                what: crate::import::What::Assumed(what),
            });
            continue;
        }
        let share = c.id.as_ref().and_then(|id| {
            let s = shares.get(id)?;
            used_shares.push(id.clone());
            Some(s)
        });
        dists.push((c.region.clone(), Some(*c), share, join(cbase, "region")));
    }
    dists
}

/// Writes each distribution: its key or encryption, its launch
/// permissions, and the key granted to whoever launches from it.
pub(super) fn write_distributions(
    docs: &[Resource<'_>],
    dists: Vec<Dist<'_>>,
    body: &mut Toml,
    dir: &mut DirectoryDraft,
) -> Result<(), ImportError> {
    for (region, copy, share, from) in dists {
        dir.region(&region);
        body.tables(&["pipeline", "distribution"]);
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
                body.set("encrypted", true, efrom.clone());
            }
        }
        if let Some(s) = share {
            share_on(body, dir, copy, s);
        }
    }
    Ok(())
}

/// A share's launch permission, and the copy's key granted to its accounts
/// and organizations.
fn share_on(body: &mut Toml, dir: &mut DirectoryDraft, copy: Option<&Copy>, s: &Share) {
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
    let Some(kname) = copy
        .and_then(|c| c.kms.as_ref())
        .and_then(|(k, f)| dir.key(k, f))
    else {
        return;
    };
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
