//! An organization membership; `default` is `true` or `null`, never `false` (API.md §4.2).

use serde::{Deserialize, Serialize};

/// A user's membership of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.2
pub struct OrganizationMembership {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    pub organization_id: u64,
    pub default: Option<bool>,
    pub organization_name: String,
    pub view_tickets: bool,
    pub created_at: String,
    pub updated_at: String,
}
