//! Container pipelines imported from each format: Image Builder's JSON
//! (with `aws ecr describe-registry`), a CloudFormation template and a
//! Terraform directory (a `dynamic` distribution, a `count`ed pipeline, a
//! replication rule over a variable), each to its golden scenario, which
//! validates and runs; the three give the same results.

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
