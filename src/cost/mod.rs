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

mod line;

pub use line::{Category, CostLine, Item};

use crate::aws::directory::KeyId;
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{RegionId, World};
use crate::pipeline::model::{ExecId, Outcome, RecordId, ReplicationResult, Stage};

/// Prices for the cost ledger (`[cost]`), in US dollars: the cost layer's
/// own input, beside the model's `World`.
#[derive(Debug, Clone)]
pub struct Prices {
    /// On-demand price per instance hour, by instance type.
    pub instance_usd_per_hour: std::collections::BTreeMap<String, f64>,
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
    /// Hours in a billing month.
    pub hours_per_month: f64,
    /// Minimum billed time per instance start.
    pub min_instance_billing: SimDuration,
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
    l.price(m, rep, &crate::pipeline::analysis::records_by_exec(rep));
    l.lines
}

/// A replication's cost lines, with buffers reused from one replication to
/// the next.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The lines of the last replication priced.
    pub lines: Vec<CostLine>,
    /// Images ordered by chain `(pipeline, account, Region)`, then index,
    /// packed as in `add_storage`.
    chains: Vec<u128>,
    /// An execution's destination test terminations: `((Region, account,
    /// item), record order, end)`, sorted.
    dest_ends: Vec<(u64, u32, SimTime)>,
}

impl Ledger {
    /// Prices `rep` (its records grouped by execution in `by_exec`) into
    /// [`Ledger::lines`], replacing what they held.
    pub fn price(
        &mut self,
        m: &Market<'_>,
        rep: &ReplicationResult,
        by_exec: &crate::pipeline::analysis::ExecRecords,
    ) {
        self.lines.clear();
        price_executions(m, rep, by_exec, &mut self.dest_ends, &mut self.lines);
        add_storage(m, rep, &mut self.chains, &mut self.lines);
        add_keys(m, rep, &mut self.lines);
    }
}

fn price_executions(
    m: &Market<'_>,
    rep: &ReplicationResult,
    by_exec: &crate::pipeline::analysis::ExecRecords,
    dest_ends: &mut Vec<(u64, u32, SimTime)>,
    out: &mut Vec<CostLine>,
) {
    let prices = m.prices;
    let dest_key = |r: &crate::pipeline::model::StageRecord| {
        (r.region.index() as u64) << 32 | (r.account.index() as u64) << 16 | r.item as u64
    };
    for (ei, idx) in by_exec.iter().enumerate() {
        let run = &rep.runs[ei];
        let p = &m.world.pipelines[run.pipeline as usize];
        if !p.kind.is_build() {
            // A migration moves the user's own instance: nothing to bill here but transfer.
            add_transfers(m, rep, ei, idx, out);
            continue;
        }
        let recs = || idx.iter().map(|i| &rep.stages[i.index()]);
        // One pass: the last succeeded launch and stop, the first terminations.
        let (mut launch_b, mut stop_b, mut term_b) = (None, None, None);
        let (mut launch_t, mut term_t) = (None, None);
        dest_ends.clear();
        for (order, r) in recs().enumerate() {
            let ok = r.outcome == Outcome::Succeeded;
            match r.stage {
                Stage::LaunchBuilder if ok => launch_b = Some(r),
                Stage::StopBuilder if ok => stop_b = Some(r),
                Stage::TerminateBuilder if term_b.is_none() => term_b = Some(r),
                Stage::LaunchTest if ok => launch_t = Some(r),
                Stage::TerminateTest if term_t.is_none() => term_t = Some(r),
                Stage::TerminateDestinationTest => {
                    dest_ends.push((dest_key(r), order as u32, r.finished))
                }
                _ => {}
            }
        }
        dest_ends.sort_unstable();
        let vol_gib: f64 = p.volumes.iter().map(|v| v.size_gib).sum();
        let instance = |item: Item,
                        price: Option<f64>,
                        region,
                        account,
                        start: SimTime,
                        compute_end: SimTime,
                        ebs_end: SimTime,
                        out: &mut Vec<CostLine>| {
            let hours = billed_hours(m, start, compute_end);
            if let Some(price) = price {
                out.push(CostLine {
                    exec: Some(ExecId::from_index(ei)),
                    category: Category::Instance,
                    item,
                    region,
                    account,
                    quantity: hours,
                    usd_micro: micro(hours * price),
                });
            }
            let gb_months = vol_gib * months(m, ebs_end.since(start));
            out.push(CostLine {
                exec: Some(ExecId::from_index(ei)),
                category: Category::Ebs,
                item,
                region,
                account,
                quantity: gb_months,
                usd_micro: micro(gb_months * prices.ebs_usd_per_gb_month),
            });
        };
        // Builder: compute until stopped, volumes until terminated.
        if let Some(launch) = launch_b {
            let stop = stop_b.map(|r| r.finished);
            let end = term_b.map_or(run.finished, |r| r.finished);
            instance(
                Item::Builder,
                m.prices.instances[usize::from(run.pipeline)].0,
                p.region,
                p.owner,
                launch.started,
                stop.unwrap_or(end),
                end,
                out,
            );
        }
        if let Some(launch) = launch_t {
            let end = term_t.map_or(run.finished, |r| r.finished);
            instance(
                Item::Test,
                m.prices.instances[usize::from(run.pipeline)].1,
                p.region,
                p.owner,
                launch.started,
                end,
                end,
                out,
            );
        }
        for l in recs()
            .filter(|r| r.stage == Stage::LaunchDestinationTest && r.outcome == Outcome::Succeeded)
        {
            // The first termination of the same Region, account and item.
            let key = dest_key(l);
            let end = dest_ends
                .get(dest_ends.partition_point(|e| e.0 < key))
                .filter(|e| e.0 == key)
                .map_or(l.finished, |e| e.2);
            instance(
                Item::DestinationTest,
                m.prices.instances[usize::from(run.pipeline)].1,
                l.region,
                l.account,
                l.started,
                end,
                end,
                out,
            );
        }
        add_transfers(m, rep, ei, idx, out);
    }
}

