//! The history a backtest reads, as typed documents: Image Builder's
//! `list-image-pipeline-images` (or `list-image-build-versions`),
//! `list-workflow-executions` and `list-workflow-step-executions`, and
//! EventBridge "EC2 AMI State Change" events (field names: the Image
//! Builder API reference and the EC2 events reference,
//! docs/sources.md#calibration-inputs).
//!
//! A file holds one document as the AWS CLI prints it, or JSON lines of
//! them (what `… --output json | jq -c` appended in a loop gives), or
//! EventBridge events one per line or as an array.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::fit::FitError;
use crate::fit::obs::located;

/// `list-image-pipeline-images`: the images a pipeline built.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageList {
    /// The images.
    pub image_summary_list: Vec<ImageSummary>,
}

/// One image (one execution of its pipeline).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageSummary {
    /// `arn:aws:imagebuilder:REGION:ACCOUNT:image/NAME/VERSION/BUILD`.
    pub arn: String,
    /// The recipe's name.
    pub name: String,
    /// When the execution created it: the execution's start.
    pub date_created: String,
    /// Its state.
    pub state: Option<ImageState>,
    /// The AMIs it made, per Region.
    pub output_resources: Option<OutputResources>,
}

/// `state` of an image.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ImageState {
    /// `AVAILABLE`, `FAILED`, `BUILDING`, …
    pub status: String,
}

/// `outputResources` of an image.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OutputResources {
    /// One per Region and account.
    #[serde(default)]
    pub amis: Vec<OutputAmi>,
}

/// One AMI of an image.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputAmi {
    /// Its Region.
    pub region: String,
    /// Its id (`ami-…`).
    pub image: Option<String>,
}

/// `list-workflow-executions`: an image's build, test and distribution workflows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowList {
    /// Its workflows (each names its image's steps by its id).
    pub workflow_executions: Vec<WorkflowExecution>,
}

/// One workflow execution.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowExecution {
    /// Its id.
    pub workflow_execution_id: String,
    /// `BUILD`, `TEST` or `DISTRIBUTION`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Its workflow's ARN (`…:workflow/build/…`).
    pub workflow_build_version_arn: Option<String>,
}

/// `list-workflow-step-executions`: one workflow's steps.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepList {
    /// The image.
    pub image_build_version_arn: String,
    /// The workflow execution.
    pub workflow_execution_id: String,
    /// The workflow's ARN.
    pub workflow_build_version_arn: Option<String>,
    /// Its steps.
    pub steps: Vec<StepExecution>,
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepExecution {
    /// Its name (`LaunchBuildInstance`, `RunSanitizeScript`, …).
    pub name: Option<String>,
    /// Its action (`LaunchInstance`, `ExecuteComponents`, …).
    pub action: String,
    /// `COMPLETED`, `FAILED`, `SKIPPED`, …
    pub status: String,
    /// Why it failed.
    pub message: Option<String>,
    /// Start.
    pub start_time: Option<String>,
    /// End.
    pub end_time: Option<String>,
}

/// An EventBridge "EC2 AMI State Change" event.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AmiEvent {
    /// When.
    pub time: String,
    /// Where.
    pub region: String,
    /// What.
    pub detail: AmiEventDetail,
}

/// Its `detail`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AmiEventDetail {
    /// The AMI.
    pub image_id: String,
    /// `available`, `failed`, `deregistered`, …
    pub state: String,
}

/// Where a document came from: its file and line.
#[derive(Debug, Clone)]
pub(crate) struct At {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (of its first line, or of the field that names it).
    pub line: usize,
}

/// Everything read.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Images, with where.
    pub images: Vec<(ImageSummary, At)>,
    /// Workflow lists.
    pub workflows: Vec<(WorkflowList, At)>,
    /// Step lists.
    pub steps: Vec<(StepList, At)>,
    /// AMI state changes.
    pub events: Vec<(AmiEvent, At)>,
    /// Events of other kinds, left out.
    pub other_events: usize,
}

/// The 1-based line of the first occurrence of `needle` at or after
/// `from_line`, or `from_line`.
fn line_of(text: &str, needle: &str, from_line: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(from_line.saturating_sub(1))
        .map(str::len)
        .sum();
    text[start..].find(needle).map_or(from_line, |i| {
        from_line.max(1) + text[start..start + i].matches('\n').count()
    })
}

