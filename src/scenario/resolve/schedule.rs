//! `[pipeline.schedule]`: when a pipeline runs.

use chrono::{DateTime, Utc};
use toml::Spanned;

use super::MAX_OCCURRENCES;
use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use crate::engine::SimTime;
use crate::pipeline::config::{Releases, Schedule, StartCondition, Tool, UpdateSource};
use crate::pipeline::trigger::{Tz, cron_times, parse_cron};
use crate::scenario::raw::{RawPipeline, RawUpdateSource};

/// `start_condition`, with Image Builder's names: the first word is the default.
const START_CONDITION: Choice<StartCondition> = Choice {
    what: "start condition",
    words: &[
        ("always", StartCondition::Always, "EXPRESSION_MATCH_ONLY"),
        (
            "dependency_updates",
            StartCondition::DependencyUpdates,
            "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
        ),
    ],
};

/// Expands cron expressions into the times they match from the scenario's
/// start to its horizon, in a time zone, within the scenario's budget.
struct Crons {
    /// `None` when the time zone was refused: nothing is expanded.
    tz: Option<Tz>,
    start: DateTime<Utc>,
    horizon: SimTime,
}

impl Crons {
    /// The times `c` (at `key`) matches, or `None` with its error.
    fn times(&self, ctx: &mut Ctx<'_>, c: &Spanned<String>, key: &str) -> Option<Vec<SimTime>> {
        let cron = match parse_cron(c.get_ref()) {
            Ok(cron) => cron,
            Err(e) => {
                ctx.err(Some(c.span()), key, e.reason, e.help.as_deref());
                return None;
            }
        };
        let tz = self.tz?;
        // Once a trigger is refused for its count, the file is
        // refused: expand no more (bounded work over many pipelines).
        if ctx.cron_refused {
            return None;
        }
        let most = MAX_OCCURRENCES.min(ctx.cron_budget);
        let times = cron_times(&cron, self.start, self.horizon, tz, most as usize);
        match &times {
            Some(t) => ctx.cron_budget -= t.len() as u64,
            None if most < MAX_OCCURRENCES => {
                ctx.err(
                    Some(c.span()),
                    key,
                    format!(
                        "the crons of this scenario match more than {} times in all in the horizon ({}); amisim expands at most that many, so work stays bounded",
                        super::MAX_TOTAL_CRON_MATCHES,
                        crate::engine::SimDuration(self.horizon.0)
                    ),
                    Some("shorten horizon, or make the schedules less frequent"),
                );
                ctx.cron_refused = true;
            }
            None => {
                ctx.occurrences(c.span(), key, u64::MAX, "the cron matches", self.horizon);
                ctx.cron_refused = true;
            }
        }
        times
    }
}

/// `timezone`: an IANA name (UTC if absent); a close name is suggested.
fn timezone(ctx: &mut Ctx<'_>, t: Option<&Spanned<String>>, path: &str) -> Option<Tz> {
    let Some(t) = t else {
        return Some(Tz::UTC);
    };
    if let Ok(tz) = t.get_ref().parse::<Tz>() {
        return Some(tz);
    }
    let guess = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| (strsim::levenshtein(z.name(), t.get_ref()), z.name()))
        .min()
        .filter(|(d, _)| *d <= 3);
    let help = match guess {
        Some((_, name)) => {
            format!("did you mean \"{name}\"? timezone takes an IANA name, e.g. \"Europe/Berlin\"")
        }
        None => {
            "use an IANA time-zone name, e.g. \"Europe/Berlin\" or \"America/New_York\"".to_string()
        }
    };
    ctx.err(
        Some(t.span()),
        path.key("timezone"),
        format!("{:?} is not an IANA time zone", t.get_ref()),
        Some(&help),
    );
    None
}

/// `cron`: its text and the times it matches (a warning if none).
fn schedule_cron(
    ctx: &mut Ctx<'_>,
    crons: &Crons,
    c: Option<&Spanned<String>>,
    path: &str,
) -> (Option<String>, Vec<SimTime>) {
    let Some(c) = c else {
        return (None, Vec::new());
    };
    let Some(t) = crons.times(ctx, c, &path.key("cron")) else {
        return (None, Vec::new());
    };
    if t.is_empty() {
        // validate says what run would show: nothing scheduled.
        ctx.warn(
            Some(c.span()),
            path.key("cron"),
            format!(
                "the cron matches no time before the horizon ({} after the start): it never triggers a build",
                crate::engine::SimDuration(crons.horizon.0)
            ),
            Some("check its day and month (30 February never comes), or lengthen horizon".into()),
        );
    }
    (Some(c.get_ref().clone()), t)
}

