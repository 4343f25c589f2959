//! Image Builder's optional workflow steps: CollectImageMetadata after the
//! build components (docs/sources.md#image-metadata) and
//! CollectImageScanFindings on the test instance before the tests
//! (docs/sources.md#image-scanning), each cut at its default time-out.

use super::records::ExecId;
use super::{Event, Model, Stage};
use crate::aws::facts;
use crate::engine::{SimDuration, Simulation};

impl Model<'_> {
    /// The build components are done: Image Builder collects the image's
    /// metadata (when enabled), then sanitizes.
    pub(super) fn after_components(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        if !p.optional_steps.metadata {
            self.sanitize(sim, exec);
            return;
        }
        let d = p
            .latency
            .collect_image_metadata
            .sample_duration(&mut self.rng[pi].workflow);
        let timeout = p
            .step_timeouts
            .map(|_| SimDuration::from_mins(facts::COLLECT_METADATA_TIMEOUT_MIN));
        let rec = self.open(exec, Stage::CollectMetadata, 0, p.region, sim.now());
        let d = match timeout {
            Some(t) => self.cut_at_timeout(rec, d, t),
            None => d,
        };
        self.begin(sim, rec, d);
    }

    /// Linux sanitize or Windows Sysprep before the image is taken.
    pub(super) fn sanitize(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        let d = p
            .latency
            .sanitize
            .sample_duration(&mut self.rng[pi].sanitize);
        self.run(sim, exec, Stage::Sanitize, 0, p.region, d);
    }

    /// An AMI's test instance is up: Image Builder collects Inspector's
    /// scan findings (when enabled), then runs the tests.
    pub(super) fn test_instance_ready(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let p = &self.world.pipelines[pi];
        if !p.optional_steps.scanning {
            self.next_test(sim, exec, 0);
            return;
        }
        let d = p
            .latency
            .collect_image_scan_findings
            .sample_duration(&mut self.rng[pi].workflow);
        let rec = self.open(exec, Stage::ScanFindings, 0, p.region, sim.now());
        let limit = SimDuration::from_mins(facts::SCAN_FINDINGS_TIMEOUT_MIN);
        let d = self.cut_at_timeout(rec, d, limit);
        self.begin(sim, rec, d);
    }
}
