//! The safety rules of DESIGN.md §5, in one place for planning and applying.
//!
//! - **Blocks** (one change kept in the plan, not applied): a change to a user a `protect`
//!   pattern matches, by any of the user's addresses or its external id; a demotion,
//!   suspension or deletion of the authenticated user; a change of its primary email.
//! - **Refusals** (the whole plan): `min_admins` (active, unsuspended admins after the plan)
//!   and the `max_*` thresholds.
//!
//! The planner evaluates them against the live state it fetched. A saved plan records the
//! settings it was made with ([`SafetySettings`]), and `zapply` evaluates the same rules again
//! against the account as it reads it at apply time ([`Plan::enforce_safety`]): whatever a
//! plan file says about what is blocked or refused, what the account holds decides.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Action, Blocked, Change, FieldName, FieldValue, Kind, Plan, PolicySettings, Refusal, UserField,
};
use crate::roster::model::Threshold;
use crate::roster::pattern::PatternSet;
use crate::roster::{Role, Roster};
use crate::state::LiveUser;

/// Admins an account must keep when the roster does not say (`min_admins`).
pub(crate) const DEFAULT_MIN_ADMINS: u32 = 1;

/// The roster's safety settings a plan was made with, recorded in the plan so that `zapply`
/// enforces them again at apply time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SafetySettings {
    /// `protect` patterns, as the roster writes them.
    pub protect: Vec<String>,
    /// `min_admins`: active, unsuspended admins the account keeps.
    pub min_admins: u32,
    /// `max_deletes`.
    pub max_deletes: Option<Limit>,
    /// `max_suspends`.
    pub max_suspends: Option<Limit>,
    /// `max_role_changes`.
    pub max_role_changes: Option<Limit>,
    /// In-scope live users when planning: the base of percentage limits.
    pub in_scope: usize,
    /// `settings.account`: the subdomains of the accounts the roster is bound to (lower
    /// case); empty when it is bound to none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account: Vec<String>,
    /// `settings.policy`.
    #[serde(default, skip_serializing_if = "PolicySettings::is_unset")]
    pub policy: PolicySettings,
}

/// A `max_*` limit: a number of users or a percentage of the in-scope users.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// At most this many users.
    Count(u32),
    /// At most this share (0 to 100) of the in-scope users.
    Percent(f64),
}

impl From<Threshold> for Limit {
    fn from(threshold: Threshold) -> Self {
        match threshold {
            Threshold::Count(n) => Limit::Count(n),
            Threshold::Percent(p) => Limit::Percent(p.0),
        }
    }
}

impl SafetySettings {
    /// The roster's settings; `in_scope` is the base of its percentages.
    #[must_use]
    pub fn from_roster(roster: &Roster, in_scope: usize) -> Self {
        let safety = &roster.settings.safety;
        let limit =
            |l: &Option<crate::roster::Located<Threshold>>| l.as_ref().map(|l| l.value.into());
        SafetySettings {
            protect: roster
                .settings
                .protect
                .iter()
                .map(|p| p.value.clone())
                .collect(),
            min_admins: safety
                .min_admins
                .as_ref()
                .map_or(DEFAULT_MIN_ADMINS, |m| m.value),
            max_deletes: limit(&safety.max_deletes),
            max_suspends: limit(&safety.max_suspends),
            max_role_changes: limit(&safety.max_role_changes),
            in_scope,
            account: roster
                .settings
                .account
                .iter()
                .map(|a| a.value.clone())
                .collect(),
            policy: PolicySettings::from_roster(&roster.settings.policy),
        }
    }

    /// Whether the two name the same rules (the in-scope count aside, which depends on the
    /// account when the plan was made).
    #[must_use]
    pub fn same_rules(&self, other: &SafetySettings) -> bool {
        SafetySettings {
            in_scope: 0,
            ..self.clone()
        } == SafetySettings {
            in_scope: 0,
            ..other.clone()
        }
    }
}

