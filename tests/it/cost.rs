//! The cost ledger against hand-computed cases.

use std::path::Path;

use amisim::cost::{Category, CostLine, ledger};
use amisim::pipeline::model::run_replication;
use amisim::scenario::from_str;

const FIXED: &str = r#"
horizon = "20d"
[latency]
instance_launch = "30s"
instance_ready = "0s"
sanitize = "0s"
collect_image_metadata = "0s"
instance_stop = "30s"
instance_terminate = "10s"
register_image = "0s"
share = "0s"
snapshot = { overhead = "100s", throughput_mib_s = 1000000 }
copy = { overhead = "200s", throughput_mib_s = 1000000 }
[[region]]
name = "us-east-1"
[[region]]
name = "us-east-2"
[[region]]
name = "eu-west-1"
[[region]]
name = "sa-east-1"
"#;

fn lines(pipelines: &str) -> (amisim::scenario::Scenario, Vec<CostLine>) {
    let scn = from_str(Path::new("cost.toml"), &format!("{FIXED}{pipelines}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = run_replication(&scn.world, 1, 0);
    let l = ledger(&scn.market(), &r);
    (scn, l)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

const ONE: &str = r#"
[[pipeline]]
name = "p"
region = "us-east-1"
builder_instance_type = "m5.large"
test_instance_type = "t3.medium"
destinations = ["us-east-2", "eu-west-1"]
test_launch = true
[[pipeline.volume]]
size_gib = 30
data_gib = 8
[[pipeline.component]]
name = "c"
duration = "10m"
[[pipeline.test]]
name = "t"
duration = "2m"
[pipeline.schedule]
run_at_start = true
"#;

#[test]
fn instances_are_billed_per_second_with_a_one_minute_minimum() {
    let (scn, l) = lines(ONE);
    let get = |item: &str, cat: Category| {
        l.iter()
            .filter(|x| x.item.name(&scn.world) == item && x.category == cat)
            .cloned()
            .collect::<Vec<_>>()
    };
    // Builder: Image Builder keeps it running through CreateImage until it is
    // terminated: launch 30 s + component 600 s + stop 30 s + snapshot 100.008 s
    // + register 0 + terminate 10 s = 770.008 s, billed as 771 whole seconds
    // of m5.large at $0.096/h.
    let b = &get("builder", Category::Instance)[0];
    assert!(close(b.quantity, 771.0 / 3600.0), "{}", b.quantity);
    assert_eq!(
        b.usd_micro,
        (771.0 / 3600.0 * 0.096 * 1e6_f64).round() as u64
    );
    // Test instance: launch 30 s + test 120 s + terminate 10 s = 160 s of t3.medium.
    let t = &get("test", Category::Instance)[0];
    assert!(close(t.quantity, 160.0 / 3600.0));
    // Destination tests: launch 30 s + terminate 10 s = 40 s, billed as the 60-second minimum.
    let d = get("destination_test", Category::Instance);
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|x| close(x.quantity, 60.0 / 3600.0)));
    // Builder volumes (30 GiB gp3) until terminated: 30 + 600 + 30 + 100 (snapshot
    // overhead; 8 GiB at 10^6 MiB/s adds 8 ms) + 0 (register) + 10 = 770.008 s.
    let v = &get("builder", Category::Ebs)[0];
    assert!(
        close(v.quantity, 30.0 * 770.008 / 3600.0 / 730.0),
        "{}",
        v.quantity
    );
}

#[test]
fn transfer_is_charged_to_the_source_at_the_pair_price() {
    let (scn, l) = lines(ONE);
    let t: Vec<_> = l
        .iter()
        .filter(|x| x.category == Category::Transfer)
        .collect();
    assert_eq!(t.len(), 2);
    assert!(
        t.iter()
            .all(|x| scn.world.regions[x.region.index()] == "us-east-1"),
        "charged to the source Region"
    );
    // 8 GiB: us-east-1 → us-east-2 at $0.01/GB, → eu-west-1 at $0.02/GB.
    assert_eq!(t[0].usd_micro + t[1].usd_micro, 80_000 + 160_000);
    // From São Paulo, the higher source price ($0.08/GB, the low end of the range in docs/sources.md#price-transfer).
    let (_, l) = lines(
        &ONE.replace("region = \"us-east-1\"", "region = \"sa-east-1\"")
            .replace("\"us-east-2\", \"eu-west-1\"", "\"us-east-1\""),
    );
    let t: Vec<_> = l
        .iter()
        .filter(|x| x.category == Category::Transfer)
        .collect();
    assert_eq!(t[0].usd_micro, 640_000);
}

#[test]
fn full_and_incremental_snapshot_storage_are_counted_correctly() {
    // Builds every 5 days from our own image: the first copy is full (8 GiB),
    // later ones incremental (1 GiB). keep_last = 1 deletes the older image,
    // after which the newest holds the full 8 GiB.
    let p = ONE
        .replace("[[pipeline.volume]]\nsize_gib = 30\ndata_gib = 8\n", "base_image_owner = \"self\"\n[[pipeline.volume]]\nsize_gib = 30\ndata_gib = 8\nchanged_gib = 1\n")
        .replace("destinations = [\"us-east-2\", \"eu-west-1\"]", "destinations = [\"eu-west-1\"]")
        .replace("run_at_start = true", "interval = \"5d\"\nstart_condition = \"always\"\n[pipeline.lifecycle]\nkeep_last = 1");
    let (scn, l) = lines(&p);
    let r = run_replication(&scn.world, 1, 0);
    let eu: Vec<_> = r
        .images
        .iter()
        .filter(|i| scn.world.regions[i.region.index()] == "eu-west-1")
        .collect();
    assert_eq!(
        eu.iter().map(|i| i.stored_gib).collect::<Vec<_>>(),
        vec![8.0, 1.0, 1.0]
    );
    let storage: Vec<_> = l
        .iter()
        .filter(|x| {
            x.category == Category::SnapshotStorage
                && scn.world.regions[x.region.index()] == "eu-west-1"
        })
        .collect();
    let month_h = 730.0;
    let h =
        |a: amisim::engine::SimTime, b: amisim::engine::SimTime| b.since(a).as_secs_f64() / 3600.0;
    // Image 1: 8 GiB until deleted.
    assert!(close(
        storage[0].quantity,
        8.0 * h(eu[0].available, eu[0].deleted.get().unwrap()) / month_h
    ));
    // Image 2: 1 GiB while image 1 lives, then the full 8 GiB until it is deleted.
    let expected = (1.0 * h(eu[1].available, eu[1].deleted.get().unwrap())
        + 7.0 * h(eu[0].deleted.get().unwrap(), eu[1].deleted.get().unwrap()))
        / month_h;
    assert!(
        close(storage[1].quantity, expected),
        "{} vs {expected}",
        storage[1].quantity
    );
    assert_eq!(
        storage[1].usd_micro,
        (expected * 0.05 * 1e6_f64).round() as u64
    );
}

#[test]
fn keys_cost_a_dollar_a_month_per_key_and_replica() {
    let p = format!(
        "[[kms_key]]\nname = \"k\"\nregion = \"us-east-1\"\nreplicas = [\"eu-west-1\"]\n{ONE}"
    );
    let (scn, l) = lines(&p);
    let r = run_replication(&scn.world, 1, 0);
    let k: Vec<_> = l.iter().filter(|x| x.category == Category::Kms).collect();
    assert_eq!(k.len(), 2);
    // For the whole horizon, not until the replication's last event.
    assert!(r.end < scn.world.horizon);
    let months = 20.0 * 24.0 / 730.0;
    assert!(
        k.iter()
            .all(|x| close(x.quantity, months) && x.usd_micro == (months * 1e6).round() as u64)
    );
}

#[test]
fn an_archived_image_is_stored_in_full_at_the_archive_price_for_at_least_90_days() {
    // One 10 GiB image every 50 days, kept one at a time: the first is
    // disabled and archived 10 days after its creation and deleted when the
    // second comes (day 50), so it is billed in the archive tier until day
    // 100, its 90-day minimum.
    let one = ONE
        .replace("run_at_start = true", "run_at_start = true\ninterval = \"50d\"\nstart_condition = \"always\"\n[pipeline.lifecycle]\nkeep_last = 1\ndisable_after = \"10d\"\narchive_after = \"10d\"")
        .replace("data_gib = 8", "data_gib = 10");
    let scn = from_str(
        Path::new("cost.toml"),
        &format!(
            "{}{one}",
            FIXED.replace("horizon = \"20d\"", "horizon = \"60d\"")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rep = run_replication(&scn.world, 1, 0);
    let l = ledger(&scn.market(), &rep);
    let first = amisim::pipeline::model::ExecId::from_index(0);
    let of = |cat: Category| {
        l.iter()
            .filter(|x| {
                x.category == cat && x.exec == Some(first) && x.item.name(&scn.world) == "image"
            })
            .map(|x| x.quantity)
            .sum::<f64>()
    };
    let month_h = 730.0;
    // Its three images: the build Region's and two copies.
    assert!(close(
        of(Category::SnapshotArchive),
        3.0 * 10.0 * 90.0 * 24.0 / month_h
    ));
    // In the standard tier from when each became available in its Region
    // (before the execution finished) until archived, 10 days after the
    // execution finished: a little over 10 days each.
    let standard_h: f64 = rep
        .images
        .iter()
        .filter(|i| i.exec == first)
        .map(|i| i.archived.get().unwrap().since(i.available).as_secs_f64() / 3600.0)
        .sum();
    assert!(
        standard_h > 3.0 * 10.0 * 24.0 && standard_h < 3.0 * 10.1 * 24.0,
        "{standard_h}"
    );
    assert!(close(
        of(Category::SnapshotStorage),
        10.0 * standard_h / month_h
    ));
    let archive = l
        .iter()
        .find(|x| x.category == Category::SnapshotArchive)
        .unwrap();
    assert_eq!(
        archive.usd_micro,
        (10.0 * 90.0 * 24.0 / month_h * 0.0125 * 1e6_f64).round() as u64
    );
    let e = from_str(
        Path::new("cost.toml"),
        &format!(
            "{FIXED}{}",
            one.replace("disable_after = \"10d\"", "disable_after = \"20d\"")
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("rule: archive_requires_disabled"), "{e}");
}

#[test]
fn prices_past_a_billion_are_refused_and_the_largest_accepted_never_wrap() {
    let over = format!("{ONE}[cost]\nsnapshot_usd_per_gb_month = 2e9\n");
    let e = from_str(Path::new("cost.toml"), &format!("{FIXED}{over}"))
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("cost.snapshot_usd_per_gb_month") && e.contains("1000000000"),
        "{e}"
    );
    // The largest volume and price accepted: lines saturate, sums never wrap.
    let most = ONE
        .replace("size_gib = 30", "size_gib = 65536")
        .replace("data_gib = 8", "data_gib = 65536")
        + "[cost]\nsnapshot_usd_per_gb_month = 1e9\ntransfer_usd_per_gb = 1e9\nebs_usd_per_gb_month = 1e9\n";
    let (scn, l) = lines(&most);
    let mut agg = amisim::experiment::Aggregate::new(&scn.world);
    agg.add(&scn.market(), 0, &run_replication(&scn.world, 1, 0));
    let largest = l.iter().map(|x| x.usd_micro).max().unwrap();
    assert_eq!(largest, u64::MAX, "a line saturates");
    let per_exec = agg.pipelines[0].cost_per_execution.quantile(1.0).unwrap();
    assert!(per_exec >= largest as f64 * 0.999, "{per_exec}");
}

#[test]
fn storage_without_a_lifecycle_still_grows_at_the_horizon_and_with_one_levels_off() {
    use amisim::report::cost_months::{Storage, trend};
    let weekly = ONE.replace(
        "run_at_start = true",
        "interval = \"7d\"\nstart_condition = \"always\"",
    );
    let trend_of = |pipelines: &str| {
        let text = format!("{FIXED}{pipelines}").replace("horizon = \"20d\"", "horizon = \"365d\"");
        let scn = from_str(Path::new("cost.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        let mut agg = amisim::experiment::Aggregate::new(&scn.world);
        for i in 0..4 {
            agg.add(&scn.market(), i, &run_replication(&scn.world, 1, i));
        }
        trend(&scn, &agg)
    };
    let grows = trend_of(&weekly);
    // 12 months of 730 h in 365 days: the 12th is the last full one.
    let rate = grows.last_full.expect("a full month");
    assert_eq!(rate.month, 12);
    // Linear growth: month 12 holds about 12/11 of month 11's storage.
    assert!(
        matches!(grows.storage, Storage::Growing(g) if (0.05..0.15).contains(&g)),
        "{grows:?}"
    );
    let kept = trend_of(&format!("{weekly}[pipeline.lifecycle]\nkeep_last = 4\n"));
    assert_eq!(kept.storage, Storage::Level, "{kept:?}");
    assert!(kept.last_full.unwrap().mean < rate.mean);
}

#[test]
fn a_regions_own_prices_change_that_regions_costs_only() {
    let base = lines(ONE).1;
    let dear = format!(
        "{ONE}[cost.region.\"eu-west-1\"]\nsnapshot_usd_per_gb_month = 0.1\nebs_usd_per_gb_month = 0.2\ninstance_usd_per_hour = {{ \"t3.medium\" = 1.0 }}\n"
    );
    let (scn, priced) = lines(&dear);
    assert_eq!(base.len(), priced.len());
    let eu = scn
        .world
        .regions
        .iter()
        .position(|r| r == "eu-west-1")
        .unwrap();
    for (a, b) in base.iter().zip(&priced) {
        assert_eq!(a.quantity, b.quantity, "the same usage");
        let in_eu = b.region.index() == eu;
        match b.category {
            // Twice the default $0.05 per GB-month.
            Category::SnapshotStorage if in_eu => assert!(
                (b.usd_micro as f64 - 2.0 * a.usd_micro as f64).abs() <= 1.0,
                "{a:?} {b:?}"
            ),
            // The destination test instance there, at $1 an hour.
            Category::Instance if in_eu => {
                assert_eq!(b.usd_micro, (b.quantity * 1e6_f64).round() as u64)
            }
            Category::Ebs if in_eu => assert!(b.usd_micro > a.usd_micro),
            _ => assert_eq!(a.usd_micro, b.usd_micro, "{a:?} {b:?}"),
        }
    }
    let undeclared = format!("{ONE}[cost.region.\"ap-east-1\"]\nkms_key_usd_per_month = 2\n");
    let e = from_str(Path::new("cost.toml"), &format!("{FIXED}{undeclared}"))
        .map(|_| ())
        .expect_err("refused");
    assert!(e.to_string().contains("cost.region"), "{e}");
}

#[test]
fn the_quickstarts_last_weekly_image_is_billed_to_the_horizon() {
    let scn = amisim::scenario::load(
        &crate::root().join("scenarios/quickstart.toml"),
        &Default::default(),
    )
    .unwrap();
    let rep = run_replication(&scn.world, 1, 0);
    let l = ledger(&scn.market(), &rep);
    // The last execution that left images: the 4th weekly build (day 21).
    let last = rep.images.last().expect("images").exec;
    assert!(rep.runs[last.index()].triggered.as_millis() >= 21 * 24 * 3_600_000);
    let horizon = scn.world.horizon;
    let want: f64 = rep
        .images
        .iter()
        .filter(|i| i.exec == last)
        .map(|i| i.stored_gib * horizon.since(i.available).as_secs_f64() / 3600.0 / 730.0)
        .sum();
    let got: f64 = l
        .iter()
        .filter(|x| x.category == Category::SnapshotStorage && x.exec == Some(last))
        .map(|x| x.quantity)
        .sum();
    // About a week of its 4 images' data (7.073007 GB-months in replication 0
    // of seed 1), billed to the horizon: it was 0 GB-months before.
    assert!(want > 1.0, "{want}");
    assert!(close(got, want), "{got} vs {want}");
}

#[test]
fn a_failed_image_builder_execution_keeps_its_image_and_it_is_billed_to_the_horizon() {
    // The test phase fails after the image is registered: Image Builder keeps
    // the AMI (docs/sources.md#retry-image); nothing was copied yet.
    let failing = ONE.replace(
        "duration = \"2m\"\n",
        "duration = \"2m\"\nfailure_probability = 1.0\n",
    );
    let scn = from_str(Path::new("cost.toml"), &format!("{FIXED}{failing}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = run_replication(&scn.world, 1, 0);
    assert_eq!(r.runs[0].outcome, amisim::pipeline::model::Outcome::Failed);
    assert_eq!(r.images.len(), 1, "the build Region's image, no copy");
    let img = r.images[0];
    assert_eq!(scn.world.regions[img.region.index()], "us-east-1");
    let l = ledger(&scn.market(), &r);
    let s: Vec<_> = l
        .iter()
        .filter(|x| x.category == Category::SnapshotStorage)
        .collect();
    assert_eq!(s.len(), 1);
    let months = scn.world.horizon.since(img.available).as_secs_f64() / 3600.0 / 730.0;
    assert!(
        close(s[0].quantity, 8.0 * months),
        "{} vs {}",
        s[0].quantity,
        8.0 * months
    );
}

/// With several pipelines, cost_summary.csv gives each one's monthly cost,
/// and without KMS keys they add up to the scenario's (to the cent).
#[test]
fn each_pipelines_monthly_cost_is_its_share_of_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    super::amisim_ok(&[
        "run",
        "scenarios/golden-container.toml",
        "-n",
        "4",
        "-q",
        "--rows",
        "none",
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(out.join("cost_summary.csv")).unwrap();
    let mean = |scope: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(&format!("{scope},monthly_cost,")))
            .and_then(|l| l.split(',').nth(3))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no monthly_cost of {scope}:\n{text}"))
    };
    let (c, a, all) = (mean("base-container"), mean("base-ami"), mean("all"));
    assert!((c + a - all).abs() <= 0.011, "{c} + {a} against {all}");
    assert!(
        c < a,
        "the container costs less a month here: {c} against {a}"
    );
}

#[test]
fn lines_summed_as_priced_give_the_aggregate_of_lines_kept() {
    // Replications whose rows are not written price their lines into the
    // sums without holding them: the same aggregate, bit for bit.
    let text = std::fs::read_to_string(super::root().join("scenarios/enterprise.toml")).unwrap();
    let scn = from_str(Path::new("enterprise.toml"), &text).unwrap();
    let market = scn.market();
    let (mut kept, mut summed) = (
        amisim::experiment::Aggregate::new(&scn.world),
        amisim::experiment::Aggregate::new(&scn.world),
    );
    for i in 0..3 {
        let rep = run_replication(&scn.world, 7, i);
        kept.add(&market, i, &rep);
        assert_eq!(kept.cost_lines(), ledger(&market, &rep).as_slice());
        summed.add_keeping(&market, (i, false), &rep);
        assert!(summed.cost_lines().is_empty());
    }
    assert_eq!(
        serde_json::to_string(&kept).unwrap(),
        serde_json::to_string(&summed).unwrap()
    );
}
