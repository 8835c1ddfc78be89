//! The emulator's wall clock: real time, or real time shifted to a moment a test chose (the
//! fidelity replay sets it to each recorded exchange's moment; tests of the search index's
//! lag move it forward instead of sleeping). Timestamps, rate-limit windows, the search
//! index and the incremental export read it; job progress runs on real elapsed time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// A clock that can be moved forward, shared by every part of one emulator.
#[derive(Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the real time.
    offset_ms: AtomicI64,
}

impl Clock {
    /// The emulated now.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now as Zendesk writes timestamps (`2026-11-29T18:56:05Z`).
    #[must_use]
    pub fn timestamp(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// Sets the clock to `moment`, earlier or later: for a fresh emulator, before its first
    /// request (the fidelity replay starts each recording at its own date).
    pub fn set(&self, moment: DateTime<Utc>) {
        let ahead = (moment - Utc::now()).num_milliseconds();
        self.offset_ms.store(ahead, Ordering::Relaxed);
    }

    /// Moves the clock to `moment` if that is later than now; the clock never goes back, so
    /// rate-limit windows and the search index stay consistent.
    pub fn advance_to(&self, moment: DateTime<Utc>) {
        let ahead = (moment - Utc::now()).num_milliseconds();
        self.offset_ms.fetch_max(ahead, Ordering::Relaxed);
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance_by(&self, seconds: f64) {
        let ms = (seconds.max(0.0) * 1000.0) as i64;
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_forward_only() {
        let clock = Clock::default();
        let past: DateTime<Utc> = "2020-08-17T06:53:33Z".parse().unwrap();
        clock.advance_to(past);
        assert!(clock.now() > past + TimeDelta::days(365));
        clock.set(past);
        assert!((clock.now() - past).num_seconds() < 5);
        clock.set(Utc::now());
        let future = Utc::now() + TimeDelta::days(2);
        let almost = future - TimeDelta::milliseconds(1);
        clock.advance_to(future);
        assert!(clock.now() >= almost);
        clock.advance_to(past);
        assert!(clock.now() >= almost);
        let before = clock.unix();
        clock.advance_by(90.0);
        assert!(clock.unix() >= before + 90);
    }
}
