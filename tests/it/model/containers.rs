//! Container image pipelines: each stage at its exact time with constant
//! latencies, the build host held through the pushes, layers stored once,
//! replication on every push (not chained), their costs and their rules.

use super::*;

/// A container pipeline in us-east-1 pushing to `destinations`, replicated
/// by `replication`, with constant latencies: launch 60 s, bootstrap 30 s,
/// one 120 s component, pushes 10 s + 1 GiB/s, pull 5 s + 1 GiB/s, one
/// 60 s test, replication 300 s.
fn container(destinations: &str, parallel: bool, replication: &str) -> String {
    format!(
        r#"{FIXED}
container_bootstrap = "30s"
ecr_push = {{ overhead = "10s", throughput_mib_s = 1024 }}
ecr_pull = {{ overhead = "5s", throughput_mib_s = 1024 }}
ecr_replication = "300s"

[[account]]
name = "platform"
id = "111111111111"
[[account]]
name = "app"
id = "222222222222"

[[region]]
name = "us-east-1"
[[region]]
name = "eu-west-1"
[[region]]
name = "ap-southeast-2"

[[pipeline]]
name = "base"
image_type = "container"
region = "us-east-1"
destinations = {destinations}
[pipeline.container]
image_gib = 2
changed_gib = 0.5
parallel_pushes = {parallel}
[[pipeline.component]]
name = "update-os"
duration = "120s"
[[pipeline.test]]
name = "smoke"
duration = "60s"
[pipeline.schedule]
cron = "cron(0 6 * * ? *)"
start_condition = "always"
{replication}
"#
    )
}

fn secs(t: SimTime) -> f64 {
    t.0 as f64 / 1000.0
}

#[test]
fn each_stage_runs_at_its_time_and_the_build_host_lives_through_the_pushes() {
    let sc = scenario(&format!(
        "horizon = \"1d\"\n{}",
        container("[\"eu-west-1\", \"ap-southeast-2\"]", false, "")
    ));
    let r = run_replication(&sc.world, 1, 0);
    let t0 = 6.0 * 3600.0;
    let at = |stage: Stage| -> Vec<(f64, f64)> {
        stages(&r, stage)
            .iter()
            .map(|s| (secs(s.started) - t0, secs(s.finished) - t0))
            .collect()
    };
    // launch 0–60, bootstrap 60–90, component 90–210, push of 2 GiB 210–222.
    assert_eq!(at(Stage::LaunchBuilder), vec![(0.0, 60.0)]);
    assert_eq!(at(Stage::Bootstrap), vec![(60.0, 90.0)]);
    assert_eq!(at(Stage::Component), vec![(90.0, 210.0)]);
    // Test host 222–282, pull 282–289, test 289–349; then the pushes one
    // after another: 349–361, 361–373. No snapshot, no sanitize.
    assert_eq!(at(Stage::LaunchTest), vec![(222.0, 282.0)]);
    assert_eq!(at(Stage::Pull), vec![(282.0, 289.0)]);
    assert_eq!(at(Stage::Test), vec![(289.0, 349.0)]);
    assert_eq!(
        at(Stage::Push),
        vec![(210.0, 222.0), (349.0, 361.0), (361.0, 373.0)]
    );
    assert!(at(Stage::Snapshot).is_empty() && at(Stage::Sanitize).is_empty());
    // The build host is terminated after the last push.
    assert_eq!(at(Stage::TerminateBuilder), vec![(373.0, 393.0)]);
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Succeeded);
    assert_eq!(secs(run.image_available.unwrap()) - t0, 222.0);
    assert_eq!(secs(run.finished) - t0, 373.0);
    // Pushed together, the two end at 361.
    let sc = scenario(&format!(
        "horizon = \"1d\"\n{}",
        container("[\"eu-west-1\", \"ap-southeast-2\"]", true, "")
    ));
    let r = run_replication(&sc.world, 1, 0);
    assert_eq!(secs(r.runs[0].finished) - t0, 361.0);
}

