//! The serde mirror of a scenario file, exactly as typed.
//!
//! Table: one field per scenario key, no logic.
//!
//! Every table denies unknown keys. Values that later need a located error
//! (names, cross-references, sizes, probabilities) are `Spanned`.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::scenario::spec::{Dur, LawSpec, ThroughputSpec};

/// The whole file.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    /// Name used for the output directory; default: the file's stem.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Free text.
    pub description: Option<String>,
    /// Triggers are generated up to this time; executions in flight finish.
    #[schemars(with = "Option<Dur>")]
    pub horizon: Option<Spanned<Dur>>,
    /// Calendar time of t = 0 (cron is evaluated against it), UTC.
    #[schemars(with = "Option<crate::scenario::spec::TomlDatetime>")]
    pub start: Option<Spanned<toml::value::Datetime>>,
    /// Default master seed.
    pub seed: Option<u64>,
    /// Default number of replications.
    #[schemars(with = "Option<i64>")]
    pub replications: Option<Spanned<i64>>,
    /// `[account]` (one) or `[[account]]` (several); the first owns the
    /// pipelines unless a pipeline names another.
    pub account: Option<OneOrMany<RawAccount>>,
    /// Regions used by the scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub region: Vec<RawRegion>,
    /// The AWS Organization and its OUs.
    pub organization: Option<RawOrganization>,
    /// Other organizations images may be shared with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawExternalOrganization>")]
    pub external_organization: Vec<Spanned<RawExternalOrganization>>,
    /// Customer managed KMS keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawKey>")]
    pub kms_key: Vec<Spanned<RawKey>>,
    /// Illegal distributions are simulated (failing where AWS fails them)
    /// instead of refused.
    pub model_misconfigurations: Option<bool>,
    /// A calibration written by `amisim fit`: its latencies, routes and
    /// step durations stand where this file sets none.
    #[schemars(with = "Option<String>")]
    pub calibration: Option<Spanned<String>>,
    /// Latency overrides for every pipeline.
    pub latency: Option<RawLatency>,
    /// Copy throughput overrides for Region pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub route: Vec<RawRoute>,
    /// Quota overrides.
    pub quotas: Option<RawQuotas>,
    /// The pipelines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawPipeline>")]
    pub pipeline: Vec<Spanned<RawPipeline>>,
    /// Instances moved with an image to another Availability Zone or Region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawMigration>")]
    pub migration: Vec<Spanned<RawMigration>>,
    /// Failure injection, retries and the client's waiter.
    pub faults: Option<RawFaults>,
    /// Region incidents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawIncident>")]
    pub incident: Vec<Spanned<RawIncident>>,
    /// API throttling and the SDK retry policy.
    pub api: Option<RawApi>,
    /// Parameter sweep: dotted key paths and the values each takes. Only
    /// accepted here: `scenario::sweep` reads it from the text, with spans.
    #[allow(dead_code)]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub sweep: Option<Spanned<toml::Table>>,
    /// Price overrides.
    pub cost: Option<RawCost>,
    /// Service-level objectives checked by the report.
    pub slo: Option<RawSlo>,
}

/// `[slo]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSlo {
    /// Target for the p95 of time to all Regions (every pipeline).
    #[schemars(with = "Option<Dur>")]
    pub time_to_all_regions_p95: Option<Spanned<Dur>>,
    /// Target for the p95 of the exposure window (every pipeline with releases).
    #[schemars(with = "Option<Dur>")]
    pub exposure_window_p95: Option<Spanned<Dur>>,
    /// Target for the mean monthly cost, US dollars.
    #[schemars(with = "Option<f64>")]
    pub monthly_cost_usd: Option<Spanned<f64>>,
    /// What the p95 targets are about: `each`, `fleet` or a pipeline's name.
    #[schemars(with = "Option<String>")]
    pub scope: Option<Spanned<String>>,
}

