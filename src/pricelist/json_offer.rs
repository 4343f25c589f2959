//! An offer file in JSON: `products` keyed by SKU, then
//! `terms.OnDemand[SKU][offerTermCode].priceDimensions[rateCode]`. Read as
//! a stream (a Region's EC2 file is hundreds of megabytes): only the
//! products amisim prices and their on-demand terms are kept.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::{Attrs, Offer, Price, Product, classify, unit_of, usd};
use crate::diag::Diagnostic;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonProduct {
    #[serde(default)]
    product_family: String,
    #[serde(default)]
    attributes: Attrs,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonTerm {
    #[serde(default)]
    price_dimensions: HashMap<String, JsonDimension>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonDimension {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    begin_range: Option<String>,
    #[serde(default)]
    price_per_unit: HashMap<String, String>,
}

/// What the stream keeps.
#[derive(Default)]
struct State {
    about: Vec<(String, String)>,
    /// SKU → (Region, product), for the products amisim prices.
    products: HashMap<String, (String, Product)>,
    /// Whether `products` came before `terms` (then terms are filtered).
    products_read: bool,
    /// SKU → (unit, first-tier USD) of its on-demand terms.
    terms: HashMap<String, Vec<(String, f64)>>,
    without_region: usize,
}

pub(super) fn read(file: &Path, r: impl Read) -> Result<Offer, Diagnostic> {
    let mut st = State::default();
    let mut de = serde_json::Deserializer::from_reader(r);
    de.deserialize_map(Top(&mut st))
        .and_then(|()| de.end())
        .map_err(|e| {
            Diagnostic::new(
                format!("not an offer file's JSON: {e}"),
                "give the offer file as AWS publishes it (a JSON object with products and terms), whole",
            )
            .at(file, (e.line(), e.column()), "")
        })?;
    let mut prices = Vec::new();
    for (sku, (region, product)) in st.products {
        let want = unit_of(&product);
        let Some(&(_, usd)) = st
            .terms
            .get(&sku)
            .and_then(|t| t.iter().find(|(u, _)| u == want))
        else {
            continue; // no on-demand price in the unit amisim bills
        };
        prices.push(Price {
            region,
            product,
            usd,
            sku,
        });
    }
    // Hash maps iterate in any order: the output must not.
    prices.sort_by(|a, b| (&a.region, &a.product, &a.sku).cmp(&(&b.region, &b.product, &b.sku)));
    Ok(Offer {
        file: file.to_path_buf(),
        about: st.about,
        prices,
        without_region: st.without_region,
    })
}

struct Top<'a>(&'a mut State);

/// A part of the offer read as a map by its own visitor, in place.
macro_rules! map_seed {
    ($t:ident) => {
        impl<'de> DeserializeSeed<'de> for $t<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_map(self)
            }
        }
    };
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an offer file (a JSON object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "products" => {
                    map.next_value_seed(Products(self.0))?;
                    self.0.products_read = true;
                }
                "terms" => map.next_value_seed(Terms(self.0))?,
                "offerCode" | "version" | "publicationDate" => {
                    let v: String = map.next_value()?;
                    self.0.about.push((key, v));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `products`: each SKU's family and attributes, kept if amisim prices it.
struct Products<'a>(&'a mut State);

map_seed!(Products);

impl<'de> Visitor<'de> for Products<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("products keyed by SKU")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((sku, p)) = map.next_entry::<String, JsonProduct>()? {
            let Some(product) = classify(&p.product_family, &p.attributes) else {
                continue;
            };
            match p.attributes.region_code {
                Some(region) => {
                    self.0.products.insert(sku, (region, product));
                }
                None => self.0.without_region += 1,
            }
        }
        Ok(())
    }
}

/// `terms`: only `OnDemand`.
struct Terms<'a>(&'a mut State);

map_seed!(Terms);

impl<'de> Visitor<'de> for Terms<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("terms by type")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(kind) = map.next_key::<String>()? {
            if kind == "OnDemand" {
                map.next_value_seed(OnDemand(self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `terms.OnDemand`: SKU → offer term code → term.
struct OnDemand<'a>(&'a mut State);

map_seed!(OnDemand);

impl<'de> Visitor<'de> for OnDemand<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("on-demand terms keyed by SKU")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(sku) = map.next_key::<String>()? {
            let st = &mut *self.0;
            if st.products_read && !st.products.contains_key(&sku) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let terms: HashMap<String, JsonTerm> = map.next_value()?;
            let mut dims: Vec<(String, f64)> = Vec::new();
            for t in terms.into_values() {
                for d in t.price_dimensions.into_values() {
                    // The first tier: a tiered price starts at 0.
                    let first = d.begin_range.as_deref().is_none_or(|b| b.trim() == "0");
                    let Some(text) = d.price_per_unit.get("USD") else {
                        continue; // priced in another currency only
                    };
                    let Some(p) = usd(text) else {
                        return Err(serde::de::Error::custom(format!(
                            "the USD price {text:?} of SKU {sku} is not a number of dollars"
                        )));
                    };
                    if first {
                        dims.push((d.unit, p));
                    }
                }
            }
            dims.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            st.terms.insert(sku, dims);
        }
        Ok(())
    }
}