/// `interval`: `Err` when it elapses too often to expand; a warning when
/// it first elapses at or after the horizon.
fn schedule_interval(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<crate::scenario::spec::Dur>>,
    path: &str,
    horizon: SimTime,
) -> Result<Option<crate::engine::SimDuration>, ()> {
    let Some(raw) = raw else { return Ok(None) };
    let Some(iv) = ctx.positive_duration(raw, &path.key("interval"), "interval = \"7d\"") else {
        return Ok(None);
    };
    let n = horizon.0 / iv.as_millis().max(1);
    if !ctx.occurrences(
        raw.span(),
        &path.key("interval"),
        n,
        "the interval elapses",
        horizon,
    ) {
        return Err(());
    }
    if SimTime(iv.0) >= horizon {
        ctx.warn(
            Some(raw.span()),
            path.key("interval"),
            format!(
                "the first interval ends at {iv}, at or after the horizon ({}): it never triggers a build",
                crate::engine::SimDuration(horizon.0)
            ),
            Some("shorten interval, or lengthen horizon".into()),
        );
    }
    Ok(Some(iv))
}

/// A schedule that waits for dependency updates needs a source of them,
/// and one that matches the recipe's filter (else a warning).
fn check_update_triggers(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    path: &str,
    (waits, matching): (bool, bool),
) {
    let Some(ss) = &sp.get_ref().schedule else {
        return;
    };
    let s = ss.get_ref();
    if !waits {
        return;
    }
    if sp.get_ref().update_source.is_empty() {
        let why = if s.build_on_update.unwrap_or(false) {
            "build_on_update builds at each dependency update, and the pipeline names no update source"
        } else if s.start_condition.is_none() {
            "with no start_condition, Image Builder builds at a schedule match only if a dependency was updated (dependency_updates), and the pipeline names no update source"
        } else {
            "start_condition = \"dependency_updates\" builds only if a dependency was updated, and the pipeline names no update source"
        };
        ctx.err(
            Some(ss.span()),
            path.to_string(),
            why,
            Some("add [[pipeline.update_source]] with of = \"base_image\" and mean_interval = \"14d\", or set start_condition = \"always\""),
        );
    } else if !matching {
        ctx.warn(
            Some(ss.span()),
            path.to_string(),
            "no update source matches the recipe's version filter, so no dependency update will ever start a build",
            Some("set matches_filter = true on a source (a filter such as x.x.x), or start_condition = \"always\"".into()),
        );
    }
}

/// `[pipeline.schedule]` and `[[pipeline.update_source]]`: cron, interval,
/// start condition and dependency updates.
pub(super) fn resolve_schedule(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    tool: Tool,
    start: DateTime<Utc>,
    horizon: SimTime,
) -> Option<Schedule> {
    let Some(ss) = &sp.get_ref().schedule else {
        ctx.err(Some(sp.span()), prefix.key("schedule"), "the pipeline has no schedule, so it would never run", Some("add [pipeline.schedule] with cron = \"cron(0 6 ? * MON *)\", interval = \"7d\", or run_at_start = true"));
        return None;
    };
    let s = ss.get_ref();
    let path = prefix.key("schedule");
    let tz = timezone(ctx, s.timezone.as_ref(), &path);
    let calendar_sources = sp
        .get_ref()
        .update_source
        .iter()
        .any(|u| u.get_ref().cron.is_some());
    if let Some(t) = &s.timezone
        && s.cron.is_none()
        && !calendar_sources
    {
        ctx.err(
            Some(t.span()),
            path.key("timezone"),
            "timezone applies to the cron, and the schedule has none",
            Some("add a cron, or remove timezone"),
        );
    }
    let crons = Crons { tz, start, horizon };
    let (cron_text, times) = schedule_cron(ctx, &crons, s.cron.as_ref(), &path);
    let interval = schedule_interval(ctx, s.interval.as_ref(), &path, horizon).ok()?;
    // Image Builder's default when the start condition is absent
    // (docs/sources.md#start-condition); Packer and scripts have no such
    // check, so theirs is every match.
    let start_condition = match (&s.start_condition, tool) {
        (Some(c), _) => START_CONDITION.pick(ctx, Some(c), &path.key("start_condition")),
        (None, Tool::ImageBuilder) => StartCondition::DependencyUpdates,
        (None, _) => StartCondition::Always,
    };
    let updates = update_sources(ctx, sp, prefix, horizon, &crons);
    let build_on_update = s.build_on_update.unwrap_or(false);
    let run_at_start = s.run_at_start.unwrap_or(false);
    let scheduled = s.cron.is_some() || interval.is_some();
    let matching = updates.iter().any(|u| u.matches_filter);
    let waits =
        build_on_update || (scheduled && start_condition == StartCondition::DependencyUpdates);
    check_update_triggers(ctx, sp, &path, (waits, matching));
    if !scheduled && !run_at_start && !build_on_update {
        ctx.err(
            Some(ss.span()),
            path,
            "the schedule has no trigger, so the pipeline would never run",
            Some("set cron, interval, run_at_start = true or build_on_update = true"),
        );
        return None;
    }
    let auto_disable_after_failures = s.auto_disable_after_failures.as_ref().and_then(|n| {
        ctx.count(
            n,
            &path.key("auto_disable_after_failures"),
            (1, 10),
            Some("Image Builder's autoDisablePolicy.failureCount takes 1 to 10"),
        )
    });
    Some(Schedule {
        auto_disable_after_failures,
        cron_text,
        cron_times: times,
        interval,
        start_condition,
        updates,
        build_on_update,
        run_at_start,
    })
}

