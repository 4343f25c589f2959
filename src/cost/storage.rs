//! Snapshot storage of every image, chain by chain (pipeline, account,
//! Region), billed to the horizon.

use super::{Book, Category, CostLine, Item, Market, micro, months};
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::groups::Groups;
use crate::pipeline::model::{ImageRecord, ReplicationResult};

/// Images grouped by pipeline, then one pipeline's sorted by chain and
/// index, packed into one number each (see [`add_storage`]). Sorting each
/// pipeline's images alone holds one index per image, not one `u64` key
/// (1,000 pipelines' 494,000 images: 2 MB instead of 4), and the place
/// and image numbers always fit in 64 bits together.
#[derive(Debug, Clone, Default)]
pub(super) struct Chains {
    by_pipeline: Groups<u32>,
    keys: Vec<u64>,
}

/// Snapshot storage (standard and archive) of every image of `rep`, chain
/// by chain (pipeline, account, Region in that order) and in image order
/// within a chain.
pub(super) fn add_storage(
    m: &Market<'_>,
    rep: &ReplicationResult,
    chains: &mut Chains,
    book: &mut Book<'_>,
) {
    let pipelines = rep
        .images
        .iter()
        .map(|img| usize::from(rep.runs[img.exec.index()].pipeline));
    (chains.by_pipeline).group(m.world.pipelines.len(), pipelines, |i| i as u32);
    for (pi, images) in chains.by_pipeline.iter().enumerate() {
        if !images.is_empty() {
            add_pipeline(m, rep, (pi, images), &mut chains.keys, book);
        }
    }
}

/// Storage of pipeline `pi`'s `images`: one number per image, its place's
/// index above its own, so that sorting the numbers sorts by chain, then
/// image: cheaper than sorting tuples (enterprise: 0.44 s -> 0.38 s for 20
/// replications, --rows none). A place index is below 2^32 (65,536
/// accounts by 65,536 Regions at most) and so is an image's (a `u32`).
fn add_pipeline(
    m: &Market<'_>,
    rep: &ReplicationResult,
    (pi, images): (usize, &[u32]),
    keys: &mut Vec<u64>,
    book: &mut Book<'_>,
) {
    const SHIFT: u32 = u32::BITS;
    let layout = m.world.layout();
    let image = |k: u64| (k & u64::from(u32::MAX)) as usize;
    keys.clear();
    keys.extend(images.iter().map(|&i| {
        let img = &rep.images[i as usize];
        (layout.place(img.account, img.region).index() as u64) << SHIFT | u64::from(i)
    }));
    keys.sort_unstable();
    let p = &m.world.pipelines[pi];
    // A container's repository holds its whole image once (ECR stores
    // each layer once): the full data of its chain.
    let full: f64 = match &p.container {
        Some(c) => c.image_gib,
        None => p.volumes.iter().map(|v| v.data_gib).sum(),
    };
    for group in keys.chunk_by(|&a, &b| a >> SHIFT == b >> SHIFT) {
        for (k, &key) in group.iter().enumerate() {
            let img = &rep.images[image(key)];
            let prev = (k > 0).then(|| &rep.images[image(group[k - 1])]);
            add_image(m, img, prev, (full, p.container.is_some()), book);
        }
    }
}

