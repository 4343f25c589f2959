//! Why executions failed: causes by stage, item and cause, with counts and
//! the pipelines they hit, from `runs.csv` (one row per execution).

use std::collections::{BTreeMap, BTreeSet};

use super::Doc;
use super::doc::{Block, Table};
use crate::report::ReportError;

/// A failure's stage, item (empty for none) and cause.
type Cause = (String, String, String);

/// `cause in stage item`, the item left out when there is none.
fn describe((stage, item, cause): &Cause) -> String {
    if item.is_empty() {
        format!("{cause} in {stage}")
    } else {
        format!("{cause} in {stage} {item}")
    }
}

/// At most three names, then how many more.
fn some_of(names: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    match names.len().saturating_sub(3) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The failed executions of runs.csv by cause (each cause's count and
/// pipelines, the most frequent first), and how many executions there were.
struct Tally {
    rows: Vec<(Cause, (u64, BTreeSet<String>))>,
    failed: u64,
    executions: u64,
}

/// `None` without runs.csv or without a failure.
fn tally(runs: Option<&Table>) -> Option<Tally> {
    let t = runs?;
    let mut causes: BTreeMap<Cause, (u64, BTreeSet<String>)> = BTreeMap::new();
    let mut executions = 0u64;
    for r in &t.rows {
        executions += 1;
        if t.get(r, "outcome") != "failed" {
            continue;
        }
        let [s, i, c] =
            ["failed_stage", "failed_item", "failed_cause"].map(|k| t.get(r, k).to_string());
        let e = causes.entry((s, i, c)).or_default();
        e.0 += 1;
        e.1.insert(t.get(r, "pipeline").to_string());
    }
    let failed: u64 = causes.values().map(|c| c.0).sum();
    let mut rows: Vec<(Cause, (u64, BTreeSet<String>))> = causes.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    (!rows.is_empty()).then_some(Tally {
        rows,
        failed,
        executions,
    })
}

/// The verdict's line: the count and the most frequent cause.
pub(super) fn verdict_line(runs: Option<&Table>) -> Option<String> {
    let t = tally(runs)?;
    let (top, (top_n, top_p)) = &t.rows[0];
    Some(format!(
        "failures: {} of {} executions; most often {} ({top_n}, in {} pipeline{}; see Failures)",
        t.failed,
        t.executions,
        describe(top),
        top_p.len(),
        if top_p.len() == 1 { "" } else { "s" }
    ))
}

/// The failures section.
pub(super) fn failures(d: &mut Doc<'_>) -> Result<(), ReportError> {
    let Some(Tally {
        rows,
        failed,
        executions,
    }) = tally(d.tables.runs.as_ref())
    else {
        return Ok(());
    };
    let (top, (top_n, _)) = &rows[0];
    d.blocks.push(Block::Heading("Failures".into()));
    d.blocks.push(Block::Para(format!(
        "{failed} of {executions} executions failed ({:.1} %); the most common cause: {} ({top_n} times).",
        100.0 * failed as f64 / executions.max(1) as f64,
        describe(top),
    )));
    d.blocks.push(Block::Table(
        [
            "stage",
            "item",
            "cause",
            "executions",
            "share of failures",
            "pipelines",
        ]
        .map(String::from)
        .to_vec(),
        rows.iter()
            .take(30)
            .map(|((s, i, c), (n, p))| {
                vec![
                    s.clone(),
                    i.clone(),
                    c.clone(),
                    n.to_string(),
                    format!("{:.0} %", 100.0 * *n as f64 / failed as f64),
                    some_of(p),
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
