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

use super::imagebuilder::{Input, Kind};
use super::{ImportError, Warning};

/// True if `v` is `terraform show -json` output.
pub(super) fn is_show_json(v: &Value) -> bool {
    v.get("format_version").is_some()
        && (v.get("values").is_some() || v.get("planned_values").is_some())
}

/// The resource types read, and the document each becomes.
const TYPES: [(&str, Kind); 8] = [
    ("aws_imagebuilder_image_pipeline", Kind::Pipeline),
    ("aws_imagebuilder_image_recipe", Kind::Recipe),
    (
        "aws_imagebuilder_distribution_configuration",
        Kind::Distribution,
    ),
    (
        "aws_imagebuilder_infrastructure_configuration",
        Kind::Infrastructure,
    ),
    ("aws_imagebuilder_lifecycle_policy", Kind::Lifecycle),
    ("aws_imagebuilder_component", Kind::Component),
    ("aws_ami_copy", Kind::AmiCopy),
    ("aws_ami_launch_permission", Kind::LaunchPermission),
];

/// An `aws_ami_copy` body given what it lacks: its Region (AWS provider
/// 6's `region`, else its ARN's, else its provider's) and the account.
fn complete_copy(body: &mut Value, provider_region: Option<&str>, account: Option<&str>) {
    let Value::Object(m) = body else { return };
    if !m.contains_key("region") {
        let from_arn = m
            .get("arn")
            .and_then(Value::as_str)
            .and_then(super::directory::arn)
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

fn convert_object(v: &Value) -> Option<Value> {
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
            warnings.push(Warning {
                file: file.to_path_buf(),
                field: address,
                what: format!("resource type {ty}, with no counterpart in amisim; left out"),
            });
            continue;
        };
        let mut body = r
            .get("values")
            .and_then(convert_object)
            .unwrap_or(Value::Object(Map::new()));
        if *kind == Kind::AmiCopy {
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
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: "values.root_module".into(),
            reason: format!(
                "no aws_imagebuilder_* or aws_ami_copy resource; the resource types are {}",
                if seen.is_empty() {
                    "none".into()
                } else {
                    seen.join(", ")
                }
            ),
            help: "give `terraform show -json` of a configuration with aws_imagebuilder_image_pipeline and its recipe, distribution and infrastructure, or with aws_ami_copy and aws_ami_launch_permission".into(),
        });
    }
    Ok(docs)
}