#[test]
fn replication_follows_every_push_once_and_layers_are_stored_once() {
    let rules = "[[pipeline.replication]]\naccounts = [\"app\"]\n[[pipeline.replication]]\nfrom = \"eu-west-1\"\nregions = [\"eu-west-1\", \"ap-southeast-2\"]\naccounts = [\"app\"]\n";
    let sc = scenario(&format!(
        "horizon = \"2d\"\n{}",
        container("[\"eu-west-1\"]", false, rules)
    ));
    let r = run_replication(&sc.world, 1, 0);
    let t0 = 6.0 * 3600.0;
    let first: Vec<StageRecord> = stages(&r, Stage::Replicate)
        .into_iter()
        .filter(|s| s.exec.index() == 0)
        .collect();
    // The build Region's push (ends 222) replicates at once, before the
    // tests pass; eu-west-1's push (349–361) replicates to both of its
    // rule's destinations: nothing is replicated again from what ECR
    // replicated (no chaining).
    let times: Vec<(f64, f64)> = first
        .iter()
        .map(|s| (secs(s.started) - t0, secs(s.finished) - t0))
        .collect();
    assert_eq!(times, vec![(222.0, 522.0), (361.0, 661.0), (361.0, 661.0)]);
    assert!(first.iter().all(|s| s.account == AccountId::from_index(1)));
    assert_eq!(secs(r.runs[0].finished) - t0, 661.0);
    // A day later every repository holds the layers: only the changed ones move.
    let gib = |exec: usize, stage: Stage| -> Vec<f64> {
        stages(&r, stage)
            .iter()
            .filter(|s| s.exec.index() == exec)
            .map(|s| s.data_gib)
            .collect()
    };
    assert_eq!(gib(0, Stage::Push), vec![2.0, 2.0]);
    assert_eq!(gib(1, Stage::Push), vec![0.5, 0.5]);
    assert_eq!(gib(1, Stage::Replicate), vec![0.5, 0.5, 0.5]);
    // One image per repository reached: build Region, eu-west-1, and app's three.
    let images = r.images.iter().filter(|i| i.exec.index() == 0).count();
    assert_eq!(images, 5);
}

#[test]
fn a_failed_test_ends_the_build_host_and_replicates_anyway() {
    let text = format!(
        "horizon = \"1d\"\n{}",
        container(
            "[\"eu-west-1\"]",
            false,
            "[[pipeline.replication]]\naccounts = [\"app\"]\n"
        )
    )
    .replace(
        "duration = \"60s\"",
        "duration = \"60s\"\nfailure_probability = 1.0",
    );
    let sc = scenario(&text);
    let r = run_replication(&sc.world, 1, 0);
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    // No push to the destination; the build host terminated at the failure.
    assert_eq!(stages(&r, Stage::Push).len(), 1);
    assert_eq!(stages(&r, Stage::TerminateBuilder).len(), 1);
    // ECR replicated the untested image pushed to the build Region.
    assert_eq!(stages(&r, Stage::Replicate).len(), 1);
}

#[test]
fn the_rules_and_warnings_of_container_pipelines() {
    let refused = |text: &str, needle: &str| {
        let e = amisim::scenario::from_str(Path::new("inline.toml"), text)
            .err()
            .unwrap_or_else(|| panic!("accepted; expected {needle}"))
            .to_string();
        assert!(e.contains(needle), "{e}");
    };
    let base = container("[\"eu-west-1\"]", false, "");
    refused(
        &base.replace(
            "image_type = \"container\"",
            "image_type = \"container\"\ntool = \"packer\"",
        ),
        "a container image pipeline is Image Builder's",
    );
    refused(
        &format!("{base}[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n"),
        "a container image has no EBS volumes",
    );
    refused(
        &format!("{base}[pipeline.lifecycle]\ndeprecate_after = \"30d\"\n"),
        "a lifecycle policy of container images only deletes them",
    );
    refused(
        &base.replace(
            "[pipeline.container]\nimage_gib = 2\nchanged_gib = 0.5\nparallel_pushes = false\n",
            "",
        ),
        "needs its image's size",
    );
    // Warnings: a recipe's KMS key, and a rule from a Region nothing is pushed to.
    let sc = scenario(
        &container(
            "[\"eu-west-1\"]",
            false,
            "[[pipeline.replication]]\nfrom = \"ap-southeast-2\"\naccounts = [\"app\"]\n",
        )
        .replace(
            "parallel_pushes = false",
            "parallel_pushes = false\nkms_key = \"aws/ebs\"",
        ),
    );
    let w: Vec<String> = sc.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.contains("encrypts its Dockerfile template only")),
        "{w:?}"
    );
    assert!(w.iter().any(|w| w.contains("nothing is pushed to ap-southeast-2") && w.contains("no chaining")), "{w:?}");
}

