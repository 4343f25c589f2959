//! Image lifecycle and the records of a replication: keep_last and max_age, records by execution, a reused replicator.

use super::*;

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
    // An image's ages count from when its execution finished.
    for i in &r.images {
        let created = r.runs[i.exec.index()].finished;
        match i.deprecated.get() {
            Some(d) => assert_eq!(d.since(created).as_millis(), 86_400_000),
            None => assert!(created.as_millis() + 86_400_000 >= 36 * 86_400_000),
        }
    }
    assert!(r.images.iter().filter(|i| i.deprecated.is_some()).count() >= 8);
}

/// The flat per-execution index (used by the aggregate and the cost ledger)
/// holds exactly each execution's records, in record order, also when the
/// replicator reuses a result whose index buffer chained the next run's
/// records (replications of different sizes, in both orders).
#[test]
fn by_exec_groups_every_record_under_its_execution() {
    let text = std::fs::read_to_string("scenarios/golden-3os-8-regions.toml").unwrap();
    let scn = from_str(Path::new("golden-3os-8-regions.toml"), &text).unwrap();
    let check = |r: &amisim::pipeline::model::ReplicationResult, i: u64| {
        assert_eq!(r.by_exec.iter().count(), r.runs.len());
        for (e, recs) in r.by_exec.iter().enumerate() {
            let naive: Vec<usize> = (0..r.stages.len())
                .filter(|i| r.stages[*i].exec.index() == e)
                .collect();
            let got: Vec<usize> = recs.iter().map(|i| i.index()).collect();
            assert_eq!(got, naive, "replication {i}, execution {e}");
            assert_eq!(&r.by_exec[e], recs);
        }
    };
    let mut rep = amisim::pipeline::model::Replicator::new(&scn.world);
    for i in [5, 0, 3, 5, 1] {
        let r = rep.run(5, i);
        assert!(r.runs.len() > 3, "want several executions");
        check(&r, i);
        rep.recycle(r);
    }
    // Records edited by hand, then grouped again.
    let mut r = rep.run(5, 2);
    r.stages.truncate(r.stages.len() / 2);
    r.group_records();
    check(&r, 2);
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
