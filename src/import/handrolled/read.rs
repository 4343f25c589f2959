//! What the configuration holds: its `aws_ami_copy` resources and its
//! `aws_ami_launch_permission` resources.

use std::collections::BTreeMap;

use super::{Copy, Share};
use crate::import::directory::DirectoryDraft;
use crate::import::imagebuilder::{Resource, ResourceKind};
use crate::import::json::join;
use crate::import::{ImportError, Warning};
use crate::sources::terraform::{AmiCopy, AmiLaunchPermission, EbsBlockDevice};

/// Every `aws_ami_copy`, with what it says.
pub(super) fn read_copies(docs: &mut [Resource<'_>]) -> Result<Vec<Copy>, ImportError> {
    let mut copies: Vec<Copy> = Vec::new();
    for (i, d) in docs.iter_mut().enumerate() {
        if d.kind != ResourceKind::AmiCopy {
            continue;
        }
        let c: AmiCopy = d.typed()?;
        let base = d.base;
        let need = |v: &Option<String>, key: &str, why: &str| {
            v.clone().ok_or_else(|| {
                let what = format!("an aws_ami_copy without {key}");
                ImportError::wrong(d.reader.file(), join(base, key), what, why.to_string())
            })
        };
        let source = need(
            &c.source_ami_id,
            "sourceAmiId",
            "Terraform requires source_ami_id; in a .tf, give it as a literal, a variable or a data source",
        )?;
        let source_region = need(
            &c.source_ami_region,
            "sourceAmiRegion",
            "Terraform requires source_ami_region",
        )?;
        let region = need(
            &c.region,
            "region",
            "give `terraform show -json` of the state (the copy's arn names its Region), use AWS provider 6's region argument, or give the provider a region",
        )?;
        let at = |key: &str| join(base, key);
        let waiter = c.timeouts.and_then(|t| t.create);
        copies.push(Copy {
            doc: i,
            id: c.id,
            source,
            source_region,
            region,
            owner: c.owner_id.map(|o| (o, at("ownerId"))),
            kms: c.kms_key_id.map(|k| (k, at("kmsKeyId"))),
            encrypted: (c.encrypted == Some(true)).then(|| at("encrypted")),
            waiter: waiter.map(|t| (t, join(&at("timeouts"), "create"))),
            volumes: copy_volumes(c.ebs_block_device.unwrap_or_default(), base),
        });
    }
    Ok(copies)
}

/// A copy's block devices, as the state holds them: device, GiB, field.
fn copy_volumes(devs: Vec<EbsBlockDevice>, base: &str) -> Vec<(String, u64, String)> {
    let devs = devs.into_iter().enumerate();
    devs.filter_map(|(j, dv)| {
        let dbase = format!("{}[{j}]", join(base, "ebsBlockDevice"));
        Some((dv.device_name?, dv.volume_size?, join(&dbase, "volumeSize")))
    })
    .collect()
}

/// Every `aws_ami_launch_permission`, by the image it names.
pub(super) fn read_shares(
    docs: &mut [Resource<'_>],
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<BTreeMap<String, Share>, ImportError> {
    let mut shares: BTreeMap<String, Share> = BTreeMap::new();
    for d in docs.iter_mut() {
        if d.kind != ResourceKind::LaunchPermission {
            continue;
        }
        let p: AmiLaunchPermission = d.typed()?;
        let base = d.base;
        let Some(image) = p.image_id else {
            warnings.push(Warning {
                file: d.reader.file(),
                field: join(base, "imageId"),
                what: crate::import::What::Assumed(
                    "an aws_ami_launch_permission without image_id; left out".into(),
                ),
            });
            continue;
        };
        let s = shares.entry(image).or_default();
        if s.from.is_empty() {
            s.from = base.to_string();
        }
        s.accounts.extend(p.account_id);
        s.public |= p.group.as_deref() == Some("all");
        for (o, list) in [
            (p.organization_arn, &mut s.orgs),
            (p.organizational_unit_arn, &mut s.ous),
        ] {
            if let Some(o) = o {
                dir.organization(&o);
                list.push(o);
            }
        }
    }

    Ok(shares)
}
