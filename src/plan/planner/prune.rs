//! Prune (DESIGN.md §4): in-scope live users that no roster entry matched, reported as
//! drift or suspended, downgraded or deleted as `prune` says.

use std::collections::BTreeSet;

use super::Planner;
use super::user_diff::live_label;
use crate::plan::{Action, Change, Drift, FieldValue, Kind, MatchKey, UserField, UserRef};
use crate::roster::Role;
use crate::roster::model::Prune;
use crate::state::LiveUser;

impl Planner<'_> {
    /// In-scope live users that no roster entry matched: drift, or the prune action.
    pub(super) fn prune(&mut self, matched: &BTreeSet<u64>) -> Vec<Drift> {
        let mut drift = Vec::new();
        let settings = &self.roster.settings;
        let prune = settings.prune;
        let mut totals = (0, 0);
        for live in self.state.users.values() {
            // The account's admins and staff, counted on the way (the policy's totals).
            if live.active {
                totals.0 += i64::from(live.role == Role::Admin);
                totals.1 += i64::from(live.role.is_staff());
            }
            if !live.active || matched.contains(&live.id) || !self.in_scope(live) {
                continue;
            }
            let user_ref = live_ref(live);
            let mut fields = Vec::new();
            let mut lowers = |field, want| self.diff(&mut fields, field, want, Some(live));
            let action = match prune {
                Prune::Report => {
                    drift.push(Drift {
                        user: user_ref,
                        role: live.role.as_str().to_owned(),
                    });
                    continue;
                }
                Prune::Suspend if lowers(UserField::Suspended, FieldValue::Flag(true)) => {
                    Action::Suspend
                }
                Prune::Downgrade if lowers(UserField::Role, FieldValue::Role(Role::EndUser)) => {
                    Action::Downgrade
                }
                // Suspended or an end-user already.
                Prune::Suspend | Prune::Downgrade => continue,
                Prune::Delete => Action::Delete,
            };
            self.changes.push(Change {
                kind: Kind::User,
                action,
                key: live_key(live),
                label: live_label(live),
                id: Some(live.id),
                target: None,
                target_id: None,
                fields,
                source: None,
                blocked: None,
                escalation: None,
                notes: Vec::new(),
                implies: Vec::new(),
            });
        }
        self.live_totals = totals;
        drift
    }

    /// Whether a live user is in the roster's scope (DESIGN.md §4).
    pub(super) fn in_scope(&self, live: &LiveUser) -> bool {
        let manage = &self.roster.settings.manage;
        let by_role = manage.roles.iter().any(|r| r.value == live.role);
        let by_tag = manage.tags.iter().any(|t| {
            live.tags
                .iter()
                .any(|have| have.eq_ignore_ascii_case(&t.value))
        });
        (by_role || by_tag)
            && self
                .ignore
                .matching(live.email.as_deref(), live.external_id.as_deref())
                .is_none()
    }
}

pub(super) fn live_key(live: &LiveUser) -> MatchKey {
    match (&live.external_id, &live.email) {
        (Some(id), _) => MatchKey::ExternalId(id.clone()),
        (None, Some(email)) => MatchKey::Email(email.clone()),
        (None, None) => MatchKey::Id(live.id),
    }
}

pub(super) fn live_ref(live: &LiveUser) -> UserRef {
    UserRef {
        id: live.id,
        email: live.email.clone(),
        name: live.name.clone(),
    }
}
