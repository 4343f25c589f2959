//! Costs: a ledger of priced line items from one replication's records.
//!
//! Pure: usage records in, line items out, money in integer micro-dollars.
//! What is charged (prices and sources in `aws::facts`, overridable in
//! `[cost]`):
//! - instances (builder, test, destination test) per second with a
//!   60-second minimum per start, from launch to stop (builder) or
//!   termination; migrations' instances are the user's and not charged;
//! - their EBS volumes (gp3) from launch to termination;
//! - snapshot storage of every image from creation to deletion (or the end
//!   of the run): a full image holds its full data, an incremental one its
//!   changed data, and when the oldest image of a chain is deleted the next
//!   one holds the full data from then on;
//! - inter-Region transfer of each copy's data, charged to the source
//!   Region and the image's owner (the copier pays the storage);
//! - customer managed keys per key-month, each replica counting;
//! - the per-GiB surcharge of time-based copies, by completion tier
//!   (`[cost] time_based_copy_usd_per_gib`).
//!
//! Image Builder itself is free. Not charged: KMS requests (20,000 a month
//! are free), public IPv4 addresses, T3 unlimited credits.

mod executions;
mod line;
mod months;
mod storage;

pub use line::{Category, CostLine, Item};
pub use months::{Months, months_in};

use crate::aws::directory::KeyId;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{Platform, RegionId, World};
use crate::pipeline::model::ReplicationResult;

/// The largest price or dollar amount a scenario may give: far above any
/// AWS price. A line that would pass `u64::MAX` micro-dollars saturates, and
/// sums of lines saturate too, so nothing wraps.
pub const MAX_USD: f64 = 1_000_000_000.0;

/// Prices for the cost ledger (`[cost]`), in US dollars: the cost layer's
/// own input, beside the model's `World`.
#[derive(Debug, Clone)]
pub struct Prices {
    /// Each pipeline's (builder, test) instance price per hour, `None` if
    /// unpriced: looked up once when the scenario is resolved.
    pub instances: Vec<(Option<f64>, Option<f64>)>,
    /// EBS gp3 volume, per GB-month.
    pub ebs_usd_per_gb_month: f64,
    /// EBS snapshot storage (standard tier), per GB-month.
    pub snapshot_usd_per_gb_month: f64,
    /// Inter-Region transfer per GB, by source Region.
    pub transfer_usd_per_gb: Vec<f64>,
    /// Inter-Region transfer per GB for specific (source, destination) pairs.
    pub transfer_pairs: Vec<(RegionId, RegionId, f64)>,
    /// Customer managed KMS key (and each replica), per month.
    pub kms_key_usd_per_month: f64,
    /// Snapshot storage in the archive tier, per GB-month of the full snapshot.
    pub snapshot_archive_usd_per_gb_month: f64,
    /// Time-based copies per GiB: `(longest completion, price)`, by duration.
    pub time_based_copy_usd_per_gib: Vec<(SimDuration, f64)>,
    /// Each Region's prices (the ones above unless `[cost.region."NAME"]`
    /// gives its own), by Region index.
    pub regional: Vec<RegionPrices>,
    /// Hours in a billing month.
    pub hours_per_month: f64,
    /// Minimum billed time per instance start.
    pub min_instance_billing: SimDuration,
}

/// One Region's prices, US dollars.
#[derive(Debug, Clone, Default)]
pub struct RegionPrices {
    /// On-demand price per instance hour, by instance type (Linux).
    pub instance_usd_per_hour: std::collections::BTreeMap<String, f64>,
    /// On-demand price per instance hour with a Windows licence included.
    pub windows_instance_usd_per_hour: std::collections::BTreeMap<String, f64>,
    /// EBS gp3 volume, per GB-month.
    pub ebs_usd_per_gb_month: f64,
    /// EBS snapshot storage (standard tier), per GB-month.
    pub snapshot_usd_per_gb_month: f64,
    /// Snapshot storage in the archive tier, per GB-month.
    pub snapshot_archive_usd_per_gb_month: f64,
    /// Customer managed KMS key (and each replica), per month.
    pub kms_key_usd_per_month: f64,
}

