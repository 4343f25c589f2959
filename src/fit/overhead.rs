//! A random overhead: duration = overhead + size / rate with both drawn per
//! copy, as the scenario format allows, fitted by maximum likelihood.
//!
//! The density of the sum has no closed form (a sum of lognormals), so it is
//! a numerical convolution: the expectation, over the one of the two terms
//! with the smaller spread, of the other's density at the remainder. The
//! expectation is the midpoint rule on `K` equal quantile steps (each node
//! a quantile of the integrated term), exact in the limit and smooth in the
//! parameters, which Nelder-Mead needs; the other term's density is wide
//! next to the nodes' spacing because its spread is the larger one.
//! Censored durations enter through the survival function, the same way.
//! EM would need this integral for its E-step too, and a simulated
//! likelihood is noisy in the parameters at the same cost: n·K lognormal
//! densities per evaluation (K = 64).

use std::sync::OnceLock;

use super::family::Family;

/// Quantile steps of the convolution.
const K: usize = 64;

/// The standard normal quantiles of the midpoints (k + ½)/K.
fn nodes() -> &'static [f64; K] {
    static NODES: OnceLock<[f64; K]> = OnceLock::new();
    NODES.get_or_init(|| {
        use statrs::distribution::{ContinuousCDF, Normal};
        let n = Normal::standard();
        std::array::from_fn(|k| n.inverse_cdf((k as f64 + 0.5) / K as f64))
    })
}

/// A lognormal: ln-median and sd of ln.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ln {
    /// ln of the median.
    pub mu: f64,
    /// sd of ln.
    pub sigma: f64,
}

impl Ln {
    fn p(self) -> [f64; 2] {
        [self.mu, self.sigma]
    }

    /// A spread in the variable's own unit (its median × sigma).
    fn spread(self) -> f64 {
        self.mu.exp() * self.sigma
    }

    /// Its quantile at the standard normal `z`.
    fn at(self, z: f64) -> f64 {
        (self.mu + self.sigma * z).exp()
    }
}

/// The time a transfer of `size` MiB takes at a rate `LN(rate)`: lognormal
/// with ln-median `ln size − mu`.
pub(crate) fn transfer(rate: Ln, size: f64) -> Ln {
    Ln {
        mu: size.ln() - rate.mu,
        sigma: rate.sigma,
    }
}

/// The density (`censored` false) or survival (true) of O + T at `d`.
pub(crate) fn ln_likelihood(o: Ln, t: Ln, d: f64, censored: bool) -> f64 {
    // Integrate over the narrower term; the other's density is evaluated.
    let (x, y) = if o.spread() <= t.spread() {
        (o, t)
    } else {
        (t, o)
    };
    let mut acc = 0.0;
    for z in nodes() {
        let rest = d - x.at(*z);
        acc += if censored {
            if rest <= 0.0 {
                1.0
            } else {
                Family::Lognormal.ln_sf(&y.p(), rest).exp()
            }
        } else if rest <= 0.0 {
            0.0
        } else {
            Family::Lognormal.ln_pdf(&y.p(), rest).exp()
        };
    }
    (acc / K as f64).ln()
}

/// P(O + T ≤ d).
pub(crate) fn cdf(o: Ln, t: Ln, d: f64) -> f64 {
    1.0 - ln_likelihood(o, t, d, true).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;
    use rand_distr::{Distribution, LogNormal};

    #[test]
    fn the_convolution_matches_a_monte_carlo_sum() {
        let (o, t) = (
            Ln {
                mu: 180f64.ln(),
                sigma: 0.5,
            },
            Ln {
                mu: 300f64.ln(),
                sigma: 0.3,
            },
        );
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let lo = LogNormal::new(o.mu, o.sigma).unwrap();
        let lt = LogNormal::new(t.mu, t.sigma).unwrap();
        let n = 200_000;
        let sums: Vec<f64> = (0..n)
            .map(|_| lo.sample(&mut rng) + lt.sample(&mut rng))
            .collect();
        for d in [300.0, 450.0, 500.0, 700.0, 1200.0] {
            let mc = sums.iter().filter(|x| **x <= d).count() as f64 / n as f64;
            // sd of a proportion over 200,000 draws ≤ 0.0011; the midpoint
            // rule's own error is below that at K = 64.
            assert!(
                (cdf(o, t, d) - mc).abs() < 0.005,
                "{d}: {} against {mc}",
                cdf(o, t, d)
            );
        }
        // The density integrates to the CDF's step.
        let (a, b) = (450.0, 500.0);
        let steps = 200;
        let integral: f64 = (0..steps)
            .map(|i| {
                let x = a + (b - a) * (i as f64 + 0.5) / steps as f64;
                ln_likelihood(o, t, x, false).exp() * (b - a) / steps as f64
            })
            .sum();
        assert!((integral - (cdf(o, t, b) - cdf(o, t, a))).abs() < 1e-3);
    }
}
