//! The short human summary printed after a run.

use std::fmt::Write;

use super::csv_files::PipelineSummary;
use crate::scenario::Scenario;

/// `42s`, `12m 05s`, `3h 07m`: a span in seconds, readable.
pub fn human(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// The table printed by `amisim run`.
pub fn render(
    scn: &Scenario,
    seed: u64,
    replications: usize,
    summaries: &[PipelineSummary],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replication{} of {} (seed {}), {} Region{}",
        scn.name,
        replications,
        if replications == 1 { "" } else { "s" },
        crate::engine::SimDuration(scn.world.horizon.as_millis()),
        seed,
        scn.world.regions.len(),
        if scn.world.regions.len() == 1 {
            ""
        } else {
            "s"
        },
    );
    let w = summaries
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:<w$}  {:>5}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
        "pipeline", "runs", "failed", "p50", "p95", "p99", "build", "test", "copy"
    );
    for s in summaries {
        let (p50, p95, p99) = match &s.time_to_all_regions {
            Some(t) => (human(t.p50), human(t.p95), human(t.p99)),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let [b, t, c] = s
            .mean_phases
            .map_or(["-".to_string(), "-".into(), "-".into()], |m| m.map(human));
        let _ = writeln!(
            out,
            "{:<w$}  {:>5}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
            s.name, s.executions, s.failed, p50, p95, p99, b, t, c
        );
    }
    let _ = writeln!(
        out,
        "p50/p95/p99: time from trigger until the image is usable in every Region (succeeded runs);\n\
         build/test/copy: its mean split into trigger → AMI available → tests passed → usable everywhere"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn spans_read_as_seconds_minutes_or_hours() {
        assert_eq!(human(42.4), "42s");
        assert_eq!(human(725.0), "12m 05s");
        assert_eq!(human(11_220.0), "3h 07m");
    }
}
