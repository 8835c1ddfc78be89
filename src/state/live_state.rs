//! The live account as the planner sees it, and what fetching it cost.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    AccountRules, EmailLookup, LiveCustomRole, LiveGroup, LiveMembership, LiveOrganization,
    LiveUser, SecondaryCheck,
};
use crate::zendesk::{AuthenticatedUser, RequestStats};

/// The normalised live state: every user in scope or named by the roster, the account's
/// custom roles, groups and organizations, and the memberships of the users in play.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveState {
    /// The account's base URL.
    pub account: String,
    /// Who the credentials belong to (never demoted by a plan).
    pub me: AuthenticatedUser,
    /// Users by id: in scope by role or tag, or found by a roster user's keys. Each is boxed:
    /// users arrive in id order, and a B-tree filled in order leaves its nodes about half
    /// empty, which costs little for an id and a pointer but some 35 MB for 100,000 users
    /// held inline.
    pub users: BTreeMap<u64, Box<LiveUser>>,
    /// Roster emails (lower-case) that a live user holds as a secondary address, with that
    /// user's id (in `users`). Only emails no live user has as its primary address are
    /// checked: those of users to create and of primary emails to change.
    pub secondary_emails: BTreeMap<String, u64>,
    /// How many such emails were not checked, because it would have taken more than
    /// [`super::SECONDARY_SEARCHES_AT_MOST`] searches; the plan says so.
    pub secondary_emails_unchecked: usize,
    /// How many roster emails no live user has as its primary address were not checked
    /// against the users changed in the last minutes, which the lagging search may not show
    /// yet: the export of that time was longer than [`super::RECENT_PAGES_AT_MOST`] pages or
    /// not readable. The plan says so.
    pub recent_emails_unchecked: usize,
    /// Custom roles; empty when the plan has none (`custom_roles_available` false).
    pub custom_roles: Vec<LiveCustomRole>,
    /// Whether the account has custom roles (Enterprise).
    pub custom_roles_available: bool,
    /// Every organization.
    pub organizations: Vec<LiveOrganization>,
    /// Every group that is not deleted.
    pub groups: Vec<LiveGroup>,
    /// Group memberships of the users in play; empty when the roster manages none (not
    /// listed: [`LiveState::group_memberships_total`] is `None`).
    pub group_memberships: Vec<LiveMembership>,
    /// Organization memberships of the users in play; `None` when the roster manages none.
    pub organization_memberships: Option<Vec<LiveMembership>>,
    /// Group memberships of the whole account, as listed (the users in play are a part);
    /// `None` when not listed.
    pub group_memberships_total: Option<u64>,
    /// Organization memberships of the whole account; `None` when not listed.
    pub organization_memberships_total: Option<u64>,
    /// What the account allows (settings, user fields, default group).
    pub rules: AccountRules,
    /// The account's agents and admins (agent seats, suspended ones included) when counted
    /// apart ([`crate::state::count_agent_seats`], for `policy.max_agents` when the fetch
    /// does not list every agent); `None` when `users` holds every agent, or nothing needs
    /// the number.
    pub agent_seats: Option<u64>,
    /// What the fetch cost.
    pub cost: FetchCost,
}

/// Requests and retries of one fetch, how email-only users were found and how roster
/// emails no user has as its primary address were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchCost {
    /// Requests, retries, waits by endpoint.
    pub stats: RequestStats,
    /// The email lookup decision, when there were email-only users to find.
    pub email_lookup: Option<EmailLookup>,
    /// The secondary-address check, when some roster emails are no user's primary address.
    pub secondary_check: Option<SecondaryCheck>,
}

impl LiveState {
    /// The active user whose external id is `external_id` (case-insensitive).
    #[must_use]
    pub fn user_by_external_id(&self, external_id: &str) -> Option<&LiveUser> {
        self.users.values().map(AsRef::as_ref).find(|user| {
            user.active
                && user
                    .external_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(external_id))
        })
    }

    /// The live user holding `email` (case-insensitive) as a secondary address, when the
    /// fetch checked it.
    #[must_use]
    pub fn secondary_email_owner(&self, email: &str) -> Option<&LiveUser> {
        self.secondary_emails
            .get(&email.to_lowercase())
            .and_then(|id| self.users.get(id))
            .map(AsRef::as_ref)
    }

    /// The active user whose primary email is `email` (case-insensitive).
    #[must_use]
    pub fn user_by_email(&self, email: &str) -> Option<&LiveUser> {
        self.users.values().map(AsRef::as_ref).find(|user| {
            user.active
                && user
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }
}
