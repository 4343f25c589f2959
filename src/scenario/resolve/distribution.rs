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
use super::owner::Source;
use super::share::{SharedImage, resolve_share};
use crate::aws::directory::{AccountId, Encryption};
use crate::aws::rules::{CopyRequest, KeyChoice, check_copy, check_copy_completion};
use crate::pipeline::config::{CopyPlan, Distribution};
use crate::scenario::raw::{RawDistribution, RawPipeline};

/// What a distribution table asks for, before checking.
struct Asked<'a> {
    region: &'a Spanned<String>,
    raw: Option<&'a RawDistribution>,
    span: Range<usize>,
    path: String,
}

/// Resolves `destinations` and `[[pipeline.distribution]]` into plans, checking every rule.
pub(super) fn resolve_distributions(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    p: &RawPipeline,
    prefix: &str,
) -> (Vec<Distribution>, Vec<CopyPlan>) {
    let (dir, source) = (src.dir, src.encryption);
    let asked = asked_regions(ctx, src, p, prefix);
    let mut dists: Vec<Distribution> = Vec::new();
    let mut copies: Vec<CopyPlan> = Vec::new();
    for a in asked {
        let Some((region, in_build_region)) = distribution_region(ctx, src, &a, &dists) else {
            continue;
        };
        let k = dists.len() as u16;
        let raw = a.raw;
        let targets: Vec<AccountId> = raw.map_or(Vec::new(), |r| {
            r.target_accounts
                .iter()
                .enumerate()
                .filter_map(|(t, s)| ctx.account(dir, s, &a.path.key("target_accounts").at(t)))
                .collect()
        });
        let (key, encrypted, key_span) = copy_encryption(ctx, src, &a, in_build_region);
        let copiers = copiers(src, &a, &targets, key_span, in_build_region);
        let (completion, completion_violation) = copy_completion(ctx, p, &a, prefix);
        let plan = CopyTo {
            distribution: k,
            region,
            encrypted,
            key,
            completion,
            completion_violation,
        };
        let owner_copy = plan_copies(ctx, src, &plan, copiers, &mut copies);

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
            test_launch: raw
                .and_then(|r| r.test_launch)
                .or(p.test_launch)
                .unwrap_or(false),
        });
    }
    (dists, copies)
}

/// The Regions a pipeline asks to distribute to, in order: `destinations`,
/// then `[[pipeline.distribution]]`; with `encrypt_boot`, the build Region
/// first if neither lists it.
fn asked_regions<'p>(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    p: &'p RawPipeline,
    prefix: &str,
) -> Vec<Asked<'p>> {
    let (encrypt_boot, build_region) = (src.encrypt_boot, src.build_region);
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
    // encrypt_boot copies into the build Region too, listed or not.
    if encrypt_boot.is_some()
        && !asked
            .iter()
            .any(|a| ctx.regions.get(a.region.get_ref()) == build_region)
    {
        asked.insert(
            0,
            Asked {
                region: &p.region,
                raw: None,
                span: p.region.span(),
                path: prefix.key("region"),
            },
        );
    }
    asked
}

/// `copy_completion` on an Image Builder pipeline, or on one of its
/// distributions: refused, as Image Builder has no field to ask with.
pub(super) fn refuse_image_builder_completion(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    tool: crate::pipeline::config::Tool,
    prefix: &str,
) {
    if tool != crate::pipeline::config::Tool::ImageBuilder {
        return;
    }
    let v = crate::aws::rules::image_builder_copy_completion();
    if let Some(c) = &p.copy_completion {
        ctx.rule_error(c.span(), prefix.key("copy_completion"), &v);
    }
    for (i, d) in p.distribution.iter().enumerate() {
        if let Some(c) = &d.get_ref().copy_completion {
            ctx.rule_error(
                c.span(),
                prefix.key("distribution").at(i).key("copy_completion"),
                &v,
            );
        }
    }
}

/// A distribution's time-based copy completion (its own, else the
/// pipeline's), checked against AWS's range, with a warning when the largest
/// snapshot cannot copy in it; and the rule it breaks, if any.
fn copy_completion(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    a: &Asked<'_>,
    prefix: &str,
) -> (
    Option<crate::engine::SimDuration>,
    Option<crate::aws::rules::Rule>,
) {
    let raw = a.raw;
    // Time-based copies: the distribution's own completion, else the pipeline's.
    let completion = raw
        .and_then(|r| r.copy_completion.as_ref())
        .or(p.copy_completion.as_ref());
    let mut completion_violation = None;
    if let Some(c) = completion
        && let Err(v) = check_copy_completion(c.get_ref().0)
    {
        let path = if raw.and_then(|r| r.copy_completion.as_ref()).is_some() {
            a.path.key("copy_completion")
        } else {
            prefix.key("copy_completion")
        };
        completion_violation = ctx.violation(c.span(), &path, &v);
    }
    if let Some(c) = completion
        && completion_violation.is_none()
    {
        // Each snapshot copies at 500 MiB/s at most: a larger one takes longer.
        let t = c.get_ref().0;
        let largest = p
            .volume
            .iter()
            .map(|v| *v.get_ref().data_gib.get_ref())
            .fold(0.0, f64::max);
        let at_most = largest * crate::aws::facts::MIB_PER_GIB
            / crate::aws::facts::TIME_BASED_COPY_SNAPSHOT_MIB_S;
        if at_most > t.as_secs_f64() {
            let path = a.path.key("copy_completion");
            ctx.warn(
        Some(c.span()),
        path,
        format!(
        "a snapshot of {largest} GiB takes at least {} at 500 MiB/s, the most one time-based snapshot copy gets: its full copies will outlast {t}",
        crate::engine::SimDuration::from_secs_f64(at_most.ceil())
        ),
        Some("allow a longer copy_completion".to_string()),
    );
        }
    }
    (completion.map(|c| c.get_ref().0), completion_violation)
}

