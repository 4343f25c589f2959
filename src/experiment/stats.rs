//! Mergeable statistics with bounded memory.
//!
//! Durations are integer milliseconds, so sums are kept exactly in `u128`:
//! adding replications in any grouping (threads, chunks, shards) gives the
//! same bits. Quantiles come from a dense log-linear histogram: exact below
//! 256 ms, and above it within 1/256 (≈ 0.4 %) of the true sample
//! quantile's value; its size depends on the largest value, never on how
//! many values it holds. Confidence intervals use batch means: replication `i`
//! falls in batch `i mod 32`, each batch's mean is one independent
//! observation, and Student's t over the non-empty batches gives the
//! interval. Memory per metric is fixed, whatever the replication count.

use serde::{Deserialize, Serialize};

pub use super::tdist::{mean_ci95, t975};

use super::histogram::nearest_rank_of;
pub use super::histogram::{Histogram, bucket_of, bucket_value};

/// A metric keeps its values exactly up to this many (sorted): its
/// quantiles are then the sample's own.
pub const EXACT_UP_TO: usize = 32;

/// An exact `u128` that serializes as a decimal string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Exact(#[serde(with = "u128_str")] pub u128);

pub(crate) use super::u128_str;

pub use super::batches::{BATCHES, Batches, RepShare};

/// A metric in milliseconds: exact count, sum, sum of squares, min and max;
/// its values themselves while there are at most [`EXACT_UP_TO`], then a
/// histogram for quantiles (clamped to [min, max]); batch sums for
/// confidence intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    /// Values.
    pub count: u64,
    /// Σ v, ms.
    #[serde(with = "u128_str")]
    pub sum: u128,
    /// Σ v², ms².
    #[serde(with = "u128_str")]
    pub sum_sq: u128,
    /// Smallest value (0 while there is none).
    pub min: u64,
    /// Largest value.
    pub max: u64,
    /// Every value, sorted, while there are at most [`EXACT_UP_TO`]; empty past that.
    pub exact: Vec<u64>,
    /// Quantiles.
    pub hist: Histogram,
    /// Per batch of replications (`index mod` [`BATCHES`]).
    pub batches: Batches,
    /// The batch values are added to now.
    #[serde(skip)]
    current: usize,
}

impl Metric {
    /// Values added from now on belong to replication `index`.
    pub fn start_replication(&mut self, index: u64) {
        self.batches.start();
        self.current = (index % BATCHES as u64) as usize;
    }

    /// Adds one value (ms) to the current replication.
    #[inline]
    pub fn add(&mut self, v: u64) {
        self.add_many(std::slice::from_ref(&v));
    }

    /// Adds `n` values equal to `v` (ms) to the current replication: the
    /// same metric as `n` calls of [`Metric::add`].
    pub fn add_n(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        self.hist.add_n(v, n);
        let sum = v as u128 * n as u128;
        self.tally((v, v, n), (sum, v as u128 * sum), |exact| {
            let at = exact.partition_point(|&x| x <= v);
            exact.splice(at..at, std::iter::repeat_n(v, n as usize));
        });
    }

    /// Adds many values (ms) to the current replication: the same metric
    /// whatever their order and grouping, faster for many (the
    /// histogram's counters are touched back to back, so their cache misses
    /// overlap). Sorting them first measured no faster.
    pub fn add_many(&mut self, vs: &[u64]) {
        if vs.is_empty() {
            return;
        }
        let (mut lo, mut hi) = (u64::MAX, 0);
        let (mut sum, mut sum_sq) = (0u128, 0u128);
        self.hist.add_each(vs, |v| {
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v as u128;
            sum_sq += (v as u128) * (v as u128);
        });
        self.tally((lo, hi, vs.len() as u64), (sum, sum_sq), |exact| {
            for &v in vs {
                let at = exact.partition_point(|&x| x <= v);
                exact.insert(at, v);
            }
        });
    }

    /// Counts `n` values in `lo..=hi` summing to `sum` (their squares to
    /// `sum_sq`) into all but the histogram; `insert` puts them among the
    /// exact values while those are kept.
    fn tally(
        &mut self,
        (lo, hi, n): (u64, u64, u64),
        (sum, sum_sq): (u128, u128),
        insert: impl FnOnce(&mut Vec<u64>),
    ) {
        self.min = if self.count == 0 {
            lo
        } else {
            self.min.min(lo)
        };
        self.max = self.max.max(hi);
        self.count += n;
        if self.count as usize <= EXACT_UP_TO {
            insert(&mut self.exact);
        } else if !self.exact.is_empty() {
            // Past the limit the histogram serves: free the values once.
            self.exact = Vec::new();
        }
        self.sum += sum;
        self.sum_sq += sum_sq;
        self.batches.add(self.current, n, sum);
    }

