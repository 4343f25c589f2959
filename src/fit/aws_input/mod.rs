//! What AWS logs, as observations (field names: the Image Builder and EC2
//! API references, the EBS and EC2 EventBridge event references, and
//! CloudTrail's record format; docs/sources.md#calibration-inputs).
//!
//! - Image Builder `list-workflow-step-executions`: each step's
//!   `startTime` to `endTime`, by `action`; `list-workflow-executions`
//!   beside it says which executions are builds and which tests.
//! - EventBridge "EBS Snapshot Notification" events (`createSnapshot`,
//!   `copySnapshot`), sized by a `describe-snapshots` given beside them.
//! - `describe-snapshots` on its own: `StartTime` to `CompletionTime`.
//! - CloudTrail `CreateImage` and `CopyImage` records, joined with
//!   "EC2 AMI State Change" events by request id: from the call to
//!   `available`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

mod events;
mod steps;

use super::csv_input::Read;
use super::obs::{FitError, Observation, Target, located};
use crate::sources::logs::{Event, WorkflowExecution};
use events::{cloudtrail, ebs_events, sizes, snapshots};
use steps::steps;

/// What a JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogKind {
    /// `list-workflow-step-executions`.
    StepExecutions,
    /// `list-workflow-executions`.
    WorkflowExecutions,
    /// EventBridge events (EBS snapshot notifications, AMI state changes).
    Events,
    /// `describe-snapshots`.
    Snapshots,
    /// CloudTrail records.
    CloudTrail,
}

impl LogKind {
    /// What one of its records is, with its article, in messages.
    fn record(self) -> &'static str {
        match self {
            LogKind::StepExecutions => "a list-workflow-step-executions step",
            LogKind::WorkflowExecutions => "a list-workflow-executions entry",
            LogKind::Events => "an EventBridge event",
            LogKind::Snapshots => "a describe-snapshots entry",
            LogKind::CloudTrail => "a CloudTrail record",
        }
    }

    /// Its name in messages and `--format`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            LogKind::StepExecutions => "imagebuilder (list-workflow-step-executions)",
            LogKind::WorkflowExecutions => "imagebuilder (list-workflow-executions)",
            LogKind::Events => "ebs-events (EventBridge)",
            LogKind::Snapshots => "snapshots (describe-snapshots)",
            LogKind::CloudTrail => "cloudtrail",
        }
    }
}

/// One parsed document.
pub(crate) struct Log {
    /// Its kind.
    pub kind: LogKind,
    /// Its file.
    pub file: std::path::PathBuf,
    /// Its text (for lines).
    pub text: String,
    /// Its records: the values, each with its 1-based line if known.
    pub records: Vec<(Value, usize)>,
    /// The document itself (for the top-level fields).
    pub top: Value,
}

/// The 1-based line of the first occurrence of `needle`, or 0.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(0, |i| text[..i].bytes().filter(|b| *b == b'\n').count() + 1)
}

fn malformed(file: &Path, e: &serde_json::Error) -> FitError {
    located(
        file,
        e.line(),
        "",
        format!("not valid JSON: {e}"),
        "give the JSON the AWS CLI prints, or EventBridge events one per line",
    )
}

