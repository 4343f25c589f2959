//! Legality: what AWS refuses when copying and sharing AMIs.
//!
//! Pure functions over a [`Directory`]: [`check_copy`] for CopyImage (same
//! or cross account) and [`check_share`] for launch and snapshot
//! permissions. Each refusal is a [`RuleViolation`] naming its [`Rule`], the
//! rule's source in the repository's `docs/sources.md`, the error AWS returns where a
//! public record of it exists, and the fix.

use std::fmt;

mod copy;
mod share;

pub use copy::{CopyOutcome, CopyRequest, KeyChoice, check_copy};
pub use share::{ShareRequest, ShareTargets, check_share};

use super::directory::{AccountId, Directory, KeyId, RegionId};
use crate::engine::SimDuration;

/// Each rule amisim enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An encrypted snapshot cannot be copied to an unencrypted one.
    EncryptedToUnencrypted,
    /// `KmsKeyId` without `Encrypted = true`.
    KmsKeyWithoutEncrypted,
    /// The key does not exist in the Region where it is used.
    KeyNotInRegion,
    /// The account using the key was never granted it.
    KeyNotGranted,
    /// Images or snapshots encrypted with `aws/ebs` cannot be shared.
    AwsManagedKeyShare,
    /// Encrypted images cannot be public.
    PublicEncrypted,
    /// Images with product codes cannot be public.
    PublicProductCodes,
    /// Block public access for AMIs is on for the owner.
    BlockPublicAccess,
    /// More than 1,000 share targets.
    ShareQuota,
    /// Marketplace images shared from another account cannot be copied.
    MarketplaceCopy,
    /// Only the owner of an image can share it.
    OnlyOwnerShares,
    /// Organization and OU share targets must be full ARNs.
    OrganizationArnRequired,
    /// A time-based copy's completion duration: 15 min to 48 h in 15-min steps.
    TimeBasedCopyDuration,
    /// A time-based copy asked of Image Builder, whose distribution has no
    /// completion duration to ask with.
    ImageBuilderTimeBasedCopy,
    /// An opt-in Region the account has not enabled.
    RegionNotEnabled,
    /// A snapshot behind an AMI archived before the AMI is disabled.
    ArchiveRequiresDisabled,
    /// A container distribution with target accounts.
    ContainerTargetAccounts,
    /// A container distribution with AMI settings in its Region.
    ContainerAmiSettings,
    /// More than 10 ECR replication rules in one configuration.
    ReplicationRules,
    /// More than 25 unique ECR replication destinations.
    ReplicationDestinations,
    /// A cross-account replication the destination registry does not grant.
    ReplicationNotGranted,
}

impl Rule {
    /// Every rule, for tables and docs.
    pub const ALL: [Rule; 21] = [
        Rule::EncryptedToUnencrypted,
        Rule::KmsKeyWithoutEncrypted,
        Rule::KeyNotInRegion,
        Rule::KeyNotGranted,
        Rule::AwsManagedKeyShare,
        Rule::PublicEncrypted,
        Rule::PublicProductCodes,
        Rule::BlockPublicAccess,
        Rule::ShareQuota,
        Rule::MarketplaceCopy,
        Rule::OnlyOwnerShares,
        Rule::OrganizationArnRequired,
        Rule::TimeBasedCopyDuration,
        Rule::ImageBuilderTimeBasedCopy,
        Rule::RegionNotEnabled,
        Rule::ArchiveRequiresDisabled,
        Rule::ContainerTargetAccounts,
        Rule::ContainerAmiSettings,
        Rule::ReplicationRules,
        Rule::ReplicationDestinations,
        Rule::ReplicationNotGranted,
    ];

