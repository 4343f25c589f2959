//! Packer's `amazon-ebs` source, evaluated (HCL2, or a legacy JSON
//! template's builder): the fields a scenario has a counterpart for.
//! Field names: the Amazon plugin's `builder/ebs` and `builder/common`
//! configuration (`packer-plugin-amazon`).
//!
//! HCL2 converts a string to the number or bool a field takes, so Packer
//! accepts `volume_size = "30"`; so do these types ([`super::count`],
//! [`super::flag`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Known;

/// A `source "amazon-ebs"` block (with what its build-level block adds).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AmazonEbs {
    pub region: Option<String>,
    /// The build Region's key: ARN, id or alias.
    pub kms_key_id: Option<String>,
    pub instance_type: Option<String>,
    /// `ssh` or `winrm` (a Windows build).
    pub communicator: Option<String>,
    pub source_ami: Option<String>,
    pub source_ami_filter: Option<SourceAmiFilter>,
    #[serde(default, deserialize_with = "super::flag")]
    pub encrypt_boot: Option<bool>,
    pub ami_regions: Option<Vec<String>>,
    /// Each copy Region's key (`""`: the default EBS key).
    pub region_kms_key_ids: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "super::count")]
    pub snapshot_copy_duration_minutes: Option<u64>,
    /// Attempts of a throttled call (0: Packer's default).
    #[serde(default, deserialize_with = "super::count")]
    pub max_retries: Option<u64>,
    pub ami_users: Option<Vec<String>>,
    pub ami_groups: Option<Vec<String>>,
    pub ami_org_arns: Option<Vec<String>>,
    pub ami_ou_arns: Option<Vec<String>>,
    pub snapshot_users: Option<Vec<String>>,
    /// A block each: one block is an object, several a list.
    #[serde(default, deserialize_with = "super::many")]
    pub launch_block_device_mappings: Option<Vec<BlockDevice>>,
    pub aws_polling: Option<AwsPolling>,
    /// An absolute date (a warning says to set `deprecate_after`).
    pub deprecate_at: Option<Known>,
    /// The build Region's AMI kept only as an intermediary (a warning).
    pub skip_save_build_region: Option<Known>,
}

/// `source_ami_filter`: its owners, and the name filter (which says
/// whether the base image is Windows). Its other filters have no counterpart.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SourceAmiFilter {
    pub owners: Option<Vec<String>>,
    pub filters: Option<AmiFilters>,
}

/// `source_ami_filter.filters`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AmiFilters {
    pub name: Option<String>,
}

/// One `launch_block_device_mappings` block.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct BlockDevice {
    pub device_name: Option<String>,
    /// GiB.
    #[serde(default, deserialize_with = "super::count")]
    pub volume_size: Option<u64>,
}

/// `aws_polling`: the waiter's delay, seconds, and attempts.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AwsPolling {
    #[serde(default, deserialize_with = "super::count")]
    pub delay_seconds: Option<u64>,
    #[serde(default, deserialize_with = "super::count")]
    pub max_attempts: Option<u64>,
}

impl AmazonEbs {
    /// Whether the base image's name filter says Windows.
    pub(crate) fn windows_filter(&self) -> bool {
        let f = self
            .source_ami_filter
            .as_ref()
            .and_then(|f| f.filters.as_ref());
        f.and_then(|f| f.name.as_deref())
            .is_some_and(|n| n.to_lowercase().contains("windows"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::typed;

    #[test]
    fn a_source_reads_as_packer_converts_its_values() {
        let v = serde_json::json!({
            "region": "us-east-1", "volume_size": 8, "encrypt_boot": "true",
            "max_retries": "20",
            "launch_block_device_mappings": {"device_name": "/dev/sda1", "volume_size": "40", "volume_type": "gp3"},
            "source_ami_filter": {"owners": ["amazon"], "filters": {"name": "Windows_Server-2022*", "root-device-type": "ebs"}}
        });
        let (s, unread): (AmazonEbs, _) = typed(&v).unwrap();
        assert_eq!((s.encrypt_boot, s.max_retries), (Some(true), Some(20)));
        let m = s.launch_block_device_mappings.clone().unwrap();
        assert_eq!((m.len(), m[0].volume_size), (1, Some(40)));
        assert!(s.windows_filter());
        assert_eq!(
            unread,
            [
                "launch_block_device_mappings.volume_type",
                "source_ami_filter.filters.root-device-type",
                "volume_size"
            ]
        );
        let two = serde_json::json!({"launch_block_device_mappings": [{"volume_size": 1}, {"volume_size": 2}]});
        let (s, _): (AmazonEbs, _) = typed(&two).unwrap();
        assert_eq!(
            s.launch_block_device_mappings.unwrap()[1].volume_size,
            Some(2)
        );
        let e = typed::<AmazonEbs>(&serde_json::json!({"max_retries": "many"})).unwrap_err();
        assert_eq!(e.path, "max_retries");
    }
}
