//! The emulator's answers where Zendesk's behaviour is not documented (API.md §12
//! "UNCERTAIN"), each a knob so that the emulator can behave like an account that
//! `zroster probe` found to answer the other way (`zroster fake --account-report`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What `custom_role_id: null` on an agent does where every agent holds a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomRoleNull {
    /// 422 on `custom_role_id` (the emulator's default: refusing shows the mistake).
    #[default]
    Refuse,
    /// Accepted; the agent keeps its role.
    Ignore,
    /// Accepted; the agent holds no role afterwards.
    Clear,
}

/// What a `user_fields` key that no field defines does in a user write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UndefinedUserField {
    /// Not stored, the write succeeds (the emulator's default).
    #[default]
    Ignore,
    /// 422 naming the key.
    Refuse,
}

/// Which key `create_or_update` matches first when the `external_id` and the `email` of
/// the body name two different users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    /// The user with that external id (the emulator's default).
    #[default]
    ExternalId,
    /// The user with that email address.
    Email,
}
