//! An entry of the account's audit log (`GET /audit_logs`, Enterprise only), in the
//! `AuditLogObject` shape of Zendesk's `OpenAPI` file.

use serde::{Deserialize, Serialize};

/// One audit entry; every field is optional on the wire, as documented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    /// The entry's id.
    pub id: u64,
    /// `create`, `destroy`, `exported`, `login` or `update`.
    #[serde(default)]
    pub action: Option<String>,
    /// Who made the change (a user, or the system).
    #[serde(default)]
    pub actor_id: Option<i64>,
    /// The actor's name.
    #[serde(default)]
    pub actor_name: Option<String>,
    /// What changed (`Role changed from Administrator to End User`).
    #[serde(default)]
    pub change_description: Option<String>,
    /// When (`2012-03-05T11:32:44Z`).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Where the actor was.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// The changed item's id.
    #[serde(default)]
    pub source_id: Option<u64>,
    /// The changed item's name.
    #[serde(default)]
    pub source_label: Option<String>,
    /// The changed item's type (`user`).
    #[serde(default)]
    pub source_type: Option<String>,
}
