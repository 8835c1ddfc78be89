//! A Zendesk group of agents.

use serde::{Deserialize, Serialize};

use super::null_default;

/// A group as listed and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's id.
    pub id: u64,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Description (`""` when none).
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is the account's default group.
    #[serde(default, deserialize_with = "null_default")]
    pub default: bool,
    /// Whether it is deleted.
    #[serde(default, deserialize_with = "null_default")]
    pub deleted: bool,
    /// Public or private (absent in older answers).
    #[serde(default)]
    pub is_public: Option<bool>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