impl RegionPrices {
    /// The price per hour of an instance of type `t` running `platform`.
    pub fn instance(&self, platform: Platform, t: &str) -> Option<f64> {
        match platform {
            Platform::Linux => &self.instance_usd_per_hour,
            Platform::Windows => &self.windows_instance_usd_per_hour,
        }
        .get(t)
        .copied()
    }
}

impl Prices {
    /// The prices of Region `r`.
    pub fn at(&self, r: RegionId) -> &RegionPrices {
        &self.regional[r.index()]
    }
}

/// What pricing reads: the simulated world and its prices.
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    /// The model's input (Regions, directory, pipelines, horizon).
    pub world: &'a World,
    /// The prices.
    pub prices: &'a Prices,
}

fn micro(usd: f64) -> u64 {
    crate::engine::round_to_u64(usd * 1e6)
}

/// Billed hours of one instance start: per second, at least the minimum.
pub fn billed_hours(m: &Market<'_>, from: SimTime, to: SimTime) -> f64 {
    let ms = to
        .since(from)
        .as_millis()
        .max(m.prices.min_instance_billing.as_millis());
    // Per second: whole seconds, rounded up.
    ms.div_ceil(1000) as f64 / 3600.0
}

/// `usd` spent over the horizon, projected to a month at the same rate: the
/// one place a horizon becomes months.
pub fn per_month(m: &Market<'_>, usd: f64) -> f64 {
    let horizon_h = (m.world.horizon.as_millis() as f64 / 3_600_000.0).max(1e-9);
    usd * m.prices.hours_per_month / horizon_h
}

fn months(m: &Market<'_>, d: SimDuration) -> f64 {
    d.as_secs_f64() / 3600.0 / m.prices.hours_per_month
}

/// Transfer price per GB from `src` to `dst`.
pub fn transfer_price(m: &Market<'_>, src: RegionId, dst: RegionId) -> f64 {
    m.prices
        .transfer_pairs
        .iter()
        .find(|(a, b, _)| (*a == src && *b == dst) || (*a == dst && *b == src))
        .map_or(m.prices.transfer_usd_per_gb[src.index()], |p| p.2)
}

/// Prices one replication.
pub fn ledger(m: &Market<'_>, rep: &ReplicationResult) -> Vec<CostLine> {
    let mut l = Ledger::default();
    l.price(m, rep);
    l.lines
}

/// A replication's cost lines, with buffers reused from one replication to
/// the next.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The lines of the last replication priced.
    pub lines: Vec<CostLine>,
    /// The same replication's cost month by month.
    pub months: Months,
    /// Images ordered by chain `(pipeline, account, Region)`, then index,
    /// packed as in `add_storage`.
    chains: storage::Chains,
    /// An execution's destination test terminations: `((Region, account,
    /// item), record order, end)`, sorted.
    dest_ends: Vec<(u64, u32, SimTime)>,
}

impl Ledger {
    /// Prices `rep` into [`Ledger::lines`], replacing what they held.
    pub fn price(&mut self, m: &Market<'_>, rep: &ReplicationResult) {
        self.price_each(m, rep, true, &mut |_| {});
    }

    /// Prices `rep`, handing each line to `sink` as it is priced, and
    /// keeping them in [`Ledger::lines`] only if `keep` (they are written
    /// as rows): the same lines in the same order either way.
    pub fn price_each(
        &mut self,
        m: &Market<'_>,
        rep: &ReplicationResult,
        keep: bool,
        sink: &mut dyn FnMut(&CostLine),
    ) {
        self.lines.clear();
        self.months
            .reset(month(m), m.world.horizon, m.world.regions.len());
        let book = &mut Book {
            lines: &mut self.lines,
            months: &mut self.months,
            keep,
            sink,
        };
        executions::price_executions(m, rep, &mut self.dest_ends, book);
        storage::add_storage(m, rep, &mut self.chains, book);
        add_keys(m, book);
    }
}