/// `[[pipeline.update_source]]`: each names the base image or one of the
/// pipeline's components, and releases at random or on a calendar.
fn update_sources(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    horizon: SimTime,
    crons: &Crons,
) -> Vec<UpdateSource> {
    let p = sp.get_ref();
    let names: Vec<&str> = std::iter::once("base_image")
        .chain(
            p.component
                .iter()
                .chain(&p.test)
                .map(|c| c.name.get_ref().as_str()),
        )
        .collect();
    let mut out: Vec<UpdateSource> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let sources = ctx.limit(
        &p.update_source,
        &prefix.key("update_source"),
        "update sources",
    );
    for (i, us) in sources.iter().enumerate() {
        let u = us.get_ref();
        let path = prefix.key("update_source").at(i);
        let of = u.of.get_ref();
        if !names.contains(&of.as_str()) {
            let guess = names
                .iter()
                .map(|n| (strsim::levenshtein(n, of), *n))
                .min()
                .filter(|(d, _)| *d <= 3);
            let help = match guess {
                Some((_, n)) => format!("did you mean \"{n}\"?"),
                None => format!(
                    "use \"base_image\" or the name of a component or test: {}",
                    names[1..].join(", ")
                ),
            };
            ctx.err(
                Some(u.of.span()),
                path.key("of"),
                format!(
                    "\"{of}\" is neither the base image nor a component of pipeline \"{}\"",
                    p.name.get_ref()
                ),
                Some(&help),
            );
            continue;
        }
        if seen.contains(&of.as_str()) {
            ctx.err(
                Some(u.of.span()),
                path.key("of"),
                format!("\"{of}\" already has an update source"),
                Some("keep one [[pipeline.update_source]] per dependency"),
            );
            continue;
        }
        seen.push(of);
        let releases = releases(ctx, us, &path, (horizon, crons));
        let stream = match &u.name {
            Some(n) => n.get_ref().clone(),
            None => format!("{}/{of}", p.name.get_ref()),
        };
        if let (Some(n), Some(r)) = (&u.name, &releases) {
            shared_update(ctx, n, r, (&path, p.name.get_ref()));
        }
        if let Some(releases) = releases {
            out.push(UpdateSource {
                stream,
                of: of.clone(),
                releases,
                matches_filter: u.matches_filter.unwrap_or(true),
            });
        }
    }
    out
}

/// When one update source releases: at random (`mean_interval`) or on a
/// calendar (`cron`), exactly one of them.
fn releases(
    ctx: &mut Ctx<'_>,
    us: &Spanned<RawUpdateSource>,
    path: &str,
    (horizon, crons): (SimTime, &Crons),
) -> Option<Releases> {
    let u = us.get_ref();
    let of = u.of.get_ref();
    match (&u.mean_interval, &u.cron) {
        (Some(m), None) => ctx
            .positive_duration(m, &path.key("mean_interval"), "mean_interval = \"14d\"")
            .filter(|d| {
                ctx.occurrences(
                    m.span(),
                    &path.key("mean_interval"),
                    horizon.0 / d.as_millis().max(1),
                    "the source releases on average",
                    horizon,
                )
            })
            .map(Releases::Random),
        (None, Some(c)) => crons
            .times(ctx, c, &path.key("cron"))
            .map(Releases::Calendar),
        (Some(_), Some(c)) => {
            ctx.err(
                Some(c.span()),
                path.key("cron"),
                "a source releases either on a calendar or at random, not both",
                Some("keep cron or mean_interval"),
            );
            None
        }
        (None, None) => {
            ctx.err(
                Some(us.span()),
                path.to_string(),
                format!("the update source of \"{of}\" says nothing about when it releases"),
                Some("add mean_interval = \"14d\" (releases at random) or cron = \"cron(0 18 ? * TUE#2 *)\" (a calendar)"),
            );
            None
        }
    }
}

/// Sources of one `name` are one dependency: the first one's releases are
/// recorded, and a later one that releases differently is refused.
fn shared_update(
    ctx: &mut Ctx<'_>,
    n: &Spanned<String>,
    r: &Releases,
    (path, pipeline): (&str, &str),
) {
    match ctx.shared_updates.get(n.get_ref()) {
        Some((first, by)) if first != r => {
            let msg = format!(
                "update source \"{}\" releases differently here than in pipeline \"{by}\"",
                n.get_ref()
            );
            ctx.err(
                Some(n.span()),
                path.key("name"),
                msg,
                Some("sources of one name are one dependency: give them the same mean_interval or cron, or different names"),
            );
        }
        Some(_) => {}
        None => {
            ctx.shared_updates
                .insert(n.get_ref().clone(), (r.clone(), pipeline.to_string()));
        }
    }
}
