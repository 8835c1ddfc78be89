//! The account's settings (`GET /api/v2/account/settings`), of which zroster reads the user
//! switches: whether users can carry tags and belong to several organizations.

use serde::{Deserialize, Serialize};

use super::null_default;

/// `{"settings": {...}}`: only the parts zroster reads; the rest is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// The user switches.
    #[serde(default, deserialize_with = "null_default")]
    pub user: UserSettings,
    /// Feature flags, among them `user_tagging`.
    #[serde(default, deserialize_with = "null_default")]
    pub active_features: ActiveFeatures,
}

/// `settings.user`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSettings {
    /// Whether users can carry tags; when off, Zendesk ignores the `tags` of users.
    #[serde(default)]
    pub tagging: Option<bool>,
    /// Whether a user can belong to more than one organization.
    #[serde(default)]
    pub multiple_organizations: Option<bool>,
}

/// `settings.active_features`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveFeatures {
    /// The same switch as `settings.user.tagging`, as a feature flag.
    #[serde(default)]
    pub user_tagging: Option<bool>,
}

impl AccountSettings {
    /// Whether user tagging is on: `settings.user.tagging`, else the feature flag; off when
    /// neither says (Zendesk's default).
    #[must_use]
    pub fn user_tagging(&self) -> bool {
        self.user
            .tagging
            .or(self.active_features.user_tagging)
            .unwrap_or(false)
    }

    /// Whether users can belong to several organizations; off when not said (the default).
    #[must_use]
    pub fn multiple_organizations(&self) -> bool {
        self.user.multiple_organizations.unwrap_or(false)
    }
}
