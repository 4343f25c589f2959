//! The dense log-linear histogram behind a metric's quantiles, with counters
//! one byte wide until one of them fills.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Buckets below this are one millisecond wide.
const EXACT_BELOW: u64 = 256;
/// Sub-buckets per power of two above [`EXACT_BELOW`].
const SUB: u64 = 128;

/// A dense log-linear histogram of millisecond values (HDR-style, 7 bits of
/// precision): about 2,500 buckets reach 4 hours, 3,800 a year. It holds
/// the counters from its smallest bucket to its largest only (`offset` is
/// the first one's index), so a metric whose values span a few octaves
/// holds a few hundred: a fifth of the memory and of the cache lines.
// Hand-written, not hdrhistogram: it must merge exactly and serialize to the
// same bytes for any sharding (shard aggregate.json), and stays a dense Vec.
// The range is canonical (first and last counters non-zero), however the
// values were grouped, so equal contents serialize alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// The bucket of `counts[0]`.
    #[serde(default)]
    offset: u32,
    counts: Counters,
}

/// The bucket of a value.
pub fn bucket_of(v: u64) -> u32 {
    if v < EXACT_BELOW {
        return v as u32;
    }
    let e = 63 - v.leading_zeros() as u64 - 7; // v >> e is in [128, 255]
    (EXACT_BELOW + (e - 1) * SUB + ((v >> e) - SUB)) as u32
}

/// The value reported for a bucket: its midpoint (its only value below 256 ms).
pub fn bucket_value(b: u32) -> u64 {
    let b = b as u64;
    if b < EXACT_BELOW {
        return b;
    }
    let e = (b - EXACT_BELOW) / SUB + 1;
    let m = (b - EXACT_BELOW) % SUB + SUB;
    let lo = m << e;
    let hi = ((m + 1) << e) - 1;
    lo + (hi - lo) / 2
}

/// The nearest rank (1-based) of the `q` quantile of `n` values: ⌈q·n⌉ in [1, n].
pub(super) fn nearest_rank_of(q: f64, n: u64) -> Option<u64> {
    (n > 0).then(|| ((q * n as f64).ceil() as u64).clamp(1, n))
}

impl Histogram {
    /// Counts every value of `vs`.
    pub fn add_many(&mut self, vs: &[u64]) {
        self.add_each(vs, |_| ());
    }

    /// Counts `v` `n` times.
    pub fn add_n(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        let b = bucket_of(v);
        self.cover(b, b);
        self.counts.add((b - self.offset) as usize, n);
    }

    /// Counts every value of `vs`, calling `f` on each as it is counted: a
    /// caller's own sums in the same pass (two passes measured 2 % slower on
    /// enterprise). A value in range with room in its counter costs a
    /// bucket, a bound check and an add; the range or the counters are
    /// widened only when a value needs it.
    pub fn add_each(&mut self, vs: &[u64], mut f: impl FnMut(u64)) {
        let mut done = 0;
        while done < vs.len() {
            let off = self.offset;
            done += each!(&mut self.counts, c => count_all(c, off, &vs[done..], &mut f));
            if done < vs.len() {
                self.make_room(&vs[done..]);
            }
        }
    }

    /// Makes room for `rest[0]`, which did not fit: wider counters if it is
    /// in range (its counter is full), else a range that covers all of
    /// `rest` at once (one move, however the values are ordered).
    #[cold]
    fn make_room(&mut self, rest: &[u64]) {
        let b = bucket_of(rest[0]);
        let len = self.counts.len() as u32;
        if len > 0 && b >= self.offset && b - self.offset < len {
            self.counts.widen();
        } else {
            let (lo, hi) = rest
                .iter()
                .fold((u64::MAX, 0), |(l, h), &v| (l.min(v), h.max(v)));
            self.cover(bucket_of(lo), bucket_of(hi));
        }
    }

    /// Widens the counters to hold buckets `lo..=hi`.
    fn cover(&mut self, lo: u32, hi: u32) {
        let len = self.counts.len();
        let (from, to) = if len == 0 {
            (lo, hi)
        } else {
            let last = self.offset + len as u32 - 1;
            if lo >= self.offset && hi <= last {
                return;
            }
            (lo.min(self.offset), hi.max(last))
        };
        let front = if len == 0 {
            0
        } else {
            (self.offset - from) as usize
        };
        let size = (to - from) as usize + 1;
        each!(&mut self.counts, c => place(c, front, size));
        self.offset = from;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        let n = other.counts.len();
        if n == 0 {
            return;
        }
        self.cover(other.offset, other.offset + n as u32 - 1);
        let at = (other.offset - self.offset) as usize;
        for (i, c) in other.counts.iter().enumerate() {
            self.counts.add(at + i, c);
        }
    }

