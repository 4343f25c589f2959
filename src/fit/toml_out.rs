//! The calibration as scenario TOML: `[latency]` keys, `[[route]]` copy
//! models per Region pair, and step durations, each with a comment giving
//! n, the censored count, the date range, the families by AIC and the
//! goodness of fit.

use std::fmt::Write as _;

use super::family::{Family, Fitted};
use super::obs::Target;
use super::stage::{StageFit, StageModel};
use super::throughput::{LR_CRITICAL, Overhead, Z95};

/// Seconds as a duration string, to the millisecond.
pub(crate) fn secs(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("\"{s}s\"")
}

fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A fitted family as a latency table.
pub(crate) fn family_spec(f: &Fitted) -> String {
    let p = &f.params;
    match f.family {
        Family::Exponential => format!("{{ kind = \"exponential\", mean = {} }}", secs(p[0])),
        Family::Lognormal => format!(
            "{{ kind = \"lognormal\", mu = {}, sigma = {} }}",
            num(p[0]),
            num(p[1])
        ),
        Family::Gamma => format!(
            "{{ kind = \"gamma\", shape = {}, scale = {} }}",
            num(p[0]),
            secs(p[1])
        ),
        Family::Weibull => format!(
            "{{ kind = \"weibull\", shape = {}, scale = {} }}",
            num(p[0]),
            secs(p[1])
        ),
        Family::Normal => format!(
            "{{ kind = \"normal\", mean = {}, sd = {} }}",
            secs(p[0]),
            secs(p[1])
        ),
    }
}

/// A date, from seconds since the epoch.
pub(crate) fn date(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .map_or_else(|| "?".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// The value written for a stage.
pub(crate) fn spec(s: &StageFit) -> String {
    let latency = match &s.model {
        StageModel::Families { ranked, .. } => family_spec(&ranked[0]),
        StageModel::Empirical(v) => format!(
            "{{ kind = \"empirical\", values = [{}] }}",
            v.iter().map(|x| secs(*x)).collect::<Vec<_>>().join(", ")
        ),
        StageModel::Throughput { fit, .. } => {
            let overhead = match fit.overhead {
                Overhead::Fixed(o) => secs(o),
                Overhead::Random(l) => format!(
                    "{{ kind = \"lognormal\", mu = {}, sigma = {} }}",
                    num(l.mu),
                    num(l.sigma)
                ),
            };
            return format!(
                "{{ overhead = {overhead}, throughput_mib_s = {{ kind = \"lognormal\", median = {}, p95 = {} }} }}",
                num(fit.median_mib_s()),
                num(fit.p95_mib_s())
            );
        }
    };
    if s.target.is_throughput() {
        // No usable sizes: the whole duration is the overhead.
        format!("{{ overhead = {latency}, throughput_mib_s = 1000000 }}")
    } else {
        latency
    }
}

/// A throughput fit's parameters in words.
fn throughput_words(fit: &super::throughput::Throughput) -> String {
    let se = &fit.se;
    let (overhead, k) = match fit.overhead {
        Overhead::Fixed(o) => (format!("fixed overhead {} s ± {}", num(o), num(se[0])), 1),
        Overhead::Random(l) => (
            format!(
                "random overhead lognormal: median {} s, p95 {} s, mu {} ± {}, sigma {} ± {}",
                num(l.mu.exp()),
                num((l.mu + Z95 * l.sigma).exp()),
                num(l.mu),
                num(se[0]),
                num(l.sigma),
                num(se[1])
            ),
            2,
        ),
    };
    let lr = fit.lr.map_or(String::new(), |lr| {
        format!("; random against fixed overhead: likelihood ratio {lr:.2} (a random one is kept above {LR_CRITICAL:.3}, its 5 % point)")
    });
    format!(
        "{overhead}, rate median {} MiB/s (p95 {}), ln-rate mu {} ± {}, sigma {} ± {}; AIC {:.1}, BIC {:.1}{lr}",
        num(fit.median_mib_s()),
        num(fit.p95_mib_s()),
        num(fit.mu),
        num(se[k]),
        num(fit.sigma),
        num(se[k + 1]),
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
                .map(|(n, (v, se))| format!("{n} {} ± {}", num(*v), num(*se)))
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
    /// `[latency]` keys: key, TOML value, comment.
    pub latency: Vec<(&'static str, String, String)>,
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
    /// Its duration (TOML) when no fit gives one.
    pub duration: Option<String>,
    /// Its failure probability.
    pub failure_probability: Option<f64>,
    /// Why.
    pub comment: String,
}

/// The calibration file.
pub(crate) fn render(fits: &[StageFit], header: &[String]) -> String {
    render_with(fits, header, &Extra::default())
}

/// One fitted value with its comment lines.
fn write_fit(out: &mut String, key: &str, s: &StageFit) {
    for c in comment(s) {
        let _ = writeln!(out, "# {c}");
    }
    let _ = writeln!(out, "{key} = {}", spec(s));
}

/// The calibration file, with `extra`.
pub(crate) fn render_with(fits: &[StageFit], header: &[String], extra: &Extra) -> String {
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "# {h}");
    }
    latency_table(&mut out, fits, extra);
    for s in fits {
        if let Target::Copy {
            from: Some(f),
            to: Some(t),
        } = &s.target
        {
            let _ = writeln!(out, "\n[[route]]\nfrom = \"{f}\"\nto = \"{t}\"");
            write_fit(&mut out, "copy", s);
        }
    }
    step_tables(&mut out, fits, extra);
    if !extra.faults.is_empty() {
        let _ = writeln!(out, "\n[faults]");
        for (k, p, c) in &extra.faults {
            let _ = writeln!(out, "# {c}\n{k} = {}", num(*p));
        }
    }
    out
}

/// `[latency]`: the values set outright, then the fitted ones.
fn latency_table(out: &mut String, fits: &[StageFit], extra: &Extra) {
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
    let _ = writeln!(out, "\n[latency]");
    for (k, v, c) in &extra.latency {
        let _ = writeln!(out, "# {c}\n{k} = {v}");
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
            let _ = writeln!(
                out,
                "instance_ready = \"0s\"  # held in instance_launch above"
            );
        }
    }
}

/// `[component."…"]` and `[test."…"]`: the fitted steps, then those set outright.
fn step_tables(out: &mut String, fits: &[StageFit], extra: &Extra) {
    for s in fits {
        let (table, name) = match &s.target {
            Target::Component(n) => ("component", n),
            Target::Test(n) => ("test", n),
            _ => continue,
        };
        let _ = writeln!(out, "\n[{table}.{}]", toml::Value::String(name.clone()));
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
            let name = toml::Value::String(e.name.clone());
            let _ = writeln!(
                out,
                "\n[{}.{name}]\n# {}\nduration = {d}",
                e.table, e.comment
            );
            step_extra(out, extra, e.table, &e.name);
        }
    }
}

/// A step's failure probability, with its comment, from `extra`.
fn step_extra(out: &mut String, extra: &Extra, table: &str, name: &str) {
    for e in &extra.steps {
        if let (true, Some(p)) = (e.table == table && e.name == name, e.failure_probability) {
            let _ = writeln!(out, "# {}\nfailure_probability = {}", e.comment, num(p));
        }
    }
}
