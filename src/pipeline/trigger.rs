//! Image Builder schedules: cron expressions in UTC or an IANA time zone.
//!
//! Image Builder's `scheduleExpression` is `cron(min hour dom month dow year)`:
//! six fields, minute granularity, weekdays 1–7 with 1 = Sunday (or names),
//! and exactly one of day-of-month and day-of-week given as `?`
//! (docs/sources.md#cron).
//! Matching is done by the `croner` crate in Quartz weekday mode.

use chrono::{DateTime, Utc};
pub(crate) use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::diag::Diagnostic;
use crate::engine::SimTime;

/// Why a cron expression was refused: a [`Diagnostic`] with the reason and
/// the fix, which the scenario places at its key.
pub(crate) type CronError = Diagnostic;

const CRON_HELP: &str = "write six fields `minutes hours day-of-month month day-of-week year` in UTC, \
with `?` in day-of-month or day-of-week, e.g. \"cron(0 6 ? * MON *)\" for Mondays 06:00";

/// Parses an Image Builder cron expression, with or without the `cron(...)` wrapper.
pub(crate) fn parse_cron(text: &str) -> Result<Cron, CronError> {
    let t = text.trim();
    let inner = t
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(t);
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(Diagnostic::new(
            format!(
                "cron expression {text:?} has {} fields, Image Builder needs 6",
                fields.len()
            ),
            CRON_HELP,
        ));
    }
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err(Diagnostic::new(
            format!(
                "cron expression {text:?} must have `?` in exactly one of day-of-month ({dom}) and day-of-week ({dow})"
            ),
            CRON_HELP,
        ));
    }
    for (field, value) in FIELDS.iter().zip(&fields) {
        if let Err(why) = field.check(value) {
            return Err(Diagnostic::new(
                format!(
                    "cron expression {text:?}: {why} in the {} field; {} are {}",
                    field.name, field.plural, field.range
                ),
                CRON_HELP,
            ));
        }
    }
    let fields: Vec<String> = FIELDS
        .iter()
        .zip(&fields)
        .map(|(f, v)| f.for_croner(v))
        .collect();
    let pattern = format!("0 {}", fields.join(" "));
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .build()
        .parse(&pattern)
        .map_err(|e| {
            Diagnostic::new(
                format!("cron expression {text:?} is invalid: {e}"),
                CRON_HELP,
            )
        })
}

