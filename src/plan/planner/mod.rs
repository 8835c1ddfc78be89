//! `Planner::build`: the pure comparison of a roster with the live state (DESIGN.md §3–§5).
//!
//! One concern per module: [`names`] resolves what the roster names, [`named_objects`]
//! plans custom roles, organizations and groups, [`matching`] finds each roster user's live
//! user, [`user_diff`] compares their fields, [`memberships`] reaches the exact sets,
//! [`prune`] handles the live users the roster does not list, [`protect`] blocks what
//! DESIGN.md §5 forbids, and [`cost`] sums the plan up.

use std::borrow::Cow;
use std::collections::HashMap;

mod account_rules;
mod cost;
mod matching;
mod memberships;
mod named_objects;
mod names;
mod policy;
mod protect;
mod prune;
mod time_box;
mod user_diff;

use super::{
    Change, FORMAT_VERSION, FieldValue, Kind, Plan, PlanError, SourceRef, Touched, UserField,
    UserRef,
};
use chrono::{DateTime, Timelike as _, Utc};

use crate::roster::pattern::PatternSet;
use crate::roster::{Roster, Source};
use crate::state::{LiveMembership, LiveState};
use crate::zendesk::AccountNames;
use cost::summarize;
use matching::lower;
use names::{Resolved, resolve_custom_roles, resolve_groups, resolve_organizations};

/// Builds a [`Plan`] from a roster and the live state. Pure: no I/O.
#[derive(Debug)]
pub struct Planner<'a> {
    roster: &'a Roster,
    state: &'a LiveState,
    ignore: PatternSet,
    protect: PatternSet,
    /// The roster's file names, shared by every place in them.
    files: Vec<std::sync::Arc<str>>,
    /// Live users by lower-case external id and primary email (borrowed when the live
    /// value is lower-case already, as nearly all are).
    by_external_id: HashMap<Cow<'a, str>, u64>,
    by_email: HashMap<Cow<'a, str>, u64>,
    /// Names resolved once: lower-case name → the roster's or the account's object.
    custom_roles: HashMap<String, Resolved>,
    organizations: HashMap<String, Resolved>,
    groups: HashMap<String, Resolved>,
    /// Live names by id, for the "before" side of reference fields.
    custom_role_names: HashMap<u64, String>,
    organization_names: HashMap<u64, String>,
    group_names: HashMap<u64, String>,
    /// Live memberships by user id.
    group_memberships: HashMap<u64, Vec<LiveMembership>>,
    organization_memberships: HashMap<u64, Vec<LiveMembership>>,
    changes: Vec<Change>,
    errors: Vec<PlanError>,
    /// The moment the plan is made at: time-boxed entries are judged by it.
    now: DateTime<Utc>,
    /// The roster users whose access the policy judges (collected only when the roster
    /// sets a policy, and only those who may be agents or admins after the plan).
    held: Vec<policy::Held<'a>>,
    /// The roster users with a time box (`expires`, `temporary`), not ignored.
    time_boxed: Vec<&'a crate::roster::User>,
    /// The account's active admins and agents and admins (suspended ones included) among
    /// the live users, counted by [`Planner::prune`]'s walk over them.
    live_totals: (i64, i64),
}

impl<'a> Planner<'a> {
    /// Compares `roster` with `state` now; `roster_digest` identifies the roster files.
    #[must_use]
    pub fn build(roster: &'a Roster, state: &'a LiveState, roster_digest: &str) -> Plan {
        Self::build_at(roster, state, roster_digest, Utc::now())
    }

