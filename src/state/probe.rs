//! The fetch's first step on its own: `GET /users/me`, who the credentials belong to and
//! which account Zendesk names, which a caller checks (the roster's account binding) before
//! the rest of the fetch ([`super::fetch_after`]) reads anything.

use super::{LiveState, Progress, Stage, StateQuery, fetch_after};
use crate::zendesk::{AuthenticatedUser, ReadClient, RequestStats, ZendeskError};

/// What [`probe`] read, and the client's counters before it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The authenticated user, with the account Zendesk names.
    pub me: AuthenticatedUser,
    /// The client's counters before the probe, for the fetch's cost.
    pub(super) before: RequestStats,
}

/// Step 1 of the fetch: who the credentials belong to, and which account Zendesk names.
pub async fn probe(client: &ReadClient, progress: &dyn Progress) -> Result<Probe, ZendeskError> {
    let before = client.stats();
    progress.on_stage(Stage::Me, 0);
    let me = client.me().await?;
    Ok(Probe { me, before })
}

/// Fetches the live state the roster needs: [`probe`], then [`fetch_after`] (see the
/// module documentation of `fetch.rs` for the steps).
pub async fn fetch(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
) -> Result<LiveState, ZendeskError> {
    let probe = probe(client, progress).await?;
    fetch_after(client, query, progress, probe).await
}
