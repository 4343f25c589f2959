//! `[faults]`, `[[incident]]` and `[api]`: failure injection, Region
//! incidents, throttling and retries.

use toml::Spanned;

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{Api, BucketSpec, Faults, Incident};
use crate::scenario::raw::{RawApi, RawBucket, RawFaults, RawIncident};
use crate::scenario::spec::Dur;

/// `client`: whose waiter bounds a copy, in minutes (docs/sources.md#waiters).
const CLIENT: Choice<u64> = Choice {
    what: "client",
    words: &[
        ("image_builder", facts::WAITER_IMAGE_BUILDER_MIN, "720 min"),
        ("aws_sdk", facts::WAITER_AWS_SDK_MIN, "10 min"),
        ("packer", facts::WAITER_PACKER_MIN, "30 min"),
        ("terraform", facts::WAITER_TERRAFORM_MIN, "40 min"),
    ],
};

/// A probability, 0 when absent or out of range.
fn probability(ctx: &mut Ctx<'_>, v: Option<&Spanned<f64>>, path: &str) -> f64 {
    v.and_then(|v| ctx.probability(v, path, "e.g. 0.02 for 2 %"))
        .unwrap_or(0.0)
}

/// Attempts in 1..=100, `default` when absent or out of range.
fn attempts(ctx: &mut Ctx<'_>, v: Option<&Spanned<i64>>, path: &str, default: u32) -> u32 {
    v.and_then(|v| ctx.count(v, path, (1, 100), Some("1 means no retry")))
        .unwrap_or(default)
}

fn dur(v: Option<&Spanned<Dur>>, default: SimDuration) -> SimDuration {
    v.map_or(default, |d| d.get_ref().0)
}

/// `[faults]`; defaults: nothing fails, no retry, no client waiter (Image Builder's own 720-min step timeout is far above any copy).
pub(super) fn resolve_faults(ctx: &mut Ctx<'_>, raw: Option<&RawFaults>) -> Faults {
    let mut f = Faults::default();
    let Some(r) = raw else { return f };
    f.launch_failure_probability = probability(
        ctx,
        r.launch_failure_probability.as_ref(),
        "faults.launch_failure_probability",
    );
    f.snapshot_failure_probability = probability(
        ctx,
        r.snapshot_failure_probability.as_ref(),
        "faults.snapshot_failure_probability",
    );
    f.copy_failure_probability = probability(
        ctx,
        r.copy_failure_probability.as_ref(),
        "faults.copy_failure_probability",
    );
    f.max_attempts = attempts(ctx, r.max_attempts.as_ref(), "faults.max_attempts", 1);
    f.retry_backoff = dur(r.retry_backoff.as_ref(), f.retry_backoff);
    f.retry_backoff_max = dur(r.retry_backoff_max.as_ref(), f.retry_backoff_max);
    // source: docs/sources.md#waiters and #image-builder-steps.
    if r.client.is_some() {
        let mins = CLIENT.pick(ctx, r.client.as_ref(), "faults.client");
        f.waiter_timeout = Some(SimDuration::from_mins(mins));
    }
    if let Some(w) = &r.waiter_timeout {
        if w.get_ref().0 == SimDuration::ZERO {
            ctx.err(
                Some(w.span()),
                "faults.waiter_timeout",
                "must be longer than zero",
                Some("e.g. waiter_timeout = \"30m\""),
            );
        }
        f.waiter_timeout = Some(w.get_ref().0);
    }
    f
}

