//! Image lifecycle: the images a succeeded execution leaves in each account
//! and Region, their deprecation, and their deletion by count or age, which
//! makes the next copy to that Region full again (docs/sources.md#incremental-copy:
//! the most recent copy must still exist).

use super::records::ExecId;
use super::{Event, ImageRecord, Model, Outcome, Stage};
use crate::aws::facts;
use crate::engine::{OptTime, SimDuration, SimTime, Simulation};

impl Model<'_> {
    /// Records the images of an execution that succeeded, or of an Image
    /// Builder execution that failed after registering its image, and
    /// applies the lifecycle.
    pub(super) fn register_images(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        if self.world.pipelines[pi].container.is_some() {
            if self.scan_own_records(exec, sim.now()).is_some() {
                self.register_container_images(sim, exec);
            }
        } else {
            self.register_ami_images(sim, exec);
        }
    }

    /// An AMI execution's images: the build Region's and each copy.
    fn register_ami_images(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let now = sim.now();
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let world = self.world;
        let p = &world.pipelines[pi];
        if !p.kind.is_build() {
            return; // a migration's image is the user's to keep
        }
        let Some((registered, built_gib)) = self.scan_own_records(exec, now) else {
            return; // failed before it registered one: none to keep
        };
        let after = |d: Option<SimDuration>| {
            d.map(|d| now.saturating_add(d))
                .filter(|t| *t < world.horizon)
        };
        let deprecated = after(p.lifecycle.deprecate_after);
        let out = &mut self.out;
        let first = out.images.len() as u32;
        let (disabled, archived) = (
            after(p.lifecycle.disable_after),
            after(p.lifecycle.archive_after),
        );
        // A public image is deprecated 2 years after creation at the latest
        // (docs/sources.md#public-amis).
        let public_by = now.saturating_add(SimDuration::from_hours(
            24 * facts::PUBLIC_DEPRECATION_MAX_DAYS,
        ));
        let public_in = |region| {
            p.distributions
                .iter()
                .any(|d| d.region == region && d.share.as_ref().is_some_and(|s| s.public))
        };
        let image = |account, region, encryption, stored_gib, available| ImageRecord {
            exec,
            account,
            region,
            encryption,
            stored_gib,
            available,
            deprecated: if account == p.owner && public_in(region) {
                Some(deprecated.map_or(public_by, |d| d.min(public_by)))
                    .filter(|t| *t < world.horizon)
                    .into()
            } else {
                deprecated.into()
            },
            deleted: OptTime::NONE,
            disabled: disabled.into(),
            delete_blocked: OptTime::NONE,
            archived: archived.into(),
        };
        if !p.encrypt_boot && !p.existing_image {
            // With encrypt_boot the built image is an intermediary, deregistered
            // once copied; an existing image is not the pipeline's to count.
            out.images.push(image(
                p.owner,
                p.region,
                p.encryption,
                built_gib,
                registered,
            ));
        }
        for &j in &self.own_images {
            let r = &out.stages[j as usize];
            let enc = p.copies[r.item as usize].encryption;
            out.images
                .push(image(r.account, r.region, enc, r.data_gib, r.finished));
        }
        let count = out.images.len() as u32 - first;
        self.live[pi].push_back((exec, first, count, now));
        self.apply_lifecycle(sim, exec, pi, (archived, disabled));
    }

    /// A succeeded container execution's images: one per repository it
    /// reached (its pushes and replications), each storing the layers it
    /// moved there (the whole image first, then the changed layers), under
    /// the lifecycle (which only deletes container images).
    fn register_container_images(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let now = sim.now();
        let out = &mut self.out;
        let first = out.images.len() as u32;
        for &j in &self.own_images {
            let r = out.stages[j as usize];
            out.images.push(ImageRecord {
                exec,
                account: r.account,
                region: r.region,
                encryption: crate::aws::directory::Encryption::None,
                stored_gib: r.data_gib,
                available: r.finished,
                deprecated: OptTime::NONE,
                deleted: OptTime::NONE,
                disabled: OptTime::NONE,
                delete_blocked: OptTime::NONE,
                archived: OptTime::NONE,
            });
        }
        let count = out.images.len() as u32 - first;
        self.live[pi].push_back((exec, first, count, now));
        self.apply_lifecycle(sim, exec, pi, (None, None));
    }

    /// One pass over an execution's own records (three scans of every
    /// record after its first were 14.5 % of an enterprise-capacity run):
    /// when its image was registered in the build Region (now, if it
    /// succeeded without a record of it, as an existing image or a
    /// container; `None` if it registered none), the data its snapshots
    /// wrote, and the records of its other images in record order (into
    /// `own_images`: succeeded copies, pushes and replications).
    fn scan_own_records(&mut self, exec: ExecId, now: SimTime) -> Option<(SimTime, f64)> {
        let (mut registered, mut built_gib) = (None, -0.0);
        let mut images = std::mem::take(&mut self.own_images);
        images.clear();
        for j in self.own_records(exec) {
            let r = &self.out.stages[j];
            let ok = r.outcome == Outcome::Succeeded;
            match r.stage {
                Stage::RegisterImage if ok => registered = Some(r.finished),
                Stage::Snapshot => built_gib += r.data_gib,
                Stage::Copy | Stage::Push | Stage::Replicate if ok => images.push(j as u32),
                _ => {}
            }
        }
        self.own_images = images;
        let run = &self.out.runs[exec.index()];
        let registered = registered.or((run.outcome == Outcome::Succeeded).then_some(now))?;
        Some((registered, built_gib))
    }

    /// The lifecycle after an execution's images are recorded: `keep_last`
    /// deletes the oldest beyond it, and the archive, disable and expiry of
    /// these images are scheduled.
    fn apply_lifecycle(
        &mut self,
        sim: &mut Simulation<Event>,
        exec: ExecId,
        pi: usize,
        (archived, disabled): (Option<SimTime>, Option<SimTime>),
    ) {
        let now = sim.now();
        let p = &self.world.pipelines[pi];
        let lc = &p.lifecycle;
        if let Some(keep) = lc.keep_last {
            // The oldest beyond `keep`; a protected image stays (its delete is blocked).
            let surplus = self.live[pi].len().saturating_sub(keep as usize);
            let mut i = 0;
            for _ in 0..surplus {
                let (oldest, ..) = self.live[pi][i];
                let before = self.live[pi].len();
                self.delete_images(sim, pi, oldest);
                if self.live[pi].len() == before {
                    i += 1; // blocked: it stays, and the next oldest is after it
                }
            }
        }
        if let Some(t) = archived {
            sim.schedule_at(t, Event::ImageArchived { exec });
        }
        if let Some(t) = disabled
            && p.distributions
                .iter()
                .any(|d| d.share.as_ref().is_some_and(|s| s.public))
        {
            // Disabling makes the image private: its place under the public quota frees.
            sim.schedule_at(t, Event::ImageDisabled { exec });
        }
        if let Some(age) = lc.max_age {
            let at = now.saturating_add(age);
            if at < self.world.horizon {
                sim.schedule_at(at, Event::ImageExpired { exec });
            }
            self.apply_max_age(sim, pi);
        }
    }

    /// An image reached `max_age`.
    pub(super) fn image_expired(&mut self, sim: &mut Simulation<Event>, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        self.apply_max_age(sim, pi);
    }

    /// Deletes every image older than `max_age` but the newest `keep_at_least`.
    fn apply_max_age(&mut self, sim: &mut Simulation<Event>, pi: usize) {
        let lc = &self.world.pipelines[pi].lifecycle;
        let Some(age) = lc.max_age else { return };
        let keep = lc.keep_at_least as usize;
        let now = sim.now();
        let deletable = self.live[pi].len().saturating_sub(keep);
        let expired: Vec<ExecId> = self.live[pi]
            .iter()
            .take(deletable)
            .filter(|l| l.3.saturating_add(age) <= now)
            .map(|l| l.0)
            .collect();
        for exec in expired {
            self.delete_images(sim, pi, exec);
        }
    }

    /// The images of `exec` were disabled: private now, their public shares gone.
    pub(super) fn images_disabled(&mut self, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let Some(&(_, first, count, _)) = self.live[pi].iter().find(|l| l.0 == exec) else {
            return; // deleted already
        };
        for i in first..first + count {
            let img = self.out.images[i as usize];
            if self.counts_as_public(pi, exec, img.account, img.region) {
                self.public_image_gone(exec, img.region);
            }
        }
    }

    /// Whether `exec`'s image in `region` holds a place under the public
    /// quota: a failed execution's left it when the execution failed.
    fn counts_as_public(
        &self,
        pi: usize,
        exec: ExecId,
        account: crate::aws::directory::AccountId,
        region: crate::pipeline::config::RegionId,
    ) -> bool {
        self.out.runs[exec.index()].outcome != Outcome::Failed
            && self.public_image(pi, account, region)
    }

    /// The snapshots of `exec`'s images moved to the archive tier: they no
    /// longer anchor incremental copies (docs/sources.md#snapshot-archive).
    pub(super) fn images_archived(&mut self, exec: ExecId) {
        let pi = self.out.runs[exec.index()].pipeline as usize;
        let Some(&(_, first, count, _)) = self.live[pi].iter().find(|l| l.0 == exec) else {
            return; // deleted already
        };
        for i in first..first + count {
            let img = self.out.images[i as usize];
            let l = self.lineages.of_place(pi, img.account, img.region);
            if let Some(l) = l
                && self.lineage(l).is_some_and(|(_, e)| e == exec)
            {
                self.set_lineage(l, None);
            }
        }
    }

    /// True if the pipeline's image of `account` in `region` is shared publicly.
    fn public_image(
        &self,
        pi: usize,
        account: crate::aws::ids::AccountId,
        region: crate::aws::ids::RegionId,
    ) -> bool {
        let p = &self.world.pipelines[pi];
        account == p.owner
            && p.distributions
                .iter()
                .any(|d| d.region == region && d.share.as_ref().is_some_and(|s| s.public))
    }

    /// Deregisters the images of `exec` and deletes their snapshots, unless
    /// deregistration protection blocks it: then the blocked delete is
    /// recorded and the images stay (and keep billing).
    fn delete_images(&mut self, sim: &mut Simulation<Event>, pi: usize, exec: ExecId) {
        let Some(pos) = self.live[pi].iter().position(|l| l.0 == exec) else {
            return;
        };
        if self.world.pipelines[pi].lifecycle.deregistration_protection {
            let (_, first, count, _) = self.live[pi][pos];
            for i in first..first + count {
                let img = &mut self.out.images[i as usize];
                if img.delete_blocked.is_none() {
                    img.delete_blocked = Some(sim.now()).into();
                }
            }
            return;
        }
        let (_, first, count, _) = self.live[pi].remove(pos).unwrap_or_default();
        for i in first..first + count {
            let img = &mut self.out.images[i as usize];
            img.deleted = Some(sim.now()).into();
            let (account, region) = (img.account, img.region);
            // A disabled image left the public quota already; one deleted
            // first is never disabled.
            let disabled = img.disabled.get().is_some_and(|t| t <= sim.now());
            if !disabled {
                img.disabled = OptTime::NONE;
            }
            if img.archived.get().is_some_and(|t| t > sim.now()) {
                img.archived = OptTime::NONE;
            }
            if !disabled && self.counts_as_public(pi, exec, account, region) {
                self.public_image_gone(exec, region);
            }
            let img = &self.out.images[i as usize];
            let l = self.lineages.of_place(pi, img.account, img.region);
            if let Some(l) = l
                && self.lineage(l).is_some_and(|(_, e)| e == exec)
            {
                self.set_lineage(l, None);
            }
        }
    }
}
