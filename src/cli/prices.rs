//! `amisim prices`: AWS's Price List offer files into a `[cost]` table.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, input, new_output, usage, write_whole};
use crate::pipeline::config::PipelineKind;
use crate::pricelist::{self, Selection};

/// `amisim prices`
#[derive(Debug, Args)]
pub struct PricesArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// AWS's Price List offer files for AmazonEC2 (which holds EBS too), JSON or CSV, as downloaded
    /// (e.g. https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Keep only the Regions and instance types (with their platforms) this scenario uses.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Keep only this Region (repeatable; adds to the scenario's).
    #[arg(long = "region", value_name = "CODE")]
    pub regions: Vec<String>,
    /// Keep only this instance type, Linux and Windows (repeatable; adds to the scenario's).
    #[arg(long = "instance-type", value_name = "TYPE")]
    pub instance_types: Vec<String>,
    /// Write the table here instead of standard output.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Replace the `-o` file if it exists (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// Scenario loading options (set by the top-level flags).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

pub(super) fn prices(a: &PricesArgs) -> Result<(), CliError> {
    if let Some(out) = &a.out {
        let read: Vec<PathBuf> = a.files.iter().chain(&a.scenario).cloned().collect();
        new_output(out, &read, a.force)?;
    }
    let sel = selection(a)?;
    let mut offers = Vec::new();
    for f in &a.files {
        let o = pricelist::read(f).map_err(|e| input(&e))?;
        if !a.quiet {
            eprintln!(
                "read {}: {} price{} amisim uses{}",
                f.display(),
                o.prices.len(),
                if o.prices.len() == 1 { "" } else { "s" },
                if o.without_region > 0 {
                    format!(" ({} left out: no Region code)", o.without_region)
                } else {
                    String::new()
                }
            );
        }
        offers.push(o);
    }
    let table = pricelist::table(&offers, &sel).map_err(|e| input(&e))?;
    for m in &table.missing {
        eprintln!("warning: {m}: amisim's defaults (us-east-1's) stand there");
    }
    if table.is_empty() {
        return Err(usage(
            "no price of the Regions and instance types asked for is in these files; nothing was written",
        ));
    }
    let text = table.to_toml();
    match &a.out {
        None => std::io::stdout().write_all(text.as_bytes())?,
        Some(out) => {
            write_whole(out, text.as_bytes())?;
            if a.quiet {
                return Ok(());
            }
            let name = out.file_name().map_or(out.display().to_string(), |n| {
                n.to_string_lossy().into_owned()
            });
            eprintln!(
                "wrote {} ({} prices, {}); a scenario in the same directory uses it with [cost] prices = \"{name}\"",
                out.display(),
                table.len(),
                table.regions().collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(())
}

/// The Regions and instance types asked for: the scenario's and the flags'.
fn selection(a: &PricesArgs) -> Result<Selection, CliError> {
    use crate::pipeline::config::Platform;
    let mut sel = Selection {
        regions: a.regions.clone(),
        instance_types: Vec::new(),
    };
    for t in &a.instance_types {
        for p in [Platform::Linux, Platform::Windows] {
            sel.instance_types.push((p, t.clone()));
        }
    }
    if let Some(path) = &a.scenario {
        // The prices file it names may be the one being written.
        let load = crate::scenario::LoadOptions {
            without_prices_file: true,
            ..a.load
        };
        let scn = crate::scenario::load(path, &load).map_err(CliError::Scenario)?;
        sel.regions.extend(scn.world.regions.iter().cloned());
        for p in &scn.world.pipelines {
            if let PipelineKind::Build {
                builder_instance_type,
                test_instance_type,
            } = &p.kind
            {
                sel.instance_types
                    .push((p.platform, builder_instance_type.clone()));
                sel.instance_types
                    .push((p.platform, test_instance_type.clone()));
            }
        }
    }
    sel.regions.sort();
    sel.regions.dedup();
    sel.instance_types.sort();
    sel.instance_types.dedup();
    Ok(sel)
}
