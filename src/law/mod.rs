//! Probability laws of latencies and throughputs ("laws" in the code:
//! "distribution" is Image Builder's word for where an image goes).
//!
//! [`Law`] is the checked, ready-to-sample form (the form users write in
//! scenario files, and its reading, is `scenario::spec`). A `Law` samples plain
//! `f64` values in the unit of its parameters: seconds for latencies (the
//! scenario file writes them as `"90s"`, `"15m"`), MiB/s for throughputs.
//! [`Throughput`] turns a data size into a duration:
//! `overhead + size / rate`, with both terms drawn from laws.

use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Weibull};

use crate::engine::SimDuration;

/// z-score of the 95th percentile of the standard normal distribution.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A checked distribution over non-negative values, ready to sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Law {
    /// Always the same value.
    Fixed(f64),
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, truncated at zero by rejection (the law of X given X ≥ 0).
    Normal {
        /// The untruncated law.
        law: Normal<f64>,
    },
    /// Lognormal: `ln X ~ N(mu, sigma)`.
    LogNormal {
        /// The law.
        law: LogNormal<f64>,
        /// Location of `ln X`.
        mu: f64,
        /// Scale of `ln X`.
        sigma: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The law.
        law: Exp<f64>,
        /// Its mean.
        mean: f64,
    },
    /// Gamma(shape, scale).
    Gamma {
        /// The law.
        law: Gamma<f64>,
        /// Shape k.
        shape: f64,
        /// Scale θ.
        scale: f64,
    },
    /// Weibull(shape, scale).
    Weibull {
        /// The law.
        law: Weibull<f64>,
        /// Shape k.
        shape: f64,
        /// Scale λ.
        scale: f64,
    },
    /// Triangular(min, mode, max).
    Triangular {
        /// The law.
        law: Triangular<f64>,
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// The inverse of the empirical CDF of observed values, interpolated
    /// linearly between order statistics (sorted, at least one value).
    Empirical(Arc<[f64]>),
}

/// Why a set of parameters does not make a distribution.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LawError {
    /// A parameter must be finite and non-negative (or positive).
    #[error("{param} must be {need}, got {value}")]
    BadParam {
        /// The parameter's key.
        param: &'static str,
        /// What it must be.
        need: &'static str,
        /// What it was.
        value: f64,
    },
    /// Two parameters are in the wrong order.
    #[error("{0}")]
    Order(String),
    /// A lognormal needs exactly one of (median, p95) and (mu, sigma).
    #[error("a lognormal takes either median and p95, or mu and sigma")]
    LognormalParams,
    /// An empirical distribution needs exactly one of `values` and `csv`.
    #[error("an empirical distribution takes either `values` or `csv`, and at least one value")]
    EmpiricalSource,
    /// An empirical CSV file lies outside the scenario's directory.
    #[error("{0}")]
    Outside(String),
    /// An empirical CSV file could not be read.
    #[error("cannot read {path}: {reason}")]
    Csv {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

fn positive(param: &'static str, value: f64) -> Result<f64, LawError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(LawError::BadParam {
            param,
            need: "a positive finite number",
            value,
        })
    }
}

fn non_negative(param: &'static str, value: f64) -> Result<f64, LawError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(LawError::BadParam {
            param,
            need: "a non-negative finite number",
            value,
        })
    }
}

impl Law {
    /// A constant.
    pub fn fixed(value: f64) -> Result<Law, LawError> {
        Ok(Law::Fixed(non_negative("value", value)?))
    }

    /// Uniform on `[min, max]`.
    pub fn uniform(min: f64, max: f64) -> Result<Law, LawError> {
        let (min, max) = (non_negative("min", min)?, non_negative("max", max)?);
        if min > max {
            return Err(LawError::Order(format!(
                "min ({min}) is larger than max ({max})"
            )));
        }
        Ok(Law::Uniform { min, max })
    }

    /// Normal(mean, sd) truncated at zero.
    pub fn normal(mean: f64, sd: f64) -> Result<Law, LawError> {
        let mean = non_negative("mean", mean)?;
        let sd = non_negative("sd", sd)?;
        let law = Normal::new(mean, sd).map_err(|_| LawError::BadParam {
            param: "sd",
            need: "a non-negative finite number",
            value: sd,
        })?;
        Ok(Law::Normal { law })
    }

