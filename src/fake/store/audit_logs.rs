//! What the store writes to the audit log: each change to a user's attributes, its group and
//! organization memberships and its deletion, as the actor making the request (the
//! configured admin through the API, or the admin a staged web-UI change names). Loading a
//! state file records nothing, and neither does creating a user: Zendesk's audit log does
//! not capture user creation ("updates to existing users only", help center 4408828001434).

use chrono::{DateTime, Utc};

use super::Store;
use crate::fake::audit_log::{Actor, AuditEntry, Via, role_name, shown};
use crate::fake::membership::Membership;

/// A user's audited attributes as a change description names and shows them.
pub(crate) type Snapshot = Vec<(String, String)>;

impl Store {
    /// Who the change being made is made by: the staged web-UI admin, else the configured
    /// admin through the API; nobody while a state file loads.
    fn audit_actor(&self) -> Option<(Actor, DateTime<Utc>)> {
        if self.is_seeding() {
            return None;
        }
        // Zendesk's times have whole seconds.
        let now = DateTime::from_timestamp(self.clock.now().timestamp(), 0).unwrap_or_default();
        if let Some((actor, at)) = &self.audit.staged {
            return Some((actor.clone(), at.unwrap_or(now)));
        }
        let id = self.user_by_email(&self.audit.api_email)?;
        let actor = Actor {
            id,
            name: self.users.get(&id)?.name.clone(),
            // The emulator listens on loopback only: every API client is there.
            ip_address: "127.0.0.1".to_owned(),
            via: Via::Api,
        };
        Some((actor, now))
    }

