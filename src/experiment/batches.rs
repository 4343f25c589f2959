//! A metric's batch sums, made at its first value: replication `i` falls
//! in batch `i mod` [`BATCHES`]. A metric that ran few replications holds
//! only the batches up to its last with values (the rest are zero), so
//! 1,000 pipelines' metrics over 4 replications hold 4 sums each, not 32.
//! They serialize as before: [`BATCHES`] entries once the metric has
//! started a replication, none before.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::u128_str;

/// Batches for confidence intervals.
pub const BATCHES: usize = 32;

/// One batch's share of a metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepShare {
    /// Values from that replication.
    pub count: u64,
    /// Their sum, ms.
    #[serde(with = "u128_str")]
    pub sum: u128,
}

/// The batch sums: those up to the last with values (canonical: no
/// trailing empty batch, so equal contents compare equal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batches {
    /// Whether a replication has started (then it serializes all [`BATCHES`]).
    started: bool,
    shares: Vec<RepShare>,
}

impl Batches {
    /// A replication has started: the metric has batches from now on.
    pub fn start(&mut self) {
        self.started = true;
    }

    /// Adds `count` values summing to `sum` to batch `at`.
    pub fn add(&mut self, at: usize, count: u64, sum: u128) {
        if !self.started || count == 0 {
            return;
        }
        if self.shares.len() <= at {
            self.shares.resize(at + 1, RepShare::default());
        }
        self.shares[at].count += count;
        self.shares[at].sum += sum;
    }

    /// Adds another metric's batches, batch by batch.
    pub fn merge(&mut self, other: &Batches) {
        self.started = true;
        for (at, s) in other.shares.iter().enumerate() {
            self.add(at, s.count, s.sum);
        }
    }
}

impl std::ops::Deref for Batches {
    type Target = [RepShare];
    /// The batches up to the last with values; those after it are empty.
    fn deref(&self) -> &[RepShare] {
        &self.shares
    }
}

impl Serialize for Batches {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = if self.started { BATCHES } else { 0 };
        let empty = std::iter::repeat(RepShare::default());
        s.collect_seq(self.shares.iter().copied().chain(empty).take(n))
    }
}

impl<'de> Deserialize<'de> for Batches {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Batches, D::Error> {
        let mut shares = Vec::<RepShare>::deserialize(d)?;
        let started = !shares.is_empty();
        while shares.last().is_some_and(|s| s.count == 0 && s.sum == 0) {
            shares.pop();
        }
        Ok(Batches { started, shares })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_serialize_as_all_of_them_and_read_back_equal() {
        let mut b = Batches::default();
        assert_eq!(serde_json::to_string(&b).unwrap(), "[]");
        b.start();
        b.add(2, 3, 30);
        assert_eq!(b.len(), 3);
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(text.matches("\"count\"").count(), BATCHES);
        let back: Batches = serde_json::from_str(&text).unwrap();
        assert_eq!(back, b);
        let mut m = Batches::default();
        m.merge(&Batches::default());
        assert_eq!(
            serde_json::to_string(&m)
                .unwrap()
                .matches("\"count\"")
                .count(),
            BATCHES
        );
    }
}
