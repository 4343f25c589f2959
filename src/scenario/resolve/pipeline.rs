//! `[[pipeline]]`: its owner, image, steps, latencies, distributions,
//! schedule and lifecycle.

use chrono::{DateTime, Utc};
use toml::Spanned;

use super::ctx::{Choice, Ctx, KeyPath};
use super::distribution::resolve_distributions;
use super::latency::{PLATFORM, latencies};
use super::owner::{KeyUser, Source, resolve_owner_encryption};
use super::schedule::resolve_schedule;
use crate::aws::directory::{Directory, Encryption};
use crate::aws::facts;
use crate::aws::rules::{KeyChoice, Rule, RuleViolation};
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{
    BaseOwner, Kind, Lifecycle, PackerWaits, Pipeline, Platform, Step, StepTimeouts, Tool, Volume,
};
use crate::scenario::raw::{
    RawAwsPolling, RawLatency, RawLifecycle, RawPipeline, RawStep, RawStepTimeouts, RawVolume,
};
use crate::scenario::spec::Dur;

/// What every pipeline and migration is resolved against.
pub(super) struct Shared<'a> {
    pub(super) global: &'a RawLatency,
    pub(super) dir: &'a Directory,
    pub(super) start: DateTime<Utc>,
    pub(super) horizon: SimTime,
    /// Public AMIs per account and Region (`[quotas] public_amis_per_region`).
    pub(super) public_quota: u32,
}

/// The fix for a key of Image Builder's on another tool's pipeline.
const IMAGE_BUILDER_ONLY: &str = "remove it, or set tool = \"image_builder\"";

/// A key of one tool's on a pipeline another tool runs: refused with the fix.
fn not_this_tool(
    ctx: &mut Ctx<'_>,
    span: std::ops::Range<usize>,
    path: String,
    whose: &str,
    fix: &str,
) {
    ctx.err(
        Some(span),
        path,
        format!("{whose}; this pipeline's tool does not have it"),
        Some(fix),
    );
}

/// `base_image_owner`: the first word is the default.
const BASE_OWNER: Choice<BaseOwner> = Choice {
    what: "base image owner",
    words: &[
        ("aws", BaseOwner::Aws, ""),
        ("marketplace", BaseOwner::Marketplace, ""),
        ("other_account", BaseOwner::OtherAccount, ""),
        ("self", BaseOwner::OwnAccount, ""),
    ],
};

/// `tool`: the first word is the default.
const TOOL: Choice<Tool> = Choice {
    what: "tool",
    words: &[
        ("image_builder", Tool::ImageBuilder, ""),
        ("packer", Tool::Packer, ""),
        ("sdk", Tool::Sdk, ""),
    ],
};

