//! What a backtest writes: the findings in words, `backtest.json`, and with
//! `--report` `backtest.md` / `backtest.html` with, per metric, the observed
//! CDF over the predicted one with its band and the PIT histogram.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::Backtested;
use super::compare::{self, ALPHA, Cause, Row, Verdict};
use super::metric::Metric;
use crate::report::charts::{Band, ChartFile, LineChart, Series};

/// Seconds in words (`1h 02m 03s`).
fn hms(s: f64) -> String {
    crate::report::text::human(s)
}

fn opt_hms(s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), hms)
}

fn p(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

/// Whose a row is, in words.
fn whose(r: &Row) -> String {
    r.pipeline
        .as_ref()
        .map_or_else(|| "all pipelines".into(), |n| format!("pipeline {n}"))
}

/// One rejected row in words.
fn finding(r: &Row) -> String {
    let what = format!("{} of {}", r.metric.words(), whose(r));
    let numbers = match r.failures {
        Some((k, n, share)) => format!(
            "{k} of {n} executions failed after the cutoff, {:.1} % predicted",
            share * 100.0
        ),
        None => format!(
            "observed p50 {} and p95 {} after the cutoff (n = {}), predicted p50 {} and p95 {}",
            opt_hms(r.observed.0),
            opt_hms(r.observed.1),
            r.n,
            opt_hms(r.predicted_p50.0),
            opt_hms(r.predicted_p95.0)
        ),
    };
    let why = match compare::cause(r) {
        Cause::Drift => format!(
            "drift: it matched the history before the cutoff (p = {}) and not after it{}; refit on recent executions",
            p(r.p_before),
            r.p_drift.map_or(String::new(), |d| format!(
                " (before against after: p = {d:.3})"
            ))
        ),
        Cause::Structure if r.metric == Metric::BuildWait => format!(
            "model structure: it does not match before the cutoff either (p = {}): executions wait for something before their build launches (a concurrent-build quota, another pipeline sharing the account) that the scenario lacks",
            p(r.p_before)
        ),
        Cause::Structure => format!(
            "model structure: it does not match the history before the cutoff either (p = {}), on which the stages were fitted: a queue, a quota or a dependency the scenario lacks",
            p(r.p_before)
        ),
    };
    format!("{what}: {numbers} (p = {}); {why}", p(r.p_value))
}

/// The findings in words, and the cause with the metrics it names: the
/// rejected stages first (what to look at), then the waits and the
/// end-to-end they explain.
pub(crate) fn findings(
    rows: &[Row],
    verdict: Verdict,
) -> (Vec<String>, Option<(Cause, Vec<String>)>) {
    if verdict != Verdict::Inconsistent {
        return (Vec::new(), None);
    }
    let mut rejected: Vec<&Row> = rows.iter().filter(|r| r.rejected).collect();
    // The single stages first, then the distribution they make up, then
    // the waits and the end-to-end.
    rejected.sort_by_key(|r| match r.metric {
        Metric::Distribution => 1,
        _ if r.metric.is_stage() => 0,
        Metric::TimeToAllRegions => 3,
        _ => 2,
    });
    let structure = rejected
        .iter()
        .any(|r| compare::cause(r) == Cause::Structure);
    let kind = if structure {
        Cause::Structure
    } else {
        Cause::Drift
    };
    let mut named: Vec<String> = Vec::new();
    for r in &rejected {
        if compare::cause(r) == kind && !named.contains(&r.metric.name()) {
            named.push(r.metric.name());
        }
    }
    (
        rejected.iter().map(|r| finding(r)).collect(),
        Some((kind, named)),
    )
}

fn pair(x: Option<(f64, f64)>) -> Value {
    x.map_or(Value::Null, |(a, b)| json!([a, b]))
}

fn row_json(r: &Row) -> Value {
    let pit_hist = histogram(&r.pit, 10);
    json!({
        "metric": r.metric.name(),
        "pipeline": r.pipeline.clone().unwrap_or_else(|| "all".into()),
        "n": r.n,
        "censored": r.censored,
        "n_before": r.n_before,
        "observed_p50_s": r.observed.0,
        "observed_p95_s": r.observed.1,
        "predicted_n": r.predicted_n,
        "predicted_p50_s": r.predicted_p50.0,
        "predicted_p50_ci95_s": pair(r.predicted_p50.1),
        "predicted_p95_s": r.predicted_p95.0,
        "predicted_p95_ci95_s": pair(r.predicted_p95.1),
        "failures": r.failures.map(|(k, n, s)| json!({"failed": k, "executions": n, "predicted_share": s})),
        "test": r.test,
        "statistic": r.statistic,
        "p_value": r.p_value,
        "p_value_before_cutoff": r.p_before,
        "p_value_before_vs_after": r.p_drift,
        "rejected": r.rejected,
        "cause": r.rejected.then(|| compare::cause(r).name()),
        "pit": r.pit.iter().map(|u| (u.0 * 1e4).round() / 1e4).collect::<Vec<_>>(),
        "pit_histogram": pit_hist,
        "coverage90": r.coverage90.map(|(k, n)| json!({"inside": k, "of": n})),
    })
}

/// Counts of `u` in `bins` equal bins of [0, 1] (censored values left out).
fn histogram(u: &[(f64, bool)], bins: usize) -> Vec<usize> {
    let mut h = vec![0; bins];
    for (x, c) in u {
        if !c {
            h[((x * bins as f64) as usize).min(bins - 1)] += 1;
        }
    }
    h
}

/// `backtest.json`.
pub(crate) fn json(b: &Backtested) -> String {
    let rec = &b.reconstructed;
    let v = json!({
        "scenario": b.scenario,
        "verdict": b.verdict.name(),
        "rule": format!("insufficient data below {} executions on either side of the cutoff; otherwise inconsistent when any test is rejected by Holm's correction at {ALPHA} family-wise, else consistent", compare::MIN_TESTED),
        "cause": b.cause.as_ref().map(|(c, m)| json!({"kind": c.name(), "metrics": m})),
        "findings": b.findings,
        "cutoff": super::rfc3339(b.cutoff),
        "history": {
            "first": super::rfc3339(b.span.0),
            "last": super::rfc3339(b.span.1),
            "executions_before": b.split.0,
            "executions_after": b.split.1,
            "unfinished": rec.unfinished,
            "unlinked": rec.unlinked.iter().map(|(a, w)| json!({"image": a, "why": w})).collect::<Vec<_>>(),
            "step_lists_of_no_image": rec.orphan_steps,
            "ami_events_of_no_image": rec.orphan_events,
            "events_of_other_kinds": rec.other_events,
            "pipelines_without_history": b.unseen,
        },
        "prediction": {"replications": b.plan.0, "seed": b.plan.1},
        "calibration_notes": b.calibration.notes,
        "failure_probabilities": b.calibration.failures.iter().map(|(k, f, n, p)| json!({"key": k, "failed": f, "trials": n, "per_attempt": p, "ci95": pair(super::stats::proportion_ci95(*f, *n))})).collect::<Vec<_>>(),
        "metrics": b.rows.iter().map(row_json).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// A file name for a row.
fn stem(r: &Row) -> String {
    let who = r.pipeline.as_deref().unwrap_or("all");
    format!("{}-{}", who, r.metric.name())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The CDF chart of a duration row: the observed (Kaplan-Meier) over the
/// predicted, with the band an ECDF of n values from the prediction stays
/// in (pointwise 95 %).
fn cdf_chart(dir: &Path, r: &Row) -> Result<String, crate::report::ReportError> {
    let (obs, pred) = &r.data;
    let n = r.n.max(1) as f64;
    // At most 400 points: the predicted sample has thousands.
    let predicted: Vec<(f64, f64)> = (0..=400)
        .filter_map(|k| {
            let q = f64::from(k) / 400.0;
            pred.quantile(q.max(1e-9)).map(|x| (x, q))
        })
        .collect();
    let band: Vec<(f64, f64, f64)> = predicted
        .iter()
        .map(|&(x, f)| {
            let h = 1.96 * (f * (1.0 - f) / n).sqrt();
            (x, (f - h).max(0.0), (f + h).min(1.0))
        })
        .collect();
    let mut km = vec![];
    let sorted: Vec<f64> = {
        let mut v: Vec<f64> = obs.iter().filter(|o| !o.1).map(|o| o.0).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    if obs.iter().all(|o| !o.1) {
        km = crate::report::charts::step_cdf(&sorted);
    } else {
        for q in 1..=200 {
            if let Some(x) = super::stats::km_quantile(obs, f64::from(q) / 200.0) {
                km.push((x, f64::from(q) / 200.0));
            }
        }
    }
    let s = stem(r);
    let title = format!("{} ({})", r.metric.name(), whose(r));
    LineChart {
        title: &title,
        x_label: "seconds",
        y_label: "cumulative probability",
        series: &[
            Series {
                name: format!("observed after the cutoff (n = {})", r.n),
                points: km,
            },
            Series {
                name: format!("predicted (n = {})", r.predicted_n),
                points: predicted,
            },
        ],
        bands: &[Band {
            series: 1,
            points: band,
        }],
        ..Default::default()
    }
    .draw(&ChartFile::inline(dir.join(format!("{s}-cdf"))))?;
    Ok(format!("{s}-cdf"))
}

/// The PIT histogram as a step line, over the uniform with the 95 % range
/// of each bin's count under it.
fn pit_chart(dir: &Path, r: &Row) -> Result<String, crate::report::ReportError> {
    let bins = 10;
    let h = histogram(&r.pit, bins);
    let n: usize = h.iter().sum();
    let expected = n as f64 / bins as f64;
    let mut line = Vec::new();
    for (i, c) in h.iter().enumerate() {
        let d = *c as f64 / expected.max(1e-9);
        line.push((i as f64 / bins as f64, d));
        line.push(((i + 1) as f64 / bins as f64, d));
    }
    let sd = (n as f64 * 0.1 * 0.9).sqrt() / expected.max(1e-9);
    let band = vec![
        (0.0, (1.0 - 1.96 * sd).max(0.0), 1.0 + 1.96 * sd),
        (1.0, (1.0 - 1.96 * sd).max(0.0), 1.0 + 1.96 * sd),
    ];
    let s = stem(r);
    let title = format!("{} ({}): PIT", r.metric.name(), whose(r));
    LineChart {
        title: &title,
        x_label: "predicted probability of each observation (PIT)",
        y_label: "density (1 = uniform)",
        series: &[
            Series {
                name: format!("observed after the cutoff (n = {n})"),
                points: line,
            },
            Series {
                name: "uniform: the model is right".into(),
                points: vec![(0.0, 1.0), (1.0, 1.0)],
            },
        ],
        bands: &[Band {
            series: 1,
            points: band,
        }],
        ..Default::default()
    }
    .draw(&ChartFile::inline(dir.join(format!("{s}-pit"))))?;
    Ok(format!("{s}-pit"))
}

/// The console's summary: the verdict, the findings, the split.
pub(crate) fn console(b: &Backtested) -> String {
    let mut s = format!(
        "backtest of {}: {} ({} executions before the cutoff {}, {} after; {} replications)\n",
        b.scenario,
        b.verdict.name(),
        b.split.0,
        super::rfc3339(b.cutoff),
        b.split.1,
        b.plan.0
    );
    if let Some((c, m)) = &b.cause {
        let _ = writeln!(s, "cause: {} in {}", c.name(), m.join(", "));
    }
    for f in &b.findings {
        let _ = writeln!(s, "- {f}");
    }
    for n in &b.calibration.notes {
        let _ = writeln!(s, "note: {n}");
    }
    if !b.unseen.is_empty() {
        let _ = writeln!(
            s,
            "note: no execution of {} in the history: not backtested",
            b.unseen.join(", ")
        );
    }
    let rec = &b.reconstructed;
    if !rec.unlinked.is_empty() || rec.unfinished > 0 {
        let _ = writeln!(
            s,
            "left out: {} images that could not be linked, {} still running",
            rec.unlinked.len(),
            rec.unfinished
        );
    }
    s
}

/// The table's columns.
const COLUMNS: [&str; 11] = [
    "metric",
    "pipeline",
    "n",
    "observed p50",
    "observed p95",
    "predicted p50 (95 % CI)",
    "predicted p95 (95 % CI)",
    "inside the predicted 90 % interval",
    "p",
    "p before the cutoff",
    "rejected",
];

/// A row's cells, in [`COLUMNS`]' order.
fn cells(r: &Row) -> Vec<String> {
    let ci = |v: (Option<f64>, Option<(f64, f64)>)| match v {
        (Some(x), Some((a, b))) => format!("{} ({} – {})", hms(x), hms(a), hms(b)),
        (Some(x), None) => format!("{} (too few values for a CI)", hms(x)),
        _ => "–".into(),
    };
    let (o50, o95, p50) = match r.failures {
        Some((k, n, s)) => (
            format!("{k} of {n} failed"),
            String::new(),
            format!("{:.1} % fail", s * 100.0),
        ),
        None => (
            opt_hms(r.observed.0),
            opt_hms(r.observed.1),
            ci(r.predicted_p50),
        ),
    };
    vec![
        r.metric.name(),
        r.pipeline.clone().unwrap_or_else(|| "all".into()),
        r.n.to_string(),
        o50,
        o95,
        p50,
        ci(r.predicted_p95),
        r.coverage90
            .map_or("–".into(), |(k, n)| format!("{k} of {n}")),
        p(r.p_value),
        p(r.p_before),
        if r.rejected { "yes" } else { "no" }.into(),
    ]
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The method in words, with the split.
fn method(b: &Backtested) -> String {
    format!(
        "History from {} to {}; cutoff {}: {} executions before (they calibrate the stages), {} after (they are predicted). Prediction: {} replications, seed {}. Each duration is tested by Kolmogorov-Smirnov on its probability integral transform (PIT) under the prediction (Kaplan-Meier, time-outs censored), its effective size that of two samples (the prediction is known as well as the executions before the cutoff tell it); the failure share by a beta-binomial test; Holm's correction at 5 % family-wise over all tests.",
        super::rfc3339(b.span.0),
        super::rfc3339(b.span.1),
        super::rfc3339(b.cutoff),
        b.split.0,
        b.split.1,
        b.plan.0,
        b.plan.1
    )
}

/// The Markdown and HTML reports into `dir`, their charts into `charts`.
pub(crate) fn write_report(
    dir: &Path,
    charts: &Path,
    b: &Backtested,
) -> Result<(), crate::report::ReportError> {
    let verdict = format!("Verdict: {}.", b.verdict.name());
    let mut md = format!("# Backtest: {}\n\n**{verdict}**\n\n", b.scenario);
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest: {0}</title>\n<style>body{{font-family:sans-serif;max-width:1200px;margin:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}img{{max-width:49%}}</style></head><body>\n<h1>Backtest: {0}</h1>\n<p><b>{verdict}</b></p>\n<ul>\n",
        escape(&b.scenario)
    );
    for f in &b.findings {
        let _ = writeln!(md, "- {f}");
        let _ = writeln!(html, "<li>{}</li>", escape(f));
    }
    let _ = write!(
        md,
        "\n{}\n\n| {} | charts |\n|{}\n",
        method(b),
        COLUMNS.join(" | "),
        "---|".repeat(COLUMNS.len() + 1)
    );
    let _ = write!(
        html,
        "</ul>\n<p>{}</p>\n<table><tr><th>{}</th></tr>\n",
        escape(&method(b)),
        COLUMNS.join("</th><th>")
    );
    let mut figures = String::new();
    for r in &b.rows {
        let c = cells(r);
        let links = if r.metric == Metric::Failures || r.n == 0 || r.predicted_n == 0 {
            String::new()
        } else {
            let (cdf, pit) = (cdf_chart(charts, r)?, pit_chart(charts, r)?);
            let _ = writeln!(
                figures,
                "<h3>{} ({})</h3><img src=\"charts/{cdf}.svg\" alt=\"{0}: observed and predicted CDF\"><img src=\"charts/{pit}.svg\" alt=\"{0}: PIT histogram\">",
                r.metric.name(),
                escape(&whose(r))
            );
            format!("[CDF](charts/{cdf}.png), [PIT](charts/{pit}.png)")
        };
        let _ = writeln!(md, "| {} | {links} |", c.join(" | "));
        let _ = writeln!(
            html,
            "<tr><td>{}</td></tr>",
            c.iter()
                .map(|x| escape(x))
                .collect::<Vec<_>>()
                .join("</td><td>")
        );
    }
    let _ = write!(html, "</table>\n{figures}</body></html>\n");
    for (name, text) in [("backtest.md", md), ("backtest.html", html)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| crate::report::ReportError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}
