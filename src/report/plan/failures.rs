//! Why executions failed: causes by pipeline, stage and item, with counts,
//! from `runs.csv` (one row per execution).

use std::collections::BTreeMap;

use super::Doc;
use super::doc::Block;
use crate::report::ReportError;

/// A failure's pipeline, stage, item and cause.
type Cause = (String, String, String, String);

/// The failures section, and its line in the verdict.
pub(super) fn failures(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let Some(t) = &d.tables.runs else {
        return Ok(());
    };
    let mut causes: BTreeMap<Cause, u64> = BTreeMap::new();
    let mut executions = 0u64;
    for r in &t.rows {
        executions += 1;
        if t.get(r, "outcome") != "failed" {
            continue;
        }
        let key = ["pipeline", "failed_stage", "failed_item", "failed_cause"]
            .map(|k| t.get(r, k).to_string());
        let [p, s, i, c] = key;
        *causes.entry((p, s, i, c)).or_default() += 1;
    }
    if causes.is_empty() {
        return Ok(());
    }
    let failed: u64 = causes.values().sum();
    let mut rows: Vec<(&Cause, &u64)> = causes.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top = rows[0];
    // The verdict's bullets (the first list) get the count and the top cause.
    if let Some(Block::Bullets(v)) = d.blocks.iter_mut().find(|b| matches!(b, Block::Bullets(_))) {
        v.push(format!(
            "failures: {failed} of {executions} executions; most often {} in {} {} ({}; see Failures)",
            top.0.3, top.0.1, top.0.2, top.1
        ));
    }
    d.blocks.push(Block::Heading("Failures".into()));
    d.blocks.push(Block::Para(format!(
        "{failed} of {executions} executions failed ({:.1} %); the most common cause: {} in {} {} of {} ({} times).",
        100.0 * failed as f64 / executions.max(1) as f64,
        top.0.3,
        top.0.1,
        top.0.2,
        top.0.0,
        top.1
    )));
    d.blocks.push(Block::Table(
        [
            "pipeline",
            "stage",
            "item",
            "cause",
            "executions",
            "share of failures",
        ]
        .map(String::from)
        .to_vec(),
        rows.iter()
            .take(30)
            .map(|((p, s, i, c), n)| {
                vec![
                    p.clone(),
                    s.clone(),
                    i.clone(),
                    c.clone(),
                    n.to_string(),
                    format!("{:.0} %", 100.0 * **n as f64 / failed as f64),
                ]
            })
            .collect(),
    ));
    if rows.len() > 30 {
        d.blocks.push(Block::Para(format!(
            "and {} more causes (runs.csv has every failed execution).",
            rows.len() - 30
        )));
    }
    Ok(())
}
