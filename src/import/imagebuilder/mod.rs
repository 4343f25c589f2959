//! Image Builder's own documents, as the AWS CLI prints them
//! (`get-image-pipeline`, `get-image-recipe`, `get-distribution-configuration`,
//! `get-infrastructure-configuration`, `get-lifecycle-policy`, `get-component`)
//! or as `create-*` input JSON, to one scenario.
//!
//! Field names: botocore `imagebuilder/2019-12-02/service-2.json`.

mod container;
mod distribution;
mod emit;
mod head;
mod lifecycle;
mod recipe;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::components::Stages;
use super::directory::DirectoryDraft;
use super::json::{Reader, Reference, join};
use super::{ImportError, Toml, Warning, quoted};
use crate::sources::imagebuilder::ImagePipeline;
pub(crate) use lifecycle::data_sizes;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ResourceKind {
    Pipeline,
    Recipe,
    Distribution,
    Infrastructure,
    Lifecycle,
    Component,
    /// `aws ec2 describe-images`: the built image's block devices.
    Images,
    /// `aws ec2 describe-snapshots`: their snapshots' sizes.
    Snapshots,
    /// A one-shot image build, without a pipeline (CloudFormation's
    /// `AWS::ImageBuilder::Image`, Terraform's `aws_imagebuilder_image`):
    /// one run when the stack or configuration is applied.
    Image,
    /// Terraform's `aws_ami_copy`: a copy of an existing image.
    AmiCopy,
    /// Terraform's `aws_ami_launch_permission`: a share of one image.
    LaunchPermission,
    /// A container recipe (`get-container-recipe`).
    ContainerRecipe,
    /// An ECR registry's replication configuration (`aws ecr describe-registry`).
    Registry,
}

/// The wrapper key of each kind in `get-*` output, and a key only its
/// `create-*` input has.
const KINDS: [(ResourceKind, &str, &str); 10] = [
    (ResourceKind::Pipeline, "imagePipeline", "imageRecipeArn"),
    (
        ResourceKind::ContainerRecipe,
        "containerRecipe",
        "containerType",
    ),
    (ResourceKind::Registry, "\u{0}", "replicationConfiguration"),
    (ResourceKind::Recipe, "imageRecipe", "parentImage"),
    (
        ResourceKind::Distribution,
        "distributionConfiguration",
        "distributions",
    ),
    (
        ResourceKind::Infrastructure,
        "infrastructureConfiguration",
        "instanceProfileName",
    ),
    (ResourceKind::Lifecycle, "lifecyclePolicy", "policyDetails"),
    (ResourceKind::Component, "component", "data"),
    (ResourceKind::Images, "Images", "\u{0}"),
    (ResourceKind::Snapshots, "Snapshots", "\u{0}"),
];

/// One document: its kind, its body, the path of the body in the file.
pub(super) struct Resource<'a> {
    pub(super) kind: ResourceKind,
    pub(super) body: &'a Value,
    pub(super) base: &'a str,
    pub(super) reader: Reader<'a>,
}

impl Resource<'_> {
    /// The body read as a `T` (`crate::sources`), every field `T` reads
    /// marked used; a field of the wrong shape is refused at its path.
    pub(super) fn typed<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, ImportError> {
        self.reader.typed(self.body, self.base)
    }
}

/// One input document: its file, its value, and, when another format's
/// reader made it, its kind and the path its fields are named under.
pub(super) type Input = (PathBuf, Value, Option<(ResourceKind, String)>);