    /// Every non-empty bucket's reported value ([`bucket_value`]) and
    /// count, in increasing order.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (self.counts.iter().enumerate())
            .filter(|&(_, c)| c > 0)
            .map(|(b, c)| (bucket_value(self.offset + b as u32), c))
    }

    /// The nearest-rank `q` quantile: the smallest bucket holding at least a
    /// fraction `q` of the values, reported by [`bucket_value`].
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let n: u64 = self.counts.iter().sum();
        self.at_rank(nearest_rank_of(q, n)?)
    }

    /// The value of rank `rank` (1-based, in increasing order), reported by
    /// [`bucket_value`]; `None` past the count.
    pub fn at_rank(&self, rank: u64) -> Option<u64> {
        let mut seen = 0;
        for (v, c) in self.buckets() {
            seen += c;
            if seen >= rank {
                return Some(v);
            }
        }
        None
    }
}

/// Per bucket, how many values: one, two, four or eight bytes each, as wide
/// as the largest count needs. Most metrics see a few hundred values over a
/// few hundred buckets, so a byte holds them, an eighth of `u64`'s memory
/// (1,000 pipelines' metrics held some 300 MB of `u64` counters).
#[derive(Debug, Clone)]
enum Counters {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
}

/// Evaluates `$e` with `$c` bound to the counters, whatever their width.
macro_rules! each {
    ($counters:expr, $c:ident => $e:expr) => {
        match $counters {
            Counters::U8($c) => $e,
            Counters::U16($c) => $e,
            Counters::U32($c) => $e,
            Counters::U64($c) => $e,
        }
    };
}
use each;

impl Default for Counters {
    fn default() -> Self {
        Counters::U8(Vec::new())
    }
}

/// A counter of one width.
trait Counter: Copy + Default + Into<u64> + TryFrom<u64> {
    /// Adds `n`, or `None` if the sum does not fit.
    fn plus(self, n: u64) -> Option<Self> {
        Self::try_from(self.into().checked_add(n)?).ok()
    }

    /// The count.
    fn get(self) -> u64 {
        self.into()
    }

    /// Adds one, or `None` if the counter is full.
    fn inc(self) -> Option<Self>;
}

macro_rules! counter {
    ($($t:ty),*) => {$(
        impl Counter for $t {
            #[inline]
            fn inc(self) -> Option<Self> {
                self.checked_add(1)
            }
        }
    )*};
}
counter!(u8, u16, u32);

/// The widest counter saturates: only hand-edited shard files fill it.
impl Counter for u64 {
    #[inline]
    fn inc(self) -> Option<Self> {
        Some(self.saturating_add(1))
    }
}

/// Counts values of `vs` from the first, each in its bucket (`off` is the
/// bucket of `c[0]`), until one lies outside `c` or would overflow its
/// counter: returns how many it counted, each given to `f`.
fn count_all<T: Counter>(c: &mut [T], off: u32, vs: &[u64], f: &mut impl FnMut(u64)) -> usize {
    for (k, &v) in vs.iter().enumerate() {
        // Below the range the difference wraps and misses too.
        let Some(x) = c.get_mut(bucket_of(v).wrapping_sub(off) as usize) else {
            return k;
        };
        match x.inc() {
            Some(y) => *x = y,
            None => return k,
        }
        f(v);
    }
    vs.len()
}

/// Places `c`'s counters `front` counters in, in `size` counters: in place
/// when they fit, else in a new vector with a quarter to spare (ranges keep
/// growing by a bucket or two as rare values arrive: exact sizes
/// reallocated 15 times in 1,000 quickstart replications, doubling left up
/// to half of every histogram unused).
fn place<T: Counter>(c: &mut Vec<T>, front: usize, size: usize) {
    if size > c.capacity() {
        let mut v = Vec::with_capacity(size + size / 4);
        v.resize(front, T::default());
        v.extend_from_slice(c);
        *c = v;
    } else if front > 0 {
        c.splice(0..0, std::iter::repeat_n(T::default(), front));
    }
    c.resize(size, T::default());
}

impl Counters {
    fn len(&self) -> usize {
        each!(self, c => c.len())
    }