    /// Compares `roster` with `state` as of `now` (the moment time-boxed entries are
    /// judged at, which the plan records); `roster_digest` identifies the roster files.
    #[must_use]
    pub fn build_at(
        roster: &'a Roster,
        state: &'a LiveState,
        roster_digest: &str,
        now: DateTime<Utc>,
    ) -> Plan {
        // Whole seconds: the moment the plan records is what it was judged at.
        let now = now.with_nanosecond(0).unwrap_or(now);
        let mut by_external_id = HashMap::with_capacity(state.users.len());
        let mut by_email = HashMap::with_capacity(state.users.len());
        for user in state.users.values().filter(|u| u.active) {
            if let Some(id) = &user.external_id {
                by_external_id.insert(lower(id), user.id);
            }
            if let Some(email) = &user.email {
                by_email.insert(lower(email), user.id);
            }
        }
        let mut group_memberships: HashMap<u64, Vec<LiveMembership>> = HashMap::new();
        for membership in &state.group_memberships {
            group_memberships
                .entry(membership.user_id)
                .or_default()
                .push(*membership);
        }
        let mut organization_memberships: HashMap<u64, Vec<LiveMembership>> = HashMap::new();
        for membership in state.organization_memberships.iter().flatten() {
            organization_memberships
                .entry(membership.user_id)
                .or_default()
                .push(*membership);
        }
        let mut planner = Planner {
            roster,
            state,
            ignore: PatternSet::new(roster.settings.ignore.iter().map(|p| p.value.as_str())),
            protect: PatternSet::new(roster.settings.protect.iter().map(|p| p.value.as_str())),
            files: (0..roster.files.len())
                .map(|file| std::sync::Arc::from(roster.file_name(file as crate::roster::FileId)))
                .collect(),
            by_external_id,
            by_email,
            custom_roles: resolve_custom_roles(roster, state),
            organizations: resolve_organizations(roster, state),
            groups: resolve_groups(roster, state),
            custom_role_names: state
                .custom_roles
                .iter()
                .map(|r| (r.id, r.name.clone()))
                .collect(),
            organization_names: state
                .organizations
                .iter()
                .map(|o| (o.id, o.name.clone()))
                .collect(),
            group_names: state
                .groups
                .iter()
                .map(|g| (g.id, g.name.clone()))
                .collect(),
            group_memberships,
            organization_memberships,
            changes: Vec::new(),
            errors: Vec::new(),
            now,
            held: Vec::new(),
            time_boxed: Vec::new(),
            live_totals: (0, 0),
        };
        planner.check_settings();
        planner.custom_roles();
        planner.organizations();
        planner.groups();
        let matched = planner.users();
        let drift = planner.prune(&matched);
        planner.protect_users();
        let references = planner.references();
        let in_scope = super::safety::in_scope_count(roster, &state.users, &matched);
        let safety = super::SafetySettings::from_roster(roster, in_scope);
        let policy = planner.policy_refusals(&safety.policy);
        let expiring = planner.expiring();
        let valid_until = planner.valid_until();
        let Planner {
            mut changes,
            errors,
            ..
        } = planner;
        changes.sort_by_key(Change::phase);
        let mut refusals = super::safety::refusals(&safety, &state.users, &changes);
        refusals.extend(policy);
        let touched = touched(state, &changes);
        let summary = summarize(state, &changes);
        Plan {
            format_version: FORMAT_VERSION,
            account: state.account.clone(),
            subdomain: AccountNames::new(state.me.account.clone(), &state.account)
                .subdomain()
                .map(str::to_owned),
            made_at: crate::roster::time_box::rfc3339(now),
            valid_until,
            roster_digest: roster_digest.to_owned(),
            authenticated_user: Some(UserRef {
                id: state.me.id,
                email: state.me.email.clone(),
                name: state.me.name.clone(),
            }),
            changes,
            drift,
            expiring,
            refusals,
            errors,
            touched,
            references,
            account_memberships: super::AccountMemberships {
                group_memberships: state.group_memberships_total,
                organization_memberships: state.organization_memberships_total,
            },
            summary,
            notes: notes(state),
            safety,
            drift_explanation: None,
            plan_digest: String::new(),
        }
    }

