//! Accounts, organization, KMS keys and distributions: resolution and legality.
//!
//! Names become ids; every distribution is checked against the AWS rules in
//! `aws::rules`. A broken rule is an error located at the key that asks for
//! it, or, with `model_misconfigurations = true`, a warning plus a plan that
//! fails where AWS would fail it.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::raw::{RawDistribution, RawPipeline, RawScenario};
use super::resolve::Ctx;
use crate::aws::directory::{
    Account, AccountId, Directory, Encryption, KeyId, KmsKey, Organization, Ou, OuId, Principal,
};
use crate::aws::rules::{
    CopyRequest, KeyChoice, Rule, RuleViolation, ShareRequest, ShareTargets, check_copy,
    check_share,
};
use crate::pipeline::config::{CopyPlan, Distribution, RegionId, SharePlan};

/// Default account when the file declares none.
const DEFAULT_ACCOUNT_ID: &str = "111111111111";

fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.chars().all(|c| c.is_ascii_digit())
}

impl Ctx<'_> {
    /// Reports a rule violation: an error, or a warning when misconfigurations
    /// are modelled (then the rule is returned, to fail the stage at run time).
    pub(super) fn violation(
        &mut self,
        span: Range<usize>,
        path: &str,
        v: &RuleViolation,
    ) -> Option<Rule> {
        let e = self
            .loc
            .error(Some(span), path, v.reason(), Some(v.help.clone()));
        if self.misconfig {
            self.warnings.push(e);
            Some(v.rule)
        } else {
            self.errors.push(e);
            None
        }
    }

    pub(super) fn account(
        &mut self,
        dir: &Directory,
        name: &Spanned<String>,
        path: &str,
    ) -> Option<AccountId> {
        let n = name.get_ref();
        if let Some(i) = dir.accounts.iter().position(|a| &a.name == n || &a.id == n) {
            return Some(AccountId::from_index(i));
        }
        let known: Vec<&str> = dir.accounts.iter().map(|a| a.name.as_str()).collect();
        let help = format!(
            "declare it with [[account]] name = \"{n}\"; declared accounts: {}",
            known.join(", ")
        );
        self.err(
            Some(name.span()),
            path,
            format!("account \"{n}\" is not declared"),
            Some(&help),
        );
        None
    }

    fn ou(&mut self, dir: &Directory, id: &Spanned<String>, path: &str) -> Option<OuId> {
        let Some(org) = &dir.organization else {
            self.err(
                Some(id.span()),
                path,
                format!(
                    "OU \"{}\" given but no [organization] is declared",
                    id.get_ref()
                ),
                Some("declare [organization] id = \"o-…\" with its [[organization.ou]] tables"),
            );
            return None;
        };
        if let Some(i) = org.ous.iter().position(|o| &o.id == id.get_ref()) {
            return Some(OuId::from_index(i));
        }
        let known: Vec<&str> = org.ous.iter().map(|o| o.id.as_str()).collect();
        let help = format!("declared OUs: {}", known.join(", "));
        self.err(
            Some(id.span()),
            path,
            format!("OU \"{}\" is not declared in [organization]", id.get_ref()),
            Some(&help),
        );
        None
    }

    /// A key reference: `aws/ebs` or a declared key name.
    pub(super) fn key_choice(
        &mut self,
        dir: &Directory,
        name: &Spanned<String>,
        path: &str,
    ) -> Option<KeyChoice> {
        let n = name.get_ref();
        if n == "aws/ebs" || n == "alias/aws/ebs" {
            return Some(KeyChoice::AwsManaged);
        }
        if let Some(k) = dir.keys.iter().position(|k| &k.name == n) {
            return Some(KeyChoice::Key(KeyId::from_index(k)));
        }
        let known: Vec<&str> = dir.keys.iter().map(|k| k.name.as_str()).collect();
        let help = format!(
            "use \"aws/ebs\" or a key declared with [[kms_key]]; declared keys: {}",
            known.join(", ")
        );
        self.err(
            Some(name.span()),
            path,
            format!("KMS key \"{n}\" is not declared"),
            Some(&help),
        );
        None
    }
}

