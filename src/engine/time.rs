//! Simulated time: integer milliseconds, never floats.
//!
//! [`SimTime`] is an instant (milliseconds since the scenario's start) and
//! [`SimDuration`] a span. Both are `u64`, so a negative duration cannot even
//! be represented; human forms such as `90s`, `15m`, `2h` or `7d` exist only
//! at the edges ([`SimDuration::parse`] and `Display`).

use std::fmt;

/// An instant of simulated time, in milliseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

/// An instant that may be absent, in 8 bytes where `Option<SimTime>` takes
/// 16: [`SimTime::MAX`] ("never") stands for none. For records kept by the
/// hundred thousand (an image's lifecycle times).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptTime(SimTime);

impl OptTime {
    /// No instant.
    pub const NONE: OptTime = OptTime(SimTime::MAX);

    /// The instant, if there is one.
    pub fn get(self) -> Option<SimTime> {
        (self != OptTime::NONE).then_some(self.0)
    }

    /// Whether there is an instant.
    pub fn is_some(self) -> bool {
        self != OptTime::NONE
    }

    /// Whether there is none.
    pub fn is_none(self) -> bool {
        self == OptTime::NONE
    }
}

impl Default for OptTime {
    fn default() -> Self {
        OptTime::NONE
    }
}

impl From<Option<SimTime>> for OptTime {
    /// `Some(SimTime::MAX)`, never, reads back as none.
    fn from(t: Option<SimTime>) -> Self {
        t.map_or(OptTime::NONE, OptTime)
    }
}

impl fmt::Debug for OptTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl PartialEq<Option<SimTime>> for OptTime {
    fn eq(&self, other: &Option<SimTime>) -> bool {
        self.get() == *other
    }
}

impl SimTime {
    /// The start of every simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Milliseconds since the start.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the start, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// `self + d`, or `None` on overflow.
    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }

    /// `self + d`, saturating at [`SimTime::MAX`].
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// The span from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms)
    }

    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1000)
    }

    /// A span of `m` minutes.
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * 60_000)
    }

    /// A span of `h` hours.
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h * 3_600_000)
    }

    /// Rounds a non-negative number of seconds to the nearest millisecond;
    /// negative, NaN and infinite inputs map to zero and `u64::MAX` ms.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            SimDuration(0)
        } else {
            SimDuration(round_to_u64(s * 1000.0))
        }
    }

    /// Milliseconds in this span.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// The two spans together, at most `u64::MAX` ms.
    pub fn saturating_add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }

    /// What is left of this span after `d`, at least zero.
    pub fn saturating_sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }

    /// Seconds in this span, for reports and distribution maths.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Parses a human duration: one or more `<number><unit>` parts, with
    /// units `ms`, `s`, `m`, `h`, `d`, `w`, e.g. `90s`, `15m`, `1h30m`,
    /// `2.5h`, `7d`. The number may have a fraction; the total is rounded to
    /// the millisecond. A sign, a bare number or any other unit is refused.
    // Hand-written, not humantime: that crate accepts "5 minutes" and other
    // forms the scenario format refuses, and parses to nanoseconds, not ms.
    pub fn parse(text: &str) -> Result<SimDuration, DurationParseError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(DurationParseError::Empty);
        }
        if s.starts_with('-') {
            return Err(DurationParseError::Negative(text.to_string()));
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total_ms: f64 = 0.0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if start == i {
                return Err(DurationParseError::Malformed(text.to_string()));
            }
            let number: f64 = s[start..i]
                .parse()
                .map_err(|_| DurationParseError::Malformed(text.to_string()))?;
            let ustart = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit_ms = match &s[ustart..i] {
                "ms" => 1.0,
                "s" => 1_000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                "d" => 86_400_000.0,
                "w" => 604_800_000.0,
                "" if i == bytes.len() => {
                    return Err(DurationParseError::MissingUnit(text.to_string()));
                }
                _ => return Err(DurationParseError::Malformed(text.to_string())),
            };
            total_ms += number * unit_ms;
        }
        if total_ms >= u64::MAX as f64 {
            return Err(DurationParseError::TooLong(text.to_string()));
        }
        Ok(SimDuration(total_ms.round() as u64))
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationParseError {
    /// The string was empty.
    #[error("empty duration")]
    Empty,
    /// The string started with a minus sign.
    #[error("duration {0:?} is negative; durations cannot be negative")]
    Negative(String),
    /// A number had no unit after it.
    #[error("duration {0:?} has no unit")]
    MissingUnit(String),
    /// The string is not `<number><unit>` parts.
    #[error("duration {0:?} is not of the form <number><unit>")]
    Malformed(String),
    /// The total does not fit in u64 milliseconds.
    #[error("duration {0:?} is too long")]
    TooLong(String),
}

