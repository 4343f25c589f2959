//! EC2 documents as the AWS CLI prints them (field names: botocore's
//! `ec2/2016-11-15/service-2.json`).

use serde::Deserialize;

/// Bytes in a GiB: EBS sizes are binary gigabytes.
const GIB: f64 = (1u64 << 30) as f64;

/// `bytes` in GiB.
pub(crate) fn gib(bytes: u64) -> f64 {
    bytes as f64 / GIB
}

/// One entry of `aws ec2 describe-snapshots` (`Snapshots[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Snapshot {
    /// `snap-…`.
    pub snapshot_id: Option<String>,
    /// `pending`, `completed`, `error`, …
    pub state: Option<String>,
    /// A copy's reads "Copied for DestinationAmi …".
    pub description: Option<String>,
    /// The data it holds, bytes (the API gives it for full snapshots).
    pub full_snapshot_size_in_bytes: Option<u64>,
    /// Its volume's size, GiB.
    pub volume_size: Option<u64>,
    /// When it started (RFC 3339).
    pub start_time: Option<String>,
    /// When it completed (RFC 3339).
    pub completion_time: Option<String>,
}

impl Snapshot {
    /// The data it holds, GiB: its full size where given, else its volume's.
    pub(crate) fn data_gib(&self) -> Option<f64> {
        self.full_snapshot_size_in_bytes
            .map(gib)
            .or(self.volume_size.map(|g| g as f64))
    }

    /// Whether it is a copy of another snapshot (CopyImage's or CopySnapshot's).
    pub(crate) fn is_copy(&self) -> bool {
        self.description
            .as_deref()
            .is_some_and(|t| t.starts_with("Copied for"))
    }

    /// Whether it has completed.
    pub(crate) fn completed(&self) -> bool {
        self.state.as_deref() == Some("completed")
    }
}

/// What `import` reads of a `describe-snapshots` entry: which snapshot,
/// and the data it holds (its other fields have no counterpart in a
/// scenario, so they are listed as such).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SnapshotSize {
    pub snapshot_id: Option<String>,
    pub full_snapshot_size_in_bytes: Option<u64>,
}

/// One entry of `aws ec2 describe-images` (`Images[]`): the snapshot
/// behind each of its devices.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Image {
    pub block_device_mappings: Option<Vec<BlockDeviceMapping>>,
}

/// One of an image's `BlockDeviceMappings`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BlockDeviceMapping {
    pub device_name: Option<String>,
    pub ebs: Option<EbsSnapshot>,
}

/// A mapping's `Ebs`, for its snapshot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EbsSnapshot {
    pub snapshot_id: Option<String>,
}

impl Image {
    /// Each device with its snapshot.
    pub(crate) fn snapshots(&self) -> impl Iterator<Item = (&str, &str)> {
        let maps = self.block_device_mappings.iter().flatten();
        maps.filter_map(|m| {
            let snap = m.ebs.as_ref()?.snapshot_id.as_deref()?;
            Some((m.device_name.as_deref()?, snap))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_size_is_the_full_size_else_the_volumes() {
        let full = serde_json::json!({
            "SnapshotId": "snap-1", "FullSnapshotSizeInBytes": 3u64 << 29,
            "VolumeSize": 8, "Tags": [], "State": "completed"
        });
        let s = crate::sources::typed::<Snapshot>(&full).unwrap().0;
        assert_eq!(s.data_gib(), Some(1.5));
        assert!(s.completed() && !s.is_copy());
        let volume = serde_json::json!({ "VolumeSize": 8, "Description": "Copied for DestinationAmi ami-1" });
        let s = crate::sources::typed::<Snapshot>(&volume).unwrap().0;
        assert_eq!(s.data_gib(), Some(8.0));
        assert!(s.is_copy() && !s.completed());
        let wrong = serde_json::json!({ "VolumeSize": "eight" });
        let e = crate::sources::typed::<Snapshot>(&wrong).unwrap_err();
        assert_eq!(e.path, "VolumeSize");
        assert!(e.reason.contains("invalid type"), "{}", e.reason);
    }
}
