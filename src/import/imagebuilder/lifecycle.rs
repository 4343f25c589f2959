//! The data each volume holds (`describe-images`, `describe-snapshots`)
//! and the lifecycle policies that select a pipeline's recipe.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Resource, ResourceKind};
use crate::import::json::{Reader, join};
use crate::import::{ImportError, Toml, Val, Warning, quoted};

/// The data written on each device of the built image: `describe-images`
/// gives each device's snapshot, `describe-snapshots` its full size.
pub(crate) fn data_sizes(
    docs: &mut [Resource<'_>],
) -> Result<BTreeMap<String, (f64, String)>, ImportError> {
    let mut snap_of: Vec<(String, String)> = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == ResourceKind::Images) {
        let images = d.body.as_array().map(Vec::as_slice).unwrap_or_default();
        let base = d.base;
        for (i, img) in images.iter().enumerate().take(1) {
            let ibase = format!("{base}[{i}]");
            for (j, m) in d
                .reader
                .array(img, &ibase, "BlockDeviceMappings")?
                .iter()
                .enumerate()
            {
                let mbase = format!("{}[{j}]", join(&ibase, "BlockDeviceMappings"));
                let dev = d.reader.str(m, &mbase, "DeviceName")?.map(str::to_string);
                let snap = m
                    .get("Ebs")
                    .and_then(|e| e.get("SnapshotId"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                d.reader.use_path(&join(&join(&mbase, "Ebs"), "SnapshotId"));
                if let (Some(dev), Some(snap)) = (dev, snap) {
                    snap_of.push((dev, snap));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for d in docs
        .iter_mut()
        .filter(|d| d.kind == ResourceKind::Snapshots)
    {
        let snaps = d.body.as_array().map(Vec::as_slice).unwrap_or_default();
        let base = d.base;
        for (i, sn) in snaps.iter().enumerate() {
            let sbase = format!("{base}[{i}]");
            let id = d.reader.str(sn, &sbase, "SnapshotId")?.map(str::to_string);
            let bytes = d.reader.uint(sn, &sbase, "FullSnapshotSizeInBytes")?;
            if let (Some(id), Some(bytes)) = (id, bytes)
                && let Some((dev, _)) = snap_of.iter().find(|(_, s)| *s == id)
            {
                let gib = (crate::sources::ec2::gib(bytes) * 1000.0).round() / 1000.0;
                out.insert(
                    dev.clone(),
                    (
                        gib,
                        format!(
                            "{} (the snapshot of {dev})",
                            join(&sbase, "FullSnapshotSizeInBytes")
                        ),
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// Lifecycle policies that select the pipeline's recipe.
pub(super) fn lifecycle(
    docs: &mut [Resource<'_>],
    recipe: Option<&str>,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let mut keys: Vec<(String, Val, String)> = Vec::new();
    for d in docs
        .iter_mut()
        .filter(|d| d.kind == ResourceKind::Lifecycle)
    {
        if applies(d, recipe, warnings)? {
            let (b, base) = (d.body, d.base);
            for (i, pd) in d.reader.array(b, base, "policyDetails")?.iter().enumerate() {
                let pbase = format!("{}[{i}]", join(base, "policyDetails"));
                detail(&mut d.reader, pd, &pbase, &mut keys, warnings)?;
            }
        }
    }
    if !keys.is_empty() {
        out.table(&["pipeline", "lifecycle"]);
        for (k, v, from) in keys {
            out.set(&k, v, from);
        }
    }
    Ok(())
}

/// Whether policy `d` applies: it selects the recipe by name and is not
/// disabled (else a warning says why it is left out).
fn applies(
    d: &mut Resource<'_>,
    recipe: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<bool, ImportError> {
    let (b, base) = (d.body, d.base);
    let r = &mut d.reader;
    r.str(b, base, "arn")?;
    r.str(b, base, "name")?;
    let status = r.str(b, base, "status")?.map(str::to_string);
    let mut selects = false;
    if let Some(sel) = r.get(b, base, "resourceSelection") {
        let sbase = join(base, "resourceSelection");
        for (i, rc) in r.array(sel, &sbase, "recipes")?.iter().enumerate() {
            let rbase = format!("{}[{i}]", join(&sbase, "recipes"));
            if r.str(rc, &rbase, "name")? == recipe {
                r.str(rc, &rbase, "semanticVersion")?;
                selects = true;
            }
        }
    }
    let why = if !selects {
        (
            join(base, "resourceSelection"),
            "the policy does not select the pipeline's recipe by name (tag selection is not modelled): left out",
        )
    } else if status.as_deref() == Some("DISABLED") {
        (join(base, "status"), "the policy is DISABLED: left out")
    } else {
        return Ok(true);
    };
    warnings.push(Warning {
        file: r.file(),
        field: why.0,
        what: crate::import::What::Assumed(why.1.into()),
    });
    Ok(false)
}

/// One policy detail (an action on a filter) as lifecycle keys.
fn detail(
    r: &mut Reader<'_>,
    pd: &Value,
    pbase: &str,
    keys: &mut Vec<(String, Val, String)>,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let action = r
        .get(pd, pbase, "action")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .map(str::to_string);
    r.use_path(&join(&join(pbase, "action"), "type"));
    let Some(f) = r.get(pd, pbase, "filter") else {
        return Ok(());
    };
    let fbase = join(pbase, "filter");
    let ftype = r.str(f, &fbase, "type")?.map(str::to_string);
    let value = r.uint(f, &fbase, "value")?.unwrap_or(1);
    let unit = r.str(f, &fbase, "unit")?.map(str::to_string);
    let least = r.uint(f, &fbase, "retainAtLeast")?;
    let age = quoted(&age(value, unit.as_deref()));
    let from = format!("{fbase} ({} {})", value, unit.as_deref().unwrap_or(""));
    match (action.as_deref(), ftype.as_deref()) {
        (Some("DELETE"), Some("COUNT")) => {
            keys.push(("keep_last".into(), value.into(), join(&fbase, "value")))
        }
        (Some("DELETE"), _) => {
            keys.push(("max_age".into(), age, from));
            if let Some(n) = least {
                keys.push((
                    "keep_at_least".into(),
                    n.into(),
                    join(&fbase, "retainAtLeast"),
                ));
            }
        }
        (Some("DEPRECATE"), Some("AGE")) => keys.push(("deprecate_after".into(), age, from)),
        (Some("DISABLE"), Some("AGE")) => keys.push(("disable_after".into(), age, from)),
        _ => warnings.push(Warning {
            file: r.file(),
            field: pbase.to_string(),
            what: crate::import::What::Assumed(format!(
                "{} by {}: no counterpart in amisim; left out",
                action.as_deref().unwrap_or("?"),
                ftype.as_deref().unwrap_or("?")
            )),
        }),
    }
    if matches!(unit.as_deref(), Some("MONTHS" | "YEARS")) {
        warnings.push(Warning {
            file: r.file(),
            field: join(&fbase, "unit"),
            what: crate::import::What::Assumed("months and years taken as 30 and 365 days".into()),
        });
    }
    Ok(())
}

/// A lifecycle age as the scenario writes it (months and years as 30 and
/// 365 days).
fn age(value: u64, unit: Option<&str>) -> String {
    let days = match unit {
        Some("WEEKS") => return format!("{value}w"),
        Some("MONTHS") => value * 30,
        Some("YEARS") => value * 365,
        _ => value,
    };
    format!("{days}d")
}
