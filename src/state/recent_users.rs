//! [`RecentUsers`]: users changed in the last minutes, found by primary email through the
//! incremental user export. The user search reads an index that lags behind writes by up to
//! a few minutes (API.md §12); the export reads the users themselves. The fetch reads it
//! for the roster emails its searches left unmatched, settling for the users a run (or the
//! run it resumes) may have just created.
//!
//! One rule serves both: the export is read from [`SEARCH_LAG_WINDOW_S`] ago. Whatever
//! changed before that, the search shows already, whoever changed it; whatever changed
//! since, the export lists, newest last. A user whose new address is only a *secondary*
//! one is not found here: the export shows primary addresses only.

use std::collections::{BTreeMap, BTreeSet};

use crate::zendesk::limits::{EXPORT_PER_WINDOW, SEARCH_LAG_WINDOW_S, export_start};
use crate::zendesk::wire::User;
use crate::zendesk::{ReadClient, ZendeskError};

/// The most export pages read for recent changes: one minute's allowance (10 pages of
/// 1,000 users), so the read never waits on the export's limit unless something else used
/// it just before. An account changing more than 10,000 users in [`SEARCH_LAG_WINDOW_S`]
/// is not read to the end ([`RecentUsers::complete`] is then false).
pub const RECENT_PAGES_AT_MOST: usize = EXPORT_PER_WINDOW;

/// The active users, changed in the last [`SEARCH_LAG_WINDOW_S`], whose primary address is
/// one of the emails asked for.
#[derive(Debug, Default)]
pub struct RecentUsers {
    /// Those users as the export shows them (the latest version of each).
    pub users: Vec<User>,
    /// Export pages read.
    pub pages: u64,
    /// Whether the export was read as far as needed: until every email was found or the
    /// export ended. False when [`RECENT_PAGES_AT_MOST`] pages were not enough.
    pub complete: bool,
}

impl RecentUsers {
    /// Reads the export from [`SEARCH_LAG_WINDOW_S`] ago for `emails` (lower-case): one
    /// page, and the next ones only while some email is still not found and the export goes
    /// on, at most [`RECENT_PAGES_AT_MOST`]. Nothing is read for no emails.
    pub async fn find(
        client: &ReadClient,
        emails: &BTreeSet<String>,
    ) -> Result<Self, ZendeskError> {
        if emails.is_empty() {
            return Ok(Self {
                complete: true,
                ..Self::default()
            });
        }
        let now = chrono::Utc::now().timestamp();
        let start = export_start(now - SEARCH_LAG_WINDOW_S, now);
        // By id: a user listed twice (changed again during the read) counts as last seen.
        let mut found: BTreeMap<u64, User> = BTreeMap::new();
        let mut pages = 0;
        let complete = client
            .each_incremental_users(start, RECENT_PAGES_AT_MOST, |page| {
                pages += 1;
                for user in page {
                    if primary_in(&user, emails).is_some() {
                        found.insert(user.id, user);
                    } else {
                        found.remove(&user.id);
                    }
                }
                let seen: BTreeSet<&str> = found
                    .values()
                    .filter_map(|user| primary_in(user, emails))
                    .collect();
                seen.len() < emails.len()
            })
            .await?;
        Ok(Self {
            users: found.into_values().collect(),
            pages,
            complete,
        })
    }
}

/// The user's primary address, when it is active and that address is one of `emails`.
fn primary_in<'e>(user: &User, emails: &'e BTreeSet<String>) -> Option<&'e str> {
    if !user.active {
        return None;
    }
    let email = user.email.as_deref()?.to_lowercase();
    emails.get(&email).map(String::as_str)
}