/// What the safety rules are evaluated against: the account as read when planning, or again
/// when applying.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The authenticated user's id.
    pub me: u64,
    /// The live users the changes name, and every active admin of the account.
    pub users: &'a BTreeMap<u64, Box<LiveUser>>,
    /// Secondary addresses of users whose access a change lowers or whose role or primary
    /// address it changes, where they were read.
    pub addresses: &'a HashMap<u64, Vec<String>>,
    /// The account's agents and admins (agent seats, suspended ones included), when
    /// counted apart from `users`; `None` when `users` holds every agent (or no rule needs
    /// them: `policy.max_agents` alone does).
    pub agent_seats: Option<u64>,
}

impl Plan {
    /// Evaluates the safety rules with the plan's own settings against `facts`: blocks the
    /// changes they forbid and sets the refusals afresh. Returns the changes it blocked that
    /// were not blocked before.
    pub fn enforce_safety(&mut self, facts: &Facts<'_>) -> Vec<usize> {
        let protect = PatternSet::new(self.safety.protect.iter().map(String::as_str));
        let before: Vec<bool> = self.changes.iter().map(|c| c.blocked.is_some()).collect();
        block(&mut self.changes, &protect, facts);
        let previous = std::mem::take(&mut self.refusals);
        self.refusals = refusals(&self.safety, facts.users, &self.changes);
        let totals = super::policy::totals_now(facts.users, facts.agent_seats);
        let policy = self.judge_policy(facts.users, facts.addresses, totals, &previous);
        self.refusals.extend(policy);
        self.summary.blocked = self.changes.iter().filter(|c| c.blocked.is_some()).count();
        self.changes
            .iter()
            .enumerate()
            .filter(|(i, c)| c.blocked.is_some() && !before[*i])
            .map(|(i, _)| i)
            .collect()
    }
}

impl Plan {
    /// The users whose secondary addresses `protect` or the policy's address rules must
    /// see: those whose access an unblocked change lowers or whose role it changes, and for
    /// the policy those whose primary address it changes. Empty when no `protect` pattern
    /// names addresses (external-id patterns need none) and the policy judges none.
    #[must_use]
    pub fn users_needing_addresses(&self, users: &BTreeMap<u64, Box<LiveUser>>) -> Vec<u64> {
        let names_addresses = self
            .safety
            .protect
            .iter()
            .any(|p| !p.starts_with(crate::roster::pattern::EXTERNAL_ID_PREFIX));
        // The policy's address rules judge every address of a user a change makes or keeps
        // privileged: those whose role a change sets or whose primary address it changes.
        let policy = &self.safety.policy;
        let judges_addresses = policy.agent_emails.is_some() || policy.admin_emails.is_some();
        if !names_addresses && !judges_addresses {
            return Vec::new();
        }
        let wanted: BTreeSet<u64> = self
            .changes
            .iter()
            .filter_map(|c| Some((c, users.get(&c.id?)?)))
            .filter(|(c, live)| {
                needs_addresses(c, live)
                    || (judges_addresses
                        && c.blocked.is_none()
                        && c.kind == Kind::Identity
                        && c.action == Action::MakePrimary)
            })
            .filter_map(|(c, _)| c.id)
            .collect();
        wanted.into_iter().collect()
    }
}

/// The user a change is about, for the kinds that change a user.
pub(crate) fn user_of(change: &Change) -> Option<u64> {
    match change.kind {
        Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => {
            change.id
        }
        Kind::CustomRole | Kind::Organization | Kind::Group => None,
    }
}

