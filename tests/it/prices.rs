//! `amisim prices` on the offer-file fixtures in tests/prices/, and
//! `[cost] prices = "…"` in a scenario.

use std::path::Path;

use amisim::cost::{Category, Item, ledger};
use amisim::pipeline::model::run_replication;
use amisim::scenario::{LoadOptions, load};

use super::{amisim, amisim_ok, root};

const JSON: &str = "tests/prices/ec2-us-east-1.json";
const CSV: &str = "tests/prices/ec2-sa-east-1.csv";
const SCENARIO: &str = "tests/prices/scenario.toml";

#[test]
fn offer_files_in_json_and_csv_become_the_cost_table_the_fixture_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("prices.toml");
    let o = amisim_ok(&[
        "prices",
        JSON,
        CSV,
        "--scenario",
        SCENARIO,
        "-o",
        out.to_str().unwrap(),
    ]);
    let got = std::fs::read_to_string(&out).unwrap();
    let want = std::fs::read_to_string(root().join("tests/prices/prices.toml")).unwrap();
    assert_eq!(
        got, want,
        "regenerate tests/prices/prices.toml with the command in tests/prices/scenario.toml"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("read tests/prices/ec2-us-east-1.json: 7 prices"),
        "{err}"
    );
    // Left out: a reserved term (0.06), SQL pre-installed (0.48), dedicated
    // tenancy (0.106), an unused reservation's row (listed, same price, other
    // SKU), bring-your-own-licence Windows, RHEL (0.213), gp2 (0.1), Outposts
    // snapshots (0.027); and t3.medium on Windows, which no pipeline runs.
    for absent in [
        "0.06 ",
        "0.48",
        "0.106",
        "A1B2C3D4E5F6G7H5",
        "A1B2C3D4E5F6G7H8",
        "0.213",
        "0.1 ",
        "0.027",
        "0.0596",
    ] {
        assert!(!got.contains(absent), "{absent} should be left out:\n{got}");
    }
}

