//! Faults: waiter time-outs, throttling, incidents and retried copies, each changing the outcome as described.

use super::*;

#[test]
fn a_waiter_timeout_fails_an_execution_that_aws_completed() {
    // Copies take 2,000 s; the AWS SDK waiter gives up after 10 minutes.
    let lat = "[latency]\ncopy = { overhead = \"2000s\", throughput_mib_s = 1000000 }\n\
               snapshot = { overhead = \"60s\", throughput_mib_s = 1000000 }\n";
    let p = pipeline("p", "aws", "run_at_start = true", "");
    let ok = run_replication(&with(lat, &p).world, 1, 0);
    assert_eq!(ok.runs[0].outcome, Outcome::Succeeded);
    let timed = with(&format!("{lat}[faults]\nclient = \"aws_sdk\"\n"), &p);
    let r = run_replication(&timed.world, 1, 0);
    let copy = stages(&r, Stage::Copy)[0];
    assert_eq!(
        (copy.outcome, copy.cause.name()),
        (Outcome::Failed, "waiter_timeout")
    );
    assert_eq!(
        copy.finished.since(copy.started).as_millis(),
        600_000,
        "gave up at 10 min"
    );
    assert_eq!(r.runs[0].outcome, Outcome::Failed);
    assert_eq!(r.runs[0].finished, copy.finished);
    // AWS finished the copy: the quota slot was held until then.
    let q = r
        .quotas
        .iter()
        .find(|q| q.kind == amisim::aws::quotas::Quota::AmiCopiesPerRegion)
        .unwrap();
    assert!(
        q.busy_unit_ms >= 2_000_000,
        "slot held {} ms",
        q.busy_unit_ms
    );
    assert!(
        stages(&r, Stage::LaunchDestinationTest).is_empty(),
        "nothing is launched from it"
    );
    // The same waiter on a slow CreateImage (default snapshot speed, 40 GiB).
    let slow_image = with("[faults]\nclient = \"aws_sdk\"\n", &p);
    let r = run_replication(&slow_image.world, 1, 0);
    let ci = stages(&r, Stage::CreateImage)[0];
    assert_eq!(
        (ci.outcome, ci.cause.name()),
        (Outcome::Failed, "waiter_timeout")
    );
    assert!(stages(&r, Stage::RegisterImage).is_empty());
    assert_eq!(
        stages(&r, Stage::Snapshot).len(),
        2,
        "the snapshots still complete in AWS"
    );
}

#[test]
fn a_throttled_burst_is_retried_and_finishes_later() {
    // 120 pipelines copy to eu-west-1 at the same instant: the CopyImage
    // bucket (100, 1/s) serves 100 at once; the SDK retries the rest.
    let mut ps = String::new();
    for i in 0..120 {
        ps += &pipeline(&format!("p{i}"), "aws", "run_at_start = true", "");
    }
    let fixed = "[latency]\ninstance_launch = \"10s\"\ninstance_ready = \"0s\"\nsanitize = \"0s\"\ncollect_image_metadata = \"0s\"\n\
                 instance_stop = \"10s\"\nregister_image = \"1s\"\n\
                 snapshot = { overhead = \"60s\", throughput_mib_s = 1000000 }\n\
                 copy = { overhead = \"300s\", throughput_mib_s = 1000000 }\n\
                 [quotas]\nconcurrent_builds = 1000\nconcurrent_ami_copies_per_distribution = 1000\n\
                 [api]\nrun_instances = { capacity = 1000, refill_per_s = 100 }\nmax_attempts = 10\n";
    let r = run_replication(&with(fixed, &ps).world, 1, 0);
    let copies = stages(&r, Stage::Copy);
    assert_eq!(copies.len(), 120);
    let throttled: Vec<_> = copies.iter().filter(|c| c.api_retries > 0).collect();
    assert!(
        throttled.len() >= 19,
        "about 20 throttled, got {}",
        throttled.len()
    );
    let first = copies
        .iter()
        .filter(|c| c.api_retries == 0)
        .map(|c| c.started)
        .max()
        .unwrap();
    assert!(
        throttled.iter().all(|c| c.started > first),
        "throttled calls go through later"
    );
    assert!(
        copies.iter().all(|c| c.outcome == Outcome::Succeeded),
        "ten attempts are enough"
    );
    // Without throttling, every copy starts at once.
    let off = run_replication(
        &with(
            &fixed.replace("[api]\n", "[api]\nthrottling = false\n"),
            &ps,
        )
        .world,
        1,
        0,
    );
    assert!(
        stages(&off, Stage::Copy)
            .iter()
            .all(|c| c.api_retries == 0 && c.started == c.enqueued)
    );
}

