//! `amisim prices`: AWS's Price List offer files (the bulk `AmazonEC2`
//! files, which hold EBS too, as JSON or CSV) read into the `[cost]` table
//! a scenario includes with `[cost] prices = "prices.toml"`.
//!
//! Read: on-demand prices of shared-tenancy instances with no pre-installed
//! software (Linux, and Windows with its licence included), gp3 volumes,
//! and snapshot storage in the standard and archive tiers, each by Region
//! (`regionCode`). The shapes are those of AWS's Billing user guide,
//! "Reading the service price list file for an AWS service"
//! (docs/sources.md#price-list).

mod csv_offer;
mod json_offer;
mod table;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub(crate) use table::{Selection, table};

use crate::diag::Diagnostic;
use crate::pipeline::config::Platform;

/// What a price is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Product {
    /// An instance hour of a type on a platform.
    Instance(Platform, String),
    /// A gp3 volume, per GB-month.
    Gp3Volume,
    /// Snapshot storage in the standard tier, per GB-month.
    Snapshot,
    /// Snapshot storage in the archive tier, per GB-month.
    SnapshotArchive,
}

/// One on-demand price of an offer file.
#[derive(Debug, Clone)]
pub(crate) struct Price {
    /// The Region's code, e.g. `us-east-1`.
    pub region: String,
    /// What it prices.
    pub product: Product,
    /// US dollars per unit.
    pub usd: f64,
    /// The product's SKU, to name it when two prices disagree.
    pub sku: String,
}

/// What one offer file held.
#[derive(Debug, Default)]
pub(crate) struct Offer {
    /// The file.
    pub file: PathBuf,
    /// The offer's `offerCode`, `version` and `publicationDate`, where given.
    pub about: Vec<(String, String)>,
    /// Its prices amisim uses.
    pub prices: Vec<Price>,
    /// Products of a kind amisim uses left out because they name no Region code.
    pub without_region: usize,
}

/// A product's attributes, as the offer files spell them (JSON names; the
/// CSV's columns are mapped onto them).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attrs {
    pub region_code: Option<String>,
    pub instance_type: Option<String>,
    pub operating_system: Option<String>,
    pub tenancy: Option<String>,
    pub pre_installed_sw: Option<String>,
    #[serde(rename = "capacitystatus")]
    pub capacity_status: Option<String>,
    pub license_model: Option<String>,
    #[serde(rename = "usagetype")]
    pub usage_type: Option<String>,
    pub volume_api_name: Option<String>,
    pub operation: Option<String>,
    #[serde(rename = "marketoption")]
    pub market_option: Option<String>,
}

/// What a product of `family` with `a` is priced as, if amisim uses it.
pub(crate) fn classify(family: &str, a: &Attrs) -> Option<Product> {
    let is =
        |v: &Option<String>, want: &str| v.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want));
    // Absent in older files: then not a reason to leave the row out.
    let is_or_absent = |v: &Option<String>, want: &str| v.is_none() || is(v, want);
    let usage = a.usage_type.as_deref().unwrap_or("");
    match family {
        "Compute Instance" => {
            let plain = is(&a.tenancy, "Shared")
                && is(&a.pre_installed_sw, "NA")
                && is_or_absent(&a.capacity_status, "Used")
                && is_or_absent(&a.market_option, "OnDemand");
            let platform =
                if is(&a.operating_system, "Linux") && is_or_absent(&a.operation, "RunInstances") {
                    Platform::Linux
                } else if is(&a.operating_system, "Windows")
                    && is_or_absent(&a.license_model, "License Included")
                    && is_or_absent(&a.operation, "RunInstances:0002")
                {
                    Platform::Windows
                } else {
                    return None;
                };
            let t = a.instance_type.clone()?;
            plain.then_some(Product::Instance(platform, t))
        }
        "Storage" if is(&a.volume_api_name, "gp3") || usage.ends_with("EBS:VolumeUsage.gp3") => {
            Some(Product::Gp3Volume)
        }
        "Storage Snapshot" if usage.ends_with("EBS:SnapshotUsage") => Some(Product::Snapshot),
        "Storage Snapshot" if usage.ends_with("EBS:SnapshotArchiveStorage") => {
            Some(Product::SnapshotArchive)
        }
        _ => None,
    }
}

/// The unit each product's price must be in.
pub(crate) fn unit_of(p: &Product) -> &'static str {
    match p {
        Product::Instance(..) => "Hrs",
        _ => "GB-Mo",
    }
}

/// Reads one offer file, JSON or CSV (decided by its first character).
pub(crate) fn read(file: &Path) -> Result<Offer, Diagnostic> {
    let cannot = |e: std::io::Error| {
        Diagnostic::new(
            format!("cannot read it: {e}"),
            "give an offer file downloaded from AWS's price list (…/offers/v1.0/aws/AmazonEC2/current/REGION/index.json or index.csv)",
        )
        .at(file, (0, 0), "")
    };
    let f = std::fs::File::open(file).map_err(cannot)?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let first = {
        use std::io::BufRead as _;
        let buf = r.fill_buf().map_err(cannot)?;
        buf.iter().copied().find(|b| !b.is_ascii_whitespace())
    };
    let mut offer = match first {
        Some(b'{' | b'[') => json_offer::read(file, r)?,
        Some(_) => csv_offer::read(file, r)?,
        None => {
            return Err(Diagnostic::new(
                "is empty",
                "download the offer file again; an EC2 offer file holds products and their terms",
            )
            .at(file, (0, 0), ""));
        }
    };
    offer.file = file.to_path_buf();
    Ok(offer)
}

/// A price as the files write it (`"0.0960000000"`), if it is one.
pub(crate) fn usd(s: &str) -> Option<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
}