impl DurationParseError {
    /// The fix to suggest to the user.
    pub fn help(&self) -> &'static str {
        "write a number followed by a unit (ms, s, m, h, d, w), e.g. \"90s\", \"15m\", \"1h30m\", \"7d\""
    }
}

fn fmt_ms(ms: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const UNITS: [(u64, &str); 5] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ];
    if ms == 0 {
        return f.write_str("0s");
    }
    let mut rest = ms;
    for (unit, name) in UNITS {
        if rest >= unit {
            write!(f, "{}{}", rest / unit, name)?;
            rest %= unit;
        }
    }
    Ok(())
}

impl fmt::Display for SimDuration {
    /// Writes the span in the same form [`SimDuration::parse`] accepts, e.g. `1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}

impl fmt::Display for SimTime {
    /// Writes the instant as `t+<duration>`, e.g. `t+2d6h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("t+")?;
        fmt_ms(self.0, f)
    }
}

/// `x.round().max(0.0) as u64` (half away from zero, saturating; NaN is 0)
/// without calling `round`, which baseline x86-64 has no instruction for:
/// truncation is one instruction and `x - trunc(x)` is exact below 2^52,
/// above which every `f64` is an integer already.
pub fn round_to_u64(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    if x >= 4_503_599_627_370_496.0 {
        return x as u64; // an integer; saturates at u64::MAX
    }
    let t = x as u64;
    t + u64::from(x - t as f64 >= 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_time_is_eight_bytes_and_reads_back_as_it_was_given() {
        assert_eq!(std::mem::size_of::<OptTime>(), 8);
        assert_eq!(std::mem::size_of::<Option<SimTime>>(), 16);
        let t = OptTime::from(Some(SimTime(5)));
        assert_eq!((t.get(), t.is_some()), (Some(SimTime(5)), true));
        assert_eq!(OptTime::default(), None);
        assert_eq!(
            OptTime::from(Some(SimTime::MAX)).get(),
            None,
            "never is none"
        );
        assert_eq!(format!("{t:?}"), "Some(SimTime(5))");
    }

    #[test]
    fn round_to_u64_is_round() {
        let reference = |x: f64| x.round().max(0.0) as u64;
        let mut xs = vec![
            0.0,
            -0.0,
            -0.5,
            -3.7,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.3e18,
            1.9e19,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        // Halves, their neighbours, and values across many magnitudes.
        for k in 0..2000u64 {
            let h = k as f64 + 0.5;
            xs.extend([h, h.next_down(), h.next_up()]);
            xs.push((k as f64 * 0.618_034).exp() * 1e-3);
        }
        for x in xs {
            assert_eq!(round_to_u64(x), reference(x), "{x:e}");
        }
    }

    #[test]
    fn human_durations_parse_to_milliseconds() {
        assert_eq!(SimDuration::parse("90s").unwrap(), SimDuration(90_000));
        assert_eq!(SimDuration::parse("15m").unwrap(), SimDuration(900_000));
        assert_eq!(SimDuration::parse("2h").unwrap(), SimDuration(7_200_000));
        assert_eq!(SimDuration::parse("7d").unwrap(), SimDuration(604_800_000));
        assert_eq!(SimDuration::parse("1h30m").unwrap(), SimDuration(5_400_000));
        assert_eq!(SimDuration::parse("2.5s").unwrap(), SimDuration(2_500));
        assert_eq!(SimDuration::parse("250ms").unwrap(), SimDuration(250));
    }

    #[test]
    fn bad_durations_are_refused_with_a_reason() {
        assert!(matches!(
            SimDuration::parse("-5m"),
            Err(DurationParseError::Negative(_))
        ));
        assert!(matches!(
            SimDuration::parse("5"),
            Err(DurationParseError::MissingUnit(_))
        ));
        assert!(matches!(
            SimDuration::parse("5 minutes"),
            Err(DurationParseError::Malformed(_))
        ));
        assert!(matches!(
            SimDuration::parse(""),
            Err(DurationParseError::Empty)
        ));
        assert!(SimDuration::parse("5x").is_err());
    }

    #[test]
    fn display_round_trips_through_parse() {
        for ms in [0, 1, 999, 1000, 61_001, 5_400_000, 694_861_001] {
            let d = SimDuration(ms);
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d, "{d}");
        }
    }
}
