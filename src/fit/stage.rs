//! Fitting each stage: the families ranked by AIC with their goodness of
//! fit, the throughput model for the size-driven stages, and the empirical
//! distribution below `--min-samples`.

use std::collections::BTreeMap;

use super::family::{self, Family, Fitted, Obs};
use super::gof::{self, Gof};
use super::obs::{Observation, Target};
use super::throughput::{self, SizedObs, Throughput};

/// How a stage is fitted.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Below this many uncensored observations, the empirical distribution.
    pub min_samples: usize,
    /// Parametric-bootstrap samples for the p-values.
    pub bootstrap: usize,
    /// Their seed.
    pub seed: u64,
}

/// What a stage's data became.
#[derive(Debug, Clone)]
pub enum StageModel {
    /// Every family, best (lowest AIC) first; the best one's goodness of fit,
    /// and the KS and AD statistics of every family.
    Families {
        /// The fits, best first.
        ranked: Vec<Fitted>,
        /// The best one's statistics and p-values.
        gof: Gof,
        /// Each fit's (KS, AD), in `ranked`'s order.
        stats: Vec<(f64, f64)>,
    },
    /// Overhead + size / rate.
    Throughput {
        /// The fit.
        fit: Throughput,
        /// Its goodness of fit (on the transform given each size).
        gof: Gof,
    },
    /// Too few observations: the uncensored durations themselves.
    Empirical(Vec<f64>),
}

/// One fitted stage.
#[derive(Debug, Clone)]
pub struct StageFit {
    /// What it calibrates.
    pub target: Target,
    /// Observations.
    pub n: usize,
    /// Of which right-censored.
    pub censored: usize,
    /// First and last start, seconds since the epoch, if known.
    pub range: Option<(f64, f64)>,
    /// The model.
    pub model: StageModel,
    /// What the user should know (sizes missing, rows pooled, …).
    pub notes: Vec<String>,
    /// The data: durations and censoring.
    pub data: Vec<Obs>,
    /// Sizes in MiB, for a throughput fit, in `data`'s order.
    pub sizes: Vec<f64>,
}

const MIB_PER_GIB: f64 = 1024.0;

/// Type-I censoring at the largest censored value: how the bootstrap
/// censors its draws (a waiter or step time-out).
fn censor_at(data: &[Obs]) -> Option<f64> {
    data.iter().filter(|d| d.1).map(|d| d.0).reduce(f64::max)
}

fn fit_families(data: &[Obs], o: &Options) -> StageModel {
    let mut ranked: Vec<Fitted> = Family::ALL
        .iter()
        .map(|f| family::fit(*f, data))
        .filter(|f| f.log_likelihood.is_finite())
        .collect();
    ranked.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let pit = |f: &Fitted, d: &[Obs]| -> Vec<(f64, bool)> {
        d.iter()
            .map(|x| (f.family.cdf(&f.params, x.0), x.1))
            .collect()
    };
    let stats: Vec<(f64, f64)> = ranked
        .iter()
        .map(|f| gof::statistics(&pit(f, data)))
        .collect();
    let best = ranked[0].clone();
    let t = censor_at(data);
    let n = data.len();
    let gof = gof::bootstrap(stats[0], o.bootstrap, o.seed, |rng| {
        let sim: Vec<Obs> = (0..n)
            .map(|_| {
                let x = best.family.sample(&best.params, rng);
                match t {
                    Some(t) if x > t => (t, true),
                    _ => (x, false),
                }
            })
            .collect();
        if sim.iter().all(|s| s.1) {
            return (1.0, f64::INFINITY);
        }
        let refit = family::fit(best.family, &sim);
        gof::statistics(&pit(&refit, &sim))
    });
    StageModel::Families { ranked, gof, stats }
}

fn fit_throughput(data: &[SizedObs], o: &Options) -> StageModel {
    let fit = throughput::fit(data);
    let pit = |f: &Throughput, d: &[SizedObs]| -> Vec<(f64, bool)> {
        d.iter().map(|x| (f.cdf(x.0, x.1), x.2)).collect()
    };
    let observed = gof::statistics(&pit(&fit, data));
    let t = data.iter().filter(|d| d.2).map(|d| d.1).reduce(f64::max);
    let gof = gof::bootstrap(observed, o.bootstrap, o.seed, |rng| {
        let sim: Vec<SizedObs> = data
            .iter()
            .map(|d| {
                let x = fit.sample(d.0, rng);
                match t {
                    Some(t) if x > t => (d.0, t, true),
                    _ => (d.0, x, false),
                }
            })
            .collect();
        if sim.iter().all(|s| s.2) {
            return (1.0, f64::INFINITY);
        }
        let refit = throughput::refit(&fit, &sim);
        gof::statistics(&pit(&refit, &sim))
    });
    StageModel::Throughput { fit, gof }
}