    /// Lognormal from `ln X ~ N(mu, sigma)`.
    pub fn lognormal(mu: f64, sigma: f64) -> Result<Law, LawError> {
        if !mu.is_finite() {
            return Err(LawError::BadParam {
                param: "mu",
                need: "a finite number",
                value: mu,
            });
        }
        let sigma = non_negative("sigma", sigma)?;
        let law = LogNormal::new(mu, sigma).map_err(|_| LawError::LognormalParams)?;
        Ok(Law::LogNormal { law, mu, sigma })
    }

    /// Lognormal with the given median and 95th percentile (`p95 ≥ median`).
    pub fn lognormal_from_quantiles(median: f64, p95: f64) -> Result<Law, LawError> {
        let median = positive("median", median)?;
        let p95 = positive("p95", p95)?;
        if p95 < median {
            return Err(LawError::Order(format!(
                "p95 ({p95}) is smaller than the median ({median})"
            )));
        }
        Law::lognormal(median.ln(), (p95.ln() - median.ln()) / Z95)
    }

    /// Exponential with the given mean.
    pub fn exponential(mean: f64) -> Result<Law, LawError> {
        let mean = positive("mean", mean)?;
        let law = Exp::new(1.0 / mean).map_err(|_| LawError::BadParam {
            param: "mean",
            need: "a positive finite number",
            value: mean,
        })?;
        Ok(Law::Exponential { law, mean })
    }

    /// Gamma with shape k and scale θ (mean kθ).
    pub fn gamma(shape: f64, scale: f64) -> Result<Law, LawError> {
        let shape = positive("shape", shape)?;
        let scale = positive("scale", scale)?;
        let law = Gamma::new(shape, scale).map_err(|_| LawError::BadParam {
            param: "shape",
            need: "a positive finite number",
            value: shape,
        })?;
        Ok(Law::Gamma { law, shape, scale })
    }

    /// Weibull with shape k and scale λ.
    pub fn weibull(shape: f64, scale: f64) -> Result<Law, LawError> {
        let shape = positive("shape", shape)?;
        let scale = positive("scale", scale)?;
        let law = Weibull::new(scale, shape).map_err(|_| LawError::BadParam {
            param: "shape",
            need: "a positive finite number",
            value: shape,
        })?;
        Ok(Law::Weibull { law, shape, scale })
    }

    /// Triangular with `min ≤ mode ≤ max`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Law, LawError> {
        let (min, mode, max) = (
            non_negative("min", min)?,
            non_negative("mode", mode)?,
            non_negative("max", max)?,
        );
        if !(min <= mode && mode <= max) {
            return Err(LawError::Order(format!(
                "need min ≤ mode ≤ max, got {min}, {mode}, {max}"
            )));
        }
        if min == max {
            return Ok(Law::Fixed(min));
        }
        let law = Triangular::new(min, max, mode)
            .map_err(|e| LawError::Order(format!("bad triangular: {e}")))?;
        Ok(Law::Triangular {
            law,
            min,
            mode,
            max,
        })
    }

    /// The empirical distribution of `values` (non-negative, at least one).
    pub fn empirical(mut values: Vec<f64>) -> Result<Law, LawError> {
        if values.is_empty() {
            return Err(LawError::EmpiricalSource);
        }
        for v in &values {
            non_negative("values", *v)?;
        }
        values.sort_by(f64::total_cmp);
        Ok(Law::Empirical(values.into()))
    }

    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Law::Fixed(v) => *v,
            Law::Uniform { min, max } => {
                if min == max {
                    *min
                } else {
                    rng.random_range(*min..*max)
                }
            }
            Law::Normal { law } => {
                // Rejection gives the exact truncated law; after 64 misses
                // (a mean many sd below zero) fall back to zero.
                for _ in 0..64 {
                    let x = law.sample(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Law::LogNormal { law, .. } => law.sample(rng),
            Law::Exponential { law, .. } => law.sample(rng),
            Law::Gamma { law, .. } => law.sample(rng),
            Law::Weibull { law, .. } => law.sample(rng),
            Law::Triangular { law, .. } => law.sample(rng),
            Law::Empirical(values) => {
                let u: f64 = rng.random();
                empirical_quantile(values, u)
            }
        }
    }

    /// Draws one duration, reading the value as seconds.
    pub fn sample_duration<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration::from_secs_f64(self.sample(rng))
    }

    /// The mean of the law (of the truncated law for `Normal`).
    pub fn mean(&self) -> f64 {
        match self {
            Law::Fixed(v) => *v,
            Law::Uniform { min, max } => (min + max) / 2.0,
            Law::Normal { law } => {
                let (m, s) = (law.mean(), law.std_dev());
                if s == 0.0 {
                    return m;
                }
                // Mean of N(m, s) truncated to [0, ∞): m + s φ(α)/(1-Φ(α)), α = -m/s.
                let a = -m / s;
                m + s * std_normal_pdf(a) / (1.0 - std_normal_cdf(a))
            }
            Law::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Law::Exponential { mean, .. } => *mean,
            Law::Gamma { shape, scale, .. } => shape * scale,
            Law::Weibull { shape, scale, .. } => scale * gamma_fn(1.0 + 1.0 / shape),
            Law::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Law::Empirical(values) => {
                // Mean of the piecewise-linear inverse CDF.
                if values.len() == 1 {
                    return values[0];
                }
                let n = values.len() - 1;
                values.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / n as f64
            }
        }
    }
}

