//! What each execution is billed: its instances and their volumes, and its
//! copies' transfer and time-based surcharge.

use super::{Book, Category, CostLine, Item, Market, billed_hours, micro, months};
use crate::aws::directory::AccountId;
use crate::engine::SimTime;
use crate::pipeline::config::{PipelineKind, RegionId, Tool};
use crate::pipeline::model::{ExecId, Outcome, RecordId, ReplicationResult, Stage, StageRecord};

/// Prices every execution of `rep`: instances, volumes, copies.
pub(super) fn price_executions(
    m: &Market<'_>,
    rep: &ReplicationResult,
    dest_ends: &mut Vec<(u64, u32, SimTime)>,
    book: &mut Book<'_>,
) {
    for (ei, idx) in rep.by_exec.iter().enumerate() {
        let p = &m.world.pipelines[rep.runs[ei].pipeline as usize];
        // A migration moves the user's own instance: nothing to bill here but transfer.
        if p.kind.is_build() {
            price_instances(m, rep, ei, idx, dest_ends, book);
        }
        add_transfers(m, rep, ei, idx, book);
    }
}

/// One instance's life as billed: compute to `compute_end`, volumes to `ebs_end`.
struct Life {
    item: Item,
    price: Option<f64>,
    region: RegionId,
    account: AccountId,
    start: SimTime,
    compute_end: SimTime,
    ebs_end: SimTime,
}

impl Life {
    /// An instance billed for compute and volumes alike from `start` to `end`.
    fn whole(
        item: Item,
        price: Option<f64>,
        (region, account): (RegionId, AccountId),
        start: SimTime,
        end: SimTime,
    ) -> Self {
        let (compute_end, ebs_end) = (end, end);
        Life {
            item,
            price,
            region,
            account,
            start,
            compute_end,
            ebs_end,
        }
    }
}

/// The records that bound an execution's builder and test instance: the last
/// succeeded launch and stop, the first terminations.
#[derive(Default)]
struct Bounds<'r> {
    launch_b: Option<&'r StageRecord>,
    stop_b: Option<&'r StageRecord>,
    term_b: Option<&'r StageRecord>,
    launch_t: Option<&'r StageRecord>,
    term_t: Option<&'r StageRecord>,
}

/// Where a destination test instance runs: (Region, account, item).
fn dest_key(r: &StageRecord) -> u64 {
    (r.region.index() as u64) << 32 | (r.account.index() as u64) << 16 | r.item as u64
}

impl<'r> Bounds<'r> {
    /// One pass over the execution's records; the destination test
    /// terminations go to `dest_ends`, sorted.
    fn of(
        recs: impl Iterator<Item = &'r StageRecord>,
        dest_ends: &mut Vec<(u64, u32, SimTime)>,
    ) -> Self {
        let mut b = Bounds::default();
        dest_ends.clear();
        for (order, r) in recs.enumerate() {
            let ok = r.outcome == Outcome::Succeeded;
            match r.stage {
                Stage::LaunchBuilder if ok => b.launch_b = Some(r),
                Stage::StopBuilder if ok => b.stop_b = Some(r),
                Stage::TerminateBuilder if b.term_b.is_none() => b.term_b = Some(r),
                Stage::LaunchTest if ok => b.launch_t = Some(r),
                Stage::TerminateTest if b.term_t.is_none() => b.term_t = Some(r),
                Stage::TerminateDestinationTest => {
                    dest_ends.push((dest_key(r), order as u32, r.finished))
                }
                _ => {}
            }
        }
        dest_ends.sort_unstable();
        b
    }
}

fn price_instances(
    m: &Market<'_>,
    rep: &ReplicationResult,
    ei: usize,
    idx: &[RecordId],
    dest_ends: &mut Vec<(u64, u32, SimTime)>,
    book: &mut Book<'_>,
) {
    let run = &rep.runs[ei];
    let p = &m.world.pipelines[run.pipeline as usize];
    let (builder_price, test_price) = m.prices.instances[usize::from(run.pipeline)];
    let recs = || idx.iter().map(|i| &rep.stages[i.index()]);
    let b = Bounds::of(recs(), dest_ends);
    let vol_gib: f64 = p.volumes.iter().map(|v| v.size_gib).sum();
    let exec = ExecId::from_index(ei);
    let end_of = |r: Option<&StageRecord>| r.map_or(run.finished, |r| r.finished);
    // Builder: volumes until terminated; compute until Packer's (or a
    // script's) stop, or until terminated under Image Builder, whose
    // CreateImage needs the instance running and whose TerminateBuildInstance
    // follows it (docs/sources.md#image-builder-steps).
    if let Some(launch) = b.launch_b {
        let end = end_of(b.term_b);
        let stop = b.stop_b.filter(|_| p.tool != Tool::ImageBuilder);
        let at = (p.region, p.owner);
        let life = Life {
            compute_end: stop.map_or(end, |r| r.finished),
            ..Life::whole(Item::Builder, builder_price, at, launch.started, end)
        };
        bill(m, exec, vol_gib, &life, book);
    }
    if let Some(launch) = b.launch_t {
        let end = end_of(b.term_t);
        let life = Life::whole(
            Item::Test,
            test_price,
            (p.region, p.owner),
            launch.started,
            end,
        );
        bill(m, exec, vol_gib, &life, book);
    }
    bill_destination_tests(m, rep, ei, idx, dest_ends, book);
}

