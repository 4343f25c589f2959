//! Image Builder's own documents, as the AWS CLI prints them
//! (`get-image-pipeline`, `get-image-recipe`, `get-distribution-configuration`,
//! `get-infrastructure-configuration`, `get-lifecycle-policy`, `get-component`)
//! or as `create-*` input JSON, to one scenario.
//!
//! Field names: botocore `imagebuilder/2019-12-02/service-2.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::components::{Stages, stages, test_by_name};
use super::directory::{Directory, arn, name_version, takes_updates};
use super::json::{Reader, join};
use super::{ImportError, Toml, Warning, quoted, strings, volume};

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
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
}

/// The wrapper key of each kind in `get-*` output, and a key only its
/// `create-*` input has.
const KINDS: [(Kind, &str, &str); 8] = [
    (Kind::Pipeline, "imagePipeline", "imageRecipeArn"),
    (Kind::Recipe, "imageRecipe", "parentImage"),
    (
        Kind::Distribution,
        "distributionConfiguration",
        "distributions",
    ),
    (
        Kind::Infrastructure,
        "infrastructureConfiguration",
        "instanceProfileName",
    ),
    (Kind::Lifecycle, "lifecyclePolicy", "policyDetails"),
    (Kind::Component, "component", "data"),
    (Kind::Images, "Images", "\u{0}"),
    (Kind::Snapshots, "Snapshots", "\u{0}"),
];

/// One document: its kind, its body, the path of the body in the file.
pub(super) struct Doc<'a> {
    pub(super) kind: Kind,
    pub(super) body: &'a Value,
    pub(super) base: &'a str,
    pub(super) reader: Reader<'a>,
}

/// One input document: its file, its value, and, when another format's
/// reader made it, its kind and the path its fields are named under.
pub(super) type Input = (PathBuf, Value, Option<(Kind, String)>);