/// Parses a JSON document or JSON lines, and says what it is.
pub(crate) fn parse(file: &Path, text: &str) -> Result<Log, FitError> {
    let t = text.trim_start();
    let (top, records): (Value, Vec<(Value, usize)>) = match serde_json::from_str::<Value>(t) {
        Ok(v) => (v, Vec::new()),
        // JSON lines: the first line is a whole object.
        Err(_)
            if t.lines()
                .next()
                .is_some_and(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object())) =>
        {
            // JSON lines: one event per line.
            let mut recs = Vec::new();
            for (i, l) in text.lines().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(l).map_err(|e| {
                    located(
                        file,
                        i + 1,
                        "",
                        format!("not valid JSON: {e}"),
                        "one JSON event per line",
                    )
                })?;
                recs.push((v, i + 1));
            }
            (Value::Null, recs)
        }
        Err(e) => return Err(malformed(file, &e)),
    };
    let of_array =
        |a: &[Value]| -> Vec<(Value, usize)> { a.iter().map(|v| (v.clone(), 0)).collect() };
    let (kind, records) = if !records.is_empty() {
        (LogKind::Events, records)
    } else if let Some(Value::Array(s)) = top.get("steps") {
        (LogKind::StepExecutions, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("workflowExecutions") {
        (LogKind::WorkflowExecutions, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("Snapshots") {
        (LogKind::Snapshots, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("Records") {
        (LogKind::CloudTrail, of_array(s))
    } else if let Value::Array(a) = &top {
        if a.iter().all(|x| x.get("eventName").is_some()) && !a.is_empty() {
            (LogKind::CloudTrail, of_array(a))
        } else if a.iter().all(|x| x.get("detail-type").is_some()) && !a.is_empty() {
            (LogKind::Events, of_array(a))
        } else {
            return Err(wrong_kind(file, &top));
        }
    } else if top.get("detail-type").is_some() {
        (LogKind::Events, vec![(top.clone(), 1)])
    } else {
        return Err(wrong_kind(file, &top));
    };
    Ok(Log {
        kind,
        file: file.to_path_buf(),
        text: text.to_string(),
        records,
        top,
    })
}

fn wrong_kind(file: &Path, v: &Value) -> FitError {
    let found = match v {
        Value::Object(m) => format!(
            "an object with {}",
            m.keys().take(8).cloned().collect::<Vec<_>>().join(", ")
        ),
        Value::Array(a) => format!("a list of {} values", a.len()),
        _ => "a bare value".into(),
    };
    located(
        file,
        1,
        "",
        format!("not a log amisim reads: {found}"),
        "give list-workflow-step-executions, EventBridge EBS or AMI events, describe-snapshots or CloudTrail output (docs/src/fit.md)",
    )
}

/// Seconds since the epoch of an RFC 3339 time.
fn time_text(s: Option<&str>) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(s?.trim())
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// A record's place: its line, or the line of a field value unique to it.
fn place(d: &Log, rec: &(Value, usize), id_field: &str) -> usize {
    if rec.1 > 0 {
        return rec.1;
    }
    rec.0
        .get(id_field)
        .and_then(Value::as_str)
        .map_or(0, |id| line_of(&d.text, &format!("\"{id}\"")))
}

/// Record `rec` of `d` read as a `T` (`crate::sources::logs`), or the
/// error at its line naming the field of the wrong shape.
fn record<T: serde::de::DeserializeOwned>(
    d: &Log,
    rec: &(Value, usize),
    id_field: &str,
) -> Result<T, FitError> {
    read_at(d, &rec.0, || place(d, rec, id_field))
}

/// `v`, a value of `d`, read as a `T`, or the error at `line()` naming the
/// field of the wrong shape.
fn read_at<T: serde::de::DeserializeOwned>(
    d: &Log,
    v: &Value,
    line: impl FnOnce() -> usize,
) -> Result<T, FitError> {
    crate::sources::typed::<T>(v).map(|(t, _)| t).map_err(|w| {
        located(
            &d.file,
            line(),
            &w.path,
            format!("not {}: {}", d.kind.record(), w.reason),
            "give the output as the AWS CLI prints it, or the events and records as AWS delivers them (docs/src/fit.md)",
        )
    })
}

/// A start and an end: checked, as a duration.
fn span(
    d: &Log,
    line: usize,
    field: &str,
    start: Option<f64>,
    end: Option<f64>,
) -> Result<Option<f64>, FitError> {
    let (Some(s), Some(e)) = (start, end) else {
        return Ok(None);
    };
    if e < s {
        return Err(located(
            &d.file,
            line,
            field,
            format!("the end is {:.3} s before the start", s - e),
            "check the record's times",
        ));
    }
    if e == s {
        return Err(located(
            &d.file,
            line,
            field,
            "a duration of 0 s: durations are positive",
            "leave the record out",
        ));
    }
    Ok(Some(e - s))
}

fn obs(target: Target, duration_s: f64, started: Option<f64>) -> Observation {
    Observation {
        target,
        duration_s,
        censored: false,
        size_gib: None,
        incremental: None,
        started,
        with_readiness: false,
        measured: None,
    }
}

/// Reads every document into observations.
pub(crate) fn read(docs: &[Log], out: &mut Read) -> Result<(), FitError> {
    let types = execution_types(docs)?;
    let sizes = sizes(docs)?;
    let available = availability(docs)?;
    let has_events = docs.iter().any(|d| d.kind == LogKind::Events);
    let mut ebs_join = (0, 0);
    let mut trail_join = (0, 0);
    for d in docs {
        match d.kind {
            LogKind::StepExecutions => steps(d, &types, out)?,
            LogKind::Events => ebs_events(d, &sizes, &mut ebs_join, out)?,
            // Beside EBS events, describe-snapshots gives sizes only.
            LogKind::Snapshots if !has_events => snapshots(d, out)?,
            LogKind::CloudTrail => cloudtrail(d, &available, &mut trail_join, out)?,
            LogKind::Snapshots | LogKind::WorkflowExecutions => {}
        }
    }
    joins(docs, (ebs_join, trail_join), available.len(), out)
}

/// `list-workflow-executions`: each execution's type, by id.
fn execution_types(docs: &[Log]) -> Result<BTreeMap<String, String>, FitError> {
    let mut types = BTreeMap::new();
    for d in docs
        .iter()
        .filter(|d| d.kind == LogKind::WorkflowExecutions)
    {
        for rec in &d.records {
            let w: WorkflowExecution = record(d, rec, "workflowExecutionId")?;
            if let (Some(id), Some(t)) = (w.workflow_execution_id, w.kind) {
                types.insert(id, t);
            }
        }
    }
    Ok(types)
}

/// AMI state changes by request id: when the image became available (or failed).
fn availability(docs: &[Log]) -> Result<BTreeMap<String, (f64, bool)>, FitError> {
    let mut available = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == LogKind::Events) {
        for rec in &d.records {
            let e: Event = record(d, rec, "id")?;
            if e.detail_type.as_deref() != Some("EC2 AMI State Change") {
                continue;
            }
            let det = e.detail.unwrap_or_default();
            let state = det.state.as_deref().unwrap_or("");
            if let (Some(req), Some(t)) = (det.request_id, time_text(e.time.as_deref()))
                && matches!(state, "available" | "failed")
            {
                available.insert(req, (t, state == "available"));
            }
        }
    }
    Ok(available)
}

/// The joins of events with sizes and of CloudTrail calls with state
/// changes, `(matched, unmatched)` each: none matched is an error, the
/// unmatched are counted as left out.
fn joins(
    docs: &[Log],
    (ebs_join, trail_join): ((usize, usize), (usize, usize)),
    state_changes: usize,
    out: &mut Read,
) -> Result<(), FitError> {
    let file_of = |k: LogKind| {
        docs.iter()
            .find(|d| d.kind == k)
            .map_or(Path::new(""), |d| d.file.as_path())
    };
    if ebs_join.0 == 0 && ebs_join.1 > 0 {
        return Err(located(
            file_of(LogKind::Snapshots),
            0,
            "SnapshotId",
            format!(
                "the describe-snapshots given match none of the {} snapshot events",
                ebs_join.1
            ),
            "give describe-snapshots of the snapshots the events name (their snapshot_id or source)",
        ));
    }
    if ebs_join.1 > 0 {
        out.drop_row(&format!(
            "{} snapshot events with no size in describe-snapshots (fitted on durations only)",
            ebs_join.1
        ));
    }
    if trail_join.0 == 0 && trail_join.1 > 0 {
        return Err(located(
            file_of(LogKind::CloudTrail),
            0,
            "requestID",
            format!(
                "none of the {} CreateImage and CopyImage records matches an \"EC2 AMI State Change\" event by request id ({state_changes} state changes given)",
                trail_join.1
            ),
            "give the EventBridge AMI state-change events beside the CloudTrail records",
        ));
    }
    if trail_join.1 > 0 {
        out.drop_row(&format!(
            "{} CloudTrail calls with no AMI state change",
            trail_join.1
        ));
    }
    Ok(())
}
