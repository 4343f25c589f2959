//! A checked scenario, ready to run, and the defaults of its top-level keys.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};

use super::assumed;
use super::slo::Slo;
use crate::engine::SimDuration;
use crate::pipeline::config::World;
use crate::scenario::error::ScenarioError;

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name; the default output directory is `results/<name>/`.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, recorded with every output.
    pub hash: String,
    /// Free text from the file.
    pub description: String,
    /// Calendar time of t = 0.
    pub start: DateTime<Utc>,
    /// Default master seed.
    pub seed: u64,
    /// Default number of replications.
    pub replications: u32,
    /// Whether the file gives `replications` (else a run without `-n`
    /// chooses the count by precision).
    pub replications_given: bool,
    /// Warnings: what runs but deserves a look (an unpriced instance type,
    /// a waiter shorter than a copy), and the rule violations simulated on
    /// purpose (`model_misconfigurations = true`).
    pub warnings: Vec<ScenarioError>,
    /// The assumed latencies that decide a pipeline's failures (also among
    /// the warnings), for the verdict.
    pub deciding_assumptions: Vec<assumed::DecidingAssumption>,
    /// The defaults that are assumptions rather than published figures,
    /// those this scenario uses, in words with their sources.
    pub assumptions: Vec<String>,
    /// How many of the warnings are rule violations simulated on purpose.
    pub simulated_violations: usize,
    /// Service-level objectives for the report.
    pub slo: Slo,
    /// What is simulated.
    pub world: World,
    /// What it costs (`[cost]`): the cost layer's input.
    pub prices: crate::cost::Prices,
}

impl Scenario {
    /// The world with its prices, as the cost ledger reads them.
    pub fn market(&self) -> crate::cost::Market<'_> {
        crate::cost::Market {
            world: &self.world,
            prices: &self.prices,
        }
    }
}

/// Default horizon when the file gives none.
pub const DEFAULT_HORIZON: SimDuration = SimDuration::from_hours(28 * 24);
/// Default master seed.
pub const DEFAULT_SEED: u64 = 1;
/// Most replications a run may ask for, in the file (`replications`) and
/// on the command line (`-n`).
pub const MAX_REPLICATIONS: u32 = 1_000_000;
/// Default replications.
pub const DEFAULT_REPLICATIONS: u32 = 10;
/// Default start: Monday 2026-01-05 00:00 UTC.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}
