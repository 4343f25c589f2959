//! `[cost]`: prices, defaults from `aws::facts` (docs/sources.md, "Prices"), and
//! each pipeline's instance prices.

use std::collections::BTreeMap;

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::cost::{Prices, RegionPrices};
use crate::engine::SimDuration;
use crate::pipeline::config::{Kind, Pipeline};
use crate::scenario::raw::{RawCost, RawPipeline, RawRegionPrices};

/// Prices each pipeline's instances; warns of instance types without a price.
pub(super) fn price_instances(
    ctx: &mut Ctx<'_>,
    (pipelines, raw): (&[Pipeline], &[Spanned<RawPipeline>]),
    prices: &mut Prices,
) {
    // A migration moves the user's own instance: it is not costed.
    fn types(p: &Pipeline) -> Option<[&str; 2]> {
        match &p.kind {
            Kind::Build {
                builder_instance_type,
                test_instance_type,
            } => Some([builder_instance_type.as_str(), test_instance_type.as_str()]),
            Kind::Migration(_) => None,
        }
    }
    // Priced in the pipeline's own Region.
    let regional = &prices.regional;
    prices.instances = pipelines
        .iter()
        .map(|p| {
            let price = |t: &str| {
                regional[p.region.index()]
                    .instance_usd_per_hour
                    .get(t)
                    .copied()
            };
            types(p).map_or((None, None), |[b, t]| (price(b), price(t)))
        })
        .collect();
    // Instance types without a price are not costed: said at the key that
    // names each (the defaults are priced, so each is written).
    for (i, p) in raw.iter().enumerate() {
        let p = p.get_ref();
        for (key, t) in [
            ("builder_instance_type", &p.builder_instance_type),
            ("test_instance_type", &p.test_instance_type),
        ] {
            let Some(t) = t else { continue };
            let name = t.get_ref();
            if prices.instance_usd_per_hour.contains_key(name.as_str()) {
                continue;
            }
            ctx.warn(
                Some(t.span()),
                "pipeline".at(i).key(key),
                format!("instance type {name} has no price: its hours are not costed"),
                Some(format!("add [cost] instance_usd_per_hour = {{ \"{name}\" = <dollars per hour> }} (docs/sources.md#price-instances has only t3.medium, m5.large, c5.xlarge, m7i.large)")),
            );
        }
    }
}

/// `[cost]`: defaults from `aws::facts` (docs/sources.md, "Prices"), overridden here.
pub(super) fn resolve_prices(ctx: &mut Ctx<'_>, raw: Option<&RawCost>) -> Prices {
    type Field = fn(&RawCost) -> Option<&Spanned<f64>>;
    let scalars: [(Field, &str, f64); 5] = [
        (
            |r| r.ebs_usd_per_gb_month.as_ref(),
            "ebs_usd_per_gb_month",
            facts::EBS_GP3_USD_PER_GB_MONTH,
        ),
        (
            |r| r.snapshot_usd_per_gb_month.as_ref(),
            "snapshot_usd_per_gb_month",
            facts::SNAPSHOT_USD_PER_GB_MONTH,
        ),
        (
            |r| r.transfer_usd_per_gb.as_ref(),
            "transfer_usd_per_gb",
            facts::TRANSFER_USD_PER_GB,
        ),
        (
            |r| r.kms_key_usd_per_month.as_ref(),
            "kms_key_usd_per_month",
            facts::KMS_KEY_USD_PER_MONTH,
        ),
        (
            |r| r.snapshot_archive_usd_per_gb_month.as_ref(),
            "snapshot_archive_usd_per_gb_month",
            facts::SNAPSHOT_ARCHIVE_USD_PER_GB_MONTH,
        ),
    ];
    let [ebs, snap, transfer, kms, archive] = scalars
        .map(|(field, key, default)| price(ctx, raw.and_then(field), &"cost".key(key), default));
    let instance = instance_prices(ctx, raw);
    let per_source = transfer_by_source(ctx, raw, transfer);
    let time_based = time_based_prices(ctx, raw);
    let defaults = RegionPrices {
        instance_usd_per_hour: instance.clone(),
        ebs_usd_per_gb_month: ebs,
        snapshot_usd_per_gb_month: snap,
        snapshot_archive_usd_per_gb_month: archive,
        kms_key_usd_per_month: kms,
    };
    let regional = regional_prices(ctx, raw, &defaults);
    let pair = |a: &str, b: &str| {
        Some((
            ctx.regions.get(a)?,
            ctx.regions.get(b)?,
            facts::TRANSFER_US_EAST_PAIR_USD_PER_GB,
        ))
    };
    Prices {
        regional,
        instance_usd_per_hour: instance,
        instances: Vec::new(), // filled by price_instances
        ebs_usd_per_gb_month: ebs,
        snapshot_usd_per_gb_month: snap,
        transfer_usd_per_gb: per_source,
        transfer_pairs: pair("us-east-1", "us-east-2").into_iter().collect(),
        kms_key_usd_per_month: kms,
        time_based_copy_usd_per_gib: time_based,
        snapshot_archive_usd_per_gb_month: archive,
        hours_per_month: facts::HOURS_PER_MONTH,
        min_instance_billing: SimDuration::from_secs(facts::MIN_BILLED_S),
    }
}

