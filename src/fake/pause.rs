//! A one-shot pause before one endpoint (`PUT /__fake/pause`): the next API request to it
//! waits, unanswered and not yet counted, until the test releases it. Meanwhile the test
//! writes to the account as another integration would, through the ordinary API, so a run
//! meets a change made between two of its steps. Nothing of Zendesk's behaviour changes:
//! the paused request is answered as usual once released, from the account as it is then.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Notify;

/// An armed pause.
#[derive(Debug)]
pub(crate) struct Pause {
    /// The endpoint, as `/__fake/requests` names it (`GET /api/v2/group_memberships`).
    before: String,
    /// Whether a request is waiting at it.
    waiting: bool,
    /// Wakes the waiting request (a release before it waits is kept as a permit).
    release: Arc<Notify>,
}

impl Pause {
    /// A pause before the next request to `before`.
    pub(crate) fn before(before: String) -> Self {
        Self {
            before,
            waiting: false,
            release: Arc::new(Notify::new()),
        }
    }

    /// If this pause is for `endpoint` and no request waits at it yet, makes the request the
    /// one that waits: the signal to wait for.
    pub(crate) fn stop(&mut self, endpoint: &str) -> Option<Arc<Notify>> {
        (self.before == endpoint && !self.waiting).then(|| {
            self.waiting = true;
            Arc::clone(&self.release)
        })
    }

    /// Lets the waiting request go on (a pause no request reached yet is simply gone);
    /// whether a request was waiting.
    pub(crate) fn release(self) -> bool {
        self.release.notify_one();
        self.waiting
    }

    /// `{"before": …, "waiting": …}`, as `GET /__fake/pause` shows it.
    pub(crate) fn to_json(pause: Option<&Self>) -> Value {
        json!({
            "before": pause.map(|p| p.before.as_str()),
            "waiting": pause.is_some_and(|p| p.waiting),
        })
    }
}