/// `[cost]`: prices in US dollars.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCost {
    /// A file of prices (a `[cost]` table, as `amisim prices` writes it):
    /// its values stand where this table gives none.
    #[schemars(with = "Option<String>")]
    pub prices: Option<Spanned<String>>,
    /// On-demand price per hour by instance type (Linux).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub instance_usd_per_hour: std::collections::BTreeMap<String, Spanned<f64>>,
    /// On-demand price per hour by instance type, Windows licence included.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub windows_instance_usd_per_hour: std::collections::BTreeMap<String, Spanned<f64>>,
    /// EBS volume per GB-month.
    #[schemars(with = "Option<f64>")]
    pub ebs_usd_per_gb_month: Option<Spanned<f64>>,
    /// Snapshot storage per GB-month.
    #[schemars(with = "Option<f64>")]
    pub snapshot_usd_per_gb_month: Option<Spanned<f64>>,
    /// Inter-Region transfer per GB (default for every source).
    #[schemars(with = "Option<f64>")]
    pub transfer_usd_per_gb: Option<Spanned<f64>>,
    /// Inter-Region transfer per GB by source Region.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub transfer_from: std::collections::BTreeMap<String, Spanned<f64>>,
    /// KMS key per month.
    #[schemars(with = "Option<f64>")]
    pub kms_key_usd_per_month: Option<Spanned<f64>>,
    /// Snapshot storage in the archive tier per GB-month (of the full snapshot).
    #[schemars(with = "Option<f64>")]
    pub snapshot_archive_usd_per_gb_month: Option<Spanned<f64>>,
    /// Time-based copies per GiB, by the longest completion duration each price covers.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub time_based_copy_usd_per_gib: std::collections::BTreeMap<String, Spanned<f64>>,
    /// `[cost.region."NAME"]`: one Region's own prices, over the ones above.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, RawRegionPrices>")]
    pub region: std::collections::BTreeMap<String, Spanned<RawRegionPrices>>,
}

/// `[cost.region."NAME"]`
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegionPrices {
    /// On-demand price per hour by instance type, in that Region (Linux).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub instance_usd_per_hour: std::collections::BTreeMap<String, Spanned<f64>>,
    /// The same with a Windows licence included.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, f64>")]
    pub windows_instance_usd_per_hour: std::collections::BTreeMap<String, Spanned<f64>>,
    /// EBS volume per GB-month.
    #[schemars(with = "Option<f64>")]
    pub ebs_usd_per_gb_month: Option<Spanned<f64>>,
    /// Snapshot storage per GB-month.
    #[schemars(with = "Option<f64>")]
    pub snapshot_usd_per_gb_month: Option<Spanned<f64>>,
    /// Snapshot storage in the archive tier per GB-month.
    #[schemars(with = "Option<f64>")]
    pub snapshot_archive_usd_per_gb_month: Option<Spanned<f64>>,
    /// KMS key per month.
    #[schemars(with = "Option<f64>")]
    pub kms_key_usd_per_month: Option<Spanned<f64>>,
}

/// `[faults]`
#[derive(Debug, Deserialize, Serialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaults {
    /// Probability that an instance launch fails.
    #[schemars(with = "Option<f64>")]
    pub launch_failure_probability: Option<Spanned<f64>>,
    /// Probability that a snapshot fails.
    #[schemars(with = "Option<f64>")]
    pub snapshot_failure_probability: Option<Spanned<f64>>,
    /// Probability that a copy ends failed.
    #[schemars(with = "Option<f64>")]
    pub copy_failure_probability: Option<Spanned<f64>>,
    /// Attempts per launch or copy.
    #[schemars(with = "Option<i64>")]
    pub max_attempts: Option<Spanned<i64>>,
    /// Base of the stage-level backoff.
    #[schemars(with = "Option<Dur>")]
    pub retry_backoff: Option<Spanned<Dur>>,
    /// Cap of the stage-level backoff.
    #[schemars(with = "Option<Dur>")]
    pub retry_backoff_max: Option<Spanned<Dur>>,
    /// `image_builder`, `aws_sdk`, `packer` or `terraform`: presets the waiter timeout.
    #[schemars(with = "Option<String>")]
    pub client: Option<Spanned<String>>,
    /// Waiter timeout (overrides `client`).
    #[schemars(with = "Option<Dur>")]
    pub waiter_timeout: Option<Spanned<Dur>>,
}

/// `[[incident]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIncident {
    /// Region.
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// Start of a fixed window.
    #[schemars(with = "Option<Dur>")]
    pub start: Option<Spanned<Dur>>,
    /// Mean time between random windows.
    #[schemars(with = "Option<Dur>")]
    pub mean_interval: Option<Spanned<Dur>>,
    /// Length of a window.
    #[schemars(with = "Dur")]
    pub duration: Spanned<Dur>,
    /// Slowdown factor (≥ 1).
    #[schemars(with = "Option<f64>")]
    pub slowdown: Option<Spanned<f64>>,
    /// Failure probability of operations in the window.
    #[schemars(with = "Option<f64>")]
    pub failure_probability: Option<Spanned<f64>>,
}