/// Keys: each key and replica, for the replication's length.
fn add_keys(m: &Market<'_>, rep: &ReplicationResult, out: &mut Vec<CostLine>) {
    let key_months = months(m, SimDuration(rep.end.as_millis()));
    for (ki, k) in m.world.directory.keys.iter().enumerate() {
        for region in std::iter::once(k.region).chain(k.replicas.iter().copied()) {
            out.push(CostLine {
                exec: None,
                category: Category::Kms,
                item: Item::Key(KeyId::from_index(ki)),
                region,
                account: k.owner,
                quantity: key_months,
                usd_micro: micro(key_months * m.prices.kms_key_usd_per_month),
            });
        }
    }
}

fn add_transfers(
    m: &Market<'_>,
    rep: &ReplicationResult,
    ei: usize,
    recs: &[RecordId],
    out: &mut Vec<CostLine>,
) {
    let run = &rep.runs[ei];
    let p = &m.world.pipelines[run.pipeline as usize];
    for r in recs.iter().map(|i| &rep.stages[i.index()]) {
        if r.stage == Stage::Copy && r.outcome == Outcome::Succeeded && r.region != p.region {
            let price = transfer_price(m, p.region, r.region);
            // The source owner pays the transfer (docs/sources.md#price-transfer).
            out.push(CostLine {
                exec: Some(ExecId::from_index(ei)),
                category: Category::Transfer,
                item: Item::Copy,
                region: p.region,
                account: p.owner,
                quantity: r.data_gib,
                usd_micro: micro(r.data_gib * price),
            });
        }
        // A time-based copy is charged per GiB by its duration's tier, on top
        // of transfer, to the copier (docs/sources.md#time-based-copies).
        if r.stage == Stage::Copy
            && r.outcome == Outcome::Succeeded
            && let Some(t) = p.copies[r.item as usize].completion
        {
            let tiers = &m.prices.time_based_copy_usd_per_gib;
            let price = tiers
                .iter()
                .find(|(up_to, _)| t <= *up_to)
                .or(tiers.last())
                .map_or(0.0, |x| x.1);
            out.push(CostLine {
                exec: Some(ExecId::from_index(ei)),
                category: Category::TimeBasedCopy,
                item: Item::Copy,
                region: r.region,
                account: r.account,
                quantity: r.data_gib,
                usd_micro: micro(r.data_gib * price),
            });
        }
    }
}