    fn iter(&self) -> Box<dyn Iterator<Item = u64> + '_> {
        each!(self, c => Box::new(c.iter().map(|&x| x.get())))
    }

    /// The same counts, in counters twice as wide.
    fn widen(&mut self) {
        fn to<T: Counter, U: From<T>>(c: &[T]) -> Vec<U> {
            c.iter().map(|&x| U::from(x)).collect()
        }
        *self = match self {
            Counters::U8(c) => Counters::U16(to(c)),
            Counters::U16(c) => Counters::U32(to(c)),
            Counters::U32(c) => Counters::U64(to(c)),
            // A u64 counter saturates instead (`add`, `Counter::inc`).
            Counters::U64(_) => unreachable!("u64 counters are not widened"),
        };
    }

    /// Adds `n` to counter `i`, widening the counters until it fits; a
    /// `u64` counter saturates (only hand-edited shard files reach it).
    fn add(&mut self, i: usize, n: u64) {
        while !each!(self, c => match c[i].plus(n) {
            Some(x) => {
                c[i] = x;
                true
            }
            None => false,
        }) {
            if let Counters::U64(c) = self {
                c[i] = c[i].saturating_add(n);
                return;
            }
            self.widen();
        }
    }
}

impl PartialEq for Counters {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Counters {}

impl Serialize for Counters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Counters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wide = Vec::<u64>::deserialize(d)?;
        let mut c = Counters::default();
        each!(&mut c, v => *v = vec![Default::default(); wide.len()]);
        for (i, n) in wide.into_iter().enumerate() {
            c.add(i, n);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The histogram as `u64` counters would hold it: `(offset, counts)`.
    fn wide(vs: &[u64]) -> (u32, Vec<u64>) {
        let lo = vs.iter().map(|&v| bucket_of(v)).min().unwrap();
        let hi = vs.iter().map(|&v| bucket_of(v)).max().unwrap();
        let mut c = vec![0u64; (hi - lo) as usize + 1];
        for &v in vs {
            c[(bucket_of(v) - lo) as usize] += 1;
        }
        (lo, c)
    }

    fn json(offset: u32, counts: &[u64]) -> String {
        let counts = serde_json::to_string(counts).unwrap();
        format!("{{\"offset\":{offset},\"counts\":{counts}}}")
    }

    #[test]
    fn counters_widen_as_they_fill_and_count_as_u64_counters_would() {
        // 70,000 values in one bucket fill a byte and two bytes; the others
        // are spread over a few hundred buckets, added in uneven groups.
        let mut vs: Vec<u64> = (0..70_000).map(|_| 600_000).collect();
        vs.extend((0..5_000u64).map(|i| 300 + i * 977 % 2_000_000));
        let mut h = Histogram::default();
        for part in vs.chunks(313) {
            h.add_many(part);
        }
        assert!(matches!(h.counts, Counters::U32(_)), "{:?}", h.counts.len());
        let (offset, counts) = wide(&vs);
        assert_eq!(serde_json::to_string(&h).unwrap(), json(offset, &counts));
        assert_eq!(h.at_rank(70_000), Some(bucket_value(bucket_of(600_000))));
    }

    #[test]
    fn a_few_values_a_bucket_take_a_byte_each() {
        let vs: Vec<u64> = (0..255).flat_map(|_| [1_000u64, 90_000]).collect();
        let mut h = Histogram::default();
        h.add_many(&vs);
        let Counters::U8(c) = &h.counts else {
            panic!("widened: {:?}", h.counts);
        };
        assert!(
            c.capacity() <= c.len() * 5 / 4,
            "a quarter to spare at most"
        );
        h.add_many(&[1_000]);
        assert!(matches!(h.counts, Counters::U16(_)));
    }

    #[test]
    fn merges_and_reads_back_equal_whatever_the_widths() {
        let a: Vec<u64> = (0..300).map(|i| 5_000 + i % 7).collect();
        let b: Vec<u64> = (0..200).map(|i| 100 + i * 31).collect();
        let (mut x, mut y) = (Histogram::default(), Histogram::default());
        x.add_many(&a);
        y.add_many(&b);
        assert!(matches!(y.counts, Counters::U8(_)));
        y.merge(&x);
        let (offset, counts) = wide(&[a.clone(), b].concat());
        let text = serde_json::to_string(&y).unwrap();
        assert_eq!(text, json(offset, &counts));
        let back: Histogram = serde_json::from_str(&text).unwrap();
        assert_eq!(back, y);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
        // The same counts held one byte or eight bytes wide are equal.
        let mut narrow = Histogram::default();
        narrow.add_many(&a);
        let mut widened = narrow.clone();
        widened.counts.widen();
        widened.counts.widen();
        assert_eq!(narrow, widened);
    }

    #[test]
    fn a_u64_counter_saturates_when_merged_or_added_past_its_end() {
        // As a hand-edited shard's aggregate.json could make it.
        let text = json(7, &[u64::MAX - 1, 3]);
        let full: Histogram = serde_json::from_str(&text).unwrap();
        let mut h = full.clone();
        h.merge(&full);
        h.add_many(&[7, 7, 8]);
        assert_eq!(serde_json::to_string(&h).unwrap(), json(7, &[u64::MAX, 7]));
    }
}
