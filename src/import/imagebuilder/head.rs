//! The pipeline document (or a one-shot image resource): its name, its
//! owner and build Region, its schedule, whether its tests run.

use serde_json::Value;

use super::{Resource, ResourceKind};
use crate::import::directory::{DirectoryDraft, arn};
use crate::import::json::join;
use crate::import::{ImportError, Val, Warning, quoted};

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
    p: &mut Resource<'_>,
    recipe_name: Option<String>,
    dir: &mut DirectoryDraft,
    warnings: &mut Vec<Warning>,
) -> Result<Head, ImportError> {
    let (pb, pbase) = (p.body, p.base);
    let one_shot = p.kind == ResourceKind::Image;
    let r = &mut p.reader;
    let parn = r.str(pb, pbase, "arn")?.map(str::to_string);
    let own_name = r.str(pb, pbase, "name")?.map(str::to_string);
    let name_from = match (&own_name, one_shot) {
        (Some(_), _) | (None, false) => join(pbase, "name"),
        (None, true) => "its recipe's name (an image resource has none)".to_string(),
    };
    let name = own_name
        .or(if one_shot { recipe_name } else { None })
        .unwrap_or_else(|| "pipeline".into());
    let recipe_arn = r.str(pb, pbase, "imageRecipeArn")?.map(str::to_string);
    r.str(pb, pbase, "infrastructureConfigurationArn")?;
    r.str(pb, pbase, "distributionConfigurationArn")?;
    let owner_arn = parn.clone().or(recipe_arn).unwrap_or_default();
    let Some(a) = arn(&owner_arn) else {
        return Err(r.wrong(
            &join(pbase, "arn"),
            "the pipeline has no ARN to take its account and Region from".into(),
        ));
    };
    let (owner_id, build_region) = (a.account.to_string(), a.region.to_string());
    let owner = dir.account(&owner_id);
    dir.region(&build_region);
    let from_arn = join(
        pbase,
        if parn.is_some() {
            "arn"
        } else {
            "imageRecipeArn"
        },
    );
    let platform = r
        .str(pb, pbase, "platform")?
        .map(|p| (p.to_lowercase(), join(pbase, "platform")));
    if r.str(pb, pbase, "status")? == Some("DISABLED") {
        warnings.push(Warning {
            file: r.file(),
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
    p: &mut Resource<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Schedule, ImportError> {
    let (pb, pbase) = (p.body, p.base);
    let mut entries: Vec<(String, Val, String)> = Vec::new();
    let mut dependency_updates = true;
    if let Some(s) = p.reader.get(pb, pbase, "schedule") {
        dependency_updates = schedule_entries(p, s, &mut entries, warnings)?;
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
    let tests_off_from = tests_off(p, warnings);
    Ok(Schedule {
        entries,
        dependency_updates,
        tests_enabled: tests_off_from.is_none(),
        tests_off_from,
        optional_steps: optional_steps(p),
    })
}

/// Image Builder's optional workflow steps where they differ from its
/// defaults: metadata collection off, image scanning on.
fn optional_steps(p: &mut Resource<'_>) -> Vec<(&'static str, Val, String)> {
    let (pb, pbase) = (p.body, p.base);
    let r = &mut p.reader;
    let mut out = Vec::new();
    if let Some(Value::Bool(false)) = r.get(pb, pbase, "enhancedImageMetadataEnabled") {
        let from = join(pbase, "enhancedImageMetadataEnabled");
        out.push(("image_metadata", false.into(), from));
    }
    if let Some(c) = r.get(pb, pbase, "imageScanningConfiguration") {
        let base = join(pbase, "imageScanningConfiguration");
        if let Some(Value::Bool(true)) = r.get(c, &base, "imageScanningEnabled") {
            out.push((
                "image_scanning",
                true.into(),
                join(&base, "imageScanningEnabled"),
            ));
        }
    }
    out
}

/// The keys of a `schedule` object; whether dependency updates start runs.
fn schedule_entries(
    p: &mut Resource<'_>,
    s: &Value,
    entries: &mut Vec<(String, Val, String)>,
    warnings: &mut Vec<Warning>,
) -> Result<bool, ImportError> {
    let r = &mut p.reader;
    let sbase = join(p.base, "schedule");
    if let Some(c) = r.str(s, &sbase, "scheduleExpression")? {
        let (cron, five) = six_field_cron(c);
        if five {
            warnings.push(Warning {
                file: r.file(),
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
    if let Some(tz) = r.str(s, &sbase, "timezone")? {
        entries.push(("timezone".into(), quoted(tz), join(&sbase, "timezone")));
    }
    let field = join(&sbase, "pipelineExecutionStartCondition");
    let (condition, from, dependency_updates) = match r.str(
        s,
        &sbase,
        "pipelineExecutionStartCondition",
    )? {
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
    if let Some(ad) = r.get(s, &sbase, "autoDisablePolicy") {
        let abase = join(&sbase, "autoDisablePolicy");
        if let Some(n) = r.uint(ad, &abase, "failureCount")? {
            entries.push((
                "auto_disable_after_failures".into(),
                n.into(),
                join(&abase, "failureCount"),
            ));
        }
    }
    Ok(dependency_updates)
}

/// The field that turns the tests off (`imageTestsEnabled = false`), if
/// one does; what `imageTestsConfiguration` says that amisim does not
/// model is a warning.
fn tests_off(p: &mut Resource<'_>, warnings: &mut Vec<Warning>) -> Option<String> {
    let (pb, pbase) = (p.body, p.base);
    let r = &mut p.reader;
    let t = r.get(pb, pbase, "imageTestsConfiguration")?;
    let tbase = join(pbase, "imageTestsConfiguration");
    if r.get(t, &tbase, "timeoutMinutes").is_some() {
        warnings.push(Warning {
            file: r.file(),
            field: join(&tbase, "timeoutMinutes"),
            what: crate::import::What::Assumed(
                "Image Builder ignores it (\"not currently active\"); left out".into(),
            ),
        });
    }
    let off = matches!(
        r.get(t, &tbase, "imageTestsEnabled"),
        Some(Value::Bool(false))
    );
    off.then(|| join(&tbase, "imageTestsEnabled"))
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
