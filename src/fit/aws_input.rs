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

use super::csv_input::Read;
use super::obs::{FitError, Observation, Target, located};

/// What a JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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

impl Kind {
    /// Its name in messages and `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::StepExecutions => "imagebuilder (list-workflow-step-executions)",
            Kind::WorkflowExecutions => "imagebuilder (list-workflow-executions)",
            Kind::Events => "ebs-events (EventBridge)",
            Kind::Snapshots => "snapshots (describe-snapshots)",
            Kind::CloudTrail => "cloudtrail",
        }
    }
}

/// One parsed document.
pub struct Doc {
    /// Its kind.
    pub kind: Kind,
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
pub fn parse(file: &Path, text: &str) -> Result<Doc, FitError> {
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
        (Kind::Events, records)
    } else if let Some(Value::Array(s)) = top.get("steps") {
        (Kind::StepExecutions, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("workflowExecutions") {
        (Kind::WorkflowExecutions, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("Snapshots") {
        (Kind::Snapshots, of_array(s))
    } else if let Some(Value::Array(s)) = top.get("Records") {
        (Kind::CloudTrail, of_array(s))
    } else if let Value::Array(a) = &top {
        if a.iter().all(|x| x.get("eventName").is_some()) && !a.is_empty() {
            (Kind::CloudTrail, of_array(a))
        } else if a.iter().all(|x| x.get("detail-type").is_some()) && !a.is_empty() {
            (Kind::Events, of_array(a))
        } else {
            return Err(wrong_kind(file, &top));
        }
    } else if top.get("detail-type").is_some() {
        (Kind::Events, vec![(top.clone(), 1)])
    } else {
        return Err(wrong_kind(file, &top));
    };
    Ok(Doc {
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
        "give list-workflow-step-executions, EventBridge EBS or AMI events, describe-snapshots or CloudTrail output (README, \"Calibrate from your own history\")",
    )
}

/// An RFC 3339 time, in seconds since the epoch.
fn time(v: Option<&Value>) -> Option<f64> {
    let s = v?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// A record's place: its line, or the line of a field value unique to it.
fn place(d: &Doc, rec: &(Value, usize), id_field: &str) -> usize {
    if rec.1 > 0 {
        return rec.1;
    }
    rec.0
        .get(id_field)
        .and_then(Value::as_str)
        .map_or(0, |id| line_of(&d.text, &format!("\"{id}\"")))
}

/// A start and an end: checked, as a duration.
fn span(
    d: &Doc,
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

/// Image Builder step executions, with the execution types `types` gives.
fn steps(d: &Doc, types: &BTreeMap<String, String>, out: &mut Read) -> Result<(), FitError> {
    let exec = d
        .top
        .get("workflowExecutionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let workflow = d
        .top
        .get("workflowBuildVersionArn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ty = types.get(exec).cloned().unwrap_or_else(|| {
        if workflow.contains("/test/") {
            "TEST".into()
        } else if workflow.contains("/distribution/") {
            "DISTRIBUTION".into()
        } else {
            "BUILD".into()
        }
    });
    for rec in &d.records {
        let s = &rec.0;
        let line = place(d, rec, "stepExecutionId");
        let action = s.get("action").and_then(Value::as_str).unwrap_or("");
        let name = s.get("name").and_then(Value::as_str).unwrap_or(action);
        let status = s.get("status").and_then(Value::as_str).unwrap_or("");
        let message = s
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase();
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
        let (target, readiness) = match action {
            "LaunchInstance" => (Target::Latency("instance_launch"), true),
            "TerminateInstance" => (Target::Latency("instance_terminate"), false),
            "ExecuteComponents" if ty == "TEST" => (Target::Test(name.to_string()), false),
            "ExecuteComponents" => (Target::Component(name.to_string()), false),
            "CreateImage" => (Target::Snapshot, false),
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
            _ => {
                out.drop_row(&format!("Image Builder action {action}: no amisim stage"));
                continue;
            }
        };
        let Some(dur) = span(
            d,
            line,
            "endTime",
            time(s.get("startTime")),
            time(s.get("endTime")),
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
        let mut o = obs(target, dur, time(s.get("startTime")));
        o.censored = timed_out;
        o.with_readiness = readiness;
        o.measured = match action {
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
        };
        out.observations.push(o);
    }
    Ok(())
}

/// `describe-snapshots`: sizes by snapshot id (GiB of data, full).
fn sizes(docs: &[Doc]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == Kind::Snapshots) {
        for (s, _) in &d.records {
            let Some(id) = s.get("SnapshotId").and_then(Value::as_str) else {
                continue;
            };
            let gib = s
                .get("FullSnapshotSizeInBytes")
                .and_then(Value::as_f64)
                .map(|b| b / (1u64 << 30) as f64)
                .or_else(|| s.get("VolumeSize").and_then(Value::as_f64));
            if let Some(g) = gib {
                out.insert(id.to_string(), g);
            }
        }
    }
    out
}

/// The id at the end of an ARN (`arn:aws:ec2::us-east-1:snapshot/snap-1` → `snap-1`), and its Region.
fn arn_id(s: &str) -> (String, Option<String>) {
    let id = s.rsplit('/').next().unwrap_or(s).to_string();
    // EBS events write `arn:aws:ec2::REGION:…`, with the Region in the account's place.
    let is_region = |r: &&str| r.contains('-') && r.chars().any(|c| c.is_ascii_digit());
    let mut parts = s.split(':');
    let region = parts
        .nth(3)
        .filter(is_region)
        .or_else(|| parts.next().filter(is_region))
        .map(str::to_string);
    (id, region)
}

/// EventBridge EBS snapshot notifications.
fn ebs_events(
    d: &Doc,
    sizes: &BTreeMap<String, f64>,
    matched: &mut (usize, usize),
    out: &mut Read,
) -> Result<(), FitError> {
    for rec in &d.records {
        let e = &rec.0;
        if e.get("detail-type").and_then(Value::as_str) != Some("EBS Snapshot Notification") {
            continue; // AMI state changes: for CloudTrail's join
        }
        let line = place(d, rec, "id");
        let det = e.get("detail").cloned().unwrap_or(Value::Null);
        let event = det.get("event").and_then(Value::as_str).unwrap_or("");
        if !matches!(event, "createSnapshot" | "copySnapshot") {
            out.drop_row(&format!("EBS event {event}"));
            continue;
        }
        if det.get("result").and_then(Value::as_str) != Some("succeeded") {
            out.drop_row(&format!("EBS {event} not succeeded"));
            continue;
        }
        let Some(dur) = span(
            d,
            line,
            "detail.endTime",
            time(det.get("startTime")),
            time(det.get("endTime")),
        )?
        else {
            return Err(located(
                &d.file,
                line,
                "detail.startTime",
                "an event without startTime and endTime",
                "give the events as EventBridge delivers them",
            ));
        };
        let (snap, region) = arn_id(det.get("snapshot_id").and_then(Value::as_str).unwrap_or(""));
        let region = region.or_else(|| e.get("region").and_then(Value::as_str).map(str::to_string));
        let (src, src_region) = arn_id(det.get("source").and_then(Value::as_str).unwrap_or(""));
        let incremental = det.get("Incremental").and_then(|v| match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        let target = if event == "copySnapshot" {
            Target::Copy {
                from: src_region,
                to: region,
            }
        } else {
            Target::Snapshot
        };
        let size = sizes.get(&snap).or_else(|| sizes.get(&src)).copied();
        if !sizes.is_empty() {
            if size.is_some() {
                matched.0 += 1;
            } else {
                matched.1 += 1;
            }
        }
        if size == Some(0.0) {
            return Err(located(
                &d.file,
                line,
                "detail.snapshot_id",
                format!("{snap}: a size of 0 GiB in describe-snapshots"),
                "a throughput fit needs the data moved",
            ));
        }
        let mut o = obs(target, dur, time(det.get("startTime")));
        o.size_gib = size;
        o.incremental = incremental;
        out.observations.push(o);
    }
    Ok(())
}

/// `describe-snapshots` read for its own times.
fn snapshots(d: &Doc, out: &mut Read) -> Result<(), FitError> {
    for rec in &d.records {
        let s = &rec.0;
        let line = place(d, rec, "SnapshotId");
        if s.get("State").and_then(Value::as_str) != Some("completed") {
            out.drop_row("snapshot not completed");
            continue;
        }
        let Some(dur) = span(
            d,
            line,
            "CompletionTime",
            time(s.get("StartTime")),
            time(s.get("CompletionTime")),
        )?
        else {
            out.drop_row("snapshot without CompletionTime");
            continue;
        };
        // A copy's description says so ("Copied for DestinationAmi …").
        let copied = s
            .get("Description")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("Copied for"));
        let gib = s
            .get("FullSnapshotSizeInBytes")
            .and_then(Value::as_f64)
            .map(|b| b / (1u64 << 30) as f64)
            .or_else(|| s.get("VolumeSize").and_then(Value::as_f64));
        if gib == Some(0.0) {
            return Err(located(
                &d.file,
                line,
                "FullSnapshotSizeInBytes",
                "a size of 0: a throughput fit needs the data moved",
                "leave the snapshot out",
            ));
        }
        let mut o = obs(
            if copied {
                Target::Copy {
                    from: None,
                    to: None,
                }
            } else {
                Target::Snapshot
            },
            dur,
            time(s.get("StartTime")),
        );
        o.size_gib = gib;
        out.observations.push(o);
    }
    Ok(())
}

/// CloudTrail CreateImage and CopyImage, from the call to `available`.
fn cloudtrail(
    d: &Doc,
    available: &BTreeMap<String, (f64, bool)>,
    matched: &mut (usize, usize),
    out: &mut Read,
) -> Result<(), FitError> {
    for rec in &d.records {
        let r = &rec.0;
        let name = r.get("eventName").and_then(Value::as_str).unwrap_or("");
        if !matches!(name, "CreateImage" | "CopyImage") {
            out.drop_row(&format!("CloudTrail {name}"));
            continue;
        }
        let line = place(d, rec, "eventID");
        if r.get("errorCode").is_some() {
            out.drop_row(&format!("CloudTrail {name} refused"));
            continue;
        }
        let request = r.get("requestID").and_then(Value::as_str).unwrap_or("");
        let Some(&(end, ok)) = available.get(request) else {
            matched.1 += 1;
            continue;
        };
        matched.0 += 1;
        if !ok {
            out.drop_row(&format!("{name}: the image failed"));
            continue;
        }
        let start = time(r.get("eventTime"));
        let Some(dur) = span(d, line, "eventTime", start, Some(end))? else {
            return Err(located(
                &d.file,
                line,
                "eventTime",
                "a record without eventTime",
                "give CloudTrail records as delivered",
            ));
        };
        let target = if name == "CopyImage" {
            let to = r
                .get("awsRegion")
                .and_then(Value::as_str)
                .map(str::to_string);
            let from = r
                .get("requestParameters")
                .and_then(|p| p.get("sourceRegion"))
                .and_then(Value::as_str)
                .map(str::to_string);
            Target::Copy { from, to }
        } else {
            Target::Snapshot
        };
        let mut o = obs(target, dur, start);
        o.measured = Some(if name == "CopyImage" {
            "CloudTrail CopyImage to the AMI's available: the whole copy, with no sizes"
        } else {
            "CloudTrail CreateImage to the AMI's available: every snapshot and the registration together, with no sizes"
        });
        out.observations.push(o);
    }
    Ok(())
}

/// Reads every document into observations.
pub fn read(docs: &[Doc], out: &mut Read) -> Result<(), FitError> {
    let mut types = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == Kind::WorkflowExecutions) {
        for (w, _) in &d.records {
            if let (Some(id), Some(t)) = (
                w.get("workflowExecutionId").and_then(Value::as_str),
                w.get("type").and_then(Value::as_str),
            ) {
                types.insert(id.to_string(), t.to_string());
            }
        }
    }
    let sizes = sizes(docs);
    // AMI state changes by request id: when the image became available (or failed).
    let mut available = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == Kind::Events) {
        for (e, _) in &d.records {
            if e.get("detail-type").and_then(Value::as_str) != Some("EC2 AMI State Change") {
                continue;
            }
            let det = e.get("detail").cloned().unwrap_or(Value::Null);
            let state = det.get("State").and_then(Value::as_str).unwrap_or("");
            if let (Some(req), Some(t)) = (
                det.get("RequestId").and_then(Value::as_str),
                time(e.get("time")),
            ) && matches!(state, "available" | "failed")
            {
                available.insert(req.to_string(), (t, state == "available"));
            }
        }
    }
    let has_events = docs.iter().any(|d| d.kind == Kind::Events);
    let mut ebs_join = (0, 0);
    let mut trail_join = (0, 0);
    for d in docs {
        match d.kind {
            Kind::StepExecutions => steps(d, &types, out)?,
            Kind::Events => ebs_events(d, &sizes, &mut ebs_join, out)?,
            // Beside EBS events, describe-snapshots gives sizes only.
            Kind::Snapshots if !has_events => snapshots(d, out)?,
            Kind::CloudTrail => cloudtrail(d, &available, &mut trail_join, out)?,
            Kind::Snapshots | Kind::WorkflowExecutions => {}
        }
    }
    let file_of = |k: Kind| {
        docs.iter()
            .find(|d| d.kind == k)
            .map_or(Path::new(""), |d| d.file.as_path())
    };
    if ebs_join.0 == 0 && ebs_join.1 > 0 {
        return Err(located(
            file_of(Kind::Snapshots),
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
            file_of(Kind::CloudTrail),
            0,
            "requestID",
            format!(
                "none of the {} CreateImage and CopyImage records matches an \"EC2 AMI State Change\" event by request id ({} state changes given)",
                trail_join.1,
                available.len()
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
