//! The statistics of a backtest: the predicted distribution as a sample,
//! quantiles with their order-statistic intervals, the randomized
//! probability integral transform, Kolmogorov-Smirnov p-values, Holm's
//! correction and the binomial test of a failure rate.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// A sample, sorted.
#[derive(Debug, Clone, Default)]
pub struct Sample(Vec<f64>);

impl Sample {
    /// From values in any order.
    pub fn new(mut v: Vec<f64>) -> Sample {
        v.sort_by(f64::total_cmp);
        Sample(v)
    }

    /// Its size.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values, sorted.
    pub fn values(&self) -> &[f64] {
        &self.0
    }

    /// P(X < x) and P(X ≤ x).
    pub fn cdf_below_at(&self, x: f64) -> (f64, f64) {
        let n = self.0.len().max(1) as f64;
        let lo = self.0.partition_point(|v| *v < x) as f64;
        let hi = self.0.partition_point(|v| *v <= x) as f64;
        (lo / n, hi / n)
    }

    /// The nearest-rank `q` quantile.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.0.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.0[rank - 1])
    }

    /// The order-statistic 95 % interval of the `q` quantile; `None` when
    /// its ranks fall outside the sample (it cannot support one).
    pub fn quantile_ci95(&self, q: f64) -> Option<(f64, f64)> {
        let n = self.0.len() as u64;
        let (lo, hi) = crate::experiment::stats::quantile_ci_ranks(n, q)?;
        if lo < 1.0 || hi > n as f64 {
            return None;
        }
        Some((self.0[lo as usize - 1], self.0[hi as usize - 1]))
    }
}

/// The Kaplan-Meier `q` quantile of durations with censoring flags; `None`
/// when the curve never reaches `q` (too much is censored) or no value.
pub(crate) fn km_quantile(values: &[(f64, bool)], q: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = v.len();
    let mut surv = 1.0;
    for (i, (x, censored)) in v.iter().enumerate() {
        if *censored {
            continue;
        }
        surv *= 1.0 - 1.0 / (n - i) as f64;
        if 1.0 - surv >= q - 1e-12 {
            return Some(*x);
        }
    }
    None
}

/// The randomized probability integral transform of each value under
/// `pred`: uniform between P(X < x) and P(X ≤ x), so that atoms (a wait
/// that is almost always zero) give uniform values when the model holds.
/// A censored value is only known to lie above: its transform is censored.
pub(crate) fn pit(pred: &Sample, values: &[(f64, bool)], seed: u64) -> Vec<(f64, bool)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    values
        .iter()
        .map(|&(x, c)| {
            let (lo, hi) = pred.cdf_below_at(x);
            let u: f64 = rng.random();
            ((lo + u * (hi - lo)).clamp(0.0, 1.0), c)
        })
        .collect()
}

/// Kolmogorov's limiting distribution: P(√n·D > λ) for Stephens' λ.
// Hand-written: statrs has no Kolmogorov distribution; the series converges in a few terms.
pub(crate) fn kolmogorov_p(d: f64, n_eff: f64) -> f64 {
    if n_eff <= 0.0 || d <= 0.0 {
        return 1.0;
    }
    let s = n_eff.sqrt();
    let lambda = (s + 0.12 + 0.11 / s) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut p = 0.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = 2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp();
        p += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    p.clamp(0.0, 1.0)
}

/// One-sample KS of transformed values against the uniform (Kaplan-Meier
/// with censoring): (D, p) with the size `m` the prediction is known from
/// folded in as a two-sample test's effective size n·m / (n + m).
pub(crate) fn ks_pit(u: &[(f64, bool)], m: usize) -> (f64, f64) {
    let (d, _) = crate::fit::gof::statistics(u);
    let n = u.len() as f64;
    let m = m as f64;
    (d, kolmogorov_p(d, n * m / (n + m)))
}

/// Two-sample KS of uncensored values: (D, p).
pub(crate) fn ks_two(a: &[f64], b: &[f64]) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 1.0);
    }
    let (sa, sb) = (Sample::new(a.to_vec()), Sample::new(b.to_vec()));
    let d = sa
        .values()
        .iter()
        .chain(sb.values())
        .map(|x| (sa.cdf_below_at(*x).1 - sb.cdf_below_at(*x).1).abs())
        .fold(0.0, f64::max);
    let (n, m) = (a.len() as f64, b.len() as f64);
    (d, kolmogorov_p(d, n * m / (n + m)))
}

