//! A pipeline's or migration's owning account and the encryption of the
//! volumes it writes, checked against the key rules.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use crate::aws::directory::{AccountId, Directory, Encryption};
use crate::aws::rules::{KeyChoice, Rule, RuleViolation};
use crate::pipeline::config::RegionId;

/// Who writes the volumes a key protects, for messages: a pipeline's
/// builder (in its build Region) or a migrated instance (in its Region).
#[derive(Clone, Copy)]
pub(super) enum KeyUser {
    Builder,
    Instance,
}

/// The owning account (default the first) and the encryption of the
/// volumes written in `region`: the `kms_key` asked for, else the account's
/// default there. A key must live in that Region and be usable by the
/// account (docs/sources.md, rules.rs: KeyNotInRegion, KeyNotGranted).
pub(super) fn resolve_owner_encryption(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    (account, kms_key): (Option<&Spanned<String>>, Option<&Spanned<String>>),
    prefix: &str,
    (region, user): (Option<RegionId>, KeyUser),
) -> (AccountId, Encryption) {
    let owner = match account {
        Some(a) => ctx
            .account(dir, a, &prefix.key("account"))
            .unwrap_or_default(),
        None => AccountId::default(),
    };
    let mut encryption = region
        .and_then(|r| dir.default_encryption(owner, r))
        .unwrap_or(Encryption::None);
    if let (Some(k), Some(region)) = (kms_key, region) {
        let path = prefix.key("kms_key");
        match ctx.key_choice(dir, k, &path) {
            Some(KeyChoice::AwsManaged) => encryption = Encryption::AwsManaged,
            Some(KeyChoice::Key(key)) => {
                encryption = Encryption::Key(key);
                let kk = &dir.keys[key.index()];
                let (where_, who) = match user {
                    KeyUser::Builder => ("the build Region", "the builder"),
                    KeyUser::Instance => ("the instance's Region", "the instance"),
                };
                if !dir.key_in_region(key, region) {
                    let v = RuleViolation {
                        rule: Rule::KeyNotInRegion,
                        message: format!(
                            "key {} lives in {}, not in {where_} {}; KMS keys are Regional",
                            kk.name,
                            dir.regions[kk.region.index()],
                            dir.regions[region.index()]
                        ),
                        help: format!("use a key created in {}", dir.regions[region.index()]),
                    };
                    ctx.rule_error(k.span(), &path, &v);
                }
                if !dir.key_usable_by(key, owner, region) {
                    let v = RuleViolation {
                        rule: Rule::KeyNotGranted,
                        message: format!(
                            "{who} of account {} cannot use key {}",
                            dir.accounts[owner.index()].name,
                            kk.name
                        ),
                        help: format!(
                            "grant key {} to account {}",
                            kk.name,
                            dir.accounts[owner.index()].name
                        ),
                    };
                    ctx.rule_error(k.span(), &path, &v);
                }
            }
            None => {}
        }
    }
    (owner, encryption)
}

/// The image a pipeline distributes: who owns it, where it is built and how
/// it is encrypted there.
pub(super) struct Source<'a> {
    pub(super) dir: &'a Directory,
    /// The scenario's quotas.
    pub(super) quotas: &'a crate::aws::quotas::Quotas,
    pub(super) build_region: Option<RegionId>,
    pub(super) owner: AccountId,
    pub(super) encryption: Encryption,
    /// The base image carries Marketplace product codes.
    pub(super) product_codes: bool,
    /// Packer's `encrypt_boot`: the image built is an unencrypted
    /// intermediary, copied encrypted into every Region, the build Region
    /// included, with this key (`None`: the copier's default key there).
    pub(super) encrypt_boot: Option<Option<crate::aws::rules::KeyChoice>>,
}
