//! The calibration a backtest fits on the executions before its cutoff:
//! every logged stage with `amisim fit`'s machinery, mapped onto the
//! scenario's keys, and the failure probabilities of the failed steps.

use super::metric::Execution;
use super::metric::Metric;
use crate::engine::SimDuration;
use crate::fit::obs::{Observation, Target};
use crate::fit::stage::{self, StageFit};
use crate::fit::toml_out::{self, Extra, ExtraStep};
use crate::pipeline::config::World;
use crate::scenario::spec::Dur;

/// What the calibration holds.
#[derive(Debug)]
pub struct Calibration {
    /// The TOML.
    pub toml: String,
    /// The fits.
    pub fits: Vec<StageFit>,
    /// The failure probabilities: key (as in the calibration), failures,
    /// trials, the per-attempt probability written.
    pub failures: Vec<(String, u64, u64, f64)>,
    /// What the user should know.
    pub notes: Vec<String>,
}

/// The observation a step of pipeline `p` gives, if it calibrates a key.
fn target(world: &World, p: usize, m: &Metric, copies_seen: bool) -> Option<(Target, bool)> {
    let pl = &world.pipelines[p];
    Some(match m {
        Metric::LaunchBuilder | Metric::LaunchTest => (Target::Latency("instance_launch"), true),
        Metric::Components => (
            Target::Component(pl.components.first()?.name.clone()),
            false,
        ),
        Metric::Tests => (Target::Test(pl.tests.first()?.name.clone()), false),
        Metric::Sanitize => (Target::Latency("sanitize"), false),
        Metric::Metadata => (Target::Latency("collect_image_metadata"), false),
        Metric::ScanFindings => (Target::Latency("collect_image_scan_findings"), false),
        Metric::CreateImage => (Target::Throughput("snapshot"), false),
        Metric::Copy(to) => (
            Target::Copy {
                from: Some(world.regions[pl.region.index()].clone()),
                to: Some(to.clone()),
            },
            false,
        ),
        // Without each Region's availability, every copy gets the whole
        // distribution (an overestimate where there are several).
        Metric::Distribution if !copies_seen => (
            Target::Copy {
                from: None,
                to: None,
            },
            false,
        ),
        _ => return None,
    })
}

/// The observations of `before`.
fn observations(world: &World, before: &[&Execution], copies_seen: bool) -> Vec<Observation> {
    let mut out = Vec::new();
    for e in before {
        for o in &e.steps {
            let (Some(secs), Some((target, readiness))) =
                (o.secs, target(world, e.pipeline, &o.metric, copies_seen))
            else {
                continue;
            };
            if secs <= 0.0 {
                continue;
            }
            out.push(Observation {
                target,
                duration_s: secs,
                censored: o.censored,
                size_gib: None,
                incremental: None,
                started: Some(e.created),
                with_readiness: readiness,
                measured: None,
            });
        }
    }
    out
}

/// Fits the executions before the cutoff.
pub(crate) fn calibrate(
    world: &World,
    before: &[&Execution],
    o: &stage::Options,
) -> Result<Calibration, String> {
    let copies_seen = before
        .iter()
        .any(|e| e.steps.iter().any(|s| matches!(s.metric, Metric::Copy(_))));
    let obs = observations(world, before, copies_seen);
    let fits = stage::fit_all(&obs, o);
    let mut notes = missing(world, before, copies_seen);
    if !copies_seen {
        notes.push("no EC2 AMI State Change event links a Region's AMI: each copy is calibrated with the whole distribution (DistributeImage), an overestimate where it has several Regions".to_string());
    }
    let mut extra = Extra::default();
    extra.latency.push((
        "register_image",
        Dur(SimDuration::ZERO),
        "held in snapshot: Image Builder's CreateImage step lasts until the AMI is available"
            .into(),
    ));
    zero_other_steps(world, before, &mut extra);
    let failures = failures(world, before, copies_seen, &mut extra);
    let header = vec![
        format!(
            "Calibration written by `amisim backtest` from {} executions before the cutoff.",
            before.len()
        ),
        "Its values win over the scenario's when the backtest runs it; as a `calibration`".into(),
        "they stand wherever a scenario sets none.".into(),
    ];
    let toml = toml_out::render_with(&fits, &header, &extra)?;
    Ok(Calibration {
        toml,
        fits,
        failures,
        notes,
    })
}

/// What a pipeline of the scenario has and its history before the cutoff
/// does not log: those stages keep the scenario's values, said here.
fn missing(world: &World, before: &[&Execution], copies_seen: bool) -> Vec<String> {
    let mut pipelines: Vec<usize> = before.iter().map(|e| e.pipeline).collect();
    pipelines.dedup();
    pipelines.sort_unstable();
    pipelines.dedup();
    let mut out = Vec::new();
    for p in pipelines {
        let pl = &world.pipelines[p];
        let mut expected = vec![Metric::LaunchBuilder, Metric::CreateImage];
        if !pl.components.is_empty() {
            expected.push(Metric::Components);
        }
        if pl.optional_steps.metadata {
            expected.push(Metric::Metadata);
        }
        if pl.optional_steps.scanning {
            expected.push(Metric::ScanFindings);
        }
        if pl.test_phase && !pl.tests.is_empty() {
            expected.extend([Metric::LaunchTest, Metric::Tests]);
        }
        if copies_seen {
            expected.extend(
                pl.copies
                    .iter()
                    .map(|c| Metric::Copy(world.regions[c.region.index()].clone())),
            );
        }
        expected.sort();
        expected.dedup();
        for m in expected {
            let logged = before
                .iter()
                .filter(|e| e.pipeline == p)
                .any(|e| e.values(&m).next().is_some());
            if !logged {
                out.push(format!(
                    "pipeline {}: nothing before the cutoff measures {} ({}): the scenario's own values stand for it",
                    pl.name,
                    m.words(),
                    m.name()
                ));
            }
        }
    }
    out
}

