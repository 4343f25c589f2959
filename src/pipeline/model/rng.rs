//! Each pipeline's random streams, one per purpose, derived from the
//! replication's streams by name.

use crate::engine::{RngStreams, StreamRng};

/// Random streams of one pipeline, one per purpose.
pub(super) struct PipelineRng {
    pub(super) schedule: StreamRng,
    pub(super) launch: StreamRng,
    pub(super) ready: StreamRng,
    pub(super) sanitize: StreamRng,
    pub(super) component: StreamRng,
    pub(super) stop: StreamRng,
    pub(super) snapshot: StreamRng,
    pub(super) register: StreamRng,
    pub(super) test: StreamRng,
    pub(super) copy: StreamRng,
    pub(super) share: StreamRng,
    pub(super) terminate: StreamRng,
    pub(super) fault: StreamRng,
    pub(super) backoff: StreamRng,
    pub(super) failure: StreamRng,
    /// A container's bootstrap, pushes, pull and replications.
    pub(super) container: StreamRng,
    /// Image Builder's metadata collection and scan findings.
    pub(super) workflow: StreamRng,
}

impl PipelineRng {
    pub(super) fn new(streams: &RngStreams, name: &str) -> Self {
        let s = |purpose: &str| streams.stream_of(&[name, "/", purpose]);
        PipelineRng {
            schedule: s("schedule-delay"),
            launch: s("instance-launch"),
            ready: s("instance-ready"),
            sanitize: s("sanitize"),
            component: s("component-duration"),
            stop: s("instance-stop"),
            snapshot: s("snapshot"),
            register: s("register-image"),
            test: s("test-duration"),
            copy: s("copy"),
            share: s("share"),
            fault: s("faults"),
            backoff: s("retry-backoff"),
            terminate: s("instance-terminate"),
            failure: s("step-failure"),
            container: s("container"),
            workflow: s("workflow-steps"),
        }
    }
}