/// `[api]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApi {
    /// Model EC2 API throttling (default true).
    pub throttling: Option<bool>,
    /// CopyImage bucket.
    #[schemars(with = "Option<RawBucket>")]
    pub copy_image: Option<Spanned<RawBucket>>,
    /// RunInstances request bucket.
    #[schemars(with = "Option<RawBucket>")]
    pub run_instances: Option<Spanned<RawBucket>>,
    /// ECR PutImage bucket (container pushes).
    #[schemars(with = "Option<RawBucket>")]
    pub ecr_put_image: Option<Spanned<RawBucket>>,
    /// Attempts per call.
    #[schemars(with = "Option<i64>")]
    pub max_attempts: Option<Spanned<i64>>,
    /// Backoff base.
    #[schemars(with = "Option<Dur>")]
    pub backoff_base: Option<Spanned<Dur>>,
    /// Backoff cap.
    #[schemars(with = "Option<Dur>")]
    pub backoff_max: Option<Spanned<Dur>>,
}

/// `{ capacity = N, refill_per_s = R }`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBucket {
    /// Tokens when full.
    pub capacity: i64,
    /// Tokens per second.
    pub refill_per_s: f64,
}

/// `[[migration]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMigration {
    /// Unique name (shared with pipelines).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Account of the instance; default the first account.
    #[schemars(with = "Option<String>")]
    pub account: Option<Spanned<String>>,
    /// Region where the instance runs.
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// Destination Region; omit for a move within the Region.
    #[schemars(with = "Option<String>")]
    pub to_region: Option<Spanned<String>>,
    /// Destination Availability Zone (a label, e.g. `eu-west-1b`).
    pub to_availability_zone: Option<String>,
    /// `linux` or `windows`: the launch latency of the new instance.
    #[schemars(with = "Option<String>")]
    pub platform: Option<Spanned<String>>,
    /// Instance type (for reports).
    pub instance_type: Option<String>,
    /// Key of the instance's volumes: a `kms_key` name or `aws/ebs`.
    #[schemars(with = "Option<String>")]
    pub kms_key: Option<Spanned<String>>,
    /// Key of the copy in the destination Region.
    #[schemars(with = "Option<String>")]
    pub copy_kms_key: Option<Spanned<String>>,
    /// When the move starts; default t = 0.
    #[schemars(with = "Option<Dur>")]
    pub at: Option<Spanned<Dur>>,
    /// The instance's EBS volumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawVolume>")]
    pub volume: Vec<Spanned<RawVolume>>,
    /// Latency overrides.
    pub latency: Option<RawLatency>,
}

/// `[account]` / `[[account]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccount {
    /// A readable name, used in outputs and references.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// 12-digit account ID.
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// OU ID the account belongs to (implies organization membership).
    #[schemars(with = "Option<String>")]
    pub ou: Option<Spanned<String>>,
    /// Member of the organization (at its root when no `ou`).
    pub organization: Option<bool>,
    /// EBS encryption by default, in every Region.
    pub encryption_by_default: Option<bool>,
    /// Default EBS key (a `kms_key` name owned by this account).
    #[schemars(with = "Option<String>")]
    pub default_kms_key: Option<Spanned<String>>,
    /// Block public access for AMIs (default on, as for new accounts).
    pub block_public_access: Option<bool>,
    /// Its ECR registry's permissions policy grants `ecr:ReplicateImage` to
    /// the scenario's other accounts (default true).
    pub ecr_replication_allowed: Option<bool>,
    /// Settings for one Region, over the account-wide ones: `[account.region."eu-west-1"]`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, RawAccountRegion>")]
    pub region: std::collections::BTreeMap<String, Spanned<RawAccountRegion>>,
}

/// `[account.region."<code>"]`: an account's settings in one Region.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccountRegion {
    /// EBS encryption by default there.
    pub encryption_by_default: Option<bool>,
    /// The default EBS key there (a `kms_key` name of this account, present in that Region).
    #[schemars(with = "Option<String>")]
    pub default_kms_key: Option<Spanned<String>>,
    /// Block public access for AMIs there.
    pub block_public_access: Option<bool>,
}

/// `[[external_organization]]`: an organization the accounts do not belong to.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExternalOrganization {
    /// Organization ID, `o-…`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Its OUs that shares name, if any (`ou-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub ous: Vec<Spanned<String>>,
}

/// `[organization]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOrganization {
    /// Organization ID, `o-…`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// OUs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub ou: Vec<RawOu>,
}

/// `[[organization.ou]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOu {
    /// OU ID, `ou-…`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Parent OU ID; default the root.
    #[schemars(with = "Option<String>")]
    pub parent: Option<Spanned<String>>,
}

