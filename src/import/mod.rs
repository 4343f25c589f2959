//! `amisim import`: a scenario from the pipeline a team already has.
//!
//! Each format's reader fills a `Toml` draft (`scenario::draft`): tables
//! and typed values, every value with the source field it came from; every
//! field of the source with no counterpart in amisim becomes a [`Warning`].
//! The draft is read into the scenario's raw types and written through them
//! (so the file is TOML, in the format's own key order, by construction),
//! then checked like `validate` does, and an error is reported against the
//! source field behind the offending key.
//!
//! Formats: the JSON the AWS CLI prints for Image Builder (`imagebuilder`),
//! `terraform show -json` (`terraform`), whose `aws_imagebuilder_*`
//! resources become the same documents (as do those of raw `.tf` files;
//! a pipeline of `aws_ami_copy` instead becomes an `sdk` pipeline),
//! CloudFormation templates (`cloudformation`), likewise, and Packer HCL2
//! templates (`packer`).

mod cloudformation;
mod components;
mod directory;
mod handrolled;
mod imagebuilder;
mod inputs;
mod json;
mod lang;
mod packer;
mod terraform;
mod tfconfig;
mod write;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::scenario::write::Notes;
use crate::scenario::{self, ScenarioErrors};
pub(crate) use write::{Sharing, Toml, Val, quoted, root_volume, strings, volume};

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide by content.
    Auto,
    /// Image Builder API JSON, as `aws imagebuilder get-*` prints it, or `create-*` input.
    Imagebuilder,
    /// `terraform show -json` (state or plan), or raw `.tf` files, with `aws_imagebuilder_*` resources, or `aws_ami_copy` and `aws_ami_launch_permission`.
    Terraform,
    /// A Packer HCL2 template with an `amazon-ebs` source.
    Packer,
    /// A CloudFormation template (YAML or JSON) with `AWS::ImageBuilder::*` resources.
    Cloudformation,
}

/// What to import, and how.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Files, or directories of `.json` files.
    pub inputs: Vec<PathBuf>,
    /// The source format.
    pub format: Format,
    /// The scenario's name.
    pub name: String,
    /// Packer variables set on the command line (`--var k=v`), in order.
    pub vars: Vec<(String, String)>,
    /// Packer variable files (`--var-file`), in order.
    pub var_files: Vec<PathBuf>,
    /// Packer sources to import (`--only amazon-ebs.NAME`, as Packer's
    /// `-only`); all when empty.
    pub only: Vec<String>,
    /// CloudFormation parameter values (`--parameters`: the JSON list of
    /// `ParameterKey`/`ParameterValue` that `aws cloudformation` takes).
    pub parameters: Option<PathBuf>,
}

/// What an import says of a source field: left out, or read with an
/// assumption that may change results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// The source file.
    pub file: PathBuf,
    /// The field's path in the document, e.g. `imagePipeline.tags.team`.
    pub field: String,
    /// What happened to it.
    pub what: What,
}

/// What happened to a source field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum What {
    /// No counterpart in amisim: left out, changing nothing it simulates.
    Unread,
    /// Read, with what was assumed or approximated (may change results).
    Assumed(String),
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Unread => f.write_str("no counterpart in amisim; left out"),
            What::Assumed(s) => f.write_str(s),
        }
    }
}

impl Warning {
    /// A source field amisim does not read, and that changes nothing it
    /// simulates.
    pub(crate) fn unread(file: &Path, field: String) -> Warning {
        Warning {
            file: file.to_path_buf(),
            field,
            what: What::Unread,
        }
    }

    /// True for a field left out (`Warning::unread`); false for a
    /// warning that says what was assumed, which may change results.
    pub(crate) fn is_unread(&self) -> bool {
        self.what == What::Unread
    }
}

/// A resource an import does not read: a field left out.
pub(crate) fn not_read(file: &Path, field: String, _resource_type: &str) -> Warning {
    Warning::unread(file, field)
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.field, self.what)
    }
}

