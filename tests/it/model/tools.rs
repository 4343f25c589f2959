//! Image Builder and Packer as they run: distribution and step time-outs, RetryImage, Packer waits, encrypt_boot, time-based copies.

use super::*;

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
            "horizon = \"1d\"\n{}[quotas]\nconcurrent_ami_copies_per_distribution = 1\nami_copies_scope = \"account_region\"\n{REGIONS}\
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
        &scenario(&text("retry = { attempts = 1, delay = \"30m\" }\n")).world,
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
        &text("tool = \"sdk\"\nretry = { attempts = 1 }\n")
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
fn an_assumed_throughput_that_decides_failures_is_named_and_its_estimate_matches_the_runs() {
    // A Packer build of 30 GiB with amisim's assumed snapshot and copy
    // throughputs, against Packer's 30-minute waits.
    let text = |latency: &str| {
        format!(
            "horizon = \"7d\"\n{latency}{REGIONS}[[pipeline]]\nname = \"win\"\ntool = \"packer\"\nregion = \"us-east-1\"\n\
             platform = \"windows\"\ndestinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 60\ndata_gib = 30\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"10m\"\n[pipeline.schedule]\ninterval = \"1d\"\nrun_at_start = true\n"
        )
    };
    let scn = scenario(&text(""));
    let d = &scn.deciding_assumptions;
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(
        d[0].sentence.starts_with(
            "CreateImage of its 30 GiB outlasts Packer's wait for the AMI (30 min) in about 31 %"
        ),
        "{}",
        d[0].sentence
    );
    assert!(d[1].sentence.starts_with("a full copy of its 30 GiB"));
    assert!(scn.warnings.iter().any(|w| w.reason == d[0].sentence));
    // The estimate (1,000 draws) against the simulated CreateImages: 40
    // replications of 7 daily builds; each times out with p ≈ 0.31, so the
    // fraction's sd is √(0.31·0.69/280) ≈ 0.028, the estimate's ≈ 0.015:
    // 4 sd of their difference is 0.13.
    let (mut out, mut all) = (0, 0);
    for rep in 0..40 {
        let r = run_replication(&scn.world, 1, rep);
        for c in stages(&r, Stage::CreateImage) {
            all += 1;
            out += usize::from(c.cause.name() == "waiter_timeout");
        }
    }
    let frac = out as f64 / all as f64;
    assert!(all >= 250, "{all}");
    assert!((frac - 0.31).abs() < 0.13, "{out} of {all}");
    // Given throughputs decide nothing amisim assumed.
    let given = scenario(&text(
        "[latency]\nsnapshot = { overhead = \"60s\", throughput_mib_s = 100 }\ncopy = { overhead = \"60s\", throughput_mib_s = 100 }\n",
    ));
    assert!(given.deciding_assumptions.is_empty());
}