/// `[[kms_key]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKey {
    /// Name (alias) used to refer to the key.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Owning account name.
    #[schemars(with = "Option<String>")]
    pub account: Option<Spanned<String>>,
    /// Region of the key (primary Region of a multi-Region key).
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// Replica Regions of a multi-Region key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub replicas: Vec<Spanned<String>>,
    /// Accounts (names), OU IDs or the organization ID granted use of the key
    /// (its primary: each replica has its own key policy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub grants: Vec<Spanned<String>>,
    /// Grants of each replica, by Region; `"*"` for every replica not listed.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    #[schemars(with = "std::collections::BTreeMap<String, Vec<String>>")]
    pub replica_grants: std::collections::BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
}

/// `[[pipeline.distribution]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDistribution {
    /// Region (the build Region for sharing only, or a destination).
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// Key for the copies in this Region: a `kms_key` name or `aws/ebs`.
    #[schemars(with = "Option<String>")]
    pub kms_key: Option<Spanned<String>>,
    /// CopyImage's `Encrypted` flag.
    #[schemars(with = "Option<bool>")]
    pub encrypted: Option<Spanned<bool>>,
    /// Launch permissions on the owner's image in this Region.
    #[schemars(with = "Option<RawLaunchPermission>")]
    pub launch_permission: Option<Spanned<RawLaunchPermission>>,
    /// Accounts given createVolumePermission on its snapshots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub snapshot_permission: Vec<Spanned<String>>,
    /// Accounts that receive their own copy (Image Builder `targetAccountIds`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub target_accounts: Vec<Spanned<String>>,
    /// The team's own smoke test: launch an instance from each copy here.
    pub test_launch: Option<bool>,
    /// A time-based copy: its completion duration (15 min to 48 h, 15-min steps).
    #[schemars(with = "Option<Dur>")]
    pub copy_completion: Option<Spanned<Dur>>,
}

/// `launch_permission = { … }`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLaunchPermission {
    /// Account names or IDs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub accounts: Vec<Spanned<String>>,
    /// Organization ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub organizations: Vec<Spanned<String>>,
    /// OU ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub ous: Vec<Spanned<String>>,
    /// Public (group `all`).
    pub public: Option<bool>,
}

/// One table or an array of tables: `[x]` or `[[x]]`.
#[derive(Debug)]
pub(crate) struct OneOrMany<T>(pub Vec<T>);

// `[account]` or `[[account]]`: a table or an array of tables.
impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = g.subschema_for::<T>();
        schemars::json_schema!({ "anyOf": [one, { "type": "array", "items": one }] })
    }
}

// Written as an array of tables, which reads back as the same list.
impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table or an array of tables")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `[[region]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegion {
    /// Region code, e.g. `us-east-1`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// An opt-in Region: the accounts that enabled it (names or ids), or `["all"]`.
    #[schemars(with = "Option<Vec<String>>")]
    pub enabled_for: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[latency]` and `[pipeline.latency]`: every key optional.
#[derive(Debug, Deserialize, Serialize, JsonSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLatency {
    /// Instance launch until reachable.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub instance_launch: Option<Spanned<LawSpec<Dur>>>,
    /// Image Builder: after the launch, until the SSM agent answers and status checks pass.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub instance_ready: Option<Spanned<LawSpec<Dur>>>,
    /// Image Builder: Linux sanitize or Windows Sysprep before the image is taken.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub sanitize: Option<Spanned<LawSpec<Dur>>>,
    /// StopInstances until `stopped`.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub instance_stop: Option<Spanned<LawSpec<Dur>>>,
    /// TerminateInstances until `terminated`.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub instance_terminate: Option<Spanned<LawSpec<Dur>>>,
    /// Snapshots complete → AMI `available`.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub register_image: Option<Spanned<LawSpec<Dur>>>,
    /// Cron time → build start.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub schedule_delay: Option<Spanned<LawSpec<Dur>>>,
    /// Sharing calls for one Region.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub share: Option<Spanned<LawSpec<Dur>>>,
    /// EBS snapshot of one volume during CreateImage.
    #[schemars(with = "Option<ThroughputSpec>")]
    pub snapshot: Option<Spanned<ThroughputSpec>>,
    /// Best-effort copy of one snapshot to another Region.
    #[schemars(with = "Option<ThroughputSpec>")]
    pub copy: Option<Spanned<ThroughputSpec>>,
    /// Container: BootstrapInstanceForContainer on the build host.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub container_bootstrap: Option<Spanned<LawSpec<Dur>>>,
    /// Container: a push of layers to ECR.
    #[schemars(with = "Option<ThroughputSpec>")]
    pub ecr_push: Option<Spanned<ThroughputSpec>>,
    /// Container: the test host's pull of the image.
    #[schemars(with = "Option<ThroughputSpec>")]
    pub ecr_pull: Option<Spanned<ThroughputSpec>>,
    /// Container: ECR replication of a push to one destination.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub ecr_replication: Option<Spanned<LawSpec<Dur>>>,
    /// Image Builder's CollectImageMetadata.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub collect_image_metadata: Option<Spanned<LawSpec<Dur>>>,
    /// Image Builder's CollectImageScanFindings.
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub collect_image_scan_findings: Option<Spanned<LawSpec<Dur>>>,
}

/// `[[route]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    /// Source Region.
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    /// Destination Region.
    #[schemars(with = "String")]
    pub to: Spanned<String>,
    /// Copy model for this pair.
    #[schemars(with = "ThroughputSpec")]
    pub copy: Spanned<ThroughputSpec>,
}

