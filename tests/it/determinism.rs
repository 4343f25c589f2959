//! Same scenario, same seed: the same bytes, whatever the thread count.

use super::{amisim_ok, output_files, shipped_scenarios};

fn run_to_dir(scenario: &str, threads: &str, seed: &str) -> tempfile::TempDir {
    run_with(scenario, threads, &["-n", "6", "--seed", seed])
}

/// `amisim run SCENARIO --threads T --quiet --out <temp> EXTRA...`.
fn run_with(scenario: &str, threads: &str, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec![
        "run",
        scenario,
        "--threads",
        threads,
        "--quiet",
        "--out",
        out.path().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = amisim_ok(&args);
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    out
}

fn read(dir: &tempfile::TempDir, f: &str) -> Vec<u8> {
    std::fs::read(dir.path().join(f)).unwrap()
}

#[test]
fn same_seed_same_bytes_with_one_and_two_threads_and_on_repeat() {
    for path in shipped_scenarios() {
        let s = path.to_str().unwrap();
        let a = run_to_dir(s, "1", "42");
        let b = run_to_dir(s, "2", "42");
        let c = run_to_dir(s, "2", "42");
        for f in output_files() {
            assert!(
                read(&a, f) == read(&b, f),
                "{s}: {f} differs between 1 and 2 threads"
            );
            assert!(
                read(&b, f) == read(&c, f),
                "{s}: {f} differs between two runs"
            );
        }
    }
}

#[test]
fn a_different_seed_gives_different_runs() {
    let a = run_to_dir("scenarios/quickstart.toml", "2", "1");
    let b = run_to_dir("scenarios/quickstart.toml", "2", "2");
    assert_ne!(read(&a, "runs.csv"), read(&b, "runs.csv"));
}

/// Without row files the workers fold thousands of replications into
/// partial aggregates before the in-order merge: the aggregate files must
/// still be the bytes one thread writes.
#[test]
fn without_row_files_large_groups_merge_to_the_one_thread_bytes() {
    let run = |threads| {
        run_with(
            "scenarios/golden-3os-8-regions.toml",
            threads,
            &["-n", "300", "--rows", "none"],
        )
    };
    let (a, b) = (run("1"), run("2"));
    // Every output but the row files.
    for f in &output_files()[amisim::experiment::outputs::N_ROW_FILES..] {
        assert!(
            read(&a, f) == read(&b, f),
            "{f} differs between 1 and 2 threads"
        );
    }
}
