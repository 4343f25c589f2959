//! EBS snapshot events, `describe-snapshots` and CloudTrail's CreateImage
//! and CopyImage records, as snapshot and copy observations.

use std::collections::BTreeMap;

use super::{Log, LogKind, obs, place, record, span, time_text};
use crate::fit::csv_input::Read;
use crate::fit::obs::{FitError, Target, located};
use crate::sources::arn::Arn;
use crate::sources::ec2::Snapshot;
use crate::sources::logs::{Event, TrailRecord};

/// `describe-snapshots`: sizes by snapshot id (GiB of data, full).
pub(super) fn sizes(docs: &[Log]) -> Result<BTreeMap<String, f64>, FitError> {
    let mut out = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == LogKind::Snapshots) {
        for rec in &d.records {
            let s: Snapshot = record(d, rec, "SnapshotId")?;
            if let (Some(id), Some(g)) = (s.snapshot_id.as_ref(), s.data_gib()) {
                out.insert(id.clone(), g);
            }
        }
    }
    Ok(out)
}

/// The id at the end of an ARN (`arn:aws:ec2::us-east-1:snapshot/snap-1` → `snap-1`), and its Region.
fn arn_id(s: &str) -> (String, Option<String>) {
    let Some(a) = Arn::parse(s) else {
        return (s.rsplit('/').next().unwrap_or(s).to_string(), None);
    };
    // EBS events write `arn:aws:ec2::REGION:…`, with the Region in the account's place.
    let is_region = |r: &&str| r.contains('-') && r.chars().any(|c| c.is_ascii_digit());
    let region = [a.region, a.account].into_iter().find(is_region);
    (a.resource_id().to_string(), region.map(str::to_string))
}

/// EventBridge EBS snapshot notifications.
pub(super) fn ebs_events(
    d: &Log,
    sizes: &BTreeMap<String, f64>,
    matched: &mut (usize, usize),
    out: &mut Read,
) -> Result<(), FitError> {
    for rec in &d.records {
        let e: Event = record(d, rec, "id")?;
        if e.detail_type.as_deref() != Some("EBS Snapshot Notification") {
            continue; // AMI state changes: for CloudTrail's join
        }
        let line = place(d, rec, "id");
        let det = e.detail.unwrap_or_default();
        let event = det.event.as_deref().unwrap_or("");
        if !matches!(event, "createSnapshot" | "copySnapshot") {
            out.drop_row(&format!("EBS event {event}"));
            continue;
        }
        if det.result.as_deref() != Some("succeeded") {
            out.drop_row(&format!("EBS {event} not succeeded"));
            continue;
        }
        let start = time_text(det.start_time.as_deref());
        let end = time_text(det.end_time.as_deref());
        let Some(dur) = span(d, line, "detail.endTime", start, end)? else {
            return Err(located(
                &d.file,
                line,
                "detail.startTime",
                "an event without startTime and endTime",
                "give the events as EventBridge delivers them",
            ));
        };
        let (snap, region) = arn_id(det.snapshot_id.as_deref().unwrap_or(""));
        let region = region.or(e.region);
        let (src, src_region) = arn_id(det.source.as_deref().unwrap_or(""));
        let incremental = det.incremental;
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
        let mut o = obs(target, dur, start);
        o.size_gib = size;
        o.incremental = incremental;
        out.observations.push(o);
    }
    Ok(())
}

/// `describe-snapshots` read for its own times.
pub(super) fn snapshots(d: &Log, out: &mut Read) -> Result<(), FitError> {
    for rec in &d.records {
        let s: Snapshot = record(d, rec, "SnapshotId")?;
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
        let r: TrailRecord = record(d, rec, "eventID")?;
        let name = r.event_name.as_deref().unwrap_or("");
        if !matches!(name, "CreateImage" | "CopyImage") {
            out.drop_row(&format!("CloudTrail {name}"));
            continue;
        }
        let line = place(d, rec, "eventID");
        if r.error_code.is_some() {
            out.drop_row(&format!("CloudTrail {name} refused"));
            continue;
        }
        let request = r.request_id.as_deref().unwrap_or("");
        let Some(&(end, ok)) = available.get(request) else {
            matched.1 += 1;
            continue;
        };
        matched.0 += 1;
        if !ok {
            out.drop_row(&format!("{name}: the image failed"));
            continue;
        }
        let start = time_text(r.event_time.as_deref());
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
            let from = r.request_parameters.and_then(|p| p.source_region);
            Target::Copy {
                from,
                to: r.aws_region,
            }
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