/// `[quotas]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuotas {
    /// Concurrent AMI copies per destination Region.
    #[schemars(with = "Option<i64>")]
    pub concurrent_ami_copies_per_region: Option<Spanned<i64>>,
    /// Image Builder concurrent builds per account.
    #[schemars(with = "Option<i64>")]
    pub concurrent_builds: Option<Spanned<i64>>,
    /// Image Builder concurrent AMI copies (per `ami_copies_scope`).
    #[schemars(with = "Option<i64>")]
    pub concurrent_ami_copies_per_distribution: Option<Spanned<i64>>,
    /// What one instance of that quota holds: `distribution` or `account_region`.
    #[schemars(with = "Option<String>")]
    pub ami_copies_scope: Option<Spanned<String>>,
    /// Cumulative time-based copy throughput per account and Region pair, MiB/s.
    #[schemars(with = "Option<i64>")]
    pub time_based_copy_throughput_mib_s: Option<Spanned<i64>>,
    /// Launch-permission entities per image (adjustable, default 1,000).
    #[schemars(with = "Option<i64>")]
    pub share_entities_per_image: Option<Spanned<i64>>,
    /// Public AMIs per account and Region (adjustable, default 5).
    #[schemars(with = "Option<i64>")]
    pub public_amis_per_region: Option<Spanned<i64>>,
    /// EBS's concurrent snapshot copies per destination Region (off unless set; AWS: 20).
    #[schemars(with = "Option<i64>")]
    pub concurrent_snapshot_copies_per_region: Option<Spanned<i64>>,
    /// What a full quota does, per quota: `queue` or `fail` (default: the tool's).
    pub when_full: Option<RawWhenFull>,
}

