//! A container image pipeline: its container recipe (`get-container-recipe`,
//! CloudFormation's `AWS::ImageBuilder::ContainerRecipe`, Terraform's
//! `aws_imagebuilder_container_recipe`), the container settings of its
//! distribution, and the ECR replication rules of its registry (`aws ecr
//! describe-registry`, `AWS::ECR::ReplicationConfiguration`,
//! `aws_ecr_replication_configuration`), as an `image_type = "container"`
//! pipeline.

use std::collections::BTreeMap;

use serde_json::Value;

use super::head::{Head, Schedule};
use super::recipe::Recipe;
use super::{Resource, ResourceKind};
use crate::import::components::Stages;
use crate::import::directory::DirectoryDraft;
use crate::import::json::{Reader, join};
use crate::import::{ImportError, Toml, Warning, quoted, strings};
use crate::sources::imagebuilder::{self as ib, ImagePipeline};

/// What a container pipeline's documents said.
pub(super) struct Container {
    pub(super) head: Head,
    pub(super) schedule: Schedule,
    pub(super) recipe: Recipe,
    pub(super) instance_type: Option<(String, String)>,
    /// Regions with container distribution settings, with their field.
    pub(super) regions: Vec<(String, String)>,
    /// DistributeContainerImage's time-out, minutes, with its field.
    pub(super) timeout: Option<(u64, String)>,
    /// Replication rules.
    pub(super) rules: Vec<Rule>,
}

/// A replication rule: Regions and account names, with their field.
pub(super) type Rule = (Vec<String>, Vec<String>, String);