/// Fits one group of observations.
fn fit_one(target: Target, obs: &[&Observation], o: &Options, mut notes: Vec<String>) -> StageFit {
    for m in obs.iter().filter_map(|x| x.measured) {
        if !notes.iter().any(|n| n == m) {
            notes.push(m.to_string());
        }
    }
    let mut data: Vec<Obs> = obs.iter().map(|x| (x.duration_s, x.censored)).collect();
    let censored = data.iter().filter(|d| d.1).count();
    let uncensored = data.len() - censored;
    let starts: Vec<f64> = obs.iter().filter_map(|x| x.started).collect();
    let range = (!starts.is_empty()).then(|| {
        (
            starts.iter().copied().fold(f64::INFINITY, f64::min),
            starts.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    });
    let mut sizes = Vec::new();
    let model = if uncensored < o.min_samples.max(2) {
        notes.push(format!(
            "{uncensored} uncensored observations, fewer than --min-samples {}: the empirical distribution of the data{}",
            o.min_samples,
            if censored > 0 {
                format!(" ({censored} censored left out, so it runs short)")
            } else {
                String::new()
            }
        ));
        let mut v: Vec<f64> = data.iter().filter(|d| !d.1).map(|d| d.0).collect();
        v.sort_by(f64::total_cmp);
        StageModel::Empirical(v)
    } else if target.is_throughput() {
        let sized: Vec<SizedObs> = obs
            .iter()
            .filter_map(|x| {
                x.size_gib
                    .map(|g| (g * MIB_PER_GIB, x.duration_s, x.censored))
            })
            .collect();
        if sized.len() >= o.min_samples.max(3) && throughput::identifiable(&sized) {
            if sized.len() < obs.len() {
                // Sized and unsized logs of one stage: the rate comes from the sized.
                notes.push(format!(
                    "{} observations without a size left out (the rate is fitted on the {} with one)",
                    obs.len() - sized.len(),
                    sized.len()
                ));
            }
            sizes = sized.iter().map(|s| s.0).collect();
            data = sized.iter().map(|s| (s.1, s.2)).collect();
            fit_throughput(&sized, o)
        } else {
            notes.push(if sized.len() < obs.len() {
                format!("{} of {} observations have no size: durations fitted alone, the whole duration as overhead", obs.len() - sized.len(), obs.len())
            } else {
                "the sizes hardly vary, so the overhead cannot be told from the rate: durations fitted alone, the whole duration as overhead".into()
            });
            fit_families(&data, o)
        }
    } else {
        fit_families(&data, o)
    };
    StageFit {
        target,
        n: data.len(),
        censored: data.iter().filter(|d| d.1).count(),
        range,
        model,
        notes,
        data,
        sizes,
    }
}

/// Fits every stage the observations name: one fit per target, and for
/// copies one per Region pair as well as all pairs together.
pub fn fit_all(obs: &[Observation], o: &Options) -> Vec<StageFit> {
    let mut groups: BTreeMap<Target, Vec<&Observation>> = BTreeMap::new();
    for x in obs {
        if let Target::Copy { from, to } = &x.target {
            if from.is_some() && to.is_some() {
                groups.entry(x.target.clone()).or_default().push(x);
            }
            groups
                .entry(Target::Copy {
                    from: None,
                    to: None,
                })
                .or_default()
                .push(x);
            continue;
        }
        groups.entry(x.target.clone()).or_default().push(x);
    }
    let mut out = Vec::new();
    for (target, mut xs) in groups {
        let mut notes = Vec::new();
        if target == Target::Latency("instance_launch") && xs.iter().any(|x| x.with_readiness) {
            // LaunchInstance (or launch_builder / launch_test) holds the
            // readiness wait: the fit is of both, and readiness becomes 0.
            let before = xs.len();
            xs.retain(|x| x.with_readiness);
            notes.push("from LaunchInstance (launch_builder, launch_test): the launch and Image Builder's readiness wait together, so instance_ready is set to 0".into());
            if xs.len() < before {
                notes.push(format!(
                    "{} destination or migration launches left out: they hold no readiness wait",
                    before - xs.len()
                ));
            }
        }
        if target.is_throughput() && xs.iter().any(|x| x.incremental == Some(true)) {
            let before = xs.len();
            xs.retain(|x| x.incremental != Some(true));
            notes.push(format!("{} incremental copies left out: their transferred size is not logged, so only full copies fit the rate", before - xs.len()));
            if xs.is_empty() {
                continue;
            }
        }
        out.push(fit_one(target, &xs, o, notes));
    }
    out
}
