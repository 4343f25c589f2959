//! The plain CSV of observations (README, "Calibrate from your own
//! history"), which amisim's own `stages.csv` also is.
//!
//! Columns, by header name: `stage` (required); `item` (a component's or
//! test's name; for a copy, its source Region, as in `stages.csv`), or
//! `from`; `region` or `to` (a copy's destination); `data_gib`; the
//! duration as `duration_s`, or `started_at_s` and `finished_at_s`
//! (seconds), or `start` and `end` (RFC 3339); `censored` (`true` /
//! `false`); and `outcome` and `cause` as `stages.csv` writes them.

use std::path::Path;

use super::obs::{FitError, Observation, located, target_of};

/// What a CSV gave: observations, and the rows dropped, with why.
#[derive(Debug, Default)]
pub struct Read {
    /// The observations.
    pub observations: Vec<Observation>,
    /// Rows left out (failures, stages with no latency of their own), counted by reason.
    pub dropped: Vec<(String, usize)>,
}

impl Read {
    pub(crate) fn drop_row(&mut self, why: &str) {
        match self.dropped.iter_mut().find(|d| d.0 == why) {
            Some(d) => d.1 += 1,
            None => self.dropped.push((why.to_string(), 1)),
        }
    }
}

fn rfc3339(s: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// Reads a CSV of observations.
pub fn read(file: &Path, text: &str, out: &mut Read) -> Result<(), FitError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            located(
                file,
                1,
                "",
                format!("not valid CSV: {e}"),
                "the first row names the columns",
            )
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let Some(stage_col) = col("stage") else {
        return Err(located(
            file,
            1,
            "stage",
            format!(
                "no `stage` column (the columns are {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
            "name the stage of each row in a `stage` column (README, \"Calibrate from your own history\")",
        ));
    };
    let has_duration = col("duration_s").is_some()
        || (col("started_at_s").is_some() && col("finished_at_s").is_some())
        || (col("start").is_some() && col("end").is_some());
    if !has_duration {
        return Err(located(
            file,
            1,
            "duration_s",
            "no duration: give `duration_s`, or `started_at_s` and `finished_at_s`, or `start` and `end`",
            "add a duration column",
        ));
    }
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            located(
                file,
                line,
                "",
                format!("not valid CSV: {e}"),
                "every row has the header's columns",
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |name: &str| col(name).and_then(|i| rec.get(i)).filter(|s| !s.is_empty());
        let number = |name: &str| -> Result<Option<f64>, FitError> {
            match get(name) {
                None => Ok(None),
                Some(s) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| {
                        located(
                            file,
                            line,
                            name,
                            format!("{s:?} is not a number"),
                            "write seconds or GiB as a plain number",
                        )
                    }),
            }
        };
        let stage = rec.get(stage_col).unwrap_or_default();
        let (from, to) = (get("from").or(get("item")), get("to").or(get("region")));
        let target = target_of(stage, get("item"), from, to)
            .map_err(|why| located(file, line, "stage", why, "use a stage name README lists"))?;
        let Some((target, with_readiness)) = target else {
            out.drop_row(&format!("{stage}: no latency of its own"));
            continue;
        };
        // stages.csv: a failure is no duration, unless a waiter or step gave up on it.
        let mut censored = match get("censored") {
            None => false,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(s) => {
                return Err(located(
                    file,
                    line,
                    "censored",
                    format!("{s:?} is not true or false"),
                    "write true for a duration that was cut short (a time-out)",
                ));
            }
        };
        match (get("outcome"), get("cause")) {
            (None | Some("succeeded"), _) => {}
            (Some("failed"), Some("waiter_timeout" | "step_timeout")) => censored = true,
            (Some(o), c) => {
                out.drop_row(&format!("{stage}: {o} ({})", c.unwrap_or("no cause")));
                continue;
            }
        }
        // `start` is a calendar time; `started_at_s` (stages.csv) is simulated time.
        let date = match get("start") {
            Some(s) => Some(rfc3339(s).ok_or_else(|| {
                located(
                    file,
                    line,
                    "start",
                    format!("{s:?} is not an RFC 3339 time"),
                    "write e.g. 2026-11-30T06:00:12.345Z",
                )
            })?),
            None => None,
        };
        let started = number("started_at_s")?.or(date);
        let duration = match number("duration_s")? {
            Some(d) => d,
            None => {
                let end = match (number("finished_at_s")?, get("end")) {
                    (Some(e), _) => e,
                    (None, Some(e)) => rfc3339(e).ok_or_else(|| {
                        located(
                            file,
                            line,
                            "end",
                            format!("{e:?} is not an RFC 3339 time"),
                            "write e.g. 2026-11-30T06:04:00Z",
                        )
                    })?,
                    _ => {
                        return Err(located(
                            file,
                            line,
                            "duration_s",
                            "no duration on this row",
                            "fill duration_s, or the start and end",
                        ));
                    }
                };
                let Some(s) = started else {
                    return Err(located(
                        file,
                        line,
                        "start",
                        "an end without a start",
                        "fill the start too",
                    ));
                };
                if end < s {
                    return Err(located(
                        file,
                        line,
                        "end",
                        format!("the end is {:.3} s before the start", s - end),
                        "check the two times",
                    ));
                }
                end - s
            }
        };
        if duration <= 0.0 {
            return Err(located(
                file,
                line,
                "duration_s",
                format!("a duration of {duration} s: durations are positive"),
                "drop the row, or fix its times",
            ));
        }
        let size = number("data_gib")?;
        if target.is_throughput() && size == Some(0.0) {
            return Err(located(
                file,
                line,
                "data_gib",
                format!("a {stage} of 0 GiB: a throughput fit needs the data moved"),
                "give the size in GiB, or leave data_gib empty to fit durations only",
            ));
        }
        out.observations.push(Observation {
            target,
            duration_s: duration,
            censored,
            size_gib: size,
            incremental: None,
            started: date,
            with_readiness,
            measured: None,
        });
    }
    Ok(())
}
