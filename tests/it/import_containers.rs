//! Container pipelines imported from each format: Image Builder's JSON
//! (with `aws ecr describe-registry`), a CloudFormation template and a
//! Terraform directory (a `dynamic` distribution, a `count`ed pipeline, a
//! replication rule over a variable), each to its golden scenario, which
//! validates and runs; the three give the same results. And a container
//! run's own stages.csv, fitted back.

use super::amisim_ok;
use super::import::{import_golden, run3};

const IB: &str = "tests/import/imagebuilder-container";
const CFN: &str = "tests/import/cloudformation-container/template.yaml";
const TF: &str = "tests/import/terraform-container";
const ACCOUNT: &str = "AWS::AccountId=111122223333";

#[test]
fn each_format_imports_its_container_pipeline_to_a_scenario_that_runs_the_same() {
    let (ib, err) = import_golden(
        &[IB, "--name", "base-container"],
        format!("{IB}/expected.toml"),
    );
    assert!(ib.contains("image_type = \"container\""), "{ib}");
    assert!(
        ib.contains("destinations = [\"eu-west-1\", \"ap-southeast-2\"]"),
        "{ib}"
    );
    assert!(
        ib.contains("accounts = [\"acct-444455556666\", \"acct-777788889999\"]"),
        "{ib}"
    );
    assert!(
        ib.contains("image_gib = 0.5")
            && ib.contains("assumed: no document gives the image's size")
    );
    assert!(
        err.contains("encrypts its Dockerfile template, not the image"),
        "{err}"
    );
    let (cf, _) = import_golden(
        &[
            CFN,
            "--name",
            "base-container",
            "--var",
            ACCOUNT,
            "--var",
            "AWS::Region=us-east-1",
        ],
        "tests/import/cloudformation-container/expected.toml",
    );
    let (tf, _) = import_golden(
        &[TF, "--name", "base-container", "--var", ACCOUNT],
        format!("{TF}/expected.toml"),
    );
    // The same scenario, but for the comments and the time-out the JSON gives.
    let values = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("distribution_timeout"))
            .map(|l| l.split(" #").next().unwrap_or("").trim_end().to_string())
            .collect()
    };
    assert_eq!(values(&ib), values(&cf));
    assert_eq!(values(&ib), values(&tf));
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("ib", &ib), ("cf", &cf), ("tf", &tf)] {
        let s = dir.path().join(format!("{name}.toml"));
        std::fs::write(&s, text).unwrap();
        amisim_ok(&["validate", s.to_str().unwrap()]);
        run3(&s, &dir.path().join(name));
    }
    let runs = std::fs::read_to_string(dir.path().join("ib/runs.csv")).unwrap();
    assert!(
        runs.contains(",base-container,1,cron,") && runs.contains(",succeeded,"),
        "{runs}"
    );
    let stages = std::fs::read_to_string(dir.path().join("ib/stages.csv")).unwrap();
    for stage in [",bootstrap,", ",push,", ",pull,", ",replicate,"] {
        assert!(stages.contains(stage), "{stage}");
    }
    for f in ["runs.csv", "stages.csv", "summary.csv"] {
        for other in ["cf", "tf"] {
            assert_eq!(
                std::fs::read(dir.path().join("ib").join(f)).unwrap(),
                std::fs::read(dir.path().join(other).join(f)).unwrap(),
                "{f} of {other}"
            );
        }
    }
}

#[test]
fn a_container_runs_stages_csv_fits_its_ecr_and_bootstrap_latencies_back() {
    // golden-container's defaults (docs/sources.md#container-build): push
    // 10 s + layers at a median 60 MiB/s, replication a median 10 min,
    // bootstrap a median 90 s. Fitted from 20 replications' rows (80
    // bootstraps, 480 pushes, 3,200 replications), each median is within
    // 15 %: a lognormal median's sd is σ/√n, at most 0.8/√80 ≈ 9 % of it.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let cal = dir.path().join("cal.toml");
    let (r, c) = (run.to_str().unwrap(), cal.to_str().unwrap());
    let scenario = "scenarios/golden-container.toml";
    amisim_ok(&["run", scenario, "-n", "20", "-q", "--out", r]);
    let csv = format!("{r}/stages.csv");
    amisim_ok(&["fit", &csv, "--bootstrap", "1", "-o", c]);
    let text = std::fs::read_to_string(&cal).unwrap();
    // A lognormal's median e^mu (the overhead's, for a throughput model).
    let fitted_median = |key: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{text}"));
        let at = line.find("mu = ").unwrap_or_else(|| panic!("{line}")) + 5;
        let mu: f64 = line[at..]
            .split(',')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        mu.exp()
    };
    for (key, median) in [
        ("ecr_replication", 600.0),
        ("container_bootstrap", 90.0),
        ("ecr_push", 10.0),
    ] {
        let got = fitted_median(key);
        assert!(
            (got / median - 1.0).abs() < 0.15,
            "{key}: median {got} against {median}"
        );
    }
    assert!(text.contains("ecr_pull = "), "{text}");
    // The calibration loads as a scenario's: every key is one amisim reads.
    let scn = dir.path().join("calibrated.toml");
    let original = std::fs::read_to_string(scenario).unwrap();
    std::fs::write(&scn, format!("calibration = \"cal.toml\"\n{original}")).unwrap();
    amisim_ok(&["validate", scn.to_str().unwrap()]);
}
