//! Fixed-window rate limits aligned to wall-clock minutes, as Zendesk's `ratelimit-reset`
//! shows: the account bucket, the per-user update bucket and the incremental-export bucket.

use std::collections::HashMap;

/// Which budget a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    /// Every API request.
    Account,
    /// `PUT /users/{id}` and `create_or_update` for one user (by id or key).
    UserUpdate(String),
    /// The incremental export.
    Incremental,
}

/// Counts requests per bucket in the current minute.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    minute: u64,
    counts: HashMap<Bucket, u32>,
}

/// The outcome of drawing from a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Draw {
    /// Whether the request is within the limit.
    pub(crate) allowed: bool,
    /// Requests left in this minute.
    pub(crate) remaining: u32,
    /// Seconds until the window resets (1..=60).
    pub(crate) reset: u64,
}

impl RateLimiter {
    /// Counts one request against `bucket` at `unix_seconds`.
    /// `window` is the window length in seconds (60 for Zendesk); windows are aligned to
    /// multiples of it since the epoch.
    pub(crate) fn draw(
        &mut self,
        bucket: Bucket,
        limit: u32,
        unix_seconds: u64,
        window: u64,
    ) -> Draw {
        let window = window.max(1);
        let minute = unix_seconds / window;
        if minute != self.minute {
            self.minute = minute;
            self.counts.clear();
        }
        let reset = window - unix_seconds % window;
        let count = self.counts.entry(bucket).or_insert(0);
        if *count >= limit {
            return Draw {
                allowed: false,
                remaining: 0,
                reset,
            };
        }
        *count += 1;
        Draw {
            allowed: true,
            remaining: limit - *count,
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_aligned_to_the_minute() {
        let mut limiter = RateLimiter::default();
        let t = 1_700_000_080; // 40 s into a minute
        assert_eq!(
            limiter.draw(Bucket::Account, 2, t, 60),
            Draw {
                allowed: true,
                remaining: 1,
                reset: 20
            }
        );
        assert!(limiter.draw(Bucket::Account, 2, t + 1, 60).allowed);
        assert!(!limiter.draw(Bucket::Account, 2, t + 2, 60).allowed);
        assert!(limiter.draw(Bucket::Account, 2, t + 20, 60).allowed);
    }
}