    /// Adds `other` (other replications).
    pub fn merge(&mut self, other: &Metric) {
        if other.count > 0 {
            self.min = if self.count == 0 {
                other.min
            } else {
                self.min.min(other.min)
            };
        }
        if ((self.count + other.count) as usize) <= EXACT_UP_TO {
            self.exact.extend_from_slice(&other.exact);
            self.exact.sort_unstable();
        } else {
            self.exact = Vec::new();
        }
        self.count += other.count;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.max = self.max.max(other.max);
        self.hist.merge(&other.hist);
        self.batches.merge(&other.batches);
    }

    /// Mean, in the metric's unit.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Sample standard deviation of the values, in the metric's unit.
    pub fn sd(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = ((self.sum_sq as f64) - n * mean * mean).max(0.0) / (n - 1.0);
        Some(var.sqrt())
    }

    /// The value of rank `rank` (1-based): exact while the values are
    /// kept, else the histogram's, clamped to [min, max].
    fn at_rank(&self, rank: u64) -> Option<u64> {
        if self.exact.len() as u64 == self.count {
            return self.exact.get(rank.checked_sub(1)? as usize).copied();
        }
        self.hist.at_rank(rank).map(|v| v.clamp(self.min, self.max))
    }

    /// How many values exceed `x` (ms): exact while the values are kept,
    /// else by the histogram's buckets (within their 0.4 % width).
    pub fn count_above(&self, x: u64) -> u64 {
        if self.exact.len() as u64 == self.count {
            return (self.exact.len() - self.exact.partition_point(|&v| v <= x)) as u64;
        }
        (self.hist.buckets())
            .filter(|&(v, _)| v > x)
            .map(|(_, c)| c)
            .sum()
    }