    /// The ids of every custom role, organization and group the changes name.
    fn references(&self) -> super::References {
        let mut references = super::References::default();
        let note = |map: &mut std::collections::BTreeMap<String, Option<u64>>,
                    resolved: &HashMap<String, Resolved>,
                    name: &str| {
            if let Some(r) = resolved.get(&name.to_lowercase()) {
                map.insert(r.name.clone(), r.id);
            }
        };
        for change in &self.changes {
            match change.kind {
                Kind::CustomRole => note(
                    &mut references.custom_roles,
                    &self.custom_roles,
                    &change.label,
                ),
                Kind::Organization => note(
                    &mut references.organizations,
                    &self.organizations,
                    &change.label,
                ),
                Kind::Group => note(&mut references.groups, &self.groups, &change.label),
                Kind::GroupMembership => {
                    if let Some(target) = &change.target {
                        note(&mut references.groups, &self.groups, target);
                    }
                }
                Kind::OrganizationMembership => {
                    if let Some(target) = &change.target {
                        note(&mut references.organizations, &self.organizations, target);
                    }
                }
                Kind::User | Kind::Identity => {}
            }
            for field in &change.fields {
                let (Some(field_name), FieldValue::Text(name)) = (field.user_field(), &field.after)
                else {
                    continue;
                };
                match field_name {
                    UserField::CustomRole => {
                        note(&mut references.custom_roles, &self.custom_roles, name);
                    }
                    UserField::Organization => {
                        note(&mut references.organizations, &self.organizations, name);
                    }
                    UserField::DefaultGroup => note(&mut references.groups, &self.groups, name),
                    _ => {}
                }
            }
        }
        references
    }

    fn locate(&self, source: Source) -> SourceRef {
        SourceRef {
            file: self.files.get(source.file as usize).map_or_else(
                || std::sync::Arc::from(self.roster.file_name(source.file)),
                std::sync::Arc::clone,
            ),
            line: source.pos.line,
            column: source.pos.column,
        }
    }

    fn locate_at(&self, source: Source, pos: crate::roster::Pos) -> SourceRef {
        self.locate(Source {
            file: source.file,
            pos,
        })
    }
}

/// Every live object a change touches, with the `updated_at` seen when planning.
fn touched(state: &LiveState, changes: &[Change]) -> Vec<Touched> {
    // A sorted list, not a set: a B-tree filled in order would be half empty.
    let mut touched = Vec::new();
    for change in changes.iter().filter(|c| c.blocked.is_none()) {
        let Some(id) = change.id else { continue };
        let (kind, updated_at) = match change.kind {
            Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => (
                Kind::User,
                state.users.get(&id).and_then(|u| u.updated_at.clone()),
            ),
            Kind::CustomRole => (
                Kind::CustomRole,
                state
                    .custom_roles
                    .iter()
                    .find(|r| r.id == id)
                    .and_then(|r| r.updated_at.clone()),
            ),
            Kind::Organization => (
                Kind::Organization,
                state
                    .organizations
                    .iter()
                    .find(|o| o.id == id)
                    .and_then(|o| o.updated_at.clone()),
            ),
            Kind::Group => (
                Kind::Group,
                state
                    .groups
                    .iter()
                    .find(|g| g.id == id)
                    .and_then(|g| g.updated_at.clone()),
            ),
        };
        touched.push(Touched {
            kind,
            id,
            updated_at,
        });
    }
    touched.sort_unstable();
    touched.dedup();
    touched.shrink_to_fit();
    touched
}

/// What the fetch could not check: roster emails no live user has as its primary address,
/// too many to search for a secondary owner, or not checked against the users
/// changed too recently for the search to show them.
fn notes(state: &LiveState) -> Vec<String> {
    let mut notes = Vec::new();
    let n = state.secondary_emails_unchecked;
    if n > 0 {
        notes.push(format!(
            "{} roster emails that no Zendesk user has as its primary address were not checked against other users' secondary addresses (that takes more than {} searches); if one is another user's, applying updates that user instead of creating a new one",
            crate::render::count(n),
            crate::state::SECONDARY_SEARCHES_AT_MOST
        ));
    }
    let n = state.recent_emails_unchecked;
    if n > 0 {
        notes.push(format!(
            "{} roster emails that the user search does not find were not checked against the users changed in the last {} minutes, which the search may not show yet (the user export of that time was longer than {} pages or could not be read); if one is such a user's, applying updates that user instead of creating a new one",
            crate::render::count(n),
            crate::zendesk::limits::SEARCH_LAG_WINDOW_S / 60,
            crate::state::RECENT_PAGES_AT_MOST
        ));
    }
    notes
}
