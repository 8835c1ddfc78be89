//! A user identity: an email address, phone number or other channel of a user.

use serde::{Deserialize, Serialize};

use super::null_default;

/// `GET /users/{id}/identities` items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The identity's id.
    pub id: u64,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The user it belongs to.
    #[serde(default)]
    pub user_id: Option<u64>,
    /// `email`, `phone_number`, `twitter`, …
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
    /// The address or number.
    #[serde(default, deserialize_with = "null_default")]
    pub value: String,
    /// Whether it is verified.
    #[serde(default, deserialize_with = "null_default")]
    pub verified: bool,
    /// Whether it is the primary identity of its type.
    #[serde(default, deserialize_with = "null_default")]
    pub primary: bool,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}