/// Each input document with its kind.
pub(super) fn documents(files: &[Input]) -> Result<Vec<Doc<'_>>, ImportError> {
    let mut docs: Vec<Doc<'_>> = Vec::new();
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
            return Err(ImportError::Wrong {
                file: file.clone(),
                field: String::new(),
                reason: format!(
                    "not an Image Builder document: its top-level keys are {}",
                    if keys.is_empty() { "none".into() } else { keys.join(", ") }
                ),
                help: "give the output of aws imagebuilder get-image-pipeline, get-image-recipe, get-distribution-configuration, get-infrastructure-configuration, get-lifecycle-policy or get-component (or their create-* input)".into(),
            });
        };
        let mut reader = Reader::new(file);
        if hint.is_none() && !base.is_empty() {
            reader.use_path("requestId");
        }
        docs.push(Doc {
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
    mut docs: Vec<Doc<'_>>,
    name: &str,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let count = |k: Kind| docs.iter().filter(|d| d.kind == k).count();
    if count(Kind::Pipeline) + count(Kind::Image) == 0 {
        let found: Vec<String> = docs.iter().map(|d| format!("{:?}", d.kind)).collect();
        return Err(ImportError::Wrong {
            file: files[0].0.clone(),
            field: String::new(),
            reason: format!(
                "no image pipeline among the documents (found: {})",
                found.join(", ")
            ),
            help:
                "add the output of `aws imagebuilder get-image-pipeline --image-pipeline-arn ARN`"
                    .into(),
        });
    }
    let mut dir = Directory::default();
    let mut body = Toml::default();
    let pipelines: Vec<usize> = (0..docs.len())
        .filter(|&i| matches!(docs[i].kind, Kind::Pipeline | Kind::Image))
        .collect();
    let mut read_any = false;
    for &pi in &pipelines {
        if let Some(c) = docs[pi]
            .body
            .get("containerRecipeArn")
            .and_then(Value::as_str)
        {
            warnings.push(Warning {
                file: docs[pi].reader.file(),
                field: join(docs[pi].base, "containerRecipeArn"),
                what: format!("a container image pipeline ({c}): not simulated yet; left out"),
            });
            let base = docs[pi].base;
            docs[pi].reader.use_path(&join(base, "containerRecipeArn"));
            continue;
        }
        let matched = [
            (Kind::Recipe, "imageRecipeArn"),
            (Kind::Infrastructure, "infrastructureConfigurationArn"),
            (Kind::Distribution, "distributionConfigurationArn"),
        ]
        .map(|(k, key)| the_one(&docs, pi, k, key));
        let [r, i, d] = matched;
        pipeline(&mut docs, (pi, r?, i?, d?), &mut dir, &mut body, warnings)?;
        read_any = true;
    }
    if !read_any {
        return Err(ImportError::Wrong {
            file: files[0].0.clone(),
            field: String::new(),
            reason: "every pipeline among the documents builds container images, which amisim does not simulate yet".into(),
            help: "import the pipelines that build AMIs (an image recipe)".into(),
        });
    }
    // The directory first, then the pipeline.
    out.set("name", quoted(name), "the command line");
    let pi = docs
        .iter()
        .position(|d| matches!(d.kind, Kind::Pipeline | Kind::Image))
        .unwrap_or(0);
    let (pb, pbase) = (docs[pi].body, docs[pi].base);
    if let Some(d) = docs[pi].reader.str(pb, pbase, "description")? {
        out.set("description", quoted(d), join(pbase, "description"));
    }
    dir.emit(out, "the ARNs");
    out.lines.push((String::new(), None));
    out.lines.extend(body.lines);
    for d in &docs {
        d.reader.unused(d.body, d.base, warnings);
    }

    dir.alias_warnings(&files[0].0, warnings);
    // Key policies are not in Image Builder's documents.
    if !dir.keys.is_empty() {
        warnings.push(Warning {
            file: PathBuf::from("(key policies)"),
            field: "kms_key.grants".into(),
            what: "not in Image Builder's documents: amisim grants each key to every account and organization that copies or launches with it; check them against your key policies".into(),
        });
    }
    Ok(())
}

/// The AWS CLI command that prints a document of `kind`.
fn get_command(kind: Kind, arn: &str) -> String {
    let (cmd, flag) = match kind {
        Kind::Recipe => ("get-image-recipe", "image-recipe-arn"),
        Kind::Distribution => (
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

/// The document of `kind` that pipeline `pi` names by its `key` ARN: the
/// one whose `arn` it is, or the only one of its kind.
fn the_one(
    docs: &[Doc<'_>],
    pi: usize,
    kind: Kind,
    key: &str,
) -> Result<Option<usize>, ImportError> {
    let named = docs[pi].body.get(key).and_then(Value::as_str);
    let of_kind: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].kind == kind).collect();
    if let Some(a) = named
        && let Some(&i) = of_kind
            .iter()
            .find(|&&i| docs[i].body.get("arn").and_then(Value::as_str) == Some(a))
    {
        return Ok(Some(i));
    }
    match of_kind.as_slice() {
        [] => match named {
            // A document the pipeline needs: named, with the command that prints it.
            Some(a) if kind != Kind::Infrastructure => Err(ImportError::Wrong {
                file: docs[pi].reader.file(),
                field: join(docs[pi].base, key),
                reason: format!("the {kind:?} {a} is not among the documents"),
                help: format!("add its JSON: {}", get_command(kind, a)),
            }),
            _ => Ok(None),
        },
        [only] => Ok(Some(*only)),
        _ => Err(ImportError::Wrong {
            file: docs[pi].reader.file(),
            field: join(docs[pi].base, key),
            reason: format!(
                "{} {kind:?} documents, and none has the ARN the pipeline names ({})",
                of_kind.len(),
                named.unwrap_or("none")
            ),
            help: "give each pipeline the documents its ARNs name".into(),
        }),
    }
}

fn pipeline(
    docs: &mut [Doc<'_>],
    (pi, recipe_i, infra_i, dist_i): (usize, Option<usize>, Option<usize>, Option<usize>),
    dir: &mut Directory,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let (pb, pbase) = (docs[pi].body, docs[pi].base);
    let one_shot = docs[pi].kind == Kind::Image;
    // An image resource has no name: its recipe's.
    let recipe_name_of = recipe_i
        .and_then(|r| docs[r].body.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let p = &mut docs[pi].reader;
    let file = p.file();
    let parn = p.str(pb, pbase, "arn")?.map(str::to_string);
    let own_name = p.str(pb, pbase, "name")?.map(str::to_string);
    let name_from = match (&own_name, one_shot) {
        (Some(_), _) | (None, false) => join(pbase, "name"),
        (None, true) => "its recipe's name (an image resource has none)".to_string(),
    };
    let pname = own_name
        .or(if one_shot { recipe_name_of } else { None })
        .unwrap_or_else(|| "pipeline".into());
    // Owner and build Region from the pipeline's ARN (or its recipe's).
    let recipe_arn = p.str(pb, pbase, "imageRecipeArn")?.map(str::to_string);
    p.str(pb, pbase, "infrastructureConfigurationArn")?;
    p.str(pb, pbase, "distributionConfigurationArn")?;
    let owner_arn = parn.clone().or(recipe_arn.clone()).unwrap_or_default();
    let Some(a) = arn(&owner_arn) else {
        return Err(p.wrong(
            &join(pbase, "arn"),
            "the pipeline has no ARN to take its account and Region from".into(),
        ));
    };
    let (owner_id, build_region) = (a.account.to_string(), a.region.to_string());
    let owner = dir.account(&owner_id);
    dir.region(&build_region);
    let from_arn = if parn.is_some() {
        join(pbase, "arn")
    } else {
        join(pbase, "imageRecipeArn")
    };
    let platform = p.str(pb, pbase, "platform")?.map(str::to_lowercase);
    let status = p.str(pb, pbase, "status")?.map(str::to_string);
    if status.as_deref() == Some("DISABLED") {
        warnings.push(Warning {
            file: file.clone(),
            field: join(pbase, "status"),
            what: "the pipeline is DISABLED: imported with its schedule as if enabled".into(),
        });
    }
    // Schedule.
    let mut schedule: Vec<(String, String, String)> = Vec::new();
    let mut dependency_updates = true;
    if let Some(s) = p.get(pb, pbase, "schedule") {
        let sbase = join(pbase, "schedule");
        if let Some(c) = p.str(s, &sbase, "scheduleExpression")? {
            let (cron, five) = six_field_cron(c);
            if five {
                warnings.push(Warning {
                    file: file.clone(),
                    field: join(&sbase, "scheduleExpression"),
                    what: format!("a 5-field cron, {c}: read as {cron}, the same times"),
                });
            }
            schedule.push((
                "cron".into(),
                quoted(&cron),
                join(&sbase, "scheduleExpression"),
            ));
        }
        if let Some(tz) = p.str(s, &sbase, "timezone")? {
            schedule.push(("timezone".into(), quoted(tz), join(&sbase, "timezone")));
        }
        match p.str(s, &sbase, "pipelineExecutionStartCondition")? {
            Some("EXPRESSION_MATCH_ONLY") => {
                dependency_updates = false;
                schedule.push((
                    "start_condition".into(),
                    quoted("always"),
                    join(&sbase, "pipelineExecutionStartCondition"),
                ));
            }
            Some(_) => schedule.push((
                "start_condition".into(),
                quoted("dependency_updates"),
                join(&sbase, "pipelineExecutionStartCondition"),
            )),
            None => schedule.push((
                "start_condition".into(),
                quoted("dependency_updates"),
                format!(
                    "{} (absent: AWS's default, EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE)",
                    join(&sbase, "pipelineExecutionStartCondition")
                ),
            )),
        }
        if let Some(ad) = p.get(s, &sbase, "autoDisablePolicy") {
            let abase = join(&sbase, "autoDisablePolicy");
            if let Some(n) = p.uint(ad, &abase, "failureCount")? {
                schedule.push((
                    "auto_disable_after_failures".into(),
                    n.to_string(),
                    join(&abase, "failureCount"),
                ));
            }
        }
    }
    if schedule.iter().all(|s| s.0 != "cron") {
        schedule.push((
            "run_at_start".into(),
            "true".into(),
            if one_shot {
                "an image resource, not a pipeline: one build when the stack or configuration is applied".into()
            } else {
                "no schedule: one manual run (StartImagePipelineExecution)".into()
            },
        ));
        dependency_updates = false;
        schedule.retain(|s| s.0 != "start_condition");
    }
    if let Some(t) = p.get(pb, pbase, "imageTestsConfiguration") {
        let tbase = join(pbase, "imageTestsConfiguration");
        if p.get(t, &tbase, "timeoutMinutes").is_some() {
            warnings.push(Warning {
                file: file.clone(),
                field: join(&tbase, "timeoutMinutes"),
                what: "Image Builder ignores it (\"not currently active\"); left out".into(),
            });
        }
        if let Some(Value::Bool(false)) = p.get(t, &tbase, "imageTestsEnabled") {
            warnings.push(Warning {
                file: file.clone(),
                field: join(&tbase, "imageTestsEnabled"),
                what: "tests are off: the recipe's test components are left out".into(),
            });
        }
    }
    let tests_enabled = !matches!(
        pb.get("imageTestsConfiguration")
            .and_then(|t| t.get("imageTestsEnabled")),
        Some(Value::Bool(false))
    );

    // Component stages from get-component's type or the component's
    // document (Terraform's and CloudFormation's component resources), where given.
    let mut component_types: BTreeMap<String, Stages> = BTreeMap::new();
    for d in docs.iter_mut().filter(|d| d.kind == Kind::Component) {
        let (b, base) = (d.body, d.base);
        let cname = d.reader.str(b, base, "name")?.map(str::to_string);
        let ctype = d.reader.str(b, base, "type")?;
        let stages = stages(ctype, d.reader.str(b, base, "data")?);
        let named = d
            .reader
            .str(b, base, "arn")?
            .and_then(arn)
            .map(|a| name_version(&a).0);
        if let (Some(n), Some(s)) = (named.or(cname), stages) {
            component_types.insert(n, s);
        }
    }

    // The recipe.
    let mut volumes: Vec<(String, u64, String)> = Vec::new();
    let mut components: Vec<Component> = Vec::new();
    let mut by_name: Vec<(usize, bool)> = Vec::new();
    let mut base_owner = ("aws".to_string(), String::new());
    let mut base_updates = false;
    let mut recipe_key: Option<(String, String)> = None;
    let mut recipe_name = None;
    let mut volumes_encrypted = false;
    let mut recipe_platform: Option<(String, String)> = None;
    let mut windows_parent = false;
    if let Some(ri) = recipe_i {
        let (rb, rbase) = (docs[ri].body, docs[ri].base);
        let r = &mut docs[ri].reader;
        recipe_name = r.str(rb, rbase, "name")?.map(str::to_string);
        r.str(rb, rbase, "arn")?;
        r.str(rb, rbase, "version")?;
        r.str(rb, rbase, "semanticVersion")?;
        recipe_platform = r
            .str(rb, rbase, "platform")?
            .map(|p| (p.to_lowercase(), join(rbase, "platform")));
        let rfile = r.file();
        if let Some(parent) = r.str(rb, rbase, "parentImage")? {
            let from = join(rbase, "parentImage");
            base_owner = match arn(parent) {
                Some(pa) if pa.account == "aws" => ("aws".into(), from),
                Some(pa) if pa.account == "aws-marketplace" => ("marketplace".into(), from),
                Some(pa) if pa.account == owner_id => ("self".into(), from),
                Some(_) => ("other_account".into(), from),
                None if parent.starts_with("ami-") => {
                    warnings.push(Warning {
                        file: rfile.clone(),
                        field: join(rbase, "parentImage"),
                        what: "an AMI id: its owner is not in the document; imported as another account's image (set base_image_owner = \"self\" if it is yours)".into(),
                    });
                    ("other_account".into(), from)
                }
                None => {
                    warnings.push(Warning {
                        file: rfile.clone(),
                        field: join(rbase, "parentImage"),
                        what: "an SSM parameter or product id: imported as an AWS-owned image"
                            .into(),
                    });
                    ("aws".into(), from)
                }
            };
            windows_parent = parent.to_lowercase().contains("windows");
            base_updates = arn(parent)
                .is_some_and(|pa| takes_updates(name_version(&pa).1.as_deref()))
                || parent.starts_with("ssm:");
        }
        for (i, c) in r.array(rb, rbase, "components")?.iter().enumerate() {
            let cbase = format!("{}[{i}]", join(rbase, "components"));
            let Some(carn) = r.str(c, &cbase, "componentArn")? else {
                continue;
            };
            let Some(ca) = arn(carn) else {
                return Err(r.wrong(
                    &join(&cbase, "componentArn"),
                    format!("{carn:?} is not an ARN"),
                ));
            };
            let (n, version) = name_version(&ca);
            let from = join(&cbase, "componentArn");
            match component_types.get(&n) {
                Some(Stages::Build) => components.push((n, false, version, from, false)),
                Some(Stages::Test) => components.push((n, true, version, from, false)),
                Some(Stages::Both) => {
                    components.push((n.clone(), false, version.clone(), from.clone(), false));
                    components.push((
                        n,
                        true,
                        version,
                        format!("{from} (its document's test phase)"),
                        true,
                    ));
                }
                None => {
                    let t = test_by_name(&n);
                    if t {
                        by_name.push((components.len(), ca.account == "aws"));
                    }
                    components.push((n, t, version, from, false));
                }
            }
        }
        name_tests(&mut components, &by_name, &rfile, warnings);
        let root = root_volume(
            windows_parent
                || [
                    platform.as_deref(),
                    recipe_platform.as_ref().map(|p| p.0.as_str()),
                ]
                .contains(&Some("windows")),
        );
        for (i, m) in r
            .array(rb, rbase, "blockDeviceMappings")?
            .iter()
            .enumerate()
        {
            let mbase = format!("{}[{i}]", join(rbase, "blockDeviceMappings"));
            let device = r
                .str(m, &mbase, "deviceName")?
                .unwrap_or(root.0)
                .to_string();
            let Some(ebs) = r.get(m, &mbase, "ebs") else {
                continue;
            };
            let ebase = join(&mbase, "ebs");
            let size = r.uint(ebs, &ebase, "volumeSize")?.unwrap_or(root.1);
            if let Some(Value::Bool(true)) = r.get(ebs, &ebase, "encrypted") {
                volumes_encrypted = true;
            }
            if let Some(k) = r.str(ebs, &ebase, "kmsKeyId")?
                && let Some(name) =
                    dir.key_in(k, (&owner_id, &build_region), &join(&ebase, "kmsKeyId"))
            {
                recipe_key = Some((name, join(&ebase, "kmsKeyId")));
            }
            volumes.push((device, size, join(&ebase, "volumeSize")));
        }
    }
    if volumes.is_empty() {
        let windows = windows_parent
            || [
                platform.as_deref(),
                recipe_platform.as_ref().map(|p| p.0.as_str()),
            ]
            .contains(&Some("windows"));
        let (device, size, what) = root_volume(windows);
        volumes.push((
            device.into(),
            size,
            format!("no blockDeviceMappings: {what} (assumed)"),
        ));
    }

    // Infrastructure.
    let mut instance_type = None;
    if let Some(ii) = infra_i {
        let (ib, ibase) = (docs[ii].body, docs[ii].base);
        let r = &mut docs[ii].reader;
        r.str(ib, ibase, "arn")?;
        r.str(ib, ibase, "name")?;
        let types = r.strings(ib, ibase, "instanceTypes")?;
        if types.len() > 1 {
            warnings.push(Warning {
                file: r.file(),
                field: join(ibase, "instanceTypes"),
                what: format!(
                    "{} instance types: amisim builds on the first, {}",
                    types.len(),
                    types[0]
                ),
            });
        }
        instance_type = types
            .first()
            .map(|t| (t.clone(), join(ibase, "instanceTypes[0]")));
    }

    // Distribution.
    struct Dist {
        region: String,
        kms: Option<(String, String)>,
        targets: Vec<String>,
        accounts: Vec<String>,
        public: bool,
        orgs: Vec<String>,
        ous: Vec<String>,
        from: String,
    }
    let mut dists: Vec<Dist> = Vec::new();
    let mut timeout = None;
    if let Some(di) = dist_i {
        let (db, dbase) = (docs[di].body, docs[di].base);
        let r = &mut docs[di].reader;
        r.str(db, dbase, "arn")?;
        r.str(db, dbase, "name")?;
        r.str(db, dbase, "description")?;
        timeout = r
            .uint(db, dbase, "timeoutMinutes")?
            .map(|m| (m, join(dbase, "timeoutMinutes")));
        for (i, d) in r.array(db, dbase, "distributions")?.iter().enumerate() {
            let base = format!("{}[{i}]", join(dbase, "distributions"));
            let Some(region) = r.str(d, &base, "region")?.map(str::to_string) else {
                return Err(r.wrong(
                    &join(&base, "region"),
                    "a distribution without a region".into(),
                ));
            };
            dir.region(&region);
            let mut dist = Dist {
                region,
                kms: None,
                targets: Vec::new(),
                accounts: Vec::new(),
                public: false,
                orgs: Vec::new(),
                ous: Vec::new(),
                from: join(&base, "region"),
            };
            if let Some(ad) = r.get(d, &base, "amiDistributionConfiguration") {
                let abase = join(&base, "amiDistributionConfiguration");
                if let Some(k) = r.str(ad, &abase, "kmsKeyId")? {
                    let from = join(&abase, "kmsKeyId");
                    let name =
                        dir.key_in(k, (&owner_id, &dist.region), &from)
                            .ok_or_else(|| {
                                r.wrong(&from, format!("{k:?} is not a KMS key ARN, id or alias"))
                            })?;
                    dist.kms = Some((name, from));
                }
                for t in r.strings(ad, &abase, "targetAccountIds")? {
                    dist.targets.push(dir.account(&t));
                }
                if let Some(lp) = r.get(ad, &abase, "launchPermission") {
                    let lbase = join(&abase, "launchPermission");
                    for u in r.strings(lp, &lbase, "userIds")? {
                        dist.accounts.push(dir.account(&u));
                    }
                    dist.public = r
                        .strings(lp, &lbase, "userGroups")?
                        .iter()
                        .any(|g| g == "all");
                    for o in r.strings(lp, &lbase, "organizationArns")? {
                        if let Some(id) = o.rsplit('/').next().filter(|x| x.starts_with("o-")) {
                            dir.orgs.entry(id.to_string()).or_default();
                        }
                        dist.orgs.push(o);
                    }
                    for o in r.strings(lp, &lbase, "organizationalUnitArns")? {
                        let mut parts = o.rsplit('/');
                        if let (Some(ou), Some(org)) = (parts.next(), parts.next()) {
                            let e = dir.orgs.entry(org.to_string()).or_default();
                            if !e.iter().any(|x| x == ou) {
                                e.push(ou.to_string());
                            }
                        }
                        dist.ous.push(o);
                    }
                }
            }
            dists.push(dist);
        }
    }
    // Who uses each key: the copiers and whoever launches from the images.
    let orgs: Vec<String> = dir.orgs.keys().cloned().collect();
    let key_of_build = dists
        .iter()
        .find(|d| d.region == build_region)
        .and_then(|d| d.kms.clone())
        .or(recipe_key.clone());
    for d in &dists {
        let users: Vec<String> = d.targets.iter().chain(&d.accounts).cloned().collect();
        for k in d
            .kms
            .iter()
            .map(|k| k.0.clone())
            .chain(key_of_build.iter().map(|k| k.0.clone()))
        {
            for u in &users {
                dir.grant(&k, u.clone());
            }
            if !d.orgs.is_empty() || !d.ous.is_empty() {
                for o in &orgs {
                    dir.grant(&k, o.clone());
                }
            }
        }
    }

    // The pipeline's table.
    out.table("[[pipeline]]");
    out.set("name", quoted(&pname), name_from);
    out.set(
        "tool",
        quoted("image_builder"),
        "the document kind (Image Builder)",
    );
    out.set("account", quoted(&owner), from_arn.clone());
    out.set("region", quoted(&build_region), from_arn);
    match (&platform, &recipe_platform) {
        (Some(pl), _) => out.set("platform", quoted(pl), join(pbase, "platform")),
        (None, Some((pl, from))) => out.set("platform", quoted(pl), from.clone()),
        (None, None) if base_owner.1.contains("parentImage") && windows_parent => {
            out.set(
                "platform",
                quoted("windows"),
                format!("{} (a Windows image)", base_owner.1),
            );
        }
        _ => {}
    }
    out.set(
        "base_image_owner",
        quoted(&base_owner.0),
        base_owner.1.clone(),
    );
    match &key_of_build {
        Some((k, from)) => out.set("kms_key", quoted(k), from.clone()),
        None if volumes_encrypted => out.set(
            "kms_key",
            quoted("aws/ebs"),
            "blockDeviceMappings[].ebs.encrypted without a key: the default EBS key",
        ),
        None => {}
    }
    if let Some((t, from)) = &instance_type {
        out.set("builder_instance_type", quoted(t), from.clone());
    }
    if let Some((m, from)) = timeout {
        out.set("distribution_timeout", quoted(&format!("{m}m")), from);
    }
    let data = data_sizes(docs)?;
    for (device, size, from) in &volumes {
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
    let test_list: Vec<&Component> = components.iter().filter(|c| c.1).collect();
    for (n, _, _, from, _) in components.iter().filter(|c| !c.1) {
        out.table("[[pipeline.component]]");
        out.set("name", quoted(n), from.clone());
        out.set(
            "duration",
            quoted("10m"),
            "assumed: not in the recipe; measure with `amisim fit`",
        );
    }
    if tests_enabled {
        for (n, _, _, from, _) in &test_list {
            out.table("[[pipeline.test]]");
            out.set("name", quoted(n), from.clone());
            out.set(
                "duration",
                quoted("5m"),
                "assumed: not in the recipe; measure with `amisim fit`",
            );
        }
    }
    out.table("[pipeline.schedule]");
    for (k, v, from) in &schedule {
        out.set(k, v.clone(), from.clone());
    }
    if dependency_updates {
        out.table("[[pipeline.update_source]]");
        out.set("of", quoted("base_image"), base_owner.1.clone());
        out.set(
            "mean_interval",
            quoted("14d"),
            "assumed: releases are not in the documents; set from your history",
        );
        out.set(
            "matches_filter",
            base_updates.to_string(),
            "the parent image's version filter",
        );
        for (n, is_test, version, from, phase) in &components {
            if (*is_test && !tests_enabled) || *phase {
                continue;
            }
            out.table("[[pipeline.update_source]]");
            out.set("of", quoted(n), from.clone());
            out.set(
                "mean_interval",
                quoted("30d"),
                "assumed: releases are not in the documents; set from your history",
            );
            out.set(
                "matches_filter",
                takes_updates(version.as_deref()).to_string(),
                format!("{from} (version {})", version.as_deref().unwrap_or("none")),
            );
        }
    }
    for d in &dists {
        let shares = d.public || !d.accounts.is_empty() || !d.orgs.is_empty() || !d.ous.is_empty();
        if d.region == build_region && !shares {
            continue; // the image is there already; its key is the pipeline's
        }
        out.table("[[pipeline.distribution]]");
        out.set("region", quoted(&d.region), d.from.clone());
        if d.region != build_region
            && let Some((k, from)) = &d.kms
        {
            out.set("kms_key", quoted(k), from.clone());
        }
        if !d.targets.is_empty() {
            out.set(
                "target_accounts",
                strings(&d.targets),
                d.from
                    .replace(".region", ".amiDistributionConfiguration.targetAccountIds"),
            );
        }
        let sharing = super::Sharing {
            accounts: &d.accounts,
            organizations: &d.orgs,
            ous: &d.ous,
            public: d.public,
        };
        if let Some(v) = sharing.value() {
            out.set(
                "launch_permission",
                v,
                d.from
                    .replace(".region", ".amiDistributionConfiguration.launchPermission"),
            );
        }
    }
    lifecycle(docs, recipe_name.as_deref(), out, warnings)
}

/// The data written on each device of the built image: `describe-images`
/// gives each device's snapshot, `describe-snapshots` its full size.
pub(super) fn data_sizes(
    docs: &mut [Doc<'_>],
) -> Result<BTreeMap<String, (f64, String)>, ImportError> {
    let mut snap_of: Vec<(String, String)> = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == Kind::Images) {
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
    for d in docs.iter_mut().filter(|d| d.kind == Kind::Snapshots) {
        let snaps = d.body.as_array().map(Vec::as_slice).unwrap_or_default();
        let base = d.base;
        for (i, sn) in snaps.iter().enumerate() {
            let sbase = format!("{base}[{i}]");
            let id = d.reader.str(sn, &sbase, "SnapshotId")?.map(str::to_string);
            let bytes = d.reader.uint(sn, &sbase, "FullSnapshotSizeInBytes")?;
            if let (Some(id), Some(bytes)) = (id, bytes)
                && let Some((dev, _)) = snap_of.iter().find(|(_, s)| *s == id)
            {
                let gib = (bytes as f64 / (1u64 << 30) as f64 * 1000.0).round() / 1000.0;
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

/// A recipe's component: its name, whether it runs in the test stage, its
/// version filter, its source field, and whether it is the test phase of
/// a build component listed before it.
type Component = (String, bool, Option<String>, String, bool);

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
            what,
        });
    }
}

/// The base image's root volume where the recipe does not say: its device,
/// its size in GiB, and the words for it. An assumption: AWS's Amazon Linux
/// images have an 8 GiB `/dev/xvda`, its Windows Server images a 30 GiB
/// `/dev/sda1` (their `describe-images` block device mappings).
fn root_volume(windows: bool) -> (&'static str, u64, &'static str) {
    if windows {
        (
            "/dev/sda1",
            30,
            "a Windows base image's 30 GiB root volume, /dev/sda1",
        )
    } else {
        ("/dev/xvda", 8, "the base image's 8 GiB root volume")
    }
}

/// Image Builder's 6-field cron, and whether it was read from a 5-field
/// one (`cron(0 0 * * SUN)`, as some `get-image-pipeline` outputs print
/// it): that one gets a year field, and a `?` in the day-of-month or
/// day-of-week field, one of which AWS requires to hold it.
fn six_field_cron(c: &str) -> (String, bool) {
    let inner = c
        .trim()
        .strip_prefix("cron(")
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(c);
    let mut f: Vec<&str> = inner.split_whitespace().collect();
    if f.len() != 5 {
        return (c.trim().to_string(), false);
    }
    match (f[2], f[4]) {
        (_, "?") | ("?", _) => {}
        ("*", dow) if dow != "*" => f[2] = "?",
        _ => f[4] = "?",
    }
    (format!("cron({} *)", f.join(" ")), true)
}

/// Lifecycle policies that select the pipeline's recipe.
fn lifecycle(
    docs: &mut [Doc<'_>],
    recipe: Option<&str>,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == Kind::Lifecycle) {
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
        if !selects {
            warnings.push(Warning {
                file: r.file(),
                field: join(base, "resourceSelection"),
                what: "the policy does not select the pipeline's recipe by name (tag selection is not modelled): left out".into(),
            });
            continue;
        }
        if status.as_deref() == Some("DISABLED") {
            warnings.push(Warning {
                file: r.file(),
                field: join(base, "status"),
                what: "the policy is DISABLED: left out".into(),
            });
            continue;
        }
        for (i, pd) in r.array(b, base, "policyDetails")?.iter().enumerate() {
            let pbase = format!("{}[{i}]", join(base, "policyDetails"));
            let action = r
                .get(pd, &pbase, "action")
                .and_then(|a| a.get("type"))
                .and_then(Value::as_str)
                .map(str::to_string);
            r.use_path(&join(&join(&pbase, "action"), "type"));
            let Some(f) = r.get(pd, &pbase, "filter") else {
                continue;
            };
            let fbase = join(&pbase, "filter");
            let ftype = r.str(f, &fbase, "type")?.map(str::to_string);
            let value = r.uint(f, &fbase, "value")?.unwrap_or(1);
            let unit = r.str(f, &fbase, "unit")?.map(str::to_string);
            let least = r.uint(f, &fbase, "retainAtLeast")?;
            let age = || -> String {
                let days = match unit.as_deref() {
                    Some("WEEKS") => return format!("{value}w"),
                    Some("MONTHS") => value * 30,
                    Some("YEARS") => value * 365,
                    _ => value,
                };
                format!("{days}d")
            };
            let from = format!("{fbase} ({} {})", value, unit.as_deref().unwrap_or(""));
            match (action.as_deref(), ftype.as_deref()) {
                (Some("DELETE"), Some("COUNT")) => {
                    keys.push(("keep_last".into(), value.to_string(), join(&fbase, "value")))
                }
                (Some("DELETE"), _) => {
                    keys.push(("max_age".into(), quoted(&age()), from.clone()));
                    if let Some(n) = least {
                        keys.push((
                            "keep_at_least".into(),
                            n.to_string(),
                            join(&fbase, "retainAtLeast"),
                        ));
                    }
                }
                (Some("DEPRECATE"), Some("AGE")) => {
                    keys.push(("deprecate_after".into(), quoted(&age()), from.clone()))
                }
                (Some("DISABLE"), Some("AGE")) => {
                    keys.push(("disable_after".into(), quoted(&age()), from.clone()))
                }
                _ => warnings.push(Warning {
                    file: r.file(),
                    field: pbase.clone(),
                    what: format!(
                        "{} by {}: no counterpart in amisim; left out",
                        action.as_deref().unwrap_or("?"),
                        ftype.as_deref().unwrap_or("?")
                    ),
                }),
            }
            if matches!(unit.as_deref(), Some("MONTHS" | "YEARS")) {
                warnings.push(Warning {
                    file: r.file(),
                    field: join(&fbase, "unit"),
                    what: "months and years taken as 30 and 365 days".into(),
                });
            }
        }
    }
    if !keys.is_empty() {
        out.table("[pipeline.lifecycle]");
        for (k, v, from) in keys {
            out.set(&k, v, from);
        }
    }
    Ok(())
}
