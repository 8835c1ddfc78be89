//! A group membership in the recorded key order (`zenpy__group-memberships-pagination.json`).

use serde::{Deserialize, Serialize};

/// An agent's membership of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.4
pub struct GroupMembership {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    pub group_id: u64,
    pub default: bool,
    pub created_at: String,
    pub updated_at: String,
}
