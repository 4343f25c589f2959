//! One pipeline's tables, from what its documents said.

use std::collections::BTreeMap;

use super::distribution::Distribution;
use super::head::{Head, Schedule};
use super::recipe::Recipe;
use crate::import::directory::takes_updates;
use crate::import::{Sharing, Toml, quoted, strings, volume};

/// Everything a pipeline's documents said.
pub(super) struct Pipeline {
    pub(super) head: Head,
    pub(super) schedule: Schedule,
    pub(super) recipe: Recipe,
    pub(super) instance_type: Option<(String, String)>,
    pub(super) distribution: Distribution,
    /// The key of the image in the build Region, and its field.
    pub(super) key_of_build: Option<(String, String)>,
}

/// Writes the pipeline; `data` is the data written on each device, from
/// `describe-images` and `describe-snapshots`, where given.
pub(super) fn pipeline(out: &mut Toml, p: &Pipeline, data: &BTreeMap<String, (f64, String)>) {
    table(out, p);
    steps(out, p, data);
    out.table(&["pipeline", "schedule"]);
    for (k, v, from) in &p.schedule.entries {
        out.set(k, v.clone(), from.clone());
    }
    if p.schedule.dependency_updates {
        update_sources(out, &p.recipe, &p.schedule);
    }
    distributions(out, p);
}

/// A `[[pipeline]]` table's first keys: its name, tool, owner and Region.
pub(super) fn head_keys(out: &mut Toml, h: &Head) {
    out.tables(&["pipeline"]);
    out.set("name", quoted(&h.name), h.name_from.clone());
    out.set(
        "tool",
        quoted("image_builder"),
        "the document kind (Image Builder)",
    );
    out.set("account", quoted(&h.owner), h.from_arn.clone());
    out.set("region", quoted(&h.build_region), h.from_arn.clone());
}

/// The `[[pipeline]]` table's own keys.
fn table(out: &mut Toml, p: &Pipeline) {
    let (h, r) = (&p.head, &p.recipe);
    head_keys(out, h);
    match (&h.platform, &r.platform) {
        (Some((pl, from)), _) | (None, Some((pl, from))) => {
            out.set("platform", quoted(pl), from.clone())
        }
        (None, None) if r.base_owner.1.contains("parentImage") && r.windows_parent => {
            out.set(
                "platform",
                quoted("windows"),
                format!("{} (a Windows image)", r.base_owner.1),
            );
        }
        _ => {}
    }
    out.set(
        "base_image_owner",
        quoted(&r.base_owner.0),
        r.base_owner.1.clone(),
    );
    match &p.key_of_build {
        Some((k, from)) => out.set("kms_key", quoted(k), from.clone()),
        None if r.encrypted => out.set(
            "kms_key",
            quoted("aws/ebs"),
            "blockDeviceMappings[].ebs.encrypted without a key: the default EBS key",
        ),
        None => {}
    }
    if let Some((t, from)) = &p.instance_type {
        out.set("builder_instance_type", quoted(t), from.clone());
    }
    if let Some(from) = &p.schedule.tests_off_from {
        out.set("tests_enabled", false, format!("{from} (no test phase)"));
    }
    for (key, value, from) in &p.schedule.optional_steps {
        out.set(key, value.clone(), from.clone());
    }
    if let Some((m, from)) = &p.distribution.timeout {
        out.set(
            "distribution_timeout",
            quoted(&format!("{m}m")),
            from.clone(),
        );
    }
}

/// The volumes, the build components and the tests.
fn steps(out: &mut Toml, p: &Pipeline, data: &BTreeMap<String, (f64, String)>) {
    for (device, size, from) in &p.recipe.volumes {
        let held = data.get(device).cloned().unwrap_or((
            *size as f64 / 2.0,
            "assumed: half the volume (give describe-images and describe-snapshots JSON for the data written)".into(),
        ));
        volume(
            out,
            device,
            *size,
            from,
            from.replace(".ebs.volumeSize", ".deviceName"),
            held,
        );
    }
    let assumed = "assumed: not in the recipe; measure with `amisim fit`";
    for (n, _, _, from, _) in p.recipe.components.iter().filter(|c| !c.1) {
        out.tables(&["pipeline", "component"]);
        out.set("name", quoted(n), from.clone());
        out.set("duration", quoted("10m"), assumed);
    }
    if p.schedule.tests_enabled {
        for (n, _, _, from, _) in p.recipe.components.iter().filter(|c| c.1) {
            out.tables(&["pipeline", "test"]);
            out.set("name", quoted(n), from.clone());
            out.set("duration", quoted("5m"), assumed);
        }
    }
}

/// The parent image and each component as update sources (their release
/// rates assumed).
pub(super) fn update_sources(out: &mut Toml, recipe: &Recipe, schedule: &Schedule) {
    let assumed = "assumed: releases are not in the documents; set from your history";
    out.tables(&["pipeline", "update_source"]);
    out.set("of", quoted("base_image"), recipe.base_owner.1.clone());
    out.set("mean_interval", quoted("14d"), assumed);
    out.set(
        "matches_filter",
        recipe.base_updates,
        "the parent image's version filter",
    );
    for (n, is_test, version, from, phase) in &recipe.components {
        if (*is_test && !schedule.tests_enabled) || *phase {
            continue;
        }
        out.tables(&["pipeline", "update_source"]);
        out.set("of", quoted(n), from.clone());
        out.set("mean_interval", quoted("30d"), assumed);
        out.set(
            "matches_filter",
            takes_updates(version.as_deref()),
            format!("{from} (version {})", version.as_deref().unwrap_or("none")),
        );
    }
}

/// Each Region the image is copied to or shared in.
fn distributions(out: &mut Toml, p: &Pipeline) {
    let build_region = &p.head.build_region;
    for d in &p.distribution.dists {
        let shares = d.public || !d.accounts.is_empty() || !d.orgs.is_empty() || !d.ous.is_empty();
        if d.region == *build_region && !shares {
            continue; // the image is there already; its key is the pipeline's
        }
        out.tables(&["pipeline", "distribution"]);
        out.set("region", quoted(&d.region), d.from.clone());
        if d.region != *build_region
            && let Some((k, from)) = &d.kms
        {
            out.set("kms_key", quoted(k), from.clone());
        }
        if !d.targets.is_empty() {
            let from = d
                .from
                .replace(".region", ".amiDistributionConfiguration.targetAccountIds");
            out.set("target_accounts", strings(&d.targets), from);
        }
        let sharing = Sharing {
            accounts: &d.accounts,
            organizations: &d.orgs,
            ous: &d.ous,
            public: d.public,
        };
        if let Some(v) = sharing.value() {
            let from = d
                .from
                .replace(".region", ".amiDistributionConfiguration.launchPermission");
            out.set("launch_permission", v, from);
        }
    }
}
