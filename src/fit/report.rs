//! `amisim fit --report DIR`: for every fitted stage, the data's CDF (the
//! Kaplan-Meier curve) with the fit overlaid, and a Q-Q plot, as PNG and
//! SVG in the house's charts; and `fit.md` / `fit.html` with every fit.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::family::Obs;
use super::obs::{FitError, located};
use super::stage::{StageFit, StageModel};
use super::toml_out;
use crate::report::charts::{ChartFile, LineChart, Series};

/// A file name for a stage's label.
fn slug(label: &str) -> String {
    let mut s = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

/// The Kaplan-Meier CDF at each uncensored value: (x, F before, F after).
fn km(data: &[(f64, bool)]) -> Vec<(f64, f64, f64)> {
    let mut v = data.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = v.len();
    let mut surv = 1.0;
    let mut out = Vec::new();
    for (i, &(x, censored)) in v.iter().enumerate() {
        if censored {
            continue;
        }
        let before = 1.0 - surv;
        surv *= 1.0 - 1.0 / (n - i) as f64;
        out.push((x, before, 1.0 - surv));
    }
    out
}

/// The curves of one stage: the data's CDF and the fit's over `x`, and the
/// Q-Q points (fitted quantile, observed), with the axis' name.
struct Curves {
    axis: &'static str,
    fit_name: String,
    data: Vec<(f64, f64)>,
    fitted: Vec<(f64, f64)>,
    qq: Vec<(f64, f64)>,
}

fn curves(s: &StageFit) -> Option<Curves> {
    match &s.model {
        StageModel::Empirical(_) => None,
        StageModel::Families { ranked, .. } => {
            let f = &ranked[0];
            let steps = km(&s.data);
            let max = s.data.iter().map(|d| d.0).fold(0.0, f64::max) * 1.05;
            let fitted = (0..=200)
                .map(|i| {
                    let x = max * i as f64 / 200.0;
                    (x, f.family.cdf(&f.params, x))
                })
                .collect();
            let qq = steps
                .iter()
                .map(|&(x, a, b)| (f.family.quantile(&f.params, 0.5 * (a + b)), x))
                .collect();
            Some(Curves {
                axis: "duration (s)",
                fit_name: format!("fit: {}", f.family.kind()),
                data: step_points(&steps),
                fitted,
                qq,
            })
        }
        StageModel::Throughput { fit, .. } => {
            // Each duration through the fitted CDF given its size: uniform if the fit is right.
            let u: Vec<Obs> = s
                .data
                .iter()
                .zip(&s.sizes)
                .map(|(d, size)| (fit.cdf(*size, d.0), d.1))
                .collect();
            let steps = km(&u);
            Some(Curves {
                axis: "F(duration | size), the fit's probability of each duration",
                fit_name: "fit: overhead + size / lognormal rate (uniform here)".into(),
                data: step_points(&steps),
                fitted: vec![(0.0, 0.0), (1.0, 1.0)],
                qq: steps.iter().map(|&(x, a, b)| (0.5 * (a + b), x)).collect(),
            })
        }
    }
}

fn step_points(steps: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0)];
    for &(x, a, b) in steps {
        out.push((x, a));
        out.push((x, b));
    }
    out
}

fn chart_err(e: crate::report::ReportError) -> FitError {
    located(
        Path::new("--report"),
        0,
        "",
        e.to_string(),
        "give a writable directory",
    )
}

/// The model in words.
fn model_words(s: &StageFit) -> String {
    match &s.model {
        StageModel::Families { ranked, .. } => {
            format!("{} ({})", ranked[0].family.kind(), toml_out::spec(s))
        }
        StageModel::Throughput { .. } => format!("overhead + size / rate ({})", toml_out::spec(s)),
        StageModel::Empirical(v) => format!("empirical, {} values", v.len()),
    }
}