/// Resolves one `[[pipeline]]`; `None` if it has errors.
pub(super) fn resolve_pipeline(
    ctx: &mut Ctx<'_>,
    sh: &Shared<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
) -> Option<Pipeline> {
    let p = sp.get_ref();
    let before = ctx.error_count();
    let region = ctx.region(&p.region, &prefix.key("region"));

    let platform = PLATFORM.pick(ctx, p.platform.as_ref(), &prefix.key("platform"));
    let tool = TOOL.pick(ctx, p.tool.as_ref(), &prefix.key("tool"));
    let base_owner = BASE_OWNER.pick(
        ctx,
        p.base_image_owner.as_ref(),
        &prefix.key("base_image_owner"),
    );

    let (owner, encryption) = resolve_owner_encryption(
        ctx,
        sh.dir,
        (p.account.as_ref(), p.kms_key.as_ref()),
        prefix,
        (region, KeyUser::Builder),
    );
    if let Some(r) = region
        && !sh.dir.region_enabled(owner, r)
    {
        // Always an error: nothing of the pipeline could run there.
        let v = crate::aws::rules::region_not_enabled(sh.dir, owner, r, "build in");
        ctx.err(
            Some(p.region.span()),
            prefix.key("region"),
            v.reason(),
            Some(&v.help),
        );
    }
    let product_codes = base_owner == BaseOwner::Marketplace;
    // Packer's encrypt_boot (docs/sources.md#packer-flow): the key is the final image's.
    let encrypt_boot = match &p.encrypt_boot {
        Some(e) if *e.get_ref() && tool != Tool::Packer => {
            not_this_tool(
                ctx,
                e.span(),
                prefix.key("encrypt_boot"),
                "encrypt_boot is Packer's",
                "set tool = \"packer\", or encrypt with kms_key",
            );
            None
        }
        Some(e) if *e.get_ref() => Some(match encryption {
            Encryption::Key(k) => Some(KeyChoice::Key(k)),
            Encryption::AwsManaged => Some(KeyChoice::AwsManaged),
            Encryption::None => None,
        }),
        _ => None,
    };
    // With encrypt_boot the build makes an unencrypted intermediary image.
    let encryption = if encrypt_boot.is_some() {
        Encryption::None
    } else {
        encryption
    };
    let source = Source {
        dir: sh.dir,
        build_region: region,
        owner,
        encryption,
        product_codes,
        encrypt_boot,
    };
    let (distributions, copies) = resolve_distributions(ctx, &source, p, prefix);

    let volumes = resolve_volumes(ctx, &p.volume, prefix);
    if p.volume.is_empty() {
        ctx.err(Some(sp.span()), prefix.key("volume"), format!("pipeline \"{}\" has no volume", p.name.get_ref()), Some("add [[pipeline.volume]] with size_gib and data_gib (an image has at least its root volume)"));
    }

    // source: docs/sources.md#image-builder-steps: DistributeImage, 360 min by default, 30 to 720.
    let distribution_timeout = match (&p.distribution_timeout, tool) {
        (Some(d), Tool::ImageBuilder) => {
            let v = d.get_ref().0;
            let (lo, hi) = (SimDuration::from_mins(30), SimDuration::from_mins(720));
            if v < lo || v > hi || v.as_millis() % 60_000 != 0 {
                ctx.err(
                    Some(d.span()),
                    prefix.key("distribution_timeout"),
                    "Image Builder's distribution time-out is whole minutes from 30 to 720",
                    Some("e.g. distribution_timeout = \"6h\" (the default)"),
                );
            }
            Some(v)
        }
        (Some(d), _) => {
            not_this_tool(
                ctx,
                d.span(),
                prefix.key("distribution_timeout"),
                "distribution_timeout is Image Builder's DistributeImage step",
                IMAGE_BUILDER_ONLY,
            );
            None
        }
        (None, Tool::ImageBuilder) => Some(SimDuration::from_mins(
            facts::IMAGE_BUILDER_DISTRIBUTE_TIMEOUT_MIN,
        )),
        (None, _) => None,
    };
    let step_timeouts = step_timeouts(ctx, p.step_timeouts.as_ref(), tool, prefix);
    let packer_waits = packer_waits(ctx, p.aws_polling.as_ref(), tool, prefix);
    // RetryImage: Image Builder only (docs/sources.md#retry-image).
    let retry_distribution = p.retry_distribution.as_ref().and_then(|r| {
        let path = prefix.key("retry_distribution");
        if tool != Tool::ImageBuilder {
            not_this_tool(
                ctx,
                r.span(),
                path,
                "RetryImage is Image Builder's",
                IMAGE_BUILDER_ONLY,
            );
            return None;
        }
        let raw = r.get_ref();
        let n = ctx.count(&raw.attempts, &path.key("attempts"), (1, 10), None)?;
        let delay = raw
            .delay
            .as_ref()
            .map_or(SimDuration::ZERO, |d| d.get_ref().0);
        Some((u8::try_from(n).ok()?, delay))
    });
    let components = resolve_steps(ctx, &p.component, &prefix.key("component"));
    let in_recipe = p.component.len() + p.test.len();
    if tool == Tool::ImageBuilder && in_recipe > facts::MAX_COMPONENTS_PER_RECIPE {
        // source: docs/sources.md#quota-components: 20 components per recipe
        // (fixed), build and test components counted together.
        ctx.err(
            Some(sp.span()),
            prefix.key("component"),
            format!(
                "{} build and {} test components; Image Builder allows at most {} per recipe, counting both",
                p.component.len(),
                p.test.len(),
                facts::MAX_COMPONENTS_PER_RECIPE
            ),
            Some("merge components; the limit is not adjustable (Packer has none: tool = \"packer\")"),
        );
    }
    if tool == Tool::ImageBuilder && p.component.is_empty() {
        // source: docs/sources.md#quota-components: a recipe needs at least one build component.
        ctx.err(
            Some(sp.span()),
            prefix.key("component"),
            format!("pipeline \"{}\" has no build component; an Image Builder recipe needs at least one", p.name.get_ref()),
            Some("add [[pipeline.component]] with name and duration (e.g. an update-os step), or set tool = \"sdk\" for a script with no recipe"),
        );
    }
    let tests = resolve_steps(ctx, &p.test, &prefix.key("test"));
    let existing_image = existing_image(ctx, sp, tool, prefix);

    let fast_launch = p.fast_launch.as_ref().is_some_and(|f| *f.get_ref());
    if let Some(f) = &p.fast_launch
        && *f.get_ref()
        && platform != Platform::Windows
    {
        ctx.err(
            Some(f.span()),
            prefix.key("fast_launch"),
            "EC2 Fast Launch is for Windows AMIs only",
            Some("remove fast_launch, or set platform = \"windows\""),
        );
    }
    let latency = latencies(
        ctx,
        (platform, fast_launch),
        sh.global,
        (p.latency.as_ref(), prefix),
    );

    let schedule = resolve_schedule(ctx, sp, prefix, tool, sh.start, sh.horizon);
    let lifecycle = resolve_lifecycle(ctx, p.lifecycle.as_ref(), tool, prefix);

    // Public images live until deregistered: a pipeline that keeps more than
    // the quota of them fails its public share once the quota is full.
    if let Some(s) = &schedule
        && lifecycle.max_age.is_none()
        && lifecycle.disable_after.is_none()
        && distributions
            .iter()
            .any(|x| x.share.as_ref().is_some_and(|s| s.public))
    {
        let intervals = s.interval.map_or(0, |iv| {
            (sh.horizon.as_millis().saturating_sub(1) / iv.as_millis().max(1)) as usize
        });
        let builds = s.cron_times.len() + intervals + usize::from(s.run_at_start);
        // The lifecycle deletes the oldest only once the new image is in:
        // at a public share the kept images and the new one are all alive.
        let kept = lifecycle
            .keep_last
            .map_or(builds, |k| builds.min(k as usize + 1));
        if kept > sh.public_quota as usize {
            ctx.warn(
                Some(sp.span()),
                prefix.key("lifecycle"),
                format!(
                    "up to {kept} public images of this pipeline are alive at once in a Region, over the {} public AMIs per Region: the public share after that fails with ResourceLimitExceeded",
                    sh.public_quota
                ),
                Some(format!("keep at most {} images ([pipeline.lifecycle] keep_last: the lifecycle deletes the oldest only after the new one is shared), or raise [quotas] public_amis_per_region (adjustable)", sh.public_quota.saturating_sub(1))),
            );
        }
    }
    // A public image is deprecated 2 years after creation at the latest.
    if let (Some(d), Some(lc)) = (lifecycle.deprecate_after, &p.lifecycle)
        && d > SimDuration::from_hours(24 * facts::PUBLIC_DEPRECATION_MAX_DAYS)
        && distributions
            .iter()
            .any(|x| x.share.as_ref().is_some_and(|s| s.public))
    {
        let v = RuleViolation {
            rule: Rule::PublicDeprecation,
            message: format!("deprecate_after is {d}, and the pipeline shares publicly: a public image is deprecated at most 2 years (730 days) after its creation"),
            help: "set deprecate_after = \"730d\" or less, or remove it (public images are deprecated after 2 years anyway)".into(),
        };
        let span = lc
            .get_ref()
            .deprecate_after
            .as_ref()
            .map_or(lc.span(), |x| x.span());
        ctx.err(
            Some(span),
            prefix.key("lifecycle").key("deprecate_after"),
            v.reason(),
            Some(&v.help),
        );
    }
    let builder_type = instance_type(
        ctx,
        p.builder_instance_type.as_ref(),
        &prefix.key("builder_instance_type"),
    );
    let test_type = instance_type(
        ctx,
        p.test_instance_type.as_ref(),
        &prefix.key("test_instance_type"),
    );
    if ctx.error_count() > before {
        return None;
    }
    Some(Pipeline {
        name: p.name.get_ref().clone(),
        tool,
        distribution_timeout,
        step_timeouts,
        packer_waits,
        retry_distribution,
        encrypt_boot: source.encrypt_boot.is_some(),
        existing_image,
        kind: Kind::Build {
            builder_instance_type: builder_type.unwrap_or_else(|| "m5.large".into()),
            test_instance_type: test_type.unwrap_or_else(|| "t3.medium".into()),
        },
        region: region?,
        platform,
        base_owner,
        volumes,
        components,
        tests,
        owner,
        encryption,
        product_codes,
        distributions,
        copies,
        schedule: schedule?,
        latency,
        lifecycle,
    })
}