/// One field of an Image Builder cron expression and its range (Image Builder
/// "Use cron expressions in Image Builder"; see docs/sources.md).
struct Field {
    name: &'static str,
    plural: &'static str,
    range: &'static str,
    lo: u32,
    hi: u32,
    /// Names accepted instead of numbers (JAN = 1, SUN = 1).
    names: &'static [&'static str],
    /// The characters besides digits, names, `,`, `-`, `/` and `*` it takes.
    extra: &'static str,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The six fields in order. Hand-written because croner's errors ("Number out
/// of bounds") name neither the field nor its range.
const FIELDS: [Field; 6] = [
    Field {
        name: "minutes",
        plural: "minutes",
        range: "0-59",
        lo: 0,
        hi: 59,
        names: &[],
        extra: "",
    },
    Field {
        name: "hours",
        plural: "hours",
        range: "0-23",
        lo: 0,
        hi: 23,
        names: &[],
        extra: "",
    },
    Field {
        name: "day-of-month",
        plural: "days of the month",
        range: "1-31, or ?, L, W",
        lo: 1,
        hi: 31,
        names: &[],
        extra: "?LW",
    },
    Field {
        name: "month",
        plural: "months",
        range: "1-12 or JAN-DEC",
        lo: 1,
        hi: 12,
        names: MONTHS,
        extra: "",
    },
    Field {
        name: "day-of-week",
        plural: "days of the week",
        range: "1-7 with 1 = Sunday, or SUN-SAT, or ?, L, #",
        lo: 1,
        hi: 7,
        names: WEEKDAYS,
        extra: "?L#",
    },
    Field {
        name: "year",
        plural: "years",
        range: "1970-2199",
        lo: 1970,
        hi: 2199,
        names: &[],
        extra: "",
    },
];

impl Field {
    /// Checks every number and name in `value` against the field's range.
    fn check(&self, value: &str) -> Result<(), String> {
        for part in value.split(',') {
            let (body, step) = match part.split_once('/') {
                Some((b, st)) => (b, Some(st)),
                None => (part, None),
            };
            if let Some(st) = step {
                match st.parse::<u32>() {
                    Ok(n) if (1..=self.hi).contains(&n) => {}
                    _ => {
                        return Err(format!(
                            "the step `/{st}` is not a whole number from 1 to {}",
                            self.hi
                        ));
                    }
                }
            }
            let (body, nth) = match body.split_once('#') {
                Some((b, n)) if self.extra.contains('#') => (b, Some(n)),
                _ => (body, None),
            };
            if let Some(n) = nth
                && !matches!(n.parse::<u32>(), Ok(1..=5))
            {
                return Err(format!("`#{n}` is not a week of the month (#1 to #5)"));
            }
            let body = if self.extra.contains('L') || self.extra.contains('W') {
                body.trim_end_matches(['L', 'W'])
            } else {
                body
            };
            if body.is_empty() && part != body {
                continue; // L, W or LW alone
            }
            if body == "*" || (body == "?" && self.extra.contains('?')) {
                continue;
            }
            for end in body.split('-') {
                self.check_value(end)?;
            }
        }
        Ok(())
    }

    /// The field as croner reads it: AWS's `N/step` ("from N, every step")
    /// becomes `N-max/step`, since croner refuses a single-number start.
    fn for_croner(&self, value: &str) -> String {
        value
            .split(',')
            .map(|part| match part.split_once('/') {
                Some((start, step)) if !start.contains('-') && start != "*" => {
                    format!("{start}-{}/{step}", self.hi)
                }
                _ => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn check_value(&self, end: &str) -> Result<(), String> {
        if let Ok(n) = end.parse::<u32>() {
            return if (self.lo..=self.hi).contains(&n) {
                Ok(())
            } else {
                Err(format!("{n} is out of range"))
            };
        }
        if self.names.iter().any(|m| m.eq_ignore_ascii_case(end)) {
            return Ok(());
        }
        Err(if end.is_empty() {
            "an empty value".to_string()
        } else {
            format!("`{end}` is not a value")
        })
    }
}

/// Every match of `cron`, read as wall-clock time in `tz`, at or after
/// `start` and before `start + horizon`, as simulated times (milliseconds
/// since `start`). Daylight saving moves the matches in UTC; a wall-clock
/// time that a spring change skips runs at the first instant after the gap,
/// and one that an autumn change repeats runs once, at the earlier instant
/// (croner's rules; AWS documents neither case).
///
/// None as soon as there are more than `most` of them: the work is bounded
/// by `most`, not by the horizon.
pub(crate) fn cron_times(
    cron: &Cron,
    start: DateTime<Utc>,
    horizon: SimTime,
    tz: Tz,
    most: usize,
) -> Option<Vec<SimTime>> {
    let local = start.with_timezone(&tz);
    let mut out = Vec::new();
    for next in cron.iter_from(local, croner::Direction::Forward) {
        let ms = (next.with_timezone(&Utc) - start).num_milliseconds();
        if ms < 0 {
            continue;
        }
        let t = SimTime(ms as u64);
        if t >= horizon {
            break;
        }
        if out.len() == most {
            return None;
        }
        out.push(t);
    }
    Some(out)
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
        let times = cron_times(
            &cron,
            monday(),
            SimTime(28 * 86_400_000),
            Tz::UTC,
            usize::MAX,
        )
        .unwrap();
        let hours: Vec<u64> = times.iter().map(|t| t.0 / 3_600_000).collect();
        assert_eq!(hours, vec![6, 6 + 168, 6 + 336, 6 + 504]);
    }

    #[test]
    fn numeric_weekdays_count_from_sunday_as_in_aws() {
        // 2 = Monday in Image Builder's cron.
        let cron = parse_cron("0 6 ? * 2 *").unwrap();
        let times = cron_times(
            &cron,
            monday(),
            SimTime(7 * 86_400_000),
            Tz::UTC,
            usize::MAX,
        )
        .unwrap();
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

    #[test]
    fn a_berlin_six_am_cron_moves_by_an_hour_in_utc_across_daylight_saving() {
        // Daily 06:00 Europe/Berlin from 2026-03-27 to 2026-03-31: CET (UTC+1)
        // until Sunday 29 March 02:00, CEST (UTC+2) after; and back on 25 October.
        let c = parse_cron("cron(0 6 * * ? *)").unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let utc_hours = |start: DateTime<Utc>| -> Vec<(u32, u32)> {
            cron_times(&c, start, SimTime(4 * 86_400_000), berlin, usize::MAX)
                .unwrap()
                .iter()
                .map(|t| {
                    let at = start + chrono::Duration::milliseconds(t.0 as i64);
                    (chrono::Datelike::day(&at), chrono::Timelike::hour(&at))
                })
                .collect()
        };
        let march = Utc.with_ymd_and_hms(2026, 3, 27, 0, 0, 0).unwrap();
        assert_eq!(utc_hours(march), vec![(27, 5), (28, 5), (29, 4), (30, 4)]);
        let october = Utc.with_ymd_and_hms(2026, 10, 23, 0, 0, 0).unwrap();
        assert_eq!(utc_hours(october), vec![(23, 4), (24, 4), (25, 5), (26, 5)]);
        // UTC itself never moves.
        let utc: Vec<u64> = cron_times(&c, march, SimTime(4 * 86_400_000), Tz::UTC, usize::MAX)
            .unwrap()
            .iter()
            .map(|t| t.0 % 86_400_000 / 3_600_000)
            .collect();
        assert_eq!(utc, vec![6, 6, 6, 6]);
    }

    #[test]
    fn a_bad_field_is_named_with_its_range() {
        let cases = [
            (
                "0 25 ? * MON *",
                "25 is out of range in the hours field; hours are 0-23",
            ),
            (
                "61 6 ? * MON *",
                "61 is out of range in the minutes field; minutes are 0-59",
            ),
            (
                "0 6 32 * ? *",
                "32 is out of range in the day-of-month field",
            ),
            (
                "0 6 ? 13 MON *",
                "13 is out of range in the month field; months are 1-12 or JAN-DEC",
            ),
            (
                "0 6 ? * 8 *",
                "8 is out of range in the day-of-week field; days of the week are 1-7 with 1 = Sunday",
            ),
            (
                "0 6 ? * FOO *",
                "`FOO` is not a value in the day-of-week field",
            ),
            (
                "0 6 ? * 2#6 *",
                "`#6` is not a week of the month (#1 to #5)",
            ),
            (
                "0/0 6 ? * MON *",
                "the step `/0` is not a whole number from 1 to 59 in the minutes field",
            ),
            (
                "0 6 ? * MON 1900",
                "1900 is out of range in the year field; years are 1970-2199",
            ),
        ];
        for (expr, want) in cases {
            let e = parse_cron(expr).expect_err(expr);
            assert!(e.reason.contains(want), "{expr}: {}", e.reason);
            assert!(
                !e.reason.contains("Component error"),
                "{expr}: {}",
                e.reason
            );
        }
    }

    #[test]
    fn aws_forms_croner_lacks_are_accepted() {
        // "0/15": from minute 0, every 15 minutes (croner wants "0-59/15").
        let c = parse_cron("cron(0/15 6 ? * MON-FRI *)").unwrap();
        let t = cron_times(&c, monday(), SimTime(24 * 3_600_000), Tz::UTC, usize::MAX).unwrap();
        let mins: Vec<u64> = t.iter().map(|t| t.0 / 60_000).collect();
        assert_eq!(mins, vec![360, 375, 390, 405]);
        for ok in [
            "0 6 L * ? *",
            "0 6 15W * ? *",
            "0 6 ? * 6L *",
            "0 6 ? * 3#2 *",
            "0 6 ? JAN-MAR MON 2026-2030",
        ] {
            assert!(parse_cron(ok).is_ok(), "{ok}: {:?}", parse_cron(ok).err());
        }
    }
}