/// Blocks changes to protected users, demotions, suspensions and deletions of the
/// authenticated user, and changes of its primary email. The rest of the plan still applies.
pub(crate) fn block(changes: &mut [Change], protect: &PatternSet, facts: &Facts<'_>) {
    for change in changes.iter_mut().filter(|c| c.blocked.is_none()) {
        let Some(id) = user_of(change) else { continue };
        let Some(live) = facts.users.get(&id) else {
            continue;
        };
        let secondary = facts.addresses.get(&id).into_iter().flatten();
        let pattern = std::iter::once(live.email.as_deref())
            .chain(secondary.map(|a| Some(a.as_str())))
            .find_map(|email| protect.matching(email, live.external_id.as_deref()));
        if let Some(pattern) = pattern {
            change.blocked = Some(Blocked::Protected {
                pattern: pattern.to_owned(),
            });
        } else if id == facts.me && lowers_access(change, live) {
            change.blocked = Some(Blocked::AuthenticatedUser);
        } else if id == facts.me && changes_primary_email(change) {
            change.blocked = Some(Blocked::AuthenticatedUserEmail);
        }
    }
}

/// Whether a change demotes, suspends or deletes the user.
pub(crate) fn lowers_access(change: &Change, live: &LiveUser) -> bool {
    match change.action {
        Action::Suspend | Action::Downgrade | Action::Delete => true,
        Action::Update => change.fields.iter().any(|f| match (&f.field, &f.after) {
            (FieldName::User(UserField::Role), FieldValue::Role(after)) => *after < live.role,
            (FieldName::User(UserField::Suspended), FieldValue::Flag(true)) => true,
            _ => false,
        }),
        _ => false,
    }
}

/// Whether a change makes another address the user's primary email.
fn changes_primary_email(change: &Change) -> bool {
    change.kind == Kind::Identity && change.action == Action::MakePrimary
        || change.kind == Kind::User
            && change.action == Action::Update
            && change
                .fields
                .iter()
                .any(|f| f.user_field() == Some(&UserField::Email))
}

/// Whether a change lowers a user's access or changes its role, the changes `protect` must
/// see every address of the user for: what `zplan` and `zapply` read identities for.
pub(crate) fn needs_addresses(change: &Change, live: &LiveUser) -> bool {
    change.blocked.is_none()
        && change.kind == Kind::User
        && (lowers_access(change, live) || changes_role(change))
}

/// Whether a change sets the role or custom role.
fn changes_role(change: &Change) -> bool {
    change.fields.iter().any(|f| {
        matches!(
            f.user_field(),
            Some(UserField::Role | UserField::CustomRole)
        )
    })
}

/// Every rule the plan's unblocked changes break.
pub(crate) fn refusals(
    settings: &SafetySettings,
    users: &BTreeMap<u64, Box<LiveUser>>,
    changes: &[Change],
) -> Vec<Refusal> {
    let applied: Vec<&Change> = changes.iter().filter(|c| c.blocked.is_none()).collect();
    let mut refusals = Vec::new();
    let count = |action: Action| {
        applied
            .iter()
            .filter(|c| c.kind == Kind::User && c.action == action)
            .count()
    };
    let role_changes: BTreeSet<u64> = applied
        .iter()
        .filter(|c| c.kind == Kind::User && c.id.is_some())
        .filter(|c| c.action == Action::Downgrade || changes_role(c))
        .filter_map(|c| c.id)
        .collect();
    for (rule, limit, planned, verb) in [
        (
            "max_deletes",
            settings.max_deletes,
            count(Action::Delete),
            "deletes",
        ),
        (
            "max_suspends",
            settings.max_suspends,
            count(Action::Suspend),
            "suspends",
        ),
        (
            "max_role_changes",
            settings.max_role_changes,
            role_changes.len(),
            "changes the role of",
        ),
    ] {
        if let Some(limit) = limit
            && let Some(refusal) = threshold(rule, limit, planned, settings.in_scope, verb)
        {
            refusals.push(refusal);
        }
    }

    let admins_after = admins_after(users, &applied);
    if admins_after < settings.min_admins as usize {
        refusals.push(Refusal {
            source: None,
            rule: "min_admins".into(),
            message: format!(
                "the plan leaves {admins_after} active admin{} and `min_admins` is {}",
                if admins_after == 1 { "" } else { "s" },
                settings.min_admins
            ),
            overridable: false,
        });
    }
    refusals
}

