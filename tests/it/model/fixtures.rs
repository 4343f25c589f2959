//! The fixtures every model test shares: the inline scenario's parts
//! (Regions, accounts, one pipeline's table) and the readers of a
//! replication's records.

pub(super) use std::path::Path;

pub(super) use amisim::aws::ids::{AccountId, RegionId};
pub(super) use amisim::engine::SimTime;
pub(super) use amisim::pipeline::model::{
    Outcome, ReplicationResult, Stage, StageRecord, run_replication,
};
pub(super) use amisim::scenario::{Scenario, from_str};

pub(super) use super::super::FIXED;

pub(super) fn scenario(text: &str) -> Scenario {
    from_str(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn stages(r: &ReplicationResult, stage: Stage) -> Vec<StageRecord> {
    r.stages
        .iter()
        .filter(|s| s.stage == stage)
        .copied()
        .collect()
}

pub(super) const REGIONS: &str = r#"
[[region]]
name = "us-east-1"
[[region]]
name = "eu-west-1"
"#;

/// A pipeline with two volumes and one instant build component (Image
/// Builder needs one); its schedule builds at every match unless it says
/// otherwise.
pub(super) fn pipeline(name: &str, owner: &str, schedule: &str, extra: &str) -> String {
    let condition = if schedule.contains("start_condition") {
        ""
    } else {
        "start_condition = \"always\""
    };
    format!(
        r#"
[[pipeline]]
name = "{name}"
region = "us-east-1"
base_image_owner = "{owner}"
destinations = ["eu-west-1"]
{extra}
[[pipeline.volume]]
size_gib = 30
data_gib = 10
changed_gib = 2
[[pipeline.volume]]
size_gib = 100
data_gib = 40
changed_gib = 4
[[pipeline.component]]
name = "build"
duration = "0s"
[pipeline.schedule]
{schedule}
{condition}
"#
    )
}

pub(super) const TWO_ACCOUNTS: &str = r#"
[[account]]
name = "images"
id = "111111111111"
[[account]]
name = "prod"
id = "222222222222"
"#;

/// A one-day scenario with `extra_top` above the Regions and `pipelines`.
pub(super) fn with(extra_top: &str, pipelines: &str) -> Scenario {
    scenario(&format!(
        "horizon = \"1d\"\n{extra_top}\n{REGIONS}{pipelines}"
    ))
}
