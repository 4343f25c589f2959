//! Stages, triggers and the build quota of one pipeline: order, FIFO copies, incremental snapshots, failures, schedules and updates.

use super::*;

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
    for path in crate::shipped_scenarios() {
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

#[test]
fn image_builder_with_tests_disabled_has_no_test_phase() {
    let on = format!(
        "horizon = \"1d\"\n{REGIONS}{}",
        pipeline("p", "aws", "run_at_start = true", "")
    );
    let off = format!(
        "horizon = \"1d\"\n{REGIONS}{}",
        pipeline("p", "aws", "run_at_start = true", "tests_enabled = false")
    );
    let (a, b) = (scenario(&on), scenario(&off));
    for rep in 0..3 {
        let (ra, rb) = (
            run_replication(&a.world, 1, rep),
            run_replication(&b.world, 1, rep),
        );
        assert_eq!(stages(&ra, Stage::LaunchTest).len(), 1);
        assert!(
            stages(&rb, Stage::LaunchTest).is_empty(),
            "imageTestsEnabled = false: no test instance"
        );
        let run = &rb.runs[0];
        assert_eq!(
            run.tests_passed, run.image_available,
            "the copies start when the image is available"
        );
    }
    // Tests listed with tests off, or the key on another tool: refused at it.
    let listed = off.replace(
        "[pipeline.schedule]",
        "[[pipeline.test]]\nname = \"t\"\nduration = \"1m\"\n[pipeline.schedule]",
    );
    let e = amisim::scenario::from_str(std::path::Path::new("t.toml"), &listed)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tests_enabled = false skips the test phase, and the pipeline lists tests"),
        "{e}"
    );
    let packer = off.replace(
        "tests_enabled = false",
        "tests_enabled = false\ntool = \"packer\"",
    );
    let e = amisim::scenario::from_str(std::path::Path::new("t.toml"), &packer)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tests_enabled is Image Builder's imageTestsEnabled"),
        "{e}"
    );
}
