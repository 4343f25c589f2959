//! The infrastructure configuration (the builder's instance type) and the
//! distribution configuration: each Region's key, target accounts and
//! launch permissions, and who uses each key.

use super::Resource;
use crate::import::directory::DirectoryDraft;
use crate::import::json::{Reader, join};
use crate::import::{ImportError, Warning};
use crate::sources::imagebuilder::{
    AmiDistributionConfiguration, DistributionConfiguration, InfrastructureConfiguration,
};

/// The builder's instance type, and its field: the first the
/// infrastructure configuration lists.
pub(super) fn instance_type(
    i: &mut Resource<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<(String, String)>, ImportError> {
    let infra: InfrastructureConfiguration = i.typed()?;
    let types = infra.instance_types.unwrap_or_default();
    if types.len() > 1 {
        warnings.push(Warning {
            file: i.reader.file(),
            field: join(i.base, "instanceTypes"),
            what: crate::import::What::Assumed(format!(
                "{} instance types: amisim builds on the first, {}",
                types.len(),
                types[0]
            )),
        });
    }
    Ok(types
        .first()
        .map(|t| (t.clone(), join(i.base, "instanceTypes[0]"))))
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
    let doc: DistributionConfiguration = d.typed()?;
    let timeout = doc
        .timeout_minutes
        .map(|m| (m, join(d.base, "timeoutMinutes")));
    let mut dists = Vec::new();
    for (i, one) in doc.distributions.into_iter().flatten().enumerate() {
        let base = format!("{}[{i}]", join(d.base, "distributions"));
        let Some(region) = one.region else {
            return Err(d.reader.wrong(
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
        if let Some(ad) = one.ami_distribution_configuration {
            let at = (&d.reader, join(&base, "amiDistributionConfiguration"));
            ami_distribution(at, ad, owner_id, dir, &mut dist)?;
        }
        dists.push(dist);
    }
    Ok(Distribution { dists, timeout })
}

/// A Region's `amiDistributionConfiguration` (at `abase` in `r`'s file):
/// its key, target accounts and launch permission.
fn ami_distribution(
    (r, abase): (&Reader<'_>, String),
    ad: AmiDistributionConfiguration,
    owner_id: &str,
    dir: &mut DirectoryDraft,
    dist: &mut Dist,
) -> Result<(), ImportError> {
    if let Some(k) = ad.kms_key_id {
        let from = join(&abase, "kmsKeyId");
        let name = dir
            .key_in(&k, (owner_id, &dist.region), &from)
            .ok_or_else(|| r.wrong(&from, format!("{k:?} is not a KMS key ARN, id or alias")))?;
        dist.kms = Some((name, from));
    }
    for t in ad.target_account_ids.into_iter().flatten() {
        dist.targets.push(dir.account(&t));
    }
    let Some(lp) = ad.launch_permission else {
        return Ok(());
    };
    dist.public = lp.public();
    for u in lp.user_ids.into_iter().flatten() {
        dist.accounts.push(dir.account(&u));
    }
    for o in lp.organization_arns.into_iter().flatten() {
        dir.organization(&o);
        dist.orgs.push(o);
    }
    for o in lp.organizational_unit_arns.into_iter().flatten() {
        dir.organization(&o);
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
