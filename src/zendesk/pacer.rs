//! Pacing: keep this run within its share of the account's per-minute rate limit.
//!
//! Two rules, both pure arithmetic over instants so they are unit-tested without sleeping:
//! 1. **Own budget:** at most `floor(limit × share)` requests in any window of
//!    [`Pacer::WINDOW`] (a minute plus a margin for network jitter), counted on our side.
//! 2. **Others' reserve:** when Zendesk's `remaining` (which counts every integration on the
//!    account) falls to `limit − budget` or below, wait for the window to reset, so other
//!    integrations keep the rest of the limit. Our own sends since the last answer are
//!    subtracted from `remaining` so concurrent requests do not overshoot.
//!
//! After a 429 every request waits for `Retry-After` ([`Pacer::block_until`]).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::RateLimit;

/// Shared pacing state of one client.
#[derive(Debug)]
pub struct Pacer {
    share: f64,
    limit: Option<u32>,
    sent: VecDeque<Instant>,
    remaining: Option<u32>,
    window_reset_at: Option<Instant>,
    blocked_until: Option<Instant>,
}

impl Pacer {
    /// The sliding window of the own budget: a minute plus a second of margin for latency
    /// jitter between our clock and Zendesk's fixed, minute-aligned window.
    pub const WINDOW: Duration = Duration::from_secs(61);

    /// The furthest-off window reset believed (`ratelimit-reset`): a minute, the length of
    /// Zendesk's windows.
    pub const LONGEST_RESET: Duration = Duration::from_secs(60);

    /// A pacer that uses at most `share` of the account's limit.
    #[must_use]
    pub fn new(share: f64) -> Self {
        Self {
            share,
            limit: None,
            sent: VecDeque::new(),
            remaining: None,
            window_reset_at: None,
            blocked_until: None,
        }
    }

    /// The account's per-minute limit, once a response has told it.
    #[must_use]
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// Requests per window this run may make, once the limit is known.
    #[must_use]
    pub fn budget(&self) -> Option<u32> {
        let limit = self.limit?;
        // The share is in (0, 1], so the product is within 0..=limit.
        #[allow(clippy::cast_sign_loss)]
        let budget = (f64::from(limit) * self.share).floor() as u32;
        Some(budget.max(1))
    }

    /// Asks to send one request at `now`. Returns `Duration::ZERO` and counts the request when
    /// it may go now; otherwise how long to wait before asking again. With `force` the request
    /// is always counted and allowed (tests without delays).
    pub fn reserve(&mut self, now: Instant, force: bool) -> Duration {
        let wait = if force {
            Duration::ZERO
        } else {
            self.wait(now)
        };
        if wait.is_zero() {
            self.sent.push_back(now);
            if let Some(remaining) = &mut self.remaining {
                *remaining = remaining.saturating_sub(1);
            }
        }
        wait
    }