    /// The nearest-rank `q` quantile, in the metric's unit: the sample's
    /// own with at most [`EXACT_UP_TO`] values, else within 0.4 % of it;
    /// always within [min, max].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.at_rank(nearest_rank_of(q, self.count)?)
            .map(|v| v as f64)
    }

    /// 95 % confidence interval of the `q` quantile, `(low, high)` in the
    /// metric's unit: the distribution-free order-statistic interval, the
    /// values of ranks ⌊nq − 1.96·√(nq(1 − q))⌋ and 1 + ⌈nq + 1.96·√(nq(1 − q))⌉.
    /// It treats the values as independent draws. `None` when the sample
    /// cannot support it: a rank outside [1, n] (for the p95, fewer than
    /// 110 values), where a clamped bound would only be the sample's min
    /// or max.
    pub fn quantile_ci95(&self, q: f64) -> Option<(f64, f64)> {
        let (low, high) = self.ci_ranks(q)?;
        if low < 1.0 || high > self.count as f64 {
            return None;
        }
        Some((
            self.at_rank(low as u64)? as f64,
            self.at_rank(high as u64)? as f64,
        ))
    }

    /// [`Metric::quantile_ci95`]'s ranks clamped to [1, n]: past the
    /// sample, a bound is its min or max. Only for decisions that must be
    /// made on small samples (the quota search), never shown as a CI.
    pub fn quantile_bounds_clamped(&self, q: f64) -> Option<(f64, f64)> {
        let (low, high) = self.ci_ranks(q)?;
        let n = self.count;
        let (low, high) = ((low.max(1.0) as u64).min(n), (high as u64).clamp(1, n));
        Some((self.at_rank(low)? as f64, self.at_rank(high)? as f64))
    }

    /// The order-statistic interval's ranks; `None` with fewer than two values.
    fn ci_ranks(&self, q: f64) -> Option<(f64, f64)> {
        quantile_ci_ranks(self.count, q)
    }

    /// 95 % confidence interval of the mean, `(centre, half-width)` in the
    /// metric's unit: centred on the mean; the half-width is t(0.975, B − 1)
    /// · s / √B, s the spread of the B non-empty batches' means (batch means).
    /// `None` with fewer than two batches, and when the interval reaches
    /// below zero: every metric is a duration, a size or money, so such an
    /// interval says only that the sample is too small to support one.
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let means: Vec<f64> = self
            .batches
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| r.sum as f64 / r.count as f64)
            .collect();
        let (_, half) = mean_ci95(&means)?;
        let mean = self.mean()?;
        (mean - half >= 0.0).then_some((mean, half))
    }

    /// 95 % confidence interval of `other`'s mean minus this one's,
    /// `(difference, half-width)` in the metric's unit, for two runs of the
    /// same replications (common random numbers): centred on the difference
    /// of the means printed, its half-width from the paired differences of
    /// the batch means (batch b holds the same replications in both).
    /// `None` with fewer than two batches where both have values.
    pub fn paired_difference_ci95(&self, other: &Metric) -> Option<(f64, f64)> {
        let diffs: Vec<f64> = self
            .batches
            .iter()
            .zip(other.batches.iter())
            .filter(|(a, b)| a.count > 0 && b.count > 0)
            .map(|(a, b)| b.sum as f64 / b.count as f64 - a.sum as f64 / a.count as f64)
            .collect();
        let (_, half) = mean_ci95(&diffs)?;
        Some((other.mean()? - self.mean()?, half))
    }

    /// Mean, seconds (for a metric in milliseconds).
    pub fn mean_s(&self) -> Option<f64> {
        self.mean().map(|x| x / 1000.0)
    }

    /// Standard deviation, seconds.
    pub fn sd_s(&self) -> Option<f64> {
        self.sd().map(|x| x / 1000.0)
    }

    /// The `q` quantile, seconds.
    pub fn quantile_s(&self, q: f64) -> Option<f64> {
        self.quantile(q).map(|x| x / 1000.0)
    }

    /// 95 % confidence interval of the mean, seconds.
    pub fn ci95_s(&self) -> Option<(f64, f64)> {
        self.ci95().map(|(c, h)| (c / 1000.0, h / 1000.0))
    }

    /// 95 % confidence interval of the `q` quantile, seconds.
    pub fn quantile_ci95_s(&self, q: f64) -> Option<(f64, f64)> {
        self.quantile_ci95(q).map(|(l, h)| (l / 1000.0, h / 1000.0))
    }

    /// [`Metric::quantile_bounds_clamped`], seconds.
    pub fn quantile_bounds_clamped_s(&self, q: f64) -> Option<(f64, f64)> {
        self.quantile_bounds_clamped(q)
            .map(|(l, h)| (l / 1000.0, h / 1000.0))
    }

    /// The empirical CDF as a step line of `(value, fraction)` pairs, in
    /// the metric's unit, from the values its quantiles report: at every
    /// rank while there are at most `points` values, else at `points`
    /// evenly spaced ranks (the last one the max).
    pub fn step_cdf(&self, points: usize) -> Vec<(f64, f64)> {
        let n = self.count;
        let k = (points as u64).clamp(1, n.max(1));
        let mut out = Vec::with_capacity(2 * k as usize);
        let mut below = 0.0;
        for j in 1..=k.min(n) {
            let rank = (j * n).div_ceil(k);
            let Some(v) = self.at_rank(rank) else { break };
            let up = rank as f64 / n as f64;
            out.push((v as f64, below));
            out.push((v as f64, up));
            below = up;
        }
        out
    }
}

/// The fewest values whose distribution-free 95 % interval of the `q`
/// quantile stays within the sample (110 for the p95).
pub fn min_values_for_quantile_ci(q: f64) -> u64 {
    (2..1_000_000)
        .find(|&n| quantile_ci_ranks(n, q).is_some_and(|(lo, hi)| lo >= 1.0 && hi <= n as f64))
        .unwrap_or(u64::MAX)
}

