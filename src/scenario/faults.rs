//! `[faults]`, `[[incident]]` and `[api]`: failure injection, Region
//! incidents, throttling and retries.

use std::collections::BTreeMap;

use toml::Spanned;

use super::raw::{RawApi, RawBucket, RawFaults, RawIncident};
use super::resolve::Ctx;
use crate::aws::facts;
use crate::dist::Dur;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{Api, BucketSpec, Faults, Incident, RegionId};

fn probability(ctx: &mut Ctx<'_>, v: Option<&Spanned<f64>>, path: &str) -> f64 {
    let Some(v) = v else { return 0.0 };
    let x = *v.get_ref();
    if !(0.0..=1.0).contains(&x) {
        ctx.err(
            Some(v.span()),
            path,
            format!("a probability must be between 0 and 1, got {x}"),
            Some("e.g. 0.02 for 2 %"),
        );
        return 0.0;
    }
    x
}

fn attempts(ctx: &mut Ctx<'_>, v: Option<&Spanned<i64>>, path: &str, default: u32) -> u32 {
    let Some(v) = v else { return default };
    let n = *v.get_ref();
    if !(1..=100).contains(&n) {
        ctx.err(
            Some(v.span()),
            path,
            format!("must be between 1 and 100, got {n}"),
            Some("1 means no retry"),
        );
        return default;
    }
    n as u32
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
    // source: aws-facts.md §1.7 (client waiters) and §1.5 (Image Builder step timeout).
    if let Some(c) = &r.client {
        let mins = match c.get_ref().as_str() {
            "image_builder" => Some(facts::WAITER_IMAGE_BUILDER_MIN),
            "aws_sdk" => Some(facts::WAITER_AWS_SDK_MIN),
            "packer" => Some(facts::WAITER_PACKER_MIN),
            "terraform" => Some(facts::WAITER_TERRAFORM_MIN),
            other => {
                ctx.err(Some(c.span()), "faults.client", format!("unknown client \"{other}\""), Some("use \"image_builder\" (720 min), \"aws_sdk\" (10 min), \"packer\" (30 min) or \"terraform\" (40 min)"));
                None
            }
        };
        f.waiter_timeout = mins.map(SimDuration::from_mins);
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
    names: &BTreeMap<String, RegionId>,
    raw: &[Spanned<RawIncident>],
) -> Vec<Incident> {
    let mut out = Vec::new();
    for (i, si) in raw.iter().enumerate() {
        let r = si.get_ref();
        let path = format!("incident[{i}]");
        let region = ctx.region(names, &r.region, &format!("{path}.region"));
        if r.start.is_some() == r.mean_interval.is_some() {
            ctx.err(Some(si.span()), path.clone(), "an incident needs exactly one of `start` (a fixed window) and `mean_interval` (random windows)", Some("e.g. start = \"3d\", duration = \"8h\""));
        }
        if r.duration.get_ref().0 == SimDuration::ZERO {
            ctx.err(
                Some(r.duration.span()),
                format!("{path}.duration"),
                "must be longer than zero",
                None,
            );
        }
        if let Some(m) = &r.mean_interval
            && m.get_ref().0 == SimDuration::ZERO
        {
            ctx.err(
                Some(m.span()),
                format!("{path}.mean_interval"),
                "must be longer than zero",
                None,
            );
        }
        let slowdown = r.slowdown.as_ref().map_or(1.0, |s| {
            let x = *s.get_ref();
            if !(x.is_finite() && x >= 1.0) {
                ctx.err(
                    Some(s.span()),
                    format!("{path}.slowdown"),
                    format!("a slowdown factor must be at least 1, got {x}"),
                    Some("e.g. slowdown = 3.0 for three times slower"),
                );
            }
            x
        });
        let failure_probability = probability(
            ctx,
            r.failure_probability.as_ref(),
            &format!("{path}.failure_probability"),
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

/// `[api]`; defaults from aws-facts.md §2.3 and the SDKs' standard retry mode.
pub(super) fn resolve_api(ctx: &mut Ctx<'_>, raw: Option<&RawApi>) -> Api {
    let empty = RawApi {
        throttling: None,
        copy_image: None,
        run_instances: None,
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

/// `[cost]`: defaults from aws-facts.md §3 (see `aws::facts`), overridden here.
pub(super) fn resolve_prices(
    ctx: &mut Ctx<'_>,
    names: &BTreeMap<String, RegionId>,
    regions: &[String],
    raw: Option<&super::raw::RawCost>,
) -> crate::pipeline::config::Prices {
    let price = |ctx: &mut Ctx<'_>, v: Option<&Spanned<f64>>, path: &str, default: f64| {
        v.map_or(default, |v| {
            let x = *v.get_ref();
            if !(x.is_finite() && x >= 0.0) {
                ctx.err(
                    Some(v.span()),
                    path,
                    format!("a price must be a non-negative number of dollars, got {x}"),
                    None,
                );
                return default;
            }
            x
        })
    };
    let ebs = price(
        ctx,
        raw.and_then(|r| r.ebs_usd_per_gb_month.as_ref()),
        "cost.ebs_usd_per_gb_month",
        facts::EBS_GP3_USD_PER_GB_MONTH,
    );
    let snap = price(
        ctx,
        raw.and_then(|r| r.snapshot_usd_per_gb_month.as_ref()),
        "cost.snapshot_usd_per_gb_month",
        facts::SNAPSHOT_USD_PER_GB_MONTH,
    );
    let transfer = price(
        ctx,
        raw.and_then(|r| r.transfer_usd_per_gb.as_ref()),
        "cost.transfer_usd_per_gb",
        facts::TRANSFER_USD_PER_GB,
    );
    let kms = price(
        ctx,
        raw.and_then(|r| r.kms_key_usd_per_month.as_ref()),
        "cost.kms_key_usd_per_month",
        facts::KMS_KEY_USD_PER_MONTH,
    );
    let mut instance: BTreeMap<String, f64> = facts::INSTANCE_USD_PER_HOUR
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let mut per_source: Vec<f64> = regions
        .iter()
        .map(|r| {
            if facts::TRANSFER_EXPENSIVE_SOURCES.contains(&r.as_str()) {
                facts::TRANSFER_EXPENSIVE_USD_PER_GB
            } else {
                transfer
            }
        })
        .collect();
    if let Some(r) = raw {
        for (k, v) in &r.instance_usd_per_hour {
            let x = price(
                ctx,
                Some(v),
                &format!("cost.instance_usd_per_hour.\"{k}\""),
                0.0,
            );
            instance.insert(k.clone(), x);
        }
        for (k, v) in &r.transfer_from {
            let x = price(
                ctx,
                Some(v),
                &format!("cost.transfer_from.\"{k}\""),
                transfer,
            );
            match names.get(k) {
                Some(id) => per_source[(*id).index()] = x,
                None => ctx.err(
                    Some(v.span()),
                    format!("cost.transfer_from.\"{k}\""),
                    format!("Region \"{k}\" is not declared in this scenario"),
                    Some("price only declared Regions"),
                ),
            }
        }
    }
    let pair = |a: &str, b: &str| {
        Some((
            *names.get(a)?,
            *names.get(b)?,
            facts::TRANSFER_US_EAST_PAIR_USD_PER_GB,
        ))
    };
    crate::pipeline::config::Prices {
        instance_usd_per_hour: instance,
        ebs_usd_per_gb_month: ebs,
        snapshot_usd_per_gb_month: snap,
        transfer_usd_per_gb: per_source,
        transfer_pairs: pair("us-east-1", "us-east-2").into_iter().collect(),
        kms_key_usd_per_month: kms,
        hours_per_month: facts::HOURS_PER_MONTH,
        min_instance_billing: SimDuration::from_secs(facts::MIN_BILLED_S),
    }
}