/// `aws_polling`: Packer's waiters, with its arithmetic (docs/sources.md#packer-waiters).
fn packer_waits(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<RawAwsPolling>>,
    tool: Tool,
    prefix: &str,
) -> Option<PackerWaits> {
    let path = prefix.key("aws_polling");
    if tool != Tool::Packer {
        if let Some(r) = raw {
            not_this_tool(
                ctx,
                r.span(),
                path,
                "aws_polling is Packer's waiter setting",
                "remove it, or set tool = \"packer\" (other clients' waiters are [faults] client)",
            );
        }
        return None;
    }
    let r = raw.map(|r| r.get_ref());
    let delay = r
        .and_then(|r| r.delay_seconds.as_ref())
        .and_then(|d| ctx.count(d, &path.key("delay_seconds"), (1, 3600), None));
    let attempts = r
        .and_then(|r| r.max_attempts.as_ref())
        .and_then(|n| ctx.count(n, &path.key("max_attempts"), (1, 100_000), None));
    Some(PackerWaits::from_polling(
        delay.map(u64::from),
        attempts.map(u64::from),
    ))
}

/// `[pipeline.step_timeouts]`: Image Builder's defaults, each overridable in
/// whole minutes within the range AWS allows (docs/sources.md#image-builder-steps).
fn step_timeouts(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<RawStepTimeouts>>,
    tool: Tool,
    prefix: &str,
) -> Option<StepTimeouts> {
    if tool != Tool::ImageBuilder {
        if let Some(r) = raw {
            not_this_tool(
                ctx,
                r.span(),
                prefix.key("step_timeouts"),
                "step_timeouts are Image Builder's workflow steps",
                IMAGE_BUILDER_ONLY,
            );
        }
        return None;
    }
    let path = prefix.key("step_timeouts");
    let mut pick = |v: Option<&Spanned<Dur>>, key: &str, default: u64, max: u64| {
        let Some(v) = v else {
            return SimDuration::from_mins(default);
        };
        let d = v.get_ref().0;
        if d < SimDuration::from_mins(1)
            || d > SimDuration::from_mins(max)
            || d.as_millis() % 60_000 != 0
        {
            ctx.err(
                Some(v.span()),
                path.key(key),
                format!("Image Builder's {key} time-out is whole minutes from 1 to {max}"),
                Some(&format!("e.g. {key} = \"{}m\" (the default)", default)),
            );
        }
        d
    };
    let r = raw.map(|r| r.get_ref());
    Some(StepTimeouts {
        // AWS gives no maximum for LaunchInstance; amisim takes up to 720 min.
        launch_instance: pick(
            r.and_then(|r| r.launch_instance.as_ref()),
            "launch_instance",
            facts::IMAGE_BUILDER_LAUNCH_TIMEOUT_MIN,
            720,
        ),
        execute_components: pick(
            r.and_then(|r| r.execute_components.as_ref()),
            "execute_components",
            facts::IMAGE_BUILDER_COMPONENTS_TIMEOUT_MIN,
            24 * 60,
        ),
        create_image: pick(
            r.and_then(|r| r.create_image.as_ref()),
            "create_image",
            facts::IMAGE_BUILDER_CREATE_IMAGE_TIMEOUT_MIN,
            3 * 24 * 60,
        ),
    })
}

