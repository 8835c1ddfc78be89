//! How long the incremental export's window keeps its next pages: what the convergence
//! check weighs against reading with `show_many` at once.

use std::time::Duration;

use super::{PoisonError, Transport};
use crate::zendesk::limits::{EXPORT_PER_WINDOW, EXPORT_WINDOW};

impl Transport {
    /// How long from now until `requests` incremental-export requests (at most
    /// [`EXPORT_PER_WINDOW`]) could all go, by the same window as [`Transport::incremental_slot`];
    /// zero when they may go at once (or delays are off).
    pub(crate) fn incremental_wait(&self, requests: usize) -> Duration {
        if self.settings.no_delay || requests == 0 {
            return Duration::ZERO;
        }
        let sent = self
            .incremental_sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = tokio::time::Instant::now();
        let live: Vec<_> = sent
            .iter()
            .filter(|t| now.duration_since(**t) < EXPORT_WINDOW)
            .collect();
        let free = EXPORT_PER_WINDOW.saturating_sub(live.len());
        let wanted = requests.min(EXPORT_PER_WINDOW);
        if wanted <= free {
            return Duration::ZERO;
        }
        // The oldest `wanted - free` requests must leave the window first.
        live.get(wanted - free - 1).map_or(Duration::ZERO, |t| {
            EXPORT_WINDOW.saturating_sub(now.duration_since(**t))
        })
    }
}
