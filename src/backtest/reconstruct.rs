//! Whole executions from the history: each image of `list-image-pipeline-
//! images` with its workflows' steps and its AMIs' state changes, linked by
//! the image's ARN and the AMI ids of its `outputResources`.

use std::collections::{BTreeMap, BTreeSet};

use super::history::{At, History, ImageSummary, StepExecution, epoch};
use super::metric::{Ended, Execution, Metric, Observed};
use crate::fit::FitError;
use crate::fit::obs::located;

/// The executions, and what could not be linked.
#[derive(Debug, Default)]
pub struct Reconstructed {
    /// Linked executions, by `dateCreated`.
    pub executions: Vec<Execution>,
    /// Images left out, with why (named).
    pub unlinked: Vec<(String, String)>,
    /// Images still running, left out.
    pub unfinished: usize,
    /// Step lists of images not in any image list.
    pub orphan_steps: usize,
    /// AMI state changes of no image's AMI.
    pub orphan_events: usize,
    /// EventBridge events of other kinds (EBS snapshot notifications, …), left out.
    pub other_events: usize,
}

/// A scenario pipeline as the history names it.
#[derive(Debug, Clone)]
pub(crate) struct PipelineRef {
    /// Its name.
    pub name: String,
    /// Its build Region.
    pub region: String,
}

/// The pipeline an image belongs to: the one named like the image (its
/// recipe), or the scenario's only pipeline.
fn pipeline_of(pipelines: &[PipelineRef], image: &ImageSummary) -> Option<usize> {
    pipelines
        .iter()
        .position(|p| p.name == image.name)
        .or((pipelines.len() == 1).then_some(0))
}

/// The steps of each image, each with its workflow's type.
fn steps_by_image(h: &History) -> BTreeMap<&str, Vec<(String, &StepExecution)>> {
    let mut types: BTreeMap<&str, String> = BTreeMap::new();
    for (w, _) in &h.workflows {
        for e in &w.workflow_executions {
            let ty = e
                .kind
                .clone()
                .unwrap_or_else(|| kind_of_arn(e.workflow_build_version_arn.as_deref()));
            types.insert(&e.workflow_execution_id, ty);
        }
    }
    let mut out: BTreeMap<&str, Vec<(String, &StepExecution)>> = BTreeMap::new();
    for (s, _) in &h.steps {
        let ty = types
            .get(s.workflow_execution_id.as_str())
            .cloned()
            .unwrap_or_else(|| kind_of_arn(s.workflow_build_version_arn.as_deref()));
        let v = out.entry(&s.image_build_version_arn).or_default();
        v.extend(s.steps.iter().map(|st| (ty.clone(), st)));
    }
    out
}

/// A workflow's type from its ARN (`…:workflow/test/…`), as Image Builder names them.
fn kind_of_arn(arn: Option<&str>) -> String {
    match arn {
        Some(a) if a.contains(":workflow/test/") => "TEST",
        Some(a) if a.contains(":workflow/distribution/") => "DISTRIBUTION",
        _ => "BUILD",
    }
    .to_string()
}

/// The metric a step measures; `None` for a step amisim has no stage for.
fn metric_of(ty: &str, s: &StepExecution) -> Option<Metric> {
    let name = s.name.as_deref().unwrap_or("").to_lowercase();
    Some(match (s.action.as_str(), ty) {
        ("LaunchInstance", "TEST") => Metric::LaunchTest,
        ("LaunchInstance", _) => Metric::LaunchBuilder,
        ("ExecuteComponents", "TEST") => Metric::Tests,
        ("ExecuteComponents", _) => Metric::Components,
        ("RunCommand", _) if name.contains("sanitiz") || name.contains("sysprep") => {
            Metric::Sanitize
        }
        ("CreateImage", _) => Metric::CreateImage,
        ("CollectImageMetadata", _) => Metric::Metadata,
        ("CollectImageScanFindings", _) => Metric::ScanFindings,
        ("DistributeImage", _) => Metric::Distribution,
        _ => return None,
    })
}

