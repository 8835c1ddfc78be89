//! The classic approach the apply benchmark compares zapply with: what the usual sync
//! scripts do, one `POST /api/v2/users/create_or_update` per roster user, one at a time,
//! with no fetch and no diff (every user is sent, changed or not).
//!
//! To keep the comparison fair it sends through zroster's own [`WriteClient`], so it is paced
//! by the same rate-limit share from the same `X-Rate-Limit-*` headers, and retried the same
//! way after a 429, as zapply is. Only the shape of the traffic differs.

use std::time::{Duration, Instant};

use zroster::zendesk::WriteClient;
use zroster::zendesk::wire::Fields;

/// What one baseline run did.
pub(crate) struct Outcome {
    /// Users Zendesk refused (or whose answer was lost).
    pub(crate) failed: usize,
    /// Wall time of the whole run.
    pub(crate) wall: Duration,
}

/// Sends every user in `users` (Zendesk's wire shape: `name`, `email`, `external_id`,
/// `role`, …) with its own `create_or_update` request, in order.
pub(crate) async fn run(client: &WriteClient, users: &[Fields]) -> Outcome {
    let started = Instant::now();
    let mut failed = 0;
    for user in users {
        if client.create_or_update_user(user).await.is_err() {
            failed += 1;
        }
    }
    Outcome {
        failed,
        wall: started.elapsed(),
    }
}