/// Destination test instances, each priced in its Region, until the first
/// termination of the same Region, account and item.
fn bill_destination_tests(
    m: &Market<'_>,
    rep: &ReplicationResult,
    ei: usize,
    idx: &[RecordId],
    dest_ends: &[(u64, u32, SimTime)],
    book: &mut Book<'_>,
) {
    let p = &m.world.pipelines[rep.runs[ei].pipeline as usize];
    let PipelineKind::Build {
        test_instance_type, ..
    } = &p.kind
    else {
        return;
    };
    let vol_gib: f64 = p.volumes.iter().map(|v| v.size_gib).sum();
    let exec = ExecId::from_index(ei);
    for l in idx
        .iter()
        .map(|i| &rep.stages[i.index()])
        .filter(|r| r.stage == Stage::LaunchDestinationTest && r.outcome == Outcome::Succeeded)
    {
        let key = dest_key(l);
        let end = dest_ends
            .get(dest_ends.partition_point(|e| e.0 < key))
            .filter(|e| e.0 == key)
            .map_or(l.finished, |e| e.2);
        let price = m
            .prices
            .at(l.region)
            .instance(p.platform, test_instance_type);
        let at = (l.region, l.account);
        let life = Life::whole(Item::DestinationTest, price, at, l.started, end);
        bill(m, exec, vol_gib, &life, book);
    }
}

/// An instance's hours (if its type is priced) and its volumes' GB-months.
fn bill(m: &Market<'_>, exec: ExecId, vol_gib: f64, l: &Life, book: &mut Book<'_>) {
    let line = |category, quantity, usd_micro| CostLine {
        exec: Some(exec),
        category,
        item: l.item,
        region: l.region,
        account: l.account,
        quantity,
        usd_micro,
    };
    if let Some(price) = l.price {
        let hours = billed_hours(m, l.start, l.compute_end);
        let usd = micro(hours * price);
        book.push(line(Category::Instance, hours, usd), l.start, l.compute_end);
    }
    let gb_months = vol_gib * months(m, l.ebs_end.since(l.start));
    let usd = micro(gb_months * m.prices.at(l.region).ebs_usd_per_gb_month);
    book.push(line(Category::Ebs, gb_months, usd), l.start, l.ebs_end);
}

fn add_transfers(
    m: &Market<'_>,
    rep: &ReplicationResult,
    ei: usize,
    recs: &[RecordId],
    book: &mut Book<'_>,
) {
    let run = &rep.runs[ei];
    let p = &m.world.pipelines[run.pipeline as usize];
    let exec = Some(ExecId::from_index(ei));
    // A copy's data at `price` per GB, charged where and to whom `at` says, when it ends.
    let mut charge = |r: &StageRecord, category, (region, account), price: f64| {
        let usd_micro = micro(r.data_gib * price);
        let item = Item::Copy;
        let line = CostLine {
            exec,
            category,
            item,
            region,
            account,
            quantity: r.data_gib,
            usd_micro,
        };
        book.push(line, r.finished, r.finished);
    };
    for r in recs.iter().map(|i| &rep.stages[i.index()]) {
        if r.outcome != Outcome::Succeeded {
            continue;
        }
        // A container's push from the build host, or ECR's replication,
        // into another Region: its source pays the transfer.
        let from = match (r.stage, &p.container) {
            (Stage::Push, _) => Some(p.region),
            (Stage::Replicate, Some(c)) => Some(c.replications[r.item as usize].from),
            _ => None,
        };
        if let Some(from) = from {
            if r.region != from {
                let price = super::transfer_price(m, from, r.region);
                charge(r, Category::Transfer, (from, p.owner), price);
            }
            continue;
        }
        if r.stage != Stage::Copy {
            continue;
        }
        if r.region != p.region {
            // The source owner pays the transfer (docs/sources.md#price-transfer).
            let price = super::transfer_price(m, p.region, r.region);
            charge(r, Category::Transfer, (p.region, p.owner), price);
        }
        // A time-based copy is charged per GiB by its duration's tier, on top
        // of transfer, to the copier (docs/sources.md#time-based-copies).
        if let Some(t) = p.copies[r.item as usize].completion {
            // Only the account's own throughput quota makes a time-based copy
            // late in the model, so a late copy is charged by what it took.
            let price = super::time_based_price(m, t.max(r.finished.since(r.started)));
            charge(r, Category::TimeBasedCopy, (r.region, r.account), price);
        }
    }
}
