//! Assumptions that decide failures: a CreateImage or a copy whose duration
//! comes from amisim's assumed throughputs (AWS publishes none, and the
//! scenario, its calibration and its routes give none) outlasts the
//! client's wait or the step's time-out in more than
//! [`DECIDING_PROBABILITY`] of draws. `validate` and `run` warn, and the
//! verdict names it.

use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::engine::{RngStreams, SimDuration};
use crate::law::Throughput;
use crate::pipeline::config::{Pipeline, Tool};
use crate::scenario::raw::{RawPipeline, RawScenario};

/// Above this probability of hitting a wait or a time-out, an assumed
/// latency decides the pipeline's failure rate.
pub(crate) const DECIDING_PROBABILITY: f64 = 0.05;

/// Draws per estimate: the 5 % threshold within about ±0.7 % (one sd).
const DRAWS: u64 = 1000;

/// One assumption that decides a pipeline's failures, for the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct DecidingAssumption {
    /// The pipeline's name.
    pub pipeline: String,
    /// What happens, with its probability, the assumption and the fix.
    pub sentence: String,
}

/// The assumed latencies that decide failures, each warned at its pipeline.
pub(super) fn deciding_assumptions(
    ctx: &mut Ctx<'_>,
    raw: &RawScenario,
    pipelines: &[Pipeline],
) -> Vec<DecidingAssumption> {
    let global = raw.latency.as_ref();
    let mut out = Vec::new();
    for (i, (p, rp)) in pipelines.iter().zip(&raw.pipeline).enumerate() {
        let own = rp.get_ref().latency.as_ref();
        let snapshot_set = global.and_then(|l| l.snapshot.as_ref()).is_some()
            || own.and_then(|l| l.snapshot.as_ref()).is_some();
        let copy_set = global.and_then(|l| l.copy.as_ref()).is_some()
            || own.and_then(|l| l.copy.as_ref()).is_some()
            || !raw.route.is_empty();
        let checks = [
            (!snapshot_set)
                .then(|| create_image_risk(p, i as u64))
                .flatten(),
            (!copy_set).then(|| copy_risk(p, i as u64)).flatten(),
        ];
        for (what, limit, prob, anchor) in checks.into_iter().flatten() {
            let sentence = format!(
                "{what} outlasts {limit} in about {:.0} % of draws with amisim's assumed throughput (AWS publishes none: docs/sources.md#{anchor}), so that assumption decides {}'s failures",
                100.0 * prob,
                p.name
            );
            warn_at(ctx, rp, i, &sentence);
            out.push(DecidingAssumption {
                pipeline: p.name.clone(),
                sentence,
            });
        }
    }
    out
}

fn warn_at(ctx: &mut Ctx<'_>, rp: &toml::Spanned<RawPipeline>, i: usize, sentence: &str) {
    ctx.warn(
        Some(rp.get_ref().name.span()),
        "pipeline".at(i),
        sentence.to_string(),
        Some("measure it: `amisim fit` on your own logs writes a calibration (`calibration = \"calibration.toml\"`), or give [latency] snapshot and copy (docs/src/fit.md)".into()),
    );
}

type Risk = (String, String, f64, &'static str);

/// CreateImage (every snapshot of the image, full when the base is not the
/// account's own) against Packer's AMI wait or Image Builder's step time-out.
fn create_image_risk(p: &Pipeline, seed: u64) -> Option<Risk> {
    let (limit, whose) = match p.tool {
        Tool::Packer => (p.packer_waits?.ami, "Packer's wait for the AMI"),
        Tool::ImageBuilder => (
            p.step_timeouts?.create_image,
            "Image Builder's CreateImage time-out",
        ),
        Tool::Sdk => return None,
    };
    let full = !p.base_owner.is_own();
    let sizes: Vec<f64> = p
        .volumes
        .iter()
        .map(|v| if full { v.data_gib } else { v.changed_gib })
        .collect();
    let prob = exceed(&p.latency.snapshot, &sizes, limit, seed, "snapshot");
    let gib: f64 = sizes.iter().sum();
    (prob > DECIDING_PROBABILITY).then(|| {
        (
            format!("CreateImage of its {gib} GiB"),
            format!("{whose} ({})", minutes(limit)),
            prob,
            "snapshot-time",
        )
    })
}

/// A full copy (the first to a Region) against Packer's wait for each copy,
/// or every copy of one distribution against Image Builder's time-out.
fn copy_risk(p: &Pipeline, seed: u64) -> Option<Risk> {
    if p.copies.is_empty() {
        return None;
    }
    let gib: f64 = p.volumes.iter().map(|v| v.data_gib).sum();
    let (limit, whose, sizes) = match p.tool {
        Tool::Packer => (p.packer_waits?.ami, "Packer's wait for a copy", vec![gib]),
        Tool::ImageBuilder => (
            p.distribution_timeout.unwrap_or(SimDuration::from_mins(
                facts::IMAGE_BUILDER_DISTRIBUTE_TIMEOUT_MIN,
            )),
            "Image Builder's DistributeImage time-out",
            vec![gib; p.copies.len()],
        ),
        Tool::Sdk => return None,
    };
    let prob = exceed(&p.latency.copy, &sizes, limit, seed, "copy");
    (prob > DECIDING_PROBABILITY).then(|| {
        (
            format!("a full copy of its {gib} GiB"),
            format!("{whose} ({})", minutes(limit)),
            prob,
            "copy-time",
        )
    })
}

/// The fraction of draws in which the longest of `sizes` GiB moved by `t`
/// (in parallel) outlasts `limit`; the same draws for the same scenario.
fn exceed(t: &Throughput, sizes: &[f64], limit: SimDuration, seed: u64, name: &str) -> f64 {
    let mut rng = RngStreams::new(seed, 0).stream(name);
    let over = (0..DRAWS)
        .filter(|_| {
            sizes
                .iter()
                .map(|g| t.sample(g * 1024.0, &mut rng))
                .max()
                .is_some_and(|d| d > limit)
        })
        .count();
    over as f64 / DRAWS as f64
}

fn minutes(d: SimDuration) -> String {
    format!("{} min", d.as_secs_f64() / 60.0)
}
