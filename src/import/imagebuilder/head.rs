//! The pipeline document (or a one-shot image resource): its name, its
//! owner and build Region, its schedule, whether its tests run.

use super::{Resource, ResourceKind};
use crate::import::directory::DirectoryDraft;
use crate::import::json::join;
use crate::import::{ImportError, Val, Warning, quoted};
use crate::sources::arn::Arn;
use crate::sources::imagebuilder::{self as ib, ImagePipeline};

/// What the pipeline document says of itself.
pub(super) struct Head {
    pub(super) name: String,
    pub(super) name_from: String,
    /// The owner's scenario name, and its account id.
    pub(super) owner: String,
    pub(super) owner_id: String,
    pub(super) build_region: String,
    /// The field the account and Region came from.
    pub(super) from_arn: String,
    /// `platform`, lower case, with its field.
    pub(super) platform: Option<(String, String)>,
}

/// The schedule's keys (key, value, source field), whether dependency
/// updates start runs, whether the tests run.
pub(super) struct Schedule {
    pub(super) entries: Vec<(String, Val, String)>,
    pub(super) dependency_updates: bool,
    pub(super) tests_enabled: bool,
    /// The field that turns the tests off, if one does.
    pub(super) tests_off_from: Option<String>,
    /// `image_metadata = false` and `image_scanning = true` where the
    /// pipeline says so (key, value, source field).
    pub(super) optional_steps: Vec<(&'static str, Val, String)>,
}

/// The pipeline's name, owner and build Region (from its ARN, else its
/// recipe's), and platform; a one-shot image is named after its recipe.
pub(super) fn head(
    p: &Resource<'_>,
    doc: &ImagePipeline,
    recipe_name: Option<String>,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Head, ImportError> {
    let pbase = p.base;
    let one_shot = p.kind == ResourceKind::Image;
    let name_from = match (&doc.name, one_shot) {
        (Some(_), _) | (None, false) => join(pbase, "name"),
        (None, true) => "its recipe's name (an image resource has none)".to_string(),
    };
    let name = doc
        .name
        .clone()
        .or(if one_shot { recipe_name } else { None })
        .unwrap_or_else(|| "pipeline".into());
    let owner_arn = doc.arn.as_ref().or(doc.image_recipe_arn.as_ref());
    let Some(a) = owner_arn.and_then(|a| Arn::parse(a)) else {
        return Err(p.reader.wrong(
            &join(pbase, "arn"),
            "the pipeline has no ARN to take its account and Region from".into(),
        ));
    };
    let (owner_id, build_region) = (a.account.to_string(), a.region.to_string());
    let owner = dir.account(&owner_id);
    dir.region(&build_region);
    let from_arn = join(
        pbase,
        if doc.arn.is_some() {
            "arn"
        } else {
            "imageRecipeArn"
        },
    );
    let platform = (doc.platform.as_ref()).map(|p| (p.to_lowercase(), join(pbase, "platform")));
    if doc.workflows.is_some() {
        warnings.push(Warning {
            file: p.reader.file(),
            field: join(pbase, "workflows"),
            what: crate::import::What::Assumed(
                "custom workflows: amisim simulates Image Builder's default build, test and distribution workflows, not these workflows' steps".into(),
            ),
        });
    }
    if doc.status.as_deref() == Some("DISABLED") {
        warnings.push(Warning {
            file: p.reader.file(),
            field: join(pbase, "status"),
            what: crate::import::What::Assumed(
                "the pipeline is DISABLED: imported with its schedule as if enabled".into(),
            ),
        });
    }
    Ok(Head {
        name,
        name_from,
        owner,
        owner_id,
        build_region,
        from_arn,
        platform,
    })
}

/// The schedule: its cron, time zone, start condition and auto-disable
/// policy; without a cron, one run at the start.
pub(super) fn schedule(
    p: &Resource<'_>,
    doc: &ImagePipeline,
    warnings: &mut Vec<Warning>,
) -> Schedule {
    let mut entries: Vec<(String, Val, String)> = Vec::new();
    let mut dependency_updates = true;
    if let Some(s) = &doc.schedule {
        dependency_updates = schedule_entries(p, s, &mut entries, warnings);
    }
    if entries.iter().all(|s| s.0 != "cron") {
        entries.push((
            "run_at_start".into(),
            true.into(),
            if p.kind == ResourceKind::Image {
                "an image resource, not a pipeline: one build when the stack or configuration is applied".into()
            } else {
                "no schedule: one manual run (StartImagePipelineExecution)".into()
            },
        ));
        dependency_updates = false;
        entries.retain(|s| s.0 != "start_condition");
    }
    let tests_off_from = tests_off(p, doc, warnings);
    Schedule {
        entries,
        dependency_updates,
        tests_enabled: tests_off_from.is_none(),
        tests_off_from,
        optional_steps: optional_steps(p.base, doc),
    }
}

/// Image Builder's optional workflow steps where they differ from its
/// defaults: metadata collection off, image scanning on.
fn optional_steps(pbase: &str, doc: &ImagePipeline) -> Vec<(&'static str, Val, String)> {
    let mut out = Vec::new();
    if doc.enhanced_image_metadata_enabled == Some(false) {
        let from = join(pbase, "enhancedImageMetadataEnabled");
        out.push(("image_metadata", false.into(), from));
    }
    let scanning = doc.image_scanning_configuration.as_ref();
    if scanning.and_then(|c| c.image_scanning_enabled) == Some(true) {
        let from = join(pbase, "imageScanningConfiguration.imageScanningEnabled");
        out.push(("image_scanning", true.into(), from));
    }
    out
}

/// The keys of a `schedule` object; whether dependency updates start runs.
fn schedule_entries(
    p: &Resource<'_>,
    s: &ib::Schedule,
    entries: &mut Vec<(String, Val, String)>,
    warnings: &mut Vec<Warning>,
) -> bool {
    let sbase = join(p.base, "schedule");
    if let Some(c) = &s.schedule_expression {
        let (cron, five) = six_field_cron(c);
        if five {
            warnings.push(Warning {
                file: p.reader.file(),
                field: join(&sbase, "scheduleExpression"),
                what: crate::import::What::Assumed(format!(
                    "a 5-field cron, {c}: read as {cron}, the same times"
                )),
            });
        }
        entries.push((
            "cron".into(),
            quoted(&cron),
            join(&sbase, "scheduleExpression"),
        ));
    }
    if let Some(tz) = &s.timezone {
        entries.push(("timezone".into(), quoted(tz), join(&sbase, "timezone")));
    }
    let field = join(&sbase, "pipelineExecutionStartCondition");
    let (condition, from, dependency_updates) = match s
        .pipeline_execution_start_condition
        .as_deref()
    {
        Some("EXPRESSION_MATCH_ONLY") => ("always", field, false),
        Some(_) => ("dependency_updates", field, true),
        None => (
            "dependency_updates",
            format!(
                "{field} (absent: AWS's default, EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE)"
            ),
            true,
        ),
    };
    entries.push(("start_condition".into(), quoted(condition), from));
    if let Some(n) = s.auto_disable_policy.as_ref().and_then(|a| a.failure_count) {
        entries.push((
            "auto_disable_after_failures".into(),
            n.into(),
            join(&sbase, "autoDisablePolicy.failureCount"),
        ));
    }
    dependency_updates
}

/// The field that turns the tests off (`imageTestsEnabled = false`), if
/// one does; what `imageTestsConfiguration` says that amisim does not
/// model is a warning.
fn tests_off(p: &Resource<'_>, doc: &ImagePipeline, warnings: &mut Vec<Warning>) -> Option<String> {
    let t = doc.image_tests_configuration.as_ref()?;
    let tbase = join(p.base, "imageTestsConfiguration");
    if t.timeout_minutes.is_some() {
        warnings.push(Warning {
            file: p.reader.file(),
            field: join(&tbase, "timeoutMinutes"),
            what: crate::import::What::Assumed(
                "Image Builder ignores it (\"not currently active\"); left out".into(),
            ),
        });
    }
    (t.image_tests_enabled == Some(false)).then(|| join(&tbase, "imageTestsEnabled"))
}

/// Image Builder's 6-field cron, and whether it was read from a 5-field
/// one (`cron(0 0 * * SUN)`, as some `get-image-pipeline` outputs print
/// it): that one gets a year field, and a `?` in the day-of-month or
/// day-of-week field, one of which AWS requires to hold it.
fn six_field_cron(c: &str) -> (String, bool) {
    let inner = c
        .trim()
        .strip_prefix("cron(")
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(c);
    let mut f: Vec<&str> = inner.split_whitespace().collect();
    if f.len() != 5 {
        return (c.trim().to_string(), false);
    }
    match (f[2], f[4]) {
        (_, "?") | ("?", _) => {}
        ("*", dow) if dow != "*" => f[2] = "?",
        _ => f[4] = "?",
    }
    (format!("cron({} *)", f.join(" ")), true)
}