/// A step spanning several components calibrates their sum: the first
/// carries it, the others take no time.
fn zero_other_steps(world: &World, before: &[&Execution], extra: &mut Extra) {
    let mut seen = std::collections::BTreeSet::new();
    for e in before {
        if !seen.insert(e.pipeline) {
            continue;
        }
        let p = &world.pipelines[e.pipeline];
        for (table, steps, first) in [
            ("component", &p.components, "build"),
            ("test", &p.tests, "test"),
        ] {
            let Some(head) = steps.first() else { continue };
            for s in &steps[1..] {
                extra.steps.push(ExtraStep {
                    table,
                    name: s.name.clone(),
                    duration: Some(Dur(SimDuration::ZERO)),
                    failure_probability: None,
                    comment: format!(
                        "held in {:?}: Image Builder logs every {first} component as one ExecuteComponents step",
                        head.name
                    ),
                });
            }
        }
    }
}

/// Failures and trials of the steps `m` matches, counting failures that
/// are not time-outs (those are the durations').
fn count(before: &[&Execution], m: impl Fn(&Metric) -> bool) -> (u64, u64) {
    let mut failed = 0;
    let mut n = 0;
    for o in before.iter().flat_map(|e| e.steps.iter()) {
        if m(&o.metric) {
            n += 1;
            failed += u64::from(o.failed && !o.censored);
        }
    }
    (failed, n)
}

/// One failure probability: the key, failures, trials and the per-attempt
/// probability written, with its comment.
type Fitted = ((String, u64, u64, f64), String);

/// The failure probability of `k` failures in `n` trials of a step
/// tried `per` times: Jeffreys' estimate (k + 1/2) / (n + 1), never 0 or 1
/// from a finite sample, so an event not seen before the cutoff stays
/// possible after it; per attempt `q^(1/per)`.
fn estimate(key: String, (k, n): (u64, u64), per: f64) -> Option<Fitted> {
    if n == 0 {
        return None;
    }
    let q = (k as f64 + 0.5) / (n as f64 + 1.0);
    let p = if per > 1.0 { q.powf(1.0 / per) } else { q };
    let attempts = if per > 1.0 {
        format!(", per attempt of {per}: {p:.4}")
    } else {
        String::new()
    };
    let comment = format!(
        "{k} of {n} failed before the cutoff: Jeffreys' estimate (k + 1/2) / (n + 1) = {q:.4}{attempts}"
    );
    Some(((key, k, n, p), comment))
}

/// The failure probabilities of the failed steps, into `extra`; per
/// attempt where amisim retries (launches and copies).
fn failures(
    world: &World,
    before: &[&Execution],
    copies_seen: bool,
    extra: &mut Extra,
) -> Vec<(String, u64, u64, f64)> {
    let attempts = f64::from(world.faults.max_attempts.max(1));
    let copies = if copies_seen {
        count(before, |m| matches!(m, Metric::Copy(_)))
    } else {
        count(before, |m| *m == Metric::Distribution)
    };
    let faults = [
        (
            "launch_failure_probability",
            count(before, |m| {
                matches!(m, Metric::LaunchBuilder | Metric::LaunchTest)
            }),
            attempts,
        ),
        (
            "snapshot_failure_probability",
            count(before, |m| *m == Metric::CreateImage),
            1.0,
        ),
        ("copy_failure_probability", copies, attempts),
    ];
    let mut out = Vec::new();
    for (key, kn, per) in faults {
        if let Some((f, c)) = estimate(key.into(), kn, per) {
            extra.faults.push((key, f.3, c));
            out.push(f);
        }
    }
    step_failures(world, before, extra, &mut out);
    out
}

/// Each pipeline's first build component and test carry the failures of
/// its ExecuteComponents steps.
fn step_failures(
    world: &World,
    before: &[&Execution],
    extra: &mut Extra,
    out: &mut Vec<(String, u64, u64, f64)>,
) {
    for (metric, table) in [(Metric::Components, "component"), (Metric::Tests, "test")] {
        let mut seen = std::collections::BTreeSet::new();
        for e in before {
            let p = &world.pipelines[e.pipeline];
            let steps = if table == "component" {
                &p.components
            } else {
                &p.tests
            };
            let Some(head) = steps.first() else { continue };
            if !seen.insert(head.name.clone()) {
                continue;
            }
            let mine: Vec<&Execution> = before
                .iter()
                .filter(|x| x.pipeline == e.pipeline)
                .copied()
                .collect();
            let key = format!("{table}.{:?}.failure_probability", head.name);
            if let Some((f, c)) = estimate(key, count(&mine, |m| *m == metric), 1.0) {
                extra.steps.push(ExtraStep {
                    table,
                    name: head.name.clone(),
                    duration: None,
                    failure_probability: Some(f.3),
                    comment: c,
                });
                out.push(f);
            }
        }
    }
}
