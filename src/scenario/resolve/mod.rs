//! `RawScenario` → `Scenario`: defaults, interning, cross-references, ranges.
//!
//! One file per section of the file, all working through one [`ctx::Ctx`]
//! (the error sink, key paths, lookups and validators). Every check pushes a
//! located error and goes on, so that one run of `amisim validate` lists
//! everything wrong with a file. The sections run in a fixed order, which is
//! the order their errors are listed in.

pub(crate) mod assumed;
pub(crate) mod checked;
use slo::resolve_slo;
pub use slo::{Slo, SloScope};
pub(super) mod calibration;
mod choice;
mod container;
mod cost;
mod ctx;
mod directory;
mod distribution;
mod faults;
mod keys;
mod latency;
mod lifecycle;
mod migration;
mod owner;
mod pipeline;
mod quotas;
mod regions;
mod schedule;
mod share;
mod slo;
#[cfg(test)]
mod tests;
mod tool_keys;
mod used;
mod values;
mod workflow;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use toml::Spanned;

use self::checked::{
    DEFAULT_HORIZON, DEFAULT_REPLICATIONS, DEFAULT_SEED, MAX_REPLICATIONS, Scenario, default_start,
};
use self::ctx::{Ctx, KeyPath};
use self::pipeline::Shared;
use super::error::{Locator, ScenarioError};
use super::raw::RawScenario;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::World;

/// Resolves a parsed file. `hash` is the SHA-256 of its text.
pub(super) fn resolve(
    loc: &Locator<'_>,
    path: &Path,
    files: crate::scenario::Files,
    raw: RawScenario,
    hash: String,
) -> Result<Scenario, Vec<ScenarioError>> {
    let mut ctx = Ctx::new(loc, files, raw.model_misconfigurations.unwrap_or(false));
    let name = scenario_name(&mut ctx, &raw, path);
    let horizon = resolve_horizon(&mut ctx, &raw);
    let start = start_time(&mut ctx, raw.start.as_ref());
    let replications = raw
        .replications
        .as_ref()
        .and_then(|r| ctx.count(r, "replications", (1, i64::from(MAX_REPLICATIONS)), None))
        .unwrap_or(DEFAULT_REPLICATIONS);

    let regions = regions::resolve_regions(&mut ctx, &raw.region);
    let mut directory = directory::resolve_directory(&mut ctx, &raw);
    keys::resolve_keys(&mut ctx, &mut directory, &raw);
    regions::resolve_access(&mut ctx, &raw.region, &mut directory);
    let routes = regions::resolve_routes(&mut ctx, &raw.route);
    let quotas = quotas::resolve_quotas(&mut ctx, raw.quotas.as_ref());

    unique_names(&mut ctx, &raw);
    let global = raw.latency.clone().unwrap_or_default();
    let shared = Shared {
        global: &global,
        dir: &directory,
        start,
        horizon: SimTime(horizon.0),
        quotas,
    };
    let pipelines = resolve_pipelines(&mut ctx, &shared, &raw);

    let mut deciding = Vec::new();
    if ctx.error_count() == 0 {
        check_work(&mut ctx, &raw, &pipelines, SimTime(horizon.0));
        deciding = assumed::deciding_assumptions(&mut ctx, &raw, &pipelines);
    }
    let assumptions = used::used_assumptions(&raw, &pipelines, ctx.regions.names());
    let slo = resolve_slo(&mut ctx, &raw);
    let faults = faults::resolve_faults(&mut ctx, raw.faults.as_ref());
    let incidents = faults::resolve_incidents(&mut ctx, &raw.incident, SimTime(horizon.0));
    let api = faults::resolve_api(&mut ctx, raw.api.as_ref());
    let mut prices = cost::resolve_prices(&mut ctx, raw.cost.as_ref());
    cost::price_instances(&mut ctx, (&pipelines, &raw.pipeline), &mut prices);

    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }
    Ok(Scenario {
        name,
        path: path.to_path_buf(),
        hash,
        description: raw.description.unwrap_or_default(),
        start,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        replications,
        replications_given: raw.replications.is_some(),
        slo,
        warnings: ctx.warnings,
        deciding_assumptions: deciding,
        assumptions,
        simulated_violations: ctx.simulated_violations,
        world: World {
            regions,
            directory,
            routes,
            quotas,
            pipelines,
            horizon: SimTime(horizon.0),
            faults,
            incidents,
            api,
        },
        prices,
    })
}