#[test]
fn a_throttled_call_is_retried_as_its_tool_retries_it() {
    // A one-token bucket refilled every 100 s, and eight pipelines' copies at once.
    let top = "[api]\ncopy_image = { capacity = 1, refill_per_s = 0.01 }\n[quotas]\nconcurrent_builds = 100\n";
    let copies = |extra: &str| {
        let mut ps = String::new();
        for i in 0..8 {
            ps += &pipeline(&format!("p{i}"), "aws", "run_at_start = true", extra);
        }
        stages(&run_replication(&with(top, &ps).world, 1, 0), Stage::Copy)
    };
    let failed = |v: &[amisim::pipeline::model::StageRecord]| {
        v.iter()
            .filter(|c| c.outcome == Outcome::Failed)
            .map(|c| (c.cause.name(), c.api_retries))
            .collect::<Vec<_>>()
    };
    // A script: the SDK's standard mode, 3 attempts in all.
    let sdk = failed(&copies("tool = \"sdk\""));
    assert!(!sdk.is_empty());
    assert!(
        sdk.iter().all(|f| *f == ("request_limit_exceeded", 3)),
        "{sdk:?}"
    );
    // Packer: its max_retries, 10 unless set: calls the SDK's 3 attempts
    // would lose go through (its waiters may still give up on a long copy).
    let packer = copies("tool = \"packer\"");
    assert!(
        packer
            .iter()
            .any(|c| c.api_retries > 3 && c.api_retries <= 10)
    );
    assert!(
        packer
            .iter()
            .all(|c| c.cause.name() != "request_limit_exceeded"),
        "{:?}",
        failed(&packer)
    );
    // The pipeline's own count.
    let two = failed(&copies("tool = \"sdk\"\napi_max_attempts = 2"));
    assert!(
        !two.is_empty() && two.iter().all(|f| *f == ("request_limit_exceeded", 2)),
        "{two:?}"
    );
    // Image Builder retries until DistributeImage's time-out (360 min): every
    // copy gets its token within 800 s.
    let ib = copies("");
    assert!(
        ib.iter().all(|c| c.outcome == Outcome::Succeeded),
        "{:?}",
        failed(&ib)
    );
    assert!(ib.iter().any(|c| c.api_retries > 3));
    // A token an hour against a 30-minute distribution time-out: the first
    // copy gets the bucket's token; the others retry (far more than 3
    // times) and give up by the time-out.
    let slow = top.replace("refill_per_s = 0.01", "refill_per_s = 0.0002");
    let mut ps = String::new();
    for i in 0..8 {
        ps += &pipeline(
            &format!("p{i}"),
            "aws",
            "run_at_start = true",
            "distribution_timeout = \"30m\"",
        );
    }
    let v = stages(&run_replication(&with(&slow, &ps).world, 1, 0), Stage::Copy);
    let throttled: Vec<_> = v.iter().filter(|c| c.api_retries > 0).collect();
    assert_eq!(throttled.len(), 7, "{:?}", failed(&v));
    assert!(
        throttled.iter().all(|c| c.outcome == Outcome::Failed
            && c.api_retries > 10
            && c.finished.since(c.enqueued).as_millis() <= 30 * 60_000),
        "{:?}",
        failed(&v)
    );
}

#[test]
fn an_incident_window_delays_only_its_region() {
    // Copies to eu-west-1 and us-west-2 take 600 s; an incident in eu-west-1
    // triples durations there during the first day.
    let regions3 = "[[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"eu-west-1\"\n[[region]]\nname = \"us-west-2\"\n";
    let lat = "[latency]\ncopy = { overhead = \"600s\", throughput_mib_s = 1000000 }\n";
    let p = pipeline("p", "aws", "run_at_start = true", "").replace(
        "destinations = [\"eu-west-1\"]",
        "destinations = [\"eu-west-1\", \"us-west-2\"]",
    );
    let make = |inc: &str| scenario(&format!("horizon = \"2d\"\n{lat}{inc}{regions3}{p}"));
    let calm = run_replication(&make("").world, 4, 0);
    let storm = run_replication(&make("[[incident]]\nregion = \"eu-west-1\"\nstart = \"0s\"\nduration = \"1d\"\nslowdown = 3.0\n").world, 4, 0);
    let dur = |r: &ReplicationResult, region: usize| {
        stages(r, Stage::Copy)
            .iter()
            .find(|c| c.region.index() == region)
            .map(|c| c.finished.since(c.started).as_millis())
            .unwrap()
    };
    assert_eq!(
        dur(&calm, 1) * 3,
        dur(&storm, 1),
        "eu-west-1 three times slower"
    );
    assert_eq!(dur(&calm, 2), dur(&storm, 2), "us-west-2 untouched");
    // A failing incident fails operations there, with its cause.
    let failing = run_replication(&make("[[incident]]\nregion = \"eu-west-1\"\nstart = \"0s\"\nduration = \"1d\"\nfailure_probability = 1.0\n").world, 4, 0);
    let c = stages(&failing, Stage::Copy)
        .into_iter()
        .find(|c| c.region == RegionId::from_index(1))
        .unwrap();
    assert_eq!(
        (c.outcome, c.cause.name()),
        (Outcome::Failed, "region_incident")
    );
}

#[test]
fn failed_copies_are_retried_up_to_max_attempts() {
    let p = pipeline("p", "aws", "run_at_start = true", "");
    let always =
        "[faults]\ncopy_failure_probability = 1.0\nmax_attempts = 3\nretry_backoff = \"1m\"\n";
    let r = run_replication(&with(always, &p).world, 1, 0);
    let copies = stages(&r, Stage::Copy);
    assert_eq!(
        copies.iter().map(|c| c.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(copies.iter().all(|c| c.cause.name() == "copy_failed"));
    assert!(
        copies.windows(2).all(|w| w[1].enqueued >= w[0].finished),
        "a retry follows its failure"
    );
    assert_eq!(r.runs[0].outcome, Outcome::Failed);
    // A launch that fails now and then succeeds on a retry.
    let sometimes =
        "[faults]\nlaunch_failure_probability = 0.5\nmax_attempts = 10\nretry_backoff = \"10s\"\n";
    let r = run_replication(&with(sometimes, &p).world, 3, 0);
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
    let launches = stages(&r, Stage::LaunchBuilder);
    assert_eq!(launches.last().unwrap().outcome, Outcome::Succeeded);
    assert_eq!(
        launches
            .iter()
            .filter(|l| l.outcome == Outcome::Failed)
            .count(),
        launches.len() - 1
    );
}
