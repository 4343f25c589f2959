//! The inputs of an import as the tools read them: a Terraform
//! configuration (a directory of `.tf` files), a Packer configuration (a
//! directory of `.pkr.hcl` files, or a legacy JSON template), a
//! CloudFormation template, and JSON documents (Image Builder's, `terraform
//! show -json`, EC2's), each read into the documents it describes.

use std::path::{Path, PathBuf};

use super::imagebuilder::Input;
use super::{Format, ImportError, Request, Toml, Warning};
use super::{cloudformation, json, packer, read_source, terraform, tfconfig};

/// What the inputs gave.
pub(super) struct Gathered {
    /// Documents for the Image Builder reader (none for Packer, which
    /// writes its scenario itself, into `doc`).
    pub(super) docs: Vec<Input>,
    pub(super) doc: Option<Toml>,
    /// The format read, as `import` reports it.
    pub(super) read_as: &'static str,
    /// Every file read.
    pub(super) files: Vec<PathBuf>,
    pub(super) warnings: Vec<Warning>,
}

fn is_packer(p: &Path) -> bool {
    p.to_string_lossy().ends_with(".pkr.hcl")
}

/// A configuration made of files: its directory and files.
type Config = (PathBuf, Vec<PathBuf>);

/// The configuration among the inputs whose files `member` takes, as its
/// directory and files (a directory holding such files, or files given
/// one by one, all of one directory), and the other inputs.
fn config(
    inputs: &[PathBuf],
    member: fn(&Path) -> bool,
) -> Result<(Option<Config>, Vec<PathBuf>), ImportError> {
    let mut found: Option<Config> = None;
    let mut rest = Vec::new();
    for p in inputs {
        let (dir, files) = if p.is_dir() {
            match super::members(p, member)? {
                f if f.is_empty() => {
                    rest.push(p.clone());
                    continue;
                }
                f => (p.clone(), f),
            }
        } else if member(p) {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            (
                dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
                vec![p.clone()],
            )
        } else {
            rest.push(p.clone());
            continue;
        };
        match &mut found {
            None => found = Some((dir, files)),
            Some((d, fs)) if *d == dir => fs.extend(files),
            Some((d, _)) => {
                return Err(ImportError::wrong(
                    p.clone(),
                    String::new(),
                    format!("a second configuration (the first is in {})", d.display()),
                    "import one configuration at a time: its directory".into(),
                ));
            }
        }
    }
    Ok((found, rest))
}

fn wrong_format(file: PathBuf, what: &str, flag: &str) -> ImportError {
    ImportError::wrong(
        file,
        String::new(),
        format!("this is {what}"),
        format!("use --format {flag}, or leave --format out: auto decides by content"),
    )
}

/// Reads everything `req` names.
pub(super) fn gather(req: &Request) -> Result<Gathered, ImportError> {
    let mut g = Gathered {
        docs: Vec::new(),
        doc: None,
        read_as: "imagebuilder",
        files: Vec::new(),
        warnings: Vec::new(),
    };
    let (tf, rest) = config(&req.inputs, tfconfig::is_tf)?;
    let (pk, rest) = config(&rest, is_packer)?;
    if let Some((dir, files)) = tf {
        if !matches!(req.format, Format::Auto | Format::Terraform) {
            return Err(wrong_format(dir, "a Terraform configuration", "terraform"));
        }
        let docs = tfconfig::documents(&dir, &files, &req.var_files, &req.vars, &mut g.warnings)?;
        g.docs.extend(docs);
        g.read_as = "terraform";
        g.files.extend(files);
    }
    if let Some((dir, files)) = pk {
        packer_config(req, &dir, &files, &mut g)?;
    }
    let files = expand(&rest)?;
    if files.is_empty() && g.files.is_empty() {
        return Err(ImportError::wrong(req.inputs.first().cloned().unwrap_or_default(), String::new(), "no input file".into(), "give the JSON files the AWS CLI printed, or a directory holding them; a Terraform or Packer configuration's directory".into()));
    }
    for f in files {
        one_file(req, &f, &mut g)?;
        if !g.files.contains(&f) {
            g.files.push(f);
        }
    }
    if g.doc.is_some() && !g.docs.is_empty() {
        return Err(ImportError::wrong(
            g.files[0].clone(),
            String::new(),
            "a Packer template is imported on its own".into(),
            "import the Packer configuration, and the other documents, one at a time".into(),
        ));
    }
    Ok(g)
}

/// A Packer configuration: its templates, and the variable files Packer
/// loads by itself from its directory (`*.auto.pkrvars.hcl`), before
/// `--var-file`.
fn packer_config(
    req: &Request,
    dir: &Path,
    files: &[PathBuf],
    g: &mut Gathered,
) -> Result<(), ImportError> {
    if !matches!(req.format, Format::Auto | Format::Packer) {
        return Err(wrong_format(
            dir.to_path_buf(),
            "a Packer template",
            "packer",
        ));
    }
    let read = |p: &PathBuf| {
        read_source(p)
            .map(|t| (p.clone(), t))
            .map_err(|e| ImportError::io(p.clone(), e))
    };
    let sources = files.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let auto = super::members(dir, |p| p.to_string_lossy().ends_with(".auto.pkrvars.hcl"))?;
    let var_files = auto
        .iter()
        .chain(&req.var_files)
        .map(read)
        .collect::<Result<Vec<_>, _>>()?;
    let label = if files.len() == 1 {
        files[0].clone()
    } else {
        dir.to_path_buf()
    };
    let mut doc = Toml::default();
    packer::read(&label, &sources, &var_files, req, &mut doc, &mut g.warnings)?;
    g.doc = Some(doc);
    g.read_as = "packer";
    g.files.extend(files.iter().cloned());
    Ok(())
}

