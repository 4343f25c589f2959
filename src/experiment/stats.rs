//! Exact order statistics over collected samples.

/// Count, mean and quantiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
}

/// The nearest-rank `q` quantile of sorted samples: the smallest value with
/// at least a fraction `q` of the samples at or below it.
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Summary {
    /// Summarises `samples` (sorted in place); `None` if empty.
    pub fn of(samples: &mut [f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        // Sequential sum in sorted order: the same bytes whatever produced the samples.
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        Some(Summary {
            count: samples.len(),
            mean,
            p50: nearest_rank(samples, 0.50),
            p90: nearest_rank(samples, 0.90),
            p95: nearest_rank(samples, 0.95),
            p99: nearest_rank(samples, 0.99),
            max: samples[samples.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles_of_one_to_a_hundred() {
        let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Summary::of(&mut v).unwrap();
        assert_eq!(
            (s.count, s.p50, s.p90, s.p95, s.p99, s.max),
            (100, 50.0, 90.0, 95.0, 99.0, 100.0)
        );
        assert_eq!(s.mean, 50.5);
        assert!(Summary::of(&mut []).is_none());
        assert_eq!(nearest_rank(&[7.0], 0.99), 7.0);
    }
}