/// `retry = { attempts, delay, phases }`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetry {
    /// Retries of one execution, all phases together (1-10).
    #[schemars(with = "i64")]
    pub attempts: Spanned<i64>,
    /// Wait before each retry; default 0.
    #[schemars(with = "Option<Dur>")]
    pub delay: Option<Spanned<Dur>>,
    /// Which phases' failures are retried: `distribution`, `test` (default both).
    #[schemars(with = "Option<Vec<String>>")]
    pub phases: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[quotas.when_full]`
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWhenFull {
    /// Concurrent builds.
    #[schemars(with = "Option<String>")]
    pub concurrent_builds: Option<Spanned<String>>,
    /// Concurrent AMI copies per destination Region.
    #[schemars(with = "Option<String>")]
    pub concurrent_ami_copies_per_region: Option<Spanned<String>>,
    /// Image Builder's copy quota.
    #[schemars(with = "Option<String>")]
    pub concurrent_ami_copies_per_distribution: Option<Spanned<String>>,
    /// EBS's snapshot copies per destination Region.
    #[schemars(with = "Option<String>")]
    pub concurrent_snapshot_copies_per_region: Option<Spanned<String>>,
}

impl RawWhenFull {
    /// The word the file gives `q`, if any.
    pub(crate) fn get(&self, q: crate::aws::quotas::Quota) -> Option<&Spanned<String>> {
        use crate::aws::quotas::Quota;
        match q {
            Quota::ConcurrentBuilds => self.concurrent_builds.as_ref(),
            Quota::AmiCopiesPerRegion => self.concurrent_ami_copies_per_region.as_ref(),
            Quota::AmiCopiesPerDistribution => self.concurrent_ami_copies_per_distribution.as_ref(),
            Quota::SnapshotCopiesPerRegion => self.concurrent_snapshot_copies_per_region.as_ref(),
            Quota::TimeBasedCopyThroughput
            | Quota::ShareEntitiesPerImage
            | Quota::PublicAmisPerRegion => None,
        }
    }
}

impl RawQuotas {
    /// The value the file gives `q`, if any.
    pub(crate) fn get(&self, q: crate::aws::quotas::Quota) -> Option<&Spanned<i64>> {
        use crate::aws::quotas::Quota;
        match q {
            Quota::ConcurrentBuilds => self.concurrent_builds.as_ref(),
            Quota::AmiCopiesPerRegion => self.concurrent_ami_copies_per_region.as_ref(),
            Quota::AmiCopiesPerDistribution => self.concurrent_ami_copies_per_distribution.as_ref(),
            Quota::TimeBasedCopyThroughput => self.time_based_copy_throughput_mib_s.as_ref(),
            Quota::ShareEntitiesPerImage => self.share_entities_per_image.as_ref(),
            Quota::PublicAmisPerRegion => self.public_amis_per_region.as_ref(),
            Quota::SnapshotCopiesPerRegion => self.concurrent_snapshot_copies_per_region.as_ref(),
        }
    }
}

/// `[[pipeline]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPipeline {
    /// Unique name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `image_builder`, `packer` or `sdk`: the tool that runs the pipeline.
    #[schemars(with = "Option<String>")]
    pub tool: Option<Spanned<String>>,
    /// `ami` (default) or `container`: what the pipeline builds.
    #[schemars(with = "Option<String>")]
    pub image_type: Option<Spanned<String>>,
    /// Owning account name; default the first account.
    #[schemars(with = "Option<String>")]
    pub account: Option<Spanned<String>>,
    /// Build Region.
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// `linux` or `windows`.
    #[schemars(with = "Option<String>")]
    pub platform: Option<Spanned<String>>,
    /// Who owns the base image: `aws`, `marketplace`, `other_account` or `self`.
    #[schemars(with = "Option<String>")]
    pub base_image_owner: Option<Spanned<String>>,
    /// Key for the build volumes: a `kms_key` name or `aws/ebs`.
    #[schemars(with = "Option<String>")]
    pub kms_key: Option<Spanned<String>>,
    /// Builder instance type.
    #[schemars(with = "Option<String>")]
    pub builder_instance_type: Option<Spanned<String>>,
    /// Test instance type.
    #[schemars(with = "Option<String>")]
    pub test_instance_type: Option<Spanned<String>>,
    /// Image Builder's time-out of the whole distribution (30 to 720 minutes).
    #[schemars(with = "Option<Dur>")]
    pub distribution_timeout: Option<Spanned<Dur>>,
    /// Image Builder's step time-outs.
    #[schemars(with = "Option<RawStepTimeouts>")]
    pub step_timeouts: Option<Spanned<RawStepTimeouts>>,
    /// Packer's `aws_polling` (or its environment variables): its waiters.
    #[schemars(with = "Option<RawAwsPolling>")]
    pub aws_polling: Option<Spanned<RawAwsPolling>>,
    /// RetryImage after a failed distribution or test phase.
    #[schemars(with = "Option<RawRetry>")]
    pub retry: Option<Spanned<RawRetry>>,
    /// Attempts per throttled API call (Packer's `max_retries`), for this pipeline's client.
    #[schemars(with = "Option<i64>")]
    pub api_max_attempts: Option<Spanned<i64>>,
    /// Packer's `encrypt_boot`: an unencrypted intermediary, copied encrypted everywhere.
    #[schemars(with = "Option<bool>")]
    pub encrypt_boot: Option<Spanned<bool>>,
    /// The image exists already: a run only copies and shares it (`sdk`).
    #[schemars(with = "Option<bool>")]
    pub existing_image: Option<Spanned<bool>>,
    /// Image Builder's `imageTestsEnabled`: `false` skips the test phase.
    #[schemars(with = "Option<bool>")]
    pub tests_enabled: Option<Spanned<bool>>,
    /// Image Builder's `enhancedImageMetadataEnabled` (default true).
    #[schemars(with = "Option<bool>")]
    pub image_metadata: Option<Spanned<bool>>,
    /// Image Builder's `imageScanningConfiguration.imageScanningEnabled` (default false).
    #[schemars(with = "Option<bool>")]
    pub image_scanning: Option<Spanned<bool>>,
    /// EC2 Fast Launch on the Windows image: its faster launch default.
    #[schemars(with = "Option<bool>")]
    pub fast_launch: Option<Spanned<bool>>,
    /// The team's own smoke test in every destination (a distribution's own value wins).
    pub test_launch: Option<bool>,
    /// Time-based copies for every distribution (a distribution's own value wins).
    #[schemars(with = "Option<Dur>")]
    pub copy_completion: Option<Spanned<Dur>>,
    /// EBS volumes of the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawVolume>")]
    pub volume: Vec<Spanned<RawVolume>>,
    /// Build components, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub component: Vec<RawStep>,
    /// Test components, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub test: Vec<RawStep>,
    /// Triggers.
    #[schemars(with = "Option<RawSchedule>")]
    pub schedule: Option<Spanned<RawSchedule>>,
    /// Where dependency updates come from: the base image and components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawUpdateSource>")]
    pub update_source: Vec<Spanned<RawUpdateSource>>,
    /// Regions the AMI is copied to, with default settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub destinations: Vec<Spanned<String>>,
    /// Distributions with encryption and sharing settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawDistribution>")]
    pub distribution: Vec<Spanned<RawDistribution>>,
    /// Latency overrides for this pipeline.
    pub latency: Option<RawLatency>,
    /// Which images are kept.
    #[schemars(with = "Option<RawLifecycle>")]
    pub lifecycle: Option<Spanned<RawLifecycle>>,
    /// A container image's sizes and pushes.
    #[schemars(with = "Option<RawContainer>")]
    pub container: Option<Spanned<RawContainer>>,
    /// ECR replication rules of the container's repository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<RawReplication>")]
    pub replication: Vec<Spanned<RawReplication>>,
}

/// `[pipeline.container]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContainer {
    /// The compressed image, GiB.
    #[schemars(with = "f64")]
    pub image_gib: Spanned<f64>,
    /// The layers a rebuild changes, GiB.
    #[schemars(with = "Option<f64>")]
    pub changed_gib: Option<Spanned<f64>>,
    /// Pushes to the destinations run together.
    pub parallel_pushes: Option<bool>,
    /// A KMS key on the recipe (it encrypts the Dockerfile template only).
    #[schemars(with = "Option<String>")]
    pub kms_key: Option<Spanned<String>>,
}

