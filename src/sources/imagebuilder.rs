//! Image Builder's documents as the AWS CLI prints them (`get-*`'s inner
//! object) or as `create-*` input takes them. Field names: botocore's
//! `imagebuilder/2019-12-02/service-2.json`. Each type holds the fields a
//! scenario has a counterpart for; [`super::typed`] names the rest.
//!
//! A list is an `Option<Vec<_>>`: a template's unresolved value may be
//! `null`, read as absent, as the located reader did.

use serde::Deserialize;

use super::Known;

/// `get-image-pipeline`'s `imagePipeline`, or a one-shot image's
/// resource (CloudFormation's `AWS::ImageBuilder::Image`, Terraform's
/// `aws_imagebuilder_image`), which has the same fields but a schedule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImagePipeline {
    /// Its ARN: its owner account and build Region.
    pub arn: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `Linux`, `Windows` or `macOS`.
    pub platform: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: Option<String>,
    pub image_recipe_arn: Option<String>,
    pub container_recipe_arn: Option<String>,
    pub infrastructure_configuration_arn: Option<String>,
    pub distribution_configuration_arn: Option<String>,
    pub schedule: Option<Schedule>,
    #[serde(default, deserialize_with = "super::flag")]
    pub enhanced_image_metadata_enabled: Option<bool>,
    pub image_scanning_configuration: Option<ImageScanningConfiguration>,
    pub image_tests_configuration: Option<ImageTestsConfiguration>,
    /// Custom workflows in place of Image Builder's default build and
    /// test workflows (import says they are not simulated).
    pub workflows: Option<Known>,
}

/// A pipeline's `schedule`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Schedule {
    /// `cron(…)` or `rate(…)`.
    pub schedule_expression: Option<String>,
    /// An IANA time zone.
    pub timezone: Option<String>,
    /// `EXPRESSION_MATCH_ONLY` or `EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`.
    pub pipeline_execution_start_condition: Option<String>,
    pub auto_disable_policy: Option<AutoDisablePolicy>,
}

/// `schedule.autoDisablePolicy`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AutoDisablePolicy {
    /// Consecutive failures after which the pipeline is disabled.
    pub failure_count: Option<u64>,
}

/// `imageScanningConfiguration` (its `ecrConfiguration` has no counterpart).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageScanningConfiguration {
    #[serde(default, deserialize_with = "super::flag")]
    pub image_scanning_enabled: Option<bool>,
}

/// `imageTestsConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageTestsConfiguration {
    #[serde(default, deserialize_with = "super::flag")]
    pub image_tests_enabled: Option<bool>,
    /// Documented by AWS as "not currently active".
    pub timeout_minutes: Option<u64>,
}

/// `get-image-recipe`'s `imageRecipe`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageRecipe {
    /// Its ARN: what a pipeline names it by.
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    pub name: Option<String>,
    #[serde(rename = "version")]
    _version: Option<Known>,
    #[serde(rename = "semanticVersion")]
    _semantic_version: Option<Known>,
    pub platform: Option<String>,
    /// An image ARN (with a version filter), an AMI id, an SSM parameter.
    pub parent_image: Option<String>,
    pub components: Option<Vec<ComponentConfiguration>>,
    pub block_device_mappings: Option<Vec<BlockDeviceMapping>>,
}

/// One of a recipe's `components` (its `parameters` have no counterpart).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ComponentConfiguration {
    pub component_arn: Option<String>,
}

/// One of a recipe's `blockDeviceMappings`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BlockDeviceMapping {
    pub device_name: Option<String>,
    pub ebs: Option<Ebs>,
}

/// A mapping's `ebs`: its size, GiB, and its encryption.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ebs {
    pub volume_size: Option<u64>,
    #[serde(default, deserialize_with = "super::flag")]
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
}

/// `get-component`'s `component`, or a component resource.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Component {
    pub arn: Option<String>,
    pub name: Option<String>,
    /// `BUILD` or `TEST`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The component document (YAML), whose phases say where it runs.
    pub data: Option<String>,
}

/// `get-lifecycle-policy`'s `lifecyclePolicy`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LifecyclePolicy {
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    #[serde(rename = "name")]
    _name: Option<Known>,
    /// `ENABLED` or `DISABLED`.
    pub status: Option<String>,
    /// Its `tagMap` (selection by tags) has no counterpart.
    pub resource_selection: Option<ResourceSelection>,
    pub policy_details: Option<Vec<PolicyDetail>>,
}

