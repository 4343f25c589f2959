//! The recipe: its parent image, components (each in the stage it runs
//! in), volumes and key; the component documents that say those stages.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Resource, ResourceKind};
use crate::import::components::{Stages, stages, test_by_name};
use crate::import::directory::{DirectoryDraft, name_version, takes_updates};
use crate::import::json::join;
use crate::import::{ImportError, Warning, root_volume};
use crate::sources::arn::Arn;
use crate::sources::imagebuilder::{self as ib, ImageRecipe};

/// What the recipe says.
#[derive(Default)]
pub(super) struct Recipe {
    pub(super) name: Option<String>,
    /// Volumes: device, size in GiB, the size's source field.
    pub(super) volumes: Vec<(String, u64, String)>,
    pub(super) components: Vec<Component>,
    /// The base image's owner as the scenario names it, and its field.
    pub(super) base_owner: (String, String),
    /// Whether the parent image's version filter takes new versions.
    pub(super) base_updates: bool,
    /// The volumes' key, and its field.
    pub(super) key: Option<(String, String)>,
    pub(super) encrypted: bool,
    /// The recipe's `platform`, lower case, with its field.
    pub(super) platform: Option<(String, String)>,
    /// Whether the parent image's name says Windows.
    pub(super) windows_parent: bool,
}

impl Recipe {
    /// True for a Windows build, by any of the documents.
    pub(super) fn windows(&self, pipeline_platform: Option<&str>) -> bool {
        self.windows_parent
            || [
                pipeline_platform,
                self.platform.as_ref().map(|p| p.0.as_str()),
            ]
            .contains(&Some("windows"))
    }
}