/// `[pipeline.lifecycle]`: by count (`keep_last`) and/or by age (`max_age`, `keep_at_least`).
fn resolve_lifecycle(
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
        let v = v?;
        let d = ctx.positive_duration(v, &path.key(key), &format!("{key} = \"30d\""))?;
        let day = 86_400_000;
        let days = d.as_millis() / day;
        let whole = d.as_millis().is_multiple_of(day);
        let in_range = (1..=1000).contains(&days)
            || (days.is_multiple_of(7) && (1..=1000).contains(&(days / 7)));
        if ib && !(whole && in_range) {
            ctx.err(
                Some(v.span()),
                path.key(key),
                format!("Image Builder's lifecycle ages are 1 to 1000 whole days, weeks, months or years; {d} is not one"),
                Some(&format!("write whole days or weeks, e.g. {key} = \"90d\" or \"12w\" (a number of months or years as its days)")),
            );
            return None;
        }
        Some(d)
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
    // The team's own archiving (ModifySnapshotTier), any duration; only
    // once the AMI is disabled.
    let archive_after = l.archive_after.as_ref().and_then(|a| {
        let d = ctx.positive_duration(a, &path.key("archive_after"), "archive_after = \"90d\"")?;
        if disable_after.is_none_or(|x| x > d) {
            let v = RuleViolation {
                rule: Rule::ArchiveRequiresDisabled,
                message: format!("the snapshots are archived {d} after creation, before the image is disabled"),
                help: format!("set disable_after = \"{d}\" or less (a snapshot behind an AMI can be archived only once the AMI is disabled)"),
            };
            ctx.err(Some(a.span()), path.key("archive_after"), v.reason(), Some(&v.help));
            return None;
        }
        Some(d)
    });
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

/// `volume` tables, in order; the ones with errors left out.
pub(super) fn resolve_volumes(
    ctx: &mut Ctx<'_>,
    raw: &[Spanned<RawVolume>],
    prefix: &str,
) -> Vec<Volume> {
    let path = prefix.key("volume");
    raw.iter()
        .enumerate()
        .filter_map(|(j, v)| resolve_volume(ctx, v, &path.at(j), j))
        .collect()
}

fn resolve_volume(
    ctx: &mut Ctx<'_>,
    sv: &Spanned<RawVolume>,
    path: &str,
    j: usize,
) -> Option<Volume> {
    let v = sv.get_ref();
    let before = ctx.error_count();
    let mut gib = |x: &Spanned<f64>, key: &str| ctx.size_gib(x, &path.key(key), key);
    let size = gib(&v.size_gib, "size_gib");
    let data = gib(&v.data_gib, "data_gib");
    let changed = v.changed_gib.as_ref().map(|c| gib(c, "changed_gib"));
    if ctx.error_count() > before {
        return None;
    }
    if size == 0.0 {
        ctx.err(
            Some(v.size_gib.span()),
            path.key("size_gib"),
            "a volume must be larger than 0 GiB",
            Some("EBS volumes are at least 1 GiB"),
        );
    }
    if data > size {
        ctx.err(
            Some(v.data_gib.span()),
            path.key("data_gib"),
            format!("data_gib ({data}) is larger than the volume (size_gib = {size})"),
            Some("data_gib is the data written on the volume, at most its size"),
        );
    }
    // Default changed data per build: 10 % of the data. ASSUMPTION (no AWS figure).
    let changed = changed.unwrap_or(data * 0.1);
    if changed > data {
        ctx.err(
            Some(sv.span()),
            path.key("changed_gib"),
            format!("changed_gib ({changed}) is larger than data_gib ({data})"),
            Some("changed_gib is the part of the data one build rewrites"),
        );
    }
    let device = v.device.as_ref().map(|d| {
        if !valid_device(d.get_ref()) {
            ctx.err(
                Some(d.span()),
                path.key("device"),
                format!("{:?} is not a device name", d.get_ref()),
                Some("a device name is like /dev/xvda, /dev/sdf or xvdf (Windows): letters and digits, optionally after /dev/"),
            );
        }
        d.get_ref().clone()
    });
    if ctx.error_count() > before {
        return None;
    }
    Some(Volume {
        device: device.unwrap_or_else(|| {
            if j == 0 {
                "/dev/xvda".into()
            } else {
                format!("/dev/xvd{}", (b'a' + (j % 26) as u8) as char)
            }
        }),
        size_gib: size,
        data_gib: data,
        changed_gib: changed,
    })
}

fn resolve_steps(ctx: &mut Ctx<'_>, steps: &[RawStep], prefix: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for (j, s) in steps.iter().enumerate() {
        let path = prefix.at(j);
        let Some(spec) = &s.duration else {
            ctx.err(
                Some(s.name.span()),
                path.key("duration"),
                format!("step \"{}\" has no duration", s.name.get_ref()),
                Some("give duration = \"10m\" (or a distribution), or a calibration (`calibration = \"calibration.toml\"`, from `amisim fit`) with this step's name"),
            );
            continue;
        };
        let duration = ctx.dur_dist(spec, &path.key("duration"));
        let p = s.failure_probability.as_ref().map_or(0.0, |f| {
            let help = "e.g. failure_probability = 0.02 for 2 %";
            ctx.probability(f, &path.key("failure_probability"), help)
                .unwrap_or(*f.get_ref())
        });
        if let Some(duration) = duration {
            out.push(Step {
                name: s.name.get_ref().clone(),
                duration,
                failure_probability: p,
            });
        }
    }
    out
}

