//! CloudFormation's intrinsic functions, resolved inside the template.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::import::Warning;

/// Resolves intrinsic functions against parameters, pseudo parameters and
/// the template's own resources.
pub(super) struct Resolver<'a> {
    pub(super) params: BTreeMap<String, Value>,
    /// Values given on the command line (`--var`): `Fn::ImportValue` of
    /// another stack's export reads its name here.
    pub(super) given: &'a BTreeMap<String, String>,
    /// Logical id → the ARN a `Ref` or `GetAtt … Arn` of it gives.
    pub(super) arns: BTreeMap<String, String>,
    /// The template's Conditions, unevaluated.
    pub(super) conditions: Map<String, Value>,
    /// The template's Mappings (`Fn::FindInMap`).
    pub(super) mappings: Map<String, Value>,
    /// Conditions being evaluated (a cycle is refused, not followed).
    pub(super) visiting: Vec<String>,
    pub(super) file: &'a Path,
    pub(super) warnings: Vec<Warning>,
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
            what: crate::import::What::Assumed(what),
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

    pub(super) fn resolve(&mut self, v: &Value, at: &str) -> Value {
        match v {
            Value::Array(a) => {
                let at_i = |i: usize| format!("{at}[{i}]");
                Value::Array(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| self.resolve(x, &at_i(i)))
                        .collect(),
                )
            }
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().expect("one entry");
                self.function(k, arg, at)
                    .unwrap_or_else(|| self.object(m, at))
            }
            Value::Object(m) => self.object(m, at),
            other => other.clone(),
        }
    }

    /// A function's arguments, resolved at the field the function is in.
    fn args(&mut self, arg: &Value, at: &str) -> Value {
        match arg {
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x, at)).collect()),
            other => self.resolve(other, at),
        }
    }

    fn object(&mut self, m: &Map<String, Value>, at: &str) -> Value {
        Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), self.resolve(x, &format!("{at}.{k}"))))
                .collect(),
        )
    }

    /// Intrinsic function `k` of `arg`; `None` if `k` is a plain key.
    fn function(&mut self, k: &str, arg: &Value, at: &str) -> Option<Value> {
        let first = |a: &Value| {
            a.get(0)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(match k {
            "Ref" => self.name(arg.as_str().unwrap_or_default(), at),
            "Fn::GetAtt" => self.name(&first(arg), at),
            "Fn::Sub" => self.sub_of(arg, at),
            "Fn::Join" => {
                let r = self.args(arg, at);
                join(&r)
            }
            "Fn::Select" => {
                let r = self.args(arg, at);
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
            "Fn::If" => self.if_of(arg, at),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let r = self.args(arg, at);
                logic(k, &r)
            }
            "Condition" => {
                let c = arg.as_str().unwrap_or_default().to_string();
                self.condition(&c, at).map_or(Value::Null, Value::Bool)
            }
            "Fn::ImportValue" => self.import_value(arg, at),
            "Fn::FindInMap" => self.find_in_map(arg, at),
            "Fn::Split" => {
                let r = self.args(arg, at);
                match (
                    r.get(0).and_then(Value::as_str),
                    r.get(1).and_then(Value::as_str),
                ) {
                    (Some(d), Some(s)) if !d.is_empty() => {
                        Value::Array(s.split(d).map(|x| Value::String(x.into())).collect())
                    }
                    _ => Value::Null,
                }
            }
            name if name.starts_with("Fn::") => {
                self.warn(
                    at,
                    format!("{name} cannot be resolved inside the template; left unresolved"),
                );
                Value::Null
            }
            _ => return None,
        })
    }

    /// `Fn::Sub` of a string, or of `[string, variables]`.
    fn sub_of(&mut self, arg: &Value, at: &str) -> Value {
        let (s, vars) = match arg {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(a) => (
                a.first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                a.get(1)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => return Value::Null,
        };
        self.sub(&s, &vars, at).map_or(Value::Null, Value::String)
    }

    /// `Fn::If`: the branch its condition picks (the first, said, if it
    /// cannot be evaluated).
    fn if_of(&mut self, arg: &Value, at: &str) -> Value {
        let cond = arg
            .get(0)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let branch = match self.condition(&cond, at) {
            Some(true) => 1,
            Some(false) => 2,
            None => {
                self.warn(
                    at,
                    format!(
                        "Fn::If: condition {cond} cannot be evaluated; the first branch is taken"
                    ),
                );
                1
            }
        };
        arg.get(branch).map_or(Value::Null, |x| self.resolve(x, at))
    }

    /// `Fn::FindInMap [map, top key, second key]` in the template's
    /// Mappings, with the language extension's `{ DefaultValue: … }` as a
    /// fourth element; a missing entry without a default is said.
    fn find_in_map(&mut self, arg: &Value, at: &str) -> Value {
        let r = self.args(arg, at);
        let key = |i: usize| {
            r.get(i)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (map, top, second) = (key(0), key(1), key(2));
        let found = self
            .mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second))
            .cloned();
        let default = r.get(3).and_then(|d| d.get("DefaultValue")).cloned();
        match found.or(default) {
            Some(v) => self.resolve(&v, at),
            None => {
                self.warn(at, format!("Fn::FindInMap: the template's Mappings have no {map}.{top}.{second}; left unresolved"));
                Value::Null
            }
        }
    }

    /// Another stack's export: its value from `--var NAME=…`, where given.
    fn import_value(&mut self, arg: &Value, at: &str) -> Value {
        let export = self.args(arg, at);
        let Some(key) = export.as_str() else {
            self.warn(at, "Fn::ImportValue of an export whose name is unresolved (it reads a parameter without a value: see above); left unresolved (give the parameter with --parameters or --var NAME=…, then the export's value with --var EXPORT=…, from `aws cloudformation list-exports`)".into());
            return Value::Null;
        };
        match self.given.get(key) {
            Some(v) => Value::String(v.clone()),
            None => {
                self.warn(at, format!("Fn::ImportValue {key:?}: another stack's export; left unresolved (give its value with --var {key}=…, from `aws cloudformation list-exports`)"));
                Value::Null
            }
        }
    }
}