    fn wait(&mut self, now: Instant) -> Duration {
        if let Some(until) = self.blocked_until {
            if until > now {
                return until - now;
            }
            self.blocked_until = None;
        }
        if self.window_reset_at.is_some_and(|reset| reset <= now) {
            self.window_reset_at = None;
            self.remaining = None;
        }
        while self
            .sent
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= Self::WINDOW)
        {
            self.sent.pop_front();
        }
        let (Some(limit), Some(budget)) = (self.limit, self.budget()) else {
            return Duration::ZERO;
        };
        if self.sent.len() >= budget as usize {
            let oldest = self.sent[self.sent.len() - budget as usize];
            return (oldest + Self::WINDOW)
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
        }
        let reserve = limit - budget;
        if let (Some(remaining), Some(reset)) = (self.remaining, self.window_reset_at)
            && remaining <= reserve
        {
            return reset
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
        }
        Duration::ZERO
    }

    /// Takes in what a response said. `unix_secs` is the wall clock when it arrived: without a
    /// reset header the window is assumed to end at the next whole minute, as Zendesk's does.
    pub fn observe(&mut self, now: Instant, unix_secs: u64, rate: &RateLimit) {
        if let Some(limit) = rate.limit {
            self.limit = Some(limit.max(1));
        }
        let Some(remaining) = rate.remaining else {
            return;
        };
        // Zendesk's windows are a minute long: a reset announced further off is not waited for.
        let reset_in = rate
            .reset_secs
            .unwrap_or(60 - unix_secs % 60)
            .min(Self::LONGEST_RESET.as_secs());
        let reset_at = now + Duration::from_secs(reset_in);
        let new_window = self
            .window_reset_at
            .is_none_or(|known| reset_at > known + Duration::from_secs(1));
        if new_window {
            self.window_reset_at = Some(reset_at);
            self.remaining = Some(remaining);
        } else {
            self.remaining = Some(
                self.remaining
                    .map_or(remaining, |known| known.min(remaining)),
            );
        }
    }

    /// Holds every request until `until` (after a 429 with `Retry-After`).
    pub fn block_until(&mut self, until: Instant) {
        self.blocked_until = Some(self.blocked_until.map_or(until, |known| known.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Pacer;
    use crate::zendesk::RateLimit;

    fn rate(limit: u32, remaining: u32, reset: Option<u64>) -> RateLimit {
        RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            reset_secs: reset,
        }
    }

    #[test]
    fn unknown_limit_does_not_wait() {
        let mut pacer = Pacer::new(0.5);
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(pacer.reserve(now, false), Duration::ZERO);
        }
    }

    #[test]
    fn own_budget_is_the_share_of_the_limit_per_window() {
        let mut pacer = Pacer::new(0.5);
        let start = Instant::now();
        pacer.observe(start, 0, &rate(200, 200, Some(60)));
        assert_eq!(pacer.budget(), Some(100));
        // 100 requests spread over 10 s go through; the 101st waits for the first to leave
        // the window.
        for i in 0..100u64 {
            assert_eq!(
                pacer.reserve(start + Duration::from_millis(i * 100), false),
                Duration::ZERO
            );
        }
        let at = start + Duration::from_secs(10);
        let wait = pacer.reserve(at, false);
        assert_eq!(
            wait,
            Pacer::WINDOW.checked_sub(Duration::from_secs(10)).unwrap()
        );
        assert_eq!(pacer.reserve(start + Pacer::WINDOW, false), Duration::ZERO);
    }

    #[test]
    fn others_reserve_is_kept() {
        let mut pacer = Pacer::new(0.5);
        let start = Instant::now();
        // Another integration already used 150 of 200: only 50 remain, our reserve for them
        // is 100, so we wait for the reset in 20 s.
        pacer.observe(start, 0, &rate(200, 50, Some(20)));
        assert_eq!(pacer.reserve(start, false), Duration::from_secs(20));
        // After the reset the window is fresh.
        assert_eq!(
            pacer.reserve(start + Duration::from_secs(20), false),
            Duration::ZERO
        );
    }

    #[test]
    fn share_one_uses_the_whole_limit_but_not_more() {
        let mut pacer = Pacer::new(1.0);
        let start = Instant::now();
        pacer.observe(start, 0, &rate(10, 10, Some(60)));
        for _ in 0..10 {
            assert_eq!(pacer.reserve(start, false), Duration::ZERO);
        }
        assert!(pacer.reserve(start, false) > Duration::ZERO);
    }

    #[test]
    fn in_flight_sends_count_against_remaining() {
        let mut pacer = Pacer::new(1.0);
        let start = Instant::now();
        pacer.observe(start, 0, &rate(700, 3, Some(30)));
        assert_eq!(pacer.reserve(start, false), Duration::ZERO);
        assert_eq!(pacer.reserve(start, false), Duration::ZERO);
        assert_eq!(pacer.reserve(start, false), Duration::ZERO);
        assert_eq!(pacer.reserve(start, false), Duration::from_secs(30));
        // A late answer from the same window cannot raise `remaining` again.
        pacer.observe(
            start + Duration::from_millis(10),
            0,
            &rate(700, 2, Some(30)),
        );
        assert_eq!(
            pacer.reserve(start + Duration::from_millis(10), false),
            Duration::from_millis(29_990)
        );
    }

    #[test]
    fn missing_reset_assumes_the_next_whole_minute() {
        let mut pacer = Pacer::new(0.5);
        let start = Instant::now();
        pacer.observe(
            start,
            1_700_000_045,
            &RateLimit {
                limit: Some(100),
                remaining: Some(10),
                reset_secs: None,
            },
        );
        // 1_700_000_045 % 60 == 5 → 55 s to the minute.
        assert_eq!(pacer.reserve(start, false), Duration::from_secs(55));
    }

    #[test]
    fn a_reset_announced_further_off_than_a_minute_is_not_waited_for() {
        let mut pacer = Pacer::new(0.5);
        let start = Instant::now();
        pacer.observe(start, 0, &rate(200, 0, Some(99_999_999)));
        assert_eq!(pacer.reserve(start, false), Pacer::LONGEST_RESET);
    }

    #[test]
    fn retry_after_blocks_everyone_and_force_ignores_it() {
        let mut pacer = Pacer::new(0.5);
        let start = Instant::now();
        pacer.block_until(start + Duration::from_secs(7));
        assert_eq!(pacer.reserve(start, false), Duration::from_secs(7));
        assert_eq!(pacer.reserve(start, true), Duration::ZERO);
        assert_eq!(
            pacer.reserve(start + Duration::from_secs(7), false),
            Duration::ZERO
        );
    }
}
