//! Each pipeline's random streams, one per purpose, derived from the
//! replication's streams by name.

use crate::engine::{RngStreams, StreamName, StreamRng};
use crate::pipeline::config::World;

/// One pipeline's streams (or their names), one per purpose; a stream is
/// named `<pipeline>/<purpose>`.
pub(super) struct PerPurpose<T> {
    pub(super) schedule: T,
    pub(super) launch: T,
    pub(super) ready: T,
    pub(super) sanitize: T,
    pub(super) component: T,
    pub(super) stop: T,
    pub(super) snapshot: T,
    pub(super) register: T,
    pub(super) test: T,
    pub(super) copy: T,
    pub(super) share: T,
    pub(super) terminate: T,
    pub(super) fault: T,
    pub(super) backoff: T,
    pub(super) failure: T,
    /// A container's bootstrap, pushes, pull and replications.
    pub(super) container: T,
    /// Image Builder's metadata collection and scan findings.
    pub(super) workflow: T,
}

/// Random streams of one pipeline, one per purpose.
pub(super) type PipelineRng = PerPurpose<StreamRng>;

impl<T> PerPurpose<T> {
    /// Each purpose's `f(purpose)`.
    fn from_fn(mut f: impl FnMut(&'static str) -> T) -> Self {
        PerPurpose {
            schedule: f("schedule-delay"),
            launch: f("instance-launch"),
            ready: f("instance-ready"),
            sanitize: f("sanitize"),
            component: f("component-duration"),
            stop: f("instance-stop"),
            snapshot: f("snapshot"),
            register: f("register-image"),
            test: f("test-duration"),
            copy: f("copy"),
            share: f("share"),
            terminate: f("instance-terminate"),
            fault: f("faults"),
            backoff: f("retry-backoff"),
            failure: f("step-failure"),
            container: f("container"),
            workflow: f("workflow-steps"),
        }
    }

    /// Each purpose's `f` of its value.
    fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> PerPurpose<U> {
        PerPurpose {
            schedule: f(&self.schedule),
            launch: f(&self.launch),
            ready: f(&self.ready),
            sanitize: f(&self.sanitize),
            component: f(&self.component),
            stop: f(&self.stop),
            snapshot: f(&self.snapshot),
            register: f(&self.register),
            test: f(&self.test),
            copy: f(&self.copy),
            share: f(&self.share),
            terminate: f(&self.terminate),
            fault: f(&self.fault),
            backoff: f(&self.backoff),
            failure: f(&self.failure),
            container: f(&self.container),
            workflow: f(&self.workflow),
        }
    }
}

/// Every stream name of a world's pipelines, hashed once for all its
/// replications: hashing them again in each made quickstart's replications
/// 2 % slower.
pub(super) struct StreamNames {
    /// Per pipeline, its purposes' names.
    pipelines: Vec<PerPurpose<StreamName>>,
    /// One per update source (`updates/<stream>`), every pipeline's in order.
    updates: Vec<StreamName>,
}

impl StreamNames {
    pub(super) fn new(world: &World) -> Self {
        let pipelines = (world.pipelines.iter())
            .map(|p| PerPurpose::from_fn(|purpose| StreamName::of(&[&p.name, "/", purpose])))
            .collect();
        let updates = (world.pipelines.iter())
            .flat_map(|p| &p.schedule.updates)
            .map(|u| StreamName::of(&["updates/", &u.stream]))
            .collect();
        StreamNames { pipelines, updates }
    }

    /// Replaces `rng` and `updates` with the streams of a replication.
    pub(super) fn draw(
        &self,
        streams: &RngStreams,
        rng: &mut Vec<PipelineRng>,
        updates: &mut Vec<StreamRng>,
    ) {
        rng.clear();
        rng.extend(self.pipelines.iter().map(|n| n.map(|&n| streams.named(n))));
        updates.clear();
        updates.extend(self.updates.iter().map(|&n| streams.named(n)));
    }
}
