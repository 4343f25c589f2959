//! `launch_permission` and `snapshot_permission` of one distribution:
//! who the owner's image is shared with, checked against the sharing rules.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use super::owner::Source;
use crate::aws::directory::Directory;
use crate::aws::directory::{AccountId, Encryption};
use crate::aws::quotas::Quota;
use crate::aws::rules::{Rule, RuleViolation, ShareRequest, ShareTargets, check_share};
use crate::pipeline::config::{RegionId, SharePlan};
use crate::scenario::raw::{RawDistribution, RawLaunchPermission};

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

/// The index of the external organization `id`, if declared.
fn external(dir: &crate::aws::directory::Directory, id: &str) -> Option<u16> {
    dir.external
        .iter()
        .position(|e| e.id == id)
        .and_then(|i| u16::try_from(i).ok())
}

/// One more share target in external organization `e` (an organization ARN
/// or one of its OUs: each counts as one entity).
fn add_external(launch: &mut ShareTargets, e: u16) {
    launch.external.push(e);
}

/// The image shared in one Region.
pub(super) struct SharedImage<'a> {
    pub(super) region: RegionId,
    pub(super) encryption: Encryption,
    /// The owner holds an image there (its own copy, or the build Region).
    pub(super) owner_has_image: bool,
    /// The target accounts that received copies.
    pub(super) targets: &'a [AccountId],
}

/// The organizations a launch permission names: the declared one, or an
/// external one.
fn share_organizations(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    l: &RawLaunchPermission,
    lpath: &str,
    launch: &mut ShareTargets,
) {
    for (i, o) in l.organizations.iter().enumerate() {
        let p = lpath.key("organizations").at(i);
        match org_from_arn(o.get_ref()) {
            Some(id) if dir.organization.as_ref().is_some_and(|org| org.id == id) => {
                launch.organization = true;
            }
            Some(id) => match external(dir, id) {
                Some(e) => add_external(launch, e),
                None => ctx.err(
                    Some(o.span()),
                    p,
                    format!("organization \"{id}\" is neither the declared [organization] nor an [[external_organization]]"),
                    Some(&format!("AWS shares with any organization: declare it with [[external_organization]] id = \"{id}\"")),
                ),
            },
            None => {
                let v = RuleViolation { rule: Rule::OrganizationArnRequired, message: format!("\"{}\" is not an organization ARN", o.get_ref()), help: "write arn:aws:organizations::<management-account-id>:organization/<o-id>".into() };
                ctx.rule_error(o.span(), &p, &v);
            }
        }
    }
}

/// The OUs a launch permission names, of the declared organization or of a
/// declared external one.
fn share_ous(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    l: &RawLaunchPermission,
    lpath: &str,
    launch: &mut ShareTargets,
) {
    for (i, o) in l.ous.iter().enumerate() {
        let p = lpath.key("ous").at(i);
        match ou_from_arn(o.get_ref()) {
            Some((org, ou)) if dir.organization.as_ref().is_some_and(|d| d.id == org) => {
                let id = Spanned::new(o.span(), ou.to_string());
                launch.ous.extend(ctx.ou(dir, &id, &p));
            }
            Some((org, _)) if external(dir, org).is_none() => ctx.err(
                Some(o.span()),
                p,
                format!("OU of organization \"{org}\", which is neither the declared [organization] nor an [[external_organization]]"),
                Some(&format!("declare it with [[external_organization]] id = \"{org}\"")),
            ),
            Some((org, ou)) => {
                let e = external(dir, org).unwrap_or_default();
                let known = &dir.external[usize::from(e)].ous;
                if !known.is_empty() && !known.iter().any(|k| k == ou) {
                    ctx.err(
                        Some(o.span()),
                        p,
                        format!("OU \"{ou}\" is not one of external organization {org}'s declared ous"),
                        Some("add it to that [[external_organization]]'s ous"),
                    );
                } else {
                    add_external(launch, e);
                }
            }
            None => {
                let v = RuleViolation {
                    rule: Rule::OrganizationArnRequired,
                    message: format!("\"{}\" is not an OU ARN", o.get_ref()),
                    help:
                        "write arn:aws:organizations::<management-account-id>:ou/<o-id>/<ou-id>"
                            .into(),
                };
                ctx.rule_error(o.span(), &p, &v);
            }
        }
    }
}

/// The share plan of one distribution, if it shares at all.
pub(super) fn resolve_share(
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
        share_organizations(ctx, dir, l, &lpath, &mut launch);
        share_ous(ctx, dir, l, &lpath, &mut launch);
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
    let quota = src.quotas.get(Quota::ShareEntitiesPerImage);
    for v in check_share(dir, quota, &req) {
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