fn threshold(
    rule: &str,
    limit: Limit,
    planned: usize,
    in_scope: usize,
    verb: &str,
) -> Option<Refusal> {
    let (allowed, written) = match limit {
        Limit::Count(n) => (n as usize, String::new()),
        Limit::Percent(p) => (
            {
                // Percentages round down: "10%" of 15 users allows 1, never 2. Both factors are
                // non-negative (validation keeps percentages within 0..=100; a saved plan's
                // out-of-range value clamps).
                #[allow(clippy::cast_sign_loss)]
                let allowed = ((in_scope as f64) * p.clamp(0.0, 100.0) / 100.0).floor() as usize;
                allowed
            },
            format!(" ({p}% of {in_scope} in-scope users)"),
        ),
    };
    (planned > allowed).then(|| Refusal {
        source: None,
        rule: rule.to_owned(),
        message: format!(
            "the plan {verb} {planned} user{}; `{rule}` allows {allowed}{written}, {} over",
            if planned == 1 { "" } else { "s" },
            planned - allowed
        ),
        overridable: true,
    })
}

/// In-scope live users: the base of percentage thresholds.
pub(crate) fn in_scope_count(
    roster: &Roster,
    users: &BTreeMap<u64, Box<LiveUser>>,
    matched: &BTreeSet<u64>,
) -> usize {
    let manage = &roster.settings.manage;
    users
        .values()
        .filter(|u| u.active)
        .filter(|u| {
            matched.contains(&u.id)
                || manage.roles.iter().any(|r| r.value == u.role)
                || manage.tags.iter().any(|t| {
                    u.tags
                        .iter()
                        .any(|have| have.eq_ignore_ascii_case(&t.value))
                })
        })
        .count()
}

/// Active, unsuspended admins once the plan is applied. `users` holds every active admin of
/// the account and every user the changes name; a user's changes (a role change and an
/// unsuspension, say) are taken together.
fn admins_after(users: &BTreeMap<u64, Box<LiveUser>>, applied: &[&Change]) -> usize {
    /// A user after the changes: role, suspended, still there.
    struct After {
        role: Role,
        suspended: bool,
        active: bool,
    }
    let mut after: BTreeMap<u64, After> = users
        .values()
        .map(|u| {
            let state = After {
                role: u.role,
                suspended: u.suspended,
                active: u.active,
            };
            (u.id, state)
        })
        .collect();
    let mut created = 0;
    for change in applied.iter().filter(|c| c.kind == Kind::User) {
        let role_after = change
            .fields
            .iter()
            .find_map(|f| match (&f.field, &f.after) {
                (FieldName::User(UserField::Role), FieldValue::Role(role)) => Some(*role),
                _ => None,
            });
        let suspended_after = change
            .fields
            .iter()
            .find_map(|f| match (&f.field, &f.after) {
                (FieldName::User(UserField::Suspended), FieldValue::Flag(s)) => Some(*s),
                _ => None,
            });
        if change.action == Action::Create {
            if role_after == Some(Role::Admin) && suspended_after != Some(true) {
                created += 1;
            }
            continue;
        }
        let Some(user) = change.id.and_then(|id| after.get_mut(&id)) else {
            continue;
        };
        match change.action {
            Action::Delete => user.active = false,
            Action::Suspend => user.suspended = true,
            Action::Unsuspend => user.suspended = false,
            Action::Downgrade => user.role = Role::EndUser,
            Action::Update => {
                user.role = role_after.unwrap_or(user.role);
                user.suspended = suspended_after.unwrap_or(user.suspended);
            }
            _ => {}
        }
    }
    let kept = after
        .values()
        .filter(|u| u.active && !u.suspended && u.role == Role::Admin)
        .count();
    kept + created
}

#[cfg(test)]
mod tests;
