//! What `packer build` makes: one image per source a `build` block uses,
//! either listed (`sources = ["source.amazon-ebs.X"]`) or as a build-level
//! `source "amazon-ebs.X" { name = "N", … }` block, which builds the
//! top-level source under the name `N` with the fields it adds (Packer
//! refuses a field set in both). A top-level source no build uses is not
//! built; a configuration without any `build` block (a file of sources
//! only) has each of its sources imported once.

use std::path::Path;

use hcl::eval::Context;
use hcl::{Block, Body};

use super::label;
use crate::import::ImportError;

/// One image a build makes.
pub(super) struct Instance<'b> {
    /// The top-level `source "amazon-ebs" "X"` block.
    pub(super) source: &'b Block,
    /// Its name in this build (`N` of `amazon-ebs.N`): the build-level
    /// block's `name`, else the source's own.
    pub(super) name: String,
    /// The build-level source block that adds fields, and its address.
    pub(super) extra: Option<(&'b Block, String)>,
    /// The build block, its index and its `name`, if any.
    pub(super) build: Option<(usize, &'b Block, Option<String>)>,
}

/// `amazon-ebs.X` of a reference `source.amazon-ebs.X` or `amazon-ebs.X`.
fn short(reference: &str) -> &str {
    reference.strip_prefix("source.").unwrap_or(reference)
}

/// A string attribute of a body, evaluated.
fn string_attr(body: &Body, key: &str, ctx: &Context) -> Option<String> {
    let a = body.attributes().find(|a| a.key() == key)?;
    let v = crate::import::lang::eval(a.expr(), ctx).ok()?;
    v.as_str().map(str::to_string)
}

/// The strings of a list attribute of a body, evaluated.
pub(super) fn list_attr(body: &Body, key: &str, ctx: &Context) -> Vec<String> {
    body.attributes()
        .find(|a| a.key() == key)
        .and_then(|a| crate::import::lang::eval(a.expr(), ctx).ok())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// Every image the configuration's builds make from its amazon-ebs sources.
pub(super) fn instances<'b>(
    body: &'b Body,
    ctx: &Context,
    file: &Path,
) -> Result<Vec<Instance<'b>>, ImportError> {
    let sources: Vec<&Block> = body
        .blocks()
        .filter(|b| b.identifier() == "source" && label(b, 0) == Some("amazon-ebs"))
        .collect();
    let find = |reference: &str| {
        let name = short(reference).strip_prefix("amazon-ebs.")?;
        sources.iter().copied().find(|s| label(s, 1) == Some(name))
    };
    let builds: Vec<&Block> = body
        .blocks()
        .filter(|b| b.identifier() == "build")
        .collect();
    if builds.is_empty() {
        return Ok(sources
            .iter()
            .map(|s| Instance {
                source: s,
                name: label(s, 1).unwrap_or("ebs").to_string(),
                extra: None,
                build: None,
            })
            .collect());
    }
    let mut out = Vec::new();
    for (bi, b) in builds.iter().enumerate() {
        let build = Some((bi, *b, string_attr(b.body(), "name", ctx)));
        // An amazon-ebs source a build names must be declared, as Packer
        // requires; another builder's is not amisim's to read.
        let declared = |reference: &str, at: String| match find(reference) {
            None if short(reference).starts_with("amazon-ebs.") => Err(ImportError::wrong(
                file.to_path_buf(),
                at,
                format!("names {reference}, which no top-level source block declares"),
                "declare it: source \"amazon-ebs\" \"NAME\" { … }, as Packer requires".into(),
            )),
            found => Ok(found),
        };
        for reference in list_attr(b.body(), "sources", ctx) {
            if let Some(s) = declared(&reference, format!("build[{bi}].sources"))? {
                let name = label(s, 1).unwrap_or("ebs").to_string();
                out.push(Instance {
                    source: s,
                    name,
                    extra: None,
                    build: build.clone(),
                });
            }
        }
        for inner in b.body().blocks().filter(|x| x.identifier() == "source") {
            let reference = label(inner, 0).unwrap_or("");
            let at = format!("build[{bi}].source \"{reference}\"");
            let Some(s) = declared(reference, at.clone())? else {
                continue;
            };
            let name = string_attr(inner.body(), "name", ctx)
                .unwrap_or_else(|| label(s, 1).unwrap_or("ebs").to_string());
            out.push(Instance {
                source: s,
                name,
                extra: Some((inner, at)),
                build: build.clone(),
            });
        }
    }
    Ok(out)
}

impl Instance<'_> {
    /// Whether `--only` (Packer's `-only`) selects it: `amazon-ebs.NAME`,
    /// `BUILD.amazon-ebs.NAME` or `source.amazon-ebs.NAME`.
    pub(super) fn selected(&self, only: &[String]) -> bool {
        let mine = self.short_name();
        only.is_empty()
            || only
                .iter()
                .any(|o| *o == mine || o.ends_with(&format!(".{mine}")))
    }

    /// What `--only` and provisioners' `only`/`except` call it.
    pub(super) fn short_name(&self) -> String {
        format!("amazon-ebs.{}", self.name)
    }
}
