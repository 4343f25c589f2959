//! A pipeline's owner and encryption, its `destinations` and
//! `[[pipeline.distribution]]`: copies and shares, each checked against the
//! AWS rules in `aws::rules`.
//!
//! A broken rule is an error located at the key that asks for it, or, with
//! `model_misconfigurations = true`, a warning plus a plan that fails where
//! AWS would fail it.

use std::ops::Range;

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use crate::aws::directory::{AccountId, Directory, Encryption};
use crate::aws::rules::{
    CopyRequest, KeyChoice, Rule, RuleViolation, ShareRequest, ShareTargets, check_copy,
    check_share,
};
use crate::pipeline::config::{CopyPlan, Distribution, RegionId, SharePlan};
use crate::scenario::raw::{RawDistribution, RawPipeline};

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
                    ctx.err(Some(k.span()), &path, v.reason(), Some(&v.help));
                }
                if !dir.key_usable_by(key, owner) {
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

/// The image a pipeline distributes: who owns it, where it is built and how
/// it is encrypted there.
pub(super) struct Source<'a> {
    pub(super) dir: &'a Directory,
    pub(super) build_region: Option<RegionId>,
    pub(super) owner: AccountId,
    pub(super) encryption: Encryption,
    /// The base image carries Marketplace product codes.
    pub(super) product_codes: bool,
}

/// The image shared in one Region.
struct SharedImage<'a> {
    region: RegionId,
    encryption: Encryption,
    /// The owner holds an image there (its own copy, or the build Region).
    owner_has_image: bool,
    /// The target accounts that received copies.
    targets: &'a [AccountId],
}

/// Resolves `destinations` and `[[pipeline.distribution]]` into plans, checking every rule.
pub(super) fn resolve_distributions(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    p: &RawPipeline,
    prefix: &str,
) -> (Vec<Distribution>, Vec<CopyPlan>) {
    let Source {
        dir,
        build_region,
        owner,
        encryption: source,
        product_codes,
    } = *src;
    let mut asked: Vec<Asked<'_>> = Vec::new();
    for (j, d) in p.destinations.iter().enumerate() {
        asked.push(Asked {
            region: d,
            raw: None,
            span: d.span(),
            path: prefix.key("destinations").at(j),
        });
    }
    for (j, d) in p.distribution.iter().enumerate() {
        asked.push(Asked {
            region: &d.get_ref().region,
            raw: Some(d.get_ref()),
            span: d.span(),
            path: prefix.key("distribution").at(j),
        });
    }
    let mut dists: Vec<Distribution> = Vec::new();
    let mut copies: Vec<CopyPlan> = Vec::new();
    for a in asked {
        let rpath = if a.raw.is_some() {
            a.path.key("region")
        } else {
            a.path.clone()
        };
        let Some(region) = ctx.region(a.region, &rpath) else {
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
                .filter_map(|(t, s)| ctx.account(dir, s, &a.path.key("target_accounts").at(t)))
                .collect()
        });
        let key = raw
            .and_then(|r| r.kms_key.as_ref())
            .and_then(|kk| ctx.key_choice(dir, kk, &a.path.key("kms_key")));
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
                    .map(|(t, (s, id))| (*id, s.span(), a.path.key("target_accounts").at(t)))
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
        let image = SharedImage {
            region,
            encryption: owner_copy.map_or(source, |c| copies[usize::from(c)].encryption),
            owner_has_image: owner_copy.is_some() || in_build_region,
            targets: &targets,
        };
        let share = raw.and_then(|r| resolve_share(ctx, src, r, &a.path, &image));
        dists.push(Distribution {
            region,
            share,
            owner_copy,
        });
    }
    (dists, copies)
}

fn resolve_share(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    r: &RawDistribution,
    path: &str,
    at: &SharedImage<'_>,
) -> Option<SharePlan> {
    let (dir, owner, region) = (src.dir, src.owner, at.region);
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
        let lpath = path.key("launch_permission");
        for (i, a) in l.accounts.iter().enumerate() {
            launch
                .accounts
                .extend(ctx.account(dir, a, &lpath.key("accounts").at(i)));
        }
        for (i, o) in l.organizations.iter().enumerate() {
            let p = lpath.key("organizations").at(i);
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
            let p = lpath.key("ous").at(i);
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
        .filter_map(|(i, a)| ctx.account(dir, a, &path.key("snapshot_permission").at(i)))
        .collect();
    // Copies made for target accounts belong to them: the pipeline's owner
    // would be sharing an image it does not own.
    let image_owner = if at.owner_has_image {
        owner
    } else {
        at.targets.first().copied().unwrap_or(owner)
    };
    let req = ShareRequest {
        by: owner,
        owner: image_owner,
        region,
        image: at.encryption,
        product_codes: src.product_codes,
        launch: launch.clone(),
        snapshot_accounts: snapshot_accounts.clone(),
    };
    let mut violation = None;
    for v in check_share(dir, &req) {
        let rule = ctx.violation(span.clone(), &path.key("launch_permission"), &v);
        violation = violation.or(rule);
    }
    Some(SharePlan {
        entities: launch.entity_count(),
        public: launch.public,
        snapshot_accounts: snapshot_accounts.len(),
        violation,
    })
}
