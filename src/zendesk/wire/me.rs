//! The answer of `GET /users/me`, which may be the anonymous user.

use serde::Deserialize;

use super::Role;

/// `GET /users/me` as sent: with wrong or missing credentials Zendesk answers 200 with
/// `{"name":"Anonymous user","id":null,…}`, so every field is optional here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// Null for the anonymous user.
    #[serde(default)]
    pub id: Option<u64>,
    /// The user's API URL, `https://{subdomain}.zendesk.com/api/v2/users/{id}.json`: on the
    /// account's own host, which names the account.
    #[serde(default)]
    pub url: Option<String>,
    /// Display name (`Anonymous user` for the anonymous one).
    #[serde(default)]
    pub name: Option<String>,
    /// Primary email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Role; `end-user` for the anonymous user where present.
    #[serde(default)]
    pub role: Option<Role>,
}

impl Me {
    /// Whether this is Zendesk's anonymous answer (no id).
    #[must_use]
    pub fn is_anonymous(&self) -> bool {
        self.id.is_none()
    }
}
