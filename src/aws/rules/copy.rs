//! CopyImage: what AWS refuses when copying an AMI, same or cross account.

use super::{Rule, RuleViolation, account_name, key_name, region_name, region_not_enabled};
use crate::aws::directory::{AccountId, Directory, Encryption, KeyId, RegionId};

/// The key a copy asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// `aws/ebs` of the copier in the destination Region.
    AwsManaged,
    /// A customer managed key.
    Key(KeyId),
}

/// A CopyImage request.
#[derive(Debug, Clone, Copy)]
pub struct CopyRequest {
    /// Owner of the source image.
    pub source_owner: AccountId,
    /// Encryption of the source image.
    pub source: Encryption,
    /// The source image carries product codes (Marketplace-derived).
    pub product_codes: bool,
    /// The account that copies and will own the copy.
    pub copier: AccountId,
    /// Destination Region.
    pub dest_region: RegionId,
    /// The `Encrypted` parameter, if given.
    pub encrypted: Option<bool>,
    /// The Region of the source image, whose key policy the copier reads through.
    pub source_region: RegionId,
    /// The `KmsKeyId` parameter, if given.
    pub kms_key: Option<KeyChoice>,
}

/// What a legal copy produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyOutcome {
    /// Encryption of the copy.
    pub encryption: Encryption,
    /// The copy encrypts an unencrypted source, so it is full, not
    /// incremental (docs/sources.md#incremental-copy). A change of key
    /// against the previous copy in the destination is the model's to judge.
    pub encrypts_unencrypted: bool,
}

/// Checks a CopyImage request and returns the copy's encryption, or every
/// rule it breaks.
pub fn check_copy(dir: &Directory, req: &CopyRequest) -> Result<CopyOutcome, Vec<RuleViolation>> {
    let mut v = Vec::new();
    if req.copier != req.source_owner {
        cross_account(dir, req, &mut v);
    }
    if !dir.region_enabled(req.copier, req.dest_region) {
        v.push(region_not_enabled(
            dir,
            req.copier,
            req.dest_region,
            "copy into",
        ));
    }
    encrypted_flag(dir, req, &mut v);
    let encryption = copy_encryption(dir, req, &mut v);
    if !v.is_empty() {
        return Err(v);
    }
    Ok(CopyOutcome {
        encryption,
        encrypts_unencrypted: encryption.is_encrypted() && !req.source.is_encrypted(),
    })
}

/// A copy into another account: a Marketplace image cannot be copied, and
/// the copier must be able to read the source snapshots.
fn cross_account(dir: &Directory, req: &CopyRequest, v: &mut Vec<RuleViolation>) {
    let copier = account_name(dir, req.copier);
    let owner = account_name(dir, req.source_owner);
    if req.product_codes {
        v.push(RuleViolation::new(
            Rule::MarketplaceCopy,
            format!("account {copier} cannot copy a Marketplace-derived image shared by {owner}"),
            format!("launch an instance in {copier} from the shared image and create the image there (product codes are kept), or distribute without target_accounts"),
        ));
    }
    match req.source {
        Encryption::AwsManaged => v.push(RuleViolation::new(
            Rule::AwsManagedKeyShare,
            format!("the image of {owner} is encrypted with aws/ebs, so its snapshots cannot be shared with {copier} for the copy"),
            "build the image with a customer managed key (pipeline kms_key) granted to the target accounts".into(),
        )),
        Encryption::Key(k) if !dir.key_usable_by(k, req.copier, req.source_region) => v.push(RuleViolation::new(
            Rule::KeyNotGranted,
            format!("account {copier} cannot read the source snapshots: key {} of {owner} is not granted to it", key_name(dir, k)),
            format!("grant key {} to account {copier} (add \"{copier}\" to the key's grants)", key_name(dir, k)),
        )),
        _ => {}
    }
}

/// `encrypted = false` with a key, or on an encrypted image.
fn encrypted_flag(dir: &Directory, req: &CopyRequest, v: &mut Vec<RuleViolation>) {
    let dest = region_name(dir, req.dest_region);
    if req.encrypted == Some(false) && req.kms_key.is_some() {
        v.push(RuleViolation::new(
            Rule::KmsKeyWithoutEncrypted,
            format!("the copy to {dest} names a KMS key but sets encrypted = false"),
            "remove `encrypted = false` (a KMS key implies encryption)".into(),
        ));
    } else if req.encrypted == Some(false) && req.source.is_encrypted() {
        v.push(RuleViolation::new(
            Rule::EncryptedToUnencrypted,
            format!(
                "the copy to {dest} asks for an unencrypted copy of an encrypted image ({})",
                dir.encryption_name(req.source)
            ),
            "remove `encrypted = false`, or set kms_key to a key in the destination Region".into(),
        ));
    }
}

/// The copy's encryption: the key named (which must be in the destination
/// and granted to the copier there), or the copier's default there.
fn copy_encryption(dir: &Directory, req: &CopyRequest, v: &mut Vec<RuleViolation>) -> Encryption {
    let dest = region_name(dir, req.dest_region);
    let copier = account_name(dir, req.copier);
    match req.kms_key {
        Some(KeyChoice::AwsManaged) => Encryption::AwsManaged,
        Some(KeyChoice::Key(k)) => {
            if !dir.key_in_region(k, req.dest_region) {
                let key = &dir.keys[k.index()];
                v.push(RuleViolation::new(
                    Rule::KeyNotInRegion,
                    format!("key {} lives in {}, not in {dest}; KMS keys are Regional", key.name, region_name(dir, key.region)),
                    format!("add \"{dest}\" to the replicas of multi-Region key {}, or use a key created in {dest}", key.name),
                ));
            }
            if !dir.key_usable_by(k, req.copier, req.dest_region) {
                let key = &dir.keys[k.index()];
                let fix = if key.region == req.dest_region {
                    format!("add \"{copier}\" to the key's grants")
                } else {
                    format!(
                        "add \"{copier}\" to replica_grants.\"{dest}\" of the key: each replica has its own key policy"
                    )
                };
                v.push(RuleViolation::new(
                    Rule::KeyNotGranted,
                    format!("account {copier} copies into {dest} with key {}, which it was never granted there", key_name(dir, k)),
                    format!("grant key {} to account {copier} in {dest} ({fix})", key_name(dir, k)),
                ));
            }
            Encryption::Key(k)
        }
        // No key named: encrypted sources stay encrypted and "Encrypted = true"
        // encrypts, both with the copier's default EBS key in the destination
        // (a customer managed key if one is the default there, whether or not
        // encryption by default is on); encryption by default forces it on
        // (docs/sources.md#encryption-by-default).
        None => {
            if req.source.is_encrypted() || req.encrypted == Some(true) {
                dir.default_key(req.copier, req.dest_region)
            } else {
                dir.default_encryption(req.copier, req.dest_region)
                    .unwrap_or(Encryption::None)
            }
        }
    }
}
