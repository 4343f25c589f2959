//! The scenario-file form of a distribution.
//!
//! A distribution is written either as a bare value (a constant), or as an
//! inline table with a `kind`:
//!
//! ```toml
//! launch   = "25s"                                            # fixed
//! stop     = { kind = "lognormal", median = "1m", p95 = "4m" }
//! rate     = { kind = "uniform", min = 40, max = 120 }        # MiB/s
//! observed = { kind = "empirical", csv = "data/copies.csv" }
//! ```
//!
//! Latency parameters are durations written as strings with a unit
//! ([`Dur`]); throughput parameters are plain numbers in MiB/s. `mu` and
//! `sigma` of a lognormal are in natural-log units of seconds (or of MiB/s).

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::engine::SimDuration;
use crate::law::{Law, LawError, Throughput};

/// A duration in a scenario file: a string such as `"90s"` or `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur(pub SimDuration);

impl Dur {
    /// Seconds, as distributions use them.
    pub fn secs(self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"90s\", \"15m\" or \"2h\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                SimDuration::parse(v)
                    .map(Dur)
                    .map_err(|e| E::custom(format!("{e}; {}", e.help())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                Err(E::custom(format!(
                    "a duration needs a unit: write \"{v}s\" or \"{v}m\", not {v}"
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
                Err(E::custom(format!(
                    "a duration needs a unit: write \"{v}s\" or \"{v}m\", not {v}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

// The strings `SimDuration::parse` takes.
impl schemars::JsonSchema for Dur {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^\s*(([0-9]+\.?[0-9]*|\.[0-9]+)(ms|s|m|h|d|w))+\s*$",
            "description": "a duration with its unit (ms, s, m, h, d, w): \"90s\", \"15m\", \"1h30m\", \"2.5h\", \"28d\""
        })
    }
}

/// A TOML date-time in the schema (editors check it as RFC 3339).
pub(crate) struct TomlDatetime;

impl schemars::JsonSchema for TomlDatetime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DateTime".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

// In a form `SimDuration::parse` reads back: units ("1h30m") for whole
// seconds, decimal seconds ("75.597s") for a fitted value's milliseconds.
impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            s.collect_str(&self.0)
        } else {
            let text = format!("{}.{:03}", ms / 1000, ms % 1000);
            s.collect_str(&format_args!("{}s", text.trim_end_matches('0')))
        }
    }
}

/// A value a distribution can be parameterised by: durations (seconds) or numbers.
pub(crate) trait Param: Copy {
    /// The parameter as a plain number in the distribution's unit.
    fn value(self) -> f64;
}
impl Param for Dur {
    fn value(self) -> f64 {
        self.secs()
    }
}
impl Param for f64 {
    fn value(self) -> f64 {
        self
    }
}

/// The tagged table form.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DistTable<P> {
    /// `{ kind = "fixed", value = V }`
    Fixed {
        /// The value.
        value: P,
    },
    /// `{ kind = "uniform", min = A, max = B }`
    Uniform {
        /// Lower bound.
        min: P,
        /// Upper bound.
        max: P,
    },
    /// `{ kind = "normal", mean = M, sd = S }`, truncated at zero.
    Normal {
        /// Mean before truncation.
        mean: P,
        /// Standard deviation before truncation.
        sd: P,
    },
    /// `{ kind = "lognormal", median = M, p95 = Q }` or `{ kind = "lognormal", mu = m, sigma = s }`.
    Lognormal {
        /// Median.
        median: Option<P>,
        /// 95th percentile.
        p95: Option<P>,
        /// Mean of ln X (ln seconds, or ln MiB/s).
        mu: Option<f64>,
        /// Standard deviation of ln X.
        sigma: Option<f64>,
    },
    /// `{ kind = "exponential", mean = M }`
    Exponential {
        /// Mean.
        mean: P,
    },
    /// `{ kind = "gamma", shape = k, scale = θ }`
    Gamma {
        /// Shape k (a plain number).
        shape: f64,
        /// Scale θ.
        scale: P,
    },
    /// `{ kind = "weibull", shape = k, scale = λ }`
    Weibull {
        /// Shape k (a plain number).
        shape: f64,
        /// Scale λ.
        scale: P,
    },
    /// `{ kind = "triangular", min = A, mode = C, max = B }`
    Triangular {
        /// Lower bound.
        min: P,
        /// Most likely value.
        mode: P,
        /// Upper bound.
        max: P,
    },
    /// `{ kind = "empirical", values = [..] }` or `{ kind = "empirical", csv = "file.csv" }`.
    Empirical {
        /// Observed values.
        values: Option<Vec<P>>,
        /// A CSV file (relative to the scenario file) whose first column holds the values.
        csv: Option<String>,
    },
}

/// A distribution as written in a scenario file: a bare value or a table.
#[derive(Debug, Clone)]
pub(crate) enum LawSpec<P> {
    /// A bare value: a constant.
    Constant(P),
    /// A table with a `kind`.
    Table(DistTable<P>),
}

// A bare value or a table with a `kind`.
impl<P: schemars::JsonSchema> schemars::JsonSchema for LawSpec<P> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Law_{}", P::schema_name()).into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let (bare, table) = (g.subschema_for::<P>(), g.subschema_for::<DistTable<P>>());
        schemars::json_schema!({ "anyOf": [bare, table] })
    }
}

// A bare value or its table, as read.
impl<P: Serialize> Serialize for LawSpec<P> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LawSpec::Constant(v) => v.serialize(s),
            LawSpec::Table(t) => t.serialize(s),
        }
    }
}

