//! The latency families amisim samples, fitted by maximum likelihood with
//! right-censoring: an observation censored at `x` is a duration longer
//! than `x` (a waiter or step that gave up), and enters the likelihood
//! through the survival function, not the density.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Weibull};

/// One observation: a duration in seconds, and whether it is right-censored.
pub type Obs = (f64, bool);

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A family amisim samples (`[latency]` kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// `exponential`: `mean`.
    Exponential,
    /// `lognormal`: `mu`, `sigma` of ln seconds.
    Lognormal,
    /// `gamma`: `shape`, `scale`.
    Gamma,
    /// `weibull`: `shape`, `scale`.
    Weibull,
    /// `normal` truncated at zero: `mean`, `sd` of the untruncated normal.
    Normal,
}

impl Family {
    /// Every family, in the order they are tried.
    pub const ALL: [Family; 5] = [
        Family::Exponential,
        Family::Lognormal,
        Family::Gamma,
        Family::Weibull,
        Family::Normal,
    ];

    /// The scenario's `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
            Family::Normal => "normal",
        }
    }

    /// Names of the natural parameters.
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            Family::Exponential => &["mean"],
            Family::Lognormal => &["mu", "sigma"],
            Family::Gamma | Family::Weibull => &["shape", "scale"],
            Family::Normal => &["mean", "sd"],
        }
    }

    /// Natural parameters from unconstrained ones (logs of the positive ones).
    fn natural(self, t: &[f64]) -> Vec<f64> {
        match self {
            Family::Exponential => vec![t[0].exp()],
            Family::Lognormal | Family::Normal => vec![t[0], t[1].exp()],
            Family::Gamma | Family::Weibull => vec![t[0].exp(), t[1].exp()],
        }
    }

    fn unconstrained(self, p: &[f64]) -> Vec<f64> {
        match self {
            Family::Exponential => vec![p[0].ln()],
            Family::Lognormal | Family::Normal => vec![p[0], p[1].ln()],
            Family::Gamma | Family::Weibull => vec![p[0].ln(), p[1].ln()],
        }
    }

    /// ln f(x).
    pub fn ln_pdf(self, p: &[f64], x: f64) -> f64 {
        if x <= 0.0 {
            return f64::NEG_INFINITY;
        }
        match self {
            Family::Exponential => -p[0].ln() - x / p[0],
            Family::Lognormal => {
                let z = (x.ln() - p[0]) / p[1];
                -x.ln() - p[1].ln() - 0.5 * LN_2PI - 0.5 * z * z
            }
            Family::Gamma => {
                let (k, th) = (p[0], p[1]);
                (k - 1.0) * x.ln() - x / th - libm::lgamma(k) - k * th.ln()
            }
            Family::Weibull => {
                let (k, l) = (p[0], p[1]);
                k.ln() - l.ln() + (k - 1.0) * (x / l).ln() - (x / l).powf(k)
            }
            Family::Normal => {
                let z = (x - p[0]) / p[1];
                -p[1].ln() - 0.5 * LN_2PI - 0.5 * z * z - ln_phi_upper(-p[0] / p[1])
            }
        }
    }

    /// ln S(x) = ln P(X > x).
    pub fn ln_sf(self, p: &[f64], x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match self {
            Family::Exponential => -x / p[0],
            Family::Lognormal => ln_phi_upper((x.ln() - p[0]) / p[1]),
            Family::Gamma => statrs::function::gamma::gamma_ur(p[0], x / p[1])
                .max(1e-300)
                .ln(),
            Family::Weibull => -(x / p[1]).powf(p[0]),
            Family::Normal => ln_phi_upper((x - p[0]) / p[1]) - ln_phi_upper(-p[0] / p[1]),
        }
    }

    /// F(x).
    pub fn cdf(self, p: &[f64], x: f64) -> f64 {
        (-self.ln_sf(p, x).exp_m1()).clamp(0.0, 1.0)
    }

    /// The q-quantile, by bisection on the CDF.
    pub fn quantile(self, p: &[f64], q: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 1.0);
        while self.cdf(p, hi) < q && hi < 1e15 {
            hi *= 2.0;
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.cdf(p, mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(self, p: &[f64], rng: &mut R) -> f64 {
        match self {
            Family::Exponential => Exp::new(1.0 / p[0]).map_or(p[0], |d| d.sample(rng)),
            Family::Lognormal => LogNormal::new(p[0], p[1]).map_or(p[0].exp(), |d| d.sample(rng)),
            Family::Gamma => Gamma::new(p[0], p[1]).map_or(p[0] * p[1], |d| d.sample(rng)),
            Family::Weibull => Weibull::new(p[1], p[0]).map_or(p[1], |d| d.sample(rng)),
            Family::Normal => {
                let d = Normal::new(p[0], p[1]).unwrap_or_else(|_| Normal::new(0.0, 1.0).unwrap());
                // Truncated at zero: resampled, as amisim samples it.
                for _ in 0..10_000 {
                    let x = d.sample(rng);
                    if x > 0.0 {
                        return x;
                    }
                }
                p[1]
            }
        }
    }

    /// Starting values from the data's moments (the censored values taken as they are).
    fn start(self, data: &[Obs]) -> Vec<f64> {
        let xs: Vec<f64> = data.iter().map(|d| d.0).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).max(mean * mean * 1e-4);
        let lmean = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
        let lsd = (xs.iter().map(|x| (x.ln() - lmean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-3);
        match self {
            Family::Exponential => vec![mean],
            Family::Lognormal => vec![lmean, lsd],
            Family::Gamma => vec![mean * mean / var, var / mean],
            Family::Weibull => {
                let k = (var.sqrt() / mean).powf(-1.086).clamp(0.05, 50.0);
                vec![k, mean / libm::tgamma(1.0 + 1.0 / k)]
            }
            Family::Normal => vec![mean, var.sqrt()],
        }
    }
}

/// `n` draws of `family`, right-censored at its `q`-quantile when
/// `censor_q` is given (Type-I censoring, as a time-out censors): data of
/// known truth, for recovery checks.
pub fn draw(family: Family, p: &[f64], n: usize, censor_q: Option<f64>, seed: u64) -> Vec<Obs> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let t = censor_q.map(|q| family.quantile(p, q));
    (0..n)
        .map(|_| {
            let x = family.sample(p, &mut rng);
            match t {
                Some(t) if x > t => (t, true),
                _ => (x, false),
            }
        })
        .collect()
}

/// ln P(Z > z) for a standard normal, accurate far into both tails.
fn ln_phi_upper(z: f64) -> f64 {
    let q = 0.5 * libm::erfc(z / std::f64::consts::SQRT_2);
    if q > 1e-300 {
        q.ln()
    } else {
        // Mills ratio asymptote for very large z.
        -0.5 * z * z - z.ln() - 0.5 * LN_2PI
    }
}

/// The log-likelihood of `data` under `family` with natural parameters `p`.
pub fn log_likelihood(family: Family, p: &[f64], data: &[Obs]) -> f64 {
    data.iter()
        .map(|&(x, censored)| {
            if censored {
                family.ln_sf(p, x)
            } else {
                family.ln_pdf(p, x)
            }
        })
        .sum()
}

/// A fitted family.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The family.
    pub family: Family,
    /// Its natural parameters.
    pub params: Vec<f64>,
    /// Their standard errors, from the observed Fisher information (NaN if singular).
    pub se: Vec<f64>,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// Akaike's information criterion.
    pub aic: f64,
    /// The Bayesian information criterion.
    pub bic: f64,
}

