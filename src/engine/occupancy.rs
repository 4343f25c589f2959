//! A resource's occupancy over time, summed per fixed-width time bucket as
//! it changes: ∫ units in use dt and ∫ queue length dt within each bucket.
//!
//! Summed as the run goes rather than logged change by change: a log of
//! every change held until the end of a replication was 75 MB of 1,000
//! pipelines' heap (heaptrack; two changes per copy), and the sums are at
//! most one entry per bucket touched.

/// Most buckets over a horizon.
pub const MAX_BUCKETS: u64 = 500;

/// The bucket width for a horizon of `horizon_ms`: whole hours, at most
/// [`MAX_BUCKETS`] buckets over the horizon.
pub fn bucket_width_ms(horizon_ms: u64) -> u64 {
    const HOUR: u64 = 3_600_000;
    horizon_ms.div_ceil(HOUR * MAX_BUCKETS).max(1) * HOUR
}

/// Per bucket touched, in increasing bucket order: `(bucket, ∫ in use dt,
/// ∫ queued dt)`, unit-ms and request-ms; buckets with both sums zero are
/// left out.
pub type BucketSums = Vec<(u64, u128, u128)>;

/// Occupancy summed per bucket of `width` ms.
#[derive(Debug, Clone)]
pub struct Occupancy {
    width: u64,
    /// Bucket and the sums not yet pushed to `sums`.
    pending: Option<(u64, u128, u128)>,
    sums: BucketSums,
}

impl Occupancy {
    /// Empty, in buckets of `width` ms (at least 1).
    pub fn new(width: u64) -> Self {
        Occupancy {
            width: width.max(1),
            pending: None,
            sums: Vec::new(),
        }
    }

    /// Adds `in_use × overlap` and `queued × overlap` of `[from, to)` to
    /// the buckets it covers; consecutive contributions to one bucket are
    /// summed before they are pushed (sums are exact, so grouping does not
    /// change them).
    pub fn add(&mut self, from: u64, to: u64, in_use: u32, queued: u32) {
        if to <= from || (in_use == 0 && queued == 0) {
            return;
        }
        // Within the pending bucket (the usual case): no division.
        if let Some((pb, pi, pq)) = &mut self.pending {
            let start = *pb * self.width;
            if from >= start && to <= start + self.width {
                let d = (to - from) as u128;
                *pi += in_use as u128 * d;
                *pq += queued as u128 * d;
                return;
            }
        }
        let mut t = from;
        while t < to {
            let b = t / self.width;
            let seg = to.min((b + 1) * self.width) - t;
            let (i, q) = (in_use as u128 * seg as u128, queued as u128 * seg as u128);
            match &mut self.pending {
                Some((pb, pi, pq)) if *pb == b => {
                    *pi += i;
                    *pq += q;
                }
                _ => {
                    self.flush();
                    self.pending = Some((b, i, q));
                }
            }
            t += seg;
        }
    }

    /// Pushes the pending bucket's sums.
    pub fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.sums.push(p);
        }
    }

    /// The sums pushed so far (call [`Occupancy::flush`] first for all).
    pub fn sums(&self) -> &[(u64, u128, u128)] {
        &self.sums
    }

    /// Exchanges the sums with `other` (flushed first): moves them out and
    /// hands in a buffer to sum into from now on.
    pub fn swap_sums(&mut self, other: &mut BucketSums) {
        self.flush();
        std::mem::swap(&mut self.sums, other);
    }

    /// Empty again, keeping its buffer.
    pub fn clear(&mut self) {
        self.pending = None;
        self.sums.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_split_at_bucket_edges_and_a_bucket_summed_once() {
        let mut o = Occupancy::new(10);
        o.add(5, 25, 2, 1); // 5 ms in bucket 0, 10 in 1, 5 in 2
        o.add(25, 27, 0, 0); // idle: nothing, and bucket 2 stays open
        o.add(27, 29, 3, 0); // 2 ms more in bucket 2
        o.add(40, 40, 9, 9); // empty interval
        o.flush();
        assert_eq!(o.sums(), &[(0, 10, 5), (1, 20, 10), (2, 16, 5)]);
        // Split anywhere, the same sums.
        let mut p = Occupancy::new(10);
        for t in 5..25 {
            p.add(t, t + 1, 2, 1);
        }
        p.add(27, 28, 3, 0);
        p.add(28, 29, 3, 0);
        let mut out = Vec::new();
        p.swap_sums(&mut out);
        assert_eq!(out, o.sums());
        assert!(p.sums().is_empty());
    }

    #[test]
    fn the_width_is_whole_hours_with_at_most_the_most_buckets() {
        let hour = 3_600_000;
        assert_eq!(bucket_width_ms(0), hour);
        assert_eq!(bucket_width_ms(500 * hour), hour);
        assert_eq!(bucket_width_ms(500 * hour + 1), 2 * hour);
        let year = 365 * 24 * hour;
        assert!(year.div_ceil(bucket_width_ms(year)) <= MAX_BUCKETS);
    }
}
