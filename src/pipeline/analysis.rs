//! Reading a replication's records: names of items and keys, records per
//! execution, and the critical stage of each execution.

use super::config::{Kind, World};
use super::model::{Outcome, ReplicationResult, Stage, StageRecord};
use crate::engine::SimDuration;

/// The key protecting the data a stage writes: snapshots and copies.
pub fn kms_key_name(world: &World, rep: &ReplicationResult, r: &StageRecord) -> String {
    let p = &world.pipelines[rep.runs[r.exec as usize].pipeline as usize];
    let dir = &world.directory;
    match r.stage {
        Stage::Snapshot | Stage::CreateImage => dir.encryption_name(p.encryption),
        Stage::Copy => dir.encryption_name(p.copies[r.item as usize].encryption),
        _ => String::new(),
    }
}

/// The name of a stage record's item: component, test, device or source Region.
pub fn item_name(world: &World, rep: &ReplicationResult, r: &StageRecord) -> String {
    let p = &world.pipelines[rep.runs[r.exec as usize].pipeline as usize];
    let i = r.item as usize;
    match r.stage {
        Stage::Component => p.components[i].name.clone(),
        Stage::Test => p.tests[i].name.clone(),
        Stage::Snapshot => p.volumes[i].device.clone(),
        Stage::Copy => world.regions[p.region as usize].clone(),
        Stage::LaunchMigratedInstance => match &p.kind {
            Kind::Migration {
                to_availability_zone: Some(az),
            } => az.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Record indices of each execution of a replication, in record order.
pub fn records_by_exec(rep: &ReplicationResult) -> ExecRecords {
    // Counting sort into one flat array: two allocations whatever the
    // number of executions (this runs once per replication in the aggregate).
    let mut start = vec![0u32; rep.runs.len() + 1];
    for r in &rep.stages {
        start[r.exec as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut next = start.clone();
    let mut idx = vec![0u32; rep.stages.len()];
    for (i, r) in rep.stages.iter().enumerate() {
        let slot = &mut next[r.exec as usize];
        idx[*slot as usize] = i as u32;
        *slot += 1;
    }
    ExecRecords { start, idx }
}

/// Stage-record indices grouped by execution, in record order
/// (`records[exec]` is a slice); built by [`records_by_exec`].
#[derive(Debug, Clone)]
pub struct ExecRecords {
    start: Vec<u32>,
    idx: Vec<u32>,
}

impl ExecRecords {
    /// The record indices of each execution in turn.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.start
            .windows(2)
            .map(|w| &self.idx[w[0] as usize..w[1] as usize])
    }
}

impl std::ops::Index<usize> for ExecRecords {
    type Output = [u32];
    fn index(&self, exec: usize) -> &[u32] {
        &self.idx[self.start[exec] as usize..self.start[exec + 1] as usize]
    }
}

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
    recs: &[u32],
) -> Option<(String, SimDuration)> {
    let run = &rep.runs[exec];
    if run.outcome != Outcome::Succeeded {
        return None;
    }
    let p = &world.pipelines[run.pipeline as usize];
    // Contributions keyed without allocating: (stage, component/test index or
    // Region); `None` is the schedule delay. Labels are built for the winners only.
    let mut parts: Vec<(Option<(Stage, u16)>, u64)> = Vec::with_capacity(16);
    let mut add =
        |k: Option<(Stage, u16)>, d: SimDuration| match parts.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 += d.as_millis(),
            None => parts.push((k, d.as_millis())),
        };
    let span = |r: &StageRecord| r.finished.since(r.enqueued);
    let key = |r: &StageRecord| match r.stage {
        Stage::Component | Stage::Test => Some((r.stage, r.item)),
        Stage::Copy => Some((Stage::Copy, r.region)),
        s => Some((s, 0)),
    };
    let label = |k: &Option<(Stage, u16)>| match k {
        None => "schedule_delay".to_string(),
        Some((Stage::Component, i)) => format!("component:{}", p.components[*i as usize].name),
        Some((Stage::Test, i)) => format!("test:{}", p.tests[*i as usize].name),
        Some((Stage::Copy, r)) => format!("copy:{}", world.regions[*r as usize]),
        Some((s, _)) => s.name().to_string(),
    };
    let records = recs.iter().map(|i| &rep.stages[*i as usize]);
    let mut last: Option<&StageRecord> = None;
    for r in records.clone() {
        match r.stage {
            Stage::LaunchBuilder => {
                add(None, r.enqueued.since(run.triggered));
                add(key(r), span(r));
            }
            Stage::Component
            | Stage::StopBuilder
            | Stage::StopInstance
            | Stage::CreateImage
            | Stage::RegisterImage
            | Stage::LaunchTest
            | Stage::Test => add(key(r), span(r)),
            Stage::Share | Stage::LaunchDestinationTest | Stage::LaunchMigratedInstance
                if last.is_none_or(|l| r.finished > l.finished) =>
            {
                last = Some(r);
            }
            _ => {}
        }
    }
    // The copy behind the last branch.
    let copy_index = last.and_then(|l| match l.stage {
        Stage::Share => p.distributions[l.item as usize].owner_copy,
        _ if p.copies.is_empty() => None,
        _ => Some(l.item),
    });
    if let Some(l) = last {
        add(key(l), l.finished.since(l.started));
    }
    if let Some(c) = copy_index
        && let Some(copy) = records
            .clone()
            .find(|r| r.stage == Stage::Copy && r.item == c)
    {
        add(key(copy), span(copy));
    }
    // The largest; among equals, the label first in alphabetical order.
    let best = parts.iter().map(|(_, v)| *v).max()?;
    parts
        .iter()
        .filter(|(_, v)| *v == best)
        .map(|(k, v)| (label(k), *v))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(k, ms)| (k, SimDuration(ms)))
}
