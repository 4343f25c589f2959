//! One validator per kind of value: counts, probabilities, sizes, dollars,
//! durations and the laws of latencies; each pushes a located error through
//! [`Ctx`] and goes on.

use std::ops::Range;

use toml::Spanned;

use super::ctx::Ctx;
use crate::engine::SimDuration;
use crate::law::{Law, LawError, Throughput};
use crate::scenario::spec::{Dur, LawSpec, ThroughputSpec, parse_duration_cell};

/// What a size in GiB is of: its upper bound's reason differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SizeOf {
    /// An EBS volume (AWS's largest volume).
    Volume,
    /// A container image (amisim's own bound).
    ContainerImage,
}

impl Ctx<'_> {
    /// A whole number in `min..=max` (counts, attempts, quotas).
    pub(super) fn count(
        &mut self,
        v: &Spanned<i64>,
        path: &str,
        (min, max): (i64, i64),
        help: Option<&str>,
    ) -> Option<u32> {
        let n = *v.get_ref();
        if n < min || n > max {
            self.err(
                Some(v.span()),
                path,
                format!("must be between {min} and {max}, got {n}"),
                Some(help.unwrap_or(&format!("give a whole number from {min} to {max}"))),
            );
            None
        } else {
            u32::try_from(n).ok()
        }
    }

    /// A probability in 0..=1; `help` shows an example.
    pub(super) fn probability(&mut self, v: &Spanned<f64>, path: &str, help: &str) -> Option<f64> {
        let x = *v.get_ref();
        if (0.0..=1.0).contains(&x) {
            return Some(x);
        }
        self.err(
            Some(v.span()),
            path,
            format!("a probability must be between 0 and 1, got {x}"),
            Some(help),
        );
        None
    }

    /// A size in GiB, finite and not negative, of an EBS volume or of a
    /// container image (`of`); `key` names it in the message.
    pub(super) fn size_gib(
        &mut self,
        v: &Spanned<f64>,
        path: &str,
        (key, of): (&str, SizeOf),
    ) -> f64 {
        let val = *v.get_ref();
        let max = crate::aws::facts::MAX_VOLUME_GIB;
        if !val.is_finite() || val < 0.0 {
            self.err(
                Some(v.span()),
                path,
                format!("{key} must be a non-negative size in GiB, got {val}"),
                Some("sizes are in GiB, e.g. 30"),
            );
        } else if val > max {
            // A container image has no EBS volume: the bound is amisim's own there.
            let why = match of {
                SizeOf::ContainerImage => format!(
                    "{key} = {val} GiB: amisim takes container images of at most {max} GiB (its own bound: ECR publishes no image size limit amisim cites)"
                ),
                SizeOf::Volume => format!(
                    "{key} = {val} GiB: an EBS volume holds at most {max} GiB (64 TiB; docs/sources.md#ebs-volume-size)"
                ),
            };
            self.err(Some(v.span()), path, why, Some("sizes are in GiB, e.g. 30"));
        }
        val
    }

    /// An amount of US dollars, finite and not negative; `what` starts the
    /// message ("a price must be" or "must be"); at most [`crate::cost::MAX_USD`].
    pub(super) fn dollars(&mut self, v: &Spanned<f64>, path: &str, what: &str) -> Option<f64> {
        use crate::cost::MAX_USD as MAX;
        let x = *v.get_ref();
        let why = format!("{what} a number of dollars from 0 to {MAX:.0}, got {x}");
        let help = "prices are US dollars per unit, e.g. 0.05; no AWS price comes near the limit, which keeps every cost line within exact integer micro-dollars";
        if x.is_finite() && (0.0..=MAX).contains(&x) {
            return Some(x);
        }
        self.err(Some(v.span()), path, why, Some(help));
        None
    }

    /// A duration that must be longer than zero; `example` is shown in the hint.
    pub(super) fn positive_duration(
        &mut self,
        d: &Spanned<Dur>,
        path: &str,
        example: &str,
    ) -> Option<SimDuration> {
        if d.get_ref().0 == SimDuration::ZERO {
            let help = format!("e.g. {example}");
            self.err(
                Some(d.span()),
                path,
                "must be longer than zero",
                Some(&help),
            );
            None
        } else {
            Some(d.get_ref().0)
        }
    }

    /// A duration distribution (its CSV files read relative to the scenario).
    pub(super) fn dur_dist(&mut self, spec: &Spanned<LawSpec<Dur>>, path: &str) -> Option<Law> {
        match spec.get_ref().resolve(&self.base, parse_duration_cell) {
            Ok(d) => Some(d),
            Err(e) => {
                self.dist_err(spec.span(), path, e);
                None
            }
        }
    }

    /// A throughput model.
    pub(super) fn throughput(
        &mut self,
        spec: &Spanned<ThroughputSpec>,
        path: &str,
    ) -> Option<Throughput> {
        match spec.get_ref().resolve(&self.base) {
            Ok(t) => Some(t),
            Err(e) => {
                self.dist_err(spec.span(), path, e);
                None
            }
        }
    }

    fn dist_err(&mut self, span: Range<usize>, path: &str, e: LawError) {
        let help = match e {
            LawError::LognormalParams => {
                "write { kind = \"lognormal\", median = \"1m\", p95 = \"4m\" }"
            }
            LawError::EmpiricalSource => {
                "give `values = [\"5m\", \"7m\"]` or `csv = \"file.csv\"` (path relative to the scenario)"
            }
            LawError::Outside(_) => crate::scenario::OUTSIDE_HELP,
            LawError::Csv { .. } => {
                "the CSV needs a header row and one value per line in its first column"
            }
            _ => "see the distribution kinds in docs/src/scenario.md",
        };
        self.err(Some(span), path, e.to_string(), Some(help));
    }
}