#[test]
fn retry_image_resumes_and_redoes_only_what_failed() {
    // Copies to eu-west-1 and ap-south-1 (200 s each, from t = 290 s); an
    // incident fails every operation in ap-south-1 during the first hour.
    // RetryImage an hour later copies to ap-south-1 again; the copy to
    // eu-west-1, done in the first round, stays done.
    let text = format!(
        "horizon = \"1d\"\n{FIXED}{REGIONS}[[region]]\nname = \"ap-south-1\"\n\
         [[incident]]\nregion = \"ap-south-1\"\nstart = \"0s\"\nduration = \"1h\"\nfailure_probability = 1.0\n\
         [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\nretry = {{ attempts = 1, delay = \"1h\" }}\n\
         destinations = [\"eu-west-1\", \"ap-south-1\"]\n[[pipeline.volume]]\nsize_gib = 1\ndata_gib = 1\n\
         [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
    let copies = stages(&r, Stage::Copy);
    let to = |region: usize| copies.iter().filter(|c| c.region.index() == region).count();
    assert_eq!(
        (to(1), to(2)),
        (1, 2),
        "eu-west-1 once, ap-south-1 twice: {copies:?}"
    );
    // One image in each Region: the first round's copy to eu-west-1 is kept.
    let mut regions: Vec<usize> = r.images.iter().map(|i| i.region.index()).collect();
    regions.sort_unstable();
    assert_eq!(regions, [0, 1, 2]);
}

#[test]
fn fast_launch_speeds_up_only_launches_of_the_distributed_image() {
    // Every launch takes 60 s, except what EC2 Fast Launch acts on: the
    // distributed AMI launched in its destination (its own lognormal).
    let text = format!(
        "horizon = \"1d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"w\"\nregion = \"us-east-1\"\nplatform = \"windows\"\n\
         fast_launch = true\ntest_launch = true\ndestinations = [\"eu-west-1\"]\n\
         [[pipeline.volume]]\nsize_gib = 30\ndata_gib = 10\n[[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
         [[pipeline.test]]\nname = \"t\"\nduration = \"1m\"\n\
         [pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    let took = |s: Stage| {
        stages(&r, s)
            .iter()
            .map(|x| x.finished.since(x.started).as_millis())
            .collect::<Vec<_>>()
    };
    // Image Builder's launches wait for readiness too (0 s here).
    assert_eq!(took(Stage::LaunchBuilder), [60_000]);
    assert_eq!(
        took(Stage::LaunchTest),
        [60_000],
        "the new AMI before distribution"
    );
    let dest = took(Stage::LaunchDestinationTest);
    assert_eq!(dest.len(), 1);
    assert_ne!(dest[0], 60_000, "Fast Launch's own latency");
}

#[test]
fn retry_image_runs_a_failed_test_phase_again_on_a_new_instance() {
    // A 60-s test that always fails: each test phase is a 60-s launch and the
    // test. RetryImage with 2 attempts and a 10-min delay runs it twice more,
    // each 10 min after the last failure, then the execution fails; no
    // second build. Limited to the distribution, it is not retried.
    let text = |retry: &str, p: &str| {
        format!(
            "horizon = \"1d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n{retry}\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 1\ndata_gib = 1\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n\
             [[pipeline.test]]\nname = \"t\"\nduration = \"60s\"\nfailure_probability = {p}\n\
             [pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n"
        )
    };
    let launches = |r: &ReplicationResult| {
        stages(r, Stage::LaunchTest)
            .iter()
            .map(|s| s.started.0)
            .collect::<Vec<_>>()
    };
    let retry = "retry = { attempts = 2, delay = \"10m\" }\n";
    let r = run_replication(&scenario(&text(retry, "1.0")).world, 1, 0);
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Failed);
    let t = launches(&r);
    let phase = 120_000 + 600_000;
    assert_eq!(t, [t[0], t[0] + phase, t[0] + 2 * phase], "{t:?}");
    assert_eq!(run.finished.0, t[0] + 2 * phase + 120_000);
    assert_eq!(stages(&r, Stage::LaunchBuilder).len(), 1, "no second build");
    assert_eq!(stages(&r, Stage::TerminateTest).len(), 3);
    assert!(stages(&r, Stage::Copy).is_empty());
    let only = "retry = { attempts = 2, phases = [\"distribution\"] }\n";
    let r = run_replication(&scenario(&text(only, "1.0")).world, 1, 0);
    assert_eq!(launches(&r).len(), 1, "a distribution-only retry");
    assert_eq!(r.runs[0].outcome, Outcome::Failed);

    // An incident fails the first test instance's launch; the retry 10 min
    // later launches one that passes, and the image is distributed.
    let first = t[0];
    let incident = format!(
        "[[incident]]\nregion = \"us-east-1\"\nstart = \"{}ms\"\nduration = \"1s\"\nfailure_probability = 1.0\n",
        first
    );
    let r = run_replication(
        &scenario(&format!("{}{incident}", text(retry, "0.0"))).world,
        1,
        0,
    );
    let run = &r.runs[0];
    assert_eq!(run.outcome, Outcome::Succeeded, "{:?}", r.stages);
    assert_eq!(launches(&r), [first, first + 60_000 + 600_000]);
    assert_eq!(
        run.tests_passed.unwrap().0,
        first + 60_000 + 600_000 + 120_000
    );
    let e = from_str(
        Path::new("inline.toml"),
        &text(
            "retry = { attempts = 1, phases = [\"integration\"] }\n",
            "0.0",
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("unknown RetryImage phase \"integration\""),
        "{e}"
    );
    let e = from_str(
        Path::new("inline.toml"),
        &text("retry_distribution = { attempts = 1 }\n", "0.0"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("renamed retry"), "{e}");
}

#[test]
fn image_builders_metadata_and_scan_steps_run_where_its_workflows_put_them() {
    // Components end at 60 s (launch 60 s, component 0 s): metadata 30 s,
    // then sanitize (0 s) and the 30-s stop at 90–120 s. The test instance
    // launches at the image's availability; its scan (5 min) runs before
    // the 60-s test. With image_metadata = false the stop starts at 60 s.
    let text = |keys: &str| {
        format!(
            "horizon = \"1d\"\n{}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n{keys}\
             destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 1\ndata_gib = 1\n\
             [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n\
             [[pipeline.test]]\nname = \"t\"\nduration = \"60s\"\n\
             [pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n\
             [pipeline.latency]\ncollect_image_metadata = \"30s\"\ncollect_image_scan_findings = \"5m\"\n",
            FIXED
        )
    };
    let at = |r: &ReplicationResult, s: Stage| {
        stages(r, s)
            .iter()
            .map(|x| (x.started.0, x.finished.0))
            .collect::<Vec<_>>()
    };
    let r = run_replication(&scenario(&text("image_scanning = true\n")).world, 1, 0);
    assert_eq!(at(&r, Stage::CollectMetadata), [(60_000, 90_000)]);
    assert_eq!(at(&r, Stage::StopBuilder), [(90_000, 120_000)]);
    let launched = at(&r, Stage::LaunchTest)[0].1;
    assert_eq!(
        at(&r, Stage::ScanFindings),
        [(launched, launched + 300_000)]
    );
    assert_eq!(at(&r, Stage::Test)[0].0, launched + 300_000);
    let r = run_replication(&scenario(&text("image_metadata = false\n")).world, 1, 0);
    assert!(stages(&r, Stage::CollectMetadata).is_empty());
    assert!(stages(&r, Stage::ScanFindings).is_empty(), "off by default");
    assert_eq!(at(&r, Stage::StopBuilder), [(60_000, 90_000)]);
    // Image Builder's alone, AMIs' alone; scanning needs the test phase.
    for (keys, why) in [
        (
            "tool = \"packer\"\nimage_metadata = false\n",
            "enhanced image metadata is Image Builder's",
        ),
        (
            "tests_enabled = false\nimage_scanning = true\n",
            "which tests_enabled = false skips",
        ),
    ] {
        let t = text(keys).replace("[[pipeline.test]]\nname = \"t\"\nduration = \"60s\"\n", "");
        let e = from_str(Path::new("inline.toml"), &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn a_scan_that_outlasts_its_time_out_fails_the_execution_at_120_minutes() {
    let text = format!(
        "horizon = \"1d\"\n{FIXED}{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\nimage_scanning = true\n\
         destinations = [\"eu-west-1\"]\n[[pipeline.volume]]\nsize_gib = 1\ndata_gib = 1\n\
         [[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n\
         [pipeline.schedule]\nstart_condition = \"always\"\nrun_at_start = true\n\
         [pipeline.latency]\ncollect_image_scan_findings = \"3h\"\n"
    );
    let r = run_replication(&scenario(&text).world, 1, 0);
    let scan = &stages(&r, Stage::ScanFindings)[0];
    assert_eq!(scan.finished.since(scan.started).as_millis(), 120 * 60_000);
    assert_eq!(scan.cause.name(), "step_timeout");
    assert_eq!(r.runs[0].outcome, Outcome::Failed);
    assert_eq!(
        stages(&r, Stage::TerminateTest).len(),
        1,
        "its instance terminated"
    );
}
