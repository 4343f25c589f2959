//! The smallest value of the binding quota that meets the time SLO, found
//! by bisection with common random numbers (`experiment::search`).

use super::Draft;
use super::doc::Block;
use crate::experiment::search::Decision;
use crate::report::text::human;

/// The search, when the run has a time SLO and a quota was ever full.
pub(super) fn search(d: &mut Draft<'_>) {
    let (Some((quota, found)), Some(slo)) = (&d.inp.search, d.inp.scn.slo.time_to_all_regions_p95)
    else {
        return;
    };
    let slo = slo.as_secs_f64();
    let key = quota.key();
    let whose = match d.inp.scn.slo.scope {
        crate::scenario::SloScope::Each => "every pipeline's".to_string(),
        crate::scenario::SloScope::Fleet => "the fleet's".to_string(),
        crate::scenario::SloScope::Pipeline(i) => {
            format!("{}'s", d.inp.scn.world.pipelines[i as usize].name)
        }
    };
    d.blocks.push(Block::Heading(format!(
        "The smallest {key} that meets the SLO"
    )));
    let how = format!(
        "a bisection over [quotas] {key} with the run's seed and replications (common random numbers), each step given more replications (up to {}×) while its p95's bounds straddle the SLO (the 95 % CI, or, where the sample is too small for one, its own min and max: meeting then means every execution met it): {} steps, {} replications in all",
        crate::experiment::search::MAX_GROWTH,
        found.steps.len(),
        found.replications()
    );
    d.blocks.push(Block::Para(match found.answer {
        Some(v) if v <= found.current => format!(
            "{key} = {v} is the smallest value at which {whose} p95 time to all Regions meets the SLO of {} (the scenario has {}, so {} slot{} could be spared); found by {how}.",
            human(slo),
            found.current,
            found.current - v,
            if found.current - v == 1 { "" } else { "s" }
        ),
        Some(v) => format!(
            "{key} = {v} is the smallest value at which {whose} p95 time to all Regions meets the SLO of {} (the scenario has {}; request the increase in Service Quotas); found by {how}.",
            human(slo),
            found.current
        ),
        None => format!(
            "No value of {key} meets the SLO of {}: at the last value tried the quota is never full, so the p95 is set by something else; found by {how}.",
            human(slo)
        ),
    }));
    d.blocks.push(steps_table(found));
}

/// Every step of the search.
fn steps_table(found: &crate::experiment::search::QuotaSearch) -> Block {
    Block::Table(
        [
            "value",
            "replications",
            "p95 judged (bounds)",
            "at capacity",
            "decision",
        ]
        .map(String::from)
        .to_vec(),
        found
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.value.to_string(),
                    s.replications.to_string(),
                    format!("{} ({} – {})", human(s.p95), human(s.ci.0), human(s.ci.1)),
                    if s.binds { "yes" } else { "never" }.into(),
                    match s.decision {
                        Decision::Meets => "meets".into(),
                        Decision::Misses => "misses".into(),
                        Decision::Undecided(m) => format!(
                            "bounds straddle the SLO; {} by the p95",
                            if m { "meets" } else { "misses" }
                        ),
                    },
                ]
            })
            .collect(),
    )
}
