//! Peak memory against the replication count: `cargo bench --bench memory`.
//!
//! Runs the amisim binary on scenarios/enterprise.toml with N and 10 N
//! replications (`--rows none`) and reports each run's peak resident memory
//! (Linux VmHWM). The target: the larger run stays within 10 % of the
//! smaller, because replications stream through a fixed-size aggregate.

use std::process::Command;

fn peak_kib(replications: u64) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("amisim-memory-bench-{replications}"));
    let out = Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args([
            "run",
            "scenarios/enterprise.toml",
            "--rows",
            "none",
            "-q",
            "--peak-memory",
            "-n",
        ])
        .arg(replications.to_string())
        .arg("--out")
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|l| l.trim_end_matches(" KiB").parse().ok())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = 20;
    match (peak_kib(n), peak_kib(10 * n)) {
        (Some(small), Some(large)) => {
            let growth = large as f64 / small as f64 - 1.0;
            println!(
                "enterprise peak memory: {n} replications {small} KiB, {} replications {large} KiB, growth {:+.1} % ({})",
                10 * n,
                100.0 * growth,
                if growth <= 0.10 {
                    "within the 10 % target"
                } else {
                    "ABOVE the 10 % target"
                }
            );
        }
        _ => println!("peak memory unavailable (needs Linux /proc)"),
    }
}
