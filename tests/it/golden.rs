//! Every shipped scenario at a fixed seed and two replications, compared
//! byte for byte with tests/golden/<name>/. A change in the model, a
//! default or an output column shows up here as a diff to review.
//! Regenerate with `AMISIM_BLESS=1 cargo test golden` and read the diff.

use super::{amisim, root, shipped_scenarios};

const FILES: [&str; 3] = ["runs.csv", "summary.csv", "quotas.csv"];

#[test]
fn shipped_scenarios_match_their_golden_outputs() {
    let bless = std::env::var_os("AMISIM_BLESS").is_some();
    for path in shipped_scenarios() {
        let name = path.file_stem().unwrap().to_str().unwrap();
        let out = tempfile::tempdir().unwrap();
        let o = amisim(&[
            "run",
            path.to_str().unwrap(),
            "-n",
            "2",
            "--seed",
            "2026",
            "--quiet",
            "--out",
            out.path().to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let golden = root().join("tests/golden").join(name);
        for f in FILES {
            let got = std::fs::read_to_string(out.path().join(f)).unwrap();
            let want_path = golden.join(f);
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(&want_path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&want_path).unwrap_or_default();
            if got != want {
                let first = got
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.lines().count().min(want.lines().count()));
                panic!(
                    "{name}/{f} differs from {} at line {}\n--- expected\n{}\n--- got\n{}\n---\n(AMISIM_BLESS=1 cargo test golden regenerates it)",
                    want_path.display(),
                    first + 1,
                    want.lines().nth(first).unwrap_or("<end of file>"),
                    got.lines().nth(first).unwrap_or("<end of file>"),
                );
            }
        }
    }
}
