//! Each distribution family's samples match its parameters.
//!
//! Fixed seed, N = 200,000 samples per family. Tolerances come from the
//! variance of the estimator, at 5 standard errors (a false alarm has
//! probability below 1e-6 per check, so a failure means a real bug):
//! - mean: |x̄ − μ| ≤ 5 σ / √N, with σ the sample standard deviation;
//! - quantile q: the theoretical CDF at the sample q-quantile, F(x̂_q), is
//!   distributed as Beta(k, N − k + 1) with standard deviation
//!   ≈ √(q(1 − q)/N), so |F(x̂_q) − q| ≤ 5 √(q(1 − q)/N).

use amisim::engine::RngStreams;
use amisim::law::{Law, std_normal_cdf};

const N: usize = 200_000;
const K_SIGMA: f64 = 5.0;
const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.9, 0.99];

fn samples(d: &Law, name: &str) -> Vec<f64> {
    let mut rng = RngStreams::new(20_261_130, 0).stream(name);
    let mut v: Vec<f64> = (0..N).map(|_| d.sample(&mut rng)).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn check(name: &str, d: Law, cdf: impl Fn(f64) -> f64) {
    let v = samples(&d, name);
    let n = N as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let tol = K_SIGMA * var.sqrt() / n.sqrt();
    assert!(
        (mean - d.mean()).abs() <= tol.max(1e-12),
        "{name}: sample mean {mean} vs {} (tolerance {tol})",
        d.mean()
    );
    assert!(v.iter().all(|x| *x >= 0.0), "{name}: no negative sample");
    for q in QUANTILES {
        let k = ((q * n).ceil() as usize).max(1);
        let xq = v[k - 1];
        let f = cdf(xq);
        let tol = K_SIGMA * (q * (1.0 - q) / n).sqrt();
        assert!(
            (f - q).abs() <= tol,
            "{name}: F(x̂_{q}) = {f}, tolerance {tol}"
        );
    }
}

#[test]
fn uniform_matches() {
    check("uniform", Law::uniform(60.0, 300.0).unwrap(), |x| {
        ((x - 60.0) / 240.0).clamp(0.0, 1.0)
    });
}

#[test]
fn normal_truncated_at_zero_matches() {
    // Mean 60, sd 40: 6.7 % of the untruncated mass is below zero and is cut off.
    let (m, s) = (60.0, 40.0);
    let p0 = std_normal_cdf(-m / s);
    check("normal", Law::normal(m, s).unwrap(), |x| {
        (std_normal_cdf((x - m) / s) - p0) / (1.0 - p0)
    });
}

#[test]
fn lognormal_from_median_and_p95_matches() {
    let d = Law::lognormal_from_quantiles(300.0, 900.0).unwrap();
    let (mu, sigma) = (300f64.ln(), (3f64).ln() / amisim::law::Z95);
    check("lognormal", d, |x| std_normal_cdf((x.ln() - mu) / sigma));
}

#[test]
fn exponential_matches() {
    check("exponential", Law::exponential(120.0).unwrap(), |x| {
        1.0 - (-x / 120.0).exp()
    });
}

#[test]
fn gamma_matches() {
    // Integer shape: the Erlang CDF 1 − Σ_{i<k} e^{−x/θ} (x/θ)^i / i!.
    let (k, theta) = (3, 40.0);
    check("gamma", Law::gamma(k as f64, theta).unwrap(), |x| {
        let y = x / theta;
        let mut term = 1.0;
        let mut sum = 1.0;
        for i in 1..k {
            term *= y / i as f64;
            sum += term;
        }
        1.0 - (-y).exp() * sum
    });
}

#[test]
fn weibull_matches() {
    let (k, lambda) = (1.5, 200.0);
    check("weibull", Law::weibull(k, lambda).unwrap(), |x| {
        1.0 - (-(x / lambda).powf(k)).exp()
    });
}

#[test]
fn triangular_matches() {
    let (a, c, b) = (60.0, 120.0, 480.0);
    check("triangular", Law::triangular(a, c, b).unwrap(), |x| {
        if x <= a {
            0.0
        } else if x <= c {
            (x - a).powi(2) / ((b - a) * (c - a))
        } else if x < b {
            1.0 - (b - x).powi(2) / ((b - a) * (b - c))
        } else {
            1.0
        }
    });
}

#[test]
fn empirical_matches_its_interpolated_cdf() {
    let obs = vec![300.0, 100.0, 200.0, 800.0, 400.0];
    let sorted = [100.0, 200.0, 300.0, 400.0, 800.0];
    check("empirical", Law::empirical(obs).unwrap(), |x| {
        // Inverse of the piecewise-linear quantile function through (i/(n−1), x_(i)).
        let n = sorted.len();
        if x <= sorted[0] {
            return 0.0;
        }
        for i in 0..n - 1 {
            if x <= sorted[i + 1] {
                let frac = (x - sorted[i]) / (sorted[i + 1] - sorted[i]);
                return (i as f64 + frac) / (n - 1) as f64;
            }
        }
        1.0
    });
}

#[test]
fn fixed_is_constant() {
    let v = samples(&Law::fixed(42.0).unwrap(), "fixed");
    assert!(v.iter().all(|x| *x == 42.0));
}

#[test]
fn throughput_duration_is_overhead_plus_size_over_rate() {
    use amisim::law::Throughput;
    // Fixed rate, uniform overhead: the mean duration is E[overhead] + size / rate.
    let t = Throughput {
        overhead: Law::uniform(60.0, 180.0).unwrap(),
        rate_mib_s: Law::fixed(50.0).unwrap(),
    };
    let mut rng = RngStreams::new(1, 0).stream("throughput");
    let n = 100_000;
    let mean = (0..n)
        .map(|_| t.sample(10_240.0, &mut rng).as_secs_f64())
        .sum::<f64>()
        / n as f64;
    let expected = 120.0 + 10_240.0 / 50.0;
    // sd of the uniform overhead is 120/√12 ≈ 34.6 s; 5 standard errors.
    let tol = 5.0 * (120.0 / 12f64.sqrt()) / (n as f64).sqrt();
    assert!(
        (mean - expected).abs() <= tol + 0.001,
        "{mean} vs {expected} ± {tol}"
    );
}

/// Poisson releases against a fixed weekly build under `always`: the wait
/// for the next build is uniform over the week, so the mean exposure window
/// is half a week plus the (here constant) pipeline time. 20 replications of
/// a year give ~7,000 releases; the tolerance is 4 standard errors of a
/// uniform over 7 days (σ = 7 d / √12).
#[test]
fn the_exposure_window_of_poisson_releases_with_a_weekly_build_is_half_a_week_plus_the_pipeline() {
    let text = format!(
        "horizon = \"364d\"\n{}{}",
        super::FIXED,
        r#"
[[region]]
name = "us-east-1"
[[region]]
name = "eu-west-1"
[[pipeline]]
name = "p"
region = "us-east-1"
destinations = ["eu-west-1"]
[[pipeline.volume]]
size_gib = 10
data_gib = 10
[[pipeline.component]]
name = "build"
duration = "0s"
[[pipeline.update_source]]
of = "base_image"
mean_interval = "1d"
[pipeline.schedule]
interval = "7d"
start_condition = "always"
"#
    );
    let scn = amisim::scenario::from_str(std::path::Path::new("inline.toml"), &text).unwrap();
    let mut windows = Vec::new();
    for rep in 0..20 {
        let r = amisim::pipeline::model::run_replication(&scn.world, 7, rep);
        let out = amisim::pipeline::analysis::exposure_list(&r);
        windows.extend(
            out.iter()
                .filter_map(|e| e.window())
                .map(|w| w.as_secs_f64()),
        );
    }
    let n = windows.len() as f64;
    assert!(n > 6_000.0, "{n} releases shipped");
    let mean = windows.iter().sum::<f64>() / n;
    let week = 7.0 * 86_400.0;
    let theory = week / 2.0 + 480.0;
    let se = week / 12f64.sqrt() / n.sqrt();
    assert!(
        (mean - theory).abs() < 4.0 * se,
        "mean exposure {mean:.0} s, theory {theory:.0} s ± {:.0} (4 SE)",
        4.0 * se
    );
}

/// The fleet's p95 of time to all Regions: its 95 % CI (the order-statistic
/// interval over the pooled executions) covers the true p95 at the nominal
/// rate, and a sample too small for it gets none.
#[test]
fn the_fleet_p95_interval_covers_the_true_p95_at_its_nominal_rate() {
    use amisim::experiment::{Plan, fleet, run};
    // Three independent pipelines, every latency fixed but one build
    // component: lognormal, median 4 min, p95 9 min. Time to all Regions is
    // a constant plus that component, so its true p95 is the constant + 9 min.
    let text = |component: &str| {
        let mut s = format!(
            "horizon = \"1h\"\n{}[[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"eu-west-1\"\n",
            super::FIXED
        );
        for i in 0..3 {
            s += &format!(
                "[[pipeline]]\nname = \"p{i}\"\nregion = \"us-east-1\"\ndestinations = [\"eu-west-1\"]\n\
                 [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"c\"\nduration = {component}\n\
                 [pipeline.schedule]\nrun_at_start = true\nstart_condition = \"always\"\n"
            );
        }
        amisim::scenario::from_str(std::path::Path::new("fleet.toml"), &s).unwrap()
    };
    let aggregate = |scn: &amisim::scenario::Scenario, seed: u64, count: u64| {
        let plan = Plan {
            seed,
            first: 0,
            count,
            threads: 1,
            chunk: count,
            precision: None,
        };
        run(scn, &plan, |_: &mut (), _, _, _| {}, |_, _, _| Ok(())).unwrap()
    };
    fn ttar(p: &amisim::experiment::aggregate::PipelineAgg) -> &amisim::experiment::stats::Metric {
        &p.time_to_all_regions
    }
    let fixed = text("\"0s\"");
    let base = fleet::fleet(&fixed.world, &aggregate(&fixed, 1, 1), ttar).max as f64;
    let truth = base + 9.0 * 60_000.0;
    let scn = text("{ kind = \"lognormal\", median = \"4m\", p95 = \"9m\" }");
    // 40 replications of 3 pipelines: 120 values, enough for the interval.
    let trials = 300;
    let covered = (0..trials)
        .filter(|&seed| {
            let f = fleet::fleet(&scn.world, &aggregate(&scn, seed + 1, 40), ttar);
            assert_eq!(f.count, 120);
            let (lo, hi) = f.quantile_ci95(0.95).expect("120 values support it");
            lo <= truth && truth <= hi
        })
        .count();
    // Nominal 95 %: over 300 trials the coverage's sd is √(0.95·0.05/300) ≈
    // 0.0126; the interval is conservative, so only a shortfall of more than
    // 4 sd (below 0.90) fails.
    let rate = covered as f64 / trials as f64;
    assert!(rate >= 0.90, "covered {covered} of {trials}");
    // 10 replications (30 values): no interval.
    let small = fleet::fleet(&scn.world, &aggregate(&scn, 1, 10), ttar);
    assert!(small.quantile_ci95(0.95).is_none());
}
