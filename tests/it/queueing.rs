//! The engine and the build quota against queueing theory.
//!
//! The pipeline is set up as a textbook queue: builds arrive as a Poisson
//! process (a build at every package update), each holds one of `c`
//! concurrent-build slots for an exponential time (one component; every
//! other stage takes no time), and waiters are served first come first
//! served. The mean wait for a slot is then the M/M/c (Erlang C) wait, the
//! slot utilization is λ/(cμ), and Little's law links the mean number
//! waiting to the mean wait.
//!
//! Tolerance: R independent replications give R estimates of the mean wait;
//! the check is |mean of estimates − theory| ≤ 4 standard errors of that
//! mean (its sample sd / √R), plus 2 % of the theory for the warm-up bias of
//! starting empty (runs are long: about 20,000 builds each).

use std::path::Path;

use amisim::pipeline::model::{Stage, run_replication};
use amisim::scenario::from_str;

const R: u64 = 12;

fn scenario(c: u32, arrival_mean_min: f64, service_mean_min: f64, horizon_days: u32) -> String {
    format!(
        r#"
horizon = "{horizon_days}d"
[quotas]
concurrent_builds = {c}
[latency]
instance_launch = "0s"
instance_ready = "0s"
sanitize = "0s"
collect_image_metadata = "0s"
instance_stop = "0s"
instance_terminate = "0s"
register_image = "0s"
share = "0s"
snapshot = {{ overhead = "0s", throughput_mib_s = 1000000 }}
copy = {{ overhead = "0s", throughput_mib_s = 1000000 }}
[[region]]
name = "us-east-1"
[[pipeline]]
name = "queue"
region = "us-east-1"
[[pipeline.volume]]
size_gib = 1
data_gib = 0
changed_gib = 0
[[pipeline.component]]
name = "service"
duration = {{ kind = "exponential", mean = "{service_mean_min}m" }}
[[pipeline.update_source]]
of = "base_image"
mean_interval = "{arrival_mean_min}m"
[pipeline.schedule]
build_on_update = true
"#
    )
}

/// Erlang C: the probability that an arrival waits in M/M/c with offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0;
    let mut sum = 1.0; // k = 0
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    last / (sum + last)
}

/// Per replication: (mean wait for a build slot in minutes, slot utilization,
/// time-average number waiting).
fn measure(text: &str, c: u32) -> Vec<(f64, f64, f64)> {
    let scn = from_str(Path::new("queue.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    (0..R)
        .map(|rep| {
            let r = run_replication(&scn.world, 77, rep);
            let launches: Vec<_> = r
                .stages
                .iter()
                .filter(|s| s.stage == Stage::LaunchBuilder)
                .collect();
            let waits: Vec<f64> = launches
                .iter()
                .map(|s| s.started.since(s.enqueued).as_secs_f64() / 60.0)
                .collect();
            let end = r
                .runs
                .iter()
                .map(|x| x.finished)
                .max()
                .unwrap()
                .as_secs_f64()
                / 60.0;
            // A build holds its slot from its launch until the execution ends.
            let busy: f64 = launches
                .iter()
                .map(|s| {
                    (r.runs[s.exec.index()].finished.as_secs_f64() / 60.0)
                        - s.started.as_secs_f64() / 60.0
                })
                .sum();
            let total_wait: f64 = waits.iter().sum();
            (
                total_wait / waits.len() as f64,
                busy / (c as f64 * end),
                total_wait / end,
            )
        })
        .collect()
}

fn mean_and_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn check(name: &str, got: &[f64], theory: f64) {
    let (m, se) = mean_and_se(got);
    let tol = 4.0 * se + 0.02 * theory;
    assert!(
        (m - theory).abs() <= tol,
        "{name}: simulated {m:.4} vs theory {theory:.4} (tolerance {tol:.4})"
    );
}

#[test]
fn one_build_slot_is_an_mm1_queue() {
    // λ = 1/10 per minute, μ = 1/6 per minute: ρ = 0.6, Wq = λ / (μ (μ − λ)) = 9 minutes.
    let (lam, mu) = (1.0 / 10.0, 1.0 / 6.0);
    let res = measure(&scenario(1, 10.0, 6.0, 140), 1);
    let wq = lam / (mu * (mu - lam));
    check(
        "M/M/1 mean wait",
        &res.iter().map(|r| r.0).collect::<Vec<_>>(),
        wq,
    );
    check(
        "M/M/1 utilization",
        &res.iter().map(|r| r.1).collect::<Vec<_>>(),
        lam / mu,
    );
    // Little's law: mean number waiting Lq = λ Wq.
    check(
        "M/M/1 Little's law",
        &res.iter().map(|r| r.2).collect::<Vec<_>>(),
        lam * wq,
    );
}

#[test]
fn three_build_slots_are_an_mmc_queue() {
    // λ = 1/4 per minute, μ = 1/10 per minute, c = 3: a = 2.5, ρ = 0.833.
    let (lam, mu, c) = (1.0 / 4.0, 1.0 / 10.0, 3);
    let res = measure(&scenario(c, 4.0, 10.0, 60), c);
    let a = lam / mu;
    let wq = erlang_c(c, a) / (c as f64 * mu - lam);
    check(
        "M/M/3 mean wait (Erlang C)",
        &res.iter().map(|r| r.0).collect::<Vec<_>>(),
        wq,
    );
    check(
        "M/M/3 utilization",
        &res.iter().map(|r| r.1).collect::<Vec<_>>(),
        a / c as f64,
    );
    check(
        "M/M/3 Little's law",
        &res.iter().map(|r| r.2).collect::<Vec<_>>(),
        lam * wq,
    );
}

#[test]
fn erlang_c_matches_a_known_value() {
    // c = 1 reduces to ρ; a textbook value: c = 2, a = 1 gives 1/3.
    assert!((erlang_c(1, 0.6) - 0.6).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}
