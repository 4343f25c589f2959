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

use super::imagebuilder::{Input, Kind};
use super::{ImportError, Warning};

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
        .map_err(|e| ImportError::Malformed {
            file: file.to_path_buf(),
            line: e.marker().line(),
            col: e.marker().col() + 1,
            language: "YAML",
            reason: e.info().to_string(),
        })?;
    Ok(b.done.unwrap_or(Value::Null))
}

/// Resolves intrinsic functions against parameters, pseudo parameters and
/// the template's own resources.
struct Resolver<'a> {
    params: BTreeMap<String, Value>,
    /// Values given on the command line (`--var`): `Fn::ImportValue` of
    /// another stack's export reads its name here.
    given: &'a BTreeMap<String, String>,
    /// Logical id → the ARN a `Ref` or `GetAtt … Arn` of it gives.
    arns: BTreeMap<String, String>,
    /// The template's Conditions, unevaluated.
    conditions: Map<String, Value>,
    /// Conditions being evaluated (a cycle is refused, not followed).
    visiting: Vec<String>,
    file: &'a Path,
    warnings: Vec<Warning>,
}

impl Resolver<'_> {
    /// The value of condition `name` of the template's Conditions.
    fn condition(&mut self, name: &str, at: &str) -> Option<bool> {
        if self.visiting.iter().any(|v| v == name) {
            return None; // a condition that depends on itself
        }
        let c = self.conditions.get(name)?.clone();
        self.visiting.push(name.to_string());
        let v = self.resolve(&c, at).as_bool();
        self.visiting.pop();
        v
    }

    fn warn(&mut self, at: &str, what: String) {
        self.warnings.push(Warning {
            file: self.file.to_path_buf(),
            field: at.to_string(),
            what,
        });
    }

    fn name(&mut self, n: &str, at: &str) -> Value {
        if let Some(v) = self.params.get(n) {
            return v.clone();
        }
        if let Some(a) = self.arns.get(n) {
            return Value::String(a.clone());
        }
        self.warn(at, format!("`{n}` is neither a parameter nor an Image Builder or KMS resource of the template: left unresolved"));
        Value::Null
    }

    /// `Fn::Sub`; `None` if a name in it has no value.
    fn sub(&mut self, s: &str, vars: &Map<String, Value>, at: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                break;
            };
            let key = &rest[i + 2..i + j];
            let key = key.strip_suffix(".Arn").unwrap_or(key);
            let v = match vars.get(key) {
                Some(v) => self.resolve(v, at),
                None => self.name(key, at),
            };
            if v.is_null() {
                return None;
            }
            out.push_str(v.as_str().map_or(v.to_string(), str::to_string).as_str());
            rest = &rest[i + j + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn resolve(&mut self, v: &Value, at: &str) -> Value {
        match v {
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x, at)).collect()),
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().expect("one entry");
                let arg_r = || arg.clone();
                match k.as_str() {
                    "Ref" => {
                        let n = arg.as_str().unwrap_or_default().to_string();
                        self.name(&n, at)
                    }
                    "Fn::GetAtt" => {
                        let n = arg
                            .get(0)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        self.name(&n, at)
                    }
                    "Fn::Sub" => match arg {
                        Value::String(s) => self
                            .sub(s, &Map::new(), at)
                            .map_or(Value::Null, Value::String),
                        Value::Array(a) => {
                            let s = a
                                .first()
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string();
                            let vars = a
                                .get(1)
                                .and_then(Value::as_object)
                                .cloned()
                                .unwrap_or_default();
                            self.sub(&s, &vars, at).map_or(Value::Null, Value::String)
                        }
                        _ => Value::Null,
                    },
                    "Fn::Join" => {
                        let r = self.resolve(&arg_r(), at);
                        let sep = r
                            .get(0)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let list = r
                            .get(1)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        if list.iter().any(Value::is_null) {
                            return Value::Null; // a part without a value
                        }
                        let parts: Vec<String> = list
                            .iter()
                            .map(|x| x.as_str().map_or(x.to_string(), str::to_string))
                            .collect();
                        Value::String(parts.join(&sep))
                    }
                    "Fn::Select" => {
                        let r = self.resolve(&arg_r(), at);
                        let i = r
                            .get(0)
                            .and_then(|x| {
                                x.as_u64()
                                    .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
                            })
                            .unwrap_or(0) as usize;
                        r.get(1)
                            .and_then(|l| l.get(i))
                            .cloned()
                            .unwrap_or(Value::Null)
                    }
                    "Fn::If" => {
                        let cond = arg
                            .get(0)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let branch = match self.condition(&cond, at) {
                            Some(true) => 1,
                            Some(false) => 2,
                            None => {
                                self.warn(at, format!("Fn::If: condition {cond} cannot be evaluated; the first branch is taken"));
                                1
                            }
                        };
                        arg.get(branch).map_or(Value::Null, |x| self.resolve(x, at))
                    }
                    "Fn::Equals" => {
                        let r = self.resolve(&arg_r(), at);
                        Value::Bool(r.get(0).is_some() && r.get(0) == r.get(1))
                    }
                    "Fn::Not" => {
                        let r = self.resolve(&arg_r(), at);
                        r.get(0)
                            .and_then(Value::as_bool)
                            .map_or(Value::Null, |b| Value::Bool(!b))
                    }
                    "Fn::And" | "Fn::Or" => {
                        let r = self.resolve(&arg_r(), at);
                        let all: Option<Vec<bool>> = r
                            .as_array()
                            .map(|l| l.iter().map(Value::as_bool).collect::<Option<Vec<bool>>>())
                            .unwrap_or(None);
                        match all {
                            Some(b) if k == "Fn::And" => Value::Bool(b.iter().all(|x| *x)),
                            Some(b) => Value::Bool(b.iter().any(|x| *x)),
                            None => Value::Null,
                        }
                    }
                    "Condition" => {
                        let c = arg.as_str().unwrap_or_default().to_string();
                        self.condition(&c, at).map_or(Value::Null, Value::Bool)
                    }
                    "Fn::ImportValue" => {
                        // Another stack's export: its value from --var NAME=…, where given.
                        let export = self.resolve(arg, at);
                        let key = export.as_str().unwrap_or_default().to_string();
                        match self.given.get(&key) {
                            Some(v) => Value::String(v.clone()),
                            None => {
                                self.warn(at, format!("Fn::ImportValue {export}: another stack's export; left unresolved (give its value with --var {key}=…, from `aws cloudformation list-exports`)"));
                                Value::Null
                            }
                        }
                    }
                    name if name.starts_with("Fn::") => {
                        self.warn(
                            at,
                            format!(
                                "{name} cannot be resolved inside the template; left unresolved"
                            ),
                        );
                        Value::Null
                    }
                    _ => Value::Object(
                        m.iter()
                            .map(|(k, x)| (k.clone(), self.resolve(x, &format!("{at}.{k}"))))
                            .collect(),
                    ),
                }
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.resolve(x, &format!("{at}.{k}"))))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
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
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (api_name(k), api_shape(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(api_shape).collect()),
        other => other.clone(),
    }
}

