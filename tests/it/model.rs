//! The pipeline model's rules, checked on small inline scenarios.

use std::path::Path;

use amisim::aws::ids::{AccountId, RegionId};
use amisim::engine::SimTime;
use amisim::pipeline::model::{Outcome, ReplicationResult, Stage, StageRecord, run_replication};
use amisim::scenario::{Scenario, from_str};

use super::FIXED;

fn scenario(text: &str) -> Scenario {
    from_str(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn stages(r: &ReplicationResult, stage: Stage) -> Vec<StageRecord> {
    r.stages
        .iter()
        .filter(|s| s.stage == stage)
        .copied()
        .collect()
}

const REGIONS: &str = r#"
[[region]]
name = "us-east-1"
[[region]]
name = "eu-west-1"
"#;

/// A pipeline with two volumes and one instant build component (Image
/// Builder needs one); its schedule builds at every match unless it says
/// otherwise.
fn pipeline(name: &str, owner: &str, schedule: &str, extra: &str) -> String {
    let condition = if schedule.contains("start_condition") {
        ""
    } else {
        "start_condition = \"always\""
    };
    format!(
        r#"
[[pipeline]]
name = "{name}"
region = "us-east-1"
base_image_owner = "{owner}"
destinations = ["eu-west-1"]
{extra}
[[pipeline.volume]]
size_gib = 30
data_gib = 10
changed_gib = 2
[[pipeline.volume]]
size_gib = 100
data_gib = 40
changed_gib = 4
[[pipeline.component]]
name = "build"
duration = "0s"
[pipeline.schedule]
{schedule}
{condition}
"#
    )
}

#[test]
fn copies_queue_fifo_at_the_destination_quota_and_never_overlap() {
    let mut text =
        format!("horizon = \"1d\"\n[quotas]\nconcurrent_ami_copies_per_region = 1\n{REGIONS}");
    for i in 0..4 {
        text += &pipeline(&format!("p{i}"), "aws", "run_at_start = true", "");
    }
    let scn = scenario(&text);
    for rep in 0..5 {
        let r = run_replication(&scn.world, 3, rep);
        let mut copies = stages(&r, Stage::Copy);
        assert_eq!(copies.len(), 4);
        // Served in the order asked for.
        copies.sort_by_key(|c| c.enqueued);
        for w in copies.windows(2) {
            assert!(w[1].started >= w[0].finished, "capacity 1: no overlap");
            assert!(w[1].started >= w[0].started, "FIFO");
        }
        assert!(
            copies.iter().skip(1).any(|c| c.started > c.enqueued),
            "someone waited"
        );
    }
}

#[test]
fn own_base_images_snapshot_and_copy_incrementally_after_the_first_copy() {
    let text = format!(
        "horizon = \"15d\"\n{REGIONS}{}{}",
        pipeline("own", "self", "interval = \"7d\"", ""),
        pipeline("aws", "aws", "interval = \"7d\"", "")
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    let by = |p: u16, stage: Stage| -> Vec<f64> {
        r.stages
            .iter()
            .filter(|s| s.stage == stage && r.runs[s.exec.index()].pipeline == p)
            .map(|s| s.data_gib)
            .collect()
    };
    // Snapshots: full (10 + 40 GiB) from an AWS base, changed data (2 + 4) from our own.
    assert_eq!(by(0, Stage::Snapshot), vec![2.0, 4.0, 2.0, 4.0]);
    assert_eq!(by(1, Stage::Snapshot), vec![10.0, 40.0, 10.0, 40.0]);
    // Copies: the first copy of a lineage is full; later ones incremental only for our own.
    assert_eq!(by(0, Stage::Copy), vec![50.0, 6.0]);
    assert_eq!(by(1, Stage::Copy), vec![50.0, 50.0]);
}

#[test]
fn create_image_ends_with_its_slowest_snapshot() {
    let text = format!(
        "horizon = \"1d\"\n{REGIONS}{}",
        pipeline("p", "aws", "run_at_start = true", "")
    );
    let scn = scenario(&text);
    for rep in 0..20 {
        let r = run_replication(&scn.world, 9, rep);
        let ci = stages(&r, Stage::CreateImage)[0];
        let last = stages(&r, Stage::Snapshot)
            .iter()
            .map(|s| s.finished)
            .max()
            .unwrap();
        assert_eq!(ci.finished, last);
        let reg = stages(&r, Stage::RegisterImage)[0];
        assert_eq!(reg.started, last);
    }
}

#[test]
fn a_failing_component_stops_the_execution_and_terminates_the_builder() {
    let extra =
        "[[pipeline.component]]\nname = \"breaks\"\nduration = \"5m\"\nfailure_probability = 1.0\n";
    let text = format!(
        "horizon = \"1d\"\n{REGIONS}{}",
        pipeline("p", "aws", "run_at_start = true", extra)
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    let run = r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    let failed = r.stages[(run.failed_record.unwrap()).index()];
    assert_eq!(
        (failed.stage, failed.outcome),
        (Stage::Component, Outcome::Failed)
    );
    assert_eq!(run.finished, failed.finished);
    assert!(stages(&r, Stage::Copy).is_empty(), "nothing is distributed");
    assert_eq!(stages(&r, Stage::TerminateBuilder).len(), 1);
    assert!(stages(&r, Stage::CreateImage).is_empty());
}

#[test]
fn dependency_updates_start_condition_skips_matches_without_updates() {
    // Weekly cron over 28 days: 4 matches per replication.
    let cron = "cron = \"cron(0 6 ? * MON *)\"\nstart_condition = \"dependency_updates\"\n";
    let source = |mean: &str| {
        format!("[[pipeline.update_source]]\nof = \"base_image\"\nmean_interval = \"{mean}\"\n")
    };
    let rare = format!(
        "horizon = \"28d\"\n{REGIONS}{}",
        pipeline("p", "aws", cron, &source("100000d"))
    );
    let often = format!(
        "horizon = \"28d\"\n{REGIONS}{}",
        pipeline("p", "aws", cron, &source("10m"))
    );
    for rep in 0..10 {
        let r = run_replication(&scenario(&rare).world, 1, rep);
        assert_eq!(r.runs.len() as u32 + r.skipped_matches[0], 4);
        assert_eq!(
            r.runs.len() as u32,
            r.updates[0].min(4),
            "an update before each build"
        );
        let r = run_replication(&scenario(&often).world, 1, rep);
        assert_eq!((r.runs.len(), r.skipped_matches[0]), (4, 0));
    }
}

#[test]
fn update_sources_of_one_name_release_together_and_a_pinned_one_never() {
    let source = |name: &str, matches: bool| {
        format!(
            "[[pipeline.update_source]]\nof = \"base_image\"\nname = \"{name}\"\nmean_interval = \"1d\"\nmatches_filter = {matches}\n"
        )
    };
    let text = format!(
        "horizon = \"28d\"\n{REGIONS}{}{}{}",
        pipeline(
            "a",
            "aws",
            "build_on_update = true",
            &source("al2023", true)
        ),
        pipeline(
            "b",
            "aws",
            "build_on_update = true",
            &source("al2023", true)
        ),
        pipeline(
            "pinned",
            "aws",
            "build_on_update = true",
            &source("pinned", false)
        ),
    );
    for rep in 0..5 {
        let r = run_replication(&scenario(&text).world, 3, rep);
        let of = |p: u16| -> Vec<SimTime> {
            r.releases
                .iter()
                .filter(|x| x.0 == p)
                .map(|x| x.1)
                .collect()
        };
        assert!(of(0).len() > 10, "about 28 releases in 28 days");
        assert_eq!(of(0), of(1), "one dependency: the same releases");
        assert!(of(2).is_empty(), "a pinned version is never an update");
        assert_eq!(r.updates, vec![of(0).len() as u32, of(0).len() as u32, 0]);
        let built = |p: u16| r.runs.iter().filter(|x| x.pipeline == p).count();
        assert_eq!(
            (built(0), built(1), built(2)),
            (of(0).len(), of(0).len(), 0)
        );
    }
    // Two names, two dependencies: their releases differ.
    let apart = format!(
        "horizon = \"28d\"\n{REGIONS}{}{}",
        pipeline("a", "aws", "build_on_update = true", &source("x", true)),
        pipeline("b", "aws", "build_on_update = true", &source("y", true)),
    );
    let r = run_replication(&scenario(&apart).world, 3, 0);
    assert_ne!(
        r.releases.iter().find(|x| x.0 == 0).map(|x| x.1),
        r.releases.iter().find(|x| x.0 == 1).map(|x| x.1)
    );
    // One name must mean one release process.
    let clash = text.replacen("mean_interval = \"1d\"", "mean_interval = \"2d\"", 1);
    let e = from_str(Path::new("inline.toml"), &clash)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("releases differently here than in pipeline \"a\""),
        "{e}"
    );
}

#[test]
fn cron_builds_start_within_a_minute_of_the_match() {
    let text = format!(
        "horizon = \"28d\"\n{REGIONS}{}",
        pipeline("p", "aws", "cron = \"cron(0 6 ? * MON *)\"", "")
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 5, 0);
    assert_eq!(r.runs.len(), 4);
    for (i, run) in r.runs.iter().enumerate() {
        let monday_6am = SimTime((i as u64 * 7 * 24 + 6) * 3_600_000);
        assert_eq!(run.triggered, monday_6am);
    }
    for l in stages(&r, Stage::LaunchBuilder) {
        let delay = l
            .started
            .since(r.runs[l.exec.index()].triggered)
            .as_millis();
        assert!(
            delay <= 60_000,
            "source: docs/sources.md#schedule-delay, up to a minute: {delay} ms"
        );
    }
}

#[test]
fn the_concurrent_build_quota_queues_whole_executions() {
    let mut text = format!("horizon = \"1d\"\n[quotas]\nconcurrent_builds = 1\n{REGIONS}");
    text += &pipeline("a", "aws", "run_at_start = true", "");
    text += &pipeline("b", "aws", "run_at_start = true", "");
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 2, 0);
    let launches = stages(&r, Stage::LaunchBuilder);
    assert_eq!(launches.len(), 2);
    assert_eq!(
        launches[1].started, r.runs[0].finished,
        "b starts when a ends"
    );
}

#[test]
fn stages_run_in_pipeline_order_in_every_shipped_scenario() {
    for path in super::shipped_scenarios() {
        let scn = amisim::scenario::load(&path, &Default::default()).unwrap();
        let r = run_replication(&scn.world, 1, 0);
        for s in &r.stages {
            assert!(
                s.enqueued <= s.started && s.started <= s.finished,
                "{}: {s:?}",
                path.display()
            );
            assert_ne!(s.outcome, Outcome::Running, "{}: {s:?}", path.display());
        }
        for (i, run) in r.runs.iter().enumerate() {
            let own: Vec<&StageRecord> = r.stages.iter().filter(|s| s.exec.index() == i).collect();
            if run.outcome == Outcome::Succeeded {
                let tested = run.tests_passed.unwrap();
                assert!(run.image_available.unwrap() <= tested);
                for c in own.iter().filter(|s| s.stage == Stage::Copy) {
                    assert!(c.enqueued >= tested, "copies start after the tests pass");
                }
                let last = own
                    .iter()
                    .filter(|s| !s.stage.is_background())
                    .map(|s| s.finished)
                    .max()
                    .unwrap();
                assert_eq!(run.finished, last, "finished = the last foreground stage");
            }
        }
    }
}

const TWO_ACCOUNTS: &str = r#"
[[account]]
name = "images"
id = "111111111111"
[[account]]
name = "prod"
id = "222222222222"
"#;

#[test]
fn modelled_misconfigurations_fail_where_aws_fails_them() {
    // Refused at the request (no time passes) and failed after running (a bad key).
    let text = format!(
        "model_misconfigurations = true\nhorizon = \"1d\"\n{TWO_ACCOUNTS}{REGIONS}\
         [[kms_key]]\nname = \"us-only\"\nregion = \"us-east-1\"\n{}\
         [[pipeline.distribution]]\nregion = \"eu-west-1\"\nkms_key = \"us-only\"\n",
        pipeline("p", "aws", "run_at_start = true", "kms_key = \"us-only\"")
            .replace("destinations = [\"eu-west-1\"]", "")
    );
    let scn = scenario(&text);
    assert_eq!(scn.warnings.len(), 1, "{:?}", scn.warnings);
    let r = run_replication(&scn.world, 1, 0);
    let copy = stages(&r, Stage::Copy)[0];
    assert_eq!(copy.outcome, Outcome::Failed);
    assert_eq!(copy.cause.name(), "key_not_in_region");
    assert!(
        copy.finished > copy.started,
        "the copy runs, then ends failed"
    );
    assert_eq!(r.runs[0].outcome, Outcome::Failed);
    assert!(stages(&r, Stage::LaunchDestinationTest).is_empty());

    let refused = format!(
        "model_misconfigurations = true\nhorizon = \"1d\"\n{TWO_ACCOUNTS}{REGIONS}{}\
         [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n",
        pipeline("p", "aws", "run_at_start = true", "")
    );
    let r = run_replication(&scenario(&refused).world, 1, 0);
    let share = stages(&r, Stage::Share)[0];
    assert_eq!(
        (share.outcome, share.cause.name()),
        (Outcome::Failed, "block_public_access")
    );
    assert_eq!(
        share.started, share.finished,
        "a refused call takes no time"
    );
    // The copy to eu-west-1 still runs to its end, as in AWS.
    assert_eq!(stages(&r, Stage::Copy)[0].outcome, Outcome::Succeeded);
    assert_eq!(
        r.runs[0].failed_record.map(|f| r.stages[f.index()].stage),
        Some(Stage::Share)
    );
}

#[test]
fn without_the_flag_the_same_misconfiguration_is_refused() {
    let text = format!(
        "horizon = \"1d\"\n{TWO_ACCOUNTS}{REGIONS}{}\
         [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n",
        pipeline("p", "aws", "run_at_start = true", "")
    );
    let e = from_str(Path::new("inline.toml"), &text).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(
        e.0[0].reason.contains("rule: block_public_access"),
        "{}",
        e.0[0]
    );
}

#[test]
fn cross_account_copies_belong_to_their_targets_and_are_incremental_per_account() {
    let text = format!(
        "horizon = \"15d\"\n{TWO_ACCOUNTS}{REGIONS}{}\
         [[pipeline.distribution]]\nregion = \"eu-west-1\"\ntarget_accounts = [\"prod\", \"images\"]\ntest_launch = true\n",
        pipeline("p", "self", "interval = \"7d\"", "")
            .replace("destinations = [\"eu-west-1\"]", "")
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    let copies = stages(&r, Stage::Copy);
    let accounts: Vec<usize> = copies.iter().map(|c| c.account.index()).collect();
    assert_eq!(
        accounts,
        vec![1, 0, 1, 0],
        "one copy per target account per build"
    );
    let gib: Vec<f64> = copies.iter().map(|c| c.data_gib).collect();
    assert_eq!(
        gib,
        vec![50.0, 50.0, 6.0, 6.0],
        "full first, then incremental, per account"
    );
    for t in stages(&r, Stage::LaunchDestinationTest) {
        assert_eq!(t.region, RegionId::from_index(1));
    }
    assert_eq!(
        stages(&r, Stage::LaunchDestinationTest)
            .iter()
            .filter(|t| t.account == AccountId::from_index(1))
            .count(),
        2
    );
}

#[test]
fn encrypting_an_unencrypted_source_makes_every_copy_full() {
    // Encryption by default in prod: its copies of the unencrypted image are encrypted.
    let text = format!(
        "horizon = \"15d\"\n[[account]]\nname = \"images\"\nid = \"111111111111\"\n\
         [[account]]\nname = \"prod\"\nid = \"222222222222\"\nencryption_by_default = true\n{REGIONS}{}\
         [[pipeline.distribution]]\nregion = \"eu-west-1\"\ntarget_accounts = [\"prod\"]\n",
        pipeline("p", "self", "interval = \"7d\"", "")
            .replace("destinations = [\"eu-west-1\"]", "")
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    let gib: Vec<f64> = stages(&r, Stage::Copy).iter().map(|c| c.data_gib).collect();
    assert_eq!(gib, vec![50.0, 50.0]);
}

#[test]
fn migrations_move_instances_within_and_across_regions() {
    let text = format!(
        "horizon = \"1d\"\n{REGIONS}\
         [[migration]]\nname = \"az\"\nregion = \"us-east-1\"\nto_availability_zone = \"us-east-1b\"\n\
         [[migration.volume]]\nsize_gib = 8\ndata_gib = 4\n\
         [[migration]]\nname = \"region\"\nregion = \"us-east-1\"\nto_region = \"eu-west-1\"\nat = \"1h\"\n\
         [[migration.volume]]\nsize_gib = 8\ndata_gib = 4\n"
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    assert_eq!(r.runs.len(), 2);
    let of = |p: u16| -> Vec<Stage> {
        r.stages
            .iter()
            .filter(|s| r.runs[s.exec.index()].pipeline == p)
            .map(|s| s.stage)
            .collect()
    };
    use Stage::*;
    assert_eq!(
        of(0),
        vec![
            StopInstance,
            CreateImage,
            Snapshot,
            RegisterImage,
            LaunchMigratedInstance
        ]
    );
    assert_eq!(
        of(1),
        vec![
            StopInstance,
            CreateImage,
            Snapshot,
            RegisterImage,
            Copy,
            LaunchMigratedInstance
        ]
    );
    assert_eq!(r.runs[1].triggered, SimTime(3_600_000), "starts at `at`");
    let launches = stages(&r, LaunchMigratedInstance);
    assert_eq!(
        (launches[0].region.index(), launches[1].region.index()),
        (0, 1),
        "AZ move stays, Region move lands in eu-west-1"
    );
    for run in &r.runs {
        assert_eq!(run.outcome, Outcome::Succeeded);
    }
}

#[test]
fn a_migration_copy_obeys_the_copy_rules() {
    let text = format!(
        "horizon = \"1d\"\n{REGIONS}[[kms_key]]\nname = \"us-only\"\nregion = \"us-east-1\"\n\
         [[migration]]\nname = \"region\"\nregion = \"us-east-1\"\nto_region = \"eu-west-1\"\nkms_key = \"us-only\"\ncopy_kms_key = \"us-only\"\n\
         [[migration.volume]]\nsize_gib = 8\ndata_gib = 4\n"
    );
    let e = from_str(Path::new("inline.toml"), &text).unwrap_err();
    assert!(
        e.0.iter()
            .any(|e| e.reason.contains("rule: key_not_in_region")
                && e.key_path == "migration[0].copy_kms_key"),
        "{e}"
    );
}

#[test]
fn a_migrated_instances_key_obeys_the_key_rules() {
    // The instance's own key: in its Region, and usable by its account.
    let refused = |kms: &str, account: &str| {
        let text = format!(
            "horizon = \"1d\"\n{TWO_ACCOUNTS}{REGIONS}\
             [[kms_key]]\nname = \"eu-only\"\nregion = \"eu-west-1\"\n\
             [[kms_key]]\nname = \"us-images\"\nregion = \"us-east-1\"\n\
             [[migration]]\nname = \"m\"\nregion = \"us-east-1\"\nto_availability_zone = \"us-east-1b\"\n\
             account = \"{account}\"\nkms_key = \"{kms}\"\n\
             [[migration.volume]]\nsize_gib = 8\ndata_gib = 4\n"
        );
        from_str(Path::new("inline.toml"), &text)
            .err()
            .map(|e| e.to_string())
    };
    let e = refused("eu-only", "images").expect("a key of another Region is refused");
    assert!(
        e.contains("rule: key_not_in_region") && e.contains("migration[0].kms_key"),
        "{e}"
    );
    assert!(e.contains("not in the instance's Region us-east-1"), "{e}");
    let e = refused("us-images", "prod").expect("a key not granted is refused");
    assert!(
        e.contains("rule: key_not_granted") && e.contains("the instance of account prod"),
        "{e}"
    );
    assert_eq!(refused("us-images", "images"), None);
}

#[test]
fn the_critical_stage_is_the_slow_copy_when_one_route_is_slow() {
    // A 2,000 s copy to eu-west-1 dwarfs every other stage (all fixed and short).
    let text = format!(
        "horizon = \"1d\"\n[latency]\ninstance_launch = \"10s\"\ninstance_ready = \"0s\"\nsanitize = \"0s\"\ninstance_stop = \"10s\"\n\
         snapshot = {{ overhead = \"60s\", throughput_mib_s = 1000000 }}\n\
         copy = {{ overhead = \"2000s\", throughput_mib_s = 1000000 }}\n{REGIONS}{}",
        pipeline(
            "p",
            "aws",
            "run_at_start = true",
            "[[pipeline.component]]\nname = \"c\"\nduration = \"5m\"\n"
        )
    );
    let scn = scenario(&text);
    let r = run_replication(&scn.world, 1, 0);
    let by_exec = amisim::pipeline::analysis::records_by_exec(&r);
    let (stage, d) =
        amisim::pipeline::analysis::critical_stage(&scn.world, &r, 0, &by_exec[0]).unwrap();
    assert_eq!(stage, "copy:eu-west-1");
    // 2,000 s of overhead plus the larger volume, 40 GiB at 10^6 MiB/s (41 ms).
    assert_eq!(d.as_millis(), 2_000_041);
}

// ---- Faults: each kind changes the outcome as described. ----

fn with(extra_top: &str, pipelines: &str) -> Scenario {
    scenario(&format!(
        "horizon = \"1d\"\n{extra_top}\n{REGIONS}{pipelines}"
    ))
}

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
    let fixed = "[latency]\ninstance_launch = \"10s\"\ninstance_ready = \"0s\"\nsanitize = \"0s\"\n\
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
fn a_throttled_call_that_runs_out_of_sdk_attempts_fails_with_request_limit_exceeded() {
    let mut ps = String::new();
    for i in 0..8 {
        ps += &pipeline(&format!("p{i}"), "aws", "run_at_start = true", "");
    }
    // A one-token bucket refilled every 100 s, and the SDK's three attempts.
    let top = "[api]\ncopy_image = { capacity = 1, refill_per_s = 0.01 }\n[quotas]\nconcurrent_builds = 100\n";
    let r = run_replication(&with(top, &ps).world, 1, 0);
    let failed: Vec<_> = stages(&r, Stage::Copy)
        .into_iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|c| c.cause.name() == "request_limit_exceeded" && c.api_retries == 3)
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

// ---- Image lifecycle ----

#[test]
fn keep_last_deletes_older_images_and_max_age_makes_the_next_copy_full() {
    // Weekly builds chained on our own image: copies are incremental while the
    // previous copy exists.
    let weekly = "interval = \"7d\"";
    let base = |lc: &str| {
        scenario(&format!(
            "horizon = \"36d\"\n{REGIONS}{}{lc}",
            pipeline("p", "self", weekly, "")
        ))
    };
    let r = run_replication(&base("[pipeline.lifecycle]\nkeep_last = 2\n").world, 1, 0);
    assert_eq!(r.runs.len(), 5);
    // Two images per execution (build Region + eu-west-1); the three oldest executions deleted.
    let deleted: Vec<bool> = r.images.iter().map(|i| i.deleted.is_some()).collect();
    assert_eq!(
        deleted,
        vec![
            true, true, true, true, true, true, false, false, false, false
        ]
    );
    let gib: Vec<f64> = stages(&r, Stage::Copy).iter().map(|c| c.data_gib).collect();
    assert_eq!(
        gib,
        vec![50.0, 6.0, 6.0, 6.0, 6.0],
        "the latest copy always survives"
    );
    // Images live 3 days while builds come every 7: each copy finds none and is full.
    let r = run_replication(
        &base("[pipeline.lifecycle]\nmax_age = \"3d\"\n").world,
        1,
        0,
    );
    let gib: Vec<f64> = stages(&r, Stage::Copy).iter().map(|c| c.data_gib).collect();
    assert_eq!(gib, vec![50.0; 5]);
    // keep_at_least protects the newest image from max_age.
    let r = run_replication(
        &base("[pipeline.lifecycle]\nmax_age = \"3d\"\nkeep_at_least = 1\n").world,
        1,
        0,
    );
    let gib: Vec<f64> = stages(&r, Stage::Copy).iter().map(|c| c.data_gib).collect();
    assert_eq!(gib, vec![50.0, 6.0, 6.0, 6.0, 6.0]);
    // Deprecation is recorded.
    let r = run_replication(
        &base("[pipeline.lifecycle]\ndeprecate_after = \"1d\"\n").world,
        1,
        0,
    );
    // Deprecation is recorded when it falls before the horizon (36 days).
    for i in &r.images {
        match i.deprecated {
            Some(d) => assert_eq!(d.since(i.created).as_millis(), 86_400_000),
            None => assert!(i.created.as_millis() + 86_400_000 >= 36 * 86_400_000),
        }
    }
    assert!(r.images.iter().filter(|i| i.deprecated.is_some()).count() >= 8);
}

/// The flat per-execution index (used by the aggregate and the cost ledger)
/// holds exactly each execution's records, in record order.
#[test]
fn records_by_exec_groups_every_record_under_its_execution() {
    let text = std::fs::read_to_string("scenarios/golden-3os-8-regions.toml").unwrap();
    let scn = from_str(Path::new("golden-3os-8-regions.toml"), &text).unwrap();
    let r = run_replication(&scn.world, 5, 0);
    assert!(r.runs.len() > 3, "want several executions");
    let by_exec = amisim::pipeline::analysis::records_by_exec(&r);
    assert_eq!(by_exec.iter().count(), r.runs.len());
    for (e, recs) in by_exec.iter().enumerate() {
        let naive: Vec<usize> = (0..r.stages.len())
            .filter(|i| r.stages[*i].exec.index() == e)
            .collect();
        let got: Vec<usize> = recs.iter().map(|i| i.index()).collect();
        assert_eq!(got, naive, "execution {e}");
        assert_eq!(&by_exec[e], recs);
    }
}

#[test]
fn stage_index_is_its_position_in_all() {
    use amisim::pipeline::model::Stage;
    for (i, s) in Stage::ALL.iter().enumerate() {
        assert_eq!(s.index(), i, "{s:?}");
    }
}

#[test]
fn a_reused_replicator_gives_the_fresh_results_in_any_order() {
    // Queues (one build slot, one copy slot), throttling, random incidents
    // and image deletion: every piece of state a replication leaves behind.
    let mut text = format!(
        "horizon = \"30d\"\n[quotas]\nconcurrent_builds = 1\nconcurrent_ami_copies_per_region = 1\n\
         [api]\ncopy_image = {{ capacity = 1, refill_per_s = 0.01 }}\n\
         [[incident]]\nregion = \"eu-west-1\"\nmean_interval = \"5d\"\nduration = \"6h\"\nslowdown = 2.0\nfailure_probability = 0.2\n{REGIONS}"
    );
    for i in 0..3 {
        text += &pipeline(
            &format!("p{i}"),
            "self",
            "interval = \"3d\"\nstart_condition = \"dependency_updates\"",
            "[pipeline.lifecycle]\nkeep_last = 2\n\
             [[pipeline.update_source]]\nof = \"base_image\"\nmean_interval = \"2d\"\n",
        );
    }
    let scn = scenario(&text);
    let world = &scn.world;
    let mut reused = amisim::pipeline::model::Replicator::new(world);
    let mut seen_deleted = false;
    for i in [3, 0, 7, 3, 1] {
        let r = reused.run(5, i);
        seen_deleted |= r.images.iter().any(|im| im.deleted.is_some());
        assert!(r.quotas.iter().any(|q| q.waits.iter().any(|w| w.0 > 0)));
        assert_eq!(
            format!("{r:?}"),
            format!("{:?}", run_replication(world, 5, i)),
            "replication {i}"
        );
        reused.recycle(r);
    }
    assert!(seen_deleted, "the lifecycle deleted images");
}

#[test]
fn no_destination_test_launch_unless_the_team_asks_for_one() {
    // One 10 GiB volume: snapshot 100 + 10 s, copy 200 + 10 s, all exact.
    let body = |extra: &str| {
        format!(
            "horizon = \"1d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n{extra}\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n[[pipeline.distribution]]\nregion = \"eu-west-1\"\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
        )
    };
    let off = run_replication(&scenario(&body("")).world, 1, 0);
    assert!(stages(&off, Stage::LaunchDestinationTest).is_empty());
    assert!(stages(&off, Stage::TerminateDestinationTest).is_empty());
    // launch 60, stop 30, snapshot 110, register 10, test launch 60, copy 210.
    let run = &off.runs[0];
    assert_eq!(run.outcome, Outcome::Succeeded);
    assert_eq!(
        run.finished,
        SimTime(480_000),
        "usable when the copy is available"
    );

    let on = run_replication(&scenario(&body("test_launch = true\n")).world, 1, 0);
    let launches = stages(&on, Stage::LaunchDestinationTest);
    assert_eq!(launches.len(), 1);
    assert_eq!(launches[0].region, RegionId::from_index(1));
    assert_eq!(
        on.runs[0].finished,
        SimTime(540_000),
        "plus the 60-s launch there"
    );
}

#[test]
fn a_full_quota_fails_a_script_at_once_and_queues_image_builder() {
    // Two pipelines copy to eu-west-1 at the same moment, with room for one copy.
    let body = |tool: &str, when_full: &str| {
        let mut t = format!(
            "horizon = \"1d\"\n{FIXED}[quotas]\nconcurrent_ami_copies_per_region = 1\n{when_full}{REGIONS}"
        );
        for name in ["a", "b"] {
            t += &format!(
                "[[pipeline]]\nname = \"{name}\"\nregion = \"us-east-1\"\ntool = \"{tool}\"\n\
                 destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n\
                 [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
            );
        }
        run_replication(&scenario(&t).world, 1, 0)
    };
    for tool in ["sdk", "packer"] {
        let r = body(tool, "");
        let copies = stages(&r, Stage::Copy);
        assert_eq!(copies.len(), 2, "{tool}");
        assert_eq!(copies[0].outcome, Outcome::Succeeded, "{tool}");
        let refused = &copies[1];
        assert_eq!(refused.outcome, Outcome::Failed, "{tool}");
        assert_eq!(refused.cause.name(), "resource_limit_exceeded", "{tool}");
        assert_eq!(refused.started, refused.enqueued, "{tool}: no queue wait");
        assert_eq!(
            refused.finished, refused.enqueued,
            "{tool}: refused at once"
        );
        assert_eq!(r.runs[1].outcome, Outcome::Failed, "{tool}");
    }
    // Image Builder queues: the second copy starts when the first ends (210 s later).
    let r = body("image_builder", "");
    let copies = stages(&r, Stage::Copy);
    assert!(copies.iter().all(|c| c.outcome == Outcome::Succeeded));
    assert_eq!(copies[1].started, copies[0].finished);
    assert_eq!(
        copies[1].started.since(copies[1].enqueued).as_millis(),
        210_000
    );
    // [quotas.when_full] overrides the tool, both ways.
    let r = body(
        "sdk",
        "[quotas.when_full]\nconcurrent_ami_copies_per_region = \"queue\"\n",
    );
    assert!(
        stages(&r, Stage::Copy)
            .iter()
            .all(|c| c.outcome == Outcome::Succeeded)
    );
    let r = body(
        "image_builder",
        "[quotas.when_full]\nconcurrent_ami_copies_per_region = \"fail\"\n",
    );
    assert_eq!(
        stages(&r, Stage::Copy)[1].cause.name(),
        "resource_limit_exceeded"
    );
}

#[test]
fn image_builders_copy_quota_is_per_destination_account_and_region() {
    // Two Image Builder pipelines of one account, 1 slot of Image Builder's copy quota:
    // their copies to one Region queue; copies to different Regions do not.
    let text = |dest_b: &str| {
        format!(
            "horizon = \"1d\"\n{FIXED}[quotas]\nconcurrent_ami_copies_per_distribution = 1\n{REGIONS}\
             [[region]]\nname = \"ap-south-1\"\n\
             [[pipeline]]\nname = \"a\"\nregion = \"us-east-1\"\ndestinations = [\"eu-west-1\"]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n\
             [[pipeline]]\nname = \"b\"\nregion = \"us-east-1\"\ndestinations = [\"{dest_b}\"]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
        )
    };
    let same = run_replication(&scenario(&text("eu-west-1")).world, 1, 0);
    let c = stages(&same, Stage::Copy);
    assert_eq!(
        c[1].started.since(c[1].enqueued).as_millis(),
        210_000,
        "one pool per account and Region"
    );
    let apart = run_replication(&scenario(&text("ap-south-1")).world, 1, 0);
    let c = stages(&apart, Stage::Copy);
    assert!(c.iter().all(|c| c.started == c.enqueued), "separate pools");
}

#[test]
fn overlapping_copies_of_one_lineage_into_one_region_run_one_after_the_other() {
    // Builds from the account's own image every 100 s, each copy 210 s: the
    // second copy is accepted while the first runs, and starts when it ends.
    let text = |owner: &str| {
        format!(
            "horizon = \"150s\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             base_image_owner = \"{owner}\"\ndestinations = [\"eu-west-1\"]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\nchanged_gib = 1\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\ninterval = \"100s\"\n"
        )
    };
    let r = run_replication(&scenario(&text("self")).world, 1, 0);
    let c = stages(&r, Stage::Copy);
    assert_eq!(c.len(), 2);
    assert!(
        c[1].enqueued < c[0].finished,
        "the second is asked for while the first runs"
    );
    assert_eq!(c[1].started, c[0].finished, "and starts when it ends");
    assert_eq!(c[1].data_gib, 1.0, "incremental on the copy it waited for");
    // Another owner's base image: a new lineage each build, so they overlap.
    let r = run_replication(&scenario(&text("aws")).world, 1, 0);
    let c = stages(&r, Stage::Copy);
    assert_eq!(c[1].started, c[1].enqueued);
    assert!(c[1].started < c[0].finished);
}

#[test]
fn auto_disable_stops_a_pipeline_after_n_consecutive_failures() {
    let text = |extra: &str| {
        format!(
            "horizon = \"10h\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n\
             [[pipeline.component]]\nname = \"broken\"\nduration = \"1m\"\nfailure_probability = 1.0\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\ninterval = \"1h\"\n{extra}"
        )
    };
    let free = run_replication(&scenario(&text("")).world, 1, 0);
    assert_eq!(
        free.runs.len(),
        9,
        "a build every hour before the 10-h horizon"
    );
    assert!(free.disabled_at[0].is_none());
    let r = run_replication(
        &scenario(&text("auto_disable_after_failures = 3\n")).world,
        1,
        0,
    );
    assert_eq!(r.runs.len(), 3, "disabled after the third failure");
    assert!(r.runs.iter().all(|x| x.outcome == Outcome::Failed));
    assert_eq!(r.disabled_at[0], Some(r.runs[2].finished));
    let e = from_str(
        Path::new("inline.toml"),
        &text("auto_disable_after_failures = 11\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("schedule.auto_disable_after_failures"), "{e}");
}

#[test]
fn the_exposure_window_runs_from_a_release_to_the_image_usable_everywhere() {
    use amisim::pipeline::analysis::exposures;
    // Weekly builds from t = 7 d; a release every Tuesday 10:00 (t = 1 d 10 h + k weeks);
    // every latency fixed, so an execution takes 480 s (launch 60, stop 30,
    // snapshot 110, register 10, test launch 60, copy 210).
    let text = |extra: &str| {
        format!(
            "horizon = \"22d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n\
             [[pipeline.update_source]]\nof = \"base_image\"\ncron = \"cron(0 10 ? * TUE *)\"\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\n{extra}"
        )
    };
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let r = run_replication(&scenario(&text("interval = \"7d\"\n")).world, 1, 0);
    exposures(&r, &mut out, &mut scratch);
    assert_eq!(out.len(), 3, "releases on days 1, 8 and 15");
    for (k, e) in out.iter().enumerate() {
        let week = 7 * 86_400_000;
        assert_eq!(e.released, SimTime(k as u64 * week + 34 * 3_600_000));
        assert_eq!(e.exec, Some(k), "shipped by the next weekly build");
        // 7 d − 1 d 10 h = 5 d 14 h = 482,400 s, plus the 480-s execution.
        assert_eq!(e.window().unwrap().as_millis(), 482_880_000);
    }
    // Building on every release: the window is the execution itself.
    let r = run_replication(&scenario(&text("build_on_update = true\n")).world, 1, 0);
    exposures(&r, &mut out, &mut scratch);
    assert_eq!(out.len(), 3);
    assert!(
        out.iter()
            .all(|e| e.window().unwrap().as_millis() == 480_000)
    );
    // One build at 14 d ships the first two releases; the third comes after it.
    let r = run_replication(&scenario(&text("interval = \"14d\"\n")).world, 1, 0);
    exposures(&r, &mut out, &mut scratch);
    assert_eq!(
        out.iter().map(|e| e.exec).collect::<Vec<_>>(),
        vec![Some(0), Some(0), None]
    );
    assert_eq!(out[2].window(), None);
}

#[test]
fn an_image_builder_distribution_that_outlasts_its_time_out_fails_at_that_time() {
    // A 40-min copy (overhead 2,400 s + 10 s of data) against a 30-min DistributeImage time-out.
    let text = |timeout: &str| {
        format!(
            "horizon = \"1d\"\n{}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n{timeout}\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n",
            FIXED.replace("overhead = \"200s\"", "overhead = \"2400s\"")
        )
    };
    let r = run_replication(
        &scenario(&text("distribution_timeout = \"30m\"\n")).world,
        1,
        0,
    );
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    let tested = run.tests_passed.expect("the distribution started");
    assert_eq!(run.finished.since(tested).as_millis(), 30 * 60_000);
    let failed = &r.stages[run.failed_record.unwrap().index()];
    assert_eq!(
        (failed.stage, failed.cause.name()),
        (Stage::Copy, "step_timeout")
    );
    // The default, 360 min, lets it finish.
    let r = run_replication(&scenario(&text("")).world, 1, 0);
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
    // Out of Image Builder's range, or on another tool, it is refused.
    for (bad, why) in [
        (
            "distribution_timeout = \"20m\"\n",
            "whole minutes from 30 to 720",
        ),
        (
            "tool = \"packer\"\ndistribution_timeout = \"1h\"\n",
            "this pipeline's tool does not have it",
        ),
    ] {
        let e = from_str(Path::new("inline.toml"), &text(bad))
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn retry_image_completes_a_timed_out_distribution_without_a_second_build() {
    // Image Builder's copy quota has one slot per account and Region. "big"
    // copies 30 GiB at 10 MiB/s (10 + 3,072 s, from t = 290 s); "p"'s copy
    // queues behind it from t = 321 s and its 30-min distribution times out at
    // 2,121 s. RetryImage 30 min later finds the slot free and copies 1 GiB in
    // 10 + 102.4 s.
    let text = |retry: &str| {
        format!(
            "horizon = \"1d\"\n{}[quotas]\nconcurrent_ami_copies_per_distribution = 1\n{REGIONS}\
             [[pipeline]]\nname = \"big\"\nregion = \"us-east-1\"\ndestinations = [\"eu-west-1\"]\n\
             [[pipeline.volume]]\nsize_gib = 30\ndata_gib = 30\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ndistribution_timeout = \"30m\"\n{retry}\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 1\ndata_gib = 1\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"60s\"\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n",
            FIXED.replace(
                "copy = { overhead = \"200s\", throughput_mib_s = 1024 }",
                "copy = { overhead = \"10s\", throughput_mib_s = 10 }"
            )
        )
    };
    let r = run_replication(&scenario(&text("")).world, 1, 0);
    let p = r.runs.iter().find(|x| x.pipeline == 1).unwrap();
    assert_eq!(p.outcome, Outcome::Failed, "without RetryImage it fails");
    let r = run_replication(
        &scenario(&text(
            "retry_distribution = { attempts = 1, delay = \"30m\" }\n",
        ))
        .world,
        1,
        0,
    );
    let p = r.runs.iter().find(|x| x.pipeline == 1).unwrap();
    assert_eq!(p.outcome, Outcome::Succeeded);
    let tested = p.tests_passed.unwrap();
    assert_eq!(tested, SimTime(321_000));
    assert_eq!(
        p.finished.since(tested).as_millis(),
        1_800_000 + 1_800_000 + 112_400
    );
    let mine = |s: Stage| {
        stages(&r, s)
            .into_iter()
            .filter(|x| r.runs[x.exec.index()].pipeline == 1)
            .collect::<Vec<_>>()
    };
    assert_eq!(mine(Stage::LaunchBuilder).len(), 1, "no second build");
    let copies = mine(Stage::Copy);
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0].cause.name(), "step_timeout");
    assert_eq!(copies[1].outcome, Outcome::Succeeded);
    let e = from_str(
        Path::new("inline.toml"),
        &text("tool = \"sdk\"\nretry_distribution = { attempts = 1 }\n")
            .replace("distribution_timeout = \"30m\"\n", ""),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("RetryImage is Image Builder's"), "{e}");
}

#[test]
fn packer_sets_permissions_region_by_region_after_its_slowest_copy() {
    // Packer: no test phase; copies to eu-west-1 (210 s) and ap-south-1 (510 s,
    // by a route) start when the AMI is available at 210 s; the three Regions'
    // permissions (2 s each) then run one after the other from 720 s.
    let share = |region: &str| {
        format!(
            "[[pipeline.distribution]]\nregion = \"{region}\"\nlaunch_permission = {{ accounts = [\"prod\"] }}\n"
        )
    };
    let text = format!(
        "horizon = \"1d\"\n{FIXED}{TWO_ACCOUNTS}{REGIONS}[[region]]\nname = \"ap-south-1\"\n\
         [[route]]\nfrom = \"us-east-1\"\nto = \"ap-south-1\"\ncopy = {{ overhead = \"500s\", throughput_mib_s = 1024 }}\n\
         [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ntool = \"packer\"\n\
         [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n{}{}{}\
         [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n",
        share("us-east-1"),
        share("eu-west-1"),
        share("ap-south-1")
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    assert!(stages(&r, Stage::LaunchTest).is_empty(), "no test phase");
    let copies = stages(&r, Stage::Copy);
    let slowest = copies.iter().map(|c| c.finished).max().unwrap();
    assert_eq!(slowest, SimTime(720_000));
    let shares = stages(&r, Stage::Share);
    assert_eq!(shares.len(), 3);
    let starts: Vec<u64> = shares.iter().map(|s| s.started.as_millis()).collect();
    assert_eq!(
        starts,
        vec![720_000, 722_000, 724_000],
        "serial, after the slowest copy"
    );
    assert_eq!(r.runs[0].finished, SimTime(726_000));
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
}

#[test]
fn packer_encrypt_boot_copies_encrypted_and_in_full_into_every_region_its_own_included() {
    // An unencrypted intermediary image, copied with the key into us-east-1
    // itself and into eu-west-1: every copy full (10 GiB), and the permissions
    // after the slowest copy.
    let text = format!(
        "horizon = \"1d\"\n{FIXED}{TWO_ACCOUNTS}{REGIONS}\
         [[kms_key]]\nname = \"golden\"\naccount = \"images\"\nregion = \"us-east-1\"\nreplicas = [\"eu-west-1\"]\ngrants = [\"prod\"]\nreplica_grants = {{ \"eu-west-1\" = [\"prod\"] }}\n\
         [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ntool = \"packer\"\nkms_key = \"golden\"\n\
         encrypt_boot = true\nbase_image_owner = \"self\"\n\
         [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\nchanged_gib = 1\n\
         [[pipeline.distribution]]\nregion = \"eu-west-1\"\nkms_key = \"golden\"\nlaunch_permission = {{ accounts = [\"prod\"] }}\n\
         [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\ninterval = \"12h\"\n"
    );
    let scn = scenario(&text);
    assert!(scn.world.pipelines[0].encrypt_boot);
    let r = run_replication(&scn.world, 1, 0);
    let copies = stages(&r, Stage::Copy);
    assert_eq!(copies.len(), 4, "two Regions, two builds");
    let regions: Vec<usize> = copies.iter().map(|c| c.region.index()).collect();
    assert_eq!(regions, vec![0, 1, 0, 1], "the build Region gets a copy");
    assert!(
        copies.iter().all(|c| c.data_gib == 10.0),
        "every copy full, even from an own base"
    );
    let share = stages(&r, Stage::Share)[0];
    assert_eq!(share.started, copies[0].finished.max(copies[1].finished));
    // The intermediary is not kept: only the two encrypted copies are images.
    assert!(
        r.images
            .iter()
            .all(|i| i.encryption != amisim::aws::directory::Encryption::None)
    );
    let e = from_str(
        Path::new("inline.toml"),
        &text.replace("tool = \"packer\"\n", ""),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("encrypt_boot is Packer's"), "{e}");
}

#[test]
fn image_builder_step_time_outs_fail_the_execution_at_exactly_that_time() {
    // FIXED latencies, one 10 GiB volume: launch 60 s, ready 0 s, stop 30 s,
    // snapshot 110 s. Each case outlasts one of Image Builder's step time-outs.
    let text = |extra: &str, components: &str| {
        format!(
            "horizon = \"3d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             destinations = [\"eu-west-1\"]\n{extra}[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n\
             {components}[pipeline.schedule]\nrun_at_start = true\n"
        )
    };
    let one = "[[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n";
    let failed = |r: &ReplicationResult| {
        let run = &r.runs[0];
        assert_eq!(run.outcome, Outcome::Failed);
        let f = r.stages[run.failed_record.unwrap().index()];
        (f.stage, f.cause.name(), f.finished.as_millis())
    };
    // LaunchInstance: 60 s + an 80-min readiness wait passes its 75 minutes.
    let r = run_replication(
        &scenario(&text("[pipeline.latency]\ninstance_ready = \"80m\"\n", one)).world,
        1,
        0,
    );
    assert_eq!(
        failed(&r),
        (Stage::LaunchBuilder, "step_timeout", 75 * 60_000)
    );
    let t = stages(&r, Stage::TerminateBuilder);
    assert_eq!(t.len(), 1, "the instance is terminated");
    assert_eq!(t[0].started.as_millis(), 75 * 60_000);
    assert!(stages(&r, Stage::Component).is_empty());
    // ExecuteComponents: two 7-h components against 720 minutes for both,
    // from the first one's start (60 s): the second ends at 60 s + 12 h.
    let two = "[[pipeline.component]]\nname = \"a\"\nduration = \"7h\"\n\
               [[pipeline.component]]\nname = \"b\"\nduration = \"7h\"\n";
    let r = run_replication(&scenario(&text("", two)).world, 1, 0);
    assert_eq!(
        failed(&r),
        (Stage::Component, "step_timeout", 60_000 + 12 * 3_600_000)
    );
    assert_eq!(stages(&r, Stage::TerminateBuilder).len(), 1);
    // The step's own time-out, set in the scenario, moves the failure.
    let r = run_replication(
        &scenario(&text(
            "[pipeline.step_timeouts]\nexecute_components = \"8h\"\n",
            two,
        ))
        .world,
        1,
        0,
    );
    assert_eq!(
        failed(&r),
        (Stage::Component, "step_timeout", 60_000 + 8 * 3_600_000)
    );
    // CreateImage: the 110-s snapshot outlasts a 1-min time-out; it starts
    // after launch 60 s, the component, sanitize 0 s and stop 30 s.
    let r = run_replication(
        &scenario(&text(
            "[pipeline.step_timeouts]\ncreate_image = \"1m\"\n",
            one,
        ))
        .world,
        1,
        0,
    );
    assert_eq!(failed(&r), (Stage::CreateImage, "step_timeout", 150_000));
    assert_eq!(stages(&r, Stage::Snapshot)[0].finished.as_millis(), 200_000);
    // Without a time-out in reach the same pipeline succeeds, through
    // Image Builder's sanitize step; Packer has neither.
    let r = run_replication(&scenario(&text("", one)).world, 1, 0);
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
    assert_eq!(stages(&r, Stage::Sanitize).len(), 1);
    let packer = run_replication(&scenario(&text("tool = \"packer\"\n", one)).world, 1, 0);
    assert!(stages(&packer, Stage::Sanitize).is_empty());
    let e = from_str(
        Path::new("inline.toml"),
        &text(
            "tool = \"packer\"\n[pipeline.step_timeouts]\ncreate_image = \"1h\"\n",
            one,
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("step_timeouts are Image Builder's"), "{e}");
    let e = from_str(
        Path::new("inline.toml"),
        &text(
            "[pipeline.step_timeouts]\nexecute_components = \"25h\"\n",
            one,
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("whole minutes from 1 to 1440"), "{e}");
}

#[test]
fn packer_waits_by_its_polling_arithmetic_and_deregisters_what_a_failed_build_made() {
    use amisim::pipeline::config::PackerWaits;
    let w = |d, n| {
        let p = PackerWaits::from_polling(d, n);
        (p.ami.as_millis() / 1000, p.other.as_millis() / 1000)
    };
    assert_eq!(
        w(None, None),
        (1800, 600),
        "120 × 15 s for AMIs, 40 × 15 s else"
    );
    assert_eq!(
        w(Some(5), None),
        (200, 200),
        "a delay alone: 40 × delay, the 120 lost"
    );
    assert_eq!(
        w(None, Some(10)),
        (150, 150),
        "attempts alone: attempts × 15 s"
    );
    assert_eq!(w(Some(30), Some(100)), (3000, 3000));
    // A daily Packer build from the team's own image to eu-west-1 (a 210-s
    // copy) and, optionally, to ap-south-1 over a 2-h route: that copy
    // outlasts the 30-min AMI waiter, so the build fails and Packer
    // deregisters the eu-west-1 copy it made: the next copy there is full.
    let text = |slow: bool| {
        let (region, dest, route) = if slow {
            (
                "[[region]]\nname = \"ap-south-1\"\n",
                ", \"ap-south-1\"",
                "[[route]]\nfrom = \"us-east-1\"\nto = \"ap-south-1\"\ncopy = { overhead = \"2h\", throughput_mib_s = 1024 }\n",
            )
        } else {
            ("", "", "")
        };
        format!(
            "horizon = \"36h\"\n{FIXED}{route}{REGIONS}{region}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             tool = \"packer\"\nbase_image_owner = \"self\"\ndestinations = [\"eu-west-1\"{dest}]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\nchanged_gib = 1\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [pipeline.schedule]\nrun_at_start = true\ninterval = \"1d\"\n"
        )
    };
    let eu = |r: &ReplicationResult| -> Vec<f64> {
        stages(r, Stage::Copy)
            .iter()
            .filter(|c| c.region == RegionId::from_index(1))
            .map(|c| c.data_gib)
            .collect()
    };
    let ok = run_replication(&scenario(&text(false)).world, 1, 0);
    assert_eq!(eu(&ok), vec![10.0, 1.0], "incremental on the kept copy");
    let r = run_replication(&scenario(&text(true)).world, 1, 0);
    let slow: Vec<StageRecord> = stages(&r, Stage::Copy)
        .into_iter()
        .filter(|c| c.region == RegionId::from_index(2))
        .collect();
    assert_eq!(slow[0].cause.name(), "waiter_timeout");
    assert_eq!(
        slow[0].finished.since(slow[0].started).as_millis(),
        1_800_000
    );
    assert_eq!(r.runs[0].outcome, Outcome::Failed);
    assert_eq!(eu(&r), vec![10.0, 10.0], "the first copy was deregistered");
    assert!(r.images.is_empty(), "a failed Packer build leaves no image");
    let e = from_str(
        Path::new("inline.toml"),
        &text(false).replace(
            "tool = \"packer\"\n",
            "aws_polling = { max_attempts = 10 }\n",
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("aws_polling is Packer's"), "{e}");
}

#[test]
fn time_based_copies_complete_at_their_duration_within_the_pairs_throughput() {
    // FIXED latencies: the copy to eu-west-1 starts at 270 s (launch 60,
    // stop 30, snapshot 110, register 10, the script's test launch 60).
    let text = |extra: &str, quotas: &str, n: usize, gib: u32| {
        let mut t = format!("horizon = \"1d\"\n{FIXED}[quotas]\n{quotas}\n{REGIONS}");
        for i in 0..n {
            t += &format!(
                "[[pipeline]]\nname = \"p{i}\"\nregion = \"us-east-1\"\ntool = \"sdk\"\n\
                 [[pipeline.volume]]\nsize_gib = {gib}\ndata_gib = {gib}\n\
                 [[pipeline.distribution]]\nregion = \"eu-west-1\"\n{extra}\
                 [pipeline.schedule]\nrun_at_start = true\n"
            );
        }
        scenario(&t)
    };
    let copy = |s: &Scenario| stages(&run_replication(&s.world, 1, 0), Stage::Copy);
    let start = 270_000;
    // 10 GiB in 15 min needs 11.4 MiB/s: it ends exactly at 15 min.
    let c = copy(&text("copy_completion = \"15m\"\n", "", 1, 10));
    assert_eq!(c[0].started.as_millis(), start);
    assert_eq!(c[0].finished.as_millis(), start + 900_000);
    // Only 10 MiB/s between the two Regions: it still runs, and takes
    // 10,240 MiB / 10 MiB/s = 1,024 s; a second copy at the same moment
    // finds nothing left and is refused at once.
    let q = "time_based_copy_throughput_mib_s = 10";
    let c = copy(&text("copy_completion = \"15m\"\n", q, 2, 10));
    assert_eq!(c[0].finished.as_millis(), start + 1_024_000);
    assert_eq!(c[1].cause.name(), "resource_limit_exceeded");
    assert_eq!(c[1].finished, c[1].started);
    // 1,000 GiB in 15 min would need 1,138 MiB/s: one snapshot gets 500,
    // so it takes 1,024,000 MiB / 500 MiB/s = 2,048 s.
    let big = text("copy_completion = \"15m\"\n", "", 1, 1000);
    let c = copy(&big);
    assert_eq!(c[0].finished.since(c[0].started).as_millis(), 2_048_000);
    // Charged per GiB on top of transfer, to the copier.
    let l = amisim::cost::ledger(
        &text("copy_completion = \"15m\"\n", "", 1, 10).market(),
        &run_replication(&text("copy_completion = \"15m\"\n", "", 1, 10).world, 1, 0),
    );
    let tb: Vec<_> = l
        .iter()
        .filter(|x| x.category == amisim::cost::Category::TimeBasedCopy)
        .collect();
    assert_eq!(tb.len(), 1);
    assert_eq!((tb[0].quantity, tb[0].usd_micro), (10.0, 200_000));
    // 20 minutes is no 15-minute step: refused, or (modelled) refused at once.
    let e = from_str(
        Path::new("inline.toml"),
        &format!(
            "{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n\
             [[pipeline.distribution]]\nregion = \"eu-west-1\"\ncopy_completion = \"20m\"\n[pipeline.schedule]\nrun_at_start = true\n"
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("rule: time_based_copy_duration"), "{e}");
    let modelled = scenario(&format!(
        "model_misconfigurations = true\n{}",
        &format!(
            "horizon = \"1d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ntool = \"sdk\"\n\
                  [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.distribution]]\nregion = \"eu-west-1\"\n\
                  copy_completion = \"20m\"\n[pipeline.schedule]\nrun_at_start = true\n"
        )
    ));
    let c = copy(&modelled);
    assert_eq!(c[0].cause.name(), "time_based_copy_duration");
    assert_eq!(c[0].finished, c[0].started);
}

#[test]
fn public_images_count_against_five_per_region_and_are_deprecated_within_two_years() {
    // A daily public build (unencrypted, block public access off) that keeps
    // every image: the sixth public share is refused with ResourceLimitExceeded.
    let text = |lifecycle: &str, horizon: &str| {
        format!(
            "horizon = \"{horizon}\"\n{FIXED}[[account]]\nname = \"pub\"\nid = \"111111111111\"\nblock_public_access = false\n{REGIONS}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n\
             [pipeline.schedule]\nrun_at_start = true\ninterval = \"1d\"\nstart_condition = \"always\"\n{lifecycle}"
        )
    };
    let r = run_replication(&scenario(&text("", "7d")).world, 1, 0);
    let shares = stages(&r, Stage::Share);
    assert_eq!(shares.len(), 7);
    assert!(shares[..5].iter().all(|s| s.outcome == Outcome::Succeeded));
    assert_eq!(shares[5].cause.name(), "resource_limit_exceeded");
    assert_eq!(shares[5].finished, shares[5].started, "refused at once");
    assert_eq!(r.runs[5].outcome, Outcome::Failed);
    // The lifecycle deletes the oldest once the new image is in: keeping
    // five still fails the sixth share; keeping four leaves it a place.
    let kept = |n: u32| {
        let s = scenario(&text(
            &format!("[pipeline.lifecycle]\nkeep_last = {n}\n"),
            "7d",
        ));
        stages(&run_replication(&s.world, 1, 0), Stage::Share)
            .iter()
            .filter(|s| s.outcome == Outcome::Failed)
            .count()
    };
    assert_eq!(
        (kept(5), kept(4)),
        (2, 0),
        "runs 6 and 7 fail: five stay alive"
    );
    // The quota is adjustable.
    let raised = scenario(&text("", "7d").replace(
        "[[account]]",
        "[quotas]\npublic_amis_per_region = 10\n[[account]]",
    ));
    assert!(
        stages(&run_replication(&raised.world, 1, 0), Stage::Share)
            .iter()
            .all(|s| s.outcome == Outcome::Succeeded)
    );
    // A public image is deprecated 2 years after creation at the latest.
    let long = scenario(
        &text("[pipeline.lifecycle]\nkeep_last = 1\n", "800d").replace("interval = \"1d\"\n", ""),
    );
    let r = run_replication(&long.world, 1, 0);
    let img = r.images[0];
    assert_eq!(
        img.deprecated.unwrap().since(img.created).as_millis(),
        730 * 86_400_000
    );
    let e = from_str(
        Path::new("inline.toml"),
        &text("[pipeline.lifecycle]\ndeprecate_after = \"1000d\"\n", "7d"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("rule: public_deprecation"), "{e}");
}

#[test]
fn images_may_be_shared_with_declared_external_organizations_and_the_share_quota_is_adjustable() {
    let text = |extra: &str, lp: &str, key: &str| {
        format!(
            "{extra}[organization]\nid = \"o-own1234567\"\n[[account]]\nname = \"images\"\nid = \"111111111111\"\norganization = true\n{REGIONS}\
             [[kms_key]]\nname = \"k\"\nregion = \"us-east-1\"\ngrants = [{key}]\n\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\nkms_key = \"k\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ {lp} }}\n\
             [pipeline.schedule]\nrun_at_start = true\n"
        )
    };
    let partner =
        "[[external_organization]]\nid = \"o-partner123\"\nous = [\"ou-pa12-00000001\"]\n";
    let org = "organizations = [\"arn:aws:organizations::999999999999:organization/o-partner123\"]";
    let ou = "ous = [\"arn:aws:organizations::999999999999:ou/o-partner123/ou-pa12-00000001\"]";
    let check = |t: String| {
        from_str(Path::new("inline.toml"), &t)
            .err()
            .map(|e| e.to_string())
    };
    // Declared and granted: legal, by organization ARN or by one of its OUs.
    assert_eq!(check(text(partner, org, "\"o-partner123\"")), None);
    assert_eq!(check(text(partner, ou, "\"o-partner123\"")), None);
    // Not declared: refused with the way to declare it.
    let e = check(text("", org, "")).unwrap();
    assert!(
        e.contains("declare it with [[external_organization]] id = \"o-partner123\""),
        "{e}"
    );
    // The image is encrypted with k: the partner needs a grant on it.
    let e = check(text(partner, org, "")).unwrap();
    assert!(
        e.contains("not granted to organization o-partner123"),
        "{e}"
    );
    // An OU the external organization does not list.
    let e = check(text(
        partner,
        &ou.replace("00000001", "00000002"),
        "\"o-partner123\"",
    ))
    .unwrap();
    assert!(
        e.contains("is not one of external organization o-partner123's declared ous"),
        "{e}"
    );
    // 1,001 accounts: over AWS's 1,000 unless the quota is raised.
    let many: String = (0..1001)
        .map(|i| {
            format!(
                "[[account]]\nname = \"a{i}\"\nid = \"{:012}\"\n",
                200_000_000_000u64 + i
            )
        })
        .collect();
    let names: Vec<String> = (0..1001).map(|i| format!("\"a{i}\"")).collect();
    let lp = format!("accounts = [{}]", names.join(", "));
    let unencrypted = |quota: &str| {
        text(quota, &lp, "")
            .replace(
                "kms_key = \"k\"\n[[pipeline.volume]]",
                "[[pipeline.volume]]",
            )
            .replacen("[[region]]", &format!("{many}[[region]]"), 1)
    };
    let e = check(unencrypted("")).unwrap();
    assert!(
        e.contains("1001 share targets for one image in us-east-1; the quota is 1000"),
        "{e}"
    );
    assert_eq!(
        check(unencrypted("[quotas]\nshare_entities_per_image = 2000\n")),
        None
    );
}

#[test]
fn image_builder_lifecycles_take_its_units_disable_images_and_respect_deregistration_protection() {
    let text = |tool: &str, lifecycle: &str| {
        format!(
            "horizon = \"7d\"\n{FIXED}[[account]]\nname = \"pub\"\nid = \"111111111111\"\nblock_public_access = false\n{REGIONS}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ntool = \"{tool}\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n\
             [pipeline.schedule]\nrun_at_start = true\ninterval = \"1d\"\nstart_condition = \"always\"\n\
             [pipeline.lifecycle]\n{lifecycle}"
        )
    };
    let err = |t: String| {
        from_str(Path::new("inline.toml"), &t)
            .unwrap_err()
            .to_string()
    };
    // Image Builder: 1 to 1000 whole days, weeks, months or years.
    let e = err(text("image_builder", "max_age = \"12h\"\n"));
    assert!(
        e.contains("lifecycle ages are 1 to 1000 whole days, weeks, months or years"),
        "{e}"
    );
    assert!(err(text("image_builder", "max_age = \"1003d\"\n")).contains("1003d is not one"));
    assert!(
        from_str(
            Path::new("i.toml"),
            &text("image_builder", "max_age = \"12w\"\n")
        )
        .is_ok()
    );
    assert!(
        err(text(
            "image_builder",
            "max_age = \"30d\"\nkeep_at_least = 11\n"
        ))
        .contains("retainAtLeast is 1 to 10")
    );
    // A script's own clean-up takes any duration.
    assert!(from_str(Path::new("i.toml"), &text("sdk", "max_age = \"12h\"\n")).is_ok());
    // Disabled after 2 days: private, so daily public builds that keep 10
    // images never pass the 5 public AMIs of the Region.
    let s = scenario(&text(
        "image_builder",
        "keep_last = 10\ndisable_after = \"2d\"\n",
    ));
    let r = run_replication(&s.world, 1, 0);
    assert!(
        stages(&r, Stage::Share)
            .iter()
            .all(|x| x.outcome == Outcome::Succeeded)
    );
    let img = r.images[0];
    assert_eq!(
        img.disabled.unwrap().since(img.created).as_millis(),
        2 * 86_400_000
    );
    assert_eq!(img.deleted, None, "kept: 7 images, keep_last 10");
    // Deregistration protection: the lifecycle's deletes are blocked, recorded,
    // and the images stay (and bill).
    let s = scenario(&text(
        "image_builder",
        "keep_last = 4\ndisable_after = \"1d\"\nderegistration_protection = true\n",
    ));
    let r = run_replication(&s.world, 1, 0);
    assert!(r.images.iter().all(|i| i.deleted.is_none()));
    let blocked: Vec<_> = r
        .images
        .iter()
        .filter(|i| i.delete_blocked.is_some())
        .collect();
    assert_eq!(blocked.len(), 3, "7 images, 4 kept: 3 deletes blocked");
    assert_eq!(
        blocked[0].delete_blocked,
        Some(r.images[4].created),
        "when the fifth came"
    );
    let unprotected = scenario(&text(
        "image_builder",
        "keep_last = 4\ndisable_after = \"1d\"\n",
    ));
    let r = run_replication(&unprotected.world, 1, 0);
    assert_eq!(r.images.iter().filter(|i| i.deleted.is_some()).count(), 3);
}

#[test]
fn a_copy_into_a_region_the_copier_has_not_enabled_is_refused_at_once_when_modelled() {
    let text = |enabled: &str| {
        format!(
            "model_misconfigurations = true\nhorizon = \"1d\"\n{FIXED}[[region]]\nname = \"us-east-1\"\n\
             [[region]]\nname = \"af-south-1\"\n{enabled}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ndestinations = [\"af-south-1\"]\n\
             [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [pipeline.schedule]\nrun_at_start = true\n"
        )
    };
    let c = stages(
        &run_replication(&scenario(&text("")).world, 1, 0),
        Stage::Copy,
    );
    assert_eq!(c[0].cause.name(), "region_not_enabled");
    assert_eq!(c[0].finished, c[0].started, "refused at once");
    let ok = scenario(&text("enabled_for = [\"all\"]\n"));
    assert!(ok.warnings.is_empty());
    let c = stages(&run_replication(&ok.world, 1, 0), Stage::Copy);
    assert_eq!(c[0].outcome, Outcome::Succeeded);
}