    /// A stable identifier, used in messages and in the `cause` column.
    pub fn id(self) -> &'static str {
        match self {
            Rule::EncryptedToUnencrypted => "encrypted_to_unencrypted",
            Rule::KmsKeyWithoutEncrypted => "kms_key_without_encrypted",
            Rule::KeyNotInRegion => "key_not_in_region",
            Rule::KeyNotGranted => "key_not_granted",
            Rule::AwsManagedKeyShare => "aws_managed_key_share",
            Rule::PublicEncrypted => "public_encrypted",
            Rule::PublicProductCodes => "public_product_codes",
            Rule::BlockPublicAccess => "block_public_access",
            Rule::ShareQuota => "share_quota",
            Rule::MarketplaceCopy => "marketplace_copy",
            Rule::OnlyOwnerShares => "only_owner_shares",
            Rule::OrganizationArnRequired => "organization_arn_required",
            Rule::TimeBasedCopyDuration => "time_based_copy_duration",
            Rule::ImageBuilderTimeBasedCopy => "image_builder_time_based_copy",
            Rule::RegionNotEnabled => "region_not_enabled",
            Rule::ArchiveRequiresDisabled => "archive_requires_disabled",
            Rule::ContainerTargetAccounts => "container_target_accounts",
            Rule::ContainerAmiSettings => "container_ami_settings",
            Rule::ReplicationRules => "ecr_replication_rules",
            Rule::ReplicationDestinations => "ecr_replication_destinations",
            Rule::ReplicationNotGranted => "ecr_replication_not_granted",
        }
    }

    /// Where the rule comes from: its entry in the repository's sources file.
    pub fn source(self) -> &'static str {
        match self {
            Rule::EncryptedToUnencrypted => "docs/sources.md#rule-encrypted-to-unencrypted",
            Rule::KmsKeyWithoutEncrypted => "docs/sources.md#rule-kms-key-without-encrypted",
            Rule::KeyNotInRegion => "docs/sources.md#rule-key-not-in-region",
            Rule::KeyNotGranted => "docs/sources.md#rule-key-not-granted",
            Rule::AwsManagedKeyShare => "docs/sources.md#rule-aws-managed-key-share",
            Rule::PublicEncrypted => "docs/sources.md#rule-public-encrypted",
            Rule::PublicProductCodes => "docs/sources.md#rule-public-product-codes",
            Rule::BlockPublicAccess => "docs/sources.md#rule-block-public-access",
            Rule::ShareQuota => "docs/sources.md#rule-share-quota",
            Rule::MarketplaceCopy => "docs/sources.md#rule-marketplace-copy",
            Rule::OnlyOwnerShares => "docs/sources.md#rule-only-owner-shares",
            Rule::OrganizationArnRequired => "docs/sources.md#rule-organization-arn-required",
            Rule::TimeBasedCopyDuration => "docs/sources.md#rule-time-based-copy-duration",
            Rule::ImageBuilderTimeBasedCopy => "docs/sources.md#rule-image-builder-time-based-copy",
            Rule::RegionNotEnabled => "docs/sources.md#rule-region-not-enabled",
            Rule::ArchiveRequiresDisabled => "docs/sources.md#rule-archive-requires-disabled",
            Rule::ContainerTargetAccounts | Rule::ContainerAmiSettings => {
                "docs/sources.md#rule-container-distribution"
            }
            Rule::ReplicationRules
            | Rule::ReplicationDestinations
            | Rule::ReplicationNotGranted => "docs/sources.md#rule-ecr-replication",
        }
    }

    /// What AWS answers. Exact texts come from public reports (cited); where
    /// none was found, the refusal is described without inventing a code.
    pub fn aws_error(self) -> &'static str {
        match self {
            // [COMM] hashicorp/packer#6789, BedrockStreaming post (PR #346).
            Rule::EncryptedToUnencrypted => {
                "CopyImage: InvalidRequest: Snapshot … is encrypted. Creating an unencrypted copy from an encrypted snapshot is not supported."
            }
            // [COMM] keithvassallomt/parsec-aws-automation#12 (RunInstances; CopyImage takes the same pair).
            Rule::KmsKeyWithoutEncrypted => {
                "InvalidParameterDependency: The parameter KmsKeyId requires the parameter Encrypted to be set."
            }
            // docs/sources.md#faults: "Copy ends in AMI state failed" (community).
            Rule::KeyNotInRegion => {
                "the copied AMI ends in state `failed` (bad or inaccessible KMS key)"
            }
            // docs/sources.md#rule-key-not-granted: aws-samples/aws-backup-automation#2.
            Rule::KeyNotGranted => {
                "Given key ID is not accessible (the copy, or the recipient's launch, fails)"
            }
            // [COMM] hashicorp/packer#7410 and #7499.
            Rule::AwsManagedKeyShare => {
                "ModifyImageAttribute: InvalidParameter: Snapshots encrypted with the AWS Managed CMK can't be shared; ModifySnapshotAttribute: OperationNotPermitted: Encrypted snapshots with EBS default key cannot be shared"
            }
            Rule::PublicEncrypted => {
                "ModifyImageAttribute refused: encrypted AMIs cannot be made public"
            }
            Rule::PublicProductCodes => {
                "ModifyImageAttribute refused: AMIs with product codes cannot be made public"
            }
            // [COMM] hortonworks/cloudbreak-images#926.
            Rule::BlockPublicAccess => {
                "ModifyImageAttribute: OperationNotPermitted: You can't publicly share this image because block public access for AMIs is enabled for this account."
            }
            Rule::ShareQuota => {
                "ModifyImageAttribute refused: more than 1,000 launch-permission entities"
            }
            Rule::MarketplaceCopy => {
                "CopyImage refused for a Marketplace-derived AMI shared from another account"
            }
            Rule::OnlyOwnerShares => {
                "ModifyImageAttribute refused: only the owner can share an AMI"
            }
            Rule::OrganizationArnRequired => {
                "ModifyImageAttribute refused: OrganizationArn/OrganizationalUnitArn must be a full ARN"
            }
            Rule::TimeBasedCopyDuration => {
                "CopyImage refused: SnapshotCopyCompletionDurationMinutes takes 15 minutes to 48 hours, in 15-minute increments"
            }
            // No error code: the field does not exist in Image Builder's API.
            Rule::ImageBuilderTimeBasedCopy => {
                "Image Builder's AmiDistributionConfiguration has no completion-duration field: only CopyImage takes SnapshotCopyCompletionDurationMinutes"
            }
            // AWS documents that a disabled Region cannot be used; the error
            // code a call there returns is not in amisim's sources.
            Rule::RegionNotEnabled => {
                "requests in an opt-in Region the account has not enabled are refused until it enables the Region (EnableRegion)"
            }
            Rule::ArchiveRequiresDisabled => {
                "ModifySnapshotTier refused: a snapshot associated with an AMI can be archived only after the AMI is disabled"
            }
            // The API has no field for it: ContainerDistributionConfiguration
            // takes a target repository, tags and a description.
            Rule::ContainerTargetAccounts => {
                "Image Builder's ContainerDistributionConfiguration has no target accounts: the image is copied to each Region in the account used to build it"
            }
            Rule::ContainerAmiSettings => {
                "a Region's distribution takes either AMI or container settings, not both"
            }
            Rule::ReplicationRules => {
                "PutReplicationConfiguration refused: at most 10 rules per replication configuration (not adjustable)"
            }
            Rule::ReplicationDestinations => {
                "PutReplicationConfiguration refused: at most 25 unique destinations across all rules (not adjustable)"
            }
            Rule::ReplicationNotGranted => {
                "replication to a registry whose permissions policy does not grant ecr:ReplicateImage to the source account fails"
            }
        }
    }

    /// True if AWS refuses the call outright (no time passes); false if the
    /// operation runs and then fails (a copy ending `failed`).
    pub fn refused_at_request(self) -> bool {
        !matches!(self, Rule::KeyNotInRegion | Rule::KeyNotGranted)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One refusal: the rule, what was asked, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    /// The rule.
    pub rule: Rule,
    /// What was asked and why AWS refuses it.
    pub message: String,
    /// How to make it legal.
    pub help: String,
}

