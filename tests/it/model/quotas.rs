//! Quotas and what waits on them: destination tests, full quotas by tool, the copy quota, lineages, auto-disable, exposure windows.

use super::*;

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
fn image_builders_copy_quota_is_per_pipeline_or_per_account_and_region_by_its_scope() {
    // Two Image Builder pipelines of one account, 1 slot of Image Builder's
    // copy quota, each copy 210 s.
    let text = |scope: &str, dest_a: &str, dest_b: &str| {
        format!(
            "horizon = \"1d\"\n{FIXED}[quotas]\nconcurrent_ami_copies_per_distribution = 1\n{scope}{REGIONS}\
             [[region]]\nname = \"ap-south-1\"\n\
             [[pipeline]]\nname = \"a\"\nregion = \"us-east-1\"\ndestinations = [{dest_a}]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n\
             [[pipeline]]\nname = \"b\"\nregion = \"us-east-1\"\ndestinations = [\"{dest_b}\"]\n\
             [[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
        )
    };
    let waits = |t: &str| -> Vec<u64> {
        let r = run_replication(&scenario(t).world, 1, 0);
        stages(&r, Stage::Copy)
            .iter()
            .map(|c| c.started.since(c.enqueued).as_millis())
            .collect()
    };
    let eu = "\"eu-west-1\"";
    // Per copier account and destination Region: one pool for both
    // pipelines' copies to eu-west-1; copies to different Regions apart.
    let shared = "ami_copies_scope = \"account_region\"\n";
    assert_eq!(
        waits(&text(shared, eu, "eu-west-1")),
        [0, 210_000],
        "one pool per account and Region"
    );
    assert_eq!(
        waits(&text(shared, eu, "ap-south-1")),
        [0, 0],
        "separate pools"
    );
    // Per distribution configuration (the default): each pipeline has its
    // own, so the two copies to eu-west-1 run together; one pipeline's two
    // copies (to eu-west-1 and ap-south-1) share its one slot.
    assert_eq!(
        waits(&text("", eu, "eu-west-1")),
        [0, 0],
        "one pool per pipeline"
    );
    let two = "\"eu-west-1\", \"ap-south-1\"";
    let w = waits(&text("", two, "eu-west-1"));
    assert_eq!(
        w.iter().filter(|&&x| x == 210_000).count(),
        1,
        "{w:?}: a's second copy waits for its first"
    );
    // The pool is reported under its pipeline.
    let r = run_replication(&scenario(&text("", two, "eu-west-1")).world, 1, 0);
    let q: Vec<_> = r
        .quotas
        .iter()
        .filter(|q| q.kind == amisim::aws::quotas::Quota::AmiCopiesPerDistribution)
        .map(|q| (q.pipeline, q.served))
        .collect();
    assert_eq!(q, [(Some(0), 2), (Some(1), 1)]);
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
    // A failed manual execution (at t = 0) leaves the count: only failed
    // scheduled executions count, so the fourth run disables it.
    let r = run_replication(
        &scenario(&text(
            "auto_disable_after_failures = 3\nrun_at_start = true\n",
        ))
        .world,
        1,
        0,
    );
    assert_eq!(r.runs[0].trigger.name(), "manual");
    assert_eq!(r.runs.len(), 4, "the manual run and three scheduled ones");
    assert_eq!(r.disabled_at[0], Some(r.runs[3].finished));
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
    use amisim::pipeline::analysis::exposure_list;
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
    let r = run_replication(&scenario(&text("interval = \"7d\"\n")).world, 1, 0);
    let out = exposure_list(&r);
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
    let out = exposure_list(&r);
    assert_eq!(out.len(), 3);
    assert!(
        out.iter()
            .all(|e| e.window().unwrap().as_millis() == 480_000)
    );
    // One build at 14 d ships the first two releases; the third comes after it.
    let r = run_replication(&scenario(&text("interval = \"14d\"\n")).world, 1, 0);
    let out = exposure_list(&r);
    assert_eq!(
        out.iter().map(|e| e.exec).collect::<Vec<_>>(),
        vec![Some(0), Some(0), None]
    );
    assert_eq!(out[2].window(), None);
}

#[test]
fn the_snapshot_copy_quota_holds_one_slot_per_volume_only_when_set() {
    // Two Image Builder pipelines copy a 3-volume image to eu-west-1 at the
    // same moment. Unset, the quota is not modelled and both copy at once;
    // at 4 slots the second copy (3 snapshots, 1 slot free) waits until the
    // first ends; at 6 both fit. A script is refused (ResourceLimitExceeded).
    let body = |tool: &str, quota: &str| {
        let mut t = format!("horizon = \"1d\"\n{FIXED}[quotas]\n{quota}{REGIONS}");
        for name in ["a", "b"] {
            t += &format!(
                "[[pipeline]]\nname = \"{name}\"\nregion = \"us-east-1\"\ntool = \"{tool}\"\n\
                 destinations = [\"eu-west-1\"]\n{}\
                 [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n",
                "[[pipeline.volume]]\nsize_gib = 10\ndata_gib = 10\n".repeat(3)
            );
        }
        run_replication(&scenario(&t).world, 1, 0)
    };
    let waited = |quota: &str| {
        let r = body("image_builder", quota);
        let c = stages(&r, Stage::Copy);
        assert!(c.iter().all(|c| c.outcome == Outcome::Succeeded), "{c:?}");
        assert_eq!(c[0].started, c[0].enqueued);
        (
            c[1].started.since(c[1].enqueued),
            c[1].started == c[0].finished,
        )
    };
    assert_eq!(waited(""), (amisim::engine::SimDuration::ZERO, false));
    assert_eq!(
        waited("concurrent_snapshot_copies_per_region = 6\n").0,
        amisim::engine::SimDuration::ZERO
    );
    let (wait, after_first) = waited("concurrent_snapshot_copies_per_region = 4\n");
    assert!(
        after_first && wait > amisim::engine::SimDuration::ZERO,
        "{wait:?}"
    );
    let r = body("sdk", "concurrent_snapshot_copies_per_region = 4\n");
    let c = stages(&r, Stage::Copy);
    assert_eq!(c[1].cause.name(), "resource_limit_exceeded");
    // The other copy in the AMI-copy quota's line starts: here none waits,
    // and the refused copy holds no slot afterwards.
    let q: Vec<_> = r
        .quotas
        .iter()
        .filter(|u| u.kind == amisim::aws::quotas::Quota::SnapshotCopiesPerRegion)
        .map(|u| (u.served, u.peak_in_use))
        .collect();
    assert_eq!(q, [(1, 3)]);
}
