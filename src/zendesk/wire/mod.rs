//! Wire types: Zendesk's JSON exactly as it comes, tolerant of unknown fields and of nulls.
//!
//! These types are what the HTTP layer parses; `state` converts them into the normalised
//! model the planner compares. Fields Zendesk may send as `null` where a list, map or bool
//! is expected (`tags: null`, `default: null` on memberships) read as empty/false.

mod account_settings;
mod audit_log;
mod custom_role;
mod group;
mod group_membership;
mod identity;
mod job_status;
mod me;
mod organization;
mod organization_membership;
mod page;
mod role;
mod user;
mod user_field;

pub use account_settings::{AccountSettings, ActiveFeatures, UserSettings};
pub use audit_log::AuditLog;
pub use custom_role::CustomRole;
pub use group::Group;
pub use group_membership::GroupMembership;
pub use identity::Identity;
pub use job_status::{JobResult, JobResultOutcome, JobState, JobStatus};
pub use me::Me;
pub use organization::Organization;
pub use organization_membership::OrganizationMembership;
pub use page::{CursorMeta, Page, parse_object};
pub use role::Role;
pub use user::User;
pub use user_field::{FieldOption, UserField};

use serde::{Deserialize, Deserializer};

/// A JSON object as Zendesk sends it (`user_fields`, custom role `configuration`), and the
/// form in which write methods take the fields to send.
pub type Fields = serde_json::Map<String, serde_json::Value>;

/// Reads `null` (or a missing field, with `#[serde(default)]`) as the type's default.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `true` for fields that are true unless Zendesk says otherwise (`active`).
pub(crate) fn yes() -> bool {
    true
}

/// Reads `null` as `true`.
pub(crate) fn null_true<'de, D>(deserializer: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<bool>::deserialize(deserializer)?.unwrap_or(true))
}