/// The resource types read, the document each becomes, and its ARN's type.
const TYPES: [(&str, Kind, &str); 7] = [
    ("AWS::ImageBuilder::Image", Kind::Image, "image"),
    (
        "AWS::ImageBuilder::ImagePipeline",
        Kind::Pipeline,
        "image-pipeline",
    ),
    (
        "AWS::ImageBuilder::ImageRecipe",
        Kind::Recipe,
        "image-recipe",
    ),
    (
        "AWS::ImageBuilder::DistributionConfiguration",
        Kind::Distribution,
        "distribution-configuration",
    ),
    (
        "AWS::ImageBuilder::InfrastructureConfiguration",
        Kind::Infrastructure,
        "infrastructure-configuration",
    ),
    (
        "AWS::ImageBuilder::LifecyclePolicy",
        Kind::Lifecycle,
        "lifecycle-policy",
    ),
    ("AWS::ImageBuilder::Component", Kind::Component, "component"),
];

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
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: "Resources".into(),
            reason: "a template without Resources".into(),
            help: "give the template that declares the AWS::ImageBuilder::* resources".into(),
        });
    };
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
                    warnings.push(Warning {
                        file: file.to_path_buf(),
                        field: k.into(),
                        what: format!("a pseudo parameter the template does not fix: {v} (set it with --var {k}=…)"),
                    });
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
                    warnings.push(Warning {
                    file: file.to_path_buf(),
                    field: format!("Parameters.{k}"),
                    what: "no Default and no --parameters value: left unresolved, and what reads it left out".into(),
                });
                }
            }
        }
    }
    let region = params["AWS::Region"]
        .as_str()
        .unwrap_or("us-east-1")
        .to_string();
    let account = params["AWS::AccountId"]
        .as_str()
        .unwrap_or("111111111111")
        .to_string();
    let mut arns = BTreeMap::new();
    let mut seen = Vec::new();
    for (id, r) in resources {
        let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
        seen.push(ty.to_string());
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
    let mut res = Resolver {
        params,
        given,
        arns,
        conditions: t
            .get("Conditions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
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
        return Err(ImportError::Wrong {
            file: file.to_path_buf(),
            field: "Resources".into(),
            reason: format!(
                "no AWS::ImageBuilder::* resource; the types are {}",
                if seen.is_empty() { "none".into() } else { seen.join(", ") }
            ),
            help: "give the template that declares the image pipeline, its recipe, distribution and infrastructure".into(),
        });
    }
    Ok(docs)
}