impl RuleViolation {
    fn new(rule: Rule, message: String, help: String) -> Self {
        RuleViolation {
            rule,
            message,
            help,
        }
    }

    /// The full reason: the message, then indented lines with the rule, its
    /// source and AWS's answer.
    pub fn reason(&self) -> String {
        format!(
            "{}\n  rule: {} ({})\n  AWS: {}",
            self.message,
            self.rule.id(),
            self.rule.source(),
            self.rule.aws_error()
        )
    }
}

/// Account `a` uses opt-in Region `r` (to `what` it), which it has not enabled.
pub fn region_not_enabled(dir: &Directory, a: AccountId, r: RegionId, what: &str) -> RuleViolation {
    let (acct, region) = (account_name(dir, a), region_name(dir, r));
    RuleViolation::new(
        Rule::RegionNotEnabled,
        format!(
            "account {acct} cannot {what} {region}: it is an opt-in Region the account has not enabled"
        ),
        format!(
            "enable {region} in {acct} (add \"{acct}\" to enabled_for of the [[region]] {region}, or enabled_for = [\"all\"])"
        ),
    )
}

/// A time-based copy's completion duration (CopyImage's
/// `SnapshotCopyCompletionDurationMinutes`): 15 minutes to 48 hours, in
/// 15-minute increments (docs/sources.md#time-based-copies).
pub fn check_copy_completion(d: SimDuration) -> Result<(), RuleViolation> {
    let step = SimDuration::from_mins(15);
    if d >= step
        && d <= SimDuration::from_hours(48)
        && d.as_millis().is_multiple_of(step.as_millis())
    {
        return Ok(());
    }
    let mins = d.as_millis() / 60_000;
    let up = (mins.div_ceil(15) * 15).clamp(15, 48 * 60);
    Err(RuleViolation::new(
        Rule::TimeBasedCopyDuration,
        format!(
            "a time-based copy completes in 15 minutes to 48 hours, in 15-minute steps; {d} is not one of them"
        ),
        format!(
            "use copy_completion = \"{}\" (the next allowed value), or remove it for a best-effort copy",
            SimDuration::from_mins(up)
        ),
    ))
}

