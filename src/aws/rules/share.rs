//! Launch and snapshot permissions: what AWS refuses when sharing an AMI.

use super::{Rule, RuleViolation, account_name, key_name, region_name};
use crate::aws::directory::{AccountId, Directory, Encryption, KeyId, OuId, RegionId};

/// Launch-permission targets.
#[derive(Debug, Clone, Default)]
pub struct ShareTargets {
    /// Accounts.
    pub accounts: Vec<AccountId>,
    /// OUs (by ARN in the scenario).
    pub ous: Vec<OuId>,
    /// The organization (by ARN in the scenario).
    pub organization: bool,
    /// The group `all`: public.
    pub public: bool,
    /// Organizations or OUs of external organizations (index into
    /// `Directory::external`, once per ARN).
    pub external: Vec<u16>,
}

impl ShareTargets {
    /// Entities counted against the 1,000 quota (accounts inside an org or OU don't count).
    pub fn entity_count(&self) -> usize {
        self.accounts.len() + self.ous.len() + usize::from(self.organization) + self.external.len()
    }

    /// True if nothing is shared.
    pub fn is_empty(&self) -> bool {
        self.entity_count() == 0 && !self.public
    }
}

/// A ModifyImageAttribute / ModifySnapshotAttribute request in one Region.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// The account that asks.
    pub by: AccountId,
    /// The image's owner.
    pub owner: AccountId,
    /// The Region of the image.
    pub region: RegionId,
    /// The image's encryption.
    pub image: Encryption,
    /// The image carries product codes.
    pub product_codes: bool,
    /// Launch permission targets.
    pub launch: ShareTargets,
    /// Accounts given createVolumePermission on the snapshots.
    pub snapshot_accounts: Vec<AccountId>,
}

/// Checks a share against the rules and the scenario's launch-permission
/// quota (`share_entities_per_image`) and returns every rule it breaks
/// (empty if legal).
pub fn check_share(dir: &Directory, quota: u32, req: &ShareRequest) -> Vec<RuleViolation> {
    let mut v = Vec::new();
    let region = region_name(dir, req.region);
    let owner = account_name(dir, req.owner);
    if req.by != req.owner {
        v.push(RuleViolation::new(
            Rule::OnlyOwnerShares,
            format!("account {} shares an image in {region} owned by {owner}", account_name(dir, req.by)),
            format!("share from {owner}, the owner (target_accounts copies belong to their targets: share them from there)"),
        ));
    }
    let count = req.launch.entity_count();
    if count > quota as usize {
        v.push(RuleViolation::new(
            Rule::ShareQuota,
            format!("{count} share targets for one image in {region}; the quota is {quota}"),
            "share with OUs or the organization instead of listing accounts (accounts inside them don't count), or raise [quotas] share_entities_per_image (an adjustable quota)".into(),
        ));
    }
    if req.launch.public {
        public_share(dir, req, &mut v);
    }
    let shares_with_others = req.launch.entity_count() > 0 || !req.snapshot_accounts.is_empty();
    match req.image {
        Encryption::AwsManaged if shares_with_others => v.push(RuleViolation::new(
            Rule::AwsManagedKeyShare,
            format!("the image in {region} is encrypted with aws/ebs, which cannot be shared"),
            "encrypt with a customer managed key (kms_key) granted to the share targets".into(),
        )),
        Encryption::Key(k) => v.extend(key_not_granted(dir, req, k)),
        _ => {}
    }
    v
}

/// A public share: not of an encrypted image, not of a Marketplace one, not
/// while block public access is on.
fn public_share(dir: &Directory, req: &ShareRequest, v: &mut Vec<RuleViolation>) {
    let region = region_name(dir, req.region);
    let owner = account_name(dir, req.owner);
    if req.image.is_encrypted() {
        v.push(RuleViolation::new(
            Rule::PublicEncrypted,
            format!(
                "the image in {region} is encrypted ({}) and cannot be made public",
                dir.encryption_name(req.image)
            ),
            "share with accounts, OUs or the organization instead, or publish an unencrypted image"
                .into(),
        ));
    }
    if req.product_codes {
        v.push(RuleViolation::new(
            Rule::PublicProductCodes,
            format!("the image in {region} has product codes (Marketplace-derived) and cannot be made public"),
            "share with accounts, OUs or the organization instead".into(),
        ));
    }
    if dir.block_public_access(req.owner, req.region) {
        v.push(RuleViolation::new(
            Rule::BlockPublicAccess,
            format!("block public access for AMIs is on for {owner} in {region} (the default for new accounts)"),
            format!("set block_public_access = false on account {owner}, or for {region} only in [account.region.\"{region}\"] (DisableImageBlockPublicAccess), or don't share publicly"),
        ));
    }
}

/// The share targets that could not launch an image encrypted with key
/// `k`: every one must be granted the key in the share's Region.
fn key_not_granted(dir: &Directory, req: &ShareRequest, k: KeyId) -> Option<RuleViolation> {
    let region = region_name(dir, req.region);
    let kname = key_name(dir, k);
    let mut missing: Vec<String> = Vec::new();
    for a in req.launch.accounts.iter().chain(&req.snapshot_accounts) {
        if !dir.key_usable_by(k, *a, req.region) {
            let n = account_name(dir, *a).to_string();
            if !missing.contains(&n) {
                missing.push(n);
            }
        }
    }
    if let Some(org) = &dir.organization {
        for ou in &req.launch.ous {
            if !dir.key_usable_by_ou(k, *ou, req.region) {
                missing.push(format!("OU {}", org.ous[ou.index()].id));
            }
        }
        if req.launch.organization && !dir.key_usable_by_organization(k, req.region) {
            missing.push(format!("organization {}", org.id));
        }
    }
    for e in &req.launch.external {
        if !dir.key_usable_by_external(k, *e, req.region) {
            let n = format!("organization {}", dir.external[usize::from(*e)].id);
            if !missing.contains(&n) {
                missing.push(n);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    Some(RuleViolation::new(
        Rule::KeyNotGranted,
        format!(
            "the image in {region} is encrypted with key {kname}, not granted to {}: they could not launch it",
            missing.join(", ")
        ),
        if dir.keys[k.index()].region == req.region {
            format!(
                "grant key {kname} to {} (add them to the key's grants)",
                missing.join(", ")
            )
        } else {
            format!(
                "grant key {kname} to {} in {region} (add them to replica_grants.\"{region}\" of the key: each replica has its own key policy)",
                missing.join(", ")
            )
        },
    ))
}
