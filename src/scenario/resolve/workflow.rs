//! Image Builder's optional workflow steps: `image_metadata`
//! (CollectImageMetadata, on by default) and `image_scanning`
//! (CollectImageScanFindings, off by default). Other tools have neither.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use super::tool_keys::{IMAGE_BUILDER_ONLY, not_this_tool};
use crate::pipeline::config::{OptionalSteps, Tool};
use crate::scenario::raw::RawPipeline;

/// The optional steps of a pipeline of `tool` (a container image when
/// `container`): Image Builder's defaults, then the pipeline's keys.
pub(super) fn optional_steps(
    ctx: &mut Ctx<'_>,
    p: &RawPipeline,
    (tool, container): (Tool, bool),
    prefix: &str,
) -> OptionalSteps {
    let given = |k: &Option<Spanned<bool>>| k.as_ref().map(|v| (*v.get_ref(), v.span()));
    let (metadata, scanning) = (given(&p.image_metadata), given(&p.image_scanning));
    if tool != Tool::ImageBuilder {
        for (v, key, whose) in [
            (
                &metadata,
                "image_metadata",
                "enhanced image metadata is Image Builder's",
            ),
            (
                &scanning,
                "image_scanning",
                "image scanning is Image Builder's",
            ),
        ] {
            if let Some((_, span)) = v {
                not_this_tool(
                    ctx,
                    span.clone(),
                    prefix.key(key),
                    whose,
                    IMAGE_BUILDER_ONLY,
                );
            }
        }
        return OptionalSteps::default();
    }
    if container {
        // CollectImageMetadata applies to AMIs only (docs/sources.md#image-metadata).
        if let Some((true, span)) = &metadata {
            let fix = "remove image_metadata (a container image's build has no metadata step)";
            ctx.err(
                Some(span.clone()),
                prefix.key("image_metadata"),
                "CollectImageMetadata applies to AMIs only",
                Some(fix),
            );
        }
        if let Some((true, span)) = &scanning {
            let fix = "remove image_scanning";
            ctx.err(
                Some(span.clone()),
                prefix.key("image_scanning"),
                "image scanning of a container image is not modelled",
                Some(fix),
            );
        }
        return OptionalSteps::default();
    }
    let scanning = scanning.is_some_and(|(on, _)| on);
    if scanning && p.tests_enabled.as_ref().is_some_and(|t| !*t.get_ref()) {
        // CollectImageScanFindings is a test-workflow step.
        let span = p.image_scanning.as_ref().map(Spanned::span);
        let fix = "set tests_enabled = true, or remove image_scanning";
        ctx.err(
            span,
            prefix.key("image_scanning"),
            "scan findings are collected in the test workflow, which tests_enabled = false skips",
            Some(fix),
        );
    }
    OptionalSteps {
        metadata: metadata.is_none_or(|(on, _)| on),
        scanning,
    }
}