/// Reconstructs every execution of `h` for `pipelines`.
pub(crate) fn reconstruct(
    h: &History,
    pipelines: &[PipelineRef],
) -> Result<Reconstructed, FitError> {
    let steps = steps_by_image(h);
    let mut events: BTreeMap<&str, Vec<(f64, &str, &str)>> = BTreeMap::new();
    for (e, at) in &h.events {
        let t = time_at(&e.time, at, "time")?;
        events.entry(&e.detail.image_id).or_default().push((
            t,
            e.detail.state.as_str(),
            e.region.as_str(),
        ));
    }
    let mut out = Reconstructed {
        other_events: h.other_events,
        ..Reconstructed::default()
    };
    let mut seen = BTreeSet::new();
    let mut used_amis = BTreeSet::new();
    for (image, at) in &h.images {
        if !seen.insert(image.arn.as_str()) {
            continue;
        }
        match one(image, at, pipelines, &steps, &events)? {
            Link::Linked(e) => {
                used_amis.extend(amis(image));
                out.executions.push(e);
            }
            Link::Unfinished => out.unfinished += 1,
            Link::Unlinked(why) => out.unlinked.push((image.arn.clone(), why)),
        }
    }
    out.orphan_steps = steps.keys().filter(|a| !seen.contains(*a)).count();
    out.orphan_events = events
        .iter()
        .filter(|(id, v)| !used_amis.contains(**id) && v.iter().any(|e| e.1 == "available"))
        .count();
    out.executions
        .sort_by(|a, b| a.created.total_cmp(&b.created).then(a.image.cmp(&b.image)));
    Ok(out)
}

fn amis(image: &ImageSummary) -> impl Iterator<Item = &str> {
    image
        .output_resources
        .iter()
        .flat_map(|o| o.amis.iter())
        .filter_map(|a| a.image.as_deref())
}

fn time_at(s: &str, at: &At, field: &str) -> Result<f64, FitError> {
    epoch(s).ok_or_else(|| {
        located(
            &at.file,
            at.line,
            field,
            format!("not an RFC 3339 time: {s:?}"),
            "give the time as the AWS CLI prints it (2026-10-05T06:00:00.000Z)",
        )
    })
}

enum Link {
    Linked(Execution),
    Unfinished,
    Unlinked(String),
}

/// The build Region of an image ARN (`arn:aws:imagebuilder:REGION:…`).
fn region_of(arn: &str) -> Option<&str> {
    crate::sources::arn::Arn::parse(arn)
        .map(|a| a.region)
        .filter(|r| !r.is_empty())
}

/// One image's execution.
fn one(
    image: &ImageSummary,
    at: &At,
    pipelines: &[PipelineRef],
    steps: &BTreeMap<&str, Vec<(String, &StepExecution)>>,
    events: &BTreeMap<&str, Vec<(f64, &str, &str)>>,
) -> Result<Link, FitError> {
    let created = time_at(&image.date_created, at, "dateCreated")?;
    let status = image.state.as_ref().map_or("", |s| s.status.as_str());
    let ended = match status {
        "AVAILABLE" | "DEPRECATED" | "DISABLED" | "DELETED" => Ended::Succeeded,
        "FAILED" | "CANCELLED" => Ended::Failed,
        "" => return Ok(Link::Unlinked("it has no state".into())),
        _ => return Ok(Link::Unfinished),
    };
    let Some(p) = pipeline_of(pipelines, image) else {
        let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
        return Ok(Link::Unlinked(format!(
            "its recipe {:?} names none of the scenario's pipelines ({})",
            image.name,
            names.join(", ")
        )));
    };
    let Some(own) = steps.get(image.arn.as_str()) else {
        return Ok(Link::Unlinked(
            "no list-workflow-step-executions output names it".into(),
        ));
    };
    let mut e = Execution {
        pipeline: p,
        image: image.arn.clone(),
        created,
        ended,
        steps: Vec::new(),
        failed_stage: None,
    };
    let spans = step_spans(own, at, &mut e)?;
    let build_region = region_of(&image.arn).unwrap_or(&pipelines[p].region);
    regions(image, build_region, &spans, events, &mut e);
    Ok(Link::Linked(e))
}