/// Builds the directory: accounts, organization, keys. Regions are resolved already.
pub(super) fn resolve_directory(
    ctx: &mut Ctx<'_>,
    raw: &RawScenario,
    names: &BTreeMap<String, RegionId>,
    regions: &[String],
) -> Directory {
    let mut dir = Directory {
        regions: regions.to_vec(),
        ..Default::default()
    };
    // Organization and OUs first: accounts refer to them.
    if let Some(o) = &raw.organization {
        if !o.id.get_ref().starts_with("o-") {
            ctx.err(
                Some(o.id.span()),
                "organization.id",
                format!("\"{}\" is not an organization ID", o.id.get_ref()),
                Some("organization IDs look like \"o-abc123def4\""),
            );
        }
        let mut org = Organization {
            id: o.id.get_ref().clone(),
            ous: Vec::new(),
        };
        for (i, ou) in o.ou.iter().enumerate() {
            if !ou.id.get_ref().starts_with("ou-") {
                ctx.err(
                    Some(ou.id.span()),
                    format!("organization.ou[{i}].id"),
                    format!("\"{}\" is not an OU ID", ou.id.get_ref()),
                    Some("OU IDs look like \"ou-ab12-34cd56ef\""),
                );
            }
            if org.ous.iter().any(|x| &x.id == ou.id.get_ref()) {
                ctx.err(
                    Some(ou.id.span()),
                    format!("organization.ou[{i}].id"),
                    format!("OU \"{}\" is declared twice", ou.id.get_ref()),
                    None,
                );
            }
            org.ous.push(Ou {
                id: ou.id.get_ref().clone(),
                parent: None,
            });
        }
        for (i, ou) in o.ou.iter().enumerate() {
            if let Some(p) = &ou.parent {
                match org.ous.iter().position(|x| &x.id == p.get_ref()) {
                    Some(j) if j == i => ctx.err(Some(p.span()), format!("organization.ou[{i}].parent"), "an OU cannot be its own parent", None),
                    Some(j) => org.ous[i].parent = Some(OuId::from_index(j)),
                    None => ctx.err(Some(p.span()), format!("organization.ou[{i}].parent"), format!("parent OU \"{}\" is not declared", p.get_ref()), Some("declare the parent with [[organization.ou]], or omit `parent` for the root")),
                }
            }
        }
        dir.organization = Some(org);
        // Cycles in the OU tree.
        let n = dir.organization.as_ref().map_or(0, |o| o.ous.len());
        for i in 0..n {
            let mut cur = dir.organization.as_ref().and_then(|o| o.ous[i].parent);
            let mut hops = 0;
            while let Some(c) = cur {
                hops += 1;
                if hops > n {
                    ctx.err(
                        Some(o.ou[i].id.span()),
                        format!("organization.ou[{i}].parent"),
                        "the OU parents form a cycle",
                        Some("OUs form a tree under the root"),
                    );
                    break;
                }
                cur = dir
                    .organization
                    .as_ref()
                    .and_then(|o| o.ous[c.index()].parent);
            }
        }
    }

    let raw_accounts: Vec<&super::raw::RawAccount> = raw
        .account
        .as_ref()
        .map(|a| a.0.iter().collect())
        .unwrap_or_default();
    if raw_accounts.is_empty() {
        dir.accounts.push(Account {
            name: "default".into(),
            id: DEFAULT_ACCOUNT_ID.into(),
            ou: None,
            in_organization: false,
            encryption_by_default: false,
            default_key: None,
            block_public_access: true,
        });
    }
    let many = raw_accounts.len() > 1;
    for (i, a) in raw_accounts.iter().enumerate() {
        // An account table has no span of its own: point at its first key.
        let a_span = a
            .name
            .as_ref()
            .map(|n| n.span())
            .or(a.id.as_ref().map(|n| n.span()))
            .unwrap_or(0..0);
        let path = if many {
            format!("account[{i}]")
        } else {
            "account".to_string()
        };
        let id = match &a.id {
            None if i == 0 => DEFAULT_ACCOUNT_ID.to_string(),
            None => {
                ctx.err(
                    Some(a_span.clone()),
                    format!("{path}.id"),
                    "every account after the first needs its 12-digit id",
                    Some("add id = \"123456789012\""),
                );
                String::new()
            }
            Some(id) => {
                if !valid_account_id(id.get_ref()) {
                    ctx.err(Some(id.span()), format!("{path}.id"), format!("account ID {:?} is not 12 digits", id.get_ref()), Some("AWS account IDs are 12 digits, written as a string: id = \"123456789012\""));
                }
                id.get_ref().clone()
            }
        };
        let name = a.name.as_ref().map_or_else(
            || {
                if i == 0 {
                    "default".to_string()
                } else {
                    id.clone()
                }
            },
            |n| n.get_ref().clone(),
        );
        if dir
            .accounts
            .iter()
            .any(|x| x.name == name || (!id.is_empty() && x.id == id))
        {
            let span = a_span.clone();
            ctx.err(
                Some(span),
                format!("{path}.name"),
                format!("account \"{name}\" ({id}) is declared twice"),
                Some("each account needs a distinct name and id"),
            );
        }
        let ou =
            a.ou.as_ref()
                .and_then(|o| ctx.ou(&dir, o, &format!("{path}.ou")));
        dir.accounts.push(Account {
            name,
            id,
            ou,
            in_organization: ou.is_some() || a.organization.unwrap_or(false) || a.ou.is_some(),
            encryption_by_default: a.encryption_by_default.unwrap_or(false),
            default_key: None,
            // source: aws-facts.md §4 rule 15: on by default for new accounts.
            block_public_access: a.block_public_access.unwrap_or(true),
        });
        if a.organization == Some(true) && dir.organization.is_none() {
            ctx.err(
                Some(a_span),
                format!("{path}.organization"),
                "organization = true but no [organization] is declared",
                Some("declare [organization] id = \"o-…\""),
            );
        }
    }

    // Keys.
    for (i, sk) in raw.kms_key.iter().enumerate() {
        let k = sk.get_ref();
        let path = format!("kms_key[{i}]");
        let name = k.name.get_ref();
        if name == "aws/ebs" || name.starts_with("alias/aws/") {
            ctx.err(Some(k.name.span()), format!("{path}.name"), format!("\"{name}\" is reserved for AWS managed keys"), Some("AWS managed keys exist already: refer to them as \"aws/ebs\"; name customer managed keys otherwise"));
        }
        if dir.keys.iter().any(|x| &x.name == name) {
            ctx.err(
                Some(k.name.span()),
                format!("{path}.name"),
                format!("key \"{name}\" is declared twice"),
                None,
            );
        }
        let owner = match &k.account {
            Some(a) => ctx.account(&dir, a, &format!("{path}.account")),
            None => Some(AccountId::default()),
        };
        let region = ctx.region(names, &k.region, &format!("{path}.region"));
        let mut replicas = Vec::new();
        for (j, r) in k.replicas.iter().enumerate() {
            if let Some(id) = ctx.region(names, r, &format!("{path}.replicas[{j}]")) {
                if Some(id) == region || replicas.contains(&id) {
                    ctx.err(
                        Some(r.span()),
                        format!("{path}.replicas[{j}]"),
                        format!("\"{}\" already holds this key", r.get_ref()),
                        Some("list each replica Region once, without the primary"),
                    );
                }
                replicas.push(id);
            }
        }
        let mut grants = Vec::new();
        for (j, g) in k.grants.iter().enumerate() {
            let gp = format!("{path}.grants[{j}]");
            let gv = g.get_ref();
            let principal = if dir.organization.as_ref().is_some_and(|o| &o.id == gv) {
                Some(Principal::Organization)
            } else if gv.starts_with("ou-") {
                ctx.ou(&dir, g, &gp).map(Principal::Ou)
            } else {
                ctx.account(&dir, g, &gp).map(Principal::Account)
            };
            grants.extend(principal);
        }
        if let (Some(owner), Some(region)) = (owner, region) {
            dir.keys.push(KmsKey {
                name: name.clone(),
                owner,
                region,
                replicas,
                grants,
            });
        }
    }

    // Default keys refer to keys.
    for (i, a) in raw_accounts.iter().enumerate() {
        if let Some(dk) = &a.default_kms_key {
            let path = if many {
                format!("account[{i}].default_kms_key")
            } else {
                "account.default_kms_key".to_string()
            };
            match ctx.key_choice(&dir, dk, &path) {
                Some(KeyChoice::Key(k)) if (dir.keys[k.index()].owner).index() != i => {
                    ctx.err(Some(dk.span()), path, format!("key \"{}\" belongs to another account; a default EBS key must be the account's own", dk.get_ref()), None);
                }
                Some(KeyChoice::Key(k)) => dir.accounts[i].default_key = Some(k),
                _ => {}
            }
        }
    }
    dir
}

