//! Why executions failed: causes by stage, item and cause, with counts and
//! the pipelines they hit, from the typed results (every replication).

use std::collections::{BTreeMap, BTreeSet};

use super::Draft;
use super::doc::Block;
use crate::experiment::Aggregate;
use crate::scenario::Scenario;

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

/// The failed executions by cause (each cause's count and pipelines, the
/// most frequent first), and how many executions there were.
struct Tally {
    rows: Vec<(Cause, (u64, BTreeSet<String>))>,
    failed: u64,
    executions: u64,
}

/// `None` without a failure.
fn tally(scn: &Scenario, agg: &Aggregate) -> Option<Tally> {
    let mut causes: BTreeMap<Cause, (u64, BTreeSet<String>)> = BTreeMap::new();
    for (p, pa) in scn.world.pipelines.iter().zip(&agg.pipelines) {
        for (key, n) in &pa.failures {
            // Names are made here, where the text is written; several items
            // may share one (every copy shows its source Region).
            let item = crate::pipeline::analysis::item_label(&scn.world, p, key.stage, key.item);
            let e = causes
                .entry((
                    key.stage.name().to_string(),
                    item.to_string(),
                    key.cause.name().to_string(),
                ))
                .or_default();
            e.0 += n;
            e.1.insert(p.name.clone());
        }
    }
    let executions = agg.pipelines.iter().map(|p| p.executions).sum();
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
pub(super) fn verdict_line(scn: &Scenario, agg: &Aggregate) -> Option<String> {
    let t = tally(scn, agg)?;
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
pub(super) fn failures(d: &mut Draft<'_>) {
    let Some(agg) = d.inp.run() else {
        return;
    };
    let Some(Tally {
        rows,
        failed,
        executions,
    }) = tally(d.inp.scn, agg)
    else {
        return;
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
}
