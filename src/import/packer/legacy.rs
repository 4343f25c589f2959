//! A legacy Packer JSON template (`builders`, `provisioners`,
//! `variables`, `{{user `name`}}`) as the HCL2 template `packer
//! hcl2_upgrade` writes for it: one `variable` block per variable, one
//! `source` per builder (named by its `name`, else its type), one `build`
//! listing them with the provisioners (their `only` and `except` naming
//! builders as sources). Packer's JSON documentation, "Templates".

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::import::ImportError;

fn wrong(file: &Path, field: &str, reason: &str) -> ImportError {
    ImportError::wrong(
        file.to_path_buf(),
        field.to_string(),
        reason.to_string(),
        "a legacy template is an object with a list of builders (Packer's JSON templates)".into(),
    )
}

/// A JSON string with the template engine's calls in HCL2's words:
/// `{{user `x`}}` is `${var.x}`, `{{timestamp}}` is `${timestamp()}`.
fn string(s: &str) -> String {
    // `${` and `%{` open interpolations and directives in HCL: literal here.
    let mut out = s.replace("${", "$${").replace("%{", "%%{");
    while let Some(start) = out.find("{{") {
        let Some(len) = out[start..].find("}}") else {
            break;
        };
        let call = out[start + 2..start + len].trim().to_string();
        let hcl = match call.split_once(' ') {
            Some(("user", name)) => format!("${{var.{}}}", name.trim_matches(['`', '"', ' '])),
            _ if call == "timestamp" => "${timestamp()}".to_string(),
            // Another engine call (`{{ .Name }}`, `{{isotime}}`): Packer fills it at build time.
            _ => format!("<{call}>"),
        };
        out.replace_range(start..start + len + 2, &hcl);
    }
    serde_json::to_string(&out).unwrap_or_default()
}

/// A JSON value as an HCL expression.
fn expr(v: &Value) -> String {
    match v {
        Value::String(s) => string(s),
        Value::Array(a) => format!("[{}]", a.iter().map(expr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            let kv: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{} = {}",
                        serde_json::to_string(k).unwrap_or_default(),
                        expr(v)
                    )
                })
                .collect();
            format!("{{{}}}", kv.join(", "))
        }
        other => other.to_string(),
    }
}

/// A builder's settings: a list of objects (`launch_block_device_mappings`)
/// is a repeated block in HCL2, anything else an attribute.
fn attributes(out: &mut String, m: &serde_json::Map<String, Value>, skip: &[&str]) {
    for (k, v) in m.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
        match v {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                for item in items.iter().filter_map(Value::as_object) {
                    let _ = writeln!(out, "  {k} {{");
                    for (ik, iv) in item {
                        let _ = writeln!(out, "    {ik} = {}", expr(iv));
                    }
                    out.push_str("  }\n");
                }
            }
            _ => {
                let _ = writeln!(out, "  {k} = {}", expr(v));
            }
        }
    }
}

/// A builder's source name: `amazon-ebs.NAME`.
fn source_name(b: &serde_json::Map<String, Value>) -> (String, String) {
    let ty = b
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let name = b
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&ty)
        .to_string();
    (ty, name)
}

/// The HCL2 text of legacy template `text`.
pub(crate) fn to_hcl(file: &Path, text: &str) -> Result<String, ImportError> {
    let v = crate::import::json::parse(file, text)?;
    let builders = v
        .get("builders")
        .and_then(Value::as_array)
        .ok_or_else(|| wrong(file, "builders", "no list of builders"))?;
    let mut out = String::new();
    if let Some(Value::Object(vars)) = v.get("variables") {
        for (k, d) in vars {
            let _ = writeln!(out, "variable {k:?} {{\n  default = {}\n}}", expr(d));
        }
    }
    let mut names = Vec::new();
    for (i, b) in builders.iter().enumerate() {
        let b = b
            .as_object()
            .ok_or_else(|| wrong(file, &format!("builders[{i}]"), "a builder is an object"))?;
        let (ty, name) = source_name(b);
        let _ = writeln!(out, "source {ty:?} {name:?} {{");
        attributes(&mut out, b, &["type", "name"]);
        out.push_str("}\n");
        names.push(format!("source.{ty}.{name}"));
    }
    let by_name = |n: &Value| {
        let n = n.as_str().unwrap_or("");
        builders
            .iter()
            .filter_map(Value::as_object)
            .map(source_name)
            .find(|(_, name)| name == n)
            .map_or_else(
                || Value::String(n.to_string()),
                |(ty, name)| Value::String(format!("{ty}.{name}")),
            )
    };
    let _ = writeln!(out, "build {{\n  sources = {}", expr(&Value::from(names)));
    for p in v
        .get("provisioners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(p) = p.as_object() else { continue };
        let ty = p.get("type").and_then(Value::as_str).unwrap_or("unknown");
        let _ = writeln!(out, "  provisioner {ty:?} {{");
        for key in ["only", "except"] {
            if let Some(Value::Array(list)) = p.get(key) {
                let _ = writeln!(
                    out,
                    "    {key} = {}",
                    expr(&Value::Array(list.iter().map(by_name).collect()))
                );
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    Ok(out)
}