impl<'de, P: Deserialize<'de>> Deserialize<'de> for LawSpec<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<P>(PhantomData<P>);
        impl<'de, P: Deserialize<'de>> Visitor<'de> for V<P> {
            type Value = LawSpec<P>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value, or a table such as { kind = \"lognormal\", median = \"1m\", p95 = \"4m\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                P::deserialize(v.into_deserializer()).map(LawSpec::Constant)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                P::deserialize(v.into_deserializer()).map(LawSpec::Constant)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                P::deserialize(v.into_deserializer()).map(LawSpec::Constant)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                P::deserialize(v.into_deserializer()).map(LawSpec::Constant)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                DistTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(LawSpec::Table)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<P: Param> LawSpec<P> {
    /// Checks the parameters and builds the distribution. `parse_value`
    /// reads one CSV cell; `base` is the directory CSV paths are relative to.
    pub(crate) fn resolve(
        &self,
        base: &super::Files,
        parse_value: fn(&str) -> Option<f64>,
    ) -> Result<Law, LawError> {
        let t = match self {
            LawSpec::Constant(v) => return Law::fixed(v.value()),
            LawSpec::Table(t) => t,
        };
        match t {
            DistTable::Fixed { value } => Law::fixed(value.value()),
            DistTable::Uniform { min, max } => Law::uniform(min.value(), max.value()),
            DistTable::Normal { mean, sd } => Law::normal(mean.value(), sd.value()),
            DistTable::Lognormal {
                median,
                p95,
                mu,
                sigma,
            } => match (median, p95, mu, sigma) {
                (Some(m), Some(q), None, None) => {
                    Law::lognormal_from_quantiles(m.value(), q.value())
                }
                (None, None, Some(mu), Some(s)) => Law::lognormal(*mu, *s),
                _ => Err(LawError::LognormalParams),
            },
            DistTable::Exponential { mean } => Law::exponential(mean.value()),
            DistTable::Gamma { shape, scale } => Law::gamma(*shape, scale.value()),
            DistTable::Weibull { shape, scale } => Law::weibull(*shape, scale.value()),
            DistTable::Triangular { min, mode, max } => {
                Law::triangular(min.value(), mode.value(), max.value())
            }
            DistTable::Empirical { values, csv } => match (values, csv) {
                (Some(v), None) => Law::empirical(v.iter().map(|p| p.value()).collect()),
                (None, Some(file)) => {
                    let path = base.inside(file).map_err(LawError::Outside)?;
                    Law::empirical(read_csv_column(&path, parse_value)?)
                }
                _ => Err(LawError::EmpiricalSource),
            },
        }
    }
}

/// Reads the first column of a CSV file with a header row.
fn read_csv_column(
    path: &Path,
    parse_value: fn(&str) -> Option<f64>,
) -> Result<Vec<f64>, LawError> {
    let csv_err = |reason: String| LawError::Csv {
        path: path.display().to_string(),
        reason,
    };
    // An empirical CSV: a regular file of at most 256 MiB.
    let text = super::read_input(path, 256 << 20).map_err(|e| csv_err(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_err(e.to_string()))?;
        let cell = record.get(0).unwrap_or("").trim();
        let v = parse_value(cell)
            .ok_or_else(|| csv_err(format!("line {}: cannot read {cell:?} as a value", i + 2)))?;
        out.push(v);
    }
    Ok(out)
}

/// Reads a CSV cell as a duration in seconds: `"754s"`, `"12m34s"`, or a plain number of seconds.
pub(crate) fn parse_duration_cell(cell: &str) -> Option<f64> {
    match SimDuration::parse(cell) {
        Ok(d) => Some(d.as_secs_f64()),
        Err(_) => cell
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0),
    }
}

/// Reads a CSV cell as a plain non-negative number.
pub(crate) fn parse_number_cell(cell: &str) -> Option<f64> {
    cell.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// A size-driven stage as written: `{ overhead = <latency>, throughput_mib_s = <rate> }`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThroughputSpec {
    /// Fixed cost per operation.
    pub overhead: LawSpec<Dur>,
    /// Data rate in MiB/s.
    pub throughput_mib_s: LawSpec<f64>,
}

impl ThroughputSpec {
    /// Builds the sampler.
    pub(crate) fn resolve(&self, base: &super::Files) -> Result<Throughput, LawError> {
        Ok(Throughput {
            overhead: self.overhead.resolve(base, parse_duration_cell)?,
            rate_mib_s: self.throughput_mib_s.resolve(base, parse_number_cell)?,
        })
    }
}
