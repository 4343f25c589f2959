//! Reading a replication's records: names of items and keys, records per
//! execution, and the critical stage of each execution.

use super::config::{Pipeline, PipelineKind, World};
use super::model::{Outcome, RecordId, ReplicationResult, Stage, StageRecord};
use crate::aws::ids::RegionId;
use crate::engine::{SimDuration, SimTime};

/// The key protecting the data a stage writes: snapshots and copies.
pub fn kms_key_name<'w>(world: &'w World, rep: &ReplicationResult, r: &StageRecord) -> &'w str {
    let p = &world.pipelines[rep.runs[r.exec.index()].pipeline as usize];
    let dir = &world.directory;
    match r.stage {
        Stage::Snapshot | Stage::CreateImage => dir.encryption_name(p.encryption),
        Stage::Copy => dir.encryption_name(p.copies[r.item as usize].encryption),
        _ => "",
    }
}

/// The name of a stage record's item: component, test, device or source Region.
pub fn item_name<'w>(world: &'w World, rep: &ReplicationResult, r: &StageRecord) -> &'w str {
    let p = &world.pipelines[rep.runs[r.exec.index()].pipeline as usize];
    item_label(world, p, r.stage, r.item)
}

/// The name of item `item` of `stage` in pipeline `p`, as [`item_name`] gives it.
pub fn item_label<'w>(world: &'w World, p: &'w Pipeline, stage: Stage, item: u16) -> &'w str {
    let i = item as usize;
    match stage {
        Stage::Component => &p.components[i].name,
        Stage::Test => &p.tests[i].name,
        Stage::Snapshot => &p.volumes[i].device,
        Stage::Copy => &world.regions[p.region.index()],
        Stage::LaunchMigratedInstance => match &p.kind {
            PipelineKind::Migration(m) => m.to_availability_zone.as_deref().unwrap_or(""),
            PipelineKind::Build { .. } => "",
        },
        _ => "",
    }
}

use super::groups::Groups;

/// The step that contributed most to a succeeded execution's time to all
/// Regions, along its critical path: the serial build and test stages, then
/// the distribution branch that finished last (its copy, including the wait
/// for quota slots, and its launch or share). Components and tests count
/// one by one (`component:<name>`), copies by destination (`copy:<region>`);
/// the schedule delay counts as `schedule_delay`.
pub fn critical_stage(
    world: &World,
    rep: &ReplicationResult,
    exec: usize,
) -> Option<(String, SimDuration)> {
    let (k, d) = critical_step(world, rep, exec, &mut CriticalParts::default())?;
    let mut label = String::new();
    write_critical_label(world, rep.runs[exec].pipeline, k, &mut label);
    Some((label, d))
}

/// A step on the critical path (its label, `copy:eu-west-1`, is made only
/// when output is written: [`write_critical_label`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum CriticalKey {
    /// From the trigger to the builder's launch request.
    ScheduleDelay,
    /// A component, by its index in the pipeline's components.
    Component(u16),
    /// A test, by its index in the pipeline's tests.
    Test(u16),
    /// The copy to a Region.
    Copy(RegionId),
    /// Any other stage (one per execution or branch).
    Stage(Stage),
}

impl CriticalKey {
    /// The kind of step: `component`, `test`, `copy`, `schedule_delay` or the
    /// stage's name; a label is `kind:name` for the first three.
    pub fn kind(self) -> &'static str {
        match self {
            CriticalKey::ScheduleDelay => "schedule_delay",
            CriticalKey::Component(_) => "component",
            CriticalKey::Test(_) => "test",
            CriticalKey::Copy(_) => "copy",
            CriticalKey::Stage(s) => s.name(),
        }
    }
}

/// The contributions [`critical_step`] sums: a buffer to reuse between calls.
#[derive(Debug, Clone, Default)]
pub struct CriticalParts(Vec<(CriticalKey, u64)>);

/// The step counted most often in `counts` (pipeline `pipeline`'s critical
/// steps), with its label and count; among equals, the first label in
/// alphabetical order.
pub fn most_often(
    world: &World,
    pipeline: u16,
    counts: &std::collections::BTreeMap<CriticalKey, u64>,
) -> Option<(String, u64)> {
    most_often_key(world, pipeline, counts).map(|(_, label, n)| (label, n))
}

