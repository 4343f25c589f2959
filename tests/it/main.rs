//! The one integration-test binary.

mod alloc;
mod batch;
mod browser;
mod cli;
mod commit;
mod corpus;
mod cost;
mod determinism;
mod exit_codes;
mod experiments;
mod fit;
mod fuzz;
mod golden;
mod import;
mod layering;
mod model;
mod quantiles;
mod queueing;
mod report;
mod robustness;
mod scenario_errors;
mod size;
mod sources;
mod statistics;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root: tests run the binary from here, as the README does.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `amisim` binary with `args` from the crate root.
pub fn amisim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the amisim binary runs")
}

/// [`amisim`], failing the test (with the command and its stderr) unless it succeeds.
pub fn amisim_ok(args: &[&str]) -> Output {
    let o = amisim(args);
    assert!(
        o.status.success(),
        "amisim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Every file a single-scenario run with all row files writes, from the
/// registry the binary uses (row files first).
pub fn output_files() -> Vec<&'static str> {
    amisim::experiment::outputs::run_files(amisim::experiment::outputs::RowSelection::All)
}

/// Every latency a constant, so that every time in a replication is exact.
pub const FIXED: &str = r#"
[latency]
instance_launch = "60s"
instance_ready = "0s"
sanitize = "0s"
instance_stop = "30s"
instance_terminate = "20s"
register_image = "10s"
schedule_delay = "0s"
share = "2s"
snapshot = { overhead = "100s", throughput_mib_s = 1024 }
copy = { overhead = "200s", throughput_mib_s = 1024 }
"#;

/// Every shipped scenario (scenarios/*.toml) without a `[sweep]`, sorted.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    shipped(false)
}

/// Every shipped scenario with a `[sweep]`, sorted: they write sweep.csv.
pub fn shipped_sweeps() -> Vec<PathBuf> {
    shipped(true)
}

fn shipped(sweeps: bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines().any(|l| l.trim() == "[sweep]") == sweeps
        })
        .collect();
    v.sort();
    v
}