/// Each input document with its kind.
pub(super) fn documents(files: &[Input]) -> Result<Vec<Resource<'_>>, ImportError> {
    let mut docs: Vec<Resource<'_>> = Vec::new();
    for (file, v, hint) in files {
        let found = match hint {
            Some((k, base)) => Some((*k, v, base.as_str())),
            None => KINDS.iter().find_map(|(k, wrapper, input_key)| {
                if let Some(b) = v.get(*wrapper) {
                    Some((*k, b, *wrapper))
                } else if v.get(*input_key).is_some() {
                    Some((*k, v, ""))
                } else {
                    None
                }
            }),
        };
        let Some((kind, body, base)) = found else {
            let keys: Vec<String> = v
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            return Err(ImportError::wrong(file.clone(), String::new(), format!(
                    "not an Image Builder document: its top-level keys are {}",
                    if keys.is_empty() { "none".into() } else { keys.join(", ") }
                ), "give the output of aws imagebuilder get-image-pipeline, get-image-recipe, get-distribution-configuration, get-infrastructure-configuration, get-lifecycle-policy or get-component (or their create-* input)".into()));
        };
        let reference = match hint {
            Some(_) => Reference::Resources,
            None => Reference::AwsCli,
        };
        let mut reader = Reader::new(file, reference);
        if hint.is_none() && !base.is_empty() {
            reader.use_path("requestId");
        }
        docs.push(Resource {
            kind,
            body,
            base,
            reader,
        });
    }
    Ok(docs)
}

/// Reads the documents into `out`.
pub(super) fn read(
    files: &[Input],
    mut docs: Vec<Resource<'_>>,
    name: &str,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let count = |k: ResourceKind| docs.iter().filter(|d| d.kind == k).count();
    if count(ResourceKind::Pipeline) + count(ResourceKind::Image) == 0 {
        let found: Vec<String> = docs.iter().map(|d| format!("{:?}", d.kind)).collect();
        return Err(ImportError::wrong(
            files[0].0.clone(),
            String::new(),
            format!(
                "no image pipeline among the documents (found: {})",
                found.join(", ")
            ),
            "add the output of `aws imagebuilder get-image-pipeline --image-pipeline-arn ARN`"
                .into(),
        ));
    }
    let mut dir = DirectoryDraft::default();
    let mut body = Toml::default();
    pipelines(&mut docs, &mut dir, &mut body, warnings)?;
    // The directory first, then the pipeline.
    out.set("name", quoted(name), "the command line");
    let pi = docs
        .iter()
        .position(|d| matches!(d.kind, ResourceKind::Pipeline | ResourceKind::Image))
        .unwrap_or(0);
    let doc: ImagePipeline = docs[pi].typed()?;
    if let Some(d) = &doc.description {
        out.set("description", quoted(d), join(docs[pi].base, "description"));
    }
    dir.emit(out, "the ARNs");
    out.append(body);
    for d in &docs {
        d.reader.unused(d.body, d.base, warnings);
    }

    dir.alias_warnings(&files[0].0, warnings);
    // Key policies are not in Image Builder's documents.
    if !dir.keys.is_empty() {
        warnings.push(Warning { file: PathBuf::from("(key policies)"), field: "kms_key.grants".into(), what: crate::import::What::Assumed("not in Image Builder's documents: amisim grants each key to every account and organization that copies or launches with it; check them against your key policies".into()) });
    }
    Ok(())
}

/// A pipeline that names no recipe among the documents (its ARN absent,
/// or left unresolved): nothing to build, said as such.
fn no_recipe(p: &Resource<'_>) -> ImportError {
    ImportError::wrong(p.reader.file(), join(p.base, "imageRecipeArn"), "no image recipe: the pipeline's imageRecipeArn is absent or could not be resolved (see the warnings), and no recipe is among the documents".into(), "give the recipe too: `aws imagebuilder get-image-recipe`, or the configuration or template that defines it".into())
}

/// The AWS CLI command that prints a document of `kind`.
fn get_command(kind: ResourceKind, arn: &str) -> String {
    let (cmd, flag) = match kind {
        ResourceKind::Recipe => ("get-image-recipe", "image-recipe-arn"),
        ResourceKind::ContainerRecipe => ("get-container-recipe", "container-recipe-arn"),
        ResourceKind::Distribution => (
            "get-distribution-configuration",
            "distribution-configuration-arn",
        ),
        _ => (
            "get-infrastructure-configuration",
            "infrastructure-configuration-arn",
        ),
    };
    format!("`aws imagebuilder {cmd} --{flag} {arn}`")
}