#[test]
fn a_region_or_type_no_offer_prices_is_named_and_the_defaults_stand() {
    let o = amisim_ok(&[
        "prices",
        JSON,
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--instance-type",
        "c5.xlarge",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning: eu-west-1: no price at all"), "{err}");
    assert!(
        err.contains("us-east-1: no price for c5.xlarge (Linux), c5.xlarge (Windows)"),
        "{err}"
    );
    // Nothing asked for is priced: refused, nothing written.
    let o = amisim(&["prices", JSON, "--region", "eu-west-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

#[test]
fn damaged_offer_files_are_refused_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    let text = std::fs::read_to_string(root().join(JSON)).unwrap();
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let no_header = dir.path().join("bad.csv");
    std::fs::write(&no_header, "\"FormatVersion\",\"v1.0\"\n\"a\",\"b\"\n").unwrap();
    let array = dir.path().join("array.json");
    std::fs::write(&array, "[1, 2]").unwrap();
    // A kept price that is not a number of dollars: at its line (CSV) or
    // its line and column (JSON).
    let bad_price = dir.path().join("price.csv");
    let csv = std::fs::read_to_string(root().join(CSV)).unwrap();
    std::fs::write(&bad_price, csv.replacen("\"0.1530000000\"", "\"-0.15\"", 1)).unwrap();
    let bad_json = dir.path().join("price.json");
    std::fs::write(&bad_json, text.replacen("\"0.0960000000\"", "\"n/a\"", 1)).unwrap();
    for (f, says) in [
        (&cut, "cut.json:"),
        (&no_header, "has no header row starting with SKU"),
        (&array, "array.json:1:1: not an offer file's JSON"),
        (
            &bad_price,
            "price.csv:7: PricePerUnit \"-0.15\" of SKU D1B2C3D4E5F6G7H1 is not a number of dollars",
        ),
        (&bad_json, "is not a number of dollars"),
    ] {
        let o = amisim(&[
            "prices",
            f.to_str().unwrap(),
            "-o",
            dir.path().join("p.toml").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!dir.path().join("p.toml").exists());
    }
    let cut_text =
        String::from_utf8_lossy(&amisim(&["prices", cut.to_str().unwrap()]).stderr).into_owned();
    assert!(cut_text.contains("not an offer file's JSON"), "{cut_text}");
}

/// Each line's price per unit in the scenario that includes prices.toml.
fn unit_prices(scenario: &Path) -> Vec<(Category, Item, String, f64)> {
    let scn = load(scenario, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let r = run_replication(&scn.world, 1, 0);
    ledger(&scn.market(), &r)
        .iter()
        .filter(|l| l.quantity > 0.01)
        .map(|l| {
            let region = scn.world.regions[l.region.index()].clone();
            (
                l.category,
                l.item,
                region,
                l.usd_micro as f64 / 1e6 / l.quantity,
            )
        })
        .collect()
}

#[test]
fn an_included_price_list_prices_each_region_and_platform_and_the_scenario_wins() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    std::fs::copy(
        root().join("tests/prices/prices.toml"),
        dir.path().join("prices.toml"),
    )
    .unwrap();
    let with = dir.path().join("with.toml");
    std::fs::write(&with, &text).unwrap();
    // The scenario's own value wins over the file's.
    let own = dir.path().join("own.toml");
    std::fs::write(
        &own,
        text.replace(
            "[cost]\n",
            "[cost.region.\"sa-east-1\"]\nsnapshot_usd_per_gb_month = 0.5\n[cost]\n",
        ),
    )
    .unwrap();
    let without = dir.path().join("without.toml");
    std::fs::write(&without, text.replace("prices = \"prices.toml\"\n", "")).unwrap();
    let near = |a: f64, b: f64| (a - b).abs() < 1e-3 * b;
    let find = |v: &[(Category, Item, String, f64)], c: Category, i: Item, r: &str| {
        v.iter()
            .find(|x| x.0 == c && x.1 == i && x.2 == r)
            .map(|x| x.3)
            .unwrap_or_else(|| panic!("no {c:?} {i:?} in {r}"))
    };
    let w = unit_prices(&with);
    let wo = unit_prices(&without);
    // Windows builds in sa-east-1 at the file's Windows m5.large price; Linux in us-east-1 at its own.
    assert!(near(
        find(&w, Category::Instance, Item::Builder, "sa-east-1"),
        0.245
    ));
    assert!(
        near(
            find(&wo, Category::Instance, Item::Builder, "sa-east-1"),
            0.192
        ),
        "the Windows default"
    );
    assert!(near(
        find(&w, Category::Instance, Item::Builder, "us-east-1"),
        0.096
    ));
    assert!(near(
        find(&w, Category::SnapshotStorage, Item::Image, "sa-east-1"),
        0.068
    ));
    assert!(near(
        find(&wo, Category::SnapshotStorage, Item::Image, "sa-east-1"),
        0.05
    ));
    assert!(near(
        find(&w, Category::SnapshotStorage, Item::Image, "us-east-1"),
        0.05
    ));
    assert!(near(
        find(&w, Category::Ebs, Item::Builder, "sa-east-1"),
        0.152
    ));
    assert!(near(
        find(
            &unit_prices(&own),
            Category::SnapshotStorage,
            Item::Image,
            "sa-east-1"
        ),
        0.5
    ));
}

#[test]
fn a_price_out_of_bounds_in_the_included_file_is_refused_there() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    std::fs::write(
        dir.path().join("prices.toml"),
        "[cost]\n\n[cost.region.\"sa-east-1\"]\nsnapshot_usd_per_gb_month = -1.0\n",
    )
    .unwrap();
    let o = amisim(&["validate", dir.path().join("s.toml").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "prices.toml:4:29: cost.region.\"sa-east-1\".snapshot_usd_per_gb_month: a price must be"
        ),
        "{err}"
    );
}
