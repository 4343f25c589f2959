//! Image Builder's `list-workflow-step-executions`: each step's duration,
//! by its action, as the stage it measures.

use std::collections::BTreeMap;

use super::{Log, obs, place, read_at, record, span, time_text};
use crate::fit::csv_input::Read;
use crate::fit::obs::{FitError, Target, located};
use crate::sources::logs::{StepExecution, StepExecutions};

/// Image Builder step executions, with the execution types `types` gives.
pub(super) fn steps(
    d: &Log,
    types: &BTreeMap<String, String>,
    out: &mut Read,
) -> Result<(), FitError> {
    let ty = execution_type(d, types)?;
    for rec in &d.records {
        let s: StepExecution = record(d, rec, "stepExecutionId")?;
        let line = place(d, rec, "stepExecutionId");
        let action = s.action.as_deref().unwrap_or("");
        let name = s.name.as_deref().unwrap_or(action);
        let status = s.status.as_deref().unwrap_or("");
        let message = s.message.as_deref().unwrap_or("").to_lowercase();
        let timed_out =
            status == "FAILED" && (message.contains("timed out") || message.contains("timeout"));
        match status {
            "COMPLETED" => {}
            "FAILED" if timed_out => {}
            "SKIPPED" | "PENDING" | "RUNNING" | "CANCELLED" | "FAILED" => {
                out.drop_row(&format!("Image Builder step {status}"));
                continue;
            }
            other => {
                return Err(located(
                    &d.file,
                    line,
                    "status",
                    format!("unknown step status {other:?}"),
                    "COMPLETED, FAILED, SKIPPED, PENDING, RUNNING or CANCELLED",
                ));
            }
        }
        let Some((target, readiness)) = target_of(action, name, &ty) else {
            out.drop_row(&format!("Image Builder action {action}: no amisim stage"));
            continue;
        };
        let Some(dur) = span(
            d,
            line,
            "endTime",
            time_text(s.start_time.as_deref()),
            time_text(s.end_time.as_deref()),
        )?
        else {
            return Err(located(
                &d.file,
                line,
                "startTime",
                "a step without startTime and endTime",
                "give list-workflow-step-executions output as the CLI prints it",
            ));
        };
        let mut o = obs(target, dur, time_text(s.start_time.as_deref()));
        o.censored = timed_out;
        o.with_readiness = readiness;
        o.measured = measured(action);
        out.observations.push(o);
    }
    Ok(())
}

/// The type of the step's execution (BUILD, TEST, DISTRIBUTION): from
/// `list-workflow-executions`, else by its workflow's ARN.
fn execution_type(d: &Log, types: &BTreeMap<String, String>) -> Result<String, FitError> {
    // The document itself: its first line.
    let top: StepExecutions = read_at(d, &d.top, || 1)?;
    let workflow = top.workflow_build_version_arn.unwrap_or_default();
    let known = top
        .workflow_execution_id
        .and_then(|id| types.get(&id).cloned());
    Ok(known.unwrap_or_else(|| {
        if workflow.contains("/test/") {
            "TEST".into()
        } else if workflow.contains("/distribution/") {
            "DISTRIBUTION".into()
        } else {
            "BUILD".into()
        }
    }))
}

/// The stage a step measures, and whether its duration includes the
/// instance's readiness; `None` for an action with no stage of its own.
fn target_of(action: &str, name: &str, ty: &str) -> Option<(Target, bool)> {
    Some(match action {
        "LaunchInstance" => (Target::Latency("instance_launch"), true),
        "TerminateInstance" => (Target::Latency("instance_terminate"), false),
        "ExecuteComponents" if ty == "TEST" => (Target::Test(name.to_string()), false),
        "ExecuteComponents" => (Target::Component(name.to_string()), false),
        "CreateImage" => (Target::Throughput("snapshot"), false),
        "CollectImageMetadata" => (Target::Latency("collect_image_metadata"), false),
        "CollectImageScanFindings" => (Target::Latency("collect_image_scan_findings"), false),
        "BootstrapInstanceForContainer" => (Target::Latency("container_bootstrap"), false),
        "DistributeImage" => (
            Target::Copy {
                from: None,
                to: None,
            },
            false,
        ),
        // The default workflows' RunSanitizeScript and RunSysPrepScript.
        "RunCommand"
            if {
                let n = name.to_lowercase();
                n.contains("sanitiz") || n.contains("sysprep")
            } =>
        {
            (Target::Latency("sanitize"), false)
        }
        _ => return None,
    })
}

/// What a step measures that is not one stage alone, said in the fit.
fn measured(action: &str) -> Option<&'static str> {
    match action {
        "ExecuteComponents" => Some(
            "Image Builder's ExecuteComponents: every component of the workflow together; give it to one step, or split it",
        ),
        "CreateImage" => Some(
            "Image Builder's CreateImage: every snapshot and the registration together, with no sizes",
        ),
        "DistributeImage" => Some(
            "Image Builder's DistributeImage: the whole distribution (every copy and share), with no sizes",
        ),
        _ => None,
    }
}
