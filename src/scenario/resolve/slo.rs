//! `[slo]`: the service-level objectives a report judges, and what its
//! p95 targets are about.

use super::ctx::Ctx;
use crate::engine::SimDuration;
use crate::scenario::raw::RawScenario;

/// Service-level objectives (`[slo]`).
#[derive(Debug, Clone, Default)]
pub struct Slo {
    /// What the p95 targets are about.
    pub scope: SloScope,
    /// p95 of time to all Regions, for every pipeline.
    pub time_to_all_regions_p95: Option<SimDuration>,
    /// p95 of the exposure window, for every pipeline with releases.
    pub exposure_window_p95: Option<SimDuration>,
    /// Mean monthly cost, US dollars.
    pub monthly_cost_usd: Option<f64>,
}

/// What `[slo]`'s p95 targets are about (`scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SloScope {
    /// Every pipeline must meet it (the default).
    #[default]
    Each,
    /// All executions of all pipelines together: "95 % of our releases".
    Fleet,
    /// One pipeline, by its index.
    Pipeline(u16),
}

impl Slo {
    /// True when `[slo]` sets anything.
    pub fn any(&self) -> bool {
        self.time_to_all_regions_p95.is_some()
            || self.exposure_window_p95.is_some()
            || self.monthly_cost_usd.is_some()
    }
}

/// `[slo] scope`: `each` (default), `fleet`, or a pipeline's name.
pub(super) fn slo_scope(ctx: &mut Ctx<'_>, raw: &RawScenario) -> SloScope {
    let Some(s) = raw.slo.as_ref().and_then(|s| s.scope.as_ref()) else {
        return SloScope::Each;
    };
    match s.get_ref().as_str() {
        "each" => SloScope::Each,
        "fleet" => SloScope::Fleet,
        name => match raw
            .pipeline
            .iter()
            .position(|p| p.get_ref().name.get_ref() == name)
        {
            Some(i) => SloScope::Pipeline(i as u16),
            None => {
                ctx.err(
                    Some(s.span()),
                    "slo.scope",
                    format!("\"{name}\" is neither \"each\", \"fleet\" nor a pipeline of this scenario"),
                    Some("use \"each\" (every pipeline must meet the targets), \"fleet\" (all executions of all pipelines together) or a [[pipeline]] name"),
                );
                SloScope::Each
            }
        },
    }
}

/// `[slo]`: its targets, each checked.
pub(super) fn resolve_slo(ctx: &mut Ctx<'_>, raw: &RawScenario) -> Slo {
    let slo = raw.slo.as_ref();
    Slo {
        scope: slo_scope(ctx, raw),
        time_to_all_regions_p95: slo
            .and_then(|s| s.time_to_all_regions_p95.as_ref())
            .and_then(|d| {
                ctx.positive_duration(
                    d,
                    "slo.time_to_all_regions_p95",
                    "time_to_all_regions_p95 = \"2h\"",
                )
            }),
        exposure_window_p95: slo
            .and_then(|s| s.exposure_window_p95.as_ref())
            .and_then(|d| {
                ctx.positive_duration(d, "slo.exposure_window_p95", "exposure_window_p95 = \"7d\"")
            }),
        monthly_cost_usd: slo
            .and_then(|s| s.monthly_cost_usd.as_ref())
            .and_then(|c| ctx.dollars(c, "slo.monthly_cost_usd", "must be")),
    }
}