/// `Fn::Join` of resolved `[separator, list]`; null if a part has no value.
fn join(r: &Value) -> Value {
    let sep = r.get(0).and_then(Value::as_str).unwrap_or_default();
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
    Value::String(parts.join(sep))
}

/// `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` of resolved arguments.
fn logic(k: &str, r: &Value) -> Value {
    match k {
        "Fn::Equals" => Value::Bool(r.get(0).is_some() && r.get(0) == r.get(1)),
        "Fn::Not" => r
            .get(0)
            .and_then(Value::as_bool)
            .map_or(Value::Null, |b| Value::Bool(!b)),
        _ => {
            let all: Option<Vec<bool>> = r
                .as_array()
                .and_then(|l| l.iter().map(Value::as_bool).collect::<Option<Vec<bool>>>());
            match all {
                Some(b) if k == "Fn::And" => Value::Bool(b.iter().all(|x| *x)),
                Some(b) => Value::Bool(b.iter().any(|x| *x)),
                None => Value::Null,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_in_map_and_split_resolve_as_cloudformation_does() {
        let given = BTreeMap::new();
        let mappings = serde_json::json!({
            "Sizes": { "prod": { "Type": "m5.large", "Types": "m5.large,m5a.large" } }
        });
        let mut r = Resolver {
            params: BTreeMap::from([("Env".to_string(), Value::String("prod".into()))]),
            given: &given,
            arns: BTreeMap::new(),
            conditions: Map::new(),
            mappings: mappings.as_object().cloned().unwrap_or_default(),
            visiting: Vec::new(),
            file: Path::new("t.yaml"),
            warnings: Vec::new(),
        };
        let find = serde_json::json!({ "Fn::FindInMap": ["Sizes", { "Ref": "Env" }, "Type"] });
        assert_eq!(r.resolve(&find, "x"), Value::String("m5.large".into()));
        let split = serde_json::json!({ "Fn::Split": [",", { "Fn::FindInMap": ["Sizes", "prod", "Types"] }] });
        assert_eq!(
            r.resolve(&split, "x"),
            serde_json::json!(["m5.large", "m5a.large"])
        );
        let missing = serde_json::json!({ "Fn::FindInMap": ["Sizes", "dev", "Type"] });
        assert_eq!(r.resolve(&missing, "y"), Value::Null);
        assert!(r.warnings[0].what.to_string().contains("no Sizes.dev.Type"));
        let default = serde_json::json!({ "Fn::FindInMap": ["Sizes", "dev", "Type", { "DefaultValue": "t3.medium" }] });
        assert_eq!(r.resolve(&default, "z"), Value::String("t3.medium".into()));
    }
}
