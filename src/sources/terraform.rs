//! The AWS provider's resources that copy and share an image without
//! Image Builder (`aws_ami_copy`, `aws_ami_launch_permission`), as import
//! has them from a state, a plan or a `.tf`: attribute names in the API's
//! camel case. Field names: the provider's `ami_copy` and
//! `ami_launch_permission` resources.

use serde::Deserialize;

use super::Known;

/// An `aws_ami_copy`: one CopyImage, made by `terraform apply`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmiCopy {
    /// The new image's id (or the reference a `.tf` gives it).
    pub id: Option<String>,
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    pub owner_id: Option<String>,
    pub source_ami_id: Option<String>,
    pub source_ami_region: Option<String>,
    /// Its Region (AWS provider 6's `region`, or the provider's).
    pub region: Option<String>,
    pub kms_key_id: Option<String>,
    #[serde(default, deserialize_with = "super::flag")]
    pub encrypted: Option<bool>,
    /// The create waiter's time-out (a block of one).
    #[serde(default, deserialize_with = "super::first")]
    pub timeouts: Option<Timeouts>,
    /// The image's block devices (a state's).
    pub ebs_block_device: Option<Vec<EbsBlockDevice>>,
}

/// A resource's `timeouts` block.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Timeouts {
    /// A Go duration (`40m`).
    pub create: Option<String>,
}

/// One of a copy's `ebs_block_device`: its device and size, GiB.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EbsBlockDevice {
    pub device_name: Option<String>,
    #[serde(default, deserialize_with = "super::count")]
    pub volume_size: Option<u64>,
}

/// An `aws_ami_launch_permission`: one account, group, organization or
/// organizational unit that may launch one image. Its Region is its image's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmiLaunchPermission {
    #[serde(rename = "id")]
    _id: Option<Known>,
    #[serde(rename = "provider")]
    _provider: Option<Known>,
    #[serde(rename = "region")]
    _region: Option<Known>,
    pub image_id: Option<String>,
    pub account_id: Option<String>,
    /// `all`: public.
    pub group: Option<String>,
    pub organization_arn: Option<String>,
    pub organizational_unit_arn: Option<String>,
}
