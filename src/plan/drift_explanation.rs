//! [`DriftExplanation`]: who made the drift a plan reverts, when and through what, read
//! from the account's audit log (`zplan --explain-drift`). Optional in the plan's JSON:
//! `zapply` never needs it, and plans without it read as before.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the audit log says about the plan's drift: the changes that undo a change made
/// outside the roster, and the unlisted users in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DriftExplanation {
    /// The start of the window read (RFC 3339).
    pub since: String,
    /// The end of the window read (RFC 3339): when planning.
    pub until: String,
    /// The most requests the explanation may make.
    pub budget: usize,
    /// The requests it made: one a page of 100 entries, newest first, stopping once every
    /// change and user is explained.
    pub requests: usize,
    /// Audit entries read.
    pub entries_read: usize,
    /// When the budget ran out before the window was read: the time of the oldest entry
    /// read; anything older was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_back_to: Option<String>,
    /// Why the audit log could not be read at all (not on Enterprise, a token that may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// The changes to existing users (and memberships), field by field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeAttribution>,
    /// The in-scope users the roster does not list (`drift`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted: Vec<UserAttribution>,
}

impl DriftExplanation {
    /// The attributions of change number `index` of the plan.
    pub fn of_change(&self, index: usize) -> impl Iterator<Item = &ChangeAttribution> {
        self.changes.iter().filter(move |a| a.change == index)
    }

    /// Whether change number `index` only undoes changes someone made outside the roster:
    /// every field the log explains is someone else's change, and there is one. An entry
    /// about the user in general (a prune's) never counts: it says nothing of the field.
    #[must_use]
    pub fn reverts(&self, index: usize) -> bool {
        let mut fields = self
            .of_change(index)
            .filter(|a| a.field.is_some())
            .peekable();
        fields.peek().is_some() && fields.all(|a| a.attribution.origin == Origin::Drift)
    }

    /// The attribution of unlisted user `id`.
    #[must_use]
    pub fn of_user(&self, id: u64) -> Option<&Attribution> {
        self.unlisted
            .iter()
            .find(|u| u.user_id == id)
            .map(|u| &u.attribution)
    }
}

impl super::Plan {
    /// Whether change number `index` reverts a change made outside the roster, to be shown
    /// apart from what the pull request itself asks for: every field the audit log explains
    /// is drift ([`DriftExplanation::reverts`]), and it is nothing a pull request could hide
    /// there. An escalation, a change that creates a user, ends or restores access
    /// (suspend, unsuspend, downgrade, delete) or changes how a user signs in (a primary
    /// address) stays with the plan's own changes, whoever made the drift.
    #[must_use]
    pub fn reverts_drift(&self, index: usize) -> bool {
        let Some(change) = self.changes.get(index) else {
            return false;
        };
        change.escalation.is_none()
            && matches!(
                change.action,
                super::Action::Update | super::Action::Add | super::Action::Remove
            )
            && self
                .drift_explanation
                .as_ref()
                .is_some_and(|e| e.reverts(index))
    }

    /// How many changes revert drift ([`super::Plan::reverts_drift`]).
    #[must_use]
    pub fn reverted_drift(&self) -> usize {
        (0..self.changes.len())
            .filter(|&i| self.reverts_drift(i))
            .count()
    }
}

/// Who last made one field of a change what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChangeAttribution {
    /// The change, by its place in the plan's `changes` (from 0).
    pub change: usize,
    /// The field (`role`, `groups` for a membership with the change's `target`); none for a
    /// user the plan prunes, whose latest entry of any kind is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What the audit log says.
    #[serde(flatten)]
    pub attribution: Attribution,
}

/// Who last changed an unlisted user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserAttribution {
    /// The user's id.
    pub user_id: u64,
    /// What the audit log says.
    #[serde(flatten)]
    pub attribution: Attribution,
}

/// Whose change a live value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Someone other than the user zroster signs in as: drift, which the plan undoes.
    Drift,
    /// The user zroster signs in as (its own apply): the roster changed since.
    Zroster,
    /// The audit log does not say (see `reason`).
    Unexplained,
}

/// What the audit log says about one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Attribution {
    /// Whose change it is.
    pub origin: Origin,
    /// The latest audit entry about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<AuditRef>,
    /// Why it is unexplained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An audit entry as the plan cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuditRef {
    /// The entry's id.
    pub id: u64,
    /// Who made the change.
    pub actor_id: Option<i64>,
    /// Their name.
    pub actor_name: Option<String>,
    /// When (RFC 3339, UTC).
    pub created_at: Option<String>,
    /// From where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Through what: `unrecorded`, since Zendesk's audit entries carry no interface (not
    /// even for the user zroster signs in as, who may also work by hand).
    pub interface: String,
    /// Zendesk's words (`Role changed from Agent to Administrator`).
    pub change_description: Option<String>,
}

impl AuditRef {
    /// `Omar Haddad (#12) on 2026-11-01T10:00:00Z: "Role changed from Agent to
    /// Administrator"`. The IP address is left to the JSON: the words go into pull-request
    /// comments.
    #[must_use]
    pub fn describe(&self) -> String {
        let who = match (&self.actor_name, self.actor_id) {
            (Some(name), Some(id)) => format!("{name} (#{id})"),
            (Some(name), None) => name.clone(),
            (None, Some(id)) => format!("#{id}"),
            (None, None) => "someone".to_owned(),
        };
        let when = self.created_at.as_deref().unwrap_or("an unknown time");
        let what = self
            .change_description
            .as_deref()
            .map(|d| format!(": \"{d}\""))
            .unwrap_or_default();
        format!("{who} on {when}{what}")
    }
}

impl Attribution {
    /// One line for a reviewer: `changed by …`, `set by zroster …`, `not explained: …`.
    #[must_use]
    pub fn describe(&self) -> String {
        match (self.origin, &self.entry) {
            (Origin::Drift, Some(entry)) => format!("changed by {}", entry.describe()),
            (Origin::Zroster, Some(entry)) => format!(
                "last set by the user zroster signs in as (a zroster apply, or a change by hand as that user): {}",
                entry.describe()
            ),
            _ => format!(
                "not explained: {}",
                self.reason.as_deref().unwrap_or("no audit entry")
            ),
        }
    }
}
