//! `[pipeline.schedule]`: when a pipeline runs.

use chrono::{DateTime, Utc};
use toml::Spanned;

use super::ctx::{Choice, Ctx, KeyPath};
use crate::engine::SimTime;
use crate::pipeline::config::{Schedule, StartCondition};
use crate::pipeline::trigger::{Tz, cron_times, parse_cron};
use crate::scenario::raw::RawPipeline;

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

/// `[pipeline.schedule]`: cron, interval, start condition and package-update triggers.
pub(super) fn resolve_schedule(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    start: DateTime<Utc>,
    horizon: SimTime,
) -> Option<Schedule> {
    let Some(ss) = &sp.get_ref().schedule else {
        ctx.err(Some(sp.span()), prefix.key("schedule"), "the pipeline has no schedule, so it would never run", Some("add [pipeline.schedule] with cron = \"cron(0 6 ? * MON *)\", interval = \"7d\", run_at_start = true or package_update_mean_interval"));
        return None;
    };
    let s = ss.get_ref();
    let path = prefix.key("schedule");
    let mut cron_text = None;
    let mut times = Vec::new();
    let tz = match &s.timezone {
        None => Some(Tz::UTC),
        Some(t) => {
            match t.get_ref().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    let guess = chrono_tz::TZ_VARIANTS
                        .iter()
                        .map(|z| (strsim::levenshtein(z.name(), t.get_ref()), z.name()))
                        .min()
                        .filter(|(d, _)| *d <= 3);
                    let help = match guess {
                    Some((_, name)) => format!("did you mean \"{name}\"? timezone takes an IANA name, e.g. \"Europe/Berlin\""),
                    None => "use an IANA time-zone name, e.g. \"Europe/Berlin\" or \"America/New_York\"".to_string(),
                };
                    ctx.err(
                        Some(t.span()),
                        path.key("timezone"),
                        format!("{:?} is not an IANA time zone", t.get_ref()),
                        Some(&help),
                    );
                    None
                }
            }
        }
    };
    if let Some(t) = &s.timezone
        && s.cron.is_none()
        && s.package_update_cron.is_none()
    {
        ctx.err(
            Some(t.span()),
            path.key("timezone"),
            "timezone applies to the cron, and the schedule has none",
            Some("add a cron, or remove timezone"),
        );
    }
    if let Some(c) = &s.cron {
        match parse_cron(c.get_ref()) {
            Ok(cron) => {
                cron_text = Some(c.get_ref().clone());
                if let Some(tz) = tz {
                    times = cron_times(&cron, start, horizon, tz);
                }
            }
            Err(e) => ctx.err(Some(c.span()), path.key("cron"), e.reason, Some(&e.help)),
        }
    }
    let interval = s
        .interval
        .as_ref()
        .and_then(|i| ctx.positive_duration(i, &path.key("interval"), "interval = \"7d\""));
    let start_condition = START_CONDITION.pick(
        ctx,
        s.start_condition.as_ref(),
        &path.key("start_condition"),
    );
    let package_update_mean = s.package_update_mean_interval.as_ref().and_then(|m| {
        ctx.positive_duration(
            m,
            &path.key("package_update_mean_interval"),
            "package_update_mean_interval = \"3d\"",
        )
    });
    let mut package_update_times = Vec::new();
    if let Some(c) = &s.package_update_cron {
        match parse_cron(c.get_ref()) {
            Ok(cron) => {
                if let Some(tz) = tz {
                    package_update_times = cron_times(&cron, start, horizon, tz);
                }
            }
            Err(e) => ctx.err(
                Some(c.span()),
                path.key("package_update_cron"),
                e.reason,
                Some(&e.help),
            ),
        }
        if package_update_mean.is_some() {
            ctx.err(
                Some(c.span()),
                path.key("package_update_cron"),
                "package updates come either on a calendar or at random, not both",
                Some("keep package_update_cron or package_update_mean_interval"),
            );
        }
    }
    let updates = package_update_mean.is_some() || s.package_update_cron.is_some();
    let build_on_package_update = s.build_on_package_update.unwrap_or(false);
    let run_at_start = s.run_at_start.unwrap_or(false);
    if (build_on_package_update || start_condition == StartCondition::DependencyUpdates) && !updates
    {
        ctx.err(
            Some(ss.span()),
            path.clone(),
            "package-update triggers need package_update_mean_interval",
            Some(
                "add package_update_mean_interval = \"3d\" (mean time between dependency updates)",
            ),
        );
    }
    let scheduled = s.cron.is_some() || interval.is_some();
    if !scheduled && !run_at_start && !build_on_package_update {
        ctx.err(
            Some(ss.span()),
            path,
            "the schedule has no trigger, so the pipeline would never run",
            Some("set cron, interval, run_at_start = true or build_on_package_update = true"),
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
        package_update_mean,
        package_update_times,
        build_on_package_update,
        run_at_start,
    })
}