/// Why an import failed; nothing is written. Printed without `error: `
/// (the command line adds it).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    /// A file that cannot be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS's words.
        #[source]
        source: std::io::Error,
    },
    /// A malformed document (its parser's place), a document that is not
    /// one amisim imports, or a field of the wrong shape.
    #[error(transparent)]
    Located(#[from] Diagnostic),
    /// The imported scenario breaks the rules (AWS would refuse the pipeline).
    /// Each error's lines, and the import's warnings: a value left
    /// unresolved (and so at its default) may be why.
    #[error("{}", lines_then(.0, &self.summary()))]
    Illegal(Vec<String>, Vec<Warning>),
    /// The scenario written is not valid for a reason other than AWS's
    /// rules: amisim failed to read the documents, not AWS refusing them.
    /// Each error's lines, and the import's warnings.
    #[error("{}", lines_then(.0, &self.summary()))]
    Unwritable(Vec<String>, Vec<Warning>),
    /// An error after warnings that may be why (an expression left
    /// unresolved, a module not read): the warnings that change results,
    /// then the error.
    #[error("{1}")]
    After(Vec<Warning>, Box<ImportError>),
}

/// Each line, then `last`.
fn lines_then(lines: &[String], last: &str) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out + last
}

impl ImportError {
    /// A file that cannot be read.
    pub(crate) fn io(path: PathBuf, source: std::io::Error) -> Self {
        ImportError::Io { path, source }
    }

    /// A malformed `language` document at `file:line:col`, in its parser's words.
    pub(crate) fn malformed(
        file: PathBuf,
        line: usize,
        col: usize,
        language: &str,
        reason: String,
    ) -> Self {
        ImportError::Located(Diagnostic {
            file,
            line,
            col,
            reason: format!("not valid {language}: {reason}"),
            ..Default::default()
        })
    }

    /// A document that is not one amisim imports, or its `field` of the wrong shape.
    pub(crate) fn wrong(file: PathBuf, field: String, reason: String, help: String) -> Self {
        ImportError::Located(Diagnostic::new(reason, help).at(file, (0, 0), field))
    }

    /// The line after an illegal or unwritable import's errors.
    pub(crate) fn summary(&self) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        match self {
            ImportError::Illegal(lines, _) => format!(
                "the imported pipeline breaks {} rule{} AWS enforces; nothing was written",
                lines.len(),
                s(lines.len())
            ),
            ImportError::Unwritable(lines, _) => format!(
                "amisim could not write a valid scenario from these documents ({} problem{}, not AWS's refusal: please report them with the documents); nothing was written",
                lines.len(),
                s(lines.len())
            ),
            _ => String::new(),
        }
    }
}

/// What an import produced: the scenario text, what it chose, and the
/// fields it could not map.
#[derive(Debug)]
pub(crate) struct Imported {
    /// The scenario, TOML.
    pub toml: String,
    /// The format read.
    pub format: &'static str,
    /// Fields with no counterpart in amisim.
    pub warnings: Vec<Warning>,
}

/// Drops a note on a field that has no counterpart anyway (a template's
/// unresolved value there changes nothing): the field is listed as left
/// out. A template names it in its own case (`Distributions[0].Region`),
/// the reader in the API's (`distributions[0].region`).
fn drop_moot(warnings: &mut Vec<Warning>) {
    let unread: Vec<(PathBuf, String)> = warnings
        .iter()
        .filter(|w| w.is_unread())
        .map(|w| (w.file.clone(), w.field.to_lowercase()))
        .collect();
    let under = |field: &str, u: &str| {
        field
            .strip_prefix(u)
            .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
    };
    warnings.retain(|w| {
        let field = w.field.to_lowercase();
        w.is_unread() || !unread.iter().any(|(f, u)| *f == w.file && under(&field, u))
    });
}

/// The scenario's header: what it was imported from, then the warnings,
/// those that may change results first.
fn header(read_as: &str, files: &[PathBuf], warnings: &[Warning]) -> String {
    let mut header = String::new();
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let _ = writeln!(
        header,
        "# Imported by `amisim import` from {}: {}.",
        match read_as {
            "terraform" => "Terraform",
            "packer" => "a Packer template",
            "cloudformation" => "a CloudFormation template",
            _ => "Image Builder's JSON",
        },
        names.join(", ")
    );
    header.push_str(
        "# Each value names the source field it came from. Durations are amisim's\n\
         # defaults, not your pipeline's: measure yours with `amisim fit`.\n",
    );
    let unread = warnings.iter().filter(|w| w.is_unread()).count();
    let notes = warnings.len() - unread;
    for (n, title, pick) in [
        (
            notes,
            "assumed or approximated (may change the results)",
            false,
        ),
        (unread, "source fields with no counterpart in amisim", true),
    ] {
        if n > 0 {
            let _ = writeln!(header, "#\n# {n} {title}:");
            for w in warnings.iter().filter(|w| w.is_unread() == pick) {
                // One comment line each, whatever the warning holds.
                let w = w.to_string().replace(['\n', '\r'], " ");
                let _ = writeln!(header, "#   {w}");
            }
        }
    }
    header
}

