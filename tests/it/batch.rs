//! The AWS Batch and Kubernetes recipes in `tests/batch/`, checked against
//! their APIs' documented fields (the Slurm one runs on a real cluster in
//! `.ci/slurm.sh`), and each recipe's command run as its engine would run it.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::root;

/// AWS Batch `SubmitJob` request fields (botocore `batch` 2016-08-10,
/// `SubmitJobRequest`, `ArrayProperties`, `ContainerOverrides`,
/// `ResourceRequirement`): the CLI refuses any other key.
const SUBMIT_JOB: [&str; 17] = [
    "jobName",
    "jobQueue",
    "shareIdentifier",
    "schedulingPriorityOverride",
    "arrayProperties",
    "dependsOn",
    "jobDefinition",
    "parameters",
    "containerOverrides",
    "nodeOverrides",
    "retryStrategy",
    "propagateTags",
    "timeout",
    "tags",
    "eksPropertiesOverride",
    "ecsPropertiesOverride",
    "consumableResourcePropertiesOverride",
];
const CONTAINER_OVERRIDES: [&str; 6] = [
    "vcpus",
    "memory",
    "command",
    "instanceType",
    "environment",
    "resourceRequirements",
];

/// The shard count of a command's `--shard env/N`.
fn shards_of(command: &str) -> u64 {
    let at = command.find("--shard env/").expect("--shard env/N") + "--shard env/".len();
    command[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs a recipe's shell command for array index `k` (as `var`), with the
/// scenario and sizes made small: it must be a valid amisim shard.
fn run_as_task(command: &str, var: &str, k: u64, out: &std::path::Path) {
    let cmd = command
        .replace(
            "scenarios/enterprise-capacity.toml",
            "scenarios/quickstart.toml",
        )
        .replace("-n 1000", "-n 20")
        .replace("/shards/", &format!("{}/", out.display()))
        .replacen("amisim", env!("CARGO_BIN_EXE_amisim"), 1);
    let o = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .env(var, k.to_string())
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join(format!("shard-{k}/shard.json")).exists(), "{cmd}");
}

#[test]
fn the_aws_batch_recipe_is_a_submit_job_request_whose_children_are_shards() {
    let text = std::fs::read_to_string(root().join("tests/batch/aws-batch-job.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let top = v.as_object().unwrap();
    for k in top.keys() {
        assert!(
            SUBMIT_JOB.contains(&k.as_str()),
            "SubmitJob has no field {k:?}"
        );
    }
    for k in ["jobName", "jobQueue", "jobDefinition"] {
        assert!(v[k].is_string(), "{k}: a required string");
    }
    let size = v["arrayProperties"]["size"]
        .as_u64()
        .expect("arrayProperties.size: an integer");
    assert!(
        (2..=10_000).contains(&size),
        "an array job has 2 to 10,000 children"
    );
    let co = v["containerOverrides"].as_object().unwrap();
    for k in co.keys() {
        assert!(
            CONTAINER_OVERRIDES.contains(&k.as_str()),
            "ContainerOverrides has no field {k:?}"
        );
    }
    for r in v["containerOverrides"]["resourceRequirements"]
        .as_array()
        .unwrap()
    {
        assert!(
            matches!(r["type"].as_str(), Some("GPU" | "VCPU" | "MEMORY")),
            "{r}"
        );
        assert!(
            r["value"].is_string(),
            "ResourceRequirement.value is a string: {r}"
        );
    }
    let command: Vec<&str> = v["containerOverrides"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().expect("command: strings"))
        .collect();
    let line = command.last().unwrap();
    assert!(line.contains("$AWS_BATCH_JOB_ARRAY_INDEX"), "{line}");
    assert_eq!(
        shards_of(line),
        size,
        "--shard env/N matches the array size"
    );
    let dir = tempfile::tempdir().unwrap();
    run_as_task(line, "AWS_BATCH_JOB_ARRAY_INDEX", size - 1, dir.path());
}

fn get<'a>(y: &'a Yaml, path: &[&str]) -> &'a Yaml {
    path.iter().fold(y, |y, k| &y[*k])
}

#[test]
fn the_kubernetes_recipe_is_an_indexed_job_whose_pods_are_shards() {
    let text = std::fs::read_to_string(root().join("tests/batch/k8s-indexed-job.yaml")).unwrap();
    let y = &YamlLoader::load_from_str(&text).unwrap()[0];
    // batch/v1 Job (Kubernetes API reference, "Job v1 batch"): an Indexed Job.
    assert_eq!(y["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(y["kind"].as_str(), Some("Job"));
    let spec = &y["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"]
        .as_i64()
        .expect("completions: an integer") as u64;
    assert!(
        spec["parallelism"].as_i64().is_some(),
        "parallelism: an integer"
    );
    // backoffLimitPerIndex needs restartPolicy Never.
    if !spec["backoffLimitPerIndex"].is_badvalue() {
        assert!(spec["backoffLimitPerIndex"].as_i64().is_some());
        assert_eq!(
            get(spec, &["template", "spec", "restartPolicy"]).as_str(),
            Some("Never")
        );
    }
    let containers = get(spec, &["template", "spec", "containers"])
        .as_vec()
        .expect("containers: a list");
    let c = &containers[0];
    for k in ["name", "image"] {
        assert!(c[k].as_str().is_some(), "container.{k}: a string");
    }
    let words = |k: &str| -> Vec<String> {
        c[k].as_vec()
            .map(|v| {
                v.iter()
                    .map(|x| x.as_str().expect("strings").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(words("command"), ["sh", "-c"]);
    let args = words("args");
    let line = &args[0];
    assert!(line.contains("$JOB_COMPLETION_INDEX"), "{line}");
    assert_eq!(
        shards_of(line),
        completions,
        "--shard env/N matches completions"
    );
    let dir = tempfile::tempdir().unwrap();
    run_as_task(line, "JOB_COMPLETION_INDEX", 0, dir.path());
}
