//! A Terraform configuration as `terraform plan` reads it: every `.tf` file
//! of a directory, its variable files, its local modules, evaluated into
//! the Image Builder documents its resources describe.

mod eval;
mod load;
mod overrides;

pub(crate) use load::{is_tf, json_syntax};
mod refs;
mod repeat;
mod vars;

use std::path::{Path, PathBuf};

use hcl::Value;

use super::imagebuilder::Input;
use super::lang::{base_context, eval as eval_expr, funcs};
use super::{ImportError, Warning};
use eval::{Env, Evaluated, evaluate};
use load::{Module, labels};

/// The placeholder account of a configuration that names none.
const PLACEHOLDER_ACCOUNT: &str = "111111111111";

/// The documents of the configuration in `dir` made of `files`.
pub(crate) fn documents(
    dir: &Path,
    files: &[PathBuf],
    var_files: &[PathBuf],
    given: &[(String, String)],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Input>, ImportError> {
    funcs::ROOT.with(|r| *r.borrow_mut() = dir.to_path_buf());
    let root = Module::load(dir, files)?;
    let values = vars::root_values(&root, var_files, given, warnings)?;
    let given_value = |k: &str| given.iter().find(|(g, _)| g == k).map(|(_, v)| v.clone());
    let values_text = serde_json::to_string(&values).unwrap_or_default();
    let account = account(&root, &values_text, given_value("AWS::AccountId"), warnings);
    let mut env = Env {
        region: given_value("AWS::Region").unwrap_or_default(),
        account,
        aliases: hcl::Map::new(),
        root: dir.to_path_buf(),
        passes: Default::default(),
    };
    providers(&root, &values, &mut env);
    if env.region.is_empty() {
        return Err(ImportError::wrong(
            files.first().cloned().unwrap_or_default(),
            "provider \"aws\".region".into(),
            "the configuration names no Region".into(),
            "add region to provider \"aws\", or give --var AWS::Region=…".into(),
        ));
    }
    let ev = evaluate(&root, &values, &env, "")?;
    summarise(&ev, warnings);
    if ev.docs.is_empty() {
        return Err(nothing_read(dir, &ev));
    }
    warnings.extend(ev.warnings);
    Ok(ev.docs)
}

/// Each resource left out, as a field with no counterpart.
fn summarise(ev: &Evaluated, warnings: &mut Vec<Warning>) {
    for (file, address, ty) in &ev.left_out {
        warnings.push(super::not_read(file, format!("resource {address}"), ty));
    }
}

fn nothing_read(dir: &Path, ev: &Evaluated) -> ImportError {
    let modules = if ev.unreadable.is_empty() {
        String::new()
    } else {
        format!("; modules not read: {}", ev.unreadable.join(", "))
    };
    ImportError::wrong(
        dir.to_path_buf(),
        String::new(),
        format!(
            "no aws_imagebuilder_* or aws_ami_copy resource; the resources are {}{modules}",
            if ev.left_out.is_empty() {
                "none".into()
            } else {
                ev.left_out
                    .iter()
                    .map(|(_, a, _)| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        if ev.unreadable.is_empty() {
            "give the configuration that declares aws_imagebuilder_image_pipeline and its recipe, distribution and infrastructure".into()
        } else {
            "a registry or git module is not read: run `terraform plan -out plan` and import `terraform show -json plan`".into()
        },
    )
}

/// The account: `--var AWS::AccountId`, else the first an ARN in the
/// configuration or its variables' values names, else a placeholder (a
/// warning either way).
fn account(m: &Module, values: &str, given: Option<String>, warnings: &mut Vec<Warning>) -> String {
    if let Some(a) = given {
        return a;
    }
    let mut texts = Vec::new();
    collect_texts(m, &mut texts);
    texts.push((&m.dir, values));
    let found = texts.iter().find_map(|(_, t)| {
        t.split("arn:aws:")
            .skip(1)
            .filter_map(|rest| rest.split(':').nth(2))
            .find(|a| crate::aws::ids::is_account_id(a))
            .map(str::to_string)
    });
    let file = m.files.first().map(|f| f.path.clone()).unwrap_or_default();
    let (a, why) = match found {
        Some(a) => (a, "the first an ARN in the configuration names"),
        None => (PLACEHOLDER_ACCOUNT.to_string(), "a placeholder"),
    };
    warnings.push(Warning {
        file,
        field: "AWS::AccountId".into(),
        what: crate::import::What::Assumed(format!(
            "a .tf names no account: {a}, {why} (set it with --var AWS::AccountId=…)"
        )),
    });
    a
}

fn collect_texts<'m>(m: &'m Module, out: &mut Vec<(&'m Path, &'m str)>) {
    for f in &m.files {
        out.push((&f.path, &f.text));
    }
    for c in m.children.values().flatten() {
        collect_texts(c, out);
    }
}

/// The root module's `provider "aws"` blocks: the default one's Region
/// (else the first's), and each alias's. Their arguments may read
/// variables and locals.
fn providers(m: &Module, vars: &hcl::Map<String, Value>, env: &mut Env) {
    let mut ctx = base_context();
    ctx.declare_var("var", Value::Object(vars.clone()));
    let mut locals = hcl::Map::new();
    for _ in 0..4 {
        ctx.declare_var("local", Value::Object(locals.clone()));
        for (_, b) in m.blocks("locals") {
            for a in b.body().attributes() {
                if let Ok(v) = eval_expr(a.expr(), &ctx) {
                    locals.insert(a.key().to_string(), v);
                }
            }
        }
    }
    ctx.declare_var("local", Value::Object(locals));
    let mut found: Vec<(String, String)> = Vec::new();
    for (_, b) in m.blocks("provider").filter(|(_, b)| labels(b).0 == "aws") {
        let attr = |k: &str| {
            b.body()
                .attributes()
                .find(|a| a.key() == k)
                .and_then(|a| eval_expr(a.expr(), &ctx).ok())
                .and_then(|v| v.as_str().map(str::to_string))
        };
        if let Some(r) = attr("region") {
            found.push((attr("alias").unwrap_or_default(), r));
        }
    }
    for (alias, r) in &found {
        if !alias.is_empty() {
            env.aliases.insert(alias.clone(), Value::String(r.clone()));
        }
    }
    if let Some((_, r)) = found.iter().find(|(a, _)| a.is_empty()).or(found.first()) {
        env.region = r.clone();
    }
}
