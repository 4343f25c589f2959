//! The infrastructure configuration (the builder's instance type) and the
//! distribution configuration: each Region's key, target accounts and
//! launch permissions, and who uses each key.

use super::Resource;
use crate::import::directory::DirectoryDraft;
use crate::import::json::{Reader, join};
use crate::import::{ImportError, Warning};

/// The builder's instance type, and its field: the first the
/// infrastructure configuration lists.
pub(super) fn instance_type(
    i: &mut Resource<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<(String, String)>, ImportError> {
    let (ib, ibase) = (i.body, i.base);
    let r = &mut i.reader;
    r.str(ib, ibase, "arn")?;
    r.str(ib, ibase, "name")?;
    let types = r.strings(ib, ibase, "instanceTypes")?;
    if types.len() > 1 {
        warnings.push(Warning {
            file: r.file(),
            field: join(ibase, "instanceTypes"),
            what: crate::import::What::Assumed(format!(
                "{} instance types: amisim builds on the first, {}",
                types.len(),
                types[0]
            )),
        });
    }
    Ok(types
        .first()
        .map(|t| (t.clone(), join(ibase, "instanceTypes[0]"))))
}

/// One Region of the distribution.
pub(super) struct Dist {
    pub(super) region: String,
    /// Its key's scenario name, and its field.
    pub(super) kms: Option<(String, String)>,
    pub(super) targets: Vec<String>,
    pub(super) accounts: Vec<String>,
    pub(super) public: bool,
    pub(super) orgs: Vec<String>,
    pub(super) ous: Vec<String>,
    /// The Region's field.
    pub(super) from: String,
}

/// The distribution configuration: its Regions, and its time-out with its field.
pub(super) struct Distribution {
    pub(super) dists: Vec<Dist>,
    pub(super) timeout: Option<(u64, String)>,
}

/// The distribution document of a pipeline owned by `owner_id`.
pub(super) fn distribution(
    d: &mut Resource<'_>,
    owner_id: &str,
    dir: &mut DirectoryDraft,
) -> Result<Distribution, ImportError> {
    let (db, dbase) = (d.body, d.base);
    let r = &mut d.reader;
    for k in ["arn", "name", "description"] {
        r.str(db, dbase, k)?;
    }
    let timeout = r
        .uint(db, dbase, "timeoutMinutes")?
        .map(|m| (m, join(dbase, "timeoutMinutes")));
    let mut dists = Vec::new();
    for (i, one) in r.array(db, dbase, "distributions")?.iter().enumerate() {
        let base = format!("{}[{i}]", join(dbase, "distributions"));
        let Some(region) = r.str(one, &base, "region")?.map(str::to_string) else {
            return Err(r.wrong(
                &join(&base, "region"),
                "a distribution without a region".into(),
            ));
        };
        dir.region(&region);
        let mut dist = Dist {
            region,
            kms: None,
            targets: Vec::new(),
            accounts: Vec::new(),
            public: false,
            orgs: Vec::new(),
            ous: Vec::new(),
            from: join(&base, "region"),
        };
        if let Some(ad) = r.get(one, &base, "amiDistributionConfiguration") {
            ami_distribution(
                r,
                ad,
                &join(&base, "amiDistributionConfiguration"),
                owner_id,
                dir,
                &mut dist,
            )?;
        }
        dists.push(dist);
    }
    Ok(Distribution { dists, timeout })
}

/// A Region's `amiDistributionConfiguration`: its key, target accounts
/// and launch permission.
fn ami_distribution(
    r: &mut Reader<'_>,
    ad: &serde_json::Value,
    abase: &str,
    owner_id: &str,
    dir: &mut DirectoryDraft,
    dist: &mut Dist,
) -> Result<(), ImportError> {
    if let Some(k) = r.str(ad, abase, "kmsKeyId")? {
        let from = join(abase, "kmsKeyId");
        let name = dir
            .key_in(k, (owner_id, &dist.region), &from)
            .ok_or_else(|| r.wrong(&from, format!("{k:?} is not a KMS key ARN, id or alias")))?;
        dist.kms = Some((name, from));
    }
    for t in r.strings(ad, abase, "targetAccountIds")? {
        dist.targets.push(dir.account(&t));
    }
    let Some(lp) = r.get(ad, abase, "launchPermission") else {
        return Ok(());
    };
    let lbase = join(abase, "launchPermission");
    for u in r.strings(lp, &lbase, "userIds")? {
        dist.accounts.push(dir.account(&u));
    }
    dist.public = r
        .strings(lp, &lbase, "userGroups")?
        .iter()
        .any(|g| g == "all");
    for o in r.strings(lp, &lbase, "organizationArns")? {
        if let Some(id) = o.rsplit('/').next().filter(|x| x.starts_with("o-")) {
            dir.orgs.entry(id.to_string()).or_default();
        }
        dist.orgs.push(o);
    }
    for o in r.strings(lp, &lbase, "organizationalUnitArns")? {
        let mut parts = o.rsplit('/');
        if let (Some(ou), Some(org)) = (parts.next(), parts.next()) {
            let e = dir.orgs.entry(org.to_string()).or_default();
            if !e.iter().any(|x| x == ou) {
                e.push(ou.to_string());
            }
        }
        dist.ous.push(o);
    }
    Ok(())
}

/// Who uses each key: the copiers and whoever launches from the images;
/// the key of the build Region's image (the distribution's there, else the
/// recipe's) is used by every one of them.
pub(super) fn grant_keys(
    dists: &[Dist],
    key_of_build: Option<&(String, String)>,
    dir: &mut DirectoryDraft,
) {
    let orgs: Vec<String> = dir.orgs.keys().cloned().collect();
    for d in dists {
        let users: Vec<String> = d.targets.iter().chain(&d.accounts).cloned().collect();
        for k in d.kms.iter().chain(key_of_build).map(|k| k.0.clone()) {
            for u in &users {
                dir.grant(&k, u.clone());
            }
            if !d.orgs.is_empty() || !d.ous.is_empty() {
                for o in &orgs {
                    dir.grant(&k, o.clone());
                }
            }
        }
    }
}