/// The document of `kind` that pipeline `pi` names by its `key` ARN
/// (`named`): the one whose `arn` it is, or the only one of its kind.
fn the_one(
    docs: &[Resource<'_>],
    pi: usize,
    (kind, key, named): (ResourceKind, &str, Option<&str>),
) -> Result<Option<usize>, ImportError> {
    let of_kind: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].kind == kind).collect();
    let arn_of = |i: usize| docs[i].body.get("arn").and_then(Value::as_str);
    if let Some(a) = named
        && let Some(&i) = of_kind.iter().find(|&&i| arn_of(i) == Some(a))
    {
        return Ok(Some(i));
    }
    let wrong = |reason: String, help: String| {
        ImportError::wrong(
            docs[pi].reader.file(),
            join(docs[pi].base, key),
            reason,
            help,
        )
    };
    match (of_kind.as_slice(), named) {
        ([], None) => Ok(None),
        // The only one, without an ARN of its own (`create-*` input JSON).
        ([only], _) if named.is_none() || arn_of(*only).is_none() => Ok(Some(*only)),
        // A document the pipeline names but that is not among them: named,
        // with the command that prints it (another pipeline's is not used).
        ([] | [_], Some(a)) => Err(wrong(
            format!("the {kind:?} {a} is not among the documents"),
            format!("add its JSON: {}", get_command(kind, a)),
        )),
        _ => Err(wrong(
            format!(
                "{} {kind:?} documents, and none has the ARN the pipeline names ({})",
                of_kind.len(),
                named.unwrap_or("none")
            ),
            "give each pipeline the documents its ARNs name".into(),
        )),
    }
}

