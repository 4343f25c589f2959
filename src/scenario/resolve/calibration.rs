//! `calibration = "…"`: a file `amisim fit` wrote. Its values are checked
//! on their own, so an error names the calibration's line, then they stand
//! wherever the scenario sets none: a `[latency]` key it leaves out, a
//! `[[route]]` pair it does not override (between Regions it declares),
//! and a step without a `duration`.

use super::ctx::{Ctx, KeyPath};
use super::latency::latencies;
use crate::pipeline::config::Platform;
use crate::scenario::error::{Locator, ScenarioError};
use crate::scenario::raw::{RawCalibration, RawLatency, RawScenario};

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
        }
    }
    ctx.errors
}

/// Fills what `raw` leaves unset from `cal`.
pub(in crate::scenario) fn merge(raw: &mut RawScenario, cal: RawCalibration) {
    if let Some(c) = cal.latency {
        let own = raw.latency.get_or_insert_with(RawLatency::default);
        macro_rules! under {
            ($($f:ident),*) => {$(
                if own.$f.is_none() {
                    own.$f = c.$f;
                }
            )*};
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
            copy
        );
    }
    let declared: Vec<&str> = raw
        .region
        .iter()
        .map(|r| r.name.get_ref().as_str())
        .collect();
    let routes: Vec<_> = cal
        .route
        .into_iter()
        .filter(|r| {
            let (f, t) = (r.from.get_ref().as_str(), r.to.get_ref().as_str());
            declared.contains(&f)
                && declared.contains(&t)
                && !raw
                    .route
                    .iter()
                    .any(|o| o.from.get_ref() == f && o.to.get_ref() == t)
        })
        .collect();
    raw.route.extend(routes);
    let mut component = cal.component;
    let mut test = cal.test;
    for p in &mut raw.pipeline {
        let p = p.get_mut();
        for (steps, from) in [(&mut p.component, &mut component), (&mut p.test, &mut test)] {
            for s in steps.iter_mut().filter(|s| s.duration.is_none()) {
                if let Some(c) = from.get(s.name.get_ref()) {
                    s.duration = Some(c.duration.clone());
                }
            }
        }
    }
}
