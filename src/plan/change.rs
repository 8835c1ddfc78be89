//! [`Change`]: one change of a plan, its [`Kind`] of object and [`Action`], and the
//! [`FieldChange`]s it makes.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::{Blocked, FieldName, FieldValue, MatchKey, Phase, SourceRef, UserField};

/// What kind of object a change concerns.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A user.
    User,
    /// A custom agent role.
    CustomRole,
    /// An organization.
    Organization,
    /// A group.
    Group,
    /// A user's membership in a group.
    GroupMembership,
    /// A user's membership in an organization.
    OrganizationMembership,
    /// A user's email identity.
    Identity,
}

/// What a change does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create the object.
    Create,
    /// Change fields of the object.
    Update,
    /// Suspend the user.
    Suspend,
    /// Lift the user's suspension.
    Unsuspend,
    /// Make the user an end-user (frees the agent seat, removes group memberships).
    Downgrade,
    /// Delete the user (soft delete).
    Delete,
    /// Add a membership.
    Add,
    /// Remove a membership.
    Remove,
    /// Add an email identity and make it the primary one.
    MakePrimary,
}

impl Action {
    /// The symbol the human renderer prints.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create | Action::Add => "+",
            Action::Delete | Action::Remove => "-",
            Action::Update
            | Action::Suspend
            | Action::Unsuspend
            | Action::Downgrade
            | Action::MakePrimary => "~",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Change {
    /// What kind of object.
    pub kind: Kind,
    /// What happens to it.
    pub action: Action,
    /// How the object is found: `external_id:emp-1`, `email:jane@acme.com`, `name:Billing`.
    #[schemars(with = "String")]
    pub key: MatchKey,
    /// A readable name: `Jane Smith <jane@acme.com>`, `Billing`.
    pub label: String,
    /// The live object's id, when it exists.
    pub id: Option<u64>,
    /// For memberships: the group or organization, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// For memberships: the group's or organization's id, when it exists already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<u64>,
    /// The fields that change, with their values before and after.
    pub fields: Vec<FieldChange>,
    /// Where the roster says so (`file:line`); none for pruned users.
    #[schemars(with = "Option<String>")]
    pub source: Option<SourceRef>,
    /// Why the change is not applied, when it is blocked.
    #[schemars(with = "Option<String>")]
    pub blocked: Option<Blocked>,
    /// Why the change grants privileges (`end-user → agent`), listed first for reviewers.
    pub escalation: Option<String>,
    /// What the reviewer should know about the change: what Zendesk does by itself around
    /// it (a new agent joins the default group, gets the default role; a checked field puts
    /// its tag on the user).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Memberships Zendesk makes by itself with this change and the roster keeps (a new or
    /// promoted agent joins the account's default group): never written, but read back after
    /// applying, like the memberships the plan adds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implies: Vec<Implied>,
}

/// A membership Zendesk makes by itself with a user's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Implied {
    /// The kind of membership (`group_membership`).
    pub kind: Kind,
    /// The group or organization, by name.
    pub target: String,
    /// The group's or organization's id.
    pub target_id: u64,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FieldChange {
    /// The roster's name of the field.
    #[schemars(with = "String")]
    pub field: FieldName,
    /// The live value (`null` for a new object or an empty field).
    #[schemars(with = "serde_json::Value")]
    pub before: FieldValue,
    /// The value after applying.
    #[schemars(with = "serde_json::Value")]
    pub after: FieldValue,
}

impl FieldChange {
    /// A change of a user's field.
    #[must_use]
    pub fn user(field: UserField, before: FieldValue, after: FieldValue) -> Self {
        Self {
            field: FieldName::User(field),
            before,
            after,
        }
    }

    /// The user field changed, when the change is a user's.
    #[must_use]
    pub fn user_field(&self) -> Option<&UserField> {
        match &self.field {
            FieldName::User(field) => Some(field),
            FieldName::CustomRole(_) | FieldName::Organization(_) | FieldName::Group(_) => None,
        }
    }
}

/// A change as its JSON says it, before its fields are read by the change's kind.
#[derive(Deserialize)]
struct Written {
    kind: Kind,
    action: Action,
    key: MatchKey,
    label: String,
    id: Option<u64>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    target_id: Option<u64>,
    fields: Vec<WrittenField>,
    source: Option<SourceRef>,
    blocked: Option<Blocked>,
    escalation: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    implies: Vec<Implied>,
}

/// A field's change as its JSON says it.
#[derive(Deserialize)]
struct WrittenField {
    field: String,
    before: serde_json::Value,
    after: serde_json::Value,
}

/// Reading a saved plan: field names and values are read by the change's kind, the one
/// place where a plan's strings become types again.
impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let written = Written::deserialize(deserializer)?;
        if Phase::of(written.kind, written.action).is_none() {
            let name = |value: Result<String, _>| value.unwrap_or_default();
            return Err(serde::de::Error::custom(format!(
                "a {} change cannot {}",
                name(serde_json::to_string(&written.kind)),
                name(serde_json::to_string(&written.action)),
            )));
        }
        let fields = written
            .fields
            .into_iter()
            .map(|f| {
                let field = FieldName::parse(written.kind, &f.field)?;
                let shape = field.shape();
                let in_field = |e: String| format!("field `{}`: {e}", f.field);
                Ok(FieldChange {
                    before: FieldValue::from_json(shape, f.before).map_err(in_field)?,
                    after: FieldValue::from_json(shape, f.after).map_err(in_field)?,
                    field,
                })
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(serde::de::Error::custom)?;
        Ok(Change {
            kind: written.kind,
            action: written.action,
            key: written.key,
            label: written.label,
            id: written.id,
            target: written.target,
            target_id: written.target_id,
            fields,
            source: written.source,
            blocked: written.blocked,
            escalation: written.escalation,
            notes: written.notes,
            implies: written.implies,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::plan::Plan;
    use crate::plan::tests::{plan_with, state_from};

    /// A saved plan reads back as the plan that was saved: field names, values, keys, roster
    /// places and blocked reasons become the same types again.
    #[test]
    fn every_scenario_plan_reads_back_from_its_json() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios");
        for entry in std::fs::read_dir(&root).unwrap() {
            let dir = entry.unwrap().path();
            let roster = std::fs::read_to_string(dir.join("roster.yaml")).unwrap();
            let live: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap())
                    .unwrap();
            let plan = plan_with(&roster, &state_from(&live));
            let json = serde_json::to_string(&plan).unwrap();
            let read: Plan = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{}: {e}\n{json}", dir.display()));
            assert_eq!(read, plan, "{}", dir.display());
            assert_eq!(read.digest(), plan.digest());
        }
    }
}
