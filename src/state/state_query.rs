//! What the fetch must find, derived from the roster: the scope and the match keys.

use crate::roster::{Role, Roster};

/// The roster's needs from the live account, in the terms of the fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateQuery {
    /// Roles whose users are all in scope (`settings.manage.roles`).
    pub manage_roles: Vec<Role>,
    /// Tags whose users are all in scope (`settings.manage.tags`).
    pub manage_tags: Vec<String>,
    /// Roster users' match keys, in roster order: `(external_id, email)`.
    pub users: Vec<(Option<String>, Option<String>)>,
    /// Whether any roster user manages the exact set of organization memberships
    /// (`organizations:`), which needs the membership list; `organization:` alone only needs
    /// the user's `organization_id`.
    pub organization_memberships: bool,
    /// Whether any roster user manages the exact set of group memberships (`groups:`),
    /// which needs the account's membership listing (as many pages as the agents'); without
    /// it nothing the plan decides reads memberships (`default_group` is the user's
    /// `default_group_id`), so the listing is skipped.
    pub group_memberships: bool,
    /// Whether a convergence check will read back the users written right after this fetch
    /// (`zapply` with a roster): the fetch's choice of email lookup then counts what
    /// spending the export's window costs that check ([`super::EmailLookup`]).
    pub converge_after: bool,
}

impl StateQuery {
    /// The query for a roster: its scope, every user's keys, and whether group and
    /// organization memberships are managed.
    #[must_use]
    pub fn from_roster(roster: &Roster) -> Self {
        let mut manage_roles: Vec<Role> = roster
            .settings
            .manage
            .roles
            .iter()
            .map(|role| role.value)
            .collect();
        manage_roles.sort();
        manage_roles.dedup();
        let manage_tags = roster
            .settings
            .manage
            .tags
            .iter()
            .map(|tag| tag.value.clone())
            .collect();
        let users = roster
            .users
            .iter()
            .map(|user| {
                (
                    user.external_id.as_ref().map(|id| id.value.clone()),
                    user.email.as_ref().map(|email| email.value.clone()),
                )
            })
            .collect();
        let organization_memberships = roster.defaults.organizations.is_some()
            || roster
                .users
                .iter()
                .any(|user| user.profile.organizations.is_some());
        let group_memberships = roster.defaults.groups.is_some()
            || roster
                .users
                .iter()
                .any(|user| user.profile.groups.is_some());
        Self {
            manage_roles,
            manage_tags,
            users,
            organization_memberships,
            group_memberships,
            converge_after: false,
        }
    }

    /// The query for a roster that is applied at once (`zapply`): [`StateQuery::from_roster`]
    /// with a convergence check after the fetch.
    #[must_use]
    pub fn for_apply(roster: &Roster) -> Self {
        Self {
            converge_after: true,
            ..Self::from_roster(roster)
        }
    }
}