/// `[[incident]]`: a fixed window (`start`) or random ones (`mean_interval`).
pub(super) fn resolve_incidents(
    ctx: &mut Ctx<'_>,
    raw: &[Spanned<RawIncident>],
    horizon: SimTime,
) -> Vec<Incident> {
    let mut out = Vec::new();
    for (i, si) in raw.iter().enumerate() {
        let r = si.get_ref();
        let path = "incident".at(i);
        let region = ctx.region(&r.region, &path.key("region"));
        if r.start.is_some() == r.mean_interval.is_some() {
            ctx.err(Some(si.span()), path.clone(), "an incident needs exactly one of `start` (a fixed window) and `mean_interval` (random windows)", Some("e.g. start = \"3d\", duration = \"8h\""));
        }
        if r.duration.get_ref().0 == SimDuration::ZERO {
            ctx.err(
                Some(r.duration.span()),
                path.key("duration"),
                "must be longer than zero",
                Some("e.g. duration = \"4h\""),
            );
        }
        if let Some(m) = &r.mean_interval {
            let mean = m.get_ref().0.as_millis();
            if mean == 0 {
                ctx.err(
                    Some(m.span()),
                    path.key("mean_interval"),
                    "must be longer than zero",
                    Some("e.g. mean_interval = \"90d\" for an incident every three months on average"),
                );
            } else if !ctx.occurrences(
                m.span(),
                &path.key("mean_interval"),
                horizon.0 / mean,
                "an incident starts on average",
                horizon,
            ) {
                continue;
            }
        }
        let slowdown = r.slowdown.as_ref().map_or(1.0, |s| {
            let x = *s.get_ref();
            if !(x.is_finite() && x >= 1.0) {
                ctx.err(
                    Some(s.span()),
                    path.key("slowdown"),
                    format!("a slowdown factor must be at least 1, got {x}"),
                    Some("e.g. slowdown = 3.0 for three times slower"),
                );
            }
            x
        });
        let failure_probability = probability(
            ctx,
            r.failure_probability.as_ref(),
            &path.key("failure_probability"),
        );
        if let Some(region) = region {
            out.push(Incident {
                region,
                start: r.start.as_ref().map(|s| SimTime(s.get_ref().0.as_millis())),
                mean_interval: r.mean_interval.as_ref().map(|m| m.get_ref().0),
                duration: r.duration.get_ref().0,
                slowdown,
                failure_probability,
            });
        }
    }
    out
}

fn bucket(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<RawBucket>>,
    path: &str,
    default: (u32, f64),
) -> BucketSpec {
    let Some(b) = raw else {
        return BucketSpec {
            capacity: default.0,
            refill_per_s: default.1,
        };
    };
    let r = b.get_ref();
    if r.capacity < 1
        || r.capacity > 1_000_000
        || !(r.refill_per_s.is_finite() && r.refill_per_s > 0.0)
    {
        ctx.err(
            Some(b.span()),
            path,
            format!(
                "a bucket needs capacity ≥ 1 and refill_per_s > 0, got {} and {}",
                r.capacity, r.refill_per_s
            ),
            Some("e.g. { capacity = 100, refill_per_s = 1 }"),
        );
        return BucketSpec {
            capacity: default.0,
            refill_per_s: default.1,
        };
    }
    BucketSpec {
        capacity: r.capacity as u32,
        refill_per_s: r.refill_per_s,
    }
}

/// `[api]`; defaults from docs/sources.md#throttling and #sdk-retry.
pub(super) fn resolve_api(ctx: &mut Ctx<'_>, raw: Option<&RawApi>) -> Api {
    let empty = RawApi {
        throttling: None,
        copy_image: None,
        run_instances: None,
        ecr_put_image: None,
        max_attempts: None,
        backoff_base: None,
        backoff_max: None,
    };
    let r = raw.unwrap_or(&empty);
    Api {
        throttling: r.throttling.unwrap_or(true),
        copy_image: bucket(
            ctx,
            r.copy_image.as_ref(),
            "api.copy_image",
            facts::COPY_IMAGE_BUCKET,
        ),
        run_instances: bucket(
            ctx,
            r.run_instances.as_ref(),
            "api.run_instances",
            facts::RUN_INSTANCES_BUCKET,
        ),
        ecr_put_image: bucket(
            ctx,
            r.ecr_put_image.as_ref(),
            "api.ecr_put_image",
            facts::ECR_PUT_IMAGE_BUCKET,
        ),
        max_attempts: attempts(
            ctx,
            r.max_attempts.as_ref(),
            "api.max_attempts",
            facts::SDK_MAX_ATTEMPTS,
        ),
        backoff_base: dur(
            r.backoff_base.as_ref(),
            SimDuration::from_secs(facts::SDK_BACKOFF_BASE_S),
        ),
        backoff_max: dur(
            r.backoff_max.as_ref(),
            SimDuration::from_secs(facts::SDK_BACKOFF_MAX_S),
        ),
    }
}