/// Start and end of the first build step and of the distribution.
#[derive(Default)]
struct Spans {
    first_start: Option<f64>,
    distribution: Option<(f64, f64)>,
    last_end: Option<f64>,
}

/// Each step as a metric; the execution's failed stage.
fn step_spans(
    own: &[(String, &StepExecution)],
    at: &At,
    e: &mut Execution,
) -> Result<Spans, FitError> {
    let mut sp = Spans::default();
    let mut timed: Vec<(f64, Observed)> = Vec::new();
    for (ty, s) in own {
        let Some(metric) = metric_of(ty, s) else {
            continue;
        };
        let failed = s.status == "FAILED";
        if !failed && s.status != "COMPLETED" {
            continue;
        }
        let (Some(a), Some(b)) = (&s.start_time, &s.end_time) else {
            continue;
        };
        let (a, b) = (time_at(a, at, "startTime")?, time_at(b, at, "endTime")?);
        let msg = s.message.as_deref().unwrap_or("").to_lowercase();
        let censored = failed && (msg.contains("timed out") || msg.contains("timeout"));
        sp.first_start = Some(sp.first_start.map_or(a, |f: f64| f.min(a)));
        sp.last_end = Some(sp.last_end.map_or(b, |f: f64| f.max(b)));
        if metric == Metric::Distribution {
            sp.distribution = Some((a, b));
        }
        let secs = (!failed || censored).then_some((b - a).max(0.0));
        timed.push((
            a,
            Observed {
                metric,
                secs,
                censored,
                failed,
            },
        ));
    }
    timed.sort_by(|x, y| x.0.total_cmp(&y.0));
    e.failed_stage = timed
        .iter()
        .find(|t| t.1.failed)
        .map(|t| t.1.metric.clone());
    e.steps = timed.into_iter().map(|t| t.1).collect();
    if let Some(f) = sp.first_start {
        e.steps.push(Observed {
            metric: Metric::BuildWait,
            secs: Some((f - e.created).max(0.0)),
            censored: false,
            failed: false,
        });
    }
    Ok(sp)
}

/// Each Region's copy (distribution start → AMI available there) and the
/// end-to-end: the last availability, or the distribution's end.
fn regions(
    image: &ImageSummary,
    build_region: &str,
    sp: &Spans,
    events: &BTreeMap<&str, Vec<(f64, &str, &str)>>,
    e: &mut Execution,
) {
    let mut last = sp.distribution.map(|d| d.1);
    let mut copies = Vec::new();
    for ami in image.output_resources.iter().flat_map(|o| o.amis.iter()) {
        let Some(evs) = ami.image.as_deref().and_then(|id| events.get(id)) else {
            continue;
        };
        let avail = evs.iter().filter(|x| x.1 == "available").map(|x| x.0);
        let failed = evs.iter().any(|x| x.1 == "failed");
        let Some(t) = avail.reduce(f64::min) else {
            if failed && ami.region != build_region {
                copies.push(Observed {
                    metric: Metric::Copy(ami.region.clone()),
                    secs: None,
                    censored: false,
                    failed: true,
                });
            }
            continue;
        };
        last = Some(last.map_or(t, |l: f64| l.max(t)));
        if ami.region == build_region {
            continue;
        }
        if let Some((d0, _)) = sp.distribution {
            copies.push(Observed {
                metric: Metric::Copy(ami.region.clone()),
                secs: Some((t - d0).max(0.0)),
                censored: false,
                failed: false,
            });
        }
    }
    e.steps.extend(copies);
    if e.ended == Ended::Succeeded
        && let Some(end) = last.or(sp.last_end)
    {
        e.steps.push(Observed {
            metric: Metric::TimeToAllRegions,
            secs: Some((end - e.created).max(0.0)),
            censored: false,
            failed: false,
        });
    }
}
