//! A user's membership in an organization.

use serde::{Deserialize, Serialize};

use super::null_default;

/// An organization membership. Zendesk sends `default: null` for non-default memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationMembership {
    /// The membership's id.
    pub id: u64,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The member.
    pub user_id: u64,
    /// The organization.
    pub organization_id: u64,
    /// The organization's name (not in every answer).
    #[serde(default)]
    pub organization_name: Option<String>,
    /// Whether it is the user's default organization (`null` reads as false).
    #[serde(default, deserialize_with = "null_default")]
    pub default: bool,
    /// Whether the user sees the organization's tickets.
    #[serde(default)]
    pub view_tickets: Option<bool>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