/// Where priced lines go: the sink, the list (if kept), and the month by
/// month bill.
struct Book<'a> {
    lines: &'a mut Vec<CostLine>,
    months: &'a mut Months,
    keep: bool,
    sink: &'a mut dyn FnMut(&CostLine),
}

impl Book<'_> {
    /// Adds `line`, its charge spread over `[from, to]` (a point if equal).
    fn push(&mut self, line: CostLine, from: SimTime, to: SimTime) {
        self.months
            .spread(line.category, line.region, line.usd_micro, from, to);
        self.line(line);
    }

    /// Adds `line`, whose charge the caller spread over the months itself.
    fn line(&mut self, line: CostLine) {
        (self.sink)(&line);
        if self.keep {
            self.lines.push(line);
        }
    }
}

/// A billing month's length.
pub fn month(m: &Market<'_>) -> SimDuration {
    SimDuration::from_secs_f64(m.prices.hours_per_month * 3600.0)
}

/// Keys: each key and replica, for the whole horizon.
fn add_keys(m: &Market<'_>, book: &mut Book<'_>) {
    let key_months = months(m, SimDuration(m.world.horizon.as_millis()));
    for (ki, k) in m.world.directory.keys.iter().enumerate() {
        for region in std::iter::once(k.region).chain(k.replicas.iter().copied()) {
            let line = CostLine {
                exec: None,
                category: Category::Kms,
                item: Item::Key(KeyId::from_index(ki)),
                region,
                account: k.owner,
                quantity: key_months,
                usd_micro: micro(key_months * m.prices.at(region).kms_key_usd_per_month),
            };
            book.push(line, SimTime::ZERO, m.world.horizon);
        }
    }
}

