//! One replication as a Chrome Trace Event file (opens in Perfetto or
//! chrome://tracing): a process per Region, a thread per account, a slice
//! per stage, and a slice for each queue wait.

use serde_json::{Value, json};

use super::ReportError;
use crate::pipeline::analysis::item_name;
use crate::pipeline::config::World;
use crate::pipeline::model::ReplicationResult;

/// Renders `trace.json` for one replication.
pub fn trace_json(world: &World, rep: &ReplicationResult) -> Result<Vec<u8>, ReportError> {
    let mut events: Vec<Value> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in &rep.stages {
        let (pid, tid) = (r.region.index() as u64, r.account.index() as u64);
        if seen.insert((pid, tid)) {
            events.push(json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": world.regions[r.region.index()]}}));
            events.push(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": world.directory.accounts[r.account.index()].name}}));
        }
        let run = &rep.runs[r.exec.index()];
        let p = &world.pipelines[run.pipeline as usize];
        let item = item_name(world, rep, r);
        let label = if item.is_empty() {
            format!("{} #{} {}", p.name, run.number, r.stage.name())
        } else {
            format!("{} #{} {} {item}", p.name, run.number, r.stage.name())
        };
        let us = |t: crate::engine::SimTime| t.as_millis() * 1000;
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
