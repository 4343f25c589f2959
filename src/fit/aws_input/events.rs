//! EBS snapshot events, `describe-snapshots` and CloudTrail's CreateImage
//! and CopyImage records, as snapshot and copy observations.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Log, LogKind, obs, place, span, time, time_text};
use crate::fit::csv_input::Read;
use crate::fit::obs::{FitError, Target, located};
use crate::sources::ec2::Snapshot;

/// One `describe-snapshots` entry, typed, or its located error.
fn snapshot(d: &Log, rec: &(Value, usize)) -> Result<Snapshot, FitError> {
    Snapshot::read(&rec.0).map_err(|e| {
        located(
            &d.file,
            place(d, rec, "SnapshotId"),
            "Snapshots[]",
            format!("not a describe-snapshots entry: {e}"),
            "give `aws ec2 describe-snapshots` output as the AWS CLI prints it",
        )
    })
}

/// `describe-snapshots`: sizes by snapshot id (GiB of data, full).
pub(super) fn sizes(docs: &[Log]) -> Result<BTreeMap<String, f64>, FitError> {
    let mut out = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == LogKind::Snapshots) {
        for rec in &d.records {
            let s = snapshot(d, rec)?;
            if let (Some(id), Some(g)) = (s.snapshot_id.as_ref(), s.data_gib()) {
                out.insert(id.clone(), g);
            }
        }
    }
    Ok(out)
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
pub(super) fn ebs_events(
    d: &Log,
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
            Target::Throughput("snapshot")
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
pub(super) fn snapshots(d: &Log, out: &mut Read) -> Result<(), FitError> {
    for rec in &d.records {
        let s = snapshot(d, rec)?;
        let line = place(d, rec, "SnapshotId");
        if !s.completed() {
            out.drop_row("snapshot not completed");
            continue;
        }
        let (start, end) = (
            time_text(s.start_time.as_deref()),
            time_text(s.completion_time.as_deref()),
        );
        let Some(dur) = span(d, line, "CompletionTime", start, end)? else {
            out.drop_row("snapshot without CompletionTime");
            continue;
        };
        // A copy's description says so ("Copied for DestinationAmi …").
        let copied = s.is_copy();
        let gib = s.data_gib();
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
                Target::Throughput("snapshot")
            },
            dur,
            start,
        );
        o.size_gib = gib;
        out.observations.push(o);
    }
    Ok(())
}

/// CloudTrail CreateImage and CopyImage, from the call to `available`.
pub(super) fn cloudtrail(
    d: &Log,
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
            Target::Throughput("snapshot")
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
