//! Exact moments of integer observations, and the mean's interval from them.

use serde::{Deserialize, Serialize};

use super::tdist::t975;
use super::u128_str;

/// Count, sum and sum of squares of integer observations, kept exactly: the
/// same bits whatever the order or grouping they are added in, and a fixed
/// size whatever their number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    /// Observations.
    pub count: u64,
    /// Σ v.
    #[serde(with = "u128_str")]
    pub sum: u128,
    /// Σ v².
    #[serde(with = "u128_str")]
    pub sum_sq: u128,
}

impl Moments {
    /// Adds one observation.
    pub fn add(&mut self, v: u64) {
        // Saturating: money can reach u64::MAX micro-dollars, whose squares
        // would overflow a u128 sum.
        self.count += 1;
        self.sum = self.sum.saturating_add(v as u128);
        self.sum_sq = self.sum_sq.saturating_add((v as u128) * (v as u128));
    }

    /// Adds another set's observations.
    pub fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.sum_sq = self.sum_sq.saturating_add(other.sum_sq);
    }

    /// [`crate::experiment::stats::mean_ci95`] of the observations: mean ± t(0.975, n − 1) · s / √n.
    pub fn mean_ci95(&self) -> Option<(f64, f64)> {
        let n = self.count;
        if n < 2 {
            return None;
        }
        let mean = self.sum as f64 / n as f64;
        // n(n − 1) s² = n Σv² − (Σv)², exact in integers while it fits.
        let var = (n as u128)
            .checked_mul(self.sum_sq)
            .zip(self.sum.checked_mul(self.sum))
            .map(|(a, b)| a.saturating_sub(b) as f64 / (n as f64 * (n - 1) as f64))
            .unwrap_or_else(|| {
                ((self.sum_sq as f64 - n as f64 * mean * mean) / (n - 1) as f64).max(0.0)
            });
        Some((mean, t975((n - 1) as usize) * (var / n as f64).sqrt()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::stats::mean_ci95;

    #[test]
    fn moments_give_the_interval_of_the_values_in_any_grouping() {
        // Replication p95s in ms (about an hour); then values so large that
        // the variance takes the floating-point path.
        let vs: Vec<u64> = (0..5000u64)
            .map(|i| 3_000_000 + (i * 7919) % 900_000)
            .collect();
        let mut all = Moments::default();
        vs.iter().for_each(|v| all.add(*v));
        let xs: Vec<f64> = vs.iter().map(|v| *v as f64).collect();
        let ((m, h), (m2, h2)) = (all.mean_ci95().unwrap(), mean_ci95(&xs).unwrap());
        assert!(
            (m - m2).abs() <= 1e-12 * m2 && (h - h2).abs() <= 1e-9 * h2,
            "{m} {h} {m2} {h2}"
        );
        let (mut a, mut b) = (Moments::default(), Moments::default());
        vs[..1234].iter().for_each(|v| a.add(*v));
        vs[1234..].iter().for_each(|v| b.add(*v));
        b.merge(&a);
        assert_eq!(b, all);
        assert_eq!(b.mean_ci95(), all.mean_ci95());
        let mut one = Moments::default();
        one.add(5);
        assert_eq!(one.mean_ci95(), None);
        let mut big = Moments::default();
        for v in [u64::MAX / 2, u64::MAX / 2 + 10, u64::MAX / 2 + 20] {
            big.add(v);
        }
        let (bm, bh) = big.mean_ci95().unwrap();
        assert!(bm > 9.2e18 && bh.is_finite() && bh >= 0.0);
    }
}
