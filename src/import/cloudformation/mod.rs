//! CloudFormation templates, YAML (with the short-form tags `!Ref`,
//! `!GetAtt`, `!Sub`, `!Join`, `!Select`, `!If`, …) or JSON: their
//! `AWS::ImageBuilder::*` resources, intrinsic functions resolved inside the
//! template, become Image Builder's documents, read by the same reader.
//!
//! Property names: "AWS::ImageBuilder::*" in the CloudFormation User Guide.
// YAML through yaml-rust2's event parser: it reports tags and places, which
// its `Yaml` tree (and serde's YAML crates) do not keep together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

mod resolver;

use super::imagebuilder::{Input, ResourceKind};
use super::{ImportError, Warning};
use resolver::Resolver;

/// True if `text` looks like a CloudFormation template.
pub(super) fn is_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion") || text.contains("AWS::ImageBuilder::")
}

/// Builds JSON from YAML events; a tagged node becomes the long form of its
/// intrinsic function (`!Ref X` → `{"Ref": "X"}`).
struct Builder {
    stack: Vec<(Value, Option<String>, Option<Tag>)>,
    done: Option<Value>,
}

fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    match s.as_str() {
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        "null" | "~" | "" => Value::Null,
        _ => s
            .parse::<i64>()
            .map(|n| Value::Number(n.into()))
            .ok()
            .or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::String(s)),
    }
}

fn tagged(tag: Option<Tag>, v: Value) -> Value {
    let Some(t) = tag.filter(|t| t.handle == "!") else {
        return v;
    };
    let name = match t.suffix.as_str() {
        "Ref" | "Condition" => t.suffix.clone(),
        other => format!("Fn::{other}"),
    };
    // `!GetAtt A.B` is the list [A, B] in the long form.
    let v = match (name.as_str(), v) {
        ("Fn::GetAtt", Value::String(s)) => {
            let (a, b) = s.split_once('.').unwrap_or((&s, ""));
            Value::Array(vec![Value::String(a.into()), Value::String(b.into())])
        }
        (_, v) => v,
    };
    let mut m = Map::new();
    m.insert(name, v);
    Value::Object(m)
}

