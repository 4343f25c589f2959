//! AWS's rules as the model applies them: misconfigurations, cross-account copies, encryption, migrations, the critical stage.

use super::*;

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
    let (stage, d) = amisim::pipeline::analysis::critical_stage(&scn.world, &r, 0).unwrap();
    assert_eq!(stage, "copy:eu-west-1");
    // 2,000 s of overhead plus the larger volume, 40 GiB at 10^6 MiB/s (41 ms).
    assert_eq!(d.as_millis(), 2_000_041);
}