    /// Logs one change of user `user_id`.
    fn audit_user(&mut self, user_id: u64, action: &'static str, description: String) {
        let Some((actor, at)) = self.audit_actor() else {
            return;
        };
        let label = self
            .users
            .get(&user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        self.audit.push(|id| AuditEntry {
            id,
            action,
            actor_id: actor.id,
            actor_name: actor.name,
            change_description: description,
            created_at: at,
            ip_address: actor.ip_address,
            source_id: user_id,
            source_label: label,
            source_type: "user",
            via: actor.via,
        });
    }

    /// The audited attributes of user `id` (empty while nothing is recorded).
    pub(super) fn audit_snapshot(&self, id: u64) -> Snapshot {
        let Some(user) = self.users.get(&id).filter(|_| !self.is_seeding()) else {
            return Vec::new();
        };
        let name_of = |id: Option<u64>, names: &dyn Fn(u64) -> Option<String>| {
            shown(id.and_then(names).as_deref())
        };
        let custom_role = user
            .custom_role_id
            .and_then(|r| self.custom_roles.get(&r))
            .map(|r| r.name.as_str());
        let text = |v: &Option<String>| shown(v.as_deref());
        let flag = |v: bool| if v { "Yes" } else { "No" }.to_owned();
        let mut snapshot = vec![
            ("Role".to_owned(), role_name(user.role, custom_role)),
            ("Name".to_owned(), user.name.clone()),
            ("Email".to_owned(), text(&user.email)),
            ("External ID".to_owned(), text(&user.external_id)),
            ("Suspended".to_owned(), flag(user.suspended)),
            (
                "Organization".to_owned(),
                name_of(user.organization_id, &|o| {
                    self.organizations.get(&o).map(|o| o.name.clone())
                }),
            ),
            (
                "Default group".to_owned(),
                name_of(user.default_group_id, &|g| {
                    self.groups.get(&g).map(|g| g.name.clone())
                }),
            ),
            ("Tags".to_owned(), shown(Some(&user.tags.list.join(" ")))),
            ("Alias".to_owned(), text(&user.alias)),
            ("Details".to_owned(), text(&user.details)),
            ("Notes".to_owned(), text(&user.notes)),
            ("Signature".to_owned(), text(&user.signature)),
            ("Phone".to_owned(), text(&user.phone)),
            ("Language".to_owned(), user.locale.clone()),
            ("Time zone".to_owned(), user.time_zone.clone()),
            ("Moderator".to_owned(), flag(user.moderator)),
            ("Ticket access".to_owned(), text(&user.ticket_restriction)),
            (
                "Only private comments".to_owned(),
                flag(user.only_private_comments),
            ),
        ];
        for (key, value) in &user.user_fields {
            let value = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            snapshot.push((format!("User field {key}"), shown(value.as_deref())));
        }
        snapshot
    }

    /// Logs each attribute of user `id` that differs from `before` (one entry each, `<Label>
    /// changed from <before> to <after>`, as the documented example words a role change).
    pub(super) fn audit_user_update(&mut self, id: u64, before: &Snapshot) {
        if before.is_empty() {
            return;
        }
        let after = self.audit_snapshot(id);
        for (label, old) in before {
            let new = after
                .iter()
                .find(|(l, _)| l == label)
                .map_or_else(|| shown(None), |(_, v)| v.clone());
            if *old != new {
                self.audit_user(id, "update", format!("{label} changed from {old} to {new}"));
            }
        }
    }

    /// Logs that user `user_id` was added to or removed from a group or organization.
    pub(super) fn audit_membership<K: Membership>(
        &mut self,
        user_id: u64,
        target_id: u64,
        added: bool,
    ) {
        let (kind, name) = if K::COLLECTION == "group_memberships" {
            ("group", self.groups.get(&target_id).map(|g| g.name.clone()))
        } else {
            (
                "organization",
                self.organizations.get(&target_id).map(|o| o.name.clone()),
            )
        };
        let verb = if added { "Added to" } else { "Removed from" };
        let name = name.unwrap_or_else(|| target_id.to_string());
        self.audit_user(user_id, "update", format!("{verb} {kind} {name}"));
    }

    /// Logs the deletion of user `id`.
    pub(super) fn audit_user_deleted(&mut self, id: u64) {
        self.audit_user(id, "destroy", "User deleted".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::fake::group_membership::GroupMembership;
    use crate::fake::store::fixtures::{obj, profile_store};

    fn descriptions(store: &crate::fake::store::Store) -> Vec<String> {
        store
            .audit
            .entries()
            .map(|e| format!("{} {} {}", e.action, e.source_id, e.change_description))
            .collect()
    }

    /// A role change reads as Zendesk's documented example; creating a user logs nothing.
    #[test]
    fn role_change_is_logged_in_zendesks_words_and_creation_is_not() {
        let mut s = profile_store(crate::fake::config::Plan::Enterprise);
        let id = s
            .create_user(&obj(
                json!({"name": "Jo", "email": "jo@acme.com", "role": "admin"}),
            ))
            .unwrap();
        assert!(descriptions(&s).is_empty());
        s.update_user(id, &obj(json!({"role": "end-user", "notes": "left"})))
            .unwrap();
        assert_eq!(
            descriptions(&s),
            [
                format!("update {id} Role changed from Administrator to End User"),
                // What Zendesk changes by itself with a demotion is logged too.
                format!("update {id} Default group changed from Support to (empty)"),
                format!("update {id} Notes changed from (empty) to left"),
                format!("update {id} Moderator changed from Yes to No"),
                format!("update {id} Ticket access changed from (empty) to requested"),
            ]
        );
        let entry = s.audit.entries().next().unwrap();
        assert_eq!(
            entry.actor_id,
            s.user_by_email("admin@example.com").unwrap()
        );
        assert_eq!(entry.source_label, "Jo");
    }

    /// Memberships are logged on the user; a deletion is a `destroy`.
    #[test]
    fn memberships_and_deletion_are_logged_on_the_user() {
        let mut s = profile_store(crate::fake::config::Plan::Enterprise);
        let id = s
            .create_user(&obj(
                json!({"name": "Al", "email": "al@acme.com", "role": "agent"}),
            ))
            .unwrap();
        let group = s.create_group(&obj(json!({"name": "Billing"}))).unwrap();
        let m = s
            .create_membership::<GroupMembership>(&obj(json!({"user_id": id, "group_id": group})))
            .unwrap();
        s.delete_membership::<GroupMembership>(m).unwrap();
        s.delete_user(id).unwrap();
        assert_eq!(
            descriptions(&s),
            [
                format!("update {id} Added to group Billing"),
                format!("update {id} Removed from group Billing"),
                format!("destroy {id} User deleted"),
            ]
        );
    }
}
