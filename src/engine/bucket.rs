//! A token bucket in integer micro-tokens: starts full, refills at a fixed
//! rate up to its capacity, one token per request.

use super::time::SimTime;

const MICRO: u64 = 1_000_000;

/// A token bucket refilled continuously (computed lazily at each request).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: u64,
    tokens: u64,
    refill_per_ms: u64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens refilled at `refill_per_s` tokens
    /// per second (rounded to a micro-token per millisecond).
    pub fn new(capacity: u32, refill_per_s: f64) -> Self {
        let capacity = capacity as u64 * MICRO;
        TokenBucket {
            capacity,
            tokens: capacity,
            refill_per_ms: (refill_per_s * 1000.0).round().max(1.0) as u64,
            last: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.since(self.last).as_millis();
        self.tokens = self
            .tokens
            .saturating_add(dt.saturating_mul(self.refill_per_ms))
            .min(self.capacity);
        self.last = self.last.max(now);
    }

    /// Full again at time zero, as [`TokenBucket::new`] made it.
    pub fn reset(&mut self) {
        self.tokens = self.capacity;
        self.last = SimTime::ZERO;
    }

    /// Takes one token at `now` if there is one.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.tokens >= MICRO {
            self.tokens -= MICRO;
            true
        } else {
            false
        }
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: SimTime) -> u64 {
        self.refill(now);
        self.tokens / MICRO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_drains_the_bucket_and_the_refill_rate_paces_the_rest() {
        // CopyImage: 100 tokens, 1 per second.
        let mut b = TokenBucket::new(100, 1.0);
        let granted = (0..150).filter(|_| b.try_take(SimTime(0))).count();
        assert_eq!(granted, 100);
        assert!(!b.try_take(SimTime(999)));
        assert!(b.try_take(SimTime(1_000)));
        assert_eq!(b.available(SimTime(11_000)), 10);
        assert_eq!(
            b.available(SimTime(10_000_000)),
            100,
            "never above capacity"
        );
    }

    #[test]
    fn slow_refill_rates_are_kept() {
        // 0.1 token per second: one token every 10 s.
        let mut b = TokenBucket::new(1, 0.1);
        assert!(b.try_take(SimTime(0)));
        assert!(!b.try_take(SimTime(9_999)));
        assert!(b.try_take(SimTime(10_000)));
    }
}