/// Each declared Region's prices: the defaults, then `[cost.region."NAME"]`.
fn regional_prices(
    ctx: &mut Ctx<'_>,
    raw: Option<&RawCost>,
    defaults: &RegionPrices,
) -> Vec<RegionPrices> {
    let mut regional = vec![defaults.clone(); ctx.regions.names().len()];
    for (name, own) in raw.map(|r| &r.region).into_iter().flatten() {
        let named = Spanned::new(own.span(), name.clone());
        let path = "cost.region".key(name);
        let Some(r) = ctx.region(&named, &path) else {
            continue;
        };
        let own: &RawRegionPrices = own.get_ref();
        let at = &mut regional[r.index()];
        for (field, value, key) in [
            (
                &mut at.ebs_usd_per_gb_month,
                &own.ebs_usd_per_gb_month,
                "ebs_usd_per_gb_month",
            ),
            (
                &mut at.snapshot_usd_per_gb_month,
                &own.snapshot_usd_per_gb_month,
                "snapshot_usd_per_gb_month",
            ),
            (
                &mut at.snapshot_archive_usd_per_gb_month,
                &own.snapshot_archive_usd_per_gb_month,
                "snapshot_archive_usd_per_gb_month",
            ),
            (
                &mut at.kms_key_usd_per_month,
                &own.kms_key_usd_per_month,
                "kms_key_usd_per_month",
            ),
        ] {
            *field = price(ctx, value.as_ref(), &path.key(key), *field);
        }
        for (t, v) in &own.instance_usd_per_hour {
            let key = format!("{}.instance_usd_per_hour.\"{t}\"", path);
            let x = price(ctx, Some(v), &key, 0.0);
            at.instance_usd_per_hour.insert(t.clone(), x);
        }
    }
    regional
}

/// A price at `path`, or `default` if absent or refused.
fn price(ctx: &mut Ctx<'_>, v: Option<&Spanned<f64>>, path: &str, default: f64) -> f64 {
    v.map_or(default, |v| {
        ctx.dollars(v, path, "a price must be").unwrap_or(default)
    })
}

/// Instance prices per hour: the facts' types, then `instance_usd_per_hour`.
fn instance_prices(ctx: &mut Ctx<'_>, raw: Option<&RawCost>) -> BTreeMap<String, f64> {
    let mut instance: BTreeMap<String, f64> = facts::INSTANCE_USD_PER_HOUR
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    for (k, v) in raw.map(|r| &r.instance_usd_per_hour).into_iter().flatten() {
        let x = price(
            ctx,
            Some(v),
            &format!("cost.instance_usd_per_hour.\"{k}\""),
            0.0,
        );
        instance.insert(k.clone(), x);
    }
    instance
}

/// Transfer per GB by source Region: `transfer` (the dearer sources at
/// their published price), then `transfer_from` per declared Region.
fn transfer_by_source(ctx: &mut Ctx<'_>, raw: Option<&RawCost>, transfer: f64) -> Vec<f64> {
    let mut per_source: Vec<f64> = ctx
        .regions
        .names()
        .iter()
        .map(|r| {
            if facts::TRANSFER_EXPENSIVE_SOURCES.contains(&r.as_str()) {
                facts::TRANSFER_EXPENSIVE_USD_PER_GB
            } else {
                transfer
            }
        })
        .collect();
    for (k, v) in raw.map(|r| &r.transfer_from).into_iter().flatten() {
        let x = price(
            ctx,
            Some(v),
            &format!("cost.transfer_from.\"{k}\""),
            transfer,
        );
        match ctx.regions.get(k) {
            Some(id) => per_source[id.index()] = x,
            None => ctx.err(
                Some(v.span()),
                format!("cost.transfer_from.\"{k}\""),
                format!("Region \"{k}\" is not declared in this scenario"),
                Some("price only declared Regions"),
            ),
        }
    }
    per_source
}

/// Time-based copies by tier: the price for a completion up to each duration.
fn time_based_prices(ctx: &mut Ctx<'_>, raw: Option<&RawCost>) -> Vec<(SimDuration, f64)> {
    let tiers = raw.map(|r| &r.time_based_copy_usd_per_gib);
    let Some(tiers) = tiers.filter(|t| !t.is_empty()) else {
        return facts::TIME_BASED_COPY_TIERS
            .iter()
            .map(|&(min, usd)| (SimDuration::from_mins(min), usd))
            .collect();
    };
    let mut time_based = Vec::new();
    for (k, v) in tiers {
        let path = format!("cost.time_based_copy_usd_per_gib.\"{k}\"");
        let x = price(ctx, Some(v), &path, 0.0);
        match SimDuration::parse(k) {
            Ok(d) => time_based.push((d, x)),
            Err(e) => ctx.err(
                Some(v.span()),
                path,
                format!("\"{k}\" is not a duration: {e}"),
                Some("key each price by the longest completion it covers, e.g. { \"1h\" = 0.02, \"48h\" = 0.01 }"),
            ),
        }
    }
    time_based.sort_by_key(|t| t.0);
    time_based
}
