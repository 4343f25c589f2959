//! Image Builder schedules: cron expressions in UTC.
//!
//! Image Builder's `scheduleExpression` is `cron(min hour dom month dow year)`:
//! six fields, minute granularity, weekdays 1–7 with 1 = Sunday (or names),
//! and exactly one of day-of-month and day-of-week given as `?`
//! (aws-facts.md §5 "Pipelines/schedules", [AWS-2023] cron-expressions.md).
//! Matching is done by the `croner` crate in Quartz weekday mode.

use chrono::{DateTime, NaiveDateTime, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::engine::SimTime;

/// Why a cron expression was refused: the reason, and a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    /// What is wrong.
    pub reason: String,
    /// How to fix it.
    pub help: String,
}

const CRON_HELP: &str = "write six fields `minutes hours day-of-month month day-of-week year` in UTC, \
with `?` in day-of-month or day-of-week, e.g. \"cron(0 6 ? * MON *)\" for Mondays 06:00";

/// Parses an Image Builder cron expression, with or without the `cron(...)` wrapper.
pub fn parse_cron(text: &str) -> Result<Cron, CronError> {
    let t = text.trim();
    let inner = t
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(t);
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(CronError {
            reason: format!(
                "cron expression {text:?} has {} fields, Image Builder needs 6",
                fields.len()
            ),
            help: CRON_HELP.into(),
        });
    }
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err(CronError {
            reason: format!(
                "cron expression {text:?} must have `?` in exactly one of day-of-month ({dom}) and day-of-week ({dow})"
            ),
            help: CRON_HELP.into(),
        });
    }
    let pattern = format!("0 {}", fields.join(" "));
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .build()
        .parse(&pattern)
        .map_err(|e| CronError {
            reason: format!("cron expression {text:?} is invalid: {e}"),
            help: CRON_HELP.into(),
        })
}

/// Every match of `cron` at or after `start` and before `start + horizon`,
/// as simulated times (milliseconds since `start`).
pub fn cron_times(cron: &Cron, start: DateTime<Utc>, horizon: SimTime) -> Vec<SimTime> {
    let start_naive: NaiveDateTime = start.naive_utc();
    let mut out = Vec::new();
    for next in cron.iter_from(start_naive, croner::Direction::Forward) {
        let ms = (next - start_naive).num_milliseconds();
        if ms < 0 {
            continue;
        }
        let t = SimTime(ms as u64);
        if t >= horizon {
            break;
        }
        out.push(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn monday() -> DateTime<Utc> {
        // 2026-01-05 is a Monday.
        Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
    }

    #[test]
    fn weekly_monday_six_am_matches_every_monday() {
        let cron = parse_cron("cron(0 6 ? * MON *)").unwrap();
        let times = cron_times(&cron, monday(), SimTime(28 * 86_400_000));
        let hours: Vec<u64> = times.iter().map(|t| t.0 / 3_600_000).collect();
        assert_eq!(hours, vec![6, 6 + 168, 6 + 336, 6 + 504]);
    }

    #[test]
    fn numeric_weekdays_count_from_sunday_as_in_aws() {
        // 2 = Monday in Image Builder's cron.
        let cron = parse_cron("0 6 ? * 2 *").unwrap();
        let times = cron_times(&cron, monday(), SimTime(7 * 86_400_000));
        assert_eq!(times, vec![SimTime(6 * 3_600_000)]);
    }

    #[test]
    fn bad_expressions_are_refused_with_help() {
        assert!(
            parse_cron("0 6 * * MON *").is_err(),
            "dom and dow both given"
        );
        assert!(parse_cron("0 6 * *").is_err(), "too few fields");
        assert!(parse_cron("0 99 ? * MON *").is_err(), "hour out of range");
    }
}
