//! `amisim import`: a scenario from the pipeline a team already has.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, new_output, usage, write_whole};
use crate::import::{self, Format};

/// `amisim import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// The source documents: Image Builder JSON files (or directories of them), `terraform show -json` output, CloudFormation templates, or one Packer template.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The source format; `auto` decides by content and says what it chose.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// Write the scenario here instead of standard output.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Replace the `-o` file if it exists (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// The scenario's name (default: the output file's stem, else "imported").
    #[arg(long)]
    pub name: Option<String>,
    /// A Packer variable, or a CloudFormation pseudo parameter (AWS::Region, AWS::AccountId): `name=value` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A Packer variables file (`.pkrvars.hcl`; repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Packer: import only these sources (`amazon-ebs.NAME`, comma-separated or repeated), as `packer build -only`.
    #[arg(long, value_name = "SOURCES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// CloudFormation parameter values: the JSON list of ParameterKey/ParameterValue
    /// `aws cloudformation` takes (pseudo parameters such as AWS::Region with --var).
    #[arg(long, value_name = "FILE")]
    pub parameters: Option<PathBuf>,
}

pub(super) fn import(a: &ImportArgs) -> Result<(), CliError> {
    if let Some(out) = &a.out {
        let read: Vec<PathBuf> = a
            .files
            .iter()
            .chain(&a.var_files)
            .chain(&a.parameters)
            .cloned()
            .collect();
        new_output(out, &read, a.force)?;
    }
    let name = a.name.clone().unwrap_or_else(|| {
        a.out
            .as_ref()
            .and_then(|o| o.file_stem())
            .map_or("imported".into(), |s| s.to_string_lossy().into_owned())
    });
    let mut vars = Vec::new();
    for v in &a.vars {
        let Some((k, val)) = v.split_once('=') else {
            return Err(usage(format!("--var {v:?}: write NAME=VALUE")));
        };
        vars.push((k.trim().to_string(), val.to_string()));
    }
    let req = import::Request {
        inputs: a.files.clone(),
        format: a.format,
        name,
        vars,
        var_files: a.var_files.clone(),
        only: a.only.clone(),
        parameters: a.parameters.clone(),
    };
    let imported = import::import(&req).map_err(|e| match e {
        import::ImportError::Illegal(ref errors, ref warnings)
        | import::ImportError::Unwritable(ref errors, ref warnings) => {
            // First what was left unresolved: it may be why AWS would refuse.
            say_warnings(warnings, a.quiet);
            CliError::Input(errors.clone(), Some(e.summary()))
        }
        import::ImportError::After(ref warnings, ref inner) => {
            say_warnings(warnings, a.quiet);
            CliError::Input(vec![inner.to_string()], None)
        }
        other => CliError::Input(vec![other.to_string()], None),
    })?;
    let files: Vec<String> = a.files.iter().map(|f| f.display().to_string()).collect();
    say_warnings(&imported.warnings, a.quiet);
    if !a.quiet {
        eprintln!(
            "read {} as {}: {} warning{}, {} field{} left out (all listed at the top of the scenario)",
            files.join(", "),
            imported.format,
            imported.warnings.iter().filter(|w| !w.is_unread()).count(),
            plural(imported.warnings.iter().filter(|w| !w.is_unread()).count()),
            imported.warnings.iter().filter(|w| w.is_unread()).count(),
            plural(imported.warnings.iter().filter(|w| w.is_unread()).count()),
        );
    }
    match &a.out {
        None => {
            std::io::stdout().write_all(imported.toml.as_bytes())?;
        }
        Some(out) => {
            write_whole(out, imported.toml.as_bytes())?;
            if !a.quiet {
                eprintln!(
                    "wrote {}; run it with: amisim run {}",
                    out.display(),
                    out.display()
                );
            }
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Each warning that may change results; the fields left out, one line
/// per file.
fn say_warnings(warnings: &[import::Warning], quiet: bool) {
    for w in warnings.iter().filter(|w| !w.is_unread()) {
        eprintln!("warning: {w}");
    }
    if quiet {
        return;
    }
    let mut by_file: Vec<(&std::path::Path, Vec<&str>)> = Vec::new();
    for w in warnings.iter().filter(|w| w.is_unread()) {
        match by_file.iter_mut().find(|(f, _)| *f == w.file.as_path()) {
            Some((_, fields)) => fields.push(&w.field),
            None => by_file.push((&w.file, vec![&w.field])),
        }
    }
    for (file, fields) in by_file {
        eprintln!(
            "note: {}: {} field{} with no counterpart in amisim, left out (first: {})",
            file.display(),
            fields.len(),
            plural(fields.len()),
            fields[0]
        );
    }
}