/// The files to read: each given file, and the `.json` files of each
/// given directory, in name order, with its CloudFormation template if it
/// holds one (several are several stacks: refused, naming them).
fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for p in inputs {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        files.extend(super::members(p, |f| {
            f.extension().is_some_and(|x| x == "json")
        })?);
        let templates = super::members(p, |f| {
            let yaml = f
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "template");
            yaml && read_source(f).is_ok_and(|t| cloudformation::is_template(&t))
        })?;
        if templates.len() > 1 {
            let names: Vec<String> = templates.iter().map(|t| t.display().to_string()).collect();
            return Err(ImportError::wrong(
                p.clone(),
                String::new(),
                format!(
                    "{} CloudFormation templates, each a stack of its own: {}",
                    names.len(),
                    names.join(", ")
                ),
                format!("import one stack at a time: amisim import {}", names[0]),
            ));
        }
        files.extend(templates);
    }
    Ok(files)
}

/// What a document looks like, for `--format auto` and for refusing the
/// formats amisim does not read yet.
fn sniff(path: &Path, text: &str) -> &'static str {
    let t = text.trim_start();
    let name = path.to_string_lossy();
    if name.ends_with(".pkr.hcl") || t.contains("source \"amazon-") {
        "a Packer template"
    } else if name.ends_with(".tf.json") {
        "a Terraform configuration in JSON syntax"
    } else if name.ends_with(".tf") {
        "a Terraform configuration"
    } else if cloudformation::is_template(t) {
        "a CloudFormation template"
    } else if t.starts_with('{') && t.contains("\"builders\"") && t.contains("amazon-") {
        "a legacy Packer JSON template"
    } else if t.starts_with('{') {
        "json"
    } else {
        "unknown"
    }
}

/// `--parameters`: `[{"ParameterKey": …, "ParameterValue": …}]`.
fn cfn_parameters(
    file: Option<&Path>,
) -> Result<std::collections::BTreeMap<String, String>, ImportError> {
    let mut out = std::collections::BTreeMap::new();
    let Some(f) = file else { return Ok(out) };
    let text = read_source(f).map_err(|e| ImportError::io(f.to_path_buf(), e))?;
    let v = json::parse(f, &text)?;
    let list = v.as_array().ok_or_else(|| ImportError::wrong(f.to_path_buf(), String::new(), "not a list of parameters".into(), "write [{\"ParameterKey\": \"Name\", \"ParameterValue\": \"value\"}], as aws cloudformation takes it".into()))?;
    for (i, p) in list.iter().enumerate() {
        let (Some(k), Some(val)) = (
            p.get("ParameterKey").and_then(serde_json::Value::as_str),
            p.get("ParameterValue").and_then(serde_json::Value::as_str),
        ) else {
            return Err(ImportError::wrong(
                f.to_path_buf(),
                format!("[{i}]"),
                "a parameter needs ParameterKey and ParameterValue, both strings".into(),
                "write {\"ParameterKey\": \"Name\", \"ParameterValue\": \"value\"}".into(),
            ));
        };
        out.insert(k.to_string(), val.to_string());
    }
    Ok(out)
}

/// One file that is not part of a configuration: a CloudFormation
/// template, a Packer template by its content, or a JSON document.
fn one_file(req: &Request, f: &Path, g: &mut Gathered) -> Result<(), ImportError> {
    let text = read_source(f).map_err(|e| ImportError::io(f.to_path_buf(), e))?;
    let format = req.format;
    match sniff(f, &text) {
        "json" if format != Format::Packer => {}
        "a CloudFormation template" if matches!(format, Format::Auto | Format::Cloudformation) => {
            let mut given = cfn_parameters(req.parameters.as_deref())?;
            given.extend(req.vars.iter().cloned());
            let docs = cloudformation::documents(f, &text, &given, &mut g.warnings)?;
            g.docs.extend(docs);
            g.read_as = "cloudformation";
            return Ok(());
        }
        "a Terraform configuration in JSON syntax" => return Err(tfconfig::json_syntax(f)),
        "a Packer template" | "a legacy Packer JSON template"
            if matches!(format, Format::Auto | Format::Packer) =>
        {
            let dir = f.parent().unwrap_or(Path::new("."));
            return packer_config(req, dir, &[f.to_path_buf()], g);
        }
        other => {
            return Err(ImportError::wrong(f.to_path_buf(), String::new(), format!("this is {other}; amisim import reads Image Builder's JSON, Terraform (a configuration's directory, or `terraform show -json`), CloudFormation templates and Packer templates"), "export the pipeline with `aws imagebuilder get-image-pipeline`, `get-image-recipe`, `get-distribution-configuration` and `get-infrastructure-configuration` (docs/src/import.md)".into()));
        }
    }
    let value = json::parse(f, &text)?;
    let tf = terraform::is_show_json(&value);
    match format {
        Format::Imagebuilder if tf => {
            return Err(wrong_format(
                f.to_path_buf(),
                "`terraform show -json` output",
                "terraform",
            ));
        }
        Format::Terraform if !tf => {
            return Err(wrong_format(
                f.to_path_buf(),
                "not `terraform show -json` output (no format_version and values or planned_values)",
                "imagebuilder",
            ));
        }
        _ => {}
    }
    if tf {
        g.read_as = "terraform";
        let docs = terraform::documents(f, &value, &req.vars, &mut g.warnings)?;
        g.docs.extend(docs);
    } else {
        g.docs.push((f.to_path_buf(), value, None));
    }
    Ok(())
}