/// `[[pipeline.replication]]`: one ECR replication rule.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReplication {
    /// The Region whose repository replicates (default the build Region).
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    /// Destination Regions (default the source Region).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub regions: Vec<Spanned<String>>,
    /// Destination accounts (default the owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    #[schemars(with = "Vec<String>")]
    pub accounts: Vec<Spanned<String>>,
}

/// `[pipeline.lifecycle]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLifecycle {
    /// Keep the newest N images.
    #[schemars(with = "Option<i64>")]
    pub keep_last: Option<Spanned<i64>>,
    /// Delete images older than this.
    #[schemars(with = "Option<Dur>")]
    pub max_age: Option<Spanned<Dur>>,
    /// With `max_age`: always keep at least this many.
    #[schemars(with = "Option<i64>")]
    pub keep_at_least: Option<Spanned<i64>>,
    /// Deprecate images this long after creation.
    #[schemars(with = "Option<Dur>")]
    pub deprecate_after: Option<Spanned<Dur>>,
    /// Disable images this long after creation: private, unshared, not launchable.
    #[schemars(with = "Option<Dur>")]
    pub disable_after: Option<Spanned<Dur>>,
    /// Deregistration protection on every image: the lifecycle's deletes are blocked.
    pub deregistration_protection: Option<bool>,
    /// Move the snapshots to the archive tier this long after creation (once disabled).
    #[schemars(with = "Option<Dur>")]
    pub archive_after: Option<Spanned<Dur>>,
}

/// `[[pipeline.volume]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVolume {
    /// Device name, e.g. `/dev/xvda`.
    #[schemars(with = "Option<String>")]
    pub device: Option<Spanned<String>>,
    /// Provisioned size, GiB.
    #[schemars(with = "f64")]
    pub size_gib: Spanned<f64>,
    /// Data written on the volume after the build: the size of a full snapshot, GiB.
    #[schemars(with = "f64")]
    pub data_gib: Spanned<f64>,
    /// Blocks changed by one build: the size of an incremental snapshot, GiB.
    #[schemars(with = "Option<f64>")]
    pub changed_gib: Option<Spanned<f64>>,
}

/// `[[pipeline.component]]` and `[[pipeline.test]]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    /// Component name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// How long it runs (from the calibration when absent).
    #[schemars(with = "Option<LawSpec<Dur>>")]
    pub duration: Option<Spanned<LawSpec<Dur>>>,
    /// Probability that it fails, in [0, 1].
    #[schemars(with = "Option<f64>")]
    pub failure_probability: Option<Spanned<f64>>,
}

