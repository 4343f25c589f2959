//! The data each volume holds (`describe-images`, `describe-snapshots`)
//! and the lifecycle policies that select a pipeline's recipe.

use std::collections::BTreeMap;

use super::{Resource, ResourceKind};
use crate::import::json::{Reader, join};
use crate::import::{ImportError, Toml, Val, Warning, quoted};
use crate::sources::ec2;
use crate::sources::imagebuilder::{LifecyclePolicy, PolicyDetail};

/// The data written on each device of the built image: `describe-images`
/// gives each device's snapshot, `describe-snapshots` its full size.
pub(crate) fn data_sizes(
    docs: &mut [Resource<'_>],
) -> Result<BTreeMap<String, (f64, String)>, ImportError> {
    let mut snap_of: Vec<(String, String)> = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == ResourceKind::Images) {
        let images: Vec<ec2::Image> = d.typed()?;
        for (dev, snap) in images.iter().take(1).flat_map(ec2::Image::snapshots) {
            snap_of.push((dev.to_string(), snap.to_string()));
        }
    }
    let mut out = BTreeMap::new();
    for d in docs
        .iter_mut()
        .filter(|d| d.kind == ResourceKind::Snapshots)
    {
        let snaps: Vec<ec2::SnapshotSize> = d.typed()?;
        for (i, sn) in snaps.iter().enumerate() {
            let (Some(id), Some(bytes)) = (&sn.snapshot_id, sn.full_snapshot_size_in_bytes) else {
                continue;
            };
            if let Some((dev, _)) = snap_of.iter().find(|(_, s)| s == id) {
                let gib = (ec2::gib(bytes) * 1000.0).round() / 1000.0;
                let field = join(&format!("{}[{i}]", d.base), "FullSnapshotSizeInBytes");
                out.insert(
                    dev.clone(),
                    (gib, format!("{field} (the snapshot of {dev})")),
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
        let policy: LifecyclePolicy = d.typed()?;
        if applies(d, &policy, recipe, warnings) {
            for (i, pd) in policy.policy_details.iter().flatten().enumerate() {
                let pbase = format!("{}[{i}]", join(d.base, "policyDetails"));
                detail((&d.reader, &pbase), pd, &mut keys, warnings);
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
    d: &Resource<'_>,
    policy: &LifecyclePolicy,
    recipe: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> bool {
    let recipes = policy
        .resource_selection
        .iter()
        .flat_map(|s| s.recipes.iter().flatten());
    let selects = recipes.into_iter().any(|r| r.name.as_deref() == recipe);
    let why = if !selects {
        (
            join(d.base, "resourceSelection"),
            "the policy does not select the pipeline's recipe by name (tag selection is not modelled): left out",
        )
    } else if policy.status.as_deref() == Some("DISABLED") {
        (join(d.base, "status"), "the policy is DISABLED: left out")
    } else {
        return true;
    };
    warnings.push(Warning {
        file: d.reader.file(),
        field: why.0,
        what: crate::import::What::Assumed(why.1.into()),
    });
    false
}

/// One policy detail (an action on a filter, at `pbase` in `r`'s file)
/// as lifecycle keys.
fn detail(
    (r, pbase): (&Reader<'_>, &str),
    pd: &PolicyDetail,
    keys: &mut Vec<(String, Val, String)>,
    warnings: &mut Vec<Warning>,
) {
    let action = pd.action.as_ref().and_then(|a| a.kind.as_deref());
    let Some(f) = &pd.filter else {
        return;
    };
    let fbase = join(pbase, "filter");
    let (ftype, unit) = (f.kind.as_deref(), f.unit.as_deref());
    let value = f.value.unwrap_or(1);
    let age = quoted(&age(value, unit));
    let from = format!("{fbase} ({} {})", value, unit.unwrap_or(""));
    match (action, ftype) {
        (Some("DELETE"), Some("COUNT")) => {
            keys.push(("keep_last".into(), value.into(), join(&fbase, "value")))
        }
        (Some("DELETE"), _) => {
            keys.push(("max_age".into(), age, from));
            if let Some(n) = f.retain_at_least {
                let at = join(&fbase, "retainAtLeast");
                keys.push(("keep_at_least".into(), n.into(), at));
            }
        }
        (Some("DEPRECATE"), Some("AGE")) => keys.push(("deprecate_after".into(), age, from)),
        (Some("DISABLE"), Some("AGE")) => keys.push(("disable_after".into(), age, from)),
        _ => warnings.push(Warning {
            file: r.file(),
            field: pbase.to_string(),
            what: crate::import::What::Assumed(format!(
                "{} by {}: no counterpart in amisim; left out",
                action.unwrap_or("?"),
                ftype.unwrap_or("?")
            )),
        }),
    }
    if matches!(unit, Some("MONTHS" | "YEARS")) {
        warnings.push(Warning {
            file: r.file(),
            field: join(&fbase, "unit"),
            what: crate::import::What::Assumed("months and years taken as 30 and 365 days".into()),
        });
    }
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
