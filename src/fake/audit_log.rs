//! The account's audit log (`GET /api/v2/audit_logs`, Enterprise only): one entry for each
//! change an agent or admin makes to a user, in the `AuditLogObject` shape of Zendesk's
//! `OpenAPI` file. The store records the entries ([`super::store::Store`]'s `audit_*`
//! helpers); the routes in `api/audit_logs.rs` filter, sort and page them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Through what a change was made. Zendesk documents no such field on an audit entry (its
/// `AuditLogObject` has none), so the answers of `/api/v2/audit_logs` leave it out; the
/// emulator keeps it for `GET /__fake/audit_logs`, where tests check what they staged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// An API request.
    Api,
    /// A change staged through `POST /__fake/ui_change`, as made in the agent interface or
    /// Admin Center.
    Web,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Web => "web",
        }
    }
}

/// Who makes the changes being recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Actor {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) ip_address: String,
    pub(crate) via: Via,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuditEntry {
    pub(crate) id: u64,
    /// `create`, `destroy`, `exported`, `login` or `update`.
    pub(crate) action: &'static str,
    pub(crate) actor_id: u64,
    pub(crate) actor_name: String,
    pub(crate) change_description: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) ip_address: String,
    pub(crate) source_id: u64,
    pub(crate) source_label: String,
    pub(crate) source_type: &'static str,
    pub(crate) via: Via,
}

impl AuditEntry {
    /// Zendesk's `action_label` for the action (the documented example leaves it out; the
    /// Admin Center's "Activity type" words them so).
    fn action_label(&self) -> &'static str {
        match self.action {
            "create" => "Created",
            "destroy" => "Deleted",
            "exported" => "Exported",
            "login" => "Signed in",
            _ => "Updated",
        }
    }

    /// The entry as `/api/v2/audit_logs` answers it: the documented fields only.
    pub(crate) fn to_json(&self, base_url: &str) -> Value {
        json!({
            "url": format!("{base_url}/api/v2/audit_logs/{}.json", self.id),
            "id": self.id,
            "action_label": self.action_label(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "source_id": self.source_id,
            "source_type": self.source_type,
            "source_label": self.source_label,
            "action": self.action,
            "change_description": self.change_description,
            "ip_address": self.ip_address,
            "created_at": self.timestamp(),
        })
    }

    /// The entry with the interface it came through, for `GET /__fake/audit_logs`.
    pub(crate) fn to_control_json(&self, base_url: &str) -> Value {
        let mut value = self.to_json(base_url);
        value["via"] = json!(self.via.as_str());
        value
    }

    /// `created_at` as Zendesk writes times (`2023-09-18T23:28:11Z`).
    pub(crate) fn timestamp(&self) -> String {
        self.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// Where the entry sorts by `created_at` (then id, for entries of one second).
    pub(crate) fn position(&self) -> (i64, u64) {
        (self.created_at.timestamp(), self.id)
    }
}

/// The first audit entry id: a sequence of its own, so that recording changes never moves
/// the ids the account's objects get.
const FIRST_ENTRY_ID: u64 = 40_000_000_001;

/// Every entry, by position (`created_at`, id), and who the changes being made are made by.
#[derive(Debug)]
pub(crate) struct AuditLog {
    entries: BTreeMap<(i64, u64), AuditEntry>,
    next_id: u64,
    /// The configured admin's email: API requests act as that user.
    pub(crate) api_email: String,
    /// A web-UI change being staged (`POST /__fake/ui_change`): its actor, and the time to
    /// log it at when the stage names one.
    pub(crate) staged: Option<(Actor, Option<DateTime<Utc>>)>,
}

impl Default for AuditLog {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
            next_id: FIRST_ENTRY_ID,
            api_email: String::new(),
            staged: None,
        }
    }
}

impl AuditLog {
    /// Adds an entry with the next id.
    pub(crate) fn push(&mut self, make: impl FnOnce(u64) -> AuditEntry) {
        let entry = make(self.next_id);
        self.next_id += 1;
        self.entries.insert(entry.position(), entry);
    }

    /// Every entry, oldest first.
    pub(crate) fn entries(&self) -> impl DoubleEndedIterator<Item = &AuditEntry> {
        self.entries.values()
    }

    /// The entry with this id.
    pub(crate) fn entry(&self, id: u64) -> Option<&AuditEntry> {
        self.entries.values().find(|e| e.id == id)
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Zendesk's name of a role in an audit entry: the documented example says `Role changed
/// from Administrator to End User`; an agent holding a custom role is named by that role
/// (as the Admin Center's role picker names it).
pub(crate) fn role_name(role: super::user::Role, custom_role: Option<&str>) -> String {
    match (role, custom_role) {
        (super::user::Role::Agent, Some(name)) => name.to_owned(),
        (super::user::Role::Agent, None) => "Agent".to_owned(),
        (super::user::Role::Admin, _) => "Administrator".to_owned(),
        (super::user::Role::EndUser, _) => "End User".to_owned(),
    }
}

/// A value as a change description shows it: text as it is, an empty value as `(empty)`.
pub(crate) fn shown(value: Option<&str>) -> String {
    match value {
        Some(text) if !text.is_empty() => text.to_owned(),
        _ => "(empty)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, at: i64) -> AuditEntry {
        AuditEntry {
            id,
            action: "update",
            actor_id: 1,
            actor_name: "Omar".into(),
            change_description: "Role changed from Agent to Administrator".into(),
            created_at: DateTime::from_timestamp(at, 0).unwrap(),
            ip_address: "203.0.113.7".into(),
            source_id: 2,
            source_label: "Jane".into(),
            source_type: "user",
            via: Via::Web,
        }
    }

    /// The documented fields, and no other: the interface stays out of the API's answer.
    #[test]
    fn answer_has_the_documented_fields_only() {
        let value = entry(7, 1_700_000_000).to_json("http://127.0.0.1:1");
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "action",
                "action_label",
                "actor_id",
                "actor_name",
                "change_description",
                "created_at",
                "id",
                "ip_address",
                "source_id",
                "source_label",
                "source_type",
                "url"
            ]
        );
        assert_eq!(value["created_at"], "2023-11-14T22:13:20Z");
        assert_eq!(value["action_label"], "Updated");
        assert_eq!(
            entry(7, 1).to_control_json("http://127.0.0.1:1")["via"],
            "web"
        );
    }

    /// Entries staged in the past sort by their time, whatever order they were logged in.
    #[test]
    fn entries_sort_by_time_then_id() {
        let mut log = AuditLog::default();
        log.push(|id| entry(id, 200));
        log.push(|id| entry(id, 100));
        let times: Vec<i64> = log.entries().map(|e| e.created_at.timestamp()).collect();
        assert_eq!(times, [100, 200]);
        assert_eq!(log.len(), 2);
        assert!(log.entry(FIRST_ENTRY_ID).is_some());
    }
}