/// Holm's step-down rejections at family-wise level `alpha`.
pub(crate) fn holm(p: &[f64], alpha: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut out = vec![false; p.len()];
    let m = p.len();
    for (rank, &i) in order.iter().enumerate() {
        if p[i] > alpha / (m - rank) as f64 {
            break;
        }
        out[i] = true;
    }
    out
}

/// Two-sided exact binomial test of `k` of `n` under probability `p`:
/// the probability of outcomes no likelier than `k`.
pub(crate) fn binomial_p(k: u64, n: u64, p: f64) -> f64 {
    use statrs::distribution::{Binomial, Discrete};
    let Ok(b) = Binomial::new(p.clamp(0.0, 1.0), n) else {
        return 1.0;
    };
    let at = b.pmf(k);
    let total: f64 = (0..=n)
        .map(|i| b.pmf(i))
        .filter(|q| *q <= at * (1.0 + 1e-7))
        .sum();
    total.min(1.0)
}

/// Two-sided test of `k` failures in `n` against a share predicted from a
/// model fitted on `n_fit` executions: `k` is beta-binomial with mean
/// `share` and the uncertainty of a share estimated from `n_fit` trials
/// (α = share·n_fit + ½, β = (1 − share)·n_fit + ½). The probability of
/// outcomes no likelier than `k`.
pub(crate) fn beta_binomial_p(k: u64, n: u64, share: f64, n_fit: u64) -> f64 {
    use statrs::function::beta::ln_beta;
    let a = share.clamp(0.0, 1.0) * n_fit as f64 + 0.5;
    let b = (1.0 - share.clamp(0.0, 1.0)) * n_fit as f64 + 0.5;
    let ln_choose = |n: u64, i: u64| statrs::function::factorial::ln_binomial(n, i);
    let pmf = |i: u64| {
        (ln_choose(n, i) + ln_beta(i as f64 + a, (n - i) as f64 + b) - ln_beta(a, b)).exp()
    };
    let at = pmf(k.min(n));
    let total: f64 = (0..=n).map(pmf).filter(|q| *q <= at * (1.0 + 1e-7)).sum();
    total.min(1.0)
}

/// Clopper-Pearson 95 % interval of `k` successes in `n`.
pub(crate) fn proportion_ci95(k: u64, n: u64) -> Option<(f64, f64)> {
    use statrs::distribution::{Beta, ContinuousCDF};
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let lo = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, n - k + 1.0).ok()?.inverse_cdf(0.025)
    };
    let hi = if k == n {
        1.0
    } else {
        Beta::new(k + 1.0, n - k).ok()?.inverse_cdf(0.975)
    };
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kolmogorov_matches_its_table() {
        // √n·D = 1.358 is the 5 % point of the limiting distribution.
        let n = 1e6;
        assert!((kolmogorov_p(1.358 / f64::sqrt(n), n) - 0.05).abs() < 0.002);
        assert!((kolmogorov_p(1.628 / f64::sqrt(n), n) - 0.01).abs() < 0.001);
    }

    #[test]
    fn holm_steps_down() {
        assert_eq!(holm(&[0.01, 0.04, 0.03], 0.05), vec![true, false, false]);
        assert_eq!(holm(&[0.01, 0.02, 0.2], 0.05), vec![true, true, false]);
    }

    #[test]
    fn a_fair_binomial_is_symmetric() {
        assert!((binomial_p(5, 10, 0.5) - 1.0).abs() < 1e-9);
        assert!((binomial_p(0, 10, 0.5) - 2.0 / 1024.0).abs() < 1e-9);
    }

    #[test]
    fn pit_of_an_atom_is_uniform_over_it() {
        let pred = Sample::new(vec![0.0; 100]);
        let u = pit(&pred, &vec![(0.0, false); 2000], 1);
        let mean = u.iter().map(|x| x.0).sum::<f64>() / 2000.0;
        // Uniform on (0, 1): sd of the mean √(1/12/2000) ≈ 0.0065.
        assert!((mean - 0.5).abs() < 4.0 * 0.0065, "{mean}");
    }
}
