//! What the configuration holds: its `aws_ami_copy` resources and its
//! `aws_ami_launch_permission` resources.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Copy, Share};
use crate::import::directory::DirectoryDraft;
use crate::import::imagebuilder::{Resource, ResourceKind};
use crate::import::json::join;
use crate::import::{ImportError, Warning};

/// Every `aws_ami_copy`, with what it says.
pub(super) fn read_copies(docs: &mut [Resource<'_>]) -> Result<Vec<Copy>, ImportError> {
    let mut copies: Vec<Copy> = Vec::new();
    for (i, d) in docs.iter_mut().enumerate() {
        if d.kind != ResourceKind::AmiCopy {
            continue;
        }
        let (b, base) = (d.body, d.base);
        let r = &mut d.reader;
        let need = |r: &mut crate::import::json::Reader<'_>, key: &str, why: &str| {
            r.str(b, base, key)?.map(str::to_string).ok_or_else(|| {
                ImportError::wrong(
                    r.file(),
                    join(base, key),
                    format!("an aws_ami_copy without {key}"),
                    why.to_string(),
                )
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

    Ok(copies)
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

    Ok(shares)
}
