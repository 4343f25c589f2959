//! Input variables as Terraform assigns them: each `variable` block's
//! default, then `terraform.tfvars`, `terraform.tfvars.json`, the
//! `*.auto.tfvars` and `*.auto.tfvars.json` files in name order, then
//! `--var-file` files and `--var` values ("Assigning Values to Root Module
//! Variables", Terraform's language documentation). A value for an
//! undeclared variable is an error on the command line and a warning in a
//! file; a required variable without a value is an error, as Terraform has.

use std::path::{Path, PathBuf};

use hcl::Value;

use super::load::{Module, labels};
use crate::import::lang::{base_context, eval, from_json};
use crate::import::{ImportError, Warning};

/// A declared variable: its default (if any), whether its type is a
/// string (a `--var` value is then taken as it is), where it is declared.
struct Declared {
    name: String,
    default: Option<Value>,
    is_string: bool,
    file: PathBuf,
}

fn declared(m: &Module) -> Vec<Declared> {
    let ctx = base_context();
    m.blocks("variable")
        .map(|(f, b)| {
            let attr = |k: &str| b.body().attributes().find(|a| a.key() == k);
            Declared {
                name: labels(b).0.to_string(),
                default: attr("default").and_then(|a| eval(a.expr(), &ctx).ok()),
                is_string: attr("type").is_none_or(|a| a.expr().to_string().trim() == "string"),
                file: f.path.clone(),
            }
        })
        .collect()
}

/// The variable files Terraform loads by itself from `dir`, in its order.
fn auto_files(dir: &Path) -> Vec<PathBuf> {
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    auto.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
    });
    auto.sort();
    let mut out: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    out.extend(auto);
    out
}

/// A variable file's assignments: HCL, or JSON for `.json`.
fn read_var_file(path: &Path) -> Result<Vec<(String, Value)>, ImportError> {
    let text = crate::import::read_source(path).map_err(|e| ImportError::io(path.into(), e))?;
    if path.extension().is_some_and(|x| x == "json") {
        let v = crate::import::json::parse(path, &text)?;
        let Some(m) = v.as_object() else {
            return Err(ImportError::wrong(
                path.into(),
                String::new(),
                "a variable file in JSON is an object of variable names".into(),
                "write {\"region\": \"eu-west-1\"}".into(),
            ));
        };
        return Ok(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect());
    }
    let body = hcl::parse(&text).map_err(|e| crate::import::packer::malformed(path, &e))?;
    let ctx = base_context();
    let mut out = Vec::new();
    for a in body.attributes() {
        let v = eval(a.expr(), &ctx).map_err(|e| {
            ImportError::wrong(
                path.into(),
                a.key().to_string(),
                format!("a variable file holds values only: {e}"),
                "write literal values in a .tfvars file".into(),
            )
        })?;
        out.push((a.key().to_string(), v));
    }
    Ok(out)
}

/// A `--var` value: as it is for a string variable, else an HCL
/// expression (`["a","b"]`, `{a = 1}`, `3`), as Terraform reads it.
fn parse_cli(raw: &str, is_string: bool) -> Value {
    if is_string {
        return Value::String(raw.to_string());
    }
    raw.parse::<hcl::Expression>()
        .ok()
        .and_then(|e| eval(&e, &base_context()).ok())
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// The root module's variables.
pub(crate) fn root_values(
    m: &Module,
    var_files: &[PathBuf],
    vars: &[(String, String)],
    warnings: &mut Vec<Warning>,
) -> Result<hcl::Map<String, Value>, ImportError> {
    let decl = declared(m);
    let mut values: hcl::Map<String, Value> = hcl::Map::new();
    for d in &decl {
        if let Some(v) = &d.default {
            values.insert(d.name.clone(), v.clone());
        }
    }
    let files: Vec<PathBuf> = auto_files(&m.dir)
        .into_iter()
        .chain(var_files.iter().cloned())
        .collect();
    for f in &files {
        for (k, v) in read_var_file(f)? {
            if decl.iter().any(|d| d.name == k) {
                values.insert(k, v);
            } else {
                warnings.push(Warning { file: f.clone(), field: k, what: crate::import::What::Assumed("a value for a variable the configuration does not declare; left out, as Terraform does".into()) });
            }
        }
    }
    for (k, raw) in vars.iter().filter(|(k, _)| !k.starts_with("AWS::")) {
        let Some(d) = decl.iter().find(|d| &d.name == k) else {
            return Err(undeclared(m, k, &decl));
        };
        values.insert(k.clone(), parse_cli(raw, d.is_string));
    }
    required(
        decl.iter().map(|d| (d.name.as_str(), d.file.as_path())),
        &values,
        "--var NAME=VALUE or a .tfvars file",
    )?;
    Ok(values)
}

fn undeclared(m: &Module, k: &str, decl: &[Declared]) -> ImportError {
    let names: Vec<&str> = decl.iter().map(|d| d.name.as_str()).collect();
    ImportError::wrong(
        m.dir.clone(),
        format!("--var {k}"),
        format!("a value for undeclared variable \"{k}\""),
        if names.is_empty() {
            "the configuration declares no variable".into()
        } else {
            format!("the variables are {}", names.join(", "))
        },
    )
}

/// Every declared variable has a value, or the first that has none is named.
fn required<'d>(
    mut decl: impl Iterator<Item = (&'d str, &'d Path)>,
    values: &hcl::Map<String, Value>,
    how: &str,
) -> Result<(), ImportError> {
    match decl.find(|(n, _)| !values.contains_key(*n)) {
        None => Ok(()),
        Some((name, file)) => Err(ImportError::wrong(
            file.to_path_buf(),
            format!("variable \"{name}\""),
            format!("no value for required variable \"{name}\""),
            format!("give it with {how}, or a default"),
        )),
    }
}

/// Meta-arguments of a `module` block, which are not its variables.
pub(crate) const MODULE_META: [&str; 6] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// A local module's variables from its call's arguments (already
/// evaluated; one that could not be is `null`), with the defaults of those
/// not given. An argument the module does not declare, or a required
/// variable not given, is refused as Terraform refuses it.
pub(crate) fn module_values(
    child: &Module,
    args: hcl::Map<String, Value>,
    call: (&Path, &str),
) -> Result<hcl::Map<String, Value>, ImportError> {
    let decl = declared(child);
    let mut values = hcl::Map::new();
    for d in &decl {
        if let Some(v) = &d.default {
            values.insert(d.name.clone(), v.clone());
        }
    }
    for (k, v) in args {
        if !decl.iter().any(|d| d.name == k) {
            return Err(ImportError::wrong(
                call.0.to_path_buf(),
                format!("module \"{}\".{k}", call.1),
                format!(
                    "the module at {} declares no variable \"{k}\"",
                    child.dir.display()
                ),
                "pass only the module's variables (its `variable` blocks)".into(),
            ));
        }
        values.insert(k, v);
    }
    let how = format!(
        "an argument of module \"{}\" in {}",
        call.1,
        call.0.display()
    );
    required(
        decl.iter().map(|d| (d.name.as_str(), d.file.as_path())),
        &values,
        &how,
    )?;
    Ok(values)
}
