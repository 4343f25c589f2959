//! Accounts, the organization and its OUs, KMS keys, and who may use what.
//!
//! Everything is interned: an [`AccountId`], [`OuId`] or [`KeyId`] indexes
//! the vectors of a [`Directory`]. Names are kept for messages.

pub use super::ids::{AccountId, KeyId, OuId, RegionId};

/// One AWS account and its per-account settings.
#[derive(Debug, Clone)]
pub struct Account {
    /// Readable name used in scenarios and outputs.
    pub name: String,
    /// 12-digit account ID.
    pub id: String,
    /// The OU it belongs to, if any (implies organization membership).
    pub ou: Option<OuId>,
    /// Member of the organization (at the root or in an OU).
    pub in_organization: bool,
    /// EBS encryption by default, in every Region (docs/sources.md#encryption-by-default).
    pub encryption_by_default: bool,
    /// The default EBS key where it exists; `aws/ebs` elsewhere (rule 4).
    pub default_key: Option<KeyId>,
    /// Block public access for AMIs: on by default for new accounts (rule 15).
    pub block_public_access: bool,
    /// Its ECR registry grants `ecr:ReplicateImage` to the other accounts.
    pub ecr_replication_allowed: bool,
    /// The settings set for one Region, which win over the account-wide ones
    /// there (docs/sources.md#encryption-by-default: AWS keeps them per
    /// account and Region).
    pub overrides: Vec<(RegionId, RegionSettings)>,
}

/// An account's settings in one Region, where the scenario sets them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionSettings {
    /// EBS encryption by default.
    pub encryption_by_default: Option<bool>,
    /// The default EBS key in that Region (`aws/ebs` or a customer managed key).
    pub default_key: Option<Encryption>,
    /// Block public access for AMIs.
    pub block_public_access: Option<bool>,
}

/// An organizational unit; OUs nest.
#[derive(Debug, Clone)]
pub struct Ou {
    /// OU ID, e.g. `ou-ab12-34cd56ef`.
    pub id: String,
    /// Parent OU; `None` means the root.
    pub parent: Option<OuId>,
}

/// The AWS Organization the accounts may belong to.
#[derive(Debug, Clone)]
pub struct Organization {
    /// Organization ID, e.g. `o-abc123def4`.
    pub id: String,
    /// Its OUs.
    pub ous: Vec<Ou>,
}

/// Who a key is granted to (key policy or grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// One account.
    Account(AccountId),
    /// Every account in an OU, nested OUs included.
    Ou(OuId),
    /// Every account in the organization.
    Organization,
    /// Every account of an external organization (index into
    /// [`Directory::external`]).
    External(u16),
}

/// An organization the scenario's accounts do not belong to, which images
/// may be shared with (docs/sources.md#rule-organization-arn-required).
#[derive(Debug, Clone)]
pub struct ExternalOrganization {
    /// Organization ID, e.g. `o-partner1234`.
    pub id: String,
    /// Its OU ids that shares may name.
    pub ous: Vec<String>,
}

/// A customer managed KMS key: regional, optionally multi-Region with replicas.
#[derive(Debug, Clone)]
pub struct KmsKey {
    /// Name (alias) used in scenarios.
    pub name: String,
    /// Owning account.
    pub owner: AccountId,
    /// Region of the key (the primary, for a multi-Region key).
    pub region: RegionId,
    /// Regions holding a replica of a multi-Region key.
    pub replicas: Vec<RegionId>,
    /// Principals granted use of the key (its primary) besides its owner.
    pub grants: Vec<Principal>,
    /// Per replica (as `replicas`), its own grants: every replica has its own
    /// key policy (docs/sources.md#kms-regional).
    pub replica_grants: Vec<Vec<Principal>>,
}

impl KmsKey {
    /// The grants of the key in `region`: the primary's, a replica's, or
    /// none where the key does not exist.
    pub fn grants_in(&self, region: RegionId) -> &[Principal] {
        if region == self.region {
            return &self.grants;
        }
        self.replicas
            .iter()
            .position(|r| *r == region)
            .and_then(|i| self.replica_grants.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// How an image's snapshots are encrypted, in the image's own Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    /// Not encrypted.
    None,
    /// The AWS managed key `aws/ebs` of the image owner in that Region.
    AwsManaged,
    /// A customer managed key.
    Key(KeyId),
}

impl Encryption {
    /// True unless `None`.
    pub fn is_encrypted(self) -> bool {
        self != Encryption::None
    }
}

/// Which accounts may use a Region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RegionAccess {
    /// Enabled by default in every account.
    #[default]
    Default,
    /// An opt-in Region, enabled by these accounts (every account when `all`).
    OptIn {
        /// Every account enabled it.
        all: bool,
        /// The accounts that enabled it.
        accounts: Vec<AccountId>,
    },
}

/// Accounts, organization and keys of a scenario.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Region codes; a `RegionId` indexes this.
    pub regions: Vec<String>,
    /// Per Region: who may use it (opt-in Regions; docs/sources.md#opt-in-regions).
    pub access: Vec<RegionAccess>,
    /// Accounts; the first owns pipelines unless they say otherwise.
    pub accounts: Vec<Account>,
    /// The organization, if declared.
    pub organization: Option<Organization>,
    /// Customer managed keys.
    pub keys: Vec<KmsKey>,
    /// Other organizations images may be shared with.
    pub external: Vec<ExternalOrganization>,
}

