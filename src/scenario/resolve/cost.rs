//! `[cost]`: prices, defaults from `aws::facts` (docs/sources.md, "Prices"), and
//! each pipeline's instance prices.

use std::collections::BTreeMap;

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use crate::aws::facts;
use crate::cost::{Prices, RegionPrices};
use crate::engine::SimDuration;
use crate::pipeline::config::{Pipeline, PipelineKind, Platform};
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
            PipelineKind::Build {
                builder_instance_type,
                test_instance_type,
            } => Some([builder_instance_type.as_str(), test_instance_type.as_str()]),
            PipelineKind::Migration(_) => None,
        }
    }
    // Priced in the pipeline's own Region, for its platform.
    prices.instances = pipelines
        .iter()
        .map(|p| {
            let price = |t: &str| prices.at(p.region).instance(p.platform, t);
            types(p).map_or((None, None), |[b, t]| (price(b), price(t)))
        })
        .collect();
    // Instance types without a price are not costed: said at the key that
    // names each (the defaults are priced, so each is written).
    for (i, (p, r)) in pipelines.iter().zip(raw).enumerate() {
        let r = r.get_ref();
        for (key, t) in [
            ("builder_instance_type", &r.builder_instance_type),
            ("test_instance_type", &r.test_instance_type),
        ] {
            let Some(t) = t else { continue };
            let name = t.get_ref();
            if prices.at(p.region).instance(p.platform, name).is_some() {
                continue;
            }
            let (table, known) = instance_table(p.platform);
            let anchor = match p.platform {
                Platform::Linux => "price-instances",
                Platform::Windows => "price-windows-instances",
            };
            let known: Vec<&str> = known.iter().map(|k| k.0).collect();
            let what = format!(
                "instance type {name} has no {} price in {}: its hours are not costed",
                platform_name(p.platform),
                ctx.regions.name(p.region)
            );
            ctx.warn(
                Some(t.span()),
                "pipeline".at(i).key(key),
                what,
                Some(format!("add [cost] {table} = {{ \"{name}\" = <dollars per hour> }}, or read AWS's price list with `amisim prices` (docs/sources.md#{anchor} has only {})", known.join(", "))),
            );
        }
    }
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Linux => "Linux",
        Platform::Windows => "Windows",
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
    let instance = instance_prices(ctx, raw, Platform::Linux);
    let windows = instance_prices(ctx, raw, Platform::Windows);
    let per_source = transfer_by_source(ctx, raw, transfer);
    let time_based = time_based_prices(ctx, raw);
    let defaults = RegionPrices {
        instance_usd_per_hour: instance,
        windows_instance_usd_per_hour: windows,
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
        for (table, map, own) in [
            (
                "instance_usd_per_hour",
                &mut at.instance_usd_per_hour,
                &own.instance_usd_per_hour,
            ),
            (
                "windows_instance_usd_per_hour",
                &mut at.windows_instance_usd_per_hour,
                &own.windows_instance_usd_per_hour,
            ),
        ] {
            for (t, v) in own {
                let x = price(ctx, Some(v), &format!("{path}.{table}.\"{t}\""), 0.0);
                map.insert(t.clone(), x);
            }
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

/// The instance-price table of `platform`: its key and its sourced defaults.
fn instance_table(platform: Platform) -> (&'static str, &'static [(&'static str, f64)]) {
    match platform {
        Platform::Linux => ("instance_usd_per_hour", facts::INSTANCE_USD_PER_HOUR),
        Platform::Windows => (
            "windows_instance_usd_per_hour",
            facts::WINDOWS_INSTANCE_USD_PER_HOUR,
        ),
    }
}

fn instance_field(r: &RawCost, platform: Platform) -> &BTreeMap<String, Spanned<f64>> {
    match platform {
        Platform::Linux => &r.instance_usd_per_hour,
        Platform::Windows => &r.windows_instance_usd_per_hour,
    }
}

/// Instance prices per hour on `platform`: the facts' types, then `[cost]`'s.
fn instance_prices(
    ctx: &mut Ctx<'_>,
    raw: Option<&RawCost>,
    platform: Platform,
) -> BTreeMap<String, f64> {
    let (key, known) = instance_table(platform);
    let mut instance: BTreeMap<String, f64> =
        known.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    for (k, v) in raw
        .map(|r| instance_field(r, platform))
        .into_iter()
        .flatten()
    {
        let x = price(ctx, Some(v), &format!("cost.{key}.\"{k}\""), 0.0);
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
