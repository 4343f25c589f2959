//! The keys one tool has and the others do not: Packer's waiters and
//! `encrypt_boot`, Image Builder's time-outs and RetryImage, a script's
//! `existing_image`. Each is refused, with the fix, on another tool's pipeline.

use toml::Spanned;

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use crate::aws::directory::Encryption;
use crate::aws::facts;
use crate::aws::rules::KeyChoice;
use crate::engine::SimDuration;
use crate::pipeline::config::{ApiRetry, PackerWaits, RetryImage, StepTimeouts, Tool};
use crate::scenario::raw::{RawAwsPolling, RawPipeline, RawStepTimeouts};
use crate::scenario::spec::Dur;

/// The fix for a key of Image Builder's on another tool's pipeline.
pub(super) const IMAGE_BUILDER_ONLY: &str = "remove it, or set tool = \"image_builder\"";

/// A key of one tool's on a pipeline another tool runs: refused with the fix.
pub(super) fn not_this_tool(
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

/// `aws_polling`: Packer's waiters, with its arithmetic (docs/sources.md#packer-waiters).
pub(super) fn packer_waits(
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
pub(super) fn step_timeouts(
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
        // The maxima AWS gives (docs/sources.md#image-builder-steps).
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

/// `existing_image`: a script's copies of an image made elsewhere; no
/// build, so no components or tests.
pub(super) fn existing_image(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    tool: Tool,
    prefix: &str,
) -> bool {
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

/// Packer's `encrypt_boot` (docs/sources.md#packer-flow): the key of the
/// final image, `Some(None)` for the copier's default key; refused on
/// another tool's pipeline.
pub(super) fn encrypt_boot(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    tool: Tool,
    encryption: Encryption,
    prefix: &str,
) -> Option<Option<KeyChoice>> {
    match &p.encrypt_boot {
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
    }
}

/// Image Builder's DistributeImage time-out: 360 min by default, whole
/// minutes from 30 to 720 (docs/sources.md#image-builder-steps); `None`
/// for the other tools.
pub(super) fn distribution_timeout(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    tool: Tool,
    prefix: &str,
) -> Option<SimDuration> {
    match (&p.distribution_timeout, tool) {
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
    }
}

/// `retry`: Image Builder's RetryImage
/// (docs/sources.md#retry-image), its retries and the wait before each.
pub(super) fn retry_image(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    tool: Tool,
    prefix: &str,
) -> Option<RetryImage> {
    let r = p.retry.as_ref()?;
    let path = prefix.key("retry");
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
    let (mut distribution, mut test) = (raw.phases.is_none(), raw.phases.is_none());
    let key = path.key("phases");
    for phase in raw.phases.iter().flat_map(|v| v.get_ref()) {
        match RETRY_PHASE.pick(ctx, Some(phase), &key) {
            Phase::Distribution => distribution = true,
            Phase::Test => test = true,
        }
    }
    if !distribution && !test {
        let span = raw.phases.as_ref().map(Spanned::span);
        let fix = "list \"distribution\", \"test\" or both, or remove retry";
        ctx.err(span, key, "retries no phase", Some(fix));
    }
    Some(RetryImage {
        attempts: u8::try_from(n).ok()?,
        delay,
        distribution,
        test,
    })
}

#[derive(Clone, Copy)]
enum Phase {
    Distribution,
    Test,
}

/// The phases RetryImage resumes (docs/sources.md#retry-image); its
/// integration phase has no counterpart in amisim.
const RETRY_PHASE: Choice<Phase> = Choice {
    what: "RetryImage phase",
    words: &[
        ("distribution", Phase::Distribution, ""),
        ("test", Phase::Test, ""),
    ],
};

/// How the pipeline's client retries a throttled call: `api_max_attempts`,
/// else its tool's (docs/sources.md#sdk-retry): Packer's 10, Image Builder
/// until the step's time-out (an assumption), scripts the SDK's.
pub(super) fn api_retry(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<i64>>,
    tool: Tool,
    prefix: &str,
) -> ApiRetry {
    let given = raw.and_then(|n| ctx.count(n, &prefix.key("api_max_attempts"), (1, 100), None));
    match (given, tool) {
        (Some(n), _) => ApiRetry::Attempts(n),
        (None, Tool::Packer) => ApiRetry::Attempts(facts::PACKER_MAX_RETRIES),
        (None, Tool::ImageBuilder) => ApiRetry::UntilStepTimeout,
        (None, Tool::Sdk) => ApiRetry::Sdk,
    }
}