/// One distribution's copies, as [`plan_copies`] needs them.
struct CopyTo {
    distribution: u16,
    region: crate::pipeline::config::RegionId,
    encrypted: Option<bool>,
    key: Option<KeyChoice>,
    completion: Option<crate::engine::SimDuration>,
    completion_violation: Option<crate::aws::rules::Rule>,
}

/// Checks and adds the copy of each copier; returns the owner's copy, if any.
fn plan_copies(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    to: &CopyTo,
    copiers: Vec<(AccountId, Range<usize>, String)>,
    copies: &mut Vec<CopyPlan>,
) -> Option<u16> {
    let (owner, source) = (src.owner, src.encryption);
    let (region, k, completion) = (to.region, to.distribution, to.completion);
    let (encrypted, key, completion_violation) = (to.encrypted, to.key, to.completion_violation);
    let mut owner_copy = None;
    for (copier, span, path) in copiers {
        let req = CopyRequest {
            source_owner: owner,
            source,
            product_codes: src.product_codes,
            copier,
            dest_region: region,
            encrypted,
            kms_key: key,
            source_region: src.build_region.unwrap_or_default(),
        };
        let (encryption, encrypts_unencrypted, violation) = match check_copy(src.dir, &req) {
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
            violation: violation.or(completion_violation),
            completion,
        });
    }

    owner_copy
}

/// The Region a distribution table names, unless it is unknown, listed
/// twice, or the build Region given as a destination; and whether it is the
/// build Region.
fn distribution_region(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    a: &Asked<'_>,
    dists: &[Distribution],
) -> Option<(crate::pipeline::config::RegionId, bool)> {
    let (build_region, encrypt_boot) = (src.build_region, src.encrypt_boot);
    let rpath = if a.raw.is_some() {
        a.path.key("region")
    } else {
        a.path.clone()
    };
    let region = ctx.region(a.region, &rpath)?;
    if dists.iter().any(|d| d.region == region) {
        ctx.err(
            Some(a.region.span()),
            rpath,
            format!("\"{}\" is listed twice", a.region.get_ref()),
            Some("give each Region once, in `destinations` or in one [[pipeline.distribution]]"),
        );
        return None;
    }
    let in_build_region = Some(region) == build_region;
    if in_build_region && a.raw.is_none() && encrypt_boot.is_none() {
        ctx.err(Some(a.region.span()), rpath, format!("\"{}\" is the build Region; the image is already there", a.region.get_ref()), Some("list only the Regions to copy to (use [[pipeline.distribution]] to share in the build Region)"));
        return None;
    }
    Some((region, in_build_region))
}

/// The key and encryption a distribution asks its copies for, and where
/// they are written; `encrypt_boot` encrypts every copy, with the
/// pipeline's key in the build Region.
fn copy_encryption(
    ctx: &mut Ctx<'_>,
    src: &Source<'_>,
    a: &Asked<'_>,
    in_build_region: bool,
) -> (Option<KeyChoice>, Option<bool>, Range<usize>) {
    let (dir, encrypt_boot, raw) = (src.dir, src.encrypt_boot, a.raw);
    let key = raw
        .and_then(|r| r.kms_key.as_ref())
        .and_then(|kk| ctx.key_choice(dir, kk, &a.path.key("kms_key")));
    let encrypted = raw.and_then(|r| r.encrypted.as_ref()).map(|e| *e.get_ref());
    // encrypt_boot: every copy encrypted, with the pipeline's key in the build Region.
    let (key, encrypted) = match encrypt_boot {
        Some(boot_key) => (
            key.or(if in_build_region { boot_key } else { None }),
            encrypted.or(Some(true)),
        ),
        None => (key, encrypted),
    };
    let key_span = raw
        .and_then(|r| {
            r.kms_key
                .as_ref()
                .map(|k| k.span())
                .or(r.encrypted.as_ref().map(|e| e.span()))
        })
        .unwrap_or(a.span.clone());

    (key, encrypted, key_span)
}

/// The copiers of a distribution: each target account, else the owner
/// (outside the build Region, or into it with `encrypt_boot`).
fn copiers(
    src: &Source<'_>,
    a: &Asked<'_>,
    targets: &[AccountId],
    key_span: Range<usize>,
    in_build_region: bool,
) -> Vec<(AccountId, Range<usize>, String)> {
    let raw = a.raw;
    // The copiers: each target account, else the owner (outside the build Region).
    if targets.is_empty() {
        if in_build_region && src.encrypt_boot.is_none() {
            vec![]
        } else {
            vec![(src.owner, key_span, a.path.clone())]
        }
    } else {
        raw.map(|r| {
            r.target_accounts
                .iter()
                .zip(targets)
                .enumerate()
                .map(|(t, (s, id))| (*id, s.span(), a.path.key("target_accounts").at(t)))
                .collect()
        })
        .unwrap_or_default()
    }
}
