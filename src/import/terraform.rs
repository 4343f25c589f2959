//! `terraform show -json` (state or plan): the `aws_imagebuilder_*`
//! resources of every module, as the Image Builder documents their
//! attributes describe, read by the same reader as Image Builder's JSON.
//!
//! Terraform names the API's fields in snake_case and writes every nested
//! block as a list; each resource becomes the API's document, its fields
//! named under the resource's address (e.g.
//! `module.recipe.aws_imagebuilder_image_recipe.this.blockDeviceMappings[0]`).
//! Field names: the AWS provider's `aws_imagebuilder_*` resources.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::imagebuilder::{Input, ResourceKind};
use super::{ImportError, Warning};

/// True if `v` is `terraform show -json` output.
pub(super) fn is_show_json(v: &Value) -> bool {
    v.get("format_version").is_some()
        && (v.get("values").is_some() || v.get("planned_values").is_some())
}

/// The resource types read, and the document each becomes.
pub(super) const TYPES: [(&str, ResourceKind); 11] = [
    ("aws_imagebuilder_image", ResourceKind::Image),
    ("aws_imagebuilder_image_pipeline", ResourceKind::Pipeline),
    ("aws_imagebuilder_image_recipe", ResourceKind::Recipe),
    (
        "aws_imagebuilder_distribution_configuration",
        ResourceKind::Distribution,
    ),
    (
        "aws_imagebuilder_infrastructure_configuration",
        ResourceKind::Infrastructure,
    ),
    ("aws_imagebuilder_lifecycle_policy", ResourceKind::Lifecycle),
    ("aws_imagebuilder_component", ResourceKind::Component),
    ("aws_ami_copy", ResourceKind::AmiCopy),
    ("aws_ami_launch_permission", ResourceKind::LaunchPermission),
    (
        "aws_imagebuilder_container_recipe",
        ResourceKind::ContainerRecipe,
    ),
    ("aws_ecr_replication_configuration", ResourceKind::Registry),
];

/// An `aws_ami_copy` body given what it lacks: its Region (AWS provider
/// 6's `region`, else its ARN's, else its provider's) and the account.
pub(super) fn complete_copy(
    body: &mut Value,
    provider_region: Option<&str>,
    account: Option<&str>,
) {
    let Value::Object(m) = body else { return };
    if !m.contains_key("region") {
        let from_arn = m
            .get("arn")
            .and_then(Value::as_str)
            .and_then(crate::sources::arn::Arn::parse)
            .map(|a| a.region.to_string())
            .filter(|r| !r.is_empty());
        if let Some(r) = from_arn.or(provider_region.map(str::to_string)) {
            m.insert("region".into(), Value::String(r));
        }
    }
    if let (false, Some(a)) = (m.contains_key("ownerId"), account) {
        m.insert("ownerId".into(), Value::String(a.to_string()));
    }
}

/// The Region of each provider configuration of a plan
/// (`configuration.provider_config`), by its key (`aws`, `aws.euw1`).
fn provider_regions(v: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(Value::Object(pc)) = v
        .get("configuration")
        .and_then(|c| c.get("provider_config"))
    {
        for (k, p) in pc {
            if let Some(r) = p
                .get("expressions")
                .and_then(|e| e.get("region"))
                .and_then(|r| r.get("constant_value"))
            {
                out.insert(k.clone(), r.clone());
            }
        }
    }
    out
}

/// The provider key of each resource of a plan's configuration, by address.
fn provider_keys(module: &Value, prefix: &str, out: &mut Map<String, Value>) {
    if let Some(Value::Array(rs)) = module.get("resources") {
        for r in rs {
            if let (Some(a), Some(k)) = (
                r.get("address").and_then(Value::as_str),
                r.get("provider_config_key"),
            ) {
                out.insert(format!("{prefix}{a}"), k.clone());
            }
        }
    }
    if let Some(Value::Object(calls)) = module.get("module_calls") {
        for (name, c) in calls {
            if let Some(m) = c.get("module") {
                provider_keys(m, &format!("{prefix}module.{name}."), out);
            }
        }
    }
}