impl Builder {
    fn push_value(&mut self, v: Value) {
        match self.stack.last_mut() {
            None => self.done = Some(v),
            Some((Value::Array(a), _, _)) => a.push(v),
            Some((Value::Object(m), key, _)) => match key.take() {
                None => *key = Some(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
                Some(k) => {
                    m.insert(k, v);
                }
            },
            Some(_) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, _mark: Marker) {
        match ev {
            Event::Scalar(s, style, _, tag) => {
                let v = scalar(s, style);
                self.push_value(tagged(tag, v));
            }
            Event::SequenceStart(_, tag) => self.stack.push((Value::Array(Vec::new()), None, tag)),
            Event::MappingStart(_, tag) => self.stack.push((Value::Object(Map::new()), None, tag)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((v, _, tag)) = self.stack.pop() {
                    self.push_value(tagged(tag, v));
                }
            }
            _ => {}
        }
    }
}

/// The template as JSON, from YAML or JSON.
fn parse(file: &Path, text: &str) -> Result<Value, ImportError> {
    if text.trim_start().starts_with('{') {
        return super::json::parse(file, text);
    }
    let mut b = Builder {
        stack: Vec::new(),
        done: None,
    };
    Parser::new_from_str(text)
        .load(&mut b, false)
        .map_err(|e| {
            ImportError::malformed(
                file.to_path_buf(),
                e.marker().line(),
                e.marker().col() + 1,
                "YAML",
                e.info().to_string(),
            )
        })?;
    Ok(b.done.unwrap_or(Value::Null))
}

/// `PascalCase` → `camelCase`, with the one property CloudFormation names
/// differently from the API.
fn api_name(k: &str) -> String {
    if k == "LaunchPermissionConfiguration" {
        return "launchPermission".into();
    }
    let mut c = k.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

fn api_shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            // An unresolved value stays null: read as absent, or listed
            // as left out where nothing reads it.
            m.iter().map(|(k, x)| (api_name(k), api_shape(x))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(api_shape).collect()),
        other => other.clone(),
    }
}

/// The resource types read, the document each becomes, and its ARN's type.
const TYPES: [(&str, ResourceKind, &str); 9] = [
    ("AWS::ImageBuilder::Image", ResourceKind::Image, "image"),
    (
        "AWS::ImageBuilder::ImagePipeline",
        ResourceKind::Pipeline,
        "image-pipeline",
    ),
    (
        "AWS::ImageBuilder::ImageRecipe",
        ResourceKind::Recipe,
        "image-recipe",
    ),
    (
        "AWS::ImageBuilder::DistributionConfiguration",
        ResourceKind::Distribution,
        "distribution-configuration",
    ),
    (
        "AWS::ImageBuilder::InfrastructureConfiguration",
        ResourceKind::Infrastructure,
        "infrastructure-configuration",
    ),
    (
        "AWS::ImageBuilder::LifecyclePolicy",
        ResourceKind::Lifecycle,
        "lifecycle-policy",
    ),
    (
        "AWS::ImageBuilder::Component",
        ResourceKind::Component,
        "component",
    ),
    (
        "AWS::ImageBuilder::ContainerRecipe",
        ResourceKind::ContainerRecipe,
        "container-recipe",
    ),
    (
        "AWS::ECR::ReplicationConfiguration",
        ResourceKind::Registry,
        "registry",
    ),
];

/// The pseudo parameters (`--var AWS::Region=…`, else a placeholder, said)
/// and the template's parameters: `--parameters` values, else their
/// defaults; one with neither is null (what reads it is left out), said.
fn parameters(
    t: &Value,
    given: &BTreeMap<String, String>,
    file: &Path,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, Value> {
    let mut params: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in [
        ("AWS::Region", "us-east-1"),
        ("AWS::AccountId", "111111111111"),
        ("AWS::Partition", "aws"),
    ] {
        match given.get(k) {
            Some(g) => {
                params.insert(k.into(), Value::String(g.clone()));
            }
            None => {
                params.insert(k.into(), Value::String(v.into()));
                if k != "AWS::Partition" {
                    warnings.push(Warning { file: file.to_path_buf(), field: k.into(), what: crate::import::What::Assumed(format!("a pseudo parameter the template does not fix: {v} (set it with --var {k}=…)")) });
                }
            }
        }
    }
    if let Some(Value::Object(ps)) = t.get("Parameters") {
        for (k, p) in ps {
            let v = match given.get(k) {
                Some(g) => Some(Value::String(g.clone())),
                None => p.get("Default").cloned(),
            };
            let is_list = p
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
            match v {
                // A list parameter is a comma-delimited string; its Ref is the list.
                Some(Value::String(s)) if is_list => {
                    let items = s
                        .split(',')
                        .map(|x| Value::String(x.trim().to_string()))
                        .collect();
                    params.insert(k.clone(), Value::Array(items));
                }
                Some(v) => {
                    params.insert(k.clone(), v);
                }
                None => {
                    // What reads it is left out (null), not given the text "null".
                    params.insert(k.clone(), Value::Null);
                    warnings.push(Warning { file: file.to_path_buf(), field: format!("Parameters.{k}"), what: crate::import::What::Assumed("no Default and no --parameters value: left unresolved, and what reads it left out".into()) });
                }
            }
        }
    }
    params
}

/// The ARN a `Ref` or `GetAtt … Arn` of each Image Builder or KMS
/// resource gives, by logical id (as CloudFormation would create it in
/// `region` and `account`).
fn arns(resources: &Map<String, Value>, region: &str, account: &str) -> BTreeMap<String, String> {
    let mut arns = BTreeMap::new();
    for (id, r) in resources {
        let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
        let props = r.get("Properties");
        let name = props
            .and_then(|p| p.get("Name"))
            .and_then(Value::as_str)
            .unwrap_or(id);
        if let Some((_, _, arn_type)) = TYPES.iter().find(|(t, _, _)| *t == ty) {
            let version = props
                .and_then(|p| p.get("Version"))
                .and_then(Value::as_str)
                .map_or(String::new(), |v| format!("/{v}"));
            arns.insert(
                id.clone(),
                format!(
                    "arn:aws:imagebuilder:{region}:{account}:{arn_type}/{}{version}",
                    name.to_lowercase()
                ),
            );
        } else if ty == "AWS::KMS::Key" || ty == "AWS::KMS::ReplicaKey" {
            let mrk = props
                .and_then(|p| p.get("MultiRegion"))
                .is_some_and(|m| m == &Value::Bool(true));
            let kid = if mrk {
                format!("mrk-{}", id.to_lowercase())
            } else {
                id.to_lowercase()
            };
            arns.insert(
                id.clone(),
                format!("arn:aws:kms:{region}:{account}:key/{kid}"),
            );
        }
    }
    arns
}

/// A top-level section of the template (`Conditions`, `Mappings`), or none.
fn section(t: &Value, name: &str) -> Map<String, Value> {
    t.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The Image Builder documents of a template. `params` are `--parameters`
/// (and the pseudo parameters `AWS::Region` and `AWS::AccountId`).
pub(super) fn documents(
    file: &Path,
    text: &str,
    given: &BTreeMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Input>, ImportError> {
    let t = parse(file, text)?;
    let Some(Value::Object(resources)) = t.get("Resources") else {
        return Err(ImportError::wrong(
            file.to_path_buf(),
            "Resources".into(),
            "a template without Resources".into(),
            "give the template that declares the AWS::ImageBuilder::* resources".into(),
        ));
    };
    let params = parameters(&t, given, file, warnings);
    let region = params["AWS::Region"]
        .as_str()
        .unwrap_or("us-east-1")
        .to_string();
    let account = params["AWS::AccountId"]
        .as_str()
        .unwrap_or("111111111111")
        .to_string();
    let arns = arns(resources, &region, &account);
    let seen: Vec<String> = resources
        .values()
        .map(|r| {
            r.get("Type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let mut res = Resolver {
        params,
        given,
        arns,
        conditions: section(&t, "Conditions"),
        mappings: section(&t, "Mappings"),
        visiting: Vec::new(),
        file,
        warnings: Vec::new(),
    };
    let mut docs = Vec::new();
    for (id, r) in resources {
        let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
        let Some((_, kind, _)) = TYPES.iter().find(|(t, _, _)| *t == ty) else {
            warnings.push(super::not_read(file, format!("Resources.{id}"), ty));
            continue;
        };
        let at = format!("Resources.{id}.Properties");
        let props = r
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let mut body = api_shape(&res.resolve(&props, &at));
        if let Value::Object(m) = &mut body {
            m.insert("arn".into(), Value::String(res.arns[id].clone()));
        }
        docs.push((PathBuf::from(file), body, Some((*kind, at))));
    }
    warnings.append(&mut res.warnings);
    if docs.is_empty() {
        return Err(ImportError::wrong(file.to_path_buf(), "Resources".into(), format!(
                "no AWS::ImageBuilder::* resource; the types are {}",
                if seen.is_empty() { "none".into() } else { seen.join(", ") }
            ), "give the template that declares the image pipeline, its recipe, distribution and infrastructure".into()));
    }
    Ok(docs)
}