/// One image: standard storage from its creation until deleted, archived or
/// the horizon; when the previous image of its chain goes, an incremental
/// image holds the full data from then on; archive storage once archived.
fn add_image(
    m: &Market<'_>,
    img: &ImageRecord,
    prev: Option<&ImageRecord>,
    (full, container): (f64, bool),
    book: &mut Book<'_>,
) {
    // Billed to the horizon: the month is the horizon's, never the last event's.
    let horizon = m.world.horizon;
    if img.available >= horizon {
        return;
    }
    let end = img.deleted.get().map_or(horizon, |d| d.min(horizon));
    // In the standard tier until archived (docs/sources.md#snapshot-archive).
    let standard_end = img.archived.get().map_or(end, |a| a.min(end));
    let own = img.stored_gib * months(m, standard_end.since(img.available));
    // Once the previous image is deleted or archived, this one holds the full data.
    let gone = prev
        .filter(|_| img.stored_gib < full)
        .and_then(|p| match (p.deleted.get(), p.archived.get()) {
            (Some(d), Some(a)) => Some(d.min(a)),
            (d, a) => d.or(a),
        })
        .filter(|g| *g < standard_end)
        .map(|g| g.max(img.available));
    let extra = gone.map_or(0.0, |g| {
        (full - img.stored_gib) * months(m, standard_end.since(g))
    });
    if let Some(a) = img.archived.get() {
        add_archive(m, img, a, full, book);
    }
    let (price, cat) = if container {
        // source: docs/sources.md#price-ecr.
        (
            crate::aws::facts::ECR_USD_PER_GB_MONTH,
            Category::EcrStorage,
        )
    } else {
        (
            m.prices.at(img.region).snapshot_usd_per_gb_month,
            Category::SnapshotStorage,
        )
    };
    let usd = micro((own + extra) * price);
    let own_usd = micro(own * price).min(usd);
    book.months
        .spread(cat, img.region, own_usd, img.available, standard_end);
    if let Some(g) = gone {
        book.months
            .spread(cat, img.region, usd - own_usd, g, standard_end);
    }
    book.line(CostLine {
        exec: Some(img.exec),
        category: cat,
        item: Item::Image,
        region: img.region,
        account: img.account,
        quantity: own + extra,
        usd_micro: usd,
    });
}

/// Archive storage: the full snapshot from `archived`, for at least 90 days
/// once deleted (the rest charged at deletion).
fn add_archive(
    m: &Market<'_>,
    img: &ImageRecord,
    archived: SimTime,
    full: f64,
    book: &mut Book<'_>,
) {
    let horizon = m.world.horizon;
    let min_end = archived.saturating_add(SimDuration::from_hours(
        24 * crate::aws::facts::SNAPSHOT_ARCHIVE_MIN_DAYS,
    ));
    let (billed_end, spread_end) = match img.deleted.get() {
        Some(d) if d < horizon => (d.max(min_end), d),
        _ => (horizon.max(archived), horizon.max(archived)),
    };
    let gb_months = full * months(m, billed_end.since(archived));
    let line = CostLine {
        exec: Some(img.exec),
        category: Category::SnapshotArchive,
        item: Item::Image,
        region: img.region,
        account: img.account,
        quantity: gb_months,
        usd_micro: micro(gb_months * m.prices.at(img.region).snapshot_archive_usd_per_gb_month),
    };
    book.push(line, archived, spread_end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::model::run_replication;

    /// Pipeline by pipeline, the images are billed in the order of a
    /// plain sort of every image by (chain, index), each after the one
    /// before it in its chain.
    #[test]
    fn images_are_billed_chain_by_chain_in_image_order() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/golden-3os-8-regions.toml"
        );
        let scn = crate::scenario::load(std::path::Path::new(path), &Default::default()).unwrap();
        let m = &scn.market();
        let rep = run_replication(&scn.world, 7, 0);
        assert!(rep.images.len() > 10, "{} images", rep.images.len());
        let bill = |naive: bool| {
            let (mut lines, mut months) = (Vec::new(), super::super::Months::default());
            months.reset(
                super::super::month(m),
                scn.world.horizon,
                scn.world.regions.len(),
            );
            let book = &mut Book {
                lines: &mut lines,
                months: &mut months,
                keep: true,
                sink: &mut |_| {},
            };
            if !naive {
                add_storage(m, &rep, &mut Chains::default(), book);
                return format!("{lines:?}");
            }
            let layout = scn.world.layout();
            let chain = |i: usize| {
                let img = &rep.images[i];
                let p = rep.runs[img.exec.index()].pipeline as usize;
                layout.chain(p, img.account, img.region)
            };
            let mut order: Vec<usize> = (0..rep.images.len()).collect();
            order.sort_by_key(|&i| (chain(i), i));
            for (k, &i) in order.iter().enumerate() {
                let prev =
                    (k > 0 && chain(order[k - 1]) == chain(i)).then(|| &rep.images[order[k - 1]]);
                let p = &scn.world.pipelines[layout.chain_pipeline(chain(i))];
                let full = p.volumes.iter().map(|v| v.data_gib).sum();
                add_image(m, &rep.images[i], prev, (full, false), book);
            }
            format!("{lines:?}")
        };
        assert_eq!(bill(false), bill(true));
    }
}
