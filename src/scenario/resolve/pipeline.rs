//! `[[pipeline]]`: its owner, image, steps, latencies, distributions,
//! schedule and lifecycle.

use chrono::{DateTime, Utc};
use toml::Spanned;

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use super::distribution::resolve_distributions;
use super::latency::{PLATFORM, latencies};
use super::lifecycle::{public_deprecation, public_images_quota, resolve_lifecycle};
use super::owner::{KeyUser, Source, resolve_owner_encryption};
use super::schedule::resolve_schedule;
use super::tool_keys::{
    distribution_timeout, encrypt_boot, existing_image, packer_waits, retry_image, step_timeouts,
};
use super::values::SizeOf;
use crate::aws::directory::{Directory, Encryption};
use crate::aws::facts;
use crate::engine::SimTime;
use crate::pipeline::config::{
    BaseOwner, Distribution, Pipeline, PipelineKind, Platform, RegionId, Step, Tool, Volume,
};
use crate::scenario::raw::{RawLatency, RawPipeline, RawStep, RawVolume};

/// What every pipeline and migration is resolved against.
pub(super) struct Shared<'a> {
    pub(super) global: &'a RawLatency,
    pub(super) dir: &'a Directory,
    pub(super) start: DateTime<Utc>,
    pub(super) horizon: SimTime,
    /// The scenario's quotas.
    pub(super) quotas: crate::aws::quotas::Quotas,
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
    let owner_key = prefix.key("base_image_owner");
    let base_owner = BASE_OWNER.pick(ctx, p.base_image_owner.as_ref(), &owner_key);
    let source = resolve_source(ctx, sh, p, prefix, (region, tool, base_owner));
    let (owner, encryption, product_codes) =
        (source.owner, source.encryption, source.product_codes);
    super::distribution::refuse_image_builder_completion(ctx, p, tool, prefix);
    let (distributions, copies, volumes, container) =
        image(ctx, sh, sp, prefix, (&source, tool, region));

    let mut distribution_timeout = distribution_timeout(ctx, p, tool, prefix);
    if container.is_some() {
        distribution_timeout = super::container::container_timeout(p, distribution_timeout);
    }
    let step_timeouts = step_timeouts(ctx, p.step_timeouts.as_ref(), tool, prefix);
    let packer_waits = packer_waits(ctx, p.aws_polling.as_ref(), tool, prefix);
    let api_retry = super::tool_keys::api_retry(ctx, p.api_max_attempts.as_ref(), tool, prefix);
    let retry = retry_image(ctx, p, tool, prefix);
    let (components, tests, existing_image, test_phase) = recipe(ctx, sp, tool, prefix);
    let steps = super::workflow::optional_steps(ctx, p, (tool, container.is_some()), prefix);

    let fast_launch = fast_launch(ctx, p, platform, prefix);
    let own = (p.latency.as_ref(), prefix);
    let latency = latencies(ctx, (platform, fast_launch), sh.global, own);

    let schedule = resolve_schedule(ctx, sp, prefix, tool, sh.start, sh.horizon);
    let lifecycle = resolve_lifecycle(ctx, p.lifecycle.as_ref(), tool, prefix);

    if distributions.iter().any(Distribution::is_public) {
        let at = (sh.horizon, &sh.quotas);
        public_images_quota(ctx, at, sp, prefix, (schedule.as_ref(), &lifecycle));
        public_deprecation(ctx, p, prefix, &lifecycle);
    }
    let kind = instance_types(ctx, p, prefix);
    if ctx.error_count() > before {
        return None;
    }
    Some(Pipeline {
        name: p.name.get_ref().clone(),
        tool,
        distribution_timeout,
        step_timeouts,
        packer_waits,
        api_retry,
        retry,
        encrypt_boot: source.encrypt_boot.is_some(),
        existing_image,
        test_phase,
        optional_steps: steps,
        kind,
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
        container,
    })
}

/// What the pipeline makes: an AMI's distributions, copies and volumes, or
/// a container image's settings.
type Made = (
    Vec<Distribution>,
    Vec<crate::pipeline::config::CopyPlan>,
    Vec<Volume>,
    Option<Box<crate::pipeline::config::Container>>,
);

