//! Size-driven stages (snapshots, copies) as amisim's throughput model:
//! duration = overhead + size / rate.
//!
//! Estimation: joint maximum likelihood of a fixed overhead `o` and a
//! lognormal rate `r ~ LN(mu, sigma)` (MiB/s). Given the size `s`, the
//! duration minus the overhead is `s / r`, lognormal with location
//! `ln s - mu` and the same `sigma`, so the density is closed-form and a
//! right-censored duration enters through its survival function. The
//! overhead is kept below the shortest uncensored duration.

use argmin::core::CostFunction;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use super::family::{Family, minimise, standard_errors};

/// One observation: size in MiB, duration in seconds, censored.
pub type SizedObs = (f64, f64, bool);

/// A fitted throughput model.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Fixed overhead, seconds.
    pub overhead_s: f64,
    /// ln of the rate's median (MiB/s).
    pub mu: f64,
    /// sd of ln rate.
    pub sigma: f64,
    /// Standard errors of (overhead, mu, sigma).
    pub se: Vec<f64>,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// AIC (3 parameters).
    pub aic: f64,
    /// BIC.
    pub bic: f64,
}

impl Throughput {
    /// The rate's median, MiB/s.
    pub fn median_mib_s(&self) -> f64 {
        self.mu.exp()
    }

    /// The rate's 95th percentile, MiB/s.
    pub fn p95_mib_s(&self) -> f64 {
        (self.mu + 1.644_853_626_951_472_2 * self.sigma).exp()
    }

    fn location(mu: f64, size: f64) -> f64 {
        size.ln() - mu
    }

    /// P(duration ≤ d) for a snapshot of `size` MiB.
    pub fn cdf(&self, size: f64, d: f64) -> f64 {
        let p = [Self::location(self.mu, size), self.sigma];
        Family::Lognormal.cdf(&p, d - self.overhead_s)
    }

    /// One duration for `size` MiB.
    pub fn sample<R: Rng + ?Sized>(&self, size: f64, rng: &mut R) -> f64 {
        let r = LogNormal::new(self.mu, self.sigma).map_or(self.mu.exp(), |l| l.sample(rng));
        self.overhead_s + size / r
    }
}

fn log_likelihood(p: &[f64], data: &[SizedObs]) -> f64 {
    let (o, mu, sigma) = (p[0], p[1], p[2]);
    data.iter()
        .map(|&(s, d, censored)| {
            let q = [Throughput::location(mu, s), sigma];
            if censored {
                Family::Lognormal.ln_sf(&q, d - o)
            } else {
                Family::Lognormal.ln_pdf(&q, d - o)
            }
        })
        .sum()
}

struct Cost<'a> {
    data: &'a [SizedObs],
    max_overhead: f64,
}

impl Cost<'_> {
    fn natural(&self, t: &[f64]) -> Vec<f64> {
        let sig = 1.0 / (1.0 + (-t[0]).exp());
        vec![self.max_overhead * sig, t[1], t[2].exp()]
    }
}

impl CostFunction for Cost<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, t: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let ll = log_likelihood(&self.natural(t), self.data);
        Ok(if ll.is_finite() { -ll } else { 1e300 })
    }
}

/// True if the sizes vary enough to tell the overhead from the rate.
pub fn identifiable(data: &[SizedObs]) -> bool {
    let (lo, hi) = data.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), d| {
        (lo.min(d.0), hi.max(d.0))
    });
    data.len() >= 3 && hi > lo * 1.5
}

/// Fits the model to `data` (sizes > 0, durations > 0).
pub fn fit(data: &[SizedObs]) -> Throughput {
    let max_overhead = data
        .iter()
        .filter(|d| !d.2)
        .map(|d| d.1)
        .fold(f64::INFINITY, f64::min)
        .min(data.iter().map(|d| d.1).fold(f64::INFINITY, f64::min))
        * 0.999;
    let cost = Cost { data, max_overhead };
    // Start: a third of the shortest duration as overhead, the rest as transfer.
    let o0 = max_overhead / 3.0;
    let lr: Vec<f64> = data.iter().map(|d| (d.0 / (d.1 - o0)).ln()).collect();
    let mu0 = lr.iter().sum::<f64>() / lr.len() as f64;
    let sd0 = (lr.iter().map(|x| (x - mu0).powi(2)).sum::<f64>() / lr.len() as f64)
        .sqrt()
        .max(1e-2);
    let t0 = vec![(1.0_f64 / 3.0 / (2.0 / 3.0)).ln(), mu0, sd0.ln()];
    let t = minimise(Cost { data, max_overhead }, t0, &[0.5, 0.3, 0.3]);
    let p = cost.natural(&t);
    let ll = log_likelihood(&p, data);
    let se = standard_errors(|q| -log_likelihood(q, data), &p);
    let n = data.len() as f64;
    Throughput {
        overhead_s: p[0],
        mu: p[1],
        sigma: p[2],
        se,
        log_likelihood: ll,
        aic: 6.0 - 2.0 * ll,
        bic: 3.0 * n.ln() - 2.0 * ll,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn overhead_and_rate_are_recovered_from_varied_sizes() {
        let truth = Throughput {
            overhead_s: 120.0,
            mu: 30.0_f64.ln(),
            sigma: 0.5,
            se: vec![],
            log_likelihood: 0.0,
            aic: 0.0,
            bic: 0.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let data: Vec<SizedObs> = (0..300)
            .map(|i| {
                let s = 1024.0 * (1.0 + (i % 30) as f64);
                (s, truth.sample(s, &mut rng), false)
            })
            .collect();
        assert!(identifiable(&data));
        let f = fit(&data);
        for (est, t, se) in [
            (f.overhead_s, truth.overhead_s, f.se[0]),
            (f.mu, truth.mu, f.se[1]),
            (f.sigma, truth.sigma, f.se[2]),
        ] {
            assert!((est - t).abs() < 3.29 * se, "true {t}, fitted {est} ± {se}");
        }
    }
}
