//! One replication as a Chrome Trace Event file (opens in Perfetto or
//! chrome://tracing): a process per Region, tracks per account, a slice per
//! stage, and a slice for each queue wait.
//!
//! Slices on one track must nest or not overlap, or Perfetto draws them
//! misnested. Stages of one account in one Region overlap freely (a copy
//! runs while the next build starts, a termination while a test runs), so
//! each account gets as many tracks as it has overlapping work: every stage,
//! with its queue wait just before it, goes on the account's first track
//! that is free at that time (interval partitioning, which uses the fewest
//! tracks). On every track the slices then never overlap.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use serde_json::{Value, json};

use super::ReportError;
use crate::engine::SimTime;
use crate::pipeline::analysis::item_name;
use crate::pipeline::config::World;
use crate::pipeline::model::{ReplicationResult, StageRecord};

/// Renders `trace.json` for one replication.
pub(crate) fn trace_json(world: &World, rep: &ReplicationResult) -> Result<Vec<u8>, ReportError> {
    let lanes = assign_lanes(&rep.stages);
    let mut events: Vec<Value> = Vec::new();
    // (Region, account, lane) → tid, numbered in order of first use within the Region.
    let mut tids: BTreeMap<(u64, usize, usize), u64> = BTreeMap::new();
    let mut next_tid: BTreeMap<u64, u64> = BTreeMap::new();
    let us = |t: SimTime| t.as_millis() * 1000;
    for (r, &lane) in rep.stages.iter().zip(&lanes) {
        let pid = r.region.index() as u64;
        let account = r.account.index();
        let tid = match tids.get(&(pid, account, lane)) {
            Some(&t) => t,
            None => {
                let n = next_tid.entry(pid).or_insert(0);
                if *n == 0 {
                    events.push(json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": world.regions[r.region.index()]}}));
                }
                *n += 1;
                let tid = *n;
                tids.insert((pid, account, lane), tid);
                let name = &world.directory.accounts[account].name;
                let name = if lane == 0 {
                    name.to_string()
                } else {
                    format!("{name} · {}", lane + 1)
                };
                events.push(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}));
                // Tracks sort by account, then lane, whatever order they first appear in.
                events.push(json!({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "args": {"sort_index": account * 65_536 + lane.min(65_535)}}));
                tid
            }
        };
        let run = &rep.runs[r.exec.index()];
        let p = &world.pipelines[run.pipeline as usize];
        let item = item_name(world, rep, r);
        let label = if item.is_empty() {
            format!("{} #{} {}", p.name, run.number, r.stage.name())
        } else {
            format!("{} #{} {} {item}", p.name, run.number, r.stage.name())
        };
        if r.started > r.enqueued {
            events.push(json!({"name": format!("{label} (queued)"), "cat": "queue", "ph": "X", "ts": us(r.enqueued), "dur": us(r.started) - us(r.enqueued), "pid": pid, "tid": tid}));
        }
        events.push(json!({
            "name": label, "cat": r.stage.name(), "ph": "X", "ts": us(r.started), "dur": us(r.finished) - us(r.started),
            "pid": pid, "tid": tid,
            "args": {"outcome": r.outcome.name(), "cause": r.cause.name(), "data_gib": r.data_gib, "attempt": r.attempt}
        }));
    }
    let mut bytes = serde_json::to_vec(&json!({"traceEvents": events, "displayTimeUnit": "ms"}))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The lane (0, 1, …) of each record within its (Region, account): records
/// on one lane never overlap, each counted from its enqueue to its end.
/// Records are placed in order of start (longest first on ties, then
/// record order), each on the lowest-numbered free lane.
fn assign_lanes(stages: &[StageRecord]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..stages.len()).collect();
    let key = |i: usize| {
        let r = &stages[i];
        (r.region, r.account, r.enqueued, Reverse(r.finished), i)
    };
    order.sort_by_key(|&i| key(i));
    let mut lanes = vec![0; stages.len()];
    let mut group = None;
    // Busy lanes by the time they free up, and the lanes free now.
    let mut busy: BinaryHeap<Reverse<(SimTime, usize)>> = BinaryHeap::new();
    let mut free: BTreeSet<usize> = BTreeSet::new();
    let mut opened = 0;
    for i in order {
        let r = &stages[i];
        if group != Some((r.region, r.account)) {
            group = Some((r.region, r.account));
            busy.clear();
            free.clear();
            opened = 0;
        }
        while let Some(&Reverse((end, lane))) = busy.peek() {
            if end > r.enqueued {
                break;
            }
            busy.pop();
            free.insert(lane);
        }
        let lane = free.pop_first().unwrap_or_else(|| {
            opened += 1;
            opened - 1
        });
        lanes[i] = lane;
        busy.push(Reverse((r.finished.max(r.enqueued), lane)));
    }
    lanes
}
