//! [`Expiring`]: a roster entry whose time-boxed access ends soon, listed in the plan's
//! "Expiring soon" section before the date (within `settings.expiry_warning_days`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{MatchKey, SourceRef};

/// An entry whose access (`expires`) or temporary role (`temporary.until`) ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Expiring {
    /// The user, as the plan names users: `Jane Smith <jane@acme.com>`.
    pub label: String,
    /// How the user is found: `external_id:emp-1`, `email:jane@acme.com`.
    #[schemars(with = "String")]
    pub key: MatchKey,
    /// The roster entry (`file:line:column`).
    #[schemars(with = "String")]
    pub source: SourceRef,
    /// What ends.
    pub ends: Ending,
    /// The temporary role that ends (`admin`); `null` when the entry's access ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When, as the roster writes it: a date (`2026-12-31`, the end of that day in UTC) or a
    /// time in UTC.
    pub written: String,
    /// The first moment it no longer holds (RFC 3339, UTC).
    pub at: String,
    /// What happens then: the entry's `on_expiry` (`downgrade`, `suspend`, `delete`), or
    /// the role the user returns to (`agent`).
    pub then: String,
}

/// What of an entry ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The entry's access (`expires`): afterwards it grants nothing.
    Access,
    /// The entry's temporary role (`temporary.until`).
    TemporaryRole,
}