/// `horizon`: longer than zero, at most a century.
fn resolve_horizon(ctx: &mut Ctx<'_>, raw: &RawScenario) -> SimDuration {
    let horizon = raw
        .horizon
        .as_ref()
        .and_then(|h| ctx.positive_duration(h, "horizon", "horizon = \"28d\""))
        .unwrap_or(DEFAULT_HORIZON);
    bounded_horizon(ctx, raw.horizon.as_ref(), horizon)
}

/// Every `[[pipeline]]` and `[[migration]]`, in file order (those with
/// errors left out); at least one is needed.
fn resolve_pipelines(
    ctx: &mut Ctx<'_>,
    shared: &Shared<'_>,
    raw: &RawScenario,
) -> Vec<crate::pipeline::config::Pipeline> {
    let mut pipelines = Vec::new();
    // Records name their pipeline in 16 bits: builds and migrations together.
    let builds = ctx.limit(&raw.pipeline, "pipeline", "pipelines");
    let room = usize::from(u16::MAX) - builds.len();
    let moves = ctx.limit(&raw.migration, "migration", "migrations");
    let moves = if moves.len() > room {
        let why = format!(
            "{} pipelines and {} migrations: amisim models at most {} together",
            builds.len(),
            moves.len(),
            u16::MAX
        );
        ctx.err(
            None,
            "migration",
            why,
            Some("split the scenario, or model a representative subset"),
        );
        &moves[..room]
    } else {
        moves
    };
    for (i, p) in builds.iter().enumerate() {
        pipelines.extend(pipeline::resolve_pipeline(
            ctx,
            shared,
            p,
            &"pipeline".at(i),
        ));
    }
    for (i, m) in moves.iter().enumerate() {
        pipelines.extend(migration::resolve_migration(
            ctx,
            shared,
            m,
            &"migration".at(i),
        ));
    }
    if raw.pipeline.is_empty() && raw.migration.is_empty() {
        ctx.err(
            Some(0..0),
            "pipeline",
            "the scenario has no pipeline",
            Some("add a [[pipeline]] table; see scenarios/quickstart.toml"),
        );
    }
    pipelines
}

/// `name`, else the file's stem; it must make a directory name.
fn scenario_name(ctx: &mut Ctx<'_>, raw: &RawScenario, path: &Path) -> String {
    let Some(n) = &raw.name else {
        return path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
    };
    let ok = !n.get_ref().is_empty()
        && n.get_ref()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !n.get_ref().starts_with('.');
    if !ok {
        ctx.err(
            Some(n.span()),
            "name",
            format!("name {:?} cannot be used as a directory name", n.get_ref()),
            Some("use letters, digits, '-', '_' and '.'"),
        );
    } else if n.get_ref().len() > MAX_NAME_BYTES {
        // A file name is at most 255 bytes; the outputs' temporaries add to it.
        ctx.err(
            Some(n.span()),
            "name",
            format!(
                "name is {} characters; an output directory's name is at most {MAX_NAME_BYTES}",
                n.get_ref().len()
            ),
            Some("shorten it (description takes free text of any length)"),
        );
    }
    n.get_ref().clone()
}

/// The most occurrences one trigger may have in a replication's horizon: a
/// cron's matches, scheduled intervals, an update source's releases (its
/// expected count, for random ones) or a random incident's windows. Work
/// and memory follow this count, not the horizon, so more is refused.
pub(super) const MAX_OCCURRENCES: u64 = 100_000;
/// The most cron matches expanded over all triggers of a scenario together
/// (120 daily pipelines for a year are 43,800; 500 for a year, 182,500): so that validating many
/// pipelines with a huge horizon stays bounded too.
pub(super) const MAX_TOTAL_CRON_MATCHES: u64 = 200_000;

/// The most events a replication may be estimated to need
/// ([`Pipeline::events_per_build_estimate`](crate::pipeline::config::Pipeline::events_per_build_estimate) times
/// [`Schedule::builds_estimate`](crate::pipeline::config::Schedule::builds_estimate),
/// summed over pipelines; the estimate is 1.3 to 4 times the events the
/// shipped scenarios use). Past it a replication would take minutes and
/// gigabytes, so the scenario is refused.
pub(super) const MAX_EVENTS_PER_REPLICATION: u64 = 50_000_000;

