//! A Zendesk organization.

use serde::{Deserialize, Serialize};

use super::{Fields, null_default};

/// An organization as listed, shown and created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// The organization's id.
    pub id: u64,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Unique name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// External id (case-insensitive).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Details.
    #[serde(default)]
    pub details: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Domains whose users join it automatically.
    #[serde(default, deserialize_with = "null_default")]
    pub domain_names: Vec<String>,
    /// Group new tickets go to.
    #[serde(default)]
    pub group_id: Option<u64>,
    /// Whether members see each other's tickets.
    #[serde(default, deserialize_with = "null_default")]
    pub shared_tickets: bool,
    /// Whether members may comment on each other's tickets.
    #[serde(default, deserialize_with = "null_default")]
    pub shared_comments: bool,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Custom organization fields.
    #[serde(default, deserialize_with = "null_default")]
    pub organization_fields: Fields,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
