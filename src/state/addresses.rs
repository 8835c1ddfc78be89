//! The secondary addresses of the few users whose access a plan lowers, so that `protect`
//! patterns match every address a user holds, not only the primary one (DESIGN.md §5).
//!
//! Zendesk lists a user's identities one user at a time (`GET /users/{id}/identities`):
//! there is no bulk form. The users concerned are those a plan deletes, suspends, downgrades
//! or changes the role of, which `max_*` keeps few; the read is skipped altogether when the
//! roster protects no address, and bounded by [`ADDRESS_READS_AT_MOST`]: beyond it the plan
//! says which users were matched by their primary address only.

use std::collections::HashMap;

use crate::zendesk::{ReadClient, ZendeskError};

/// Users whose identities one plan or apply reads at most.
pub const ADDRESS_READS_AT_MOST: usize = 200;

/// What was read: each user's email addresses other than the primary one, and the users
/// left unread beyond the bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    /// Secondary email addresses (lower-case) by user id.
    pub by_user: HashMap<u64, Vec<String>>,
    /// Users whose identities were not read.
    pub unread: Vec<u64>,
    /// Requests the reads took.
    pub requests: u64,
}

/// Reads the email identities of `users` (at most [`ADDRESS_READS_AT_MOST`] of them),
/// keeping the addresses that are not primary.
pub async fn read_addresses(client: &ReadClient, users: &[u64]) -> Result<Addresses, ZendeskError> {
    let (read, unread) = users.split_at(users.len().min(ADDRESS_READS_AT_MOST));
    let mut addresses = Addresses {
        unread: unread.to_vec(),
        ..Addresses::default()
    };
    let before = client.stats().requests;
    for &id in read {
        let secondary = client
            .identities(id)
            .collect_all()
            .await?
            .into_iter()
            .filter(|i| i.kind == "email" && !i.primary)
            .map(|i| i.value.to_lowercase())
            .collect();
        addresses.by_user.insert(id, secondary);
    }
    addresses.requests = client.stats().requests.saturating_sub(before);
    Ok(addresses)
}