/// Reads container pipeline `pi` with its recipe `ri` and, where given,
/// its infrastructure and distribution.
pub(super) fn read(
    docs: &mut [Resource<'_>],
    doc: &ImagePipeline,
    (pi, ri, infra_i, dist_i): (usize, usize, Option<usize>, Option<usize>),
    stages: &BTreeMap<String, Stages>,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Container, ImportError> {
    let recipe_name = docs[ri]
        .body
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let head = super::head::head(&docs[pi], doc, recipe_name, dir, warnings)?;
    let schedule = super::head::schedule(&docs[pi], doc, warnings);
    for (key, _, from) in &schedule.optional_steps {
        // Metadata collection off matches a container's build, which has none.
        if *key == "image_scanning" {
            warnings.push(Warning {
                file: docs[pi].reader.file(),
                field: from.clone(),
                what: crate::import::What::Assumed(
                    "image scanning of a container image is not modelled: not written".into(),
                ),
            });
        }
    }
    let place = (head.owner_id.as_str(), head.build_region.as_str(), None);
    let recipe = super::recipe::recipe(&mut docs[ri], place, stages, dir, warnings)?;
    container_fields(&mut docs[ri], warnings)?;
    let instance_type = match infra_i {
        Some(ii) => super::distribution::instance_type(&mut docs[ii], warnings)?,
        None => None,
    };
    let (regions, timeout) = match dist_i {
        Some(di) => container_regions(&mut docs[di], &head.build_region)?,
        None => (Vec::new(), None),
    };
    for (r, _) in &regions {
        dir.region(r);
    }
    let rules = replication(docs, &head, dir, warnings)?;
    Ok(Container {
        head,
        schedule,
        recipe,
        instance_type,
        regions,
        timeout,
        rules,
    })
}

/// The container recipe's own fields: read, and its key warned (it
/// encrypts the Dockerfile template only).
fn container_fields(r: &mut Resource<'_>, warnings: &mut Vec<Warning>) -> Result<(), ImportError> {
    let c: ib::ContainerRecipe = r.typed()?;
    if c.kms_key_id.is_some() {
        warnings.push(Warning { file: r.reader.file(), field: join(r.base, "kmsKeyId"), what: crate::import::What::Assumed("a container recipe's key encrypts its Dockerfile template, not the image (ECR encrypts the image with the repository's setting): not written".into()) });
    }
    Ok(())
}

/// The Regions of a distribution configuration with container settings,
/// and its time-out.
type Regions = (Vec<(String, String)>, Option<(u64, String)>);

fn container_regions(d: &mut Resource<'_>, build: &str) -> Result<Regions, ImportError> {
    let doc: ib::ContainerDistributionConfiguration = d.typed()?;
    let timeout = doc
        .timeout_minutes
        .map(|m| (m, join(d.base, "timeoutMinutes")));
    let mut out = Vec::new();
    for (i, e) in doc.distributions.iter().flatten().enumerate() {
        if e.container_distribution_configuration.is_none() {
            continue;
        }
        if let Some(r) = e.region.as_ref().filter(|r| *r != build) {
            let at = join(d.base, &format!("distributions[{i}].region"));
            out.push((r.clone(), at));
        }
    }
    Ok((out, timeout))
}

/// The key a document gives a list under: `plural`, or the singular a
/// Terraform block has.
fn list_key<'k>(v: Option<&serde_json::Value>, plural: &'k str, singular: &'k str) -> &'k str {
    match v.and_then(|v| v.get(singular)) {
        Some(_) => singular,
        None => plural,
    }
}

/// Each replication rule of the registry documents: its destination
/// Regions and accounts (a rule's destinations read as every Region ×
/// account of it, said when that is more than it lists).
fn replication(
    docs: &mut [Resource<'_>],
    head: &Head,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Rule>, ImportError> {
    let mut out = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == ResourceKind::Registry) {
        let registry: ib::Registry = d.typed()?;
        let Some(conf) = registry.replication_configuration else {
            continue;
        };
        let raw = d.body.get("replicationConfiguration");
        let (conf_at, raw) = match raw.and_then(serde_json::Value::as_array) {
            Some(a) => ("replicationConfiguration[0]", a.first()),
            None => ("replicationConfiguration", raw),
        };
        let rules_key = list_key(raw, "rules", "rule");
        for (i, rule) in conf.rules.iter().flatten().enumerate() {
            let raw_rule = raw.and_then(|r| r.get(rules_key)).and_then(|r| r.get(i));
            let key = list_key(raw_rule, "destinations", "destination");
            let at = join(d.base, &format!("{conf_at}.{rules_key}[{i}].{key}"));
            let dests = rule.destinations.iter().flatten();
            out.push(rule_destinations(
                &d.reader, dests, &at, head, dir, warnings,
            ));
        }
        warnings.push(Warning { file: d.reader.file(), field: join(d.base, "replicationConfiguration"), what: crate::import::What::Assumed(format!("the registry's Region is not in the document: its rules replicate from the build Region ({})", head.build_region)) });
    }
    Ok(out)
}

/// One rule's destination Regions and accounts (`dests`, at `at` in
/// `r`'s file), with the field they come from.
fn rule_destinations<'a>(
    r: &Reader<'_>,
    dests: impl Iterator<Item = &'a ib::ReplicationDestination>,
    at: &str,
    head: &Head,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Rule {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for dest in dests {
        let region = dest.region.as_deref().unwrap_or(&head.build_region);
        let id = dest.registry_id.as_deref().unwrap_or(&head.owner_id);
        dir.region(region);
        pairs.push((region.to_string(), dir.account(id)));
    }
    let mut regions: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
    let mut accounts: Vec<String> = pairs.iter().map(|p| p.1.clone()).collect();
    regions.sort();
    regions.dedup();
    accounts.sort();
    accounts.dedup();
    if regions.len() * accounts.len() > pairs.len() {
        warnings.push(Warning {
            file: r.file(),
            field: at.to_string(),
            what: crate::import::What::Assumed(format!(
                "read as every Region × account of the rule: {} destinations where it lists {}",
                regions.len() * accounts.len(),
                pairs.len()
            )),
        });
    }
    (regions, accounts, format!("{at}[]"))
}

/// Writes the container pipeline.
pub(super) fn emit(out: &mut Toml, c: &Container) {
    let h = &c.head;
    super::emit::head_keys(out, h);
    out.set(
        "image_type",
        quoted("container"),
        "containerRecipeArn (a container recipe)",
    );
    if let Some((t, from)) = &c.instance_type {
        out.set("builder_instance_type", quoted(t), from.clone());
    }
    if let Some((m, from)) = &c.timeout {
        out.set(
            "distribution_timeout",
            quoted(&format!("{m}m")),
            from.clone(),
        );
    }
    if let Some(from) = &c.schedule.tests_off_from {
        out.set("tests_enabled", false, format!("{from} (no test phase)"));
    }
    if !c.regions.is_empty() {
        let names: Vec<String> = c.regions.iter().map(|r| r.0.clone()).collect();
        out.set(
            "destinations",
            strings(&names),
            c.regions[0].1.replace("[0].region", "[].region"),
        );
    }
    out.table(&["pipeline", "container"]);
    out.set(
        "image_gib",
        0.5,
        "assumed: no document gives the image's size (ECR's describe-images imageSizeInBytes does)",
    );
    for (regions, accounts, from) in &c.rules {
        out.tables(&["pipeline", "replication"]);
        out.set("regions", strings(regions), format!("{from}.region"));
        out.set("accounts", strings(accounts), format!("{from}.registryId"));
    }
    let assumed = "assumed: not in the recipe; measure with `amisim fit`";
    for (n, is_test, _, from, _) in &c.recipe.components {
        if *is_test && !c.schedule.tests_enabled {
            continue;
        }
        out.tables(if *is_test {
            &["pipeline", "test"]
        } else {
            &["pipeline", "component"]
        });
        out.set("name", quoted(n), from.clone());
        out.set(
            "duration",
            quoted(if *is_test { "5m" } else { "10m" }),
            assumed,
        );
    }
    out.table(&["pipeline", "schedule"]);
    for (k, v, from) in &c.schedule.entries {
        out.set(k, v.clone(), from.clone());
    }
    if c.schedule.dependency_updates {
        super::emit::update_sources(out, &c.recipe, &c.schedule);
    }
}
