//! The calibration as scenario TOML: `[latency]` keys, `[[route]]` copy
//! models per Region pair, and step durations, each with a comment giving
//! n, the censored count, the date range, the families by AIC and the
//! goodness of fit.

use std::fmt::Write as _;

use super::family::{Family, Fitted};
use super::obs::Target;
use super::stage::{StageFit, StageModel};
use super::throughput::{LR_CRITICAL, Overhead, Z95};
use crate::engine::SimDuration;
use crate::scenario::draft::{Draft, Val};
use crate::scenario::raw::RawCalibration;
use crate::scenario::spec::{DistTable, Dur, LawSpec, ThroughputSpec};

/// Seconds as a duration, to the millisecond (as `"12.345s"` reads).
pub(crate) fn secs(x: f64) -> Dur {
    Dur(SimDuration::parse(&format!("{x:.3}s")).unwrap_or(SimDuration::from_secs_f64(x)))
}

/// A parameter to six decimals (as its decimal text reads).
fn num(x: f64) -> f64 {
    format!("{x:.6}").parse().unwrap_or(x)
}

/// A parameter to six decimals, in words.
fn words(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A lognormal law by the mean and standard deviation of its logarithm.
fn lognormal<P>(mu: f64, sigma: f64) -> LawSpec<P> {
    LawSpec::Table(DistTable::Lognormal {
        median: None,
        p95: None,
        mu: Some(num(mu)),
        sigma: Some(num(sigma)),
    })
}

/// A fitted family as a latency law.
pub(crate) fn family_spec(f: &Fitted) -> LawSpec<Dur> {
    let p = &f.params;
    LawSpec::Table(match f.family {
        Family::Exponential => DistTable::Exponential { mean: secs(p[0]) },
        Family::Lognormal => return lognormal(p[0], p[1]),
        Family::Gamma => DistTable::Gamma {
            shape: num(p[0]),
            scale: secs(p[1]),
        },
        Family::Weibull => DistTable::Weibull {
            shape: num(p[0]),
            scale: secs(p[1]),
        },
        Family::Normal => DistTable::Normal {
            mean: secs(p[0]),
            sd: secs(p[1]),
        },
    })
}

/// A date, from seconds since the epoch.
pub(crate) fn date(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .map_or_else(|| "?".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// The value written for a stage: a law, or a throughput's overhead and rate.
pub(crate) fn spec_value(s: &StageFit) -> Val {
    let latency = match &s.model {
        StageModel::Families { ranked, .. } => family_spec(&ranked[0]),
        StageModel::Empirical(v) => LawSpec::Table(DistTable::Empirical {
            values: Some(v.iter().map(|x| secs(*x)).collect()),
            csv: None,
        }),
        StageModel::Throughput { fit, .. } => {
            let overhead = match fit.overhead {
                Overhead::Fixed(o) => LawSpec::Constant(secs(o)),
                Overhead::Random(l) => lognormal(l.mu, l.sigma),
            };
            return Val::of(&ThroughputSpec {
                overhead,
                throughput_mib_s: LawSpec::Table(DistTable::Lognormal {
                    median: Some(num(fit.median_mib_s())),
                    p95: Some(num(fit.p95_mib_s())),
                    mu: None,
                    sigma: None,
                }),
            });
        }
    };
    if s.target.is_throughput() {
        // No usable sizes: the whole duration is the overhead.
        Val::of(&ThroughputSpec {
            overhead: latency,
            throughput_mib_s: LawSpec::Constant(1_000_000.0),
        })
    } else {
        Val::of(&latency)
    }
}

/// The value written for a stage, as inline TOML (for the console and report).
pub(crate) fn spec(s: &StageFit) -> String {
    spec_value(s).to_string()
}

/// A throughput fit's parameters in words.
fn throughput_words(fit: &super::throughput::Throughput) -> String {
    let se = &fit.se;
    let (overhead, k) = match fit.overhead {
        Overhead::Fixed(o) => (
            format!("fixed overhead {} s ± {}", words(o), words(se[0])),
            1,
        ),
        Overhead::Random(l) => (
            format!(
                "random overhead lognormal: median {} s, p95 {} s, mu {} ± {}, sigma {} ± {}",
                words(l.mu.exp()),
                words((l.mu + Z95 * l.sigma).exp()),
                words(l.mu),
                words(se[0]),
                words(l.sigma),
                words(se[1])
            ),
            2,
        ),
    };
    let lr = fit.lr.map_or(String::new(), |lr| {
        format!("; random against fixed overhead: likelihood ratio {lr:.2} (a random one is kept above {LR_CRITICAL:.3}, its 5 % point)")
    });
    format!(
        "{overhead}, rate median {} MiB/s (p95 {}), ln-rate mu {} ± {}, sigma {} ± {}; AIC {:.1}, BIC {:.1}{lr}",
        words(fit.median_mib_s()),
        words(fit.p95_mib_s()),
        words(fit.mu),
        words(se[k]),
        words(fit.sigma),
        words(se[k + 1]),
        fit.aic,
        fit.bic
    )
}

/// The comment lines above a stage's value.
pub(crate) fn comment(s: &StageFit) -> Vec<String> {
    let mut head = format!(
        "{}: n = {} ({} censored)",
        s.target.label(),
        s.n,
        s.censored
    );
    if let Some((a, b)) = s.range {
        let _ = write!(head, ", {} to {}", date(a), date(b));
    }
    let mut out = vec![head];
    match &s.model {
        StageModel::Families { ranked, gof, stats } => {
            let best = ranked[0].aic;
            let by_aic: Vec<String> = ranked
                .iter()
                .zip(stats)
                .map(|(f, (ks, ad))| {
                    format!(
                        "{} {:+.1} (KS {:.3}, AD {:.2})",
                        f.family.kind(),
                        f.aic - best,
                        ks,
                        ad
                    )
                })
                .collect();
            out.push(format!("by AIC (Δ from the best): {}", by_aic.join(", ")));
            let bic = ranked
                .iter()
                .min_by(|a, b| a.bic.total_cmp(&b.bic))
                .map_or("", |f| f.family.kind());
            let p = &ranked[0];
            let params: Vec<String> = p
                .family
                .param_names()
                .iter()
                .zip(p.params.iter().zip(&p.se))
                .map(|(n, (v, se))| format!("{n} {} ± {}", words(*v), words(*se)))
                .collect();
            out.push(format!(
                "{}: {} (± one standard error); best by BIC: {bic}; KS {:.3} p = {:.3}, AD {:.3} p = {:.3} (parametric bootstrap, {} samples, seed {})",
                p.family.kind(),
                params.join(", "),
                gof.ks,
                gof.ks_p,
                gof.ad,
                gof.ad_p,
                gof.samples,
                gof.seed
            ));
        }
        StageModel::Throughput { fit, gof } => {
            out.push(throughput_words(fit));
            out.push(format!(
                "KS {:.3} p = {:.3}, AD {:.3} p = {:.3} (on F(duration | size); parametric bootstrap, {} samples, seed {})",
                gof.ks, gof.ks_p, gof.ad, gof.ad_p, gof.samples, gof.seed
            ));
        }
        StageModel::Empirical(_) => {}
    }
    out.extend(s.notes.iter().cloned());
    out
}

/// What a calibration holds besides the fits (`amisim backtest` writes
/// them): values set outright, each with its comment.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    /// `[latency]` keys: key, duration, comment.
    pub latency: Vec<(&'static str, Dur, String)>,
    /// Steps' values.
    pub steps: Vec<ExtraStep>,
    /// `[faults]` keys: key, probability, comment.
    pub faults: Vec<(&'static str, f64, String)>,
}

/// A step's values set outright.
#[derive(Debug)]
pub(crate) struct ExtraStep {
    /// `component` or `test`.
    pub table: &'static str,
    /// The step's name.
    pub name: String,
    /// Its duration when no fit gives one.
    pub duration: Option<Dur>,
    /// Its failure probability.
    pub failure_probability: Option<f64>,
    /// Why.
    pub comment: String,
}

/// The calibration file.
pub(crate) fn render(fits: &[StageFit], header: &[String]) -> Result<String, String> {
    render_with(fits, header, &Extra::default())
}

/// One fitted value with its comment lines.
fn write_fit(out: &mut Draft, key: &str, s: &StageFit) {
    for c in comment(s) {
        out.comment_next(c);
    }
    out.set(key, spec_value(s), "");
}

/// The calibration file, with `extra`, written through the calibration's
/// raw type; an error is amisim's own fault.
pub(crate) fn render_with(
    fits: &[StageFit],
    header: &[String],
    extra: &Extra,
) -> Result<String, String> {
    let mut out = Draft::default();
    latency_table(&mut out, fits, extra);
    for s in fits {
        if let Target::Copy {
            from: Some(f),
            to: Some(t),
        } = &s.target
        {
            out.tables(&["route"]);
            out.set("from", Val::str(f), "");
            out.set("to", Val::str(t), "");
            write_fit(&mut out, "copy", s);
        }
    }
    step_tables(&mut out, fits, extra);
    if !extra.faults.is_empty() {
        out.table(&["faults"]);
        for (k, p, c) in &extra.faults {
            out.comment_next(c.clone());
            out.set(k, num(*p), "");
        }
    }
    let mut head: String = header.iter().map(|h| format!("# {h}\n")).collect();
    head.push('\n');
    out.render::<RawCalibration>(&head).map(|(text, _)| text)
}

/// `[latency]`: the values set outright, then the fitted ones.
fn latency_table(out: &mut Draft, fits: &[StageFit], extra: &Extra) {
    let latency: Vec<&StageFit> = fits
        .iter()
        .filter(|s| {
            matches!(
                s.target,
                Target::Latency(_) | Target::Throughput(_) | Target::Copy { from: None, .. }
            )
        })
        .collect();
    if latency.is_empty() && extra.latency.is_empty() {
        return;
    }
    out.table(&["latency"]);
    for (k, v, c) in &extra.latency {
        out.comment_next(c.clone());
        out.set(k, Val::of(v), "");
    }
    for s in latency {
        let key = match &s.target {
            Target::Latency(k) | Target::Throughput(k) => k,
            _ => "copy",
        };
        write_fit(out, key, s);
        if key == "instance_launch"
            && s.notes
                .iter()
                .any(|n| n.contains("instance_ready is set to 0"))
        {
            out.set(
                "instance_ready",
                Val::of(&Dur(SimDuration::ZERO)),
                "held in instance_launch above",
            );
        }
    }
}

/// `[component."…"]` and `[test."…"]`: the fitted steps, then those set outright.
fn step_tables(out: &mut Draft, fits: &[StageFit], extra: &Extra) {
    for s in fits {
        let (table, name) = match &s.target {
            Target::Component(n) => ("component", n),
            Target::Test(n) => ("test", n),
            _ => continue,
        };
        out.table(&[table, name]);
        write_fit(out, "duration", s);
        step_extra(out, extra, table, name);
    }
    for e in &extra.steps {
        let fitted = fits.iter().any(|s| match &s.target {
            Target::Component(n) => e.table == "component" && *n == e.name,
            Target::Test(n) => e.table == "test" && *n == e.name,
            _ => false,
        });
        if let (false, Some(d)) = (fitted, &e.duration) {
            out.table(&[e.table, &e.name]);
            out.comment_next(e.comment.clone());
            out.set("duration", Val::of(d), "");
            step_extra(out, extra, e.table, &e.name);
        }
    }
}

/// A step's failure probability, with its comment, from `extra`.
fn step_extra(out: &mut Draft, extra: &Extra, table: &str, name: &str) {
    for e in &extra.steps {
        if let (true, Some(p)) = (e.table == table && e.name == name, e.failure_probability) {
            out.comment_next(e.comment.clone());
            out.set("failure_probability", num(p), "");
        }
    }
}
