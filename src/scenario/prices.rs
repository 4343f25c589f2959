//! `[cost] prices = "prices.toml"`: a file of prices (a `[cost]` table, as
//! `amisim prices` writes it) read, checked in its own file and merged
//! under the scenario's own `[cost]`, whose values win.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::parse::parse_raw;
use super::raw::{RawCost, RawRegionPrices, RawScenario};
use super::{Files, Locator, MAX_SCENARIO_BYTES, OUTSIDE_HELP, ScenarioError, ScenarioErrors};
use super::{MAX_ERRORS, read_input};
use crate::cost::MAX_USD;
use crate::engine::SimDuration;

/// A prices file: one `[cost]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPricesFile {
    cost: RawCost,
}

/// Reads the scenario's `[cost] prices` file, if it names one, and merges
/// it; returns the file's text (the results depend on it, so the scenario
/// hash covers it).
pub(super) fn with_prices(
    loc: &Locator<'_>,
    files: &Files,
    raw: &mut RawScenario,
) -> Result<Option<String>, ScenarioErrors> {
    let Some(name) = raw.cost.as_mut().and_then(|c| c.prices.take()) else {
        return Ok(None);
    };
    if files.without_prices {
        return Ok(None);
    }
    let refuse = |reason: String, help: &str| {
        ScenarioErrors::new(vec![loc.error(
            Some(name.span()),
            "cost.prices",
            reason,
            Some(help.into()),
        )])
    };
    let path = files
        .inside(name.get_ref())
        .map_err(|r| refuse(r, OUTSIDE_HELP))?;
    let text = read_input(&path, MAX_SCENARIO_BYTES).map_err(|e| {
        refuse(
            format!("cannot read {}: {e}", path.display()),
            "the path is relative to the scenario's directory; write one with `amisim prices OFFER_FILE… -o prices.toml`",
        )
    })?;
    let file_loc = Locator::new(&path, &text);
    let file = parse_raw::<RawPricesFile>(&file_loc, &text)?;
    let errors = check(&file_loc, &file.cost);
    if !errors.is_empty() {
        return Err(ScenarioErrors::at_most(errors, MAX_ERRORS));
    }
    let declared: Vec<&str> = raw
        .region
        .iter()
        .map(|r| r.name.get_ref().as_str())
        .collect();
    let merged = merge(raw.cost.take().unwrap_or_default(), file.cost, &declared);
    raw.cost = Some(merged);
    Ok(Some(text))
}

/// Every price of a prices file is a number of dollars within bounds, every
/// tier a duration; a prices file names no other.
fn check(loc: &Locator<'_>, c: &RawCost) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    if let Some(p) = &c.prices {
        errors.push(loc.error(
            Some(p.span()),
            "cost.prices",
            "a prices file cannot name another",
            Some("merge the two files into one".into()),
        ));
    }
    let mut each = |key: String, v: &Spanned<f64>| {
        let x = *v.get_ref();
        if !(x.is_finite() && (0.0..=MAX_USD).contains(&x)) {
            errors.push(loc.error(
                Some(v.span()),
                key,
                format!("a price must be a number of dollars from 0 to {MAX_USD:.0}, got {x}"),
                Some("prices are US dollars per unit, e.g. 0.05".into()),
            ));
        }
    };
    visit(c, "cost", &mut each);
    for (k, v) in &c.time_based_copy_usd_per_gib {
        if let Err(e) = SimDuration::parse(k) {
            errors.push(loc.error(
                Some(v.span()),
                format!("cost.time_based_copy_usd_per_gib.\"{k}\""),
                format!("\"{k}\" is not a duration: {e}"),
                Some("key each price by the longest completion it covers, e.g. \"1h\"".into()),
            ));
        }
    }
    errors
}

