//! The one integration-test binary: one module per concern, each said in
//! one line below; shared helpers (running `amisim`, the shipped scenarios,
//! constant latencies) here.

/// no allocation per event once warmed up
mod alloc;
/// amisim backtest on histories whose truth is known
mod backtest;
/// amisim backtest's command: its files and its refusals
mod backtest_cli;
/// the backtest fixtures' generator (AWS-shaped history from a known truth)
mod backtest_gen;
/// the AWS Batch and Kubernetes recipes in tests/batch/
mod batch;
/// the HTML report in headless Chromium (run by .ci/browser.sh)
mod browser;
/// end to end: every shipped scenario runs and writes what README says; CLI flags
mod cli;
/// one run, one directory: commits, locks, kills at any moment
mod commit;
/// the bad-input corpus in tests/corpus/
mod corpus;
/// the cost ledger against hand-computed cases
mod cost;
/// the same bytes whatever the thread count or sharding
mod determinism;
/// the book in docs/: its CLI reference is the binary's help; every link resolves
mod docs;
/// README's exit codes, a command per code
mod exit_codes;
/// sharding, precision targets, confidence intervals
mod experiments;
/// `amisim fit` on the logs in tests/fit/
mod fit;
/// the fuzz step (ignored; .ci/run runs it for 60 s)
mod fuzz;
/// every shipped scenario against tests/golden/ (AMISIM_BLESS=1 regenerates)
mod golden;
/// `amisim import` on the documents in tests/import/
mod import;
/// container pipelines imported from Image Builder's JSON, CloudFormation and Terraform
mod import_containers;
/// `amisim import` of directories: Terraform modules, Packer directories.
mod import_dirs;
/// the module layering src/lib.rs documents
mod layering;
/// the pipeline model's rules on small inline scenarios, one file per topic
mod model;
/// `-o` and result directories: nothing lost or replaced silently
mod no_loss;
/// `amisim prices` and `[cost] prices` on tests/prices/
mod prices;
/// quantiles and their intervals over every shipped scenario
mod quantiles;
/// the engine and the build quota against queueing theory
mod queueing;
/// the report's recommendations against the same scenarios with them written in
mod recommendations;
/// `--report`, `amisim report` and `--trace`
mod report;
/// hostile input: sizes, paths, FIFOs, symbolic links
mod robustness;
/// scenarios/illegal/: every refusal, located, against its .stderr
mod scenario_errors;
/// the size bar: functions under 80 lines, files under 500
mod size;
/// docs/sources.md: every anchor the code and README cite exists
mod sources;
/// each distribution family's samples match its parameters
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

/// Checks `got` against the golden file `path` (under the crate root or
/// absolute), or writes it there with `AMISIM_BLESS=1`: the one bless rule
/// of every golden, with the first differing line in the failure.
pub fn assert_golden(path: &Path, got: &str) {
    let path = root().join(path);
    if std::env::var_os("AMISIM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (AMISIM_BLESS=1 writes it)", path.display()));
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{} differs at line {}\n--- expected\n{}\n--- got\n{}\n---\n(AMISIM_BLESS=1 regenerates it; read the diff)",
            path.display(),
            first + 1,
            want.lines().nth(first).unwrap_or("<end of file>"),
            got.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
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
collect_image_metadata = "0s"
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
