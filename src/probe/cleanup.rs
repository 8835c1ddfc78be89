//! Removing what a probe created: every user its journal lists (and any user it announced
//! whose creation's answer never came, found by its external id) is deleted, then deleted
//! for good, and read back to check that none is left.

use std::sync::Arc;

use reqwest::Method;

use super::exchange::Exchanger;
use super::journal::{self, Entry, Journal, Left};
use super::report::Cleanup;
use super::{CLEANUP_BUDGET, ProbeError};
use crate::zendesk::{ConnectionSettings, Observer};

/// `zroster probe --cleanup JOURNAL`: removes what the run of that journal left, on the
/// account it names (refused on another).
pub async fn cleanup(
    connection: ConnectionSettings,
    observer: Arc<dyn Observer>,
    path: &std::path::Path,
) -> Result<Cleanup, ProbeError> {
    let left = journal::read(path)?;
    let x = Exchanger::new(connection, observer, CLEANUP_BUDGET)?;
    if x.account().trim_end_matches('/') != left.account.trim_end_matches('/') {
        return Err(ProbeError::OtherAccount {
            journal: left.account,
            connected: x.account(),
        });
    }
    x.begin("cleanup");
    let mut journal = Journal::append(path)?;
    remove(&x, &mut journal, &left).await
}

/// Ids of the users `query` finds with `users/show_many` (deleted ones included).
async fn show_many(x: &Exchanger, key: &str, values: &[String]) -> Result<Vec<u64>, ProbeError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let joined = values.join(",");
    let reply = x
        .send(
            Method::GET,
            "users/show_many",
            &[(key, joined.as_str())],
            None,
        )
        .await?;
    Ok(reply.body["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["id"].as_u64())
        .collect())
}

/// Deletes the users `left` names, then checks that none is readable.
pub(crate) async fn remove(
    x: &Exchanger,
    journal: &mut Journal,
    left: &Left,
) -> Result<Cleanup, ProbeError> {
    let mut ids = left.ids.clone();
    for id in show_many(x, "external_ids", &left.external_ids).await? {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut removed = 0;
    for &id in &ids {
        let deleted = x
            .send(Method::DELETE, &format!("users/{id}"), &[], None)
            .await?;
        let forgotten = x
            .send(Method::DELETE, &format!("deleted_users/{id}"), &[], None)
            .await?;
        if (deleted.ok() || deleted.status == 404) && (forgotten.ok() || forgotten.status == 404) {
            journal.write(&Entry::Removed { id })?;
            removed += 1;
        }
    }
    let strings: Vec<String> = ids.iter().map(u64::to_string).collect();
    let mut still = show_many(x, "ids", &strings).await?;
    for id in show_many(x, "external_ids", &left.external_ids).await? {
        if !still.contains(&id) {
            still.push(id);
        }
    }
    still.sort_unstable();
    Ok(Cleanup {
        removed,
        left: still,
    })
}