/// The per-GiB price of a time-based copy that took `d`: the tier of the
/// shortest completion at least `d`, the longest tier beyond them all.
pub fn time_based_price(m: &Market<'_>, d: SimDuration) -> f64 {
    let tiers = &m.prices.time_based_copy_usd_per_gib;
    tiers
        .iter()
        .find(|(up_to, _)| d <= *up_to)
        .or(tiers.last())
        .map_or(0.0, |x| x.1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::pipeline::model::{Outcome, Stage, run_replication};

    const SCENARIO: &str = r#"
horizon = "10d"
[[region]]
name = "us-east-1"
[[region]]
name = "us-east-2"
[[region]]
name = "sa-east-1"
[[pipeline]]
name = "p"
region = "us-east-1"
destinations = ["us-east-2", "sa-east-1"]
[[pipeline.volume]]
size_gib = 30
data_gib = 8
[[pipeline.component]]
name = "c"
duration = "10m"
[pipeline.schedule]
interval = "2d"
start_condition = "always"
"#;

    fn scenario() -> crate::scenario::Scenario {
        crate::scenario::from_str(Path::new("cost.toml"), SCENARIO)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn instance_time_is_billed_by_the_second_with_the_minimum() {
        let scn = scenario();
        let m = &scn.market();
        let at = |s: u64| SimTime(s * 1000);
        assert_eq!(
            billed_hours(m, at(0), at(10)),
            60.0 / 3600.0,
            "the 60-s minimum"
        );
        assert_eq!(
            billed_hours(m, at(0), SimTime(90_001)),
            91.0 / 3600.0,
            "seconds round up"
        );
    }

    #[test]
    fn a_month_is_the_horizon_scaled_and_pairs_have_their_own_price() {
        let scn = scenario();
        let m = &scn.market();
        // 10 days = 240 h; a month is 730 h.
        assert!((per_month(m, 24.0) - 24.0 * 730.0 / 240.0).abs() < 1e-12);
        let (use1, use2, sae1) = (
            RegionId::from_index(0),
            RegionId::from_index(1),
            RegionId::from_index(2),
        );
        let pair = crate::aws::facts::TRANSFER_US_EAST_PAIR_USD_PER_GB;
        assert_eq!(transfer_price(m, use1, use2), pair);
        assert_eq!(transfer_price(m, use2, use1), pair, "either direction");
        assert_eq!(
            transfer_price(m, sae1, use1),
            crate::aws::facts::TRANSFER_EXPENSIVE_USD_PER_GB
        );
    }

    #[test]
    fn a_reused_ledger_prices_as_a_fresh_one_and_charges_each_copy_to_its_source() {
        let scn = scenario();
        let (w, m) = (&scn.world, &scn.market());
        let reps: Vec<ReplicationResult> = (0..3).map(|i| run_replication(w, 7, i)).collect();
        let mut reused = Ledger::default();
        for r in reps.iter().rev() {
            reused.price(m, r);
            assert_eq!(reused.lines, ledger(m, r));
        }
        let r = &reps[0];
        let lines = ledger(m, r);
        let transfers: Vec<&CostLine> = lines
            .iter()
            .filter(|l| l.category == Category::Transfer)
            .collect();
        let copies = r
            .stages
            .iter()
            .filter(|s| s.stage == Stage::Copy && s.outcome == Outcome::Succeeded)
            .count();
        assert!(copies > 0);
        assert_eq!(transfers.len(), copies, "one transfer line per copy");
        assert!(
            transfers
                .iter()
                .all(|l| l.region == RegionId::from_index(0)),
            "charged to the source"
        );
    }

    #[test]
    fn time_based_copies_are_priced_by_the_tier_of_their_duration() {
        let scn = scenario();
        let m = &scn.market();
        let min = |x: u64| SimDuration::from_mins(x);
        let ms = SimDuration::from_millis(1);
        let cases = [
            (min(15), 0.020),
            (SimDuration(min(15).as_millis() + ms.as_millis()), 0.018),
            (min(45), 0.018),
            (min(60), 0.016),
            (min(105), 0.016),
            (min(120), 0.014),
            (min(225), 0.014),
            (min(240), 0.012),
            (min(465), 0.012),
            (min(480), 0.010),
            (min(945), 0.010),
            (min(960), 0.005),
            (min(2880), 0.005),
            (min(4000), 0.005),
        ];
        for (d, usd) in cases {
            assert_eq!(time_based_price(m, d), usd, "{d:?}");
        }
    }

    #[test]
    fn storage_runs_to_the_horizon_and_a_late_pipeline_changes_no_other_bill() {
        let late = format!(
            "{SCENARIO}\n[[pipeline]]\nname = \"late\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 30\ndata_gib = 8\n[[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n[pipeline.schedule]\ncron = \"cron(0 12 14 1 ? *)\"\nstart_condition = \"always\"\n"
        );
        let (a, b) = (
            scenario(),
            crate::scenario::from_str(Path::new("late.toml"), &late)
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let storage = |scn: &crate::scenario::Scenario| {
            let rep = run_replication(&scn.world, 3, 0);
            let lines = ledger(&scn.market(), &rep);
            let own: Vec<CostLine> = lines
                .into_iter()
                .filter(|l| l.category == Category::SnapshotStorage)
                .filter(|l| l.exec.is_some_and(|e| rep.runs[e.index()].pipeline == 0))
                .collect();
            (rep, own)
        };
        let ((rep, lines), (rep_b, lines_b)) = (storage(&a), storage(&b));
        assert!(
            rep_b.runs.iter().any(|r| r.pipeline == 1),
            "the late pipeline ran"
        );
        assert_eq!(lines, lines_b, "pipeline 0's storage does not move");
        // Each image (full, never deleted here) is billed from when it became
        // available to the horizon.
        let horizon = a.world.horizon;
        let want: f64 = rep
            .images
            .iter()
            .map(|img| img.stored_gib * horizon.since(img.available).as_secs_f64() / 3600.0 / 730.0)
            .sum();
        let got: f64 = lines.iter().map(|l| l.quantity).sum();
        assert_eq!(lines.len(), rep.images.len());
        assert!(lines.iter().all(|l| l.quantity > 0.0));
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }
}
