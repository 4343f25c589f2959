//! `[latency]` and a pipeline's own `latency`: the defaults of
//! `aws::facts` for its platform, then the overrides.

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::law::{Law, Throughput};
use crate::pipeline::config::{Latencies, Platform};
use crate::scenario::raw::RawLatency;

/// `platform`: the first word is the default.
pub(super) const PLATFORM: Choice<Platform> = Choice {
    what: "platform",
    words: &[
        ("linux", Platform::Linux, ""),
        ("windows", Platform::Windows, ""),
    ],
};

fn lognormal(l: facts::Lognormal) -> Law {
    Law::lognormal_from_quantiles(l.median, l.p95).unwrap_or(Law::Fixed(l.median))
}

/// The default latencies of a platform (sources in `aws::facts`).
pub(super) fn default_latencies(platform: Platform) -> Latencies {
    let launch = lognormal(match platform {
        Platform::Linux => facts::LINUX_LAUNCH,
        Platform::Windows => facts::WINDOWS_LAUNCH,
    });
    Latencies {
        destination_launch: launch.clone(),
        instance_launch: launch,
        instance_ready: lognormal(facts::IMAGE_BUILDER_READY),
        sanitize: lognormal(match platform {
            Platform::Linux => facts::SANITIZE_LINUX,
            Platform::Windows => facts::SYSPREP_WINDOWS,
        }),
        instance_stop: lognormal(facts::STOP),
        instance_terminate: lognormal(facts::TERMINATE),
        register_image: lognormal(facts::REGISTER),
        share: lognormal(facts::SHARE),
        schedule_delay: Law::Uniform {
            min: 0.0,
            max: facts::SCHEDULE_DELAY_MAX_S,
        },
        snapshot: Throughput {
            overhead: lognormal(facts::SNAPSHOT_OVERHEAD),
            rate_mib_s: lognormal(facts::SNAPSHOT_THROUGHPUT_MIB_S),
        },
        copy: Throughput {
            overhead: lognormal(facts::COPY_OVERHEAD),
            rate_mib_s: lognormal(facts::COPY_THROUGHPUT_MIB_S),
        },
        container_bootstrap: lognormal(facts::CONTAINER_BOOTSTRAP),
        ecr_push: Throughput {
            overhead: lognormal(facts::ECR_PUSH_OVERHEAD),
            rate_mib_s: lognormal(facts::ECR_PUSH_THROUGHPUT_MIB_S),
        },
        ecr_pull: Throughput {
            overhead: lognormal(facts::ECR_PULL_OVERHEAD),
            rate_mib_s: lognormal(facts::ECR_PULL_THROUGHPUT_MIB_S),
        },
        ecr_replication: lognormal(facts::ECR_REPLICATION),
        collect_image_metadata: lognormal(facts::IMAGE_BUILDER_METADATA),
        collect_image_scan_findings: lognormal(facts::IMAGE_BUILDER_SCAN_FINDINGS),
    }
}

/// A platform's defaults, then the scenario's `[latency]`, then the entry's own.
pub(super) fn latencies(
    ctx: &mut Ctx<'_>,
    (platform, fast_launch): (Platform, bool),
    global: &RawLatency,
    (own, prefix): (Option<&RawLatency>, &str),
) -> Latencies {
    let mut latency = default_latencies(platform);
    apply_latency(ctx, &mut latency, global, "latency");
    if let Some(own) = own {
        apply_latency(ctx, &mut latency, own, &prefix.key("latency"));
    }
    // EC2 Fast Launch acts on launches of the output AMI once distributed
    // (destination tests), not on the builder's base image nor on Image
    // Builder's test of the new AMI before distribution (docs/sources.md#launch-windows).
    latency.destination_launch = if fast_launch {
        lognormal(facts::WINDOWS_FAST_LAUNCH)
    } else {
        latency.instance_launch.clone()
    };
    latency
}

/// Applies the overrides in `raw` on top of `lat`.
fn apply_latency(ctx: &mut Ctx<'_>, lat: &mut Latencies, raw: &RawLatency, prefix: &str) {
    let durs = [
        (
            &raw.instance_launch,
            &mut lat.instance_launch,
            "instance_launch",
        ),
        (
            &raw.instance_ready,
            &mut lat.instance_ready,
            "instance_ready",
        ),
        (&raw.sanitize, &mut lat.sanitize, "sanitize"),
        (&raw.instance_stop, &mut lat.instance_stop, "instance_stop"),
        (
            &raw.instance_terminate,
            &mut lat.instance_terminate,
            "instance_terminate",
        ),
        (
            &raw.register_image,
            &mut lat.register_image,
            "register_image",
        ),
        (
            &raw.schedule_delay,
            &mut lat.schedule_delay,
            "schedule_delay",
        ),
        (&raw.share, &mut lat.share, "share"),
        (
            &raw.container_bootstrap,
            &mut lat.container_bootstrap,
            "container_bootstrap",
        ),
        (
            &raw.ecr_replication,
            &mut lat.ecr_replication,
            "ecr_replication",
        ),
        (
            &raw.collect_image_metadata,
            &mut lat.collect_image_metadata,
            "collect_image_metadata",
        ),
        (
            &raw.collect_image_scan_findings,
            &mut lat.collect_image_scan_findings,
            "collect_image_scan_findings",
        ),
    ];
    for (spec, slot, key) in durs {
        if let Some(spec) = spec
            && let Some(d) = ctx.dur_dist(spec, &prefix.key(key))
        {
            *slot = d;
        }
    }
    for (spec, slot, key) in [
        (&raw.snapshot, &mut lat.snapshot, "snapshot"),
        (&raw.copy, &mut lat.copy, "copy"),
        (&raw.ecr_push, &mut lat.ecr_push, "ecr_push"),
        (&raw.ecr_pull, &mut lat.ecr_pull, "ecr_pull"),
    ] {
        if let Some(spec) = spec
            && let Some(t) = ctx.throughput(spec, &prefix.key(key))
        {
            *slot = t;
        }
    }
}
