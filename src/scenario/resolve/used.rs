//! The assumptions a scenario actually rests on: each default that is not
//! a published figure, listed only when some pipeline, Region or price of
//! the scenario uses it (the report's "Assumptions" section).

use crate::aws::facts;
use crate::pipeline::config::{Pipeline, Platform, Tool};
use crate::scenario::raw::{RawLatency, RawScenario};

/// Whether a latency key is set in a `[latency]` table.
type IsSet = fn(&RawLatency) -> bool;

/// Whether `key` of the latencies is left to amisim for pipeline `i`.
fn unset(raw: &RawScenario, i: usize, key: IsSet) -> bool {
    let global = raw.latency.as_ref().is_some_and(key);
    let own = raw
        .pipeline
        .get(i)
        .and_then(|p| p.get_ref().latency.as_ref())
        .is_some_and(key);
    !(global || own)
}

/// The assumptions `raw` (resolved into `pipelines`) uses, in words, each
/// with its source entry.
pub(super) fn used_assumptions(
    raw: &RawScenario,
    pipelines: &[Pipeline],
    regions: &[String],
) -> Vec<String> {
    let builds: Vec<(usize, &Pipeline)> = pipelines
        .iter()
        .enumerate()
        .take(raw.pipeline.len())
        .filter(|(_, p)| p.kind.is_build())
        .collect();
    let mut v = Vec::new();
    v.extend(latencies(raw, &builds));
    v.extend(launches(raw, &builds));
    if raw.pipeline.iter().any(|p| {
        p.get_ref()
            .volume
            .iter()
            .any(|v| v.get_ref().changed_gib.is_none())
    }) {
        v.push("changed data per build, where a volume does not give it: 10 % of its data".into());
    }
    v.extend(prices(raw, &builds, regions));
    v.extend(image_builder(raw, &builds));
    v.extend(containers(raw, &builds));
    let snapshot_quota = raw
        .quotas
        .as_ref()
        .is_some_and(|q| q.concurrent_snapshot_copies_per_region.is_some());
    v.push(if snapshot_quota {
        "a month is 730 hours (docs/sources.md#hours-per-month); vCPU quotas are not modelled; the 20 concurrent snapshot copies per Region are assumed to count CopyImage's copies (docs/sources.md#quota-snapshot-copies)".into()
    } else {
        "a month is 730 hours (docs/sources.md#hours-per-month); the 20 concurrent snapshot copies per Region (set [quotas] concurrent_snapshot_copies_per_region to model them: docs/sources.md#quota-snapshot-copies) and vCPU quotas are not modelled".into()
    });
    v
}

fn latencies(raw: &RawScenario, builds: &[(usize, &Pipeline)]) -> Vec<String> {
    let mut v = Vec::new();
    let any = |key: IsSet, copies: bool| {
        builds
            .iter()
            .any(|(i, p)| (!copies || !p.copies.is_empty()) && unset(raw, *i, key))
    };
    let amis: Vec<(usize, &Pipeline)> = builds
        .iter()
        .filter(|(_, p)| p.container.is_none())
        .copied()
        .collect();
    if amis
        .iter()
        .any(|(i, _)| unset(raw, *i, |l| l.snapshot.is_some()))
    {
        v.push("snapshot throughput (lognormal, median 25 MiB/s, p95 80) and overhead (median 2 min, p95 8 min): no AWS figure (docs/sources.md#snapshot-time)".into());
    }
    if raw.route.is_empty() && any(|l| l.copy.is_some(), true) {
        v.push("best-effort copy throughput (median 30 MiB/s, p95 100) and overhead (median 3 min, p95 10 min): no AWS figure (docs/sources.md#copy-time)".into());
    }
    let others: [(&str, IsSet); 4] = [
        ("instance stop (median 1 min, p95 4 min)", |l| {
            l.instance_stop.is_some()
        }),
        ("terminate (median 30 s)", |l| {
            l.instance_terminate.is_some()
        }),
        ("register (median 5 s)", |l| l.register_image.is_some()),
        ("share calls (median 2 s)", |l| l.share.is_some()),
    ];
    let used: Vec<&str> = others
        .iter()
        .filter(|(_, k)| any(*k, false))
        .map(|(w, _)| *w)
        .collect();
    if !used.is_empty() {
        v.push(format!("{}: no measured figure", used.join(", ")));
    }
    v
}

/// A container pipeline's assumed durations and settings
/// (docs/sources.md#container-build, docs/sources.md#ecr-replication).
fn containers(raw: &RawScenario, builds: &[(usize, &Pipeline)]) -> Vec<String> {
    let mine: Vec<usize> = builds
        .iter()
        .filter(|(_, p)| p.container.is_some())
        .map(|(i, _)| *i)
        .collect();
    if mine.is_empty() {
        return Vec::new();
    }
    let mut words = Vec::new();
    let keys: [(&str, IsSet); 4] = [
        ("container bootstrap (median 90 s, p95 4 min)", |l| {
            l.container_bootstrap.is_some()
        }),
        ("ECR push (10 s + layers at median 60 MiB/s)", |l| {
            l.ecr_push.is_some()
        }),
        ("test host pull (5 s + image at median 100 MiB/s)", |l| {
            l.ecr_pull.is_some()
        }),
        (
            "ECR replication delay (median 10 min, p95 30 min; AWS: \"the majority in less than 30 minutes\")",
            |l| l.ecr_replication.is_some(),
        ),
    ];
    for (w, k) in keys {
        if mine.iter().any(|i| unset(raw, *i, k)) {
            words.push(w);
        }
    }
    let mut v = Vec::new();
    if !words.is_empty() {
        v.push(format!(
            "{}: no AWS figure (docs/sources.md#container-build, docs/sources.md#ecr-replication)",
            words.join(", ")
        ));
    }
    v.push("a container's pushes to its destinations run one after another unless parallel_pushes = true (AWS does not say); a rebuild changes a tenth of the image's layers unless changed_gib says; the repositories' shared layers are billed with the image that brought them (docs/sources.md#price-ecr)".into());
    v
}

