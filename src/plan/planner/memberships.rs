//! Memberships: the exact sets of `groups` and `organizations`, reached by adding and
//! removing memberships; the default group Zendesk puts a new agent in is kept or removed,
//! and a kept one is recorded on the agent's change ([`crate::plan::Implied`]).

use std::collections::BTreeSet;

use super::Planner;
use super::names::Resolved;
use super::user_diff::{live_label, user_label};
use crate::plan::{Action, Change, Implied, Kind, MatchKey};
use crate::roster::{Located, User};
use crate::state::{LiveMembership, LiveUser};

impl Planner<'_> {
    /// Exact-set memberships: adds and removes to reach the roster's `groups` and
    /// `organizations`.
    pub(super) fn memberships(&mut self, user: &User, key: &MatchKey, live: Option<&LiveUser>) {
        let defaults = &self.roster.defaults;
        if let Some(groups) = user.profile.groups.as_ref().or(defaults.groups.as_ref()) {
            self.exact_set(Kind::GroupMembership, user, key, live, &groups.value);
        }
        let organizations = user.profile.organizations.as_ref();
        if let Some(organizations) = organizations.or(defaults.organizations.as_ref())
            && self.organization_move(user, live).is_none()
        {
            self.exact_set(
                Kind::OrganizationMembership,
                user,
                key,
                live,
                &organizations.value,
            );
        }
    }

    /// Adds and removes memberships of one kind until the user belongs to exactly `names`.
    pub(super) fn exact_set(
        &mut self,
        kind: Kind,
        user: &User,
        key: &MatchKey,
        live: Option<&LiveUser>,
        names: &[Located<String>],
    ) {
        let (what, lookup, memberships): (_, fn(&Self, &str) -> Option<Resolved>, _) =
            if kind == Kind::GroupMembership {
                ("group", Self::group, &self.group_memberships)
            } else {
                (
                    "organization",
                    Self::organization,
                    &self.organization_memberships,
                )
            };
        let have: Vec<LiveMembership> = live
            .and_then(|l| memberships.get(&l.id).cloned())
            .unwrap_or_default();
        // Zendesk itself makes a new user's membership of the default organization and
        // default group given at creation: no change of its own.
        let defaults = &self.roster.defaults;
        let implied = match (live, kind) {
            (Some(_), _) => None,
            (None, Kind::GroupMembership) => user
                .profile
                .default_group
                .or(&defaults.default_group)
                .value(),
            (None, _) => user.profile.organization.or(&defaults.organization).value(),
        }
        .map(|name| name.to_lowercase());
        // Zendesk puts a user it makes an agent into the default group: kept when the roster
        // lists it, removed (after the roster's groups are added) when it does not.
        let joined = if kind == Kind::GroupMembership {
            self.joined_default_group(user, live)
        } else {
            None
        };
        let mut wanted_ids = BTreeSet::new();
        for name in names {
            let Some(resolved) = self.resolve(what, user.source, name, lookup) else {
                continue;
            };
            if implied.as_deref() == Some(resolved.name.to_lowercase().as_str()) {
                continue;
            }
            if let Some(id) = resolved.id {
                wanted_ids.insert(id);
                if have.iter().any(|m| m.target_id == id)
                    || joined.as_ref().is_some_and(|(group, _)| *group == id)
                {
                    continue;
                }
            }
            self.membership(
                kind,
                Action::Add,
                (user, key),
                live,
                resolved.name,
                resolved.id,
            );
        }
        if let Some((group, name)) = &joined
            && wanted_ids.contains(group)
        {
            // Kept: nothing to write, but the convergence check reads it back.
            let becoming_staff = self.changes.iter_mut().rev().find(|c| {
                c.kind == Kind::User
                    && c.key == *key
                    && matches!(c.action, Action::Create | Action::Update)
            });
            if let Some(change) = becoming_staff {
                change.implies.push(Implied {
                    kind,
                    target: name.clone(),
                    target_id: *group,
                });
            }
        }
        if let Some((group, name)) = joined
            && !wanted_ids.contains(&group)
            && !names.is_empty()
        {
            self.membership(
                kind,
                Action::Remove,
                (user, key),
                live,
                name.clone(),
                Some(group),
            );
            if let Some(removal) = self.changes.last_mut() {
                removal.notes.push(format!(
                    "Zendesk adds every new agent to the default group `{name}`; the roster leaves it out, so it is removed after the roster's groups are added"
                ));
            }
        }
        for membership in have.iter().filter(|m| !wanted_ids.contains(&m.target_id)) {
            let target = Some(membership.target_id);
            let name = if kind == Kind::GroupMembership {
                self.group_name(target)
            } else {
                self.organization_name(target)
            };
            let name = name.as_text().unwrap_or_default().to_owned();
            self.membership(kind, Action::Remove, (user, key), live, name, target);
        }
    }

    pub(super) fn membership(
        &mut self,
        kind: Kind,
        action: Action,
        (user, key): (&User, &MatchKey),
        live: Option<&LiveUser>,
        target: String,
        target_id: Option<u64>,
    ) {
        // A roster entry with only a key reads better with the live user's name and email.
        let label = match (live, &user.name) {
            (Some(live), None) => live_label(live),
            _ => user_label(user),
        };
        self.changes.push(Change {
            kind,
            action,
            key: key.clone(),
            label,
            id: live.map(|l| l.id),
            target: Some(target),
            target_id,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: None,
            escalation: None,
            notes: Vec::new(),
            implies: Vec::new(),
        });
    }
}