/// Snapshot storage of every image, chain by chain (pipeline, account, Region).
fn add_storage(
    m: &Market<'_>,
    rep: &ReplicationResult,
    chains: &mut Vec<u128>,
    out: &mut Vec<CostLine>,
) {
    // One number per image: its chain's index (pipeline, account, Region in
    // that order of significance; below 2^48) above its own (a u32), so that
    // sorting the numbers sorts by chain, then image: cheaper than sorting
    // tuples (enterprise: 0.44 s -> 0.38 s for 20 replications, --rows none).
    let (na, nr) = (
        m.world.directory.accounts.len() as u64,
        m.world.regions.len() as u64,
    );
    chains.clear();
    chains.extend(rep.images.iter().enumerate().map(|(i, img)| {
        let p = rep.runs[img.exec.index()].pipeline as u64;
        let chain = (p * na + img.account.index() as u64) * nr + img.region.index() as u64;
        (chain as u128) << 32 | i as u128
    }));
    chains.sort_unstable();
    let price = m.prices.snapshot_usd_per_gb_month;
    for chain in chains.chunk_by(|a, b| a >> 32 == b >> 32) {
        let pipeline = (chain[0] >> 32) as u64 / (na * nr);
        let full: f64 = m.world.pipelines[pipeline as usize]
            .volumes
            .iter()
            .map(|v| v.data_gib)
            .sum();
        // When an image goes, the next (if incremental) holds the full data from then on.
        for (k, &key) in chain.iter().enumerate() {
            let i = key as u32;
            let img = &rep.images[i as usize];
            let end = img.deleted.unwrap_or(rep.end);
            // In the standard tier until archived (docs/sources.md#snapshot-archive).
            let standard_end = img.archived.map_or(end, |a| a.min(end));
            let mut gb_months = img.stored_gib * months(m, standard_end.since(img.created));
            if k > 0 && img.stored_gib < full {
                let prev = &rep.images[chain[k - 1] as u32 as usize];
                // Once the previous image is deleted or archived, this one holds the full data.
                let gone = match (prev.deleted, prev.archived) {
                    (Some(d), Some(a)) => Some(d.min(a)),
                    (d, a) => d.or(a),
                };
                if let Some(gone) = gone
                    && gone < standard_end
                {
                    gb_months += (full - img.stored_gib)
                        * months(m, standard_end.since(gone.max(img.created)));
                }
            }
            if let Some(a) = img.archived {
                // Stored in full, for at least 90 days once deleted.
                let min_end = a.saturating_add(SimDuration::from_hours(
                    24 * crate::aws::facts::SNAPSHOT_ARCHIVE_MIN_DAYS,
                ));
                let billed_end = match img.deleted {
                    Some(d) => d.max(min_end),
                    None => rep.end.max(a),
                };
                let archived_gb_months = full * months(m, billed_end.since(a));
                out.push(CostLine {
                    exec: Some(img.exec),
                    category: Category::SnapshotArchive,
                    item: Item::Image,
                    region: img.region,
                    account: img.account,
                    quantity: archived_gb_months,
                    usd_micro: micro(
                        archived_gb_months * m.prices.snapshot_archive_usd_per_gb_month,
                    ),
                });
            }
            out.push(CostLine {
                exec: Some(img.exec),
                category: Category::SnapshotStorage,
                item: Item::Image,
                region: img.region,
                account: img.account,
                quantity: gb_months,
                usd_micro: micro(gb_months * price),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::pipeline::model::run_replication;

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
            reused.price(m, r, &crate::pipeline::analysis::records_by_exec(r));
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
}
