//! The short human summary printed after a run.

use std::fmt::Write;

use crate::experiment::Aggregate;
use crate::pipeline::analysis::most_often;
use crate::scenario::Scenario;

/// `42s`, `12m 05s`, `3h 07m 12s`: a span in seconds, readable, to the
/// second (so that a p95 of 1h 30m 23s never reads as a 1h 30m SLO met).
pub(crate) fn human(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m {:02}s", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// `x` with its sign, a true minus for a negative: `+5m 02s`, `−10 %`.
pub(crate) fn signed(x: f64, show: impl Fn(f64) -> String) -> String {
    match x < 0.0 {
        true => format!("−{}", show(-x)),
        false => format!("+{}", show(x)),
    }
}

/// A difference with its 95 % CI, `*` when the CI excludes 0:
/// `+5m 02s (95 % CI +1m 10s – +8m 54s) *`.
pub(crate) fn signed_interval(
    d: f64,
    (lo, hi): (f64, f64),
    show: impl Fn(f64) -> String,
) -> String {
    let mark = if lo > 0.0 || hi < 0.0 { " *" } else { "" };
    format!(
        "{} (95 % CI {} – {}){mark}",
        signed(d, &show),
        signed(lo, &show),
        signed(hi, &show)
    )
}

/// `$1,234,567.89`: dollars for people, thousands grouped.
pub(crate) fn dollars(usd: f64) -> String {
    let cents = format!("{:.2}", usd.abs());
    let (whole, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if usd < 0.0 && cents != "0.00" {
        "-"
    } else {
        ""
    };
    format!("{sign}${grouped}.{frac}")
}

/// What the verdict says of the bill after its average: the run rate at the
/// end and whether storage levelled off.
pub(crate) fn trend_sentence(t: &super::cost_months::Trend) -> String {
    let rate = match t.last_full {
        None => {
            return "a horizon under a month gives no run rate and no storage trend".to_string();
        }
        Some(super::cost_months::RunRate { month: m, mean, ci }) => format!(
            "{} in month {m}, the last full month{}",
            dollars(mean),
            ci.map_or(String::new(), |(lo, hi)| format!(
                " (95 % CI {} – {})",
                dollars(lo),
                dollars(hi)
            ))
        ),
    };
    let storage = match t.storage {
        super::cost_months::Storage::TooShort => {
            "whether snapshot storage levels off needs two full months".to_string()
        }
        super::cost_months::Storage::Growing(g) => format!(
            "snapshot storage is still growing ({:+.0} % over its last full month): a lifecycle (`[pipeline.lifecycle] keep_last` or `max_age`) would level it off",
            g * 100.0
        ),
        super::cost_months::Storage::Level => "snapshot storage has levelled off".to_string(),
    };
    format!("{rate}; {storage}")
}

/// The sentence for [`super::cost_months::one_off_cost`].
pub(crate) fn one_off_sentence(usd: f64) -> String {
    format!(
        "cost: {} per replication, the moves' own charges (a migration is one-off, so no monthly figure is given)",
        dollars(usd)
    )
}

/// The table printed by `amisim run`.
pub(crate) fn render(scn: &Scenario, seed: u64, agg: &Aggregate, all: bool) -> String {
    let mut out = String::new();
    header(&mut out, scn, seed, agg);
    pipelines(&mut out, scn, agg, all);
    exposure(&mut out, scn, agg);
    disabled(&mut out, scn, agg);
    cost_and_key(&mut out, scn, agg);
    out
}

/// What ran.
fn header(out: &mut String, scn: &Scenario, seed: u64, agg: &Aggregate) {
    let reps = agg.replications;
    let _ = writeln!(
        out,
        "{}: {} replication{} of {} (seed {}), {} Region{}",
        scn.name,
        reps,
        if reps == 1 { "" } else { "s" },
        crate::engine::SimDuration(scn.world.horizon.as_millis()),
        seed,
        scn.world.regions.len(),
        if scn.world.regions.len() == 1 {
            ""
        } else {
            "s"
        },
    );
}

/// Most pipelines the console lists without `--all`: the slowest by p95.
pub(crate) const CONSOLE_ROWS: usize = 20;

/// The pipelines listed, in the scenario's order: every one with `all` or
/// up to [`CONSOLE_ROWS`], else the [`CONSOLE_ROWS`] slowest by p95.
fn listed(agg: &Aggregate, all: bool) -> Vec<usize> {
    let n = agg.pipelines.len();
    if all || n <= CONSOLE_ROWS {
        return (0..n).collect();
    }
    let p95 = |i: usize| {
        agg.pipelines[i]
            .time_to_all_regions
            .quantile(0.95)
            .unwrap_or(0.0)
    };
    let mut by: Vec<usize> = (0..n).collect();
    // Slowest first; ties in the scenario's order (a stable sort).
    by.sort_by(|&a, &b| p95(b).total_cmp(&p95(a)));
    by.truncate(CONSOLE_ROWS);
    by.sort_unstable();
    by
}

/// One line per pipeline listed: its quantiles, phases and most frequent late step.
fn pipelines(out: &mut String, scn: &Scenario, agg: &Aggregate, all: bool) {
    let w = scn
        .world
        .pipelines
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:<w$}  {:>5}  {:>6}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  most often late",
        "pipeline", "runs", "failed", "p50", "p95", "p99", "build", "test", "copy"
    );
    let shown = listed(agg, all);
    for &pi in &shown {
        let (p, pa) = (&scn.world.pipelines[pi], &agg.pipelines[pi]);
        let t = &pa.time_to_all_regions;
        let q = |x: f64| t.quantile_s(x).map_or("-".to_string(), human);
        let ph = |i: usize| pa.phases[i].mean_s().map_or("-".to_string(), human);
        let late = most_often(&scn.world, pi as u16, &pa.critical)
            .map(|(k, n)| format!("{k} ({:.0} %)", 100.0 * n as f64 / t.count.max(1) as f64))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<w$}  {:>5}  {:>6}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {}",
            p.name,
            pa.executions,
            pa.failed,
            q(0.50),
            q(0.95),
            q(0.99),
            ph(0),
            ph(1),
            ph(2),
            late
        );
    }
    let rest = agg.pipelines.len() - shown.len();
    if rest > 0 {
        let _ = writeln!(
            out,
            "… and {rest} faster pipeline{} (by p95; summary.csv has every one, --all lists them here)",
            if rest == 1 { "" } else { "s" }
        );
    }
}

