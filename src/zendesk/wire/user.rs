//! A Zendesk user (`UserForAdmin` of the `OpenAPI` file, as recorded).

use serde::{Deserialize, Serialize};

use super::{Fields, Role, null_default, yes};

/// A user as `GET /users`, `show_many`, search and the incremental export return it.
#[allow(clippy::struct_excessive_bools)] // Zendesk sends these flags as separate booleans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: u64,
    /// API URL of the user.
    #[serde(default)]
    pub url: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Primary email address (null for users without one and for deleted users).
    #[serde(default)]
    pub email: Option<String>,
    /// `end-user`, `agent` or `admin`.
    #[serde(default = "end_user", deserialize_with = "role_or_end_user")]
    pub role: Role,
    /// 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin.
    #[serde(default)]
    pub role_type: Option<u8>,
    /// The custom (agent) role; admins on newer accounts carry the system role's id.
    #[serde(default)]
    pub custom_role_id: Option<u64>,
    /// External id (unique per account, case-insensitive).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Default organization.
    #[serde(default)]
    pub organization_id: Option<u64>,
    /// Default group (agents).
    #[serde(default)]
    pub default_group_id: Option<u64>,
    /// Tags (`null` reads as none).
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Alias shown to end users.
    #[serde(default)]
    pub alias: Option<String>,
    /// Details.
    #[serde(default)]
    pub details: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Signature (agents).
    #[serde(default)]
    pub signature: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Locale (BCP-47).
    #[serde(default)]
    pub locale: Option<String>,
    /// Locale id.
    #[serde(default)]
    pub locale_id: Option<u64>,
    /// Rails-style time zone name.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// IANA time zone name.
    #[serde(default)]
    pub iana_time_zone: Option<String>,
    /// Whether any identity is verified.
    #[serde(default, deserialize_with = "null_default")]
    pub verified: bool,
    /// False for deleted users.
    #[serde(default = "yes", deserialize_with = "super::null_true")]
    pub active: bool,
    /// Whether the user is suspended.
    #[serde(default, deserialize_with = "null_default")]
    pub suspended: bool,
    /// Forum moderator.
    #[serde(default, deserialize_with = "null_default")]
    pub moderator: bool,
    /// `organization`, `groups`, `assigned`, `requested` or null.
    #[serde(default)]
    pub ticket_restriction: Option<String>,
    /// Whether the user may only make private comments.
    #[serde(default, deserialize_with = "null_default")]
    pub only_private_comments: bool,
    /// Whether the agent is restricted.
    #[serde(default, deserialize_with = "null_default")]
    pub restricted_agent: bool,
    /// Ticket-sharing user (read-only; updates are refused).
    #[serde(default, deserialize_with = "null_default")]
    pub shared: bool,
    /// Ticket-sharing agent.
    #[serde(default, deserialize_with = "null_default")]
    pub shared_agent: bool,
    /// Custom user fields.
    #[serde(default, deserialize_with = "null_default")]
    pub user_fields: Fields,
    /// Only in the incremental export, for deleted users.
    #[serde(default)]
    pub permanently_deleted: Option<bool>,
    /// Last login (API-token requests included).
    #[serde(default)]
    pub last_login_at: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change (ISO 8601); a saved plan compares it to detect staleness.
    #[serde(default)]
    pub updated_at: Option<String>,
}

fn end_user() -> Role {
    Role::EndUser
}

fn role_or_end_user<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Role, D::Error> {
    Ok(Option::<Role>::deserialize(deserializer)?.unwrap_or(Role::EndUser))
}
