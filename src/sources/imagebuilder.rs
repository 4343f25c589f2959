//! Image Builder's documents as the AWS CLI prints them (`get-*`'s inner
//! object) or as `create-*` input takes them. Field names: botocore's
//! `imagebuilder/2019-12-02/service-2.json`. Each type holds the fields a
//! scenario has a counterpart for; [`super::typed`] names the rest.
//!
//! A list is an `Option<Vec<_>>`: a template's unresolved value may be
//! `null`, read as absent, as the located reader did.

use serde::Deserialize;

/// `get-infrastructure-configuration`'s `infrastructureConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InfrastructureConfiguration {
    /// Its ARN (a pipeline names it by this; `import` binds them).
    #[expect(
        dead_code,
        reason = "a label without a counterpart: read so that it is not listed"
    )]
    pub arn: Option<String>,
    #[expect(
        dead_code,
        reason = "a label without a counterpart: read so that it is not listed"
    )]
    pub name: Option<String>,
    /// The builder's instance types; Image Builder tries them in order.
    pub instance_types: Option<Vec<String>>,
}

/// `get-distribution-configuration`'s `distributionConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DistributionConfiguration {
    #[expect(
        dead_code,
        reason = "a label without a counterpart: read so that it is not listed"
    )]
    pub arn: Option<String>,
    #[expect(
        dead_code,
        reason = "a label without a counterpart: read so that it is not listed"
    )]
    pub name: Option<String>,
    #[expect(
        dead_code,
        reason = "a label without a counterpart: read so that it is not listed"
    )]
    pub description: Option<String>,
    /// How long the distribution may take, minutes.
    pub timeout_minutes: Option<u64>,
    /// One entry per Region.
    pub distributions: Option<Vec<Distribution>>,
}

/// One Region of a distribution configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Distribution {
    pub region: Option<String>,
    pub ami_distribution_configuration: Option<AmiDistributionConfiguration>,
}

/// What an AMI distribution does in its Region: the key of its copy, the
/// accounts it copies into, who may launch it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmiDistributionConfiguration {
    /// A key ARN, id, alias or alias ARN.
    pub kms_key_id: Option<String>,
    pub target_account_ids: Option<Vec<String>>,
    pub launch_permission: Option<LaunchPermission>,
}

/// `launchPermission`: the accounts, groups (`all`: public),
/// organizations and organizational units that may launch the image.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LaunchPermission {
    pub user_ids: Option<Vec<String>>,
    pub user_groups: Option<Vec<String>>,
    pub organization_arns: Option<Vec<String>>,
    pub organizational_unit_arns: Option<Vec<String>>,
}

impl LaunchPermission {
    /// Whether it makes the image public (`userGroups` holds `all`).
    pub(crate) fn public(&self) -> bool {
        self.user_groups.iter().flatten().any(|g| g == "all")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::typed;

    #[test]
    fn a_distribution_reads_its_regions_and_names_what_it_does_not() {
        let v = serde_json::json!({
            "arn": "arn:aws:imagebuilder:us-east-1:111122223333:distribution-configuration/d",
            "name": "d", "timeoutMinutes": 360, "tags": {},
            "distributions": [{
                "region": "eu-west-1",
                "amiDistributionConfiguration": {
                    "name": "golden-{{ imagebuilder:buildDate }}",
                    "kmsKeyId": "alias/golden",
                    "launchPermission": {"userGroups": ["all"], "userIds": null}
                }
            }]
        });
        let (d, unread): (DistributionConfiguration, _) = typed(&v).unwrap();
        assert_eq!(d.timeout_minutes, Some(360));
        let ad = d.distributions.unwrap()[0]
            .ami_distribution_configuration
            .clone()
            .unwrap();
        assert_eq!(ad.kms_key_id.as_deref(), Some("alias/golden"));
        assert!(ad.launch_permission.unwrap().public());
        assert_eq!(
            unread,
            ["distributions[0].amiDistributionConfiguration.name", "tags"]
        );
    }
}