/// The recipes a lifecycle policy selects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceSelection {
    pub recipes: Option<Vec<RecipeSelection>>,
}

/// One recipe a policy selects, by name and version.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecipeSelection {
    pub name: Option<String>,
    #[serde(rename = "semanticVersion")]
    _semantic_version: Option<Known>,
}

/// One rule of a policy: an action on the images its filter selects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PolicyDetail {
    pub action: Option<Action>,
    pub filter: Option<Filter>,
}

/// A rule's action (its `includeResources` have no counterpart).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Action {
    /// `DELETE`, `DEPRECATE` or `DISABLE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// A rule's filter: by count (`value` images) or by age (`value` `unit`s,
/// keeping at least `retainAtLeast`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Filter {
    /// `COUNT` or `AGE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<u64>,
    /// `DAYS`, `WEEKS`, `MONTHS` or `YEARS`.
    pub unit: Option<String>,
    pub retain_at_least: Option<u64>,
}

/// `get-container-recipe`'s `containerRecipe`, beyond the fields it
/// shares with an image recipe ([`ImageRecipe`] reads those). Its target
/// repository and instance configuration have no counterpart.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerRecipe {
    #[serde(rename = "containerType")]
    _container_type: Option<Known>,
    #[serde(rename = "dockerfileTemplateData")]
    _dockerfile_template_data: Option<Known>,
    #[serde(rename = "dockerfileTemplateUri")]
    _dockerfile_template_uri: Option<Known>,
    #[serde(rename = "workingDirectory")]
    _working_directory: Option<Known>,
    #[serde(rename = "imageOsVersionOverride")]
    _image_os_version_override: Option<Known>,
    #[serde(rename = "platformOverride")]
    _platform_override: Option<Known>,
    /// It encrypts the Dockerfile template, not the image.
    pub kms_key_id: Option<String>,
}

/// A distribution configuration read for a container pipeline (its
/// labels and dates are read, so not listed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerDistributionConfiguration {
    pub timeout_minutes: Option<u64>,
    pub distributions: Option<Vec<ContainerDistribution>>,
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    #[serde(rename = "name")]
    _name: Option<Known>,
    #[serde(rename = "description")]
    _description: Option<Known>,
    #[serde(rename = "dateCreated")]
    _date_created: Option<Known>,
    #[serde(rename = "dateUpdated")]
    _date_updated: Option<Known>,
}

/// One Region of it: an entry with `containerDistributionConfiguration`
/// is a container's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerDistribution {
    pub region: Option<String>,
    #[serde(default, deserialize_with = "super::first")]
    pub container_distribution_configuration: Option<ContainerSettings>,
}

/// A Region's container settings: the repository and tags that name the
/// image have no counterpart (amisim's image is the pipeline's).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ContainerSettings {}

/// `aws ecr describe-registry`, or Terraform's
/// `aws_ecr_replication_configuration` (blocks as lists of one, nested
/// blocks named in the singular).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Registry {
    #[serde(rename = "registryId")]
    _registry_id: Option<Known>,
    #[serde(default, deserialize_with = "super::first")]
    pub replication_configuration: Option<ReplicationConfiguration>,
}

/// A registry's replication rules.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReplicationConfiguration {
    #[serde(alias = "rule")]
    pub rules: Option<Vec<ReplicationRule>>,
}

/// One rule: where it replicates to. Its repository filters have no
/// counterpart: the pipeline's repository is taken to match.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReplicationRule {
    #[serde(alias = "destination")]
    pub destinations: Option<Vec<ReplicationDestination>>,
}

/// One destination: a Region and a registry (an account id).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicationDestination {
    pub region: Option<String>,
    pub registry_id: Option<String>,
}

/// `get-infrastructure-configuration`'s `infrastructureConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InfrastructureConfiguration {
    /// Its ARN (a pipeline names it by this; `import` binds them).
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    #[serde(rename = "name")]
    _name: Option<Known>,
    /// The builder's instance types; Image Builder tries them in order.
    pub instance_types: Option<Vec<String>>,
}

/// `get-distribution-configuration`'s `distributionConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DistributionConfiguration {
    #[serde(rename = "arn")]
    _arn: Option<Known>,
    #[serde(rename = "name")]
    _name: Option<Known>,
    #[serde(rename = "description")]
    _description: Option<Known>,
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
