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

/// What setting `organization_id` to another organization does to a user that has one, on
/// an account without multiple organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationIdChange {
    /// The user leaves its organization for the new one (the emulator's default).
    #[default]
    Move,
    /// 422 on `organization_id`: the user keeps its organization.
    Refuse,
}

/// What removing an agent's last group membership does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LastGroupMembership {
    /// 422 on `base`: "Agents must belong to at least one group" (the emulator's default).
    #[default]
    Refuse,
    /// Removed; the agent belongs to no group.
    Allow,
}

/// What a write of `tags` does while user tagging is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagsWithoutTagging {
    /// The write succeeds and the tags are not changed (the emulator's default).
    #[default]
    Ignore,
    /// 422 on `tags`.
    Refuse,
}

/// What `verified: true` written to an existing, unverified user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedWrite {
    /// The user is verified afterwards (the emulator's default).
    #[default]
    Apply,
    /// Accepted and without effect: `verified` says whether an identity is verified.
    Ignore,
}

/// How far `users/search?query=` pages: API.md §12 finds two documented caps and cannot
/// tell which applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsersSearchCap {
    /// 10,000 records, like every offset listing (`SearchUsers` in the `OpenAPI` file; the
    /// emulator's default): 400 `InvalidPaginationParameter` beyond.
    #[default]
    TenThousand,
    /// 1,000 results, like `/search`: 400 `QueryError` beyond.
    OneThousand,
}
