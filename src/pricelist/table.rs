//! The prices a scenario needs, picked from the offers read, and written
//! as the `[cost]` table `[cost] prices = "…"` includes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Offer, Product};
use crate::diag::Diagnostic;
use crate::pipeline::config::Platform;

/// Which prices to keep: empty lists keep every one found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Region codes.
    pub regions: Vec<String>,
    /// Instance types, with the platforms each runs (a scenario's pipelines).
    pub instance_types: Vec<(Platform, String)>,
}

/// One price and where it came from.
#[derive(Debug, Clone, PartialEq)]
struct Source {
    usd: f64,
    sku: String,
    file: usize,
}

/// The prices kept, by Region and product.
#[derive(Debug, Default)]
pub(crate) struct Table {
    prices: BTreeMap<String, BTreeMap<Product, Source>>,
    files: Vec<String>,
    abouts: Vec<String>,
    /// What the selection asks for that no offer prices, one line each.
    pub missing: Vec<String>,
}

/// The prices `sel` asks for from `offers`; refused if two disagree.
pub(crate) fn table(offers: &[Offer], sel: &Selection) -> Result<Table, Diagnostic> {
    let mut t = Table::default();
    for (fi, o) in offers.iter().enumerate() {
        t.files.push(o.file.display().to_string());
        let about: Vec<String> = o.about.iter().map(|(k, v)| format!("{k} {v}")).collect();
        t.abouts.push(about.join(", "));
        for p in o
            .prices
            .iter()
            .filter(|p| wanted(sel, &p.region, &p.product))
        {
            let src = Source {
                usd: p.usd,
                sku: p.sku.clone(),
                file: fi,
            };
            let at = t.prices.entry(p.region.clone()).or_default();
            match at.get(&p.product) {
                None => {
                    at.insert(p.product.clone(), src);
                }
                Some(old) if old.usd == src.usd => {}
                Some(old) => return Err(conflict(offers, &p.region, &p.product, old, &src)),
            }
        }
    }
    t.missing = missing(&t, sel);
    Ok(t)
}

fn wanted(sel: &Selection, region: &str, p: &Product) -> bool {
    let region_ok = sel.regions.is_empty() || sel.regions.iter().any(|r| r == region);
    let type_ok = match p {
        Product::Instance(platform, t) => {
            sel.instance_types.is_empty()
                || sel
                    .instance_types
                    .iter()
                    .any(|(pl, x)| pl == platform && x == t)
        }
        _ => true,
    };
    region_ok && type_ok
}

fn conflict(offers: &[Offer], region: &str, p: &Product, a: &Source, b: &Source) -> Diagnostic {
    let file = &offers[b.file].file;
    Diagnostic::new(
        format!(
            "two on-demand prices for {} in {region}: ${} (SKU {}, {}) and ${} (SKU {})",
            label(p),
            a.usd,
            a.sku,
            offers[a.file].file.display(),
            b.usd,
            b.sku
        ),
        "give offer files of one publication (the current ones of one offer); amisim takes no side",
    )
    .at(file, (0, 0), "")
}

fn label(p: &Product) -> String {
    match p {
        Product::Instance(Platform::Linux, t) => format!("{t} (Linux)"),
        Product::Instance(Platform::Windows, t) => format!("{t} (Windows)"),
        Product::Gp3Volume => "gp3 volumes".into(),
        Product::Snapshot => "snapshot storage".into(),
        Product::SnapshotArchive => "archived snapshot storage".into(),
    }
}

/// What the selection asks for that no offer priced.
fn missing(t: &Table, sel: &Selection) -> Vec<String> {
    let mut out = Vec::new();
    for r in &sel.regions {
        let Some(at) = t.prices.get(r) else {
            out.push(format!(
                "{r}: no price at all (no offer file of that Region?)"
            ));
            continue;
        };
        let mut want: Vec<Product> = vec![
            Product::Gp3Volume,
            Product::Snapshot,
            Product::SnapshotArchive,
        ];
        want.extend(
            sel.instance_types
                .iter()
                .map(|(pl, x)| Product::Instance(*pl, x.clone())),
        );
        let lacking: Vec<String> = want
            .iter()
            .filter(|p| !at.contains_key(p))
            .map(label)
            .collect();
        if !lacking.is_empty() {
            out.push(format!("{r}: no price for {}", lacking.join(", ")));
        }
    }
    out
}

impl Table {
    /// How many prices.
    pub(crate) fn len(&self) -> usize {
        self.prices.values().map(BTreeMap::len).sum()
    }

    /// True if it holds none.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Regions priced.
    pub(crate) fn regions(&self) -> impl Iterator<Item = &str> {
        self.prices.keys().map(String::as_str)
    }

    /// The `[cost]` table, as TOML, with where each figure came from.
    pub(crate) fn to_toml(&self) -> String {
        let mut s = String::new();
        s.push_str("# Prices read by `amisim prices` from AWS's price list (on-demand, shared\n");
        s.push_str("# tenancy, no pre-installed software; Windows with its licence included):\n");
        for (f, about) in self.files.iter().zip(&self.abouts) {
            let _ = writeln!(
                s,
                "#   {f}{}",
                if about.is_empty() {
                    String::new()
                } else {
                    format!(" ({about})")
                }
            );
        }
        s.push_str("# A scenario includes it with `[cost] prices = \"<this file>\"`; its own [cost] values win.\n");
        s.push_str("[cost]\n");
        for (region, at) in &self.prices {
            write_region(&mut s, region, at);
        }
        s
    }
}

fn write_region(s: &mut String, region: &str, at: &BTreeMap<Product, Source>) {
    let q = |x: &str| toml::Value::String(x.to_string()).to_string();
    let _ = writeln!(s, "\n[cost.region.{}]", q(region));
    for (p, key) in [
        (Product::Gp3Volume, "ebs_usd_per_gb_month"),
        (Product::Snapshot, "snapshot_usd_per_gb_month"),
        (
            Product::SnapshotArchive,
            "snapshot_archive_usd_per_gb_month",
        ),
    ] {
        if let Some(src) = at.get(&p) {
            let _ = writeln!(s, "{key} = {:?} # SKU {}", src.usd, src.sku);
        }
    }
    for (platform, table) in [
        (Platform::Linux, "instance_usd_per_hour"),
        (Platform::Windows, "windows_instance_usd_per_hour"),
    ] {
        let rows: Vec<(&String, &Source)> = at
            .iter()
            .filter_map(|(p, src)| match p {
                Product::Instance(pl, t) if *pl == platform => Some((t, src)),
                _ => None,
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n[cost.region.{}.{table}]", q(region));
        for (t, src) in rows {
            let _ = writeln!(s, "{} = {:?} # SKU {}", q(t), src.usd, src.sku);
        }
    }
}