/// A raw `.tf` file with literal values (and variables' defaults, `--var`,
/// references between the Image Builder resources): its
/// `aws_imagebuilder_*` resources as documents. The account, which a `.tf`
/// does not name, comes from `--var AWS::AccountId=…` or is a placeholder.
pub(super) fn documents_from_tf(
    file: &Path,
    text: &str,
    given: &[(String, String)],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Input>, ImportError> {
    use hcl::eval::{Context, Evaluate};
    let body = hcl::parse(text).map_err(|e| super::packer::malformed(file, &e))?;
    let given_value = |k: &str| given.iter().find(|(g, _)| g == k).map(|(_, v)| v.clone());
    let empty = Context::new();
    // Variables: defaults, then --var.
    let mut vars = Map::new();
    for b in body.blocks().filter(|b| b.identifier() == "variable") {
        let Some(name) = b.labels().first().map(|l| l.as_str().to_string()) else {
            continue;
        };
        let v = match given_value(&name) {
            Some(g) => Value::String(g),
            None => b
                .body()
                .attributes()
                .find(|a| a.key() == "default")
                .and_then(|a| a.expr().evaluate(&empty).ok())
                .map_or(Value::Null, |v| {
                    serde_json::to_value(v).unwrap_or(Value::Null)
                }),
        };
        vars.insert(name, v);
    }
    // Each provider "aws" block's Region, by its alias ("" for the default one).
    let mut var_ctx = Context::new();
    var_ctx.declare_var(
        "var",
        serde_json::from_value::<hcl::Value>(Value::Object(vars.clone()))
            .unwrap_or(hcl::Value::Null),
    );
    let mut providers: Vec<(String, String)> = Vec::new();
    for b in body.blocks().filter(|b| {
        b.identifier() == "provider" && b.labels().first().map(|l| l.as_str()) == Some("aws")
    }) {
        let attr = |key: &str| {
            b.body()
                .attributes()
                .find(|a| a.key() == key)
                .and_then(|a| a.expr().evaluate(&var_ctx).ok())
                .and_then(|v| v.as_str().map(str::to_string))
        };
        if let Some(r) = attr("region") {
            providers.push((attr("alias").unwrap_or_default(), r));
        }
    }
    let region = providers
        .iter()
        .find(|(alias, _)| alias.is_empty())
        .or(providers.first())
        .map(|(_, r)| r.clone())
        .or_else(|| given_value("AWS::Region"));
    let Some(region) = region else {
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: "provider \"aws\".region".into(),
            reason: "the configuration names no Region".into(),
            help: "add region to provider \"aws\", or give --var AWS::Region=…".into(),
        });
    };
    // A .tf names no account: --var, else the first account an ARN in the
    // file names (a key's, a component's), else a placeholder.
    let in_arns = text
        .split("arn:aws:")
        .skip(1)
        .filter_map(|rest| rest.split(':').nth(2))
        .find(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string);
    let account = match (given_value("AWS::AccountId"), in_arns) {
        (Some(a), _) => a,
        (None, Some(a)) => {
            warnings.push(Warning {
                file: file.to_path_buf(),
                field: "AWS::AccountId".into(),
                what: format!("a .tf names no account: {a}, the first an ARN in the file names (set it with --var AWS::AccountId=…)"),
            });
            a
        }
        (None, None) => {
            warnings.push(Warning {
                file: file.to_path_buf(),
                field: "AWS::AccountId".into(),
                what: "a .tf names no account: 111111111111, a placeholder (set it with --var AWS::AccountId=…)".into(),
            });
            "111111111111".into()
        }
    };
    // What other resources' attributes give: the ARNs of the Image Builder ones.
    let arn_type = |ty: &str| match ty {
        "aws_imagebuilder_image_pipeline" => Some("image-pipeline"),
        "aws_imagebuilder_image_recipe" => Some("image-recipe"),
        "aws_imagebuilder_distribution_configuration" => Some("distribution-configuration"),
        "aws_imagebuilder_infrastructure_configuration" => Some("infrastructure-configuration"),
        "aws_imagebuilder_lifecycle_policy" => Some("lifecycle-policy"),
        "aws_imagebuilder_component" => Some("component"),
        _ => None,
    };
    let mut refs: Map<String, Value> = Map::new();
    // `provider = aws.euw1` reads as that provider's Region.
    let aliases: Map<String, Value> = providers
        .iter()
        .filter(|(a, _)| !a.is_empty())
        .map(|(a, r)| (a.clone(), Value::String(r.clone())))
        .collect();
    refs.insert("aws".into(), Value::Object(aliases));
    // Images a .tf refers to by id: a data source, or an image resource;
    // each id reads as the reference itself.
    let mut data: Map<String, Value> = Map::new();
    for b in body.blocks() {
        let (Some(ty), Some(name)) = (b.labels().first(), b.labels().get(1)) else {
            continue;
        };
        let is_image = matches!(
            ty.as_str(),
            "aws_ami" | "aws_ami_copy" | "aws_ami_from_instance"
        );
        let map = match b.identifier() {
            "data" if ty.as_str() == "aws_ami" => &mut data,
            "resource" if is_image => &mut refs,
            _ => continue,
        };
        let prefix = if b.identifier() == "data" {
            "data."
        } else {
            ""
        };
        let mut attrs = Map::new();
        attrs.insert(
            "id".into(),
            Value::String(format!("{prefix}{}.{}", ty.as_str(), name.as_str())),
        );
        if let Value::Object(m) = map
            .entry(ty.as_str().to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            m.insert(name.as_str().to_string(), Value::Object(attrs));
        }
    }
    if !data.is_empty() {
        refs.insert("data".into(), Value::Object(data));
    }
    let literal = |b: &hcl::Block, key: &str| {
        b.body()
            .attributes()
            .find(|a| a.key() == key)
            .and_then(|a| a.expr().evaluate(&empty).ok())
            .and_then(|v| v.as_str().map(str::to_string))
    };
    for b in body.blocks().filter(|b| b.identifier() == "resource") {
        let (Some(ty), Some(name)) = (b.labels().first(), b.labels().get(1)) else {
            continue;
        };
        let Some(t) = arn_type(ty.as_str()) else {
            continue;
        };
        let rname = literal(b, "name").unwrap_or_else(|| name.as_str().to_string());
        let version = literal(b, "version").map_or(String::new(), |v| format!("/{v}"));
        let arn = format!(
            "arn:aws:imagebuilder:{region}:{account}:{t}/{}{version}",
            rname.to_lowercase()
        );
        let e = refs
            .entry(ty.as_str().to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = e {
            let mut attrs = Map::new();
            attrs.insert("arn".into(), Value::String(arn));
            m.insert(name.as_str().to_string(), Value::Object(attrs));
        }
    }
    let mut ctx = Context::new();
    let to_hcl = |v: Value| serde_json::from_value::<hcl::Value>(v).unwrap_or(hcl::Value::Null);
    ctx.declare_var("var", to_hcl(Value::Object(vars)));
    for (k, v) in &refs {
        ctx.declare_var(k.clone(), to_hcl(v.clone()));
    }
    let mut docs = Vec::new();
    let mut seen = Vec::new();
    for b in body.blocks() {
        if b.identifier() != "resource" {
            if !matches!(
                b.identifier(),
                "variable" | "provider" | "terraform" | "locals" | "output"
            ) {
                warnings.push(Warning {
                    file: file.to_path_buf(),
                    field: b.identifier().to_string(),
                    what: "a block with no counterpart in amisim; left out".into(),
                });
            }
            continue;
        }
        let (Some(ty), Some(name)) = (b.labels().first(), b.labels().get(1)) else {
            continue;
        };
        let address = format!("{}.{}", ty.as_str(), name.as_str());
        seen.push(ty.as_str().to_string());
        let Some((_, kind)) = TYPES.iter().find(|(t, _)| *t == ty.as_str()) else {
            warnings.push(Warning {
                file: file.to_path_buf(),
                field: address,
                what: format!(
                    "resource type {}, not Image Builder's; left out",
                    ty.as_str()
                ),
            });
            continue;
        };
        let raw = super::packer::body_json(b.body(), &ctx, &address, file, warnings);
        // Nested blocks of one are lists in Terraform's JSON: the same shape here.
        let mut body = convert_object(&as_blocks(raw)).unwrap_or(Value::Object(Map::new()));
        if *kind == Kind::AmiCopy
            && let Value::Object(m) = &mut body
        {
            // Its id is the reference its launch permissions make to it.
            m.insert("id".into(), Value::String(address.clone()));
            if let Some(Value::String(r)) = m.remove("provider") {
                m.insert("region".into(), Value::String(r));
            }
            complete_copy(&mut body, Some(&region), Some(&account));
        }
        if let (Value::Object(m), Some(arn)) = (
            &mut body,
            refs.get(ty.as_str())
                .and_then(|r| r.get(name.as_str()))
                .and_then(|r| r.get("arn")),
        ) {
            m.insert("arn".into(), arn.clone());
        }
        docs.push((PathBuf::from(file), body, Some((*kind, address))));
    }
    if docs.is_empty() {
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: String::new(),
            reason: format!(
                "no aws_imagebuilder_* resource; the resource types are {}",
                if seen.is_empty() { "none".into() } else { seen.join(", ") }
            ),
            help: "give the .tf that declares aws_imagebuilder_image_pipeline and its recipe, distribution and infrastructure".into(),
        });
    }
    Ok(docs)
}

/// A single nested block (an object) in the list form Terraform's JSON uses.
fn as_blocks(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| {
                    let x = match x {
                        Value::Object(_)
                            if SINGLE.contains(&k.as_str())
                                || PLURAL.iter().any(|(t, _)| *t == k) =>
                        {
                            Value::Array(vec![as_blocks(x)])
                        }
                        Value::Array(a) => Value::Array(a.into_iter().map(as_blocks).collect()),
                        other => as_blocks(other),
                    };
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    }
}