/// Parses an organization ARN `arn:aws:organizations::<account>:organization/<o-id>`.
fn org_from_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:organizations::")?;
    let (_, tail) = rest.split_once(":organization/")?;
    Some(tail)
}

/// Parses an OU ARN `arn:aws:organizations::<account>:ou/<o-id>/<ou-id>`.
fn ou_from_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:organizations::")?;
    let (_, tail) = rest.split_once(":ou/")?;
    tail.split_once('/')
}

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
/// account (aws-facts.md §4, rules.rs: KeyNotInRegion, KeyNotGranted).
pub(super) fn resolve_owner_encryption(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    (account, kms_key): (Option<&Spanned<String>>, Option<&Spanned<String>>),
    prefix: &str,
    region: Option<RegionId>,
    user: KeyUser,
) -> (AccountId, Encryption) {
    let owner = match account {
        Some(a) => ctx
            .account(dir, a, &format!("{prefix}.account"))
            .unwrap_or_default(),
        None => AccountId::default(),
    };
    let mut encryption = region
        .and_then(|r| dir.default_encryption(owner, r))
        .unwrap_or(Encryption::None);
    if let (Some(k), Some(region)) = (kms_key, region) {
        let path = format!("{prefix}.kms_key");
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
                            kk.name, dir.regions[kk.region.index()], dir.regions[region.index()]
                        ),
                        help: format!("use a key created in {}", dir.regions[region.index()]),
                    };
                    ctx.err(Some(k.span()), &path, v.reason(), Some(&v.help));
                }
                if !dir.key_usable_by(key, owner) {
                    let v = RuleViolation {
                        rule: Rule::KeyNotGranted,
                        message: format!(
                            "{who} of account {} cannot use key {}",
                            dir.accounts[owner.index()].name, kk.name
                        ),
                        help: format!(
                            "grant key {} to account {}",
                            kk.name, dir.accounts[owner.index()].name
                        ),
                    };
                    ctx.err(Some(k.span()), &path, v.reason(), Some(&v.help));
                }
            }
            None => {}
        }
    }
    (owner, encryption)
}