/// Reads every file (and every file of a directory, in name order).
pub(crate) fn read(inputs: &[PathBuf]) -> Result<History, FitError> {
    let mut h = History::default();
    for file in crate::fit::expand(inputs)? {
        let text = crate::scenario::read_input(&file, 1 << 30).map_err(|e| {
            located(
                &file,
                0,
                "",
                format!("cannot read: {e}"),
                "give a readable UTF-8 file",
            )
        })?;
        for (v, line) in documents(&file, &text)? {
            add(&mut h, &file, &text, v, line)?;
        }
    }
    Ok(h)
}

/// The JSON documents of a file, each with its first line.
fn documents(file: &Path, text: &str) -> Result<Vec<(Value, usize)>, FitError> {
    let t = text.trim_start();
    let first = text.len() - t.len();
    let line0 = 1 + text[..first].matches('\n').count();
    match serde_json::from_str::<Value>(t) {
        Ok(Value::Array(a)) if a.iter().all(|e| e.get("detail-type").is_some()) => {
            Ok(a.into_iter().map(|v| (v, line0)).collect())
        }
        Ok(v) => Ok(vec![(v, line0)]),
        Err(whole) => {
            let mut out = Vec::new();
            for (i, l) in text.lines().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                let v = serde_json::from_str::<Value>(l).map_err(|e| {
                    let (line, why) = if out.is_empty() {
                        (whole.line() + line0 - 1, whole.to_string())
                    } else {
                        (i + 1, e.to_string())
                    };
                    located(
                        file,
                        line,
                        "",
                        format!("not valid JSON: {why}"),
                        "give the JSON the AWS CLI prints, or JSON lines of such documents",
                    )
                })?;
                out.push((v, i + 1));
            }
            Ok(out)
        }
    }
}

/// Typed, as `T`: a field missing or of the wrong type is located.
fn typed<T: serde::de::DeserializeOwned>(
    file: &Path,
    line: usize,
    v: Value,
    what: &str,
) -> Result<T, FitError> {
    serde_json::from_value(v).map_err(|e| {
        located(
            file,
            line,
            "",
            format!("not {what} as the AWS CLI prints it: {e}"),
            "give the command's JSON output unchanged",
        )
    })
}

/// Files one document under its kind.
fn add(h: &mut History, file: &Path, text: &str, v: Value, line: usize) -> Result<(), FitError> {
    let at = |line: usize| At {
        file: file.to_path_buf(),
        line,
    };
    if v.get("imageSummaryList").is_some() {
        let list: ImageList = typed(file, line, v, "list-image-pipeline-images")?;
        for i in list.image_summary_list {
            let l = line_of(text, &i.arn, line);
            h.images.push((i, at(l)));
        }
    } else if v.get("workflowExecutions").is_some() {
        let w: WorkflowList = typed(file, line, v, "list-workflow-executions")?;
        h.workflows.push((w, at(line)));
    } else if v.get("steps").is_some() {
        let s: StepList = typed(file, line, v, "list-workflow-step-executions")?;
        h.steps.push((s, at(line)));
    } else if let Some(kind) = v.get("detail-type").and_then(Value::as_str) {
        if kind == "EC2 AMI State Change" {
            let e: AmiEvent = typed(file, line, v, "an EC2 AMI State Change event")?;
            let l = line_of(text, &e.detail.image_id, line);
            h.events.push((e, at(l)));
        } else {
            h.other_events += 1;
        }
    } else {
        let keys: Vec<String> = v
            .as_object()
            .map(|o| o.keys().take(5).cloned().collect())
            .unwrap_or_default();
        return Err(located(
            file,
            line,
            "",
            format!(
                "not a document backtest reads (it holds {})",
                if keys.is_empty() {
                    "no fields".to_string()
                } else {
                    keys.join(", ")
                }
            ),
            "give list-image-pipeline-images, list-workflow-executions and list-workflow-step-executions output, and EC2 AMI State Change events (docs/src/backtest.md)",
        ));
    }
    Ok(())
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub(crate) fn epoch(s: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_needle_is_found_from_the_documents_line() {
        let t = "{\"a\": 1}\n{\"x\": \"arn-1\"}\n{\"x\": \"arn-1\"}\n";
        assert_eq!(line_of(t, "arn-1", 1), 2);
        assert_eq!(line_of(t, "arn-1", 3), 3);
        assert_eq!(line_of(t, "nothing", 2), 2);
    }
}