/// `aws_polling`: Packer's waiter settings.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAwsPolling {
    /// Seconds between polls (`AWS_POLL_DELAY_SECONDS`).
    #[schemars(with = "Option<i64>")]
    pub delay_seconds: Option<Spanned<i64>>,
    /// Polls before giving up (`AWS_MAX_ATTEMPTS`).
    #[schemars(with = "Option<i64>")]
    pub max_attempts: Option<Spanned<i64>>,
}

/// `[pipeline.step_timeouts]`: Image Builder's workflow step time-outs.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStepTimeouts {
    /// `LaunchInstance`, launch and readiness together.
    #[schemars(with = "Option<Dur>")]
    pub launch_instance: Option<Spanned<Dur>>,
    /// `ExecuteComponents`, every build component together.
    #[schemars(with = "Option<Dur>")]
    pub execute_components: Option<Spanned<Dur>>,
    /// `CreateImage`, until every snapshot completes.
    #[schemars(with = "Option<Dur>")]
    pub create_image: Option<Spanned<Dur>>,
}

/// `[[pipeline.update_source]]`: the releases of the base image or of a component.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUpdateSource {
    /// `base_image`, or the name of one of the pipeline's components or tests.
    #[schemars(with = "String")]
    pub of: Spanned<String>,
    /// A name shared with other pipelines' sources of the same dependency: they release together.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Mean time between releases: a Poisson process.
    #[schemars(with = "Option<Dur>")]
    pub mean_interval: Option<Spanned<Dur>>,
    /// Releases on a calendar instead, an Image Builder cron read in the schedule's `timezone`.
    #[schemars(with = "Option<String>")]
    pub cron: Option<Spanned<String>>,
    /// Whether its new versions match the recipe's version filter (`x.x.x`); default true.
    pub matches_filter: Option<bool>,
}

/// `[pipeline.schedule]`
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    /// Image Builder cron: `cron(min hour dom month dow year)`, in `timezone`.
    #[schemars(with = "Option<String>")]
    pub cron: Option<Spanned<String>>,
    /// IANA time zone the cron is read in (Image Builder `schedule.timezone`); default UTC.
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Spanned<String>>,
    /// A fixed interval between builds, first at `interval`.
    #[schemars(with = "Option<Dur>")]
    pub interval: Option<Spanned<Dur>>,
    /// `always` or `dependency_updates`.
    #[schemars(with = "Option<String>")]
    pub start_condition: Option<Spanned<String>>,
    /// Start a build at each matching dependency update (an EventBridge rule).
    pub build_on_update: Option<bool>,
    /// A manual run at t = 0.
    pub run_at_start: Option<bool>,
    /// Disable the pipeline after this many consecutive failed executions (1-10).
    #[schemars(with = "Option<i64>")]
    pub auto_disable_after_failures: Option<Spanned<i64>>,
}

/// A calibration file (`calibration = "…"`), as `amisim fit` writes it.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalibration {
    /// Latencies for every pipeline.
    pub latency: Option<RawLatency>,
    /// Copy models per Region pair.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("default" = []))]
    pub route: Vec<RawRoute>,
    /// Build components' durations, by name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    pub component: std::collections::BTreeMap<String, RawCalibratedStep>,
    /// Test components' durations, by name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("default" = {}))]
    pub test: std::collections::BTreeMap<String, RawCalibratedStep>,
    /// Failure probabilities fitted from failed steps.
    pub faults: Option<RawCalibratedFaults>,
}

/// `[faults]` of a calibration: the fitted failure probabilities.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalibratedFaults {
    /// Probability that an instance launch fails (one attempt).
    #[schemars(with = "Option<f64>")]
    pub launch_failure_probability: Option<Spanned<f64>>,
    /// Probability that a snapshot fails.
    #[schemars(with = "Option<f64>")]
    pub snapshot_failure_probability: Option<Spanned<f64>>,
    /// Probability that a copy ends failed (one attempt).
    #[schemars(with = "Option<f64>")]
    pub copy_failure_probability: Option<Spanned<f64>>,
}

/// `[component."name"]` or `[test."name"]` of a calibration.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalibratedStep {
    /// How long it runs.
    #[schemars(with = "LawSpec<Dur>")]
    pub duration: Spanned<LawSpec<Dur>>,
    /// Probability that it fails, in [0, 1].
    #[schemars(with = "Option<f64>")]
    pub failure_probability: Option<Spanned<f64>>,
}