/// What a distribution table asks for, before checking.
struct Asked<'a> {
    region: &'a Spanned<String>,
    raw: Option<&'a RawDistribution>,
    span: Range<usize>,
    path: String,
}

/// Resolves `destinations` and `[[pipeline.distribution]]` into plans, checking every rule.
#[allow(clippy::too_many_arguments)]
pub(super) fn resolve_distributions(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    names: &BTreeMap<String, RegionId>,
    p: &RawPipeline,
    prefix: &str,
    build_region: Option<RegionId>,
    owner: AccountId,
    source: Encryption,
    product_codes: bool,
) -> (Vec<Distribution>, Vec<crate::pipeline::config::CopyPlan>) {
    let mut asked: Vec<Asked<'_>> = Vec::new();
    for (j, d) in p.destinations.iter().enumerate() {
        asked.push(Asked {
            region: d,
            raw: None,
            span: d.span(),
            path: format!("{prefix}.destinations[{j}]"),
        });
    }
    for (j, d) in p.distribution.iter().enumerate() {
        asked.push(Asked {
            region: &d.get_ref().region,
            raw: Some(d.get_ref()),
            span: d.span(),
            path: format!("{prefix}.distribution[{j}]"),
        });
    }
    let mut dists: Vec<Distribution> = Vec::new();
    let mut copies: Vec<CopyPlan> = Vec::new();
    for a in asked {
        let rpath = if a.raw.is_some() {
            format!("{}.region", a.path)
        } else {
            a.path.clone()
        };
        let Some(region) = ctx.region(names, a.region, &rpath) else {
            continue;
        };
        if dists.iter().any(|d| d.region == region) {
            ctx.err(
                Some(a.region.span()),
                rpath,
                format!("\"{}\" is listed twice", a.region.get_ref()),
                Some(
                    "give each Region once, in `destinations` or in one [[pipeline.distribution]]",
                ),
            );
            continue;
        }
        let in_build_region = Some(region) == build_region;
        if in_build_region && a.raw.is_none() {
            ctx.err(Some(a.region.span()), rpath, format!("\"{}\" is the build Region; the image is already there", a.region.get_ref()), Some("list only the Regions to copy to (use [[pipeline.distribution]] to share in the build Region)"));
            continue;
        }
        let k = dists.len() as u16;
        let raw = a.raw;
        let targets: Vec<AccountId> = raw.map_or(Vec::new(), |r| {
            r.target_accounts
                .iter()
                .enumerate()
                .filter_map(|(t, s)| {
                    ctx.account(dir, s, &format!("{}.target_accounts[{t}]", a.path))
                })
                .collect()
        });
        let key = raw
            .and_then(|r| r.kms_key.as_ref())
            .and_then(|kk| ctx.key_choice(dir, kk, &format!("{}.kms_key", a.path)));
        let encrypted = raw.and_then(|r| r.encrypted.as_ref()).map(|e| *e.get_ref());
        let key_span = raw
            .and_then(|r| {
                r.kms_key
                    .as_ref()
                    .map(|k| k.span())
                    .or(r.encrypted.as_ref().map(|e| e.span()))
            })
            .unwrap_or(a.span.clone());

        // The copiers: each target account, else the owner (outside the build Region).
        let copiers: Vec<(AccountId, Range<usize>, String)> = if targets.is_empty() {
            if in_build_region {
                vec![]
            } else {
                vec![(owner, key_span.clone(), a.path.clone())]
            }
        } else {
            raw.map(|r| {
                r.target_accounts
                    .iter()
                    .zip(&targets)
                    .enumerate()
                    .map(|(t, (s, id))| (*id, s.span(), format!("{}.target_accounts[{t}]", a.path)))
                    .collect()
            })
            .unwrap_or_default()
        };
        let mut owner_copy = None;
        for (copier, span, path) in copiers {
            let req = CopyRequest {
                source_owner: owner,
                source,
                product_codes,
                copier,
                dest_region: region,
                encrypted,
                kms_key: key,
            };
            let (encryption, encrypts_unencrypted, violation) = match check_copy(dir, &req) {
                Ok(o) => (o.encryption, o.encrypts_unencrypted, None),
                Err(vs) => {
                    let mut first = None;
                    for v in &vs {
                        let r = ctx.violation(span.clone(), &path, v);
                        first = first.or(r);
                    }
                    (
                        req.kms_key.map_or(source, |c| match c {
                            KeyChoice::AwsManaged => Encryption::AwsManaged,
                            KeyChoice::Key(k) => Encryption::Key(k),
                        }),
                        false,
                        first,
                    )
                }
            };
            if copier == owner {
                owner_copy = Some(copies.len() as u16);
            }
            copies.push(CopyPlan {
                distribution: k,
                region,
                copier,
                encryption,
                encrypts_unencrypted,
                violation,
            });
        }

        // Sharing on the owner's image in this Region.
        let share = raw.and_then(|r| {
            resolve_share(
                ctx,
                dir,
                r,
                &a.path,
                region,
                owner,
                owner_copy
                    .map(|c| copies[c as usize].encryption)
                    .unwrap_or(source),
                product_codes,
                owner_copy.is_some() || in_build_region,
                &targets,
            )
        });
        dists.push(Distribution {
            region,
            share,
            owner_copy,
        });
    }
    (dists, copies)
}

