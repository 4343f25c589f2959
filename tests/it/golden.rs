//! Every shipped scenario at a fixed seed and two replications, compared
//! byte for byte with tests/golden/<name>/. A change in the model, a
//! default or an output column shows up here as a diff to review.
//! Regenerate with `AMISIM_BLESS=1 cargo test golden` and read the diff.

use super::{amisim, root, shipped_scenarios};

const FILES: [&str; 3] = ["runs.csv", "summary.csv", "quotas.csv"];

#[test]
fn shipped_scenarios_match_their_golden_outputs() {
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
            super::assert_golden(&golden.join(f), &got);
        }
    }
}