/// The ranks of the distribution-free 95 % interval of the `q` quantile of
/// `n` independent values: ⌊nq − 1.96·√(nq(1 − q))⌋ and
/// 1 + ⌈nq + 1.96·√(nq(1 − q))⌉ (possibly outside [1, n]); `None` below two.
pub fn quantile_ci_ranks(n: u64, q: f64) -> Option<(f64, f64)> {
    if n < 2 {
        return None;
    }
    let n = n as f64;
    let spread = 1.96 * (n * q * (1.0 - q)).sqrt();
    Some(((n * q - spread).floor(), (n * q + spread).ceil() + 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_p95_interval_needs_110_values() {
        assert_eq!(min_values_for_quantile_ci(0.95), 110);
        assert!(min_values_for_quantile_ci(0.5) < 20);
    }

    #[test]
    fn histogram_buckets_are_exact_low_and_within_four_tenths_of_a_percent_high() {
        for v in [
            0u64,
            1,
            255,
            256,
            257,
            511,
            512,
            2047,
            123_456,
            86_400_000,
            31_536_000_000,
        ] {
            let b = bucket_of(v);
            let r = bucket_value(b);
            if v < 256 {
                assert_eq!(r, v);
            } else {
                assert!(
                    (r as f64 - v as f64).abs() / v as f64 <= 1.0 / 256.0,
                    "{v} -> {r}"
                );
            }
        }
        assert!(
            bucket_of(31_536_000_000) < 4_000,
            "a year fits in 4,000 counters"
        );
        // Buckets are monotone.
        let mut last = 0;
        for v in (0..10_000_000u64).step_by(997) {
            let b = bucket_of(v);
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn adding_a_value_n_times_at_once_is_adding_it_n_times() {
        for (v, n) in [
            (0, 0),
            (0, 5),
            (7, 40),
            (300_000, 1),
            (300_000, 300),
            (0, 70_000),
        ] {
            for before in [&[][..], &[3u64, 90_000][..], &[1; 31][..]] {
                let (mut once, mut each) = (Metric::default(), Metric::default());
                for m in [&mut once, &mut each] {
                    m.start_replication(4);
                    m.add_many(before);
                }
                once.add_n(v, n);
                for _ in 0..n {
                    each.add(v);
                }
                assert_eq!(once, each, "{v} x {n} after {before:?}");
            }
        }
    }

    #[test]
    fn quantiles_match_nearest_rank_on_small_values() {
        let mut m = Metric::default();
        m.start_replication(0);
        for v in (1..=100u64).rev() {
            m.add(v);
        }
        assert_eq!(m.hist.quantile(0.5), Some(50));
        assert_eq!(m.hist.quantile(0.95), Some(95));
        assert_eq!(m.hist.quantile(1.0), Some(100));
        assert_eq!(m.mean_s(), Some(0.0505));
    }

    #[test]
    fn quantiles_are_exact_for_few_values_and_always_within_min_and_max() {
        // Few values: the sample's own nearest-rank quantiles.
        let mut few = Metric::default();
        few.start_replication(0);
        for v in [4_298_849u64, 3_327_345, 2_000_001, 3_999_999] {
            few.add(v);
        }
        assert_eq!(few.min, 2_000_001);
        assert_eq!(few.quantile(0.5), Some(3_327_345.0));
        assert_eq!(few.quantile(0.95), Some(4_298_849.0));
        assert_eq!(few.quantile(0.0), Some(2_000_001.0));
        // Many values: the histogram's, clamped to [min, max], whose
        // bucket midpoints alone would lie above the max or below the min.
        let mut many = Metric::default();
        many.start_replication(0);
        for i in 0..1000u64 {
            many.add(if i % 2 == 0 { 4_298_849 } else { 1_000_001 });
        }
        assert!(many.exact.is_empty());
        assert!(bucket_value(bucket_of(4_298_849)) != 4_298_849);
        for q in [0.0, 0.01, 0.5, 0.95, 0.99, 1.0] {
            let v = many.quantile(q).unwrap();
            assert!((1_000_001.0..=4_298_849.0).contains(&v), "q {q}: {v}");
        }
        assert_eq!(many.quantile(1.0), Some(4_298_849.0));
        assert!((many.quantile(0.0).unwrap() - 1_000_001.0) / 1_000_001.0 < 1.0 / 256.0);
        let (l, h) = many.quantile_ci95(0.95).unwrap();
        assert!(l <= many.quantile(0.95).unwrap() && h <= 4_298_849.0);
    }

    #[test]
    fn an_interval_the_sample_cannot_support_is_not_given() {
        let mut m = Metric::default();
        for i in 0..8u64 {
            m.start_replication(i);
            m.add(1000 + 10 * i);
        }
        // 8 values: the p95's upper rank is past the sample.
        assert_eq!(m.quantile_ci95(0.95), None);
        assert_eq!(m.quantile_bounds_clamped(0.95).map(|b| b.1), Some(1070.0));
        let mut big = Metric::default();
        big.start_replication(0);
        for i in 0..400u64 {
            big.add(1000 + i);
        }
        assert!(big.quantile_ci95(0.95).is_some());
        // The p95's interval needs 110 values (its upper rank ⌈nq + 1.96·√(nq(1 − q))⌉ + 1 ≤ n).
        for (n, given) in [(109u64, false), (110, true)] {
            let mut m = Metric::default();
            m.start_replication(0);
            (0..n).for_each(|i| m.add(1000 + i));
            assert_eq!(m.quantile_ci95(0.95).is_some(), given, "n = {n}");
        }
        // Two batches far apart: a mean interval reaching below zero is none.
        let mut two = Metric::default();
        two.start_replication(0);
        two.add(1);
        two.start_replication(1);
        two.add(1_000_000);
        assert_eq!(two.ci95(), None);
    }

    #[test]
    fn the_mean_ci_is_centred_on_the_mean() {
        let mut m = Metric::default();
        for i in 0..100u64 {
            m.start_replication(i);
            for _ in 0..=(i % 7) {
                m.add(1000 + i * i);
            }
        }
        let (c, _) = m.ci95().unwrap();
        assert_eq!(Some(c), m.mean());
    }

    /// The p95's order-statistic interval holds the true p95 about 95 % of
    /// the time: 400 samples of 400 exponential values (mean 1,000 s), the
    /// coverage within 3.5 binomial standard deviations (0.011) of 95 %
    /// or above (the interval is conservative).
    #[test]
    fn the_p95_interval_covers_the_true_p95() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(2026);
        let truth = -(0.05f64.ln()) * 1e6;
        let trials = 400;
        let mut covered = 0;
        for _ in 0..trials {
            let mut m = Metric::default();
            m.start_replication(0);
            for _ in 0..400 {
                let u: f64 = rng.random();
                m.add((-(1.0 - u).ln() * 1e6) as u64);
            }
            let (l, h) = m.quantile_ci95(0.95).unwrap();
            covered += u32::from(l <= truth && truth <= h);
        }
        let coverage = covered as f64 / trials as f64;
        let sd = (0.95f64 * 0.05 / trials as f64).sqrt();
        assert!(
            coverage >= 0.95 - 3.5 * sd && coverage <= 0.999,
            "coverage {coverage}"
        );
    }

    #[test]
    fn adding_many_at_once_gives_the_metric_of_adding_them_one_by_one() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        // Counts below, at and past the exact limit, from a metric holding none or some.
        for (before, n) in [(0, 5), (0, EXACT_UP_TO), (3, 29), (3, 30), (10, 200)] {
            let vs: Vec<u64> = (0..before + n)
                .map(|_| rng.random_range(0..5_000_000))
                .collect();
            let (mut one, mut many) = (Metric::default(), Metric::default());
            for m in [&mut one, &mut many] {
                m.start_replication(3);
                for &v in &vs[..before] {
                    m.add(v);
                }
            }
            for &v in &vs[before..] {
                one.add(v);
            }
            many.add_many(&vs[before..]);
            assert_eq!(one, many, "{before} then {n}");
        }
    }

    #[test]
    fn merging_in_any_grouping_gives_the_same_metric() {
        let vals: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 100_003 * 1000).collect();
        let build = |groups: &[usize]| {
            let mut total = Metric::default();
            let mut i = 0;
            for g in groups {
                let mut part = Metric::default();
                for (j, chunk) in vals[i..i + g].chunks(100).enumerate() {
                    part.start_replication(((i / 100) + j) as u64);
                    for v in chunk {
                        part.add(*v);
                    }
                }
                total.merge(&part);
                i += g;
            }
            total
        };
        let one = build(&[1000]);
        assert_eq!(one, build(&[300, 700]));
        assert_eq!(one, build(&[100, 100, 800]));
        assert_eq!(one.batches.iter().filter(|b| b.count > 0).count(), 10);
        assert_eq!(
            serde_json::from_str::<Metric>(&serde_json::to_string(&one).unwrap()).unwrap(),
            one
        );
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t975(1) - 12.7062).abs() < 1e-4);
        assert!((t975(30) - 2.0423).abs() < 1e-4);
        assert!((t975(60) - 2.0003).abs() < 2e-4);
        assert!((t975(120) - 1.9799).abs() < 2e-4);
    }
}
