//! The secondary addresses of the few users whose access a plan lowers, so that `protect`
//! patterns match every address a user holds, not only the primary one (DESIGN.md §5).
//!
//! The identities of 100 users are read in one request, sideloaded on `users/show_many`
//! ([`ReadClient::identities_of`]; one request a user where an answer does not sideload
//! them). The users concerned are those a plan deletes, suspends, downgrades or changes the
//! role of, which `max_*` keeps few; the read is skipped altogether when the roster protects
//! no address, and bounded by [`ADDRESS_READS_AT_MOST`] users: beyond it the plan says which
//! users were matched by their primary address only.

use std::collections::HashMap;

use crate::zendesk::{ReadClient, ZendeskError};

/// Users whose identities one plan or apply reads at most (two requests, or one a user
/// where Zendesk does not sideload identities).
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
    let (identities, requests) = client.identities_of(read).await?;
    for (id, identities) in identities {
        let secondary = identities
            .into_iter()
            .filter(|i| i.kind == "email" && !i.primary)
            .map(|i| i.value.to_lowercase())
            .collect();
        addresses.by_user.insert(id, secondary);
    }
    addresses.requests = requests;
    Ok(addresses)
}