/// Blocks Terraform repeats that the API names in the plural.
const PLURAL: [(&str, &str); 7] = [
    ("component", "components"),
    ("block_device_mapping", "blockDeviceMappings"),
    ("distribution", "distributions"),
    ("policy_detail", "policyDetails"),
    ("recipe", "recipes"),
    ("parameter", "parameters"),
    (
        "launch_template_configuration",
        "launchTemplateConfigurations",
    ),
];

/// Blocks Terraform writes as a list of one that the API has as an object.
const SINGLE: [&str; 10] = [
    "schedule",
    "image_tests_configuration",
    "ebs",
    "ami_distribution_configuration",
    "launch_permission",
    "action",
    "filter",
    "resource_selection",
    "auto_disable_policy",
    "include_resources",
];

/// `snake_case` → `camelCase`.
fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// One attribute value in the API's shape; `None` for what Terraform writes
/// but the API would not (nulls, empty lists and blocks).
fn convert(key: &str, v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        // Terraform writes an unset optional string as "".
        Value::String(s) if s.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Array(a) if SINGLE.contains(&key) => convert_object(&a[0]),
        Value::Array(a) => Some(Value::Array(
            a.iter().filter_map(|x| convert("", x)).collect(),
        )),
        Value::Object(_) => convert_object(v),
        // The provider keeps some booleans as strings ("true").
        Value::String(s) if matches!(key, "encrypted" | "delete_on_termination") => {
            s.parse::<bool>().ok().map(Value::Bool)
        }
        other => Some(other.clone()),
    }
}

pub(super) fn convert_object(v: &Value) -> Option<Value> {
    let Value::Object(m) = v else {
        return convert("", v);
    };
    let mut out = Map::new();
    for (k, x) in m {
        let name = PLURAL
            .iter()
            .find(|(t, _)| t == k)
            .map_or_else(|| camel(k), |(_, api)| api.to_string());
        if let Some(c) = convert(k, x) {
            out.insert(name, c);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// Every resource of a module and its child modules.
fn resources<'v>(module: &'v Value, out: &mut Vec<&'v Value>) {
    if let Some(Value::Array(rs)) = module.get("resources") {
        out.extend(rs);
    }
    if let Some(Value::Array(cs)) = module.get("child_modules") {
        for c in cs {
            resources(c, out);
        }
    }
}

/// The Image Builder documents in `v`, the output of `terraform show -json`.
pub(super) fn documents(
    file: &Path,
    v: &Value,
    given: &[(String, String)],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Input>, ImportError> {
    let regions = provider_regions(v);
    let mut keys = Map::new();
    if let Some(m) = v.get("configuration").and_then(|c| c.get("root_module")) {
        provider_keys(m, "", &mut keys);
    }
    let account = given
        .iter()
        .find(|(k, _)| k == "AWS::AccountId")
        .map(|(_, a)| a.as_str());
    let root = v
        .get("values")
        .or_else(|| v.get("planned_values"))
        .and_then(|x| x.get("root_module"));
    let mut all = Vec::new();
    if let Some(r) = root {
        resources(r, &mut all);
    }
    let mut docs = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for r in all {
        let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
        let address = r
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or(ty)
            .to_string();
        if !seen.contains(&ty.to_string()) {
            seen.push(ty.to_string());
        }
        let Some((_, kind)) = TYPES.iter().find(|(t, _)| *t == ty) else {
            warnings.push(Warning::unread(file, format!("resource {address}")));
            continue;
        };
        let mut body = r
            .get("values")
            .and_then(convert_object)
            .unwrap_or(Value::Object(Map::new()));
        if *kind == ResourceKind::AmiCopy {
            let provider_region = keys
                .get(&address)
                .and_then(Value::as_str)
                .and_then(|k| regions.get(k))
                .and_then(Value::as_str);
            complete_copy(&mut body, provider_region, account);
        }
        docs.push((PathBuf::from(file), body, Some((*kind, address))));
    }
    if docs.is_empty() {
        return Err(ImportError::wrong(file.to_path_buf(), "values.root_module".into(), format!(
                "no aws_imagebuilder_* or aws_ami_copy resource; the resource types are {}",
                if seen.is_empty() {
                    "none".into()
                } else {
                    seen.join(", ")
                }
            ), "give `terraform show -json` of a configuration with aws_imagebuilder_image_pipeline and its recipe, distribution and infrastructure, or with aws_ami_copy and aws_ami_launch_permission".into()));
    }
    Ok(docs)
}
