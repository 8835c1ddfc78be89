//! Removing what a probe created: every user its journal lists (and any user it announced
//! whose creation's answer never came, found by its external id) is deleted, then deleted
//! for good; then its organizations and groups (found by name when an answer never came)
//! are deleted; each is read back to check that none is left.

use std::sync::Arc;

use reqwest::Method;

use super::exchange::Exchanger;
use super::journal::{self, Entry, Journal, Kind, Left};
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

/// Deletes the users, organizations and groups `left` names, then checks that none is
/// readable.
pub(crate) async fn remove(
    x: &Exchanger,
    journal: &mut Journal,
    left: &Left,
) -> Result<Cleanup, ProbeError> {
    let mut cleanup = remove_users(x, journal, left).await?;
    let (removed, still) = remove_organizations(x, journal, left).await?;
    cleanup.removed_organizations = removed;
    cleanup.left_organizations = still;
    let (removed, still) = remove_groups(x, journal, left).await?;
    cleanup.removed_groups = removed;
    cleanup.left_groups = still;
    Ok(cleanup)
}

/// Deletes the users `left` names, then checks that none is readable.
async fn remove_users(
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
            journal.write(&Entry::Removed {
                id,
                kind: Kind::User,
            })?;
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
        ..Cleanup::default()
    })
}

/// Deletes `ids` of `kind` (`collection/{id}`), journaling each one removed; a 404 is one
/// already gone.
async fn delete_each(
    x: &Exchanger,
    journal: &mut Journal,
    kind: Kind,
    collection: &str,
    ids: &[u64],
) -> Result<u32, ProbeError> {
    let mut removed = 0;
    for &id in ids {
        let deleted = x
            .send(Method::DELETE, &format!("{collection}/{id}"), &[], None)
            .await?;
        if deleted.ok() || deleted.status == 404 {
            journal.write(&Entry::Removed { id, kind })?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes the probe's organizations (by name where the creation's answer never came) and
/// returns how many it removed and which are still readable.
async fn remove_organizations(
    x: &Exchanger,
    journal: &mut Journal,
    left: &Left,
) -> Result<(u32, Vec<u64>), ProbeError> {
    let mut ids = left.organizations.clone();
    for name in left.unanswered(Kind::Organization) {
        let found = x
            .send(Method::GET, "organizations/search", &[("name", name)], None)
            .await?;
        for org in found.body["organizations"].as_array().into_iter().flatten() {
            if org["name"].as_str() == Some(name)
                && let Some(id) = org["id"].as_u64()
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        return Ok((0, Vec::new()));
    }
    let removed = delete_each(x, journal, Kind::Organization, "organizations", &ids).await?;
    let strings: Vec<String> = ids.iter().map(u64::to_string).collect();
    let joined = strings.join(",");
    let still = x
        .send(
            Method::GET,
            "organizations/show_many",
            &[("ids", joined.as_str())],
            None,
        )
        .await?;
    let mut still: Vec<u64> = still.body["organizations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_u64())
        .collect();
    still.sort_unstable();
    Ok((removed, still))
}

/// Deletes the probe's groups (by name, from the first page of groups, where the
/// creation's answer never came) and returns how many it removed and which are still
/// readable and not deleted.
async fn remove_groups(
    x: &Exchanger,
    journal: &mut Journal,
    left: &Left,
) -> Result<(u32, Vec<u64>), ProbeError> {
    let mut ids = left.groups.clone();
    let unanswered = left.unanswered(Kind::Group);
    if !unanswered.is_empty() {
        let groups = x.send(Method::GET, "groups", &[], None).await?;
        for group in groups.body["groups"].as_array().into_iter().flatten() {
            if group["name"]
                .as_str()
                .is_some_and(|n| unanswered.contains(&n))
                && group["deleted"].as_bool() != Some(true)
                && let Some(id) = group["id"].as_u64()
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
    }
    let removed = delete_each(x, journal, Kind::Group, "groups", &ids).await?;
    let mut still = Vec::new();
    for &id in &ids {
        let read = x
            .send(Method::GET, &format!("groups/{id}"), &[], None)
            .await?;
        if read.ok()
            && read
                .body
                .pointer("/group/deleted")
                .and_then(serde_json::Value::as_bool)
                != Some(true)
        {
            still.push(id);
        }
    }
    Ok((removed, still))
}