struct NegLl<'a> {
    family: Family,
    data: &'a [Obs],
}

impl CostFunction for NegLl<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, t: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let ll = log_likelihood(self.family, &self.family.natural(t), self.data);
        // Outside the support (or overflowing): a wall, not a NaN.
        Ok(if ll.is_finite() { -ll } else { 1e300 })
    }
}

/// Minimises `cost` from `start` (unconstrained), by Nelder-Mead.
pub(crate) fn minimise<C>(cost: C, start: Vec<f64>, steps: &[f64]) -> Vec<f64>
where
    C: CostFunction<Param = Vec<f64>, Output = f64>,
{
    let mut simplex = vec![start.clone()];
    for (i, s) in steps.iter().enumerate() {
        let mut v = start.clone();
        v[i] += s;
        simplex.push(v);
    }
    let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(1e-10) else {
        return start;
    };
    match Executor::new(cost, solver)
        .configure(|s| s.max_iters(2_000))
        .run()
    {
        Ok(r) => r.state().get_best_param().cloned().unwrap_or(start),
        Err(_) => start,
    }
}

/// The observed information's inverse, by central differences of the
/// negative log-likelihood in the natural parameters: standard errors.
pub(crate) fn standard_errors(nll: impl Fn(&[f64]) -> f64, p: &[f64]) -> Vec<f64> {
    let k = p.len();
    let h: Vec<f64> = p.iter().map(|x| 1e-4 * x.abs().max(1e-3)).collect();
    let mut hess = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in i..k {
            let at = |di: f64, dj: f64| {
                let mut q = p.to_vec();
                q[i] += di;
                q[j] += dj;
                nll(&q)
            };
            let v = if i == j {
                (at(h[i], 0.0) - 2.0 * nll(p) + at(-h[i], 0.0)) / (h[i] * h[i])
            } else {
                (at(h[i], h[j]) - at(h[i], -h[j]) - at(-h[i], h[j]) + at(-h[i], -h[j]))
                    / (4.0 * h[i] * h[j])
            };
            hess[i][j] = v;
            hess[j][i] = v;
        }
    }
    match invert(hess) {
        Some(c) => (0..k).map(|i| c[i][i].sqrt()).collect(),
        None => vec![f64::NAN; k],
    }
}