fn launches(raw: &RawScenario, builds: &[(usize, &Pipeline)]) -> Vec<String> {
    let on = |platform: Platform| {
        builds
            .iter()
            .any(|(i, p)| p.platform == platform && unset(raw, *i, |l| l.instance_launch.is_some()))
    };
    let mut words = Vec::new();
    if on(Platform::Linux) {
        words.push("Linux launch p95 (60 s)");
    }
    if on(Platform::Windows) {
        words.push("Windows launch p95 (15 min, 5 min with Fast Launch)");
    }
    if words.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "{}: only typical values are published (docs/sources.md#launch-windows)",
        words.join(" and ")
    )]
}

fn prices(raw: &RawScenario, builds: &[(usize, &Pipeline)], regions: &[String]) -> Vec<String> {
    let cost = raw.cost.as_ref();
    let mut v = Vec::new();
    let own: Vec<&String> = regions
        .iter()
        .filter(|r| !cost.is_some_and(|c| c.region.contains_key(*r)))
        .collect();
    if !own.is_empty() {
        v.push(format!(
            "priced at us-east-1's figures ({} of {} Regions have no prices of their own: give `[cost.region]`, or `[cost] prices` from `amisim prices`, which reads AWS's price list): storage, volumes and instances cost more in most other Regions (docs/sources.md#price-instances)",
            own.len(),
            regions.len()
        ));
    }
    let windows_assumed: Vec<&str> = facts::WINDOWS_INSTANCE_ASSUMED
        .iter()
        .copied()
        .filter(|t| {
            builds.iter().any(|(_, p)| {
                p.platform == Platform::Windows
                    && matches!(&p.kind, crate::pipeline::config::PipelineKind::Build { builder_instance_type: b, test_instance_type: s } if b == t || s == t)
            }) && !cost.is_some_and(|c| c.windows_instance_usd_per_hour.contains_key(*t))
        })
        .collect();
    if !windows_assumed.is_empty() {
        v.push(format!(
            "Windows {} on-demand at twice the Linux price (docs/sources.md#price-windows-instances)",
            windows_assumed.join(" and ")
        ));
    }
    let dear: Vec<&str> = facts::TRANSFER_EXPENSIVE_SOURCES
        .iter()
        .copied()
        .filter(|r| {
            builds
                .iter()
                .any(|(_, p)| !p.copies.is_empty() && regions[p.region.index()] == *r)
        })
        .filter(|r| !cost.is_some_and(|c| c.transfer_from.contains_key(*r)))
        .collect();
    if !dear.is_empty() {
        v.push(format!(
            "transfer from {} at $0.08/GB, the low end of the published range",
            dear.join(", ")
        ));
    }
    v
}

fn image_builder(raw: &RawScenario, builds: &[(usize, &Pipeline)]) -> Vec<String> {
    let ib: Vec<&&Pipeline> = builds
        .iter()
        .map(|(_, p)| p)
        .filter(|p| p.tool == Tool::ImageBuilder)
        .collect();
    if ib.is_empty() {
        return Vec::new();
    }
    let mut v = vec![
        "Image Builder queues at a full quota (AWS does not say; Packer and scripts get ResourceLimitExceeded, docs/sources.md#quota-full) and retries a throttled call until the step's time-out (docs/sources.md#sdk-retry)".to_string(),
    ];
    let scope_given = raw
        .quotas
        .as_ref()
        .is_some_and(|q| q.ami_copies_scope.is_some());
    if !scope_given && ib.iter().any(|p| !p.copies.is_empty()) {
        v.push("Image Builder's 50 concurrent copies counted per distribution configuration (its Service Quotas name), not per copier account and destination Region (its cross-account guide): set [quotas] ami_copies_scope (docs/sources.md#quota-copies-distribution)".into());
    }
    v.extend(optional_steps(raw, builds));
    v
}

/// Image Builder's metadata and scan-findings steps, where their duration
/// is amisim's (docs/sources.md#image-metadata, docs/sources.md#image-scanning).
fn optional_steps(raw: &RawScenario, builds: &[(usize, &Pipeline)]) -> Vec<String> {
    let uses = |on: fn(&Pipeline) -> bool, key: IsSet| {
        builds.iter().any(|(i, p)| on(p) && unset(raw, *i, key))
    };
    let mut v = Vec::new();
    if uses(
        |p| p.optional_steps.metadata,
        |l| l.collect_image_metadata.is_some(),
    ) {
        v.push("Image Builder's CollectImageMetadata (on by default): median 45 s, p95 2 min, no AWS figure; image_metadata = false turns it off (docs/sources.md#image-metadata)".into());
    }
    if uses(
        |p| p.optional_steps.scanning,
        |l| l.collect_image_scan_findings.is_some(),
    ) {
        v.push("Image Builder's CollectImageScanFindings: median 10 min, p95 30 min, no AWS figure (docs/sources.md#image-scanning)".into());
    }
    v
}