/// `copy_completion` on an Image Builder pipeline: its distribution
/// configuration cannot ask for a time-based copy.
pub fn image_builder_copy_completion() -> RuleViolation {
    RuleViolation::new(
        Rule::ImageBuilderTimeBasedCopy,
        "an Image Builder pipeline cannot ask for time-based copies: its distribution configuration has no completion duration".into(),
        "remove copy_completion, or use tool = \"packer\" (snapshot_copy_duration_minutes) or tool = \"sdk\" (CopyImage's SnapshotCopyCompletionDurationMinutes)".into(),
    )
}

/// A rule of a container pipeline's distribution or ECR replication: the
/// violation, with what was asked and the fix.
pub fn container_violation(rule: Rule, message: String, help: String) -> RuleViolation {
    RuleViolation::new(rule, message, help)
}

pub(super) fn region_name(dir: &Directory, r: RegionId) -> &str {
    dir.regions.get(r.index()).map_or("?", String::as_str)
}

pub(super) fn account_name(dir: &Directory, a: AccountId) -> &str {
    &dir.accounts[a.index()].name
}

pub(super) fn key_name(dir: &Directory, k: KeyId) -> &str {
    &dir.keys[k.index()].name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::directory::{Account, Encryption, KmsKey, Organization, Ou, OuId, Principal};

    /// AWS's launch-permission quota per image.
    const SHARE_QUOTA: usize = crate::aws::facts::SHARE_ENTITIES_PER_IMAGE as usize;

    // Regions: 0 us-east-1, 1 eu-west-1. Accounts: 0 images (owner),
    // 1 prod (in ou-prod), 2 dev (in ou-dev, nested in ou-prod), 3 outsider.
    // Keys: 0 "golden" (images, us-east-1, replica eu-west-1, granted to prod),
    // 1 "local" (images, us-east-1 only, granted to the organization),
    // 2 "prod-own" (prod, eu-west-1).
    fn dir() -> Directory {
        let acct = |name: &str, ou: Option<usize>| Account {
            name: name.into(),
            id: "000000000000".into(),
            ou: ou.map(OuId::from_index),
            in_organization: ou.is_some() || name == "images",
            encryption_by_default: false,
            default_key: None,
            block_public_access: true,
            ecr_replication_allowed: true,
            overrides: Vec::new(),
        };
        Directory {
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            access: Vec::new(),
            external: Vec::new(),
            accounts: vec![
                acct("images", None),
                acct("prod", Some(0)),
                acct("dev", Some(1)),
                acct("outsider", None),
            ],
            organization: Some(Organization {
                id: "o-abc".into(),
                ous: vec![
                    Ou {
                        id: "ou-prod".into(),
                        parent: None,
                    },
                    Ou {
                        id: "ou-dev".into(),
                        parent: Some(OuId::from_index(0)),
                    },
                ],
            }),
            keys: vec![
                KmsKey {
                    name: "golden".into(),
                    owner: AccountId::from_index(0),
                    region: RegionId::from_index(0),
                    replicas: vec![RegionId::from_index(1)],
                    grants: vec![Principal::Account(AccountId::from_index(1))],
                    replica_grants: vec![vec![Principal::Account(AccountId::from_index(1))]],
                },
                KmsKey {
                    name: "local".into(),
                    owner: AccountId::from_index(0),
                    region: RegionId::from_index(0),
                    replicas: vec![],
                    grants: vec![Principal::Organization],
                    replica_grants: vec![],
                },
                KmsKey {
                    name: "prod-own".into(),
                    owner: AccountId::from_index(1),
                    region: RegionId::from_index(1),
                    replicas: vec![],
                    grants: vec![],
                    replica_grants: vec![],
                },
            ],
        }
    }

    fn copy(
        source: Encryption,
        copier: usize,
        encrypted: Option<bool>,
        kms_key: Option<KeyChoice>,
    ) -> CopyRequest {
        CopyRequest {
            source_owner: AccountId::from_index(0),
            source,
            product_codes: false,
            copier: AccountId::from_index(copier),
            dest_region: RegionId::from_index(1),
            source_region: RegionId::from_index(0),
            encrypted,
            kms_key,
        }
    }

    fn rules(r: Result<CopyOutcome, Vec<RuleViolation>>) -> Vec<Rule> {
        r.err().unwrap_or_default().iter().map(|v| v.rule).collect()
    }

    #[test]
    fn the_copy_encryption_table_in_all_four_cells() {
        let d = dir();
        // unencrypted → unencrypted: allowed.
        let o = check_copy(&d, &copy(Encryption::None, 0, None, None)).unwrap();
        assert_eq!(o.encryption, Encryption::None);
        assert!(!o.encrypts_unencrypted);
        // encrypted → encrypted: allowed (with a key in the destination).
        let o = check_copy(
            &d,
            &copy(
                Encryption::Key(KeyId::from_index(0)),
                0,
                None,
                Some(KeyChoice::Key(KeyId::from_index(0))),
            ),
        )
        .unwrap();
        assert_eq!(o.encryption, Encryption::Key(KeyId::from_index(0)));
        // unencrypted → encrypted: allowed, and a full copy.
        let o = check_copy(&d, &copy(Encryption::None, 0, Some(true), None)).unwrap();
        assert_eq!(
            (o.encryption, o.encrypts_unencrypted),
            (Encryption::AwsManaged, true)
        );
        // encrypted → unencrypted: refused.
        assert_eq!(
            rules(check_copy(
                &d,
                &copy(Encryption::Key(KeyId::from_index(0)), 0, Some(false), None)
            )),
            vec![Rule::EncryptedToUnencrypted]
        );
    }

    #[test]
    fn a_copy_without_settings_keeps_its_state_and_encryption_by_default_forces_it_on() {
        let mut d = dir();
        assert_eq!(
            check_copy(&d, &copy(Encryption::None, 0, None, None))
                .unwrap()
                .encryption,
            Encryption::None
        );
        // Encrypted source, no key: the destination's default key (keys are Regional).
        assert_eq!(
            check_copy(
                &d,
                &copy(Encryption::Key(KeyId::from_index(1)), 0, None, None)
            )
            .unwrap()
            .encryption,
            Encryption::AwsManaged
        );
        d.accounts[0].encryption_by_default = true;
        d.accounts[0].default_key = Some(KeyId::from_index(0));
        let o = check_copy(&d, &copy(Encryption::None, 0, None, None)).unwrap();
        assert_eq!(
            (o.encryption, o.encrypts_unencrypted),
            (Encryption::Key(KeyId::from_index(0)), true),
            "default CMK in eu-west-1 (a replica)"
        );
        d.accounts[0].default_key = Some(KeyId::from_index(1));
        assert_eq!(
            check_copy(&d, &copy(Encryption::None, 0, None, None))
                .unwrap()
                .encryption,
            Encryption::AwsManaged,
            "default key not in Region: aws/ebs"
        );
    }

    #[test]
    fn settings_are_per_account_and_region_and_opt_in_regions_must_be_enabled() {
        use crate::aws::directory::{RegionAccess, RegionSettings};
        let mut d = dir();
        let (us, eu) = (RegionId::from_index(0), RegionId::from_index(1));
        // Encrypted = true without a key: the destination's default EBS key,
        // a customer managed key when one is the default there, even with
        // encryption by default off.
        let enc = copy(Encryption::None, 0, Some(true), None);
        assert_eq!(
            check_copy(&d, &enc).unwrap().encryption,
            Encryption::AwsManaged
        );
        d.accounts[0].overrides.push((
            eu,
            RegionSettings {
                default_key: Some(Encryption::Key(KeyId::from_index(0))),
                ..Default::default()
            },
        ));
        assert_eq!(
            check_copy(&d, &enc).unwrap().encryption,
            Encryption::Key(KeyId::from_index(0))
        );
        assert_eq!(
            check_copy(&d, &copy(Encryption::None, 0, None, None))
                .unwrap()
                .encryption,
            Encryption::None,
            "encryption by default is off: an unencrypted source stays so"
        );
        // Encryption by default on in eu-west-1 only.
        d.accounts[0].overrides[0].1.encryption_by_default = Some(true);
        assert_eq!(
            check_copy(&d, &copy(Encryption::None, 0, None, None))
                .unwrap()
                .encryption,
            Encryption::Key(KeyId::from_index(0))
        );
        assert_eq!(d.default_encryption(AccountId::from_index(0), us), None);
        // Block public access off for the account, on in eu-west-1.
        d.accounts[0].block_public_access = false;
        d.accounts[0].overrides[0].1.block_public_access = Some(true);
        let public = ShareTargets {
            public: true,
            ..Default::default()
        };
        let mut s = share(Encryption::None, public);
        assert!(
            rules_of(check_share(&d, SHARE_QUOTA as u32, &s)).is_empty(),
            "legal in us-east-1"
        );
        s.region = eu;
        assert_eq!(
            rules_of(check_share(&d, SHARE_QUOTA as u32, &s)),
            vec![Rule::BlockPublicAccess]
        );
        // An opt-in Region: refused until the copier enables it.
        d.access = vec![
            RegionAccess::Default,
            RegionAccess::OptIn {
                all: false,
                accounts: vec![AccountId::from_index(0)],
            },
        ];
        assert!(check_copy(&d, &copy(Encryption::None, 0, None, None)).is_ok());
        assert_eq!(
            rules(check_copy(&d, &copy(Encryption::None, 1, None, None))),
            vec![Rule::RegionNotEnabled]
        );
        d.access[1] = RegionAccess::OptIn {
            all: true,
            accounts: vec![],
        };
        assert!(check_copy(&d, &copy(Encryption::None, 1, None, None)).is_ok());
        // Each replica has its own key policy: a grant on the primary does
        // not cover the replica in eu-west-1.
        d.keys[0].replica_grants[0].clear();
        let into_replica = copy(
            Encryption::Key(KeyId::from_index(0)),
            1,
            None,
            Some(KeyChoice::Key(KeyId::from_index(0))),
        );
        assert_eq!(
            rules(check_copy(&d, &into_replica)),
            vec![Rule::KeyNotGranted]
        );
        assert!(
            d.key_usable_by(
                KeyId::from_index(0),
                AccountId::from_index(1),
                RegionId::from_index(0)
            ),
            "the primary's grant still holds in us-east-1"
        );
    }

    fn rules_of(v: Vec<RuleViolation>) -> Vec<Rule> {
        v.into_iter().map(|x| x.rule).collect()
    }

    #[test]
    fn every_copy_rule_both_ways() {
        let d = dir();
        type Case = (&'static str, CopyRequest, Vec<Rule>);
        let mut mp = copy(Encryption::None, 1, None, None);
        mp.product_codes = true;
        let mut mp_own = mp;
        mp_own.copier = AccountId::from_index(0);
        let cases: Vec<Case> = vec![
            (
                "kms key with encrypted = false",
                copy(
                    Encryption::None,
                    0,
                    Some(false),
                    Some(KeyChoice::Key(KeyId::from_index(0))),
                ),
                vec![Rule::KmsKeyWithoutEncrypted],
            ),
            (
                "kms key with encryption implied",
                copy(
                    Encryption::None,
                    0,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(0))),
                ),
                vec![],
            ),
            (
                "key not in the destination Region",
                copy(
                    Encryption::Key(KeyId::from_index(1)),
                    0,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(1))),
                ),
                vec![Rule::KeyNotInRegion],
            ),
            (
                "replica in the destination Region",
                copy(
                    Encryption::Key(KeyId::from_index(0)),
                    0,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(0))),
                ),
                vec![],
            ),
            (
                "cross-account, source key not granted",
                copy(Encryption::Key(KeyId::from_index(1)), 3, None, None),
                vec![Rule::KeyNotGranted],
            ),
            (
                "cross-account, source key granted",
                copy(Encryption::Key(KeyId::from_index(0)), 1, None, None),
                vec![],
            ),
            (
                "cross-account, source key granted via the organization",
                copy(Encryption::Key(KeyId::from_index(1)), 2, None, None),
                vec![],
            ),
            (
                "cross-account into the owner's key, granted to the copier",
                copy(
                    Encryption::Key(KeyId::from_index(0)),
                    1,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(0))),
                ),
                vec![],
            ),
            (
                "cross-account into the copier's own key",
                copy(
                    Encryption::Key(KeyId::from_index(0)),
                    1,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(2))),
                ),
                vec![],
            ),
            (
                "cross-account into someone else's key",
                copy(
                    Encryption::Key(KeyId::from_index(0)),
                    2,
                    None,
                    Some(KeyChoice::Key(KeyId::from_index(2))),
                ),
                vec![Rule::KeyNotGranted, Rule::KeyNotGranted],
            ),
            (
                "cross-account of an aws/ebs image",
                copy(Encryption::AwsManaged, 1, None, None),
                vec![Rule::AwsManagedKeyShare],
            ),
            (
                "cross-account of an unencrypted image",
                copy(Encryption::None, 1, None, None),
                vec![],
            ),
            (
                "Marketplace image to another account",
                mp,
                vec![Rule::MarketplaceCopy],
            ),
            ("Marketplace image in its own account", mp_own, vec![]),
        ];
        for (name, req, want) in cases {
            assert_eq!(rules(check_copy(&d, &req)), want, "{name}");
        }
    }

    fn share(image: Encryption, launch: ShareTargets) -> ShareRequest {
        ShareRequest {
            by: AccountId::from_index(0),
            owner: AccountId::from_index(0),
            region: RegionId::from_index(0),
            image,
            product_codes: false,
            launch,
            snapshot_accounts: vec![],
        }
    }

    fn accounts(a: &[usize]) -> ShareTargets {
        ShareTargets {
            accounts: a.iter().map(|&i| AccountId::from_index(i)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn every_share_rule_both_ways() {
        let mut d = dir();
        let public = ShareTargets {
            public: true,
            ..Default::default()
        };
        let ou = |o: usize| ShareTargets {
            ous: vec![OuId::from_index(o)],
            ..Default::default()
        };
        let org = ShareTargets {
            organization: true,
            ..Default::default()
        };
        let mut not_owner = share(Encryption::None, accounts(&[1]));
        not_owner.by = AccountId::from_index(1);
        let mut marketplace_public = share(Encryption::None, public.clone());
        marketplace_public.product_codes = true;
        let many = ShareTargets {
            accounts: vec![AccountId::from_index(1); SHARE_QUOTA + 1],
            ..Default::default()
        };
        let mut snap_aws = share(Encryption::AwsManaged, ShareTargets::default());
        snap_aws.snapshot_accounts = vec![AccountId::from_index(1)];
        let cases: Vec<(&str, ShareRequest, Vec<Rule>)> = vec![
            (
                "owner shares",
                share(Encryption::None, accounts(&[1])),
                vec![],
            ),
            (
                "someone else shares",
                not_owner,
                vec![Rule::OnlyOwnerShares],
            ),
            (
                "aws/ebs image to an account",
                share(Encryption::AwsManaged, accounts(&[1])),
                vec![Rule::AwsManagedKeyShare],
            ),
            (
                "aws/ebs snapshots to an account",
                snap_aws,
                vec![Rule::AwsManagedKeyShare],
            ),
            (
                "aws/ebs image kept private",
                share(Encryption::AwsManaged, ShareTargets::default()),
                vec![],
            ),
            (
                "CMK granted to the account",
                share(Encryption::Key(KeyId::from_index(0)), accounts(&[1])),
                vec![],
            ),
            (
                "CMK not granted to the account",
                share(Encryption::Key(KeyId::from_index(0)), accounts(&[3])),
                vec![Rule::KeyNotGranted],
            ),
            (
                "CMK granted to the org, shared with a nested OU",
                share(Encryption::Key(KeyId::from_index(1)), ou(1)),
                vec![],
            ),
            (
                "CMK granted to one account, shared with an OU",
                share(Encryption::Key(KeyId::from_index(0)), ou(0)),
                vec![Rule::KeyNotGranted],
            ),
            (
                "CMK granted to the org, shared with the org",
                share(Encryption::Key(KeyId::from_index(1)), org.clone()),
                vec![],
            ),
            (
                "CMK not granted to the org, shared with the org",
                share(Encryption::Key(KeyId::from_index(0)), org),
                vec![Rule::KeyNotGranted],
            ),
            (
                "public unencrypted, block public access on",
                share(Encryption::None, public.clone()),
                vec![Rule::BlockPublicAccess],
            ),
            (
                "public encrypted",
                share(Encryption::Key(KeyId::from_index(0)), public.clone()),
                vec![Rule::PublicEncrypted, Rule::BlockPublicAccess],
            ),
            (
                "public with product codes",
                marketplace_public,
                vec![Rule::PublicProductCodes, Rule::BlockPublicAccess],
            ),
            (
                "1,001 targets",
                share(Encryption::None, many),
                vec![Rule::ShareQuota],
            ),
            (
                "1,000 targets",
                share(
                    Encryption::None,
                    ShareTargets {
                        accounts: vec![AccountId::from_index(1); SHARE_QUOTA],
                        ..Default::default()
                    },
                ),
                vec![],
            ),
        ];
        for (name, req, want) in cases {
            let got: Vec<Rule> = check_share(&d, SHARE_QUOTA as u32, &req)
                .iter()
                .map(|v| v.rule)
                .collect();
            assert_eq!(got, want, "{name}");
        }
        d.accounts[0].block_public_access = false;
        assert!(
            check_share(&d, SHARE_QUOTA as u32, &share(Encryption::None, public)).is_empty(),
            "public, block public access off"
        );
    }

    #[test]
    fn an_ou_share_covers_nested_ous() {
        let d = dir();
        assert!(
            d.account_in_ou(AccountId::from_index(2), OuId::from_index(0)),
            "dev is in ou-dev, nested in ou-prod"
        );
        assert!(
            !d.account_in_ou(AccountId::from_index(1), OuId::from_index(1)),
            "prod is not in ou-dev"
        );
        assert!(!d.account_in_ou(AccountId::from_index(3), OuId::from_index(0)));
    }

    #[test]
    fn every_rule_has_an_id_a_source_and_an_aws_answer() {
        for r in Rule::ALL {
            assert!(
                !r.id().is_empty()
                    && r.source().starts_with("docs/sources.md#")
                    && r.source().contains("#rule")
                    && !r.aws_error().is_empty()
            );
        }
    }
}
