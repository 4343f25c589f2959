//! An offer file in CSV: five rows of metadata (`"FormatVersion","v1.0"`,
//! …), then a header row starting with `SKU`, then one row per price with
//! the product's attributes in named columns.

use std::io::Read;
use std::path::Path;

use super::{Attrs, Offer, Price, classify, unit_of, usd};
use crate::diag::Diagnostic;

/// Sets one attribute from its column.
type Set = fn(&mut Attrs, String);

/// The columns read, by the header's names.
struct Columns {
    sku: usize,
    term_type: usize,
    unit: usize,
    price: usize,
    starting_range: Option<usize>,
    family: usize,
    /// (column, setter) for each attribute.
    attrs: Vec<(usize, Set)>,
}

impl Columns {
    fn of(header: &csv::StringRecord) -> Result<Self, String> {
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let need = |name: &str| find(name).ok_or_else(|| format!("has no {name} column"));
        let setters: [(&str, Set); 11] = [
            ("Region Code", |a, v| a.region_code = Some(v)),
            ("Instance Type", |a, v| a.instance_type = Some(v)),
            ("Operating System", |a, v| a.operating_system = Some(v)),
            ("Tenancy", |a, v| a.tenancy = Some(v)),
            ("Pre Installed S/W", |a, v| a.pre_installed_sw = Some(v)),
            ("CapacityStatus", |a, v| a.capacity_status = Some(v)),
            ("License Model", |a, v| a.license_model = Some(v)),
            ("usageType", |a, v| a.usage_type = Some(v)),
            ("Volume API Name", |a, v| a.volume_api_name = Some(v)),
            ("operation", |a, v| a.operation = Some(v)),
            ("MarketOption", |a, v| a.market_option = Some(v)),
        ];
        Ok(Columns {
            sku: need("SKU")?,
            term_type: need("TermType")?,
            unit: need("Unit")?,
            price: need("PricePerUnit")?,
            starting_range: find("StartingRange"),
            family: need("Product Family")?,
            attrs: setters
                .into_iter()
                .filter_map(|(name, set)| Some((find(name)?, set)))
                .collect(),
        })
    }
}

pub(super) fn read(file: &Path, r: impl Read) -> Result<Offer, Diagnostic> {
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    let mut offer = Offer::default();
    let mut columns: Option<Columns> = None;
    let mut rec = csv::StringRecord::new();
    let bad = |line: u64, reason: String| {
        Diagnostic::new(
            reason,
            "give the offer file as AWS publishes it: five rows of metadata, a header row starting with SKU, then the prices",
        )
        .at(file, (line as usize, 0), "")
    };
    loop {
        let line = rows.position().line();
        match rows.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(bad(line, format!("not an offer file's CSV: {e}"))),
        }
        let Some(c) = &columns else {
            // Metadata until the header row.
            if rec.get(0).map(str::trim) == Some("SKU") {
                columns = Some(Columns::of(&rec).map_err(|r| bad(line, r))?);
            } else if let (Some(k), Some(v)) = (rec.get(0), rec.get(1))
                && ["OfferCode", "Version", "Publication Date"].contains(&k.trim())
            {
                offer
                    .about
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            if line > 50 && columns.is_none() {
                return Err(bad(
                    line,
                    "no header row starting with SKU in its first 50 rows".into(),
                ));
            }
            continue;
        };
        row(c, &rec, &mut offer).map_err(|reason| bad(line, reason))?;
    }
    if columns.is_none() {
        return Err(bad(0, "has no header row starting with SKU".into()));
    }
    offer
        .prices
        .sort_by(|a, b| (&a.region, &a.product, &a.sku).cmp(&(&b.region, &b.product, &b.sku)));
    Ok(offer)
}

/// One price row: kept if it is an on-demand first-tier price of a product
/// amisim prices, in the unit amisim bills; a kept row whose price is not
/// a number of dollars is an error (the file is damaged).
fn row(c: &Columns, rec: &csv::StringRecord, offer: &mut Offer) -> Result<(), String> {
    let get = |i: usize| rec.get(i).unwrap_or("").trim();
    if get(c.term_type) != "OnDemand"
        || c.starting_range
            .is_some_and(|i| !matches!(get(i), "" | "0"))
    {
        return Ok(());
    }
    let mut a = Attrs::default();
    for &(i, set) in &c.attrs {
        let v = get(i);
        if !v.is_empty() {
            set(&mut a, v.to_string());
        }
    }
    let Some(product) = classify(get(c.family), &a) else {
        return Ok(());
    };
    if get(c.unit) != unit_of(&product) {
        return Ok(());
    }
    let Some(region) = a.region_code else {
        offer.without_region += 1;
        return Ok(());
    };
    let Some(usd) = usd(get(c.price)) else {
        return Err(format!(
            "PricePerUnit {:?} of SKU {} is not a number of dollars",
            get(c.price),
            get(c.sku)
        ));
    };
    offer.prices.push(Price {
        region,
        product,
        usd,
        sku: get(c.sku).to_string(),
    });
    Ok(())
}