fn image(
    ctx: &mut Ctx<'_>,
    sh: &Shared<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    (source, tool, region): (&Source<'_>, Tool, Option<RegionId>),
) -> Made {
    let p = sp.get_ref();
    if super::container::is_container(ctx, p, prefix) {
        let at = (tool, region, source.owner);
        let c = super::container::resolve_container(ctx, sh.dir, sp, prefix, at);
        (Vec::new(), Vec::new(), Vec::new(), c)
    } else {
        let (d, c) = resolve_distributions(ctx, source, p, prefix);
        (d, c, pipeline_volumes(ctx, sp, prefix), None)
    }
}

/// The image a pipeline builds from and distributes: its owner and
/// encryption, checked against the build Region, and Packer's `encrypt_boot`.
fn resolve_source<'s>(
    ctx: &mut Ctx<'_>,
    sh: &'s Shared<'_>,
    p: &RawPipeline,
    prefix: &str,
    (region, tool, base_owner): (Option<RegionId>, Tool, BaseOwner),
) -> Source<'s> {
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
        ctx.rule_error(p.region.span(), prefix.key("region"), &v);
    }
    let product_codes = base_owner == BaseOwner::Marketplace;
    let encrypt_boot = encrypt_boot(ctx, p, tool, encryption, prefix);
    // With encrypt_boot the build makes an unencrypted intermediary image.
    let encryption = if encrypt_boot.is_some() {
        Encryption::None
    } else {
        encryption
    };
    Source {
        dir: sh.dir,
        quotas: &sh.quotas,
        build_region: region,
        owner,
        encryption,
        product_codes,
        encrypt_boot,
    }
}

/// The builder's and test instance's types: `m5.large` and `t3.medium`
/// unless the pipeline says.
fn instance_types(ctx: &mut Ctx<'_>, p: &RawPipeline, prefix: &str) -> PipelineKind {
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
    PipelineKind::Build {
        builder_instance_type: builder_type.unwrap_or_else(|| "m5.large".into()),
        test_instance_type: test_type.unwrap_or_else(|| "t3.medium".into()),
    }
}

/// The build components, the tests, whether the image exists already (no
/// build), and whether a test phase runs, within Image Builder's recipe limits.
fn recipe(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    tool: Tool,
    prefix: &str,
) -> (Vec<Step>, Vec<Step>, bool, bool) {
    let p = sp.get_ref();
    let components = resolve_steps(ctx, &p.component, &prefix.key("component"));
    recipe_limits(ctx, sp, tool, prefix);
    let tests = resolve_steps(ctx, &p.test, &prefix.key("test"));
    let existing = existing_image(ctx, sp, tool, prefix);
    (
        components,
        tests,
        existing,
        test_phase(ctx, p, tool, prefix),
    )
}

/// Image Builder's recipe limits (docs/sources.md#quota-components): at
/// least one build component, at most 20 build and test components together
/// (fixed).
fn recipe_limits(ctx: &mut Ctx<'_>, sp: &Spanned<RawPipeline>, tool: Tool, prefix: &str) {
    let p = sp.get_ref();
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
}

/// `tests_enabled`: Image Builder's `imageTestsEnabled` (docs/sources.md#image-tests);
/// `false` skips the test phase, so the pipeline may not list tests.
fn test_phase(ctx: &mut Ctx<'_>, p: &RawPipeline, tool: Tool, prefix: &str) -> bool {
    let Some(t) = p.tests_enabled.as_ref() else {
        return true;
    };
    let path = prefix.key("tests_enabled");
    if tool != Tool::ImageBuilder {
        ctx.err(
            Some(t.span()),
            path,
            "tests_enabled is Image Builder's imageTestsEnabled; a Packer or sdk pipeline tests only with [[pipeline.test]]",
            Some("remove tests_enabled (no [[pipeline.test]] means no test phase)"),
        );
    } else if !*t.get_ref() && !p.test.is_empty() {
        ctx.err(
            Some(t.span()),
            path,
            "tests_enabled = false skips the test phase, and the pipeline lists tests",
            Some("remove the [[pipeline.test]] entries, or set tests_enabled = true"),
        );
    }
    *t.get_ref()
}

/// `fast_launch`: EC2 Fast Launch, for Windows images only.
fn fast_launch(ctx: &mut Ctx<'_>, p: &RawPipeline, platform: Platform, prefix: &str) -> bool {
    let Some(f) = p.fast_launch.as_ref().filter(|f| *f.get_ref()) else {
        return false;
    };
    if platform != Platform::Windows {
        ctx.err(
            Some(f.span()),
            prefix.key("fast_launch"),
            "EC2 Fast Launch is for Windows AMIs only",
            Some("remove fast_launch, or set platform = \"windows\""),
        );
    }
    true
}

/// A pipeline's volumes: at least its root volume.
fn pipeline_volumes(ctx: &mut Ctx<'_>, sp: &Spanned<RawPipeline>, prefix: &str) -> Vec<Volume> {
    let p = sp.get_ref();
    let volumes = resolve_volumes(ctx, &p.volume, prefix);
    if p.volume.is_empty() {
        ctx.err(Some(sp.span()), prefix.key("volume"), format!("pipeline \"{}\" has no volume", p.name.get_ref()), Some("add [[pipeline.volume]] with size_gib and data_gib (an image has at least its root volume)"));
    }
    volumes
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
    let mut gib =
        |x: &Spanned<f64>, key: &str| ctx.size_gib(x, &path.key(key), (key, SizeOf::Volume));
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