/// The exposure window of every pipeline with releases, or of the worst.
fn exposure(out: &mut String, scn: &Scenario, agg: &Aggregate) {
    // The exposure window: of every pipeline with releases, or of the worst
    // p95 when there are more than three (all are in summary.csv).
    let exposed: Vec<usize> = (0..agg.pipelines.len())
        .filter(|&i| agg.pipelines[i].exposure_window.count + agg.pipelines[i].unpatched > 0)
        .collect();
    let p95 = |i: usize| {
        agg.pipelines[i]
            .exposure_window
            .quantile(0.95)
            .unwrap_or(0.0)
    };
    let shown: Vec<usize> = if exposed.len() > 3 {
        exposed
            .iter()
            .copied()
            .max_by(|a, b| p95(*a).total_cmp(&p95(*b)))
            .into_iter()
            .collect()
    } else {
        exposed.clone()
    };
    for i in shown {
        let (p, pa) = (&scn.world.pipelines[i], &agg.pipelines[i]);
        let e = &pa.exposure_window;
        let q = |x: f64| e.quantile_s(x).map_or("-".to_string(), human);
        let worst = if exposed.len() > 3 {
            format!(
                ", the worst p95 of {} pipelines (all in summary.csv)",
                exposed.len()
            )
        } else {
            String::new()
        };
        {
            let _ = writeln!(
                out,
                "exposure window of {}: p50 {}, p95 {}, max {} from a release to an image with it usable everywhere ({} releases{}{worst})",
                p.name,
                q(0.50),
                q(0.95),
                q(1.0),
                e.count + pa.unpatched,
                if pa.unpatched > 0 {
                    format!(", {} not shipped before the run ended", pa.unpatched)
                } else {
                    String::new()
                }
            );
        }
    }
}

/// The pipelines `auto_disable_after_failures` disabled.
fn disabled(out: &mut String, scn: &Scenario, agg: &Aggregate) {
    for (p, pa) in scn.world.pipelines.iter().zip(&agg.pipelines) {
        let d = &pa.disabled_at;
        if d.count == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "{} was disabled after {} consecutive failures in {} of {} replications (on average {} from the start); nothing started it afterwards",
            p.name,
            p.schedule.auto_disable_after_failures.unwrap_or(0),
            d.count,
            agg.replications,
            d.mean().map_or("-".to_string(), |ms| human(ms / 1000.0)),
        );
    }
}

/// The monthly cost, and what the columns mean.
fn cost_and_key(out: &mut String, scn: &Scenario, agg: &Aggregate) {
    let m = &agg.monthly_cost;
    if let Some(usd) = super::cost_months::one_off_cost(scn, agg) {
        let _ = writeln!(out, "{} (see cost_breakdown.csv)", one_off_sentence(usd));
    } else if let (Some(mean), Some(p95)) = (m.mean(), m.quantile(0.95)) {
        let t = super::cost_months::trend(scn, agg);
        let _ = writeln!(
            out,
            "cost: {} a month on average, {} at p95; {} (see cost_summary.csv, cost_by_month.csv)",
            dollars(mean / 1e6),
            dollars(p95 / 1e6),
            trend_sentence(&t)
        );
    }
    let _ = writeln!(
        out,
        "p50/p95/p99: time from trigger until the image is usable in every Region (succeeded runs);\n\
         build/test/copy: its mean split into trigger → AMI available → tests passed → usable everywhere;\n\
         most often late: the step that contributed most to that time, and how often"
    );
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn spans_read_as_seconds_minutes_or_hours() {
        assert_eq!(human(42.4), "42s");
        assert_eq!(human(725.0), "12m 05s");
        assert_eq!(human(11_220.0), "3h 07m 00s");
        assert_eq!(human(5_423.0), "1h 30m 23s");
    }
}