/// The inverse of the interpolated empirical CDF at `u ∈ [0, 1)`.
pub fn empirical_quantile(sorted: &[f64], u: f64) -> f64 {
    if sorted.len() == 1 {
        return sorted[0];
    }
    let pos = u.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = (pos.floor() as usize).min(sorted.len() - 2);
    let frac = pos - i as f64;
    sorted[i] + frac * (sorted[i + 1] - sorted[i])
}

/// The standard normal density.
pub fn std_normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal CDF, by libm's complementary error function.
pub fn std_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The gamma function (libm's `tgamma`).
pub fn gamma_fn(x: f64) -> f64 {
    libm::tgamma(x)
}

/// `duration = overhead + size / rate`: a size-driven stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Fixed cost of the operation, in seconds.
    pub overhead: Law,
    /// Data rate, in MiB/s.
    pub rate_mib_s: Law,
}

impl Throughput {
    /// Smallest rate used, so that a sample at zero cannot divide by zero.
    pub const MIN_RATE_MIB_S: f64 = 1e-3;

    /// Draws the duration of moving `size_mib` MiB: overhead first, then rate.
    pub fn sample<R: Rng + ?Sized>(&self, size_mib: f64, rng: &mut R) -> SimDuration {
        let overhead = self.overhead.sample(rng);
        let rate = self.rate_mib_s.sample(rng).max(Self::MIN_RATE_MIB_S);
        SimDuration::from_secs_f64(overhead + size_mib / rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Law::uniform(5.0, 1.0).is_err());
        assert!(Law::normal(-1.0, 1.0).is_err());
        assert!(Law::lognormal_from_quantiles(10.0, 5.0).is_err());
        assert!(Law::exponential(0.0).is_err());
        assert!(Law::triangular(1.0, 5.0, 3.0).is_err());
        assert!(Law::empirical(vec![]).is_err());
        assert!(Law::empirical(vec![1.0, f64::NAN]).is_err());
        assert!(Law::gamma(-1.0, 1.0).is_err());
    }

    #[test]
    fn lognormal_from_quantiles_hits_its_quantiles() {
        let Law::LogNormal { mu, sigma, .. } = Law::lognormal_from_quantiles(60.0, 300.0).unwrap()
        else {
            panic!()
        };
        assert!((mu.exp() - 60.0).abs() < 1e-9);
        assert!(((mu + Z95 * sigma).exp() - 300.0).abs() < 1e-6);
    }

    #[test]
    fn special_functions_match_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-9);
        assert!((std_normal_cdf(Z95) - 0.95).abs() < 1e-6);
        assert!((std_normal_cdf(0.0) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn empirical_quantile_interpolates_between_order_statistics() {
        let v = [10.0, 20.0, 40.0];
        assert_eq!(empirical_quantile(&v, 0.0), 10.0);
        assert_eq!(empirical_quantile(&v, 0.25), 15.0);
        assert_eq!(empirical_quantile(&v, 0.75), 30.0);
        assert_eq!(empirical_quantile(&v, 1.0), 40.0);
    }
}