/// The inverse of a small symmetric matrix by Gauss-Jordan elimination with
/// partial pivoting; `None` if it is singular.
// Hand-written: a 4x4 inverse is all amisim needs, not worth a linear-algebra crate.
fn invert(mut m: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut inv: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for col in 0..k {
        let pivot = (col..k).max_by(|a, b| m[*a][col].abs().total_cmp(&m[*b][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 || !m[pivot][col].is_finite() {
            return None;
        }
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let d = m[col][col];
        for j in 0..k {
            m[col][j] /= d;
            inv[col][j] /= d;
        }
        for r in 0..k {
            if r != col {
                let f = m[r][col];
                for j in 0..k {
                    m[r][j] -= f * m[col][j];
                    inv[r][j] -= f * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

/// Fits `family` to `data` (at least one uncensored value) by maximum likelihood.
pub fn fit(family: Family, data: &[Obs]) -> Fitted {
    let n_unc = data.iter().filter(|d| !d.1).count().max(1) as f64;
    let p = match family {
        // Closed form, censoring included: total time over the events.
        Family::Exponential => vec![data.iter().map(|d| d.0).sum::<f64>() / n_unc],
        _ => {
            let t0 = family.unconstrained(&family.start(data));
            let steps = vec![0.3; t0.len()];
            family.natural(&minimise(NegLl { family, data }, t0, &steps))
        }
    };
    let ll = log_likelihood(family, &p, data);
    let se = standard_errors(|q| -log_likelihood(family, q, data), &p);
    let k = p.len() as f64;
    let n = data.len() as f64;
    Fitted {
        family,
        params: p,
        se,
        log_likelihood: ll,
        aic: 2.0 * k - 2.0 * ll,
        bic: k * n.ln() - 2.0 * ll,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The true models of the recovery tests.
    fn truths() -> [(Family, Vec<f64>); 5] {
        [
            (Family::Exponential, vec![120.0]),
            (Family::Lognormal, vec![5.0, 0.6]),
            (Family::Gamma, vec![3.0, 40.0]),
            (Family::Weibull, vec![1.8, 200.0]),
            (Family::Normal, vec![300.0, 60.0]),
        ]
    }

    /// `n` draws, right-censored at the true 90th percentile when `censor`.
    fn sample(f: Family, p: &[f64], n: usize, censor: bool, seed: u64) -> Vec<Obs> {
        draw(f, p, n, censor.then_some(0.9), seed)
    }

    #[test]
    fn each_family_is_recovered_within_its_fisher_interval_with_and_without_censoring() {
        // 99.9 % intervals (z = 3.29): 20 parameters checked at a fixed seed.
        for (i, (f, truth)) in truths().into_iter().enumerate() {
            for censor in [false, true] {
                let data = sample(f, &truth, 300, censor, 10 + i as u64);
                let fit = fit(f, &data);
                for (j, t) in truth.iter().enumerate() {
                    let (est, se) = (fit.params[j], fit.se[j]);
                    assert!(se.is_finite() && se > 0.0, "{f:?} se {se}");
                    assert!(
                        (est - t).abs() < 3.29 * se,
                        "{f:?} censored={censor} {}: true {t}, fitted {est} ± {se}",
                        f.param_names()[j]
                    );
                }
            }
        }
    }

    #[test]
    fn the_right_family_wins_by_aic_at_n_500() {
        // 20 samples of each; an exponential is also a gamma or a Weibull of
        // shape 1, so it needs only to win most often (about 4 in 5 here).
        for (f, p) in truths() {
            let wins = (0..20)
                .filter(|s| {
                    let d = sample(f, &p, 500, false, 1000 + s);
                    let best = Family::ALL
                        .iter()
                        .map(|g| fit(*g, &d))
                        .min_by(|a, b| a.aic.total_cmp(&b.aic))
                        .unwrap();
                    best.family == f
                })
                .count();
            let need = if f == Family::Exponential { 12 } else { 16 };
            assert!(wins >= need, "{f:?} won {wins} of 20");
        }
    }

    #[test]
    fn a_censored_sample_fitted_as_if_exact_is_biased_and_fitted_as_censored_is_not() {
        let (f, truth) = (Family::Lognormal, [5.0, 0.6]);
        let data = sample(f, &truth, 300, true, 77);
        assert!(data.iter().filter(|d| d.1).count() > 20);
        let naive: Vec<Obs> = data.iter().map(|d| (d.0, false)).collect();
        let (right, wrong) = (fit(f, &data), fit(f, &naive));
        // sigma: the time-outs taken as durations shrink the spread.
        let z = |fit: &Fitted| (fit.params[1] - truth[1]) / fit.se[1];
        assert!(z(&right).abs() < 3.29, "censored fit: z = {}", z(&right));
        assert!(z(&wrong) < -3.29, "naive fit: z = {}", z(&wrong));
    }
}
