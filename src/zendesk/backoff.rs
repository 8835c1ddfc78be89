//! Exponential backoff with full jitter for retried requests and job polling.

use std::time::Duration;

/// Exponential backoff: attempt `n` (from 0) may wait up to `min(cap, base * 2^n)`; with
/// full jitter the actual wait is uniform in `[0, that]` (AWS architecture blog, "Exponential
/// Backoff And Jitter"), which spreads retries of concurrent requests apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's wait.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Backoff {
    /// Backoff for retried requests: 0.5 s doubling up to 30 s.
    pub const RETRY: Self = Self {
        base: Duration::from_millis(500),
        cap: Duration::from_secs(30),
    };

    /// The ceiling of attempt `attempt`'s wait.
    #[must_use]
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(20));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry `attempt`, given `unit` drawn uniformly from `[0, 1)`.
    #[must_use]
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        self.ceiling(attempt).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The wait before retry `attempt` with a random draw.
    #[must_use]
    pub fn jittered(&self, attempt: u32) -> Duration {
        self.delay(attempt, rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Backoff;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::RETRY;
        assert_eq!(backoff.ceiling(0), Duration::from_millis(500));
        assert_eq!(backoff.ceiling(1), Duration::from_secs(1));
        assert_eq!(backoff.ceiling(3), Duration::from_secs(4));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(30));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let backoff = Backoff::RETRY;
        assert_eq!(backoff.delay(2, 0.0), Duration::ZERO);
        assert_eq!(backoff.delay(2, 0.5), Duration::from_secs(1));
        assert_eq!(backoff.delay(2, 7.0), Duration::from_secs(2));
        for attempt in 0..10 {
            assert!(backoff.jittered(attempt) <= backoff.ceiling(attempt));
        }
    }
}