/// Calls `f` with every price of `c` and its key path.
fn visit(c: &RawCost, at: &str, f: &mut impl FnMut(String, &Spanned<f64>)) {
    let scalars = [
        ("ebs_usd_per_gb_month", &c.ebs_usd_per_gb_month),
        ("snapshot_usd_per_gb_month", &c.snapshot_usd_per_gb_month),
        ("transfer_usd_per_gb", &c.transfer_usd_per_gb),
        ("kms_key_usd_per_month", &c.kms_key_usd_per_month),
        (
            "snapshot_archive_usd_per_gb_month",
            &c.snapshot_archive_usd_per_gb_month,
        ),
    ];
    for (k, v) in scalars {
        if let Some(v) = v {
            f(format!("{at}.{k}"), v);
        }
    }
    let maps = [
        ("instance_usd_per_hour", &c.instance_usd_per_hour),
        (
            "windows_instance_usd_per_hour",
            &c.windows_instance_usd_per_hour,
        ),
        ("transfer_from", &c.transfer_from),
        (
            "time_based_copy_usd_per_gib",
            &c.time_based_copy_usd_per_gib,
        ),
    ];
    for (table, m) in maps {
        for (k, v) in m {
            f(format!("{at}.{table}.\"{k}\""), v);
        }
    }
    for (r, own) in &c.region {
        let own = own.get_ref();
        let at = format!("{at}.region.\"{r}\"");
        let scalars = [
            ("ebs_usd_per_gb_month", &own.ebs_usd_per_gb_month),
            ("snapshot_usd_per_gb_month", &own.snapshot_usd_per_gb_month),
            (
                "snapshot_archive_usd_per_gb_month",
                &own.snapshot_archive_usd_per_gb_month,
            ),
            ("kms_key_usd_per_month", &own.kms_key_usd_per_month),
        ];
        for (k, v) in scalars {
            if let Some(v) = v {
                f(format!("{at}.{k}"), v);
            }
        }
        for (table, m) in [
            ("instance_usd_per_hour", &own.instance_usd_per_hour),
            (
                "windows_instance_usd_per_hour",
                &own.windows_instance_usd_per_hour,
            ),
        ] {
            for (k, v) in m {
                f(format!("{at}.{table}.\"{k}\""), v);
            }
        }
    }
}

/// `own` over `file`: each of the scenario's values wins; the file's
/// Regions the scenario does not declare are left out (a price list covers
/// every Region).
fn merge(mut own: RawCost, file: RawCost, declared: &[&str]) -> RawCost {
    fn or<T>(a: &mut Option<T>, b: Option<T>) {
        if a.is_none() {
            *a = b;
        }
    }
    fn under<V>(a: &mut BTreeMap<String, V>, b: BTreeMap<String, V>) {
        for (k, v) in b {
            a.entry(k).or_insert(v);
        }
    }
    or(&mut own.ebs_usd_per_gb_month, file.ebs_usd_per_gb_month);
    or(
        &mut own.snapshot_usd_per_gb_month,
        file.snapshot_usd_per_gb_month,
    );
    or(&mut own.transfer_usd_per_gb, file.transfer_usd_per_gb);
    or(&mut own.kms_key_usd_per_month, file.kms_key_usd_per_month);
    or(
        &mut own.snapshot_archive_usd_per_gb_month,
        file.snapshot_archive_usd_per_gb_month,
    );
    under(&mut own.instance_usd_per_hour, file.instance_usd_per_hour);
    under(
        &mut own.windows_instance_usd_per_hour,
        file.windows_instance_usd_per_hour,
    );
    let known = |k: &String| declared.contains(&k.as_str());
    under(
        &mut own.transfer_from,
        file.transfer_from
            .into_iter()
            .filter(|(k, _)| known(k))
            .collect(),
    );
    if own.time_based_copy_usd_per_gib.is_empty() {
        own.time_based_copy_usd_per_gib = file.time_based_copy_usd_per_gib;
    }
    for (r, theirs) in file.region.into_iter().filter(|(k, _)| known(k)) {
        match own.region.get_mut(&r) {
            None => {
                own.region.insert(r, theirs);
            }
            Some(mine) => merge_region(mine.get_mut(), theirs.into_inner()),
        }
    }
    own
}

fn merge_region(own: &mut RawRegionPrices, file: RawRegionPrices) {
    for (a, b) in [
        (&mut own.ebs_usd_per_gb_month, file.ebs_usd_per_gb_month),
        (
            &mut own.snapshot_usd_per_gb_month,
            file.snapshot_usd_per_gb_month,
        ),
        (
            &mut own.snapshot_archive_usd_per_gb_month,
            file.snapshot_archive_usd_per_gb_month,
        ),
        (&mut own.kms_key_usd_per_month, file.kms_key_usd_per_month),
    ] {
        if a.is_none() {
            *a = b;
        }
    }
    for (a, b) in [
        (&mut own.instance_usd_per_hour, file.instance_usd_per_hour),
        (
            &mut own.windows_instance_usd_per_hour,
            file.windows_instance_usd_per_hour,
        ),
    ] {
        for (k, v) in b {
            a.entry(k).or_insert(v);
        }
    }
}