#[allow(clippy::too_many_arguments)]
fn resolve_share(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    r: &RawDistribution,
    path: &str,
    region: RegionId,
    owner: AccountId,
    image: Encryption,
    product_codes: bool,
    owner_has_image: bool,
    targets: &[AccountId],
) -> Option<SharePlan> {
    let lp = r.launch_permission.as_ref();
    if lp.is_none() && r.snapshot_permission.is_empty() {
        return None;
    }
    let mut launch = ShareTargets::default();
    let mut span = r
        .snapshot_permission
        .first()
        .map(|s| s.span())
        .unwrap_or(0..0);
    if let Some(lp) = lp {
        span = lp.span();
        let l = lp.get_ref();
        let lpath = format!("{path}.launch_permission");
        for (i, a) in l.accounts.iter().enumerate() {
            launch
                .accounts
                .extend(ctx.account(dir, a, &format!("{lpath}.accounts[{i}]")));
        }
        for (i, o) in l.organizations.iter().enumerate() {
            let p = format!("{lpath}.organizations[{i}]");
            match (org_from_arn(o.get_ref()), &dir.organization) {
                (Some(id), Some(org)) if id == org.id => launch.organization = true,
                (Some(id), _) => ctx.err(
                    Some(o.span()),
                    p,
                    format!("organization \"{id}\" is not the declared [organization]"),
                    Some("share with the organization declared in [organization]"),
                ),
                (None, _) => {
                    let v = RuleViolation { rule: Rule::OrganizationArnRequired, message: format!("\"{}\" is not an organization ARN", o.get_ref()), help: "write arn:aws:organizations::<management-account-id>:organization/<o-id>".into() };
                    ctx.err(Some(o.span()), &p, v.reason(), Some(&v.help));
                }
            }
        }
        for (i, o) in l.ous.iter().enumerate() {
            let p = format!("{lpath}.ous[{i}]");
            match ou_from_arn(o.get_ref()) {
                Some((_, ou)) => {
                    let id = Spanned::new(o.span(), ou.to_string());
                    launch.ous.extend(ctx.ou(dir, &id, &p));
                }
                None => {
                    let v = RuleViolation {
                        rule: Rule::OrganizationArnRequired,
                        message: format!("\"{}\" is not an OU ARN", o.get_ref()),
                        help:
                            "write arn:aws:organizations::<management-account-id>:ou/<o-id>/<ou-id>"
                                .into(),
                    };
                    ctx.err(Some(o.span()), &p, v.reason(), Some(&v.help));
                }
            }
        }
        launch.public = l.public.unwrap_or(false);
    }
    let snapshot_accounts: Vec<AccountId> = r
        .snapshot_permission
        .iter()
        .enumerate()
        .filter_map(|(i, a)| ctx.account(dir, a, &format!("{path}.snapshot_permission[{i}]")))
        .collect();
    // Copies made for target accounts belong to them: the pipeline's owner
    // would be sharing an image it does not own.
    let image_owner = if owner_has_image {
        owner
    } else {
        targets.first().copied().unwrap_or(owner)
    };
    let req = ShareRequest {
        by: owner,
        owner: image_owner,
        region,
        image,
        product_codes,
        launch: launch.clone(),
        snapshot_accounts: snapshot_accounts.clone(),
    };
    let mut violation = None;
    for v in check_share(dir, &req) {
        let rule = ctx.violation(span.clone(), &format!("{path}.launch_permission"), &v);
        violation = violation.or(rule);
    }
    Some(SharePlan {
        entities: launch.entity_count(),
        public: launch.public,
        snapshot_accounts: snapshot_accounts.len(),
        violation,
    })
}
