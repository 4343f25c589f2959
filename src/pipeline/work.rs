//! The work a scenario asks for: the events its replications are
//! estimated to need, which validate bounds and the fuzz step reads.

use super::config::{Pipeline, World};
use crate::engine::SimTime;

impl World {
    /// The events a replication is estimated to need: each pipeline's
    /// builds in the horizon times its events per build (an upper estimate).
    pub fn events_estimate(&self) -> u64 {
        events_estimate(&self.pipelines, self.horizon)
    }
}

/// The events a replication of `pipelines` before `horizon` is estimated
/// to need (what validate bounds).
pub(crate) fn events_estimate(pipelines: &[Pipeline], horizon: SimTime) -> u64 {
    let per = |p: &Pipeline| p.events_estimate(horizon).0;
    pipelines.iter().map(per).fold(0, u64::saturating_add)
}

impl Pipeline {
    /// The events its builds before `horizon` are estimated to need, with
    /// the builds and the events per build behind that.
    pub fn events_estimate(&self, horizon: SimTime) -> (u64, u64, u64) {
        let builds = self.schedule.builds_estimate(horizon).max(1);
        let each = self.events_per_build_estimate();
        (builds.saturating_mul(each), builds, each)
    }

    /// An upper estimate of the events one build of this pipeline
    /// schedules: a few per step, per distribution, per copy and per
    /// account shared with (checked against every shipped scenario).
    pub fn events_per_build_estimate(&self) -> u64 {
        let steps = (self.components.len() + self.tests.len()) as u64;
        let entities: u64 = self
            .distributions
            .iter()
            .filter_map(|d| d.share.as_ref())
            .map(|s| s.entities as u64)
            .sum();
        // A container's bootstrap, push and pull, then a push per
        // destination and an event per replication.
        let container = self.container.as_ref().map_or(0, |c| {
            4 + 2 * c.destinations.len() as u64 + 2 * c.replications.len() as u64
        });
        8 + steps
            + 2 * self.distributions.len() as u64
            + 3 * self.copies.len() as u64
            + entities / 2
            + container
    }
}
