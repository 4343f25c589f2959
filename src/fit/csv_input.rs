//! The plain CSV of observations (docs/src/fit.md, "Calibrate from your own
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
pub(crate) struct Read {
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
pub(crate) fn read(file: &Path, text: &str, out: &mut Read) -> Result<(), FitError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = columns(file, &mut rdr)?;
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
        let row = Row {
            file,
            headers: &headers,
            rec: &rec,
            line: rec.position().map_or(0, |p| p.line() as usize),
        };
        if let Some(o) = row.observation(out)? {
            out.observations.push(o);
        }
    }
    Ok(())
}

/// The header row, with a `stage` column and a duration's.
fn columns(file: &Path, rdr: &mut csv::Reader<&[u8]>) -> Result<csv::StringRecord, FitError> {
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
    let col = |name: &str| headers.iter().any(|h| h == name);
    if !col("stage") {
        return Err(located(
            file,
            1,
            "stage",
            format!(
                "no `stage` column (the columns are {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
            "name the stage of each row in a `stage` column (docs/src/fit.md)",
        ));
    }
    let has_duration = col("duration_s")
        || (col("started_at_s") && col("finished_at_s"))
        || (col("start") && col("end"));
    if !has_duration {
        return Err(located(
            file,
            1,
            "duration_s",
            "no duration: give `duration_s`, or `started_at_s` and `finished_at_s`, or `start` and `end`",
            "add a duration column",
        ));
    }
    Ok(headers)
}

/// One record of the CSV, with where it is.
struct Row<'r> {
    file: &'r Path,
    headers: &'r csv::StringRecord,
    rec: &'r csv::StringRecord,
    line: usize,
}

impl Row<'_> {
    /// The value of column `name`, if the row fills it.
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.rec.get(i))
            .filter(|s| !s.is_empty())
    }

    fn wrong(&self, key: &str, reason: String, help: &str) -> FitError {
        located(self.file, self.line, key, reason, help)
    }

    /// Column `name` as a finite number, if filled.
    fn number(&self, name: &str) -> Result<Option<f64>, FitError> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    self.wrong(
                        name,
                        format!("{s:?} is not a number"),
                        "write seconds or GiB as a plain number",
                    )
                }),
        }
    }

    /// An RFC 3339 time of column `name`, if filled.
    fn time(&self, name: &str, example: &str) -> Result<Option<f64>, FitError> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => rfc3339(s).map(Some).ok_or_else(|| {
                self.wrong(
                    name,
                    format!("{s:?} is not an RFC 3339 time"),
                    &format!("write e.g. {example}"),
                )
            }),
        }
    }

    /// The row's observation; `None` for a row left out (said in `out`).
    fn observation(&self, out: &mut Read) -> Result<Option<Observation>, FitError> {
        let stage = self.get("stage").unwrap_or_default();
        let (from, to) = (
            self.get("from").or(self.get("item")),
            self.get("to").or(self.get("region")),
        );
        let target = target_of(stage, self.get("item"), from, to)
            .map_err(|why| self.wrong("stage", why, "use a stage name docs/src/fit.md lists"))?;
        let Some((target, with_readiness)) = target else {
            out.drop_row(&format!("{stage}: no latency of its own"));
            return Ok(None);
        };
        let Some(censored) = self.censored(stage, out)? else {
            return Ok(None);
        };
        // `start` is a calendar time; `started_at_s` (stages.csv) is simulated time.
        let date = self.time("start", "2026-11-30T06:00:12.345Z")?;
        let started = self.number("started_at_s")?.or(date);
        let duration = self.duration(started)?;
        let size = self.number("data_gib")?;
        if target.is_throughput() && size == Some(0.0) {
            return Err(self.wrong(
                "data_gib",
                format!("a {stage} of 0 GiB: a throughput fit needs the data moved"),
                "give the size in GiB, or leave data_gib empty to fit durations only",
            ));
        }
        Ok(Some(Observation {
            target,
            duration_s: duration,
            censored,
            size_gib: size,
            incremental: None,
            started: date,
            with_readiness,
            measured: None,
        }))
    }

    /// Whether the duration was cut short: `censored`, or (stages.csv) a
    /// failure a waiter or step time-out ended; `None` for any other
    /// failure, which is no duration (said in `out`).
    fn censored(&self, stage: &str, out: &mut Read) -> Result<Option<bool>, FitError> {
        let censored = match self.get("censored") {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(s) => {
                return Err(self.wrong(
                    "censored",
                    format!("{s:?} is not true or false"),
                    "write true for a duration that was cut short (a time-out)",
                ));
            }
        };
        match (self.get("outcome"), self.get("cause")) {
            (None | Some("succeeded"), _) => Ok(Some(censored)),
            (Some("failed"), Some("waiter_timeout" | "step_timeout")) => Ok(Some(true)),
            (Some(o), c) => {
                out.drop_row(&format!("{stage}: {o} ({})", c.unwrap_or("no cause")));
                Ok(None)
            }
        }
    }

    /// The duration: `duration_s`, or the end minus `started`; positive.
    fn duration(&self, started: Option<f64>) -> Result<f64, FitError> {
        let duration = match self.number("duration_s")? {
            Some(d) => d,
            None => {
                let end = match self.number("finished_at_s")? {
                    Some(e) => e,
                    None => self.time("end", "2026-11-30T06:04:00Z")?.ok_or_else(|| {
                        self.wrong(
                            "duration_s",
                            "no duration on this row".into(),
                            "fill duration_s, or the start and end",
                        )
                    })?,
                };
                let s = started.ok_or_else(|| {
                    self.wrong(
                        "start",
                        "an end without a start".into(),
                        "fill the start too",
                    )
                })?;
                if end < s {
                    return Err(self.wrong(
                        "end",
                        format!("the end is {:.3} s before the start", s - end),
                        "check the two times",
                    ));
                }
                end - s
            }
        };
        if duration <= 0.0 {
            return Err(self.wrong(
                "duration_s",
                format!("a duration of {duration} s: durations are positive"),
                "drop the row, or fix its times",
            ));
        }
        Ok(duration)
    }
}
