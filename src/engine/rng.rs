//! Seeded random streams owned by the simulation.
//!
//! Every source of randomness is a named stream derived from
//! `(master seed, replication index, stream name)`. The name is hashed with
//! FNV-1a (stable across platforms and versions) and mixed with SplitMix64
//! into a 32-byte ChaCha8 seed. Adding a stream never perturbs the others, so
//! two scenarios that differ in one stage keep common random numbers.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// The generator behind every stream: ChaCha8, a named portable algorithm.
pub type StreamRng = ChaCha8Rng;

/// A stream's name, hashed once for every replication that draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamName(u64);

impl StreamName {
    /// The name that is the concatenation of `parts`.
    pub fn of(parts: &[&str]) -> Self {
        StreamName(
            parts
                .iter()
                .fold(FNV_OFFSET, |h, p| fnv1a_more(h, p.as_bytes())),
        )
    }
}

/// Derives independent named streams for one replication.
#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    master_seed: u64,
    replication: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(FNV_OFFSET, bytes)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngStreams {
    /// Streams for replication `replication` of a run seeded with `master_seed`.
    pub fn new(master_seed: u64, replication: u64) -> Self {
        RngStreams {
            master_seed,
            replication,
        }
    }

    /// The stream called `name`. The same triple always gives the same sequence.
    pub fn stream(&self, name: &str) -> StreamRng {
        self.seeded(fnv1a(name.as_bytes()))
    }

    /// The stream named by the concatenation of `parts` (no allocation):
    /// `stream_of(&["a", "/", "b"])` is `stream("a/b")`.
    pub fn stream_of(&self, parts: &[&str]) -> StreamRng {
        self.named(StreamName::of(parts))
    }

    /// The stream of a name hashed beforehand: `named(StreamName::of(p))`
    /// is `stream_of(p)`.
    pub fn named(&self, name: StreamName) -> StreamRng {
        self.seeded(name.0)
    }

    fn seeded(&self, name_hash: u64) -> StreamRng {
        let mut rep = self.replication;
        let mut state = self.master_seed ^ splitmix64(&mut rep) ^ name_hash.rotate_left(17);
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        ChaCha8Rng::from_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first(r: &mut StreamRng) -> [u64; 4] {
        [r.random(), r.random(), r.random(), r.random()]
    }

    #[test]
    fn a_name_in_parts_is_the_same_stream() {
        let a = RngStreams::new(3, 4);
        assert_eq!(
            first(&mut a.stream("p/copy")),
            first(&mut a.stream_of(&["p", "/", "copy"]))
        );
        assert_eq!(
            first(&mut a.stream("p/copy")),
            first(&mut a.named(StreamName::of(&["p/", "copy"])))
        );
    }

    #[test]
    fn same_triple_same_sequence_different_triples_differ() {
        let a = RngStreams::new(1, 0);
        assert_eq!(first(&mut a.stream("copy")), first(&mut a.stream("copy")));
        assert_ne!(first(&mut a.stream("copy")), first(&mut a.stream("launch")));
        assert_ne!(
            first(&mut a.stream("copy")),
            first(&mut RngStreams::new(1, 1).stream("copy"))
        );
        assert_ne!(
            first(&mut a.stream("copy")),
            first(&mut RngStreams::new(2, 0).stream("copy"))
        );
    }
}
