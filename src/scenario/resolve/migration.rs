//! `[[migration]]`: moving a running instance with an image.
//!
//! The two moves the AWS material describes: to another Availability Zone
//! of the same Region (create an image, launch from it there), and to
//! another Region (create an image, copy it, which creates the snapshots in
//! the destination, then launch). A migration resolves into a [`Pipeline`]
//! of kind [`PipelineKind::Migration`] (its instance type and start time), with no
//! components, tests or schedule.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use super::latency::{PLATFORM, latencies};
use super::owner::{KeyUser, resolve_owner_encryption};
use super::pipeline::{Shared, resolve_volumes};
use crate::aws::rules::{CopyRequest, check_copy};
use crate::engine::SimTime;
use crate::pipeline::config::{
    BaseOwner, CopyPlan, Distribution, Migration, Pipeline, PipelineKind, Schedule,
};
use crate::scenario::raw::RawMigration;

/// Resolves one migration; `None` if it has errors.
pub(super) fn resolve_migration(
    ctx: &mut Ctx<'_>,
    sh: &Shared<'_>,
    sm: &Spanned<RawMigration>,
    prefix: &str,
) -> Option<Pipeline> {
    let m = sm.get_ref();
    let before = ctx.error_count();
    let dir = sh.dir;
    let region = ctx.region(&m.region, &prefix.key("region"));
    let to_region = to_region(ctx, m, region, prefix);
    let platform = PLATFORM.pick(ctx, m.platform.as_ref(), &prefix.key("platform"));
    let (owner, encryption) = resolve_owner_encryption(
        ctx,
        dir,
        (m.account.as_ref(), m.kms_key.as_ref()),
        prefix,
        (region, KeyUser::Instance),
    );
    let volumes = resolve_volumes(ctx, &m.volume, prefix);
    if m.volume.is_empty() {
        ctx.err(
            Some(sm.span()),
            prefix.key("volume"),
            format!("migration \"{}\" has no volume", m.name.get_ref()),
            Some("add [[migration.volume]] with size_gib and data_gib"),
        );
    }
    let latency = latencies(
        ctx,
        (platform, false),
        sh.global,
        (m.latency.as_ref(), prefix),
    );
    let at = start_at(ctx, m, sh.horizon, prefix);

    // A move to another Region copies the image first: the same rules as any copy.
    let (distributions, copies) = match (to_region, region) {
        (Some(to), Some(from)) => move_copy(ctx, (dir, prefix), m, (from, to), (owner, encryption)),
        _ => (Vec::new(), Vec::new()),
    };
    if ctx.error_count() > before {
        return None;
    }
    Some(Pipeline {
        container: None,
        step_timeouts: None,
        packer_waits: None,
        api_retry: crate::pipeline::config::ApiRetry::Sdk,
        name: m.name.get_ref().clone(),
        // The team's own script: copies meet only EC2's quota, and fail when it is full.
        tool: crate::pipeline::config::Tool::Sdk,
        distribution_timeout: None,
        retry: None,
        encrypt_boot: false,
        existing_image: false,
        kind: PipelineKind::Migration(Migration {
            to_availability_zone: m.to_availability_zone.clone(),
            instance_type: m.instance_type.clone().unwrap_or_else(|| "m5.large".into()),
            at,
        }),
        region: region?,
        platform,
        base_owner: BaseOwner::Aws,
        volumes,
        components: Vec::new(),
        tests: Vec::new(),
        test_phase: false,
        optional_steps: Default::default(),
        owner,
        encryption,
        product_codes: false,
        distributions,
        copies,
        // It runs once, at `at` (its kind says when): no schedule of its own.
        schedule: Schedule::default(),
        latency,
        lifecycle: Default::default(),
    })
}

/// The copy a move to another Region makes of the instance's image, from
/// `from` to `to` by its owner, checked as any copy is; its one
/// distribution and copy plan.
fn move_copy(
    ctx: &mut Ctx<'_>,
    (dir, prefix): (&crate::aws::directory::Directory, &str),
    m: &RawMigration,
    (from, to): (
        crate::pipeline::config::RegionId,
        crate::pipeline::config::RegionId,
    ),
    (owner, encryption): (
        crate::aws::directory::AccountId,
        crate::aws::directory::Encryption,
    ),
) -> (Vec<Distribution>, Vec<CopyPlan>) {
    let path = prefix.key("copy_kms_key");
    let kms_key = m
        .copy_kms_key
        .as_ref()
        .and_then(|k| ctx.key_choice(dir, k, &path));
    let req = CopyRequest {
        source_owner: owner,
        source: encryption,
        product_codes: false,
        copier: owner,
        dest_region: to,
        source_region: from,
        encrypted: None,
        kms_key,
    };
    let span = m
        .copy_kms_key
        .as_ref()
        .map_or(m.to_region.as_ref().map_or(0..0, |r| r.span()), |k| {
            k.span()
        });
    let (enc, encrypts_unencrypted, violation) = match check_copy(dir, &req) {
        Ok(o) => (o.encryption, o.encrypts_unencrypted, None),
        Err(vs) => {
            let mut first = None;
            for v in &vs {
                first = first.or(ctx.violation(span.clone(), &path, v));
            }
            (encryption, false, first)
        }
    };
    let distributions = vec![Distribution {
        region: to,
        share: None,
        owner_copy: Some(0),
        // The moved instance's launch is the migration's own stage.
        test_launch: false,
    }];
    let copies = vec![CopyPlan {
        distribution: 0,
        region: to,
        copier: owner,
        encryption: enc,
        encrypts_unencrypted,
        violation,
        completion: None,
    }];
    (distributions, copies)
}

/// `to_region`: another Region than the instance's own, if any.
fn to_region(
    ctx: &mut Ctx<'_>,
    m: &RawMigration,
    region: Option<crate::pipeline::config::RegionId>,
    prefix: &str,
) -> Option<crate::pipeline::config::RegionId> {
    let r = m.to_region.as_ref()?;
    let to = ctx.region(r, &prefix.key("to_region"));
    if to.is_some() && to == region {
        ctx.err(
            Some(r.span()),
            prefix.key("to_region"),
            "to_region is the instance's own Region",
            Some("omit to_region for a move to another Availability Zone of the same Region"),
        );
    }
    to
}

/// `at`: when the migration starts (at the start if absent), before the horizon.
fn start_at(ctx: &mut Ctx<'_>, m: &RawMigration, horizon: SimTime, prefix: &str) -> SimTime {
    let at =
        m.at.as_ref()
            .map_or(SimTime::ZERO, |a| SimTime(a.get_ref().0.as_millis()));
    if at >= horizon
        && let Some(a) = &m.at
    {
        ctx.err(
            Some(a.span()),
            prefix.key("at"),
            "the migration starts after the horizon",
            Some("start it before `horizon`"),
        );
    }
    at
}
