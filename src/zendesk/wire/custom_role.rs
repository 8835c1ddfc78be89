//! A custom agent role (Enterprise plans).

use serde::{Deserialize, Serialize};

use super::{Fields, null_default};

/// A custom role with its permission configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomRole {
    /// The role's id.
    pub id: u64,
    /// Name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin.
    #[serde(default)]
    pub role_type: Option<u8>,
    /// Agents holding the role.
    #[serde(default)]
    pub team_member_count: Option<u64>,
    /// Permission keys (`ticket_access`, `end_user_profile_access`, …).
    #[serde(default, deserialize_with = "null_default")]
    pub configuration: Fields,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