/// ECR storage: each repository's layers from their arrival to the horizon
/// at $0.10 per GB-month; a cross-Region push and a cross-Region
/// replication pay transfer from their source; the build host's hours run
/// until its termination after the last push.
#[test]
fn container_costs_are_ecr_storage_transfer_and_the_host_through_the_pushes() {
    use amisim::cost::{Category, ledger};
    let rules = "[[pipeline.replication]]\nfrom = \"eu-west-1\"\nregions = [\"ap-southeast-2\"]\naccounts = [\"app\"]\n";
    let sc = scenario(&format!(
        "horizon = \"1d\"\n{}",
        container("[\"eu-west-1\"]", false, rules)
    ));
    let r = run_replication(&sc.world, 1, 0);
    assert_eq!(r.runs.len(), 1);
    let lines = ledger(&sc.market(), &r);
    let horizon_s = 86_400.0;
    let t0 = 6.0 * 3600.0;
    // Available at 222 (build Region), 361 (eu-west-1 push), 661 (replication).
    for (region, available) in [(0, 222.0), (1, 361.0), (2, 661.0)] {
        let l = lines
            .iter()
            .find(|l| {
                l.category == Category::EcrStorage && l.region == RegionId::from_index(region)
            })
            .unwrap_or_else(|| panic!("no ECR storage in Region {region}"));
        let months = (horizon_s - t0 - available) / 3600.0 / 730.0;
        assert!(
            (l.quantity - 2.0 * months).abs() < 1e-9,
            "{region}: {} GB-months against {}",
            l.quantity,
            2.0 * months
        );
        assert_eq!(l.usd_micro, (2.0 * months * 0.10 * 1e6).round() as u64);
    }
    let transfer: Vec<_> = lines
        .iter()
        .filter(|l| l.category == Category::Transfer)
        .collect();
    // us-east-1 → eu-west-1 (the push) and eu-west-1 → ap-southeast-2 (ECR), 2 GiB each.
    assert_eq!(transfer.len(), 2);
    assert!(transfer.iter().all(|l| (l.quantity - 2.0).abs() < 1e-12));
    assert_eq!(transfer[0].region, RegionId::from_index(0));
    assert_eq!(transfer[1].region, RegionId::from_index(1));
    assert!(
        lines
            .iter()
            .all(|l| l.category != Category::SnapshotStorage)
    );
    // The build host: launched at 0, terminated 361–381 after its push to eu-west-1.
    let host = lines
        .iter()
        .find(|l| l.category == Category::Instance && l.item == amisim::cost::Item::Builder)
        .unwrap();
    assert!(
        (host.quantity - 381.0 / 3600.0).abs() < 1e-9,
        "{} h",
        host.quantity
    );
}

#[test]
fn a_failed_push_or_a_timed_out_distribution_fails_the_execution_and_ends_the_host() {
    // Every push fails (the copy failure probability, an assumption): the
    // build Region's first, at its end; the host is terminated then.
    let text = format!(
        "horizon = \"1d\"\n[faults]\ncopy_failure_probability = 1.0\n{}",
        container("[\"eu-west-1\"]", false, "")
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    let failed = r.stages[run.failed_record.unwrap().index()];
    assert_eq!(
        (failed.stage, failed.cause.name()),
        (Stage::Push, "copy_failed")
    );
    assert_eq!(stages(&r, Stage::TerminateBuilder).len(), 1);
    assert!(stages(&r, Stage::LaunchTest).is_empty());
    // DistributeContainerImage's 30-minute time-out against a 40-minute push
    // to eu-west-1: the distribution fails 30 minutes after the tests pass
    // (when it starts), and the host is terminated.
    let slow = container("[\"eu-west-1\"]", false, "")
        .replace(
            "ecr_push = { overhead = \"10s\"",
            "ecr_push = { overhead = \"40m\"",
        )
        .replace(
            "region = \"us-east-1\"\ndestinations",
            "region = \"us-east-1\"\ndistribution_timeout = \"30m\"\ndestinations",
        );
    let r = run_replication(&scenario(&format!("horizon = \"1d\"\n{slow}")).world, 1, 0);
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    let failed = r.stages[run.failed_record.unwrap().index()];
    assert_eq!(
        (failed.stage, failed.cause.name()),
        (Stage::Push, "step_timeout")
    );
    let tests_passed = run.tests_passed.unwrap();
    assert_eq!(run.finished.0 - tests_passed.0, 30 * 60 * 1000);
    assert_eq!(stages(&r, Stage::TerminateBuilder).len(), 1);
    // Without distribution_timeout, a container's is 120 minutes.
    let sc = scenario(&format!(
        "horizon = \"1d\"\n{}",
        container("[\"eu-west-1\"]", false, "")
    ));
    assert_eq!(
        sc.world.pipelines[0].distribution_timeout,
        Some(amisim::engine::SimDuration::from_mins(120))
    );
}

/// ECR's PutImage is throttled per account and Region: two pipelines whose
/// builds push to us-east-1 at the same instant, with a bucket of one
/// token refilled every 100 s, leave the second push waiting (retried by
/// Image Builder) while the first runs at once.
#[test]
fn put_image_is_throttled_per_account_and_region() {
    let one = container("[\"eu-west-1\"]", false, "");
    let at = one.find("[[pipeline]]").unwrap();
    let second = one[at..]
        .replace("name = \"base\"", "name = \"base-2\"")
        .split("\n[[pipeline.replication]]")
        .next()
        .unwrap()
        .to_string();
    let text = format!(
        "horizon = \"1d\"\n[api]\necr_put_image = {{ capacity = 1, refill_per_s = 0.01 }}\n{one}\n{second}"
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    let first: Vec<StageRecord> = stages(&r, Stage::Push)
        .into_iter()
        .filter(|s| s.region == RegionId::from_index(0))
        .collect();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].api_retries, 0);
    assert_eq!(first[0].started, first[0].enqueued);
    assert!(first[1].api_retries >= 1, "{:?}", first[1]);
    assert!(first[1].started > first[1].enqueued, "{:?}", first[1]);
    assert!(r.runs.iter().all(|x| x.outcome == Outcome::Succeeded));
}
