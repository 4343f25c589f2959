//! Goodness of fit: Kolmogorov-Smirnov and Anderson-Darling on the
//! probability-integral transform of the data, with parametric-bootstrap
//! p-values (with fitted parameters the tables' p-values are too large).
//!
//! KS compares the Kaplan-Meier curve of the transformed values with the
//! uniform (with no censoring that is the empirical CDF); AD uses the
//! uncensored values. Each bootstrap sample is drawn from the fitted model
//! with the data's censoring, refitted, and its statistics computed the
//! same way, so censoring is calibrated into the p-values.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rayon::prelude::*;

/// The statistics and their bootstrap p-values.
#[derive(Debug, Clone, Copy)]
pub struct Gof {
    /// Kolmogorov-Smirnov distance.
    pub ks: f64,
    /// Its bootstrap p-value.
    pub ks_p: f64,
    /// Anderson-Darling A².
    pub ad: f64,
    /// Its bootstrap p-value.
    pub ad_p: f64,
    /// Bootstrap samples.
    pub samples: usize,
    /// Their seed.
    pub seed: u64,
}

/// KS (against the Kaplan-Meier curve) and AD (uncensored) of transformed
/// values `u` in (0, 1), each with its censoring flag.
pub(crate) fn statistics(u: &[(f64, bool)]) -> (f64, f64) {
    let mut v: Vec<(f64, bool)> = u.to_vec();
    // Ties: events before censorings, as Kaplan and Meier order them.
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = v.len();
    let mut surv = 1.0;
    let mut ks: f64 = 0.0;
    for (i, &(x, censored)) in v.iter().enumerate() {
        if censored {
            continue;
        }
        let before = 1.0 - surv;
        surv *= 1.0 - 1.0 / (n - i) as f64;
        let after = 1.0 - surv;
        ks = ks.max((before - x).abs()).max((after - x).abs());
    }
    let mut w: Vec<f64> = v
        .iter()
        .filter(|x| !x.1)
        .map(|x| x.0.clamp(1e-12, 1.0 - 1e-12))
        .collect();
    w.sort_by(f64::total_cmp);
    let m = w.len();
    let ad = if m == 0 {
        0.0
    } else {
        let s: f64 = (0..m)
            .map(|i| (2 * i + 1) as f64 * (w[i].ln() + (1.0 - w[m - 1 - i]).ln()))
            .sum();
        -(m as f64) - s / m as f64
    };
    (ks, ad)
}

/// Bootstrap p-values of the observed statistics `observed`: `one` draws a
/// sample from the fitted model, refits it and gives its statistics. Each
/// sample has its own stream, so the result does not depend on threads.
pub(crate) fn bootstrap(
    observed: (f64, f64),
    samples: usize,
    seed: u64,
    one: impl Fn(&mut ChaCha8Rng) -> (f64, f64) + Sync,
) -> Gof {
    let stats: Vec<(f64, f64)> = (0..samples)
        .into_par_iter()
        .map(|b| {
            let mut rng =
                ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b as u64);
            one(&mut rng)
        })
        .collect();
    let p = |k: usize, o: f64| {
        let at_least = stats
            .iter()
            .filter(|s| if k == 0 { s.0 >= o } else { s.1 >= o })
            .count();
        (1 + at_least) as f64 / (samples + 1) as f64
    };
    Gof {
        ks: observed.0,
        ks_p: p(0, observed.0),
        ad: observed.1,
        ad_p: p(1, observed.1),
        samples,
        seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_values_are_close_and_a_shifted_sample_is_far() {
        let n = 200;
        let u: Vec<(f64, bool)> = (0..n)
            .map(|i| ((i as f64 + 0.5) / n as f64, false))
            .collect();
        let (ks, ad) = statistics(&u);
        assert!(ks <= 0.5 / n as f64 + 1e-12, "{ks}");
        assert!(ad < 0.1, "{ad}");
        let far: Vec<(f64, bool)> = u.iter().map(|x| (x.0 * 0.5, false)).collect();
        let (ks, ad) = statistics(&far);
        assert!((ks - 0.5).abs() < 0.01 && ad > 20.0, "{ks} {ad}");
    }
}
