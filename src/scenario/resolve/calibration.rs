//! `calibration = "…"`: a file `amisim fit` wrote. Its values are checked
//! on their own, so an error names the calibration's line, then they stand
//! wherever the scenario sets none: a `[latency]` key it leaves out, a
//! `[[route]]` pair it does not override (between Regions it declares),
//! and a step without a `duration`.

use super::ctx::{Ctx, KeyPath};
use super::latency::latencies;
use crate::pipeline::config::Platform;
use crate::scenario::error::{Locator, ScenarioError};
use crate::scenario::raw::{
    RawCalibratedFaults, RawCalibration, RawFaults, RawLatency, RawScenario, RawStep,
};
use toml::Spanned;

/// The errors of calibration `cal`, located in its own file.
pub(in crate::scenario) fn check(
    loc: &Locator<'_>,
    files: crate::scenario::Files,
    cal: &RawCalibration,
) -> Vec<ScenarioError> {
    let mut ctx = Ctx::new(loc, files, false);
    if let Some(l) = &cal.latency {
        let _ = latencies(&mut ctx, (Platform::Linux, false), l, (None, ""));
    }
    for (i, r) in cal.route.iter().enumerate() {
        let _ = ctx.throughput(&r.copy, &"route".at(i).key("copy"));
    }
    for (table, steps) in [("component", &cal.component), ("test", &cal.test)] {
        for (name, s) in steps {
            let _ = ctx.dur_dist(&s.duration, &format!("{table}.{name:?}.duration"));
            if let Some(p) = &s.failure_probability {
                let key = format!("{table}.{name:?}.failure_probability");
                let _ = ctx.probability(p, &key, PROBABILITY_HELP);
            }
        }
    }
    if let Some(f) = &cal.faults {
        for (key, p) in fault_keys(f) {
            if let Some(p) = p {
                let _ = ctx.probability(p, &format!("faults.{key}"), PROBABILITY_HELP);
            }
        }
    }
    ctx.errors
}

const PROBABILITY_HELP: &str = "a probability from 0 to 1, as `amisim backtest` writes it";

/// A calibration's failure probabilities, by key.
fn fault_keys(f: &RawCalibratedFaults) -> [(&'static str, Option<&Spanned<f64>>); 3] {
    [
        (
            "launch_failure_probability",
            f.launch_failure_probability.as_ref(),
        ),
        (
            "snapshot_failure_probability",
            f.snapshot_failure_probability.as_ref(),
        ),
        (
            "copy_failure_probability",
            f.copy_failure_probability.as_ref(),
        ),
    ]
}

/// Fills what `raw` leaves unset from `cal`.
pub(in crate::scenario) fn merge(raw: &mut RawScenario, cal: RawCalibration) {
    merge_as(raw, cal, false);
}

/// `amisim backtest`'s merge: every value `cal` sets replaces the
/// scenario's, including a pipeline's own `[pipeline.latency]` key and a
/// `[[route]]` of the same pair.
pub(in crate::scenario) fn merge_winning(raw: &mut RawScenario, cal: RawCalibration) {
    merge_as(raw, cal, true);
}

fn merge_as(raw: &mut RawScenario, cal: RawCalibration, wins: bool) {
    if let Some(c) = cal.latency {
        merge_latency(raw, c, wins);
    }
    let declared: Vec<String> = raw
        .region
        .iter()
        .map(|r| r.name.get_ref().clone())
        .collect();
    let same = |a: &crate::scenario::raw::RawRoute, b: &crate::scenario::raw::RawRoute| {
        a.from.get_ref() == b.from.get_ref() && a.to.get_ref() == b.to.get_ref()
    };
    for r in cal.route {
        if !declared.contains(r.from.get_ref()) || !declared.contains(r.to.get_ref()) {
            continue;
        }
        if wins {
            raw.route.retain(|o| !same(o, &r));
        } else if raw.route.iter().any(|o| same(o, &r)) {
            continue;
        }
        raw.route.push(r);
    }
    for p in &mut raw.pipeline {
        let p = p.get_mut();
        merge_steps(&mut p.component, &cal.component, wins);
        merge_steps(&mut p.test, &cal.test, wins);
    }
    if let Some(f) = cal.faults {
        let own = raw.faults.get_or_insert_with(RawFaults::default);
        let pairs = [
            (
                &mut own.launch_failure_probability,
                f.launch_failure_probability,
            ),
            (
                &mut own.snapshot_failure_probability,
                f.snapshot_failure_probability,
            ),
            (
                &mut own.copy_failure_probability,
                f.copy_failure_probability,
            ),
        ];
        for (o, c) in pairs {
            if c.is_some() && (wins || o.is_none()) {
                *o = c;
            }
        }
    }
}

/// A calibration's `[latency]` under the scenario's: where it sets none,
/// or (`wins`) everywhere, a pipeline's own key included.
fn merge_latency(raw: &mut RawScenario, c: RawLatency, wins: bool) {
    let own = raw.latency.get_or_insert_with(RawLatency::default);
    macro_rules! under {
        ($($f:ident),*) => {
            // Every key: a new [latency] key that is not listed fails to compile.
            let RawLatency { $($f: _),* } = &c;
            $(
            if c.$f.is_some() && (wins || own.$f.is_none()) {
                own.$f = c.$f.clone();
                if wins {
                    for p in &mut raw.pipeline {
                        if let Some(l) = &mut p.get_mut().latency {
                            l.$f = None;
                        }
                    }
                }
            }
        )*
        };
    }
    under!(
        instance_launch,
        instance_ready,
        sanitize,
        instance_stop,
        instance_terminate,
        register_image,
        schedule_delay,
        share,
        snapshot,
        copy,
        container_bootstrap,
        ecr_push,
        ecr_pull,
        ecr_replication,
        collect_image_metadata,
        collect_image_scan_findings
    );
}

/// Steps' durations and failure probabilities from a calibration's, by name.
fn merge_steps(
    steps: &mut [RawStep],
    cal: &std::collections::BTreeMap<String, crate::scenario::raw::RawCalibratedStep>,
    wins: bool,
) {
    for s in steps {
        let Some(c) = cal.get(s.name.get_ref()) else {
            continue;
        };
        if wins || s.duration.is_none() {
            s.duration = Some(c.duration.clone());
        }
        if c.failure_probability.is_some() && (wins || s.failure_probability.is_none()) {
            s.failure_probability = c.failure_probability.clone();
        }
    }
}