/// A directory's files that `member` takes, in name order.
pub(crate) fn members(dir: &Path, member: fn(&Path) -> bool) -> Result<Vec<PathBuf>, ImportError> {
    let rd = std::fs::read_dir(dir).map_err(|e| ImportError::io(dir.to_path_buf(), e))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.is_file() && member(f))
        .collect();
    files.sort();
    Ok(files)
}

/// A source document: a regular file of at most 64 MiB.
pub(super) fn read_source(path: &Path) -> std::io::Result<String> {
    crate::scenario::read_input(path, 64 << 20)
}

/// The scenario of the Image Builder documents (or of Terraform's own copies).
fn documents(
    req: &Request,
    docs: &[imagebuilder::Input],
    warnings: &mut Vec<Warning>,
) -> Result<Toml, ImportError> {
    let mut doc = Toml::default();
    let mut read = imagebuilder::documents(docs)?;
    let has = |k| read.iter().any(|d| d.kind == k);
    if has(imagebuilder::ResourceKind::AmiCopy) && !has(imagebuilder::ResourceKind::Pipeline) {
        // No Image Builder: Terraform's own copies of an existing image.
        handrolled::read(&mut read, &req.name, &mut doc, warnings)?;
    } else {
        imagebuilder::read(docs, read, &req.name, &mut doc, warnings)?;
    }
    Ok(doc)
}

/// Imports what `req` names into a scenario.
pub(crate) fn import(req: &Request) -> Result<Imported, ImportError> {
    let g = inputs::gather(req)?;
    let mut warnings = g.warnings;
    let doc = match g.doc {
        Some(doc) => doc,
        None => documents(req, &g.docs, &mut warnings).map_err(|e| {
            let said: Vec<Warning> = warnings
                .iter()
                .filter(|w| !w.is_unread())
                .cloned()
                .collect();
            if said.is_empty() {
                e
            } else {
                ImportError::After(said, Box::new(e))
            }
        })?,
    };
    // A note read once per pipeline is said once; what may change results
    // first, then what was left out.
    let mut seen: Vec<Warning> = Vec::new();
    warnings.retain(|w| {
        let new = !seen.contains(w);
        if new {
            seen.push(w.clone());
        }
        new
    });
    drop_moot(&mut warnings);
    warnings.sort_by_key(Warning::is_unread);
    let mut header = header(g.read_as, &g.files, &warnings);
    header.push('\n');
    let (text, notes) = match doc.render::<scenario::raw::RawScenario>(&header) {
        Ok(written) => written,
        Err(why) => {
            let line = format!(
                "amisim wrote a scenario its own reader refuses ({why}): a fault of amisim's, please report it with the documents"
            );
            return Err(ImportError::Unwritable(vec![line], warnings));
        }
    };
    check(&notes, &text, warnings).map(|warnings| Imported {
        toml: text,
        format: g.read_as,
        warnings,
    })
}

/// The same checks as `validate`: an illegal pipeline is refused with
/// AWS's answer, at the source field behind it.
fn check(notes: &Notes, text: &str, warnings: Vec<Warning>) -> Result<Vec<Warning>, ImportError> {
    let Err(ScenarioErrors(errs, _)) = scenario::from_str(Path::new("imported.toml"), text) else {
        return Ok(warnings);
    };
    let lines = errs
        .iter()
        .map(|e| {
            let from = crate::scenario::draft::source_of(notes, &e.key_path)
                .map_or(String::new(), |s| format!(" ({s})"));
            let help = e
                .help
                .as_ref()
                .map_or(String::new(), |h| format!("\n  help: {h}"));
            format!("{}{from}: {}{help}", e.key_path, e.reason)
        })
        .collect();
    if errs.iter().all(|e| e.aws_rule) {
        Err(ImportError::Illegal(lines, warnings))
    } else {
        Err(ImportError::Unwritable(lines, warnings))
    }
}