/// `existing_image`: a script's copies of an image made elsewhere; no
/// build, so no components or tests.
fn existing_image(ctx: &mut Ctx<'_>, sp: &Spanned<RawPipeline>, tool: Tool, prefix: &str) -> bool {
    let p = sp.get_ref();
    let Some(e) = p.existing_image.as_ref().filter(|e| *e.get_ref()) else {
        return false;
    };
    if tool != Tool::Sdk {
        ctx.err(
            Some(e.span()),
            prefix.key("existing_image"),
            "Image Builder and Packer always build the image they distribute",
            Some("set tool = \"sdk\" for a script or Terraform that copies an existing image"),
        );
    }
    for (steps, key) in [(&p.component, "component"), (&p.test, "test")] {
        if let Some(s) = steps.first() {
            ctx.err(
                Some(s.name.span()),
                prefix.key(key),
                format!("pipeline \"{}\" copies an existing image: it runs no {key}", p.name.get_ref()),
                Some("remove its [[pipeline.component]] and [[pipeline.test]] tables, or drop existing_image to build the image"),
            );
        }
    }
    true
}

/// An EC2 instance type's shape: a family, a dot, a size (`m5.large`,
/// `u-6tb1.metal`); an empty or malformed one is refused at its key.
fn instance_type(ctx: &mut Ctx<'_>, v: Option<&Spanned<String>>, path: &str) -> Option<String> {
    let v = v?;
    let t = v.get_ref();
    // Family and size: lowercase letters, digits and hyphens (`c7i.metal-24xl`).
    let part = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let ok = t
        .split_once('.')
        .is_some_and(|(family, size)| part(family) && part(size));
    if !ok {
        ctx.err(
            Some(v.span()),
            path,
            format!("{t:?} is not an EC2 instance type"),
            Some("an instance type is a family and a size, e.g. \"m5.large\" or \"c7i.xlarge\""),
        );
    }
    Some(t.clone())
}

/// A block device name: letters and digits, optionally after `/dev/`.
fn valid_device(d: &str) -> bool {
    let name = d.strip_prefix("/dev/").unwrap_or(d);
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}