/// Each component's stages from `get-component`'s type or its document
/// (Terraform's and CloudFormation's component resources), where given.
pub(super) fn component_stages(
    docs: &mut [Resource<'_>],
) -> Result<BTreeMap<String, Stages>, ImportError> {
    let mut out = BTreeMap::new();
    for d in docs
        .iter_mut()
        .filter(|d| d.kind == ResourceKind::Component)
    {
        let c: ib::Component = d.typed()?;
        let stages = stages(c.kind.as_deref(), c.data.as_deref());
        let named = c
            .arn
            .as_deref()
            .and_then(Arn::parse)
            .map(|a| name_version(&a).0);
        if let (Some(n), Some(s)) = (named.or(c.name), stages) {
            out.insert(n, s);
        }
    }
    Ok(out)
}

/// The recipe document `r` of a pipeline owned by `owner_id` building in
/// `build_region` (with the pipeline's own platform).
pub(super) fn recipe(
    r: &mut Resource<'_>,
    (owner_id, build_region, platform): (&str, &str, Option<&str>),
    stages: &BTreeMap<String, Stages>,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Recipe, ImportError> {
    let doc: ImageRecipe = r.typed()?;
    let mut out = Recipe {
        base_owner: ("aws".to_string(), String::new()),
        name: doc.name.clone(),
        ..Recipe::default()
    };
    out.platform = (doc.platform.as_ref()).map(|p| (p.to_lowercase(), join(r.base, "platform")));
    if let Some(parent) = &doc.parent_image {
        let at = (r.reader.file(), r.base);
        parent_image(&mut out, parent, owner_id, (&at.0, at.1), warnings);
    }
    components(r, &doc, &mut out, stages, warnings)?;
    volumes(
        r.base,
        &doc,
        &mut out,
        (owner_id, build_region),
        platform,
        dir,
    );
    Ok(out)
}

/// The parent image: its owner, whether it is Windows, whether new
/// versions match the recipe's filter.
fn parent_image(
    out: &mut Recipe,
    parent: &str,
    owner_id: &str,
    (file, rbase): (&Path, &str),
    warnings: &mut Vec<Warning>,
) {
    let from = join(rbase, "parentImage");
    let warn = |what: &str, warnings: &mut Vec<Warning>| {
        warnings.push(Warning {
            file: file.to_path_buf(),
            field: from.clone(),
            what: crate::import::What::Assumed(what.into()),
        });
    };
    let owner = match Arn::parse(parent) {
        Some(pa) if pa.account == "aws" => "aws",
        Some(pa) if pa.account == "aws-marketplace" => "marketplace",
        Some(pa) if pa.account == owner_id => "self",
        Some(_) => "other_account",
        None if parent.starts_with("ami-") => {
            warn(
                "an AMI id: its owner is not in the document; imported as another account's image (set base_image_owner = \"self\" if it is yours)",
                warnings,
            );
            "other_account"
        }
        None => {
            warn(
                "an SSM parameter or product id: imported as an AWS-owned image",
                warnings,
            );
            "aws"
        }
    };
    out.base_owner = (owner.into(), from.clone());
    out.windows_parent = parent.to_lowercase().contains("windows");
    out.base_updates = Arn::parse(parent)
        .is_some_and(|pa| takes_updates(name_version(&pa).1.as_deref()))
        || parent.starts_with("ssm:");
}

/// The recipe's components in order, each in its stages.
fn components(
    r: &Resource<'_>,
    doc: &ImageRecipe,
    out: &mut Recipe,
    stages: &BTreeMap<String, Stages>,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let mut by_name: Vec<(usize, bool)> = Vec::new();
    let list = &mut out.components;
    for (i, c) in doc.components.iter().flatten().enumerate() {
        let cbase = format!("{}[{i}]", join(r.base, "components"));
        let from = join(&cbase, "componentArn");
        let Some(carn) = &c.component_arn else {
            // AWS requires the ARN: a template's value left unresolved.
            let n = format!("component-{}", i + 1);
            let what = format!(
                "no ARN (unresolved: see the warnings above): a build component named {n} assumed"
            );
            warnings.push(Warning {
                file: r.reader.file(),
                field: from.clone(),
                what: crate::import::What::Assumed(what),
            });
            list.push((n, false, None, from, false));
            continue;
        };
        let Some(ca) = Arn::parse(carn) else {
            return Err(r.reader.wrong(&from, format!("{carn:?} is not an ARN")));
        };
        let (n, version) = name_version(&ca);
        match stages.get(&n) {
            Some(Stages::Build) => list.push((n, false, version, from, false)),
            Some(Stages::Test) => list.push((n, true, version, from, false)),
            Some(Stages::Both) => {
                list.push((n.clone(), false, version.clone(), from.clone(), false));
                let test_from = format!("{from} (its document's test phase)");
                list.push((n, true, version, test_from, true));
            }
            None => {
                let t = test_by_name(&n);
                if t {
                    by_name.push((list.len(), ca.account == "aws"));
                }
                list.push((n, t, version, from, false));
            }
        }
    }
    name_tests(list, &by_name, &r.reader.file(), warnings);
    Ok(())
}

/// The recipe's block device mappings as volumes; without any, the base
/// image's root volume (assumed).
fn volumes(
    rbase: &str,
    doc: &ImageRecipe,
    out: &mut Recipe,
    (owner_id, build_region): (&str, &str),
    platform: Option<&str>,
    dir: &mut DirectoryDraft,
) {
    let root = root_volume(out.windows(platform));
    for (i, m) in doc.block_device_mappings.iter().flatten().enumerate() {
        let mbase = format!("{}[{i}]", join(rbase, "blockDeviceMappings"));
        let device = m.device_name.as_deref().unwrap_or(root.0).to_string();
        let Some(ebs) = &m.ebs else {
            continue;
        };
        let ebase = join(&mbase, "ebs");
        let size = ebs.volume_size.unwrap_or(root.1);
        if ebs.encrypted == Some(true) {
            out.encrypted = true;
        }
        if let Some(k) = &ebs.kms_key_id
            && let Some(name) = dir.key_in(k, (owner_id, build_region), &join(&ebase, "kmsKeyId"))
        {
            out.key = Some((name, join(&ebase, "kmsKeyId")));
        }
        out.volumes.push((device, size, join(&ebase, "volumeSize")));
    }
}

/// The root volume of a recipe without block device mappings (or of a
/// pipeline without a recipe document).
pub(super) fn default_volume(windows: bool) -> (String, u64, String) {
    let (device, size, what) = root_volume(windows);
    (
        device.into(),
        size,
        format!("no blockDeviceMappings: {what} (assumed)"),
    )
}

/// A recipe's component: its name, whether it runs in the test stage, its
/// version filter, its source field, and whether it is the test phase of
/// a build component listed before it.
pub(super) type Component = (String, bool, Option<String>, String, bool);

/// Components taken as tests by their names (with whether AWS owns
/// them): said; the owner's own are read as build components if the
/// recipe would otherwise have none (Image Builder requires one; AWS's own
/// components are named so because they are tests).
fn name_tests(
    components: &mut [Component],
    by_name: &[(usize, bool)],
    file: &std::path::Path,
    warnings: &mut Vec<Warning>,
) {
    let no_build = components.iter().all(|c| c.1);
    for &(i, aws) in by_name {
        let c = &mut components[i];
        let what = if no_build && !aws {
            c.1 = false;
            format!(
                "component {} has \"test\" in its name, but the recipe has no other build component: read as a build component (give its get-component JSON to be sure)",
                c.0
            )
        } else {
            format!(
                "component {} taken as a test component by its name (give its get-component JSON to be sure)",
                c.0
            )
        };
        warnings.push(Warning {
            file: file.to_path_buf(),
            field: c.3.clone(),
            what: crate::import::What::Assumed(what),
        });
    }
}
