//! An agent's membership in a group.

use serde::{Deserialize, Serialize};

use super::null_default;

/// A group membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembership {
    /// The membership's id.
    pub id: u64,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The agent.
    pub user_id: u64,
    /// The group.
    pub group_id: u64,
    /// Whether it is the agent's default group.
    #[serde(default, deserialize_with = "null_default")]
    pub default: bool,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