fn p_values(s: &StageFit) -> (String, String) {
    match &s.model {
        StageModel::Families { gof, .. } | StageModel::Throughput { gof, .. } => {
            (format!("{:.3}", gof.ks_p), format!("{:.3}", gof.ad_p))
        }
        StageModel::Empirical(_) => ("–".into(), "–".into()),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes the charts and the summaries into `dir`; gives the files written.
pub(crate) fn write(dir: &Path, fits: &[StageFit]) -> Result<Vec<PathBuf>, FitError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        located(
            dir,
            0,
            "",
            format!("cannot create the report directory: {e}"),
            "give a writable directory",
        )
    })?;
    let mut written = Vec::new();
    let mut md = String::from(
        "# Fit report\n\nWritten by `amisim fit --report`. For each stage: the data's CDF (Kaplan-Meier, so censored durations count as longer) with the fit over it, and a Q-Q plot (on the line when the fit is right). For a throughput fit both are drawn on each duration's probability under the fit given its size, which is uniform when the fit is right.\n\n| stage | n | censored | model | KS p | AD p | charts |\n|---|---|---|---|---|---|---|\n",
    );
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fit report</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}img{max-width:100%}</style></head><body>\n<h1>Fit report</h1>\n<p>For each stage: the data's CDF (Kaplan-Meier, so censored durations count as longer) with the fit over it, and a Q-Q plot (on the line when the fit is right).</p>\n<table><tr><th>stage</th><th>n</th><th>censored</th><th>model</th><th>KS p</th><th>AD p</th></tr>\n",
    );
    let mut sections = String::new();
    for s in fits {
        let label = s.target.label();
        let (ks, ad) = p_values(s);
        let links = match curves(s) {
            Some(c) => stage_charts(dir, s, c, &mut written, &mut sections)?,
            None => String::new(),
        };
        let words = model_words(s);
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {ks} | {ad} | {links} |",
            s.n,
            s.censored,
            words.replace('|', "\\|")
        );
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{ks}</td><td>{ad}</td></tr>",
            html_escape(&label),
            s.n,
            s.censored,
            html_escape(&words)
        );
    }
    md.push_str("\nEach stage in full (as in the calibration's comments):\n\n");
    for s in fits {
        let _ = writeln!(
            md,
            "- **{}**: {}",
            s.target.label(),
            toml_out::comment(s).join("; ")
        );
    }
    html.push_str("</table>\n");
    html.push_str(&sections);
    html.push_str("</body></html>\n");
    for (name, text) in [("fit.md", md), ("fit.html", html)] {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| {
            located(
                &p,
                0,
                "",
                format!("cannot write: {e}"),
                "give a writable directory",
            )
        })?;
        written.push(p);
    }
    Ok(written)
}

/// One stage's CDF and Q-Q charts (PNG and SVG) and its HTML section;
/// the Markdown links to them.
fn stage_charts(
    dir: &Path,
    s: &StageFit,
    c: Curves,
    written: &mut Vec<PathBuf>,
    sections: &mut String,
) -> Result<String, FitError> {
    let label = s.target.label();
    let stem = slug(&label);
    let cdf = dir.join(format!("{stem}-cdf"));
    let qq = dir.join(format!("{stem}-qq"));
    LineChart {
        title: &format!("{label}: data and fit"),
        x_label: c.axis,
        y_label: "cumulative probability",
        series: &[
            Series {
                name: "data (Kaplan-Meier)".into(),
                points: c.data,
            },
            Series {
                name: c.fit_name,
                points: c.fitted,
            },
        ],
        ..Default::default()
    }
    .draw(&ChartFile::inline(cdf.clone()))
    .map_err(chart_err)?;
    let hi = c.qq.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max);
    let dots: Vec<crate::report::charts::Marker> =
        c.qq.iter()
            .map(|&(x, y)| (String::new(), x, y, 1))
            .collect();
    LineChart {
        title: &format!("{label}: Q-Q"),
        x_label: "fitted quantile",
        y_label: "observed",
        series: &[Series {
            name: "y = x".into(),
            points: vec![(0.0, 0.0), (hi, hi)],
        }],
        markers: &dots,
        ..Default::default()
    }
    .draw(&ChartFile::inline(qq.clone()))
    .map_err(chart_err)?;
    for ext in ["png", "svg"] {
        written.push(cdf.with_extension(ext));
        written.push(qq.with_extension(ext));
    }
    let _ = write!(
        sections,
        "<h2>{}</h2>\n<p>{}</p>\n<img src=\"{stem}-cdf.svg\" alt=\"{0}: data and fit\">\n<img src=\"{stem}-qq.svg\" alt=\"{0}: Q-Q\">\n",
        html_escape(&label),
        html_escape(&toml_out::comment(s).join("; "))
    );
    Ok(format!("[CDF]({stem}-cdf.png), [Q-Q]({stem}-qq.png)"))
}
