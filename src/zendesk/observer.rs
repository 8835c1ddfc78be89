//! A callback for progress and log lines: the library reports, the binaries print.

use std::time::Duration;

use super::rate_limit::RateLimit;

/// Something the client did that a person may want to see.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent<'a> {
    /// An HTTP answer arrived.
    Response {
        /// Normalised endpoint (`GET /api/v2/users`).
        endpoint: &'a str,
        /// HTTP status.
        status: u16,
        /// Time from sending to the end of the body.
        elapsed: Duration,
        /// The path and query asked (`/api/v2/users/show_many?ids=1,2`), relative to the
        /// account's base URL, with the credentials taken out (a URL never carries them,
        /// but a log must not rely on it).
        target: &'a str,
        /// The rate-limit headers of the answer.
        rate: RateLimit,
    },
    /// A failed attempt will be repeated after `wait`.
    Retry {
        /// Normalised endpoint.
        endpoint: &'a str,
        /// The attempt that failed (1 for the first).
        attempt: u32,
        /// Why (`503`, `429`, `connection error: …`).
        reason: &'a str,
        /// How long the client waits before the next attempt.
        wait: Duration,
    },
    /// A request waits for the rate limit: the run's share of the account's limit, or the
    /// incremental export's spacing.
    Paced {
        /// How long.
        wait: Duration,
    },
    /// Bulk jobs progressed.
    Jobs {
        /// Jobs finished so far.
        finished: usize,
        /// Jobs submitted so far.
        submitted: usize,
        /// Jobs this operation needs in all.
        total: usize,
    },
    /// A bulk job was accepted.
    JobSubmitted {
        /// Zendesk's job id.
        id: &'a str,
        /// Which bulk operation submitted it, as the caller tagged the client it wrote with
        /// ([`WriteClient::for_operation`](super::WriteClient::for_operation); 0 untagged):
        /// several operations may run side by side.
        operation: u64,
        /// The indices, within the bulk operation, of the items the job carries.
        items: std::ops::Range<usize>,
    },
    /// A bulk job in flight reported how far it got (`progress` of `total` items).
    JobProgress {
        /// Zendesk's job id.
        id: &'a str,
        /// Items processed so far.
        progress: u64,
        /// Items in the job.
        total: u64,
    },
    /// A bulk job ended: `completed`, `failed`, `killed`, or `expired` when it vanished before
    /// reporting.
    JobFinished {
        /// Zendesk's job id.
        id: &'a str,
        /// How it ended.
        status: &'a str,
    },
    /// A bulk endpoint is forbidden on this account; the client uses single requests instead.
    Fallback {
        /// The refused bulk endpoint.
        endpoint: &'a str,
        /// How many single requests replace it.
        requests: usize,
    },
}

/// Receives [`ClientEvent`]s. Implementations must be cheap: they are called on every answer.
pub trait Observer: Send + Sync {
    /// Called for every event.
    fn on_event(&self, event: &ClientEvent<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn on_event(&self, _event: &ClientEvent<'_>) {}
}