/// Refuses a scenario whose replications would need more than
/// [`MAX_EVENTS_PER_REPLICATION`] events, naming the pipeline that needs
/// the most and the figures.
/// The longest horizon: a century, which costs are billed and reported
/// over month by month (1,200 months).
const MAX_HORIZON_DAYS: u64 = 36_500;

/// `horizon`, refused past [`MAX_HORIZON_DAYS`] (the default then).
fn bounded_horizon(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<crate::scenario::spec::Dur>>,
    horizon: SimDuration,
) -> SimDuration {
    let max = SimDuration::from_hours(24 * MAX_HORIZON_DAYS);
    if horizon <= max {
        return horizon;
    }
    ctx.err(
        raw.map(|h| h.span()),
        "horizon",
        format!("must be at most {MAX_HORIZON_DAYS}d (a century), got {horizon}"),
        Some("amisim bills and reports costs month by month; shorten the horizon"),
    );
    DEFAULT_HORIZON
}

fn check_work(
    ctx: &mut Ctx<'_>,
    raw: &RawScenario,
    pipelines: &[crate::pipeline::config::Pipeline],
    horizon: SimTime,
) {
    let total = crate::pipeline::work::events_estimate(pipelines, horizon);
    if total <= MAX_EVENTS_PER_REPLICATION {
        return;
    }
    let most = |(_, p): &(usize, &crate::pipeline::config::Pipeline)| p.events_estimate(horizon).0;
    let Some((i, p)) = pipelines.iter().enumerate().max_by_key(most) else {
        return;
    };
    let (alone, builds, each) = p.events_estimate(horizon);
    let n = raw.pipeline.len();
    let (span, key) = match raw.pipeline.get(i) {
        Some(rp) => (
            rp.get_ref()
                .schedule
                .as_ref()
                .map_or(rp.span(), |s| s.span()),
            "pipeline".at(i).key("schedule"),
        ),
        None => (raw.migration[i - n].span(), "migration".at(i - n)),
    };
    ctx.err(
        Some(span),
        key,
        format!(
            "a replication would need about {total} events, over amisim's limit of {MAX_EVENTS_PER_REPLICATION}; pipeline \"{}\" alone about {} ({builds} builds of about {each} events each)",
            p.name,
            alone
        ),
        Some("build less often (cron, interval, update sources), distribute to fewer Regions or accounts, or shorten horizon"),
    );
}

/// The longest scenario name: the output directory's, with room under the
/// filesystems' 255-byte file names for the suffixes of temporary files.
pub const MAX_NAME_BYTES: usize = 200;

/// `start`: a full date-time with an offset, else the default.
fn start_time(ctx: &mut Ctx<'_>, raw: Option<&Spanned<toml::value::Datetime>>) -> DateTime<Utc> {
    let Some(s) = raw else { return default_start() };
    match DateTime::parse_from_rfc3339(&s.get_ref().to_string()) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            ctx.err(
                Some(s.span()),
                "start",
                format!(
                    "start {} is not a full date-time with an offset",
                    s.get_ref()
                ),
                Some("write e.g. start = 2026-01-05T00:00:00Z"),
            );
            default_start()
        }
    }
}

/// Pipelines and migrations share one name space.
fn unique_names(ctx: &mut Ctx<'_>, raw: &RawScenario) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let names_in_use = raw
        .pipeline
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.get_ref().name, "pipeline".at(i)))
        .chain(
            raw.migration
                .iter()
                .enumerate()
                .map(|(i, m)| (&m.get_ref().name, "migration".at(i))),
        );
    for (name, prefix) in names_in_use {
        if name.get_ref().trim().is_empty() {
            // Every output names the pipeline: an empty name is a row nobody can read.
            ctx.err(
                Some(name.span()),
                prefix.key("name"),
                "an empty name",
                Some("give it a name, e.g. name = \"golden-al2023\""),
            );
            continue;
        }
        if let Some(prev) = seen.insert(name.get_ref().clone(), prefix.clone()) {
            ctx.err(
                Some(name.span()),
                prefix.key("name"),
                format!("name \"{}\" is already used by {prev}", name.get_ref()),
                Some("pipeline and migration names must be unique"),
            );
        }
    }
}