impl Directory {
    /// True if OU `ou` is `ancestor` or nested (at any depth) inside it.
    pub fn ou_within(&self, ou: OuId, ancestor: OuId) -> bool {
        let Some(org) = &self.organization else {
            return false;
        };
        let mut cur = Some(ou);
        let mut hops = 0;
        while let Some(o) = cur {
            if o == ancestor {
                return true;
            }
            cur = org.ous.get(o.index()).and_then(|x| x.parent);
            hops += 1;
            if hops > org.ous.len() {
                return false; // a cycle; refused when the scenario is resolved
            }
        }
        false
    }

    /// True if account `a` is in OU `ou` or any OU nested inside it (rule 11).
    pub fn account_in_ou(&self, a: AccountId, ou: OuId) -> bool {
        self.accounts[a.index()]
            .ou
            .is_some_and(|own| self.ou_within(own, ou))
    }

    /// True if the key exists in `region` (as the key or a replica). Keys are
    /// Regional (docs/sources.md#kms-regional).
    pub fn key_in_region(&self, k: KeyId, region: RegionId) -> bool {
        let key = &self.keys[k.index()];
        key.region == region || key.replicas.contains(&region)
    }

    /// True if account `a` may use key `k`: it owns it, or it was granted it
    /// directly, through an OU it belongs to, or through the organization,
    /// by the policy of the key in `region` (the primary or that replica).
    pub fn key_usable_by(&self, k: KeyId, a: AccountId, region: RegionId) -> bool {
        let key = &self.keys[k.index()];
        key.owner == a
            || key.grants_in(region).iter().any(|p| match *p {
                Principal::Account(x) => x == a,
                Principal::Ou(ou) => self.account_in_ou(a, ou),
                Principal::Organization => self.accounts[a.index()].in_organization,
                Principal::External(_) => false,
            })
    }

    /// True if every account of OU `ou` may use key `k` (granted to the OU, an
    /// enclosing OU, or the organization).
    pub fn key_usable_by_ou(&self, k: KeyId, ou: OuId, region: RegionId) -> bool {
        self.keys[k.index()]
            .grants_in(region)
            .iter()
            .any(|p| match *p {
                Principal::Ou(g) => self.ou_within(ou, g),
                Principal::Organization => true,
                Principal::Account(_) | Principal::External(_) => false,
            })
    }

    /// True if every account of the organization may use key `k`.
    pub fn key_usable_by_organization(&self, k: KeyId, region: RegionId) -> bool {
        self.keys[k.index()]
            .grants_in(region)
            .contains(&Principal::Organization)
    }

    /// True if every account of external organization `e` may use key `k` in `region`.
    pub fn key_usable_by_external(&self, k: KeyId, e: u16, region: RegionId) -> bool {
        self.keys[k.index()]
            .grants_in(region)
            .contains(&Principal::External(e))
    }

    /// True if account `a` may use `region`: a default Region, or an opt-in
    /// Region it enabled.
    pub fn region_enabled(&self, a: AccountId, region: RegionId) -> bool {
        match self.access.get(region.index()) {
            None | Some(RegionAccess::Default) => true,
            Some(RegionAccess::OptIn { all, accounts }) => *all || accounts.contains(&a),
        }
    }

    /// Account `a`'s settings set for `region`, if any.
    fn settings(&self, a: AccountId, region: RegionId) -> RegionSettings {
        self.accounts[a.index()]
            .overrides
            .iter()
            .find(|(r, _)| *r == region)
            .map_or_else(RegionSettings::default, |(_, s)| *s)
    }

    /// Whether block public access for AMIs is on for account `a` in `region`.
    pub fn block_public_access(&self, a: AccountId, region: RegionId) -> bool {
        self.settings(a, region)
            .block_public_access
            .unwrap_or(self.accounts[a.index()].block_public_access)
    }

    /// Account `a`'s default EBS key in `region` (rule 4): the key set as
    /// default there, else the account-wide default where that key exists,
    /// else `aws/ebs`. A copy with `Encrypted = true` and no key uses it,
    /// whether or not encryption by default is on (docs/sources.md#encryption-by-default).
    pub fn default_key(&self, a: AccountId, region: RegionId) -> Encryption {
        if let Some(e) = self.settings(a, region).default_key {
            return e;
        }
        match self.accounts[a.index()].default_key {
            Some(k) if self.key_in_region(k, region) => Encryption::Key(k),
            _ => Encryption::AwsManaged,
        }
    }

    /// The encryption EBS applies by default to new volumes and copies of
    /// account `a` in `region`, if encryption by default is on there (rule
    /// 4): its default key there.
    pub fn default_encryption(&self, a: AccountId, region: RegionId) -> Option<Encryption> {
        let on = self
            .settings(a, region)
            .encryption_by_default
            .unwrap_or(self.accounts[a.index()].encryption_by_default);
        on.then(|| self.default_key(a, region))
    }

    /// The key's name, or `aws/ebs`, or `none`, for messages and outputs.
    pub fn encryption_name(&self, e: Encryption) -> &str {
        match e {
            Encryption::None => "none",
            Encryption::AwsManaged => "aws/ebs",
            Encryption::Key(k) => &self.keys[k.index()].name,
        }
    }
}
