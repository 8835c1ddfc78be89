//! The state file (DESIGN.md §9): one JSON object whose keys are Zendesk's collection names
//! holding objects in Zendesk's wire shape, plus an optional `account` object of knobs.
//! Used to seed the emulator (`--state`, `PUT /__fake/state`) and to save it (`--save`,
//! `GET /__fake/state`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::choices::{
    CustomRoleNull, LastGroupMembership, MatchKey, OrganizationIdChange, TagsWithoutTagging,
    UndefinedUserField, UsersSearchCap, VerifiedWrite,
};
use super::config::Plan;
use super::error::Error;

/// The knobs an `account` object may set; absent keys keep their current value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is the knob of the same name in `Knobs`
pub struct AccountSettings {
    /// The plan whose fresh-account defaults the other knobs start from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_tagging: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple_organizations: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_lag_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_imports: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_update_rate_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incremental_rate_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_window_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_items_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_jobs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_ttl_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_5xx: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_429: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_drop: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_item: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_job_failed: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_job_killed: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promoted_agent_joins_default_group: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_agent_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_role_null: Option<CustomRoleNull>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined_user_field: Option<UndefinedUserField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_or_update_prefers: Option<MatchKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id_change: Option<OrganizationIdChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_group_membership: Option<LastGroupMembership>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags_without_tagging: Option<TagsWithoutTagging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_write: Option<VerifiedWrite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_search_cap: Option<UsersSearchCap>,
}

/// The whole state file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Knobs of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountSettings>,
    /// User objects.
    #[serde(default)]
    pub users: Vec<Value>,
    /// Identity objects (`user_id`, `value`, `primary`); a user's `email` also makes one.
    #[serde(default)]
    pub identities: Vec<Value>,
    /// Organization objects.
    #[serde(default)]
    pub organizations: Vec<Value>,
    /// Organization membership objects.
    #[serde(default)]
    pub organization_memberships: Vec<Value>,
    /// Group objects.
    #[serde(default)]
    pub groups: Vec<Value>,
    /// Group membership objects.
    #[serde(default)]
    pub group_memberships: Vec<Value>,
    /// Custom role objects.
    #[serde(default)]
    pub custom_roles: Vec<Value>,
    /// Custom user field definitions (`key`, `type`, `title`, `tag`, `custom_field_options`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_fields: Vec<Value>,
}

impl StateFile {
    /// Parses a state file from JSON text and checks the knobs of its `account`; `path`
    /// names it in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, Error> {
        let invalid = |message: String| Error::Parse {
            path: path.to_owned(),
            message,
        };
        let state: Self = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if let Some(account) = &state.account {
            account
                .check(|knob| format!("account.{knob}"))
                .map_err(|e| invalid(e.to_string()))?;
        }
        Ok(state)
    }

    /// Reads and parses a state file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Writes the state file as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        // A state holds every user's name and email: written like a saved plan, 0600.
        crate::private_file::write(path, text.as_bytes()).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    }
}
