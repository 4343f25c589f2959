//! `[pipeline.lifecycle]`, and what a pipeline that shares publicly must
//! respect: the public AMI quota (docs/sources.md#public-amis) and the
//! 2-year deprecation limit.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::aws::quotas::{Quota, Quotas};
use crate::aws::rules::{Rule, RuleViolation};
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{Lifecycle, Schedule, Tool};
use crate::scenario::raw::{RawLifecycle, RawPipeline};
use crate::scenario::spec::Dur;

/// Public images live until deregistered: a pipeline that keeps more than
/// the quota of them fails its public share once the quota is full (a warning).
pub(super) fn public_images_quota(
    ctx: &mut Ctx<'_>,
    (horizon, quotas): (SimTime, &Quotas),
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    (schedule, lifecycle): (Option<&Schedule>, &Lifecycle),
) {
    let Some(s) = schedule else { return };
    if lifecycle.max_age.is_some() || lifecycle.disable_after.is_some() {
        return;
    }
    let intervals = s.interval.map_or(0, |iv| {
        (horizon.as_millis().saturating_sub(1) / iv.as_millis().max(1)) as usize
    });
    let builds = s.cron_times.len() + intervals + usize::from(s.run_at_start);
    // The lifecycle deletes the oldest only once the new image is in:
    // at a public share the kept images and the new one are all alive.
    let kept = lifecycle
        .keep_last
        .map_or(builds, |k| builds.min(k as usize + 1));
    let quota = quotas.get(Quota::PublicAmisPerRegion);
    if kept > quota as usize {
        ctx.warn(
            Some(sp.span()),
            prefix.key("lifecycle"),
            format!(
                "up to {kept} public images of this pipeline are alive at once in a Region, over the {quota} public AMIs per Region: the public share after that fails with ResourceLimitExceeded",
            ),
            Some(format!("keep at most {} images ([pipeline.lifecycle] keep_last: the lifecycle deletes the oldest only after the new one is shared), or raise [quotas] public_amis_per_region (adjustable)", quota.saturating_sub(1))),
        );
    }
}

/// A public image is deprecated 2 years after creation at the latest: a
/// longer `deprecate_after` never applies (AWS keeps the earlier date and
/// does not refuse the rule), and the model deprecates it at 2 years.
pub(super) fn public_deprecation(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    prefix: &str,
    lifecycle: &Lifecycle,
) {
    let (Some(d), Some(lc)) = (lifecycle.deprecate_after, &p.lifecycle) else {
        return;
    };
    if d <= SimDuration::from_hours(24 * facts::PUBLIC_DEPRECATION_MAX_DAYS) {
        return;
    }
    let span = lc
        .get_ref()
        .deprecate_after
        .as_ref()
        .map_or(lc.span(), |x| x.span());
    ctx.warn(
        Some(span),
        prefix.key("lifecycle").key("deprecate_after"),
        format!("deprecate_after is {d}, and the pipeline shares publicly: AWS deprecates a public image 2 years (730 days) after its creation, so its images are deprecated then, not at {d} (docs/sources.md#rule-public-deprecation)"),
        Some("set deprecate_after = \"730d\" or less to say what happens, or remove it".into()),
    );
}

/// `[pipeline.lifecycle]`: by count (`keep_last`) and/or by age (`max_age`, `keep_at_least`).
pub(super) fn resolve_lifecycle(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<RawLifecycle>>,
    tool: Tool,
    prefix: &str,
) -> Lifecycle {
    let Some(sl) = raw else {
        return Lifecycle::default();
    };
    let l = sl.get_ref();
    let path = prefix.key("lifecycle");
    // Image Builder's lifecycle policies take 1-1000 images and keep at
    // least 1-10 (docs/sources.md#lifecycle); other tools' clean-up is the
    // team's own script.
    let ib = tool == Tool::ImageBuilder;
    let (last_max, least) = if ib {
        (1000, (1, 10))
    } else {
        (100_000, (0, 100_000))
    };
    let keep_last = l
        .keep_last
        .as_ref()
        .and_then(|v| ctx.count(v, &path.key("keep_last"), (1, last_max), None));
    let keep_at_least = l
        .keep_at_least
        .as_ref()
        .and_then(|v| {
            ctx.count(
                v,
                &path.key("keep_at_least"),
                least,
                ib.then_some("Image Builder's retainAtLeast is 1 to 10"),
            )
        })
        .unwrap_or(0);
    let age = |ctx: &mut Ctx<'_>, v: Option<&Spanned<Dur>>, key: &str| {
        lifecycle_age(ctx, v, &path.key(key), ib)
    };
    let max_age = age(ctx, l.max_age.as_ref(), "max_age");
    if l.keep_at_least.is_some() && l.max_age.is_none() {
        ctx.err(
            Some(sl.span()),
            path.key("keep_at_least"),
            "keep_at_least only applies with max_age",
            Some("add max_age, or use keep_last"),
        );
    }
    let deprecate_after = age(ctx, l.deprecate_after.as_ref(), "deprecate_after");
    let disable_after = age(ctx, l.disable_after.as_ref(), "disable_after");
    let archive_after = archive_after(ctx, l, &path, disable_after);
    Lifecycle {
        keep_last,
        max_age,
        keep_at_least,
        deprecate_after,
        disable_after,
        deregistration_protection: l.deregistration_protection.unwrap_or(false),
        archive_after,
    }
}

/// A lifecycle age at `path`; Image Builder's are 1 to 1000 days, weeks,
/// months or years, written as days: a month as 30 days and a year as 365,
/// an assumption (AWS does not say how it counts them).
fn lifecycle_age(
    ctx: &mut Ctx<'_>,
    v: Option<&Spanned<Dur>>,
    path: &str,
    ib: bool,
) -> Option<SimDuration> {
    let v = v?;
    let key = path.rsplit('.').next().unwrap_or(path);
    let d = ctx.positive_duration(v, path, &format!("{key} = \"30d\""))?;
    let day = 86_400_000;
    let days = d.as_millis() / day;
    let whole = d.as_millis().is_multiple_of(day);
    let in_range = [1, 7, 30, 365]
        .iter()
        .any(|&unit| days.is_multiple_of(unit) && (1..=1000).contains(&(days / unit)));
    if ib && !(whole && in_range) {
        ctx.err(
            Some(v.span()),
            path.to_string(),
            format!("Image Builder's lifecycle ages are 1 to 1000 whole days, weeks, months or years; {d} is not one"),
            Some(&format!("write whole days or weeks, e.g. {key} = \"90d\" or \"12w\"; months as 30 days, years as 365 (\"1095d\" is 3 years)")),
        );
        return None;
    }
    Some(d)
}

/// `archive_after`: the team's own archiving (ModifySnapshotTier), any
/// duration, but only once the AMI is disabled.
fn archive_after(
    ctx: &mut Ctx<'_>,
    l: &RawLifecycle,
    path: &str,
    disable_after: Option<SimDuration>,
) -> Option<SimDuration> {
    let a = l.archive_after.as_ref()?;
    let d = ctx.positive_duration(a, &path.key("archive_after"), "archive_after = \"90d\"")?;
    if disable_after.is_none_or(|x| x > d) {
        let v = RuleViolation {
            rule: Rule::ArchiveRequiresDisabled,
            message: format!(
                "the snapshots are archived {d} after creation, before the image is disabled"
            ),
            help: format!(
                "set disable_after = \"{d}\" or less (a snapshot behind an AMI can be archived only once the AMI is disabled)"
            ),
        };
        ctx.rule_error(a.span(), path.key("archive_after"), &v);
        return None;
    }
    Some(d)
}
