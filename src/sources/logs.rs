//! The logs `amisim fit` reads, one type per record: Image Builder's
//! workflow executions and step executions, EventBridge's EBS snapshot
//! notifications and EC2 AMI state changes, CloudTrail's records. Field
//! names: botocore's `imagebuilder` model, the EBS and EC2 event
//! reference pages, CloudTrail's record contents.

use serde::Deserialize;

use super::Known;

/// `list-workflow-executions`' `workflowExecutions[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowExecution {
    pub workflow_execution_id: Option<String>,
    /// `BUILD`, `TEST` or `DISTRIBUTION`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `list-workflow-step-executions` itself: which execution its steps are of.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepExecutions {
    pub workflow_build_version_arn: Option<String>,
    pub workflow_execution_id: Option<String>,
}

/// One of its `steps[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepExecution {
    /// `LaunchInstance`, `ExecuteComponents`, `CreateImage`, …
    pub action: Option<String>,
    pub name: Option<String>,
    /// `COMPLETED`, `FAILED`, `SKIPPED`, …
    pub status: Option<String>,
    pub message: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// An EventBridge event as delivered.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Event {
    /// `EBS Snapshot Notification`, `EC2 AMI State Change`, …
    #[serde(rename = "detail-type")]
    pub detail_type: Option<String>,
    pub time: Option<String>,
    pub region: Option<String>,
    pub detail: Option<EventDetail>,
}

/// An event's `detail`: an EBS snapshot notification's fields, then an
/// AMI state change's (each event has only its own).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct EventDetail {
    /// `createSnapshot`, `copySnapshot`, …
    pub event: Option<String>,
    /// `succeeded` or `failed`.
    pub result: Option<String>,
    #[serde(rename = "startTime")]
    pub start_time: Option<String>,
    #[serde(rename = "endTime")]
    pub end_time: Option<String>,
    /// The snapshot's ARN.
    pub snapshot_id: Option<String>,
    /// A copy's source snapshot ARN.
    pub source: Option<String>,
    /// Whether a copy was incremental (`true`, or as text).
    #[serde(rename = "Incremental", default, deserialize_with = "super::flag")]
    pub incremental: Option<bool>,
    /// An AMI's new state: `available`, `failed`, …
    #[serde(rename = "State")]
    pub state: Option<String>,
    /// The request that made the AMI (CloudTrail's `requestID`).
    #[serde(rename = "RequestId")]
    pub request_id: Option<String>,
}

/// One CloudTrail record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrailRecord {
    pub event_name: Option<String>,
    pub event_time: Option<String>,
    /// The Region the call was made in (a copy's destination).
    pub aws_region: Option<String>,
    #[serde(rename = "requestID")]
    pub request_id: Option<String>,
    /// Present when AWS refused the call.
    pub error_code: Option<Known>,
    pub request_parameters: Option<RequestParameters>,
}

/// A record's `requestParameters`: CopyImage's source Region.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestParameters {
    pub source_region: Option<String>,
}