/// Every pipeline (and one-shot image) among the documents into `out`;
/// a container pipeline is named and left out.
fn pipelines(
    docs: &mut [Resource<'_>],
    dir: &mut DirectoryDraft,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let pipelines: Vec<usize> = (0..docs.len())
        .filter(|&i| matches!(docs[i].kind, ResourceKind::Pipeline | ResourceKind::Image))
        .collect();
    let stages = recipe::component_stages(docs)?;
    let mut read_any = false;
    let mut containers = false;
    for &pi in &pipelines {
        let doc: ImagePipeline = docs[pi].typed()?;
        if doc.container_recipe_arn.is_some() {
            container_pipeline(docs, (pi, &doc), &stages, dir, out, warnings)?;
            read_any = true;
            containers = true;
            continue;
        }
        let [r, i, d] = [
            (
                ResourceKind::Recipe,
                "imageRecipeArn",
                &doc.image_recipe_arn,
            ),
            infrastructure_of(&doc),
            distribution_of(&doc),
        ]
        .map(|(k, key, named)| the_one(docs, pi, (k, key, named.as_deref())));
        let Some(r) = r? else {
            return Err(no_recipe(&docs[pi]));
        };
        pipeline(
            docs,
            &doc,
            (pi, Some(r), i?, d?),
            &stages,
            dir,
            out,
            warnings,
        )?;
        read_any = true;
    }
    unbuilt(docs, containers, warnings);
    if read_any {
        return Ok(());
    }
    Err(ImportError::wrong(
        docs[pipelines[0]].reader.file(),
        String::new(),
        "no pipeline among the documents".into(),
        "give get-image-pipeline output".into(),
    ))
}

/// Container recipes no pipeline among the documents names, and
/// registries without a container pipeline: said once each, left out.
fn unbuilt(docs: &mut [Resource<'_>], containers: bool, warnings: &mut Vec<Warning>) {
    let named: Vec<String> = docs
        .iter()
        .filter_map(|d| d.body.get("containerRecipeArn").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    for d in docs.iter_mut() {
        let arn = d.body.get("arn").and_then(Value::as_str);
        let what = match d.kind {
            ResourceKind::ContainerRecipe
                if !arn.is_some_and(|a| named.iter().any(|n| n == a)) && !containers =>
            {
                "a container recipe no pipeline among the documents builds: left out"
            }
            ResourceKind::Registry if !containers => {
                "an ECR replication configuration without a container pipeline among the documents: left out"
            }
            _ => continue,
        };
        let (b, base) = (d.body, d.base);
        d.reader.use_all(b, base);
        warnings.push(Warning {
            file: d.reader.file(),
            field: base.to_string(),
            what: crate::import::What::Assumed(what.into()),
        });
    }
}

/// A container pipeline: its container recipe (by ARN), infrastructure and
/// distribution, and the registries' replication rules.
fn container_pipeline(
    docs: &mut [Resource<'_>],
    (pi, doc): (usize, &ImagePipeline),
    stages: &BTreeMap<String, Stages>,
    dir: &mut DirectoryDraft,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let [r, i, d] = [
        (
            ResourceKind::ContainerRecipe,
            "containerRecipeArn",
            &doc.container_recipe_arn,
        ),
        infrastructure_of(doc),
        distribution_of(doc),
    ]
    .map(|(k, key, named)| the_one(docs, pi, (k, key, named.as_deref())));
    let Some(r) = r? else {
        return Err(ImportError::wrong(docs[pi].reader.file(), join(docs[pi].base, "containerRecipeArn"), "no container recipe: the pipeline's containerRecipeArn is absent or unresolved, and no container recipe is among the documents".into(), "give the recipe too: `aws imagebuilder get-container-recipe --container-recipe-arn ARN`".into()));
    };
    let c = container::read(docs, doc, (pi, r, i?, d?), stages, dir, warnings)?;
    container::emit(out, &c);
    Ok(())
}

/// The infrastructure a pipeline names: its kind, field and ARN.
fn infrastructure_of(doc: &ImagePipeline) -> (ResourceKind, &'static str, &Option<String>) {
    (
        ResourceKind::Infrastructure,
        "infrastructureConfigurationArn",
        &doc.infrastructure_configuration_arn,
    )
}

/// The distribution a pipeline names: its kind, field and ARN.
fn distribution_of(doc: &ImagePipeline) -> (ResourceKind, &'static str, &Option<String>) {
    (
        ResourceKind::Distribution,
        "distributionConfigurationArn",
        &doc.distribution_configuration_arn,
    )
}

/// The documents of pipeline `pi` (its recipe, infrastructure and
/// distribution, where given) into its tables in `out`.
fn pipeline(
    docs: &mut [Resource<'_>],
    doc: &ImagePipeline,
    (pi, recipe_i, infra_i, dist_i): (usize, Option<usize>, Option<usize>, Option<usize>),
    stages: &BTreeMap<String, Stages>,
    dir: &mut DirectoryDraft,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let recipe_name = recipe_i
        .and_then(|r| docs[r].body.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let head = head::head(&docs[pi], doc, recipe_name, dir, warnings)?;
    let schedule = head::schedule(&docs[pi], doc, warnings);
    let platform = head.platform.as_ref().map(|p| p.0.clone());
    let place = (
        head.owner_id.as_str(),
        head.build_region.as_str(),
        platform.as_deref(),
    );
    let mut recipe = match recipe_i {
        Some(ri) => recipe::recipe(&mut docs[ri], place, stages, dir, warnings)?,
        None => recipe::Recipe {
            base_owner: ("aws".to_string(), String::new()),
            ..recipe::Recipe::default()
        },
    };
    if recipe.volumes.is_empty() {
        recipe
            .volumes
            .push(recipe::default_volume(recipe.windows(platform.as_deref())));
    }
    let instance_type = match infra_i {
        Some(ii) => distribution::instance_type(&mut docs[ii], warnings)?,
        None => None,
    };
    let distribution = match dist_i {
        Some(di) => distribution::distribution(&mut docs[di], &head.owner_id, dir)?,
        None => distribution::Distribution {
            dists: Vec::new(),
            timeout: None,
        },
    };
    let key_of_build = distribution
        .dists
        .iter()
        .find(|d| d.region == head.build_region)
        .and_then(|d| d.kms.clone())
        .or(recipe.key.clone());
    distribution::grant_keys(&distribution.dists, key_of_build.as_ref(), dir);
    let data = data_sizes(docs)?;
    let name = recipe.name.clone();
    let p = emit::Pipeline {
        head,
        schedule,
        recipe,
        instance_type,
        distribution,
        key_of_build,
    };
    emit::pipeline(out, &p, &data);
    lifecycle::lifecycle(docs, name.as_deref(), out, warnings)
}