/// [`most_often`] with the step's key.
pub fn most_often_key(
    world: &World,
    pipeline: u16,
    counts: &std::collections::BTreeMap<CriticalKey, u64>,
) -> Option<(CriticalKey, String, u64)> {
    counts
        .iter()
        .map(|(k, n)| {
            let mut label = String::new();
            write_critical_label(world, pipeline, *k, &mut label);
            (*k, label, *n)
        })
        .max_by(|a, b| a.2.cmp(&b.2).then(b.1.cmp(&a.1)))
}

/// Writes the label of a critical step of pipeline `pipeline` (see
/// [`critical_stage`]) into `out`, replacing its contents.
pub fn write_critical_label(world: &World, pipeline: u16, k: CriticalKey, out: &mut String) {
    let p = &world.pipelines[pipeline as usize];
    out.clear();
    out.push_str(k.kind());
    let name = match k {
        CriticalKey::ScheduleDelay | CriticalKey::Stage(_) => return,
        CriticalKey::Component(i) => p.components[usize::from(i)].name.as_str(),
        CriticalKey::Test(i) => p.tests[usize::from(i)].name.as_str(),
        CriticalKey::Copy(r) => world.regions[r.index()].as_str(),
    };
    out.push(':');
    out.push_str(name);
}

/// [`critical_stage`] without building its label: the step and its
/// contribution, summed in `parts` (no allocation once it is large enough).
pub fn critical_step(
    world: &World,
    rep: &ReplicationResult,
    exec: usize,
    parts: &mut CriticalParts,
) -> Option<(CriticalKey, SimDuration)> {
    let run = &rep.runs[exec];
    if run.outcome != Outcome::Succeeded {
        return None;
    }
    let p = &world.pipelines[run.pipeline as usize];
    let parts = &mut parts.0;
    parts.clear();
    let mut add = |k: CriticalKey, d: SimDuration| match parts.iter_mut().find(|(x, _)| *x == k) {
        Some(e) => e.1 += d.as_millis(),
        None => parts.push((k, d.as_millis())),
    };
    let span = |r: &StageRecord| r.finished.since(r.enqueued);
    let key = critical_key;
    let recs = &rep.by_exec[exec];
    let records = recs.iter().map(|i| &rep.stages[i.index()]);
    let mut last: Option<&StageRecord> = None;
    for r in records.clone() {
        match r.stage {
            Stage::LaunchBuilder => {
                add(CriticalKey::ScheduleDelay, r.enqueued.since(run.triggered));
                add(key(r), span(r));
            }
            Stage::Component
            | Stage::Sanitize
            | Stage::StopBuilder
            | Stage::StopInstance
            | Stage::CreateImage
            | Stage::RegisterImage
            | Stage::LaunchTest
            | Stage::Bootstrap
            | Stage::Pull
            | Stage::Test => add(key(r), span(r)),
            // A container's push to its build Region is serial; the pushes
            // to the destinations and the replications are branches.
            Stage::Push if r.item == 0 => add(key(r), span(r)),
            // A branch ends with a share, a launch from the copy, or the copy
            // itself (no test launch): the one that ends last is critical.
            Stage::Share
            | Stage::LaunchDestinationTest
            | Stage::LaunchMigratedInstance
            | Stage::Copy
            | Stage::Push
            | Stage::Replicate
                if last.is_none_or(|l| r.finished > l.finished) =>
            {
                last = Some(r);
            }
            _ => {}
        }
    }
    last_branch(p, rep, recs, last, &mut add);
    largest(world, run.pipeline, parts)
}

/// The distribution branch that ended last, and the copy behind it, into
/// `add` (the copy counted with its queue wait).
fn last_branch(
    p: &Pipeline,
    rep: &ReplicationResult,
    recs: &[RecordId],
    last: Option<&StageRecord>,
    add: &mut impl FnMut(CriticalKey, SimDuration),
) {
    let records = recs.iter().map(|i| &rep.stages[i.index()]);
    let span = |r: &StageRecord| r.finished.since(r.enqueued);
    // The copy behind the last branch.
    let copy_index = last.and_then(|l| match l.stage {
        Stage::Share => p.distributions[l.item as usize].owner_copy,
        // The branch is the copy itself (its last attempt): counted here.
        Stage::Copy => None,
        _ if p.copies.is_empty() => None,
        _ => Some(l.item),
    });
    if let Some(l) = last {
        let d = if l.stage == Stage::Copy {
            span(l)
        } else {
            l.finished.since(l.started)
        };
        add(critical_key(l), d);
    }
    if let Some(c) = copy_index
        && let Some(copy) = records
            .clone()
            .find(|r| r.stage == Stage::Copy && r.item == c)
    {
        add(critical_key(copy), span(copy));
    }
}

/// A record's step on the critical path.
fn critical_key(r: &StageRecord) -> CriticalKey {
    match r.stage {
        Stage::Component => CriticalKey::Component(r.item),
        Stage::Test => CriticalKey::Test(r.item),
        Stage::Copy => CriticalKey::Copy(r.region),
        s => CriticalKey::Stage(s),
    }
}

/// The largest of `parts`; among equals, the label first in alphabetical
/// order (labels are built only when there is a tie).
fn largest(
    world: &World,
    pipeline: u16,
    parts: &[(CriticalKey, u64)],
) -> Option<(CriticalKey, SimDuration)> {
    let best = parts.iter().map(|(_, v)| *v).max()?;
    let mut tied = parts.iter().filter(|(_, v)| *v == best).map(|(k, _)| *k);
    let first = tied.next()?;
    let winner = tied.fold(first, |a, b| {
        let (mut la, mut lb) = (String::new(), String::new());
        write_critical_label(world, pipeline, a, &mut la);
        write_critical_label(world, pipeline, b, &mut lb);
        if lb < la { b } else { a }
    });
    Some((winner, SimDuration(best)))
}

/// How long one release stayed unpatched: from its publication until an
/// image that contains it was usable in every Region and account the
/// pipeline distributes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// The pipeline.
    pub pipeline: u16,
    /// When the release was published.
    pub released: SimTime,
    /// The first succeeded execution triggered at or after it (a build
    /// resolves its components' versions when it starts), if any.
    pub exec: Option<usize>,
    /// When that execution's image was usable everywhere.
    pub patched: Option<SimTime>,
}

impl Exposure {
    /// The exposure window, if the release was patched before the replication ended.
    pub fn window(&self) -> Option<SimDuration> {
        self.patched.map(|p| p.since(self.released))
    }
}

/// Groups `rep`'s executions by pipeline (`pipelines` of them), each in
/// trigger order, reusing `groups`' buffers.
pub fn runs_by_pipeline(rep: &ReplicationResult, pipelines: usize, groups: &mut Groups<u32>) {
    let keys = rep.runs.iter().map(|r| usize::from(r.pipeline));
    groups.group(pipelines, keys, |i| i as u32);
}

/// Every release of `rep` with the execution that shipped it, in release
/// order ([`exposures`] into a new vector).
pub fn exposure_list(rep: &ReplicationResult) -> Vec<Exposure> {
    let (mut by_pipeline, mut out) = (Groups::default(), Vec::new());
    runs_by_pipeline(rep, rep.updates.len(), &mut by_pipeline);
    exposures(rep, &by_pipeline, &mut Vec::new(), |e| out.push(e));
    out
}

/// Every release of `rep` with the execution that shipped it, in release
/// order, passed to `f`. `by_pipeline` holds `rep`'s executions grouped by
/// [`runs_by_pipeline`]; `next` is scratch: per pipeline, the position in
/// its group of the next run to consider. Each pipeline's runs are walked
/// once, not every run once per pipeline.
pub fn exposures(
    rep: &ReplicationResult,
    by_pipeline: &Groups<u32>,
    next: &mut Vec<usize>,
    mut f: impl FnMut(Exposure),
) {
    next.clear();
    next.resize(rep.updates.len(), 0);
    // Runs are in trigger order, and releases in time order: one pass each per pipeline.
    for &(pipeline, released) in &rep.releases {
        let pi = usize::from(pipeline);
        let runs = &by_pipeline[pi];
        let found = runs[next[pi]..].iter().position(|&i| {
            let r = &rep.runs[i as usize];
            r.triggered >= released && r.outcome == Outcome::Succeeded
        });
        next[pi] = found.map_or(runs.len(), |k| next[pi] + k);
        let exec = runs.get(next[pi]).map(|&i| i as usize);
        f(Exposure {
            pipeline,
            released,
            exec,
            patched: exec.map(|i| rep.runs[i].finished),
        });
    }
}
