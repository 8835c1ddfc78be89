//! The privileged-access policy (`settings.policy`): who may hold agent and admin access
//! after a plan. Like the safety limits, a rule the plan breaks refuses it as a whole (each
//! offending roster line named), and `--allow-mass-changes` does not lift it. Unlike them,
//! part of it is about the roster rather than the account:
//!
//! - `agent_emails` / `admin_emails`: the address of every roster user the plan makes or
//!   keeps an agent (an admin) matches one of the patterns;
//! - `max_admins` / `max_agents`: the account's admins, and its agents and admins (agent
//!   seats), after the plan, suspended ones and users the roster does not list included;
//! - `require_external_id`: every agent and admin of the roster has an `external_id`;
//! - `agents_need_group`: every agent of the roster lists a group.
//!
//! The planner judges every rule ([`super::Planner`]). At apply time
//! ([`super::Plan::enforce_safety`]) what the account decides is judged again: the address
//! rules for every user an applicable change creates or changes (as the account holds the
//! user now) and the totals against the account's admins and seats as read then. The
//! roster's own facts (an entry's `external_id`, its `groups`) and the users the plan leaves
//! alone are not read again: their refusals stay as the plan records them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Action, Change, FieldName, FieldValue, Kind, Refusal, SourceRef, UserField};
use crate::roster::Role;
use crate::roster::pattern::PatternSet;
use crate::roster::policy::Policy;
use crate::state::LiveUser;

/// The roster's policy a plan was made with, recorded so that `zapply` enforces it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicySettings {
    /// `agent_emails`: patterns an agent's address must match; `null` when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_emails: Option<Vec<String>>,
    /// `admin_emails`: patterns an admin's address must match; `null` when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_emails: Option<Vec<String>>,
    /// `max_admins`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_admins: Option<u32>,
    /// `max_agents`: agents and admins (agent seats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_agents: Option<u32>,
    /// `require_external_id`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_external_id: bool,
    /// `agents_need_group`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agents_need_group: bool,
}

impl PolicySettings {
    /// The roster's policy.
    #[must_use]
    pub fn from_roster(policy: &Policy) -> Self {
        let patterns =
            |list: &Option<crate::roster::Located<Vec<crate::roster::Located<String>>>>| {
                list.as_ref()
                    .map(|l| l.value.iter().map(|p| p.value.clone()).collect())
            };
        Self {
            agent_emails: patterns(&policy.agent_emails),
            admin_emails: patterns(&policy.admin_emails),
            max_admins: policy.max_admins.as_ref().map(|m| m.value),
            max_agents: policy.max_agents.as_ref().map(|m| m.value),
            require_external_id: policy.require_external_id.as_ref().is_some_and(|r| r.value),
            agents_need_group: policy.agents_need_group.as_ref().is_some_and(|r| r.value),
        }
    }

    /// Whether any rule is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        *self != Self::default()
    }

    /// Whether no rule is set.
    #[must_use]
    pub fn is_unset(&self) -> bool {
        !self.is_set()
    }

    /// The rules that restrict who holds `role`, with their patterns: an admin is an agent
    /// too, so `agent_emails` holds for admins as well as `admin_emails`.
    fn patterns(&self, role: Role) -> Vec<(Role, &'static str, &[String])> {
        let agent = self
            .agent_emails
            .as_deref()
            .map(|p| (Role::Agent, "policy.agent_emails", p));
        let admin = self
            .admin_emails
            .as_deref()
            .map(|p| (Role::Admin, "policy.admin_emails", p));
        match role {
            Role::Agent => agent.into_iter().collect(),
            Role::Admin => admin.into_iter().chain(agent).collect(),
            Role::EndUser => Vec::new(),
        }
    }
}

/// The rules judged again at apply time, by what the account holds.
const ACCOUNT_RULES: [&str; 4] = [
    "policy.agent_emails",
    "policy.admin_emails",
    "policy.max_admins",
    "policy.max_agents",
];

/// A user whose access after the plan the policy judges: a roster user the plan makes or
/// keeps an agent or admin.
#[derive(Debug, Clone)]
pub(crate) struct Holder<'h> {
    /// The user as messages name it.
    pub(crate) label: &'h str,
    /// The roster entry.
    pub(crate) source: Option<&'h SourceRef>,
    /// The role after the plan.
    pub(crate) role: Role,
    /// The primary address after the plan.
    pub(crate) email: Option<&'h str>,
    /// The live primary address when the plan makes another primary: it stays one of the
    /// user's identities (and is the primary still if that change fails).
    pub(crate) kept_email: Option<&'h str>,
    /// The user's other email addresses, where they were read (lower-case).
    pub(crate) secondary: &'h [String],
    /// The external id after the plan.
    pub(crate) external_id: Option<&'h str>,
}

/// The address rules (`agent_emails`, `admin_emails`) for one holder: every address it
/// holds after the plan (the new primary, and the live one it keeps) must be allowed.
pub(crate) fn judge_address(
    settings: &PolicySettings,
    holder: &Holder<'_>,
    sets: &mut PatternSets,
) -> Option<Refusal> {
    for (of, rule, patterns) in settings.patterns(holder.role) {
        let set = sets.of(of, patterns);
        if !set.is_match(holder.email, holder.external_id) {
            return Some(address_refusal(rule, patterns, holder, holder.email, ""));
        }
        if let Some(kept) = holder.kept_email
            && !set.is_match(Some(kept), holder.external_id)
        {
            let why = format!(
                " (its current address, which stays one of its identities after the change to `{}`, and its primary one if that change fails)",
                holder.email.unwrap_or_default()
            );
            return Some(address_refusal(rule, patterns, holder, Some(kept), &why));
        }
        if let Some(other) = holder
            .secondary
            .iter()
            .find(|a| !set.is_match(Some(a.as_str()), holder.external_id))
        {
            let why = " (one of its other addresses, with which it can sign in too)";
            return Some(address_refusal(rule, patterns, holder, Some(other), why));
        }
    }
    None
}

/// The refusal of `address` by `rule`; `why` follows the address.
fn address_refusal(
    rule: &str,
    patterns: &[String],
    holder: &Holder<'_>,
    address: Option<&str>,
    why: &str,
) -> Refusal {
    let allowed = if patterns.is_empty() {
        "allows no one".to_owned()
    } else {
        format!(
            "allows {}",
            patterns
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let address = address.map_or_else(|| "no address".to_owned(), |e| format!("`{e}`"));
    refusal(
        rule,
        holder.source,
        format!(
            "{} would be {} with {address}{why}, and `{rule}` {allowed}",
            holder.label,
            article(holder.role)
        ),
    )
}

/// The compiled patterns of each role, built once per judgement.
#[derive(Default)]
pub(crate) struct PatternSets {
    agent: Option<PatternSet>,
    admin: Option<PatternSet>,
}

impl PatternSets {
    fn of(&mut self, role: Role, patterns: &[String]) -> &PatternSet {
        let slot = if role == Role::Admin {
            &mut self.admin
        } else {
            &mut self.agent
        };
        slot.get_or_insert_with(|| PatternSet::new(patterns.iter().map(String::as_str)))
    }
}

/// `an agent`, `an admin`.
fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an admin",
        Role::Agent => "an agent",
        Role::EndUser => "an end-user",
    }
}

/// A refusal of the policy: never lifted by `--allow-mass-changes`.
pub(crate) fn refusal(rule: &str, source: Option<&SourceRef>, message: String) -> Refusal {
    Refusal {
        rule: rule.to_owned(),
        message,
        overridable: false,
        source: source.cloned(),
    }
}

/// The account's admins and agent seats now: active users, suspended ones included (light
/// agents and contributors hold no seat: [`LiveUser::takes_seat`]).
/// `users` holds every admin; `seats` counts every agent and admin when `Some`, else
/// `users` holds every agent too.
#[must_use]
pub(crate) fn totals_now(users: &BTreeMap<u64, Box<LiveUser>>, seats: Option<u64>) -> (i64, i64) {
    let active = || users.values().filter(|u| u.active);
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let admins = count(active().filter(|u| u.role == Role::Admin).count());
    let seats = seats.map_or_else(
        || count(active().filter(|u| u.takes_seat()).count()),
        |n| i64::try_from(n).unwrap_or(i64::MAX),
    );
    (admins, seats)
}

/// How the applicable changes move the admins and the agent seats; `users` holds the live
/// users the changes name.
#[must_use]
pub(crate) fn totals_delta(users: &BTreeMap<u64, Box<LiveUser>>, changes: &[Change]) -> (i64, i64) {
    let (mut admins, mut seats) = (0, 0);
    for change in changes
        .iter()
        .filter(|c| c.blocked.is_none() && c.kind == Kind::User)
    {
        // A change that sets neither role nor custom role and neither makes nor ends a user
        // moves nothing (and needs no look-up).
        let moves = matches!(
            change.action,
            Action::Create | Action::Downgrade | Action::Delete
        ) || change.fields.iter().any(|f| {
            matches!(
                f.field,
                FieldName::User(UserField::Role | UserField::CustomRole)
            )
        });
        if !moves {
            continue;
        }
        let live = change.id.and_then(|id| users.get(&id)).filter(|u| u.active);
        let before = live.map(|u| u.role);
        let after = match change.action {
            Action::Create => Some(role_field(change).unwrap_or(Role::EndUser)),
            Action::Update => role_field(change).or(before),
            Action::Downgrade => Some(Role::EndUser),
            Action::Delete => None,
            _ => before,
        };
        let admin = |role: Option<Role>| i64::from(role == Some(Role::Admin));
        admins += admin(after) - admin(before);
        seats += super::seats::seat_move(change, live.map(AsRef::as_ref));
    }
    (admins, seats)
}

/// The role a change sets, if it sets one.
pub(crate) fn role_field(change: &Change) -> Option<Role> {
    change
        .fields
        .iter()
        .find_map(|f| match (&f.field, &f.after) {
            (FieldName::User(UserField::Role), FieldValue::Role(role)) => Some(*role),
            _ => None,
        })
}

/// The totals rules (`max_admins`, `max_agents`) for the account after the plan: `now`
/// the admins and seats before it, `delta` what it changes. `at` names each setting in the
/// roster, when known.
pub(crate) fn judge_totals(
    settings: &PolicySettings,
    now: (i64, i64),
    delta: (i64, i64),
    at: [Option<&SourceRef>; 2],
) -> Vec<Refusal> {
    let rules = [
        (
            settings.max_admins,
            "policy.max_admins",
            "admins",
            now.0,
            delta.0,
            at[0],
        ),
        (
            settings.max_agents,
            "policy.max_agents",
            "agents and admins (agent seats)",
            now.1,
            delta.1,
            at[1],
        ),
    ];
    let mut refusals = Vec::new();
    for (limit, rule, what, now, delta, at) in rules {
        let Some(limit) = limit.map(i64::from) else {
            continue;
        };
        let after = now + delta;
        if after > limit {
            refusals.push(refusal(
                rule,
                at,
                format!(
                    "the account would have {after} {what} after the plan ({now} now, {delta:+} by the plan), and `{rule}` is {limit}: {} over",
                    after - limit
                ),
            ));
        }
    }
    refusals
}

impl super::Plan {
    /// Judges the policy again for what the account decides (see the module documentation):
    /// the address rules for the users the applicable changes create or change, as `users`
    /// holds them now, and the totals from `totals` (admins and seats now). Returns the
    /// policy's refusals: those, and the plan's own (`previous`) about the roster and about
    /// users no applicable change names.
    pub(crate) fn judge_policy(
        &self,
        users: &BTreeMap<u64, Box<LiveUser>>,
        addresses: &HashMap<u64, Vec<String>>,
        totals: (i64, i64),
        previous: &[Refusal],
    ) -> Vec<Refusal> {
        // The totals' refusals keep the setting's place the planner named.
        let at = ["policy.max_admins", "policy.max_agents"].map(|rule| {
            previous
                .iter()
                .find(|r| r.rule == rule)
                .and_then(|r| r.source.as_ref())
        });
        judge_changes(
            &self.safety.policy,
            &self.changes,
            users,
            addresses,
            totals,
            previous,
            at,
        )
    }
}

/// The policy's refusals of `changes` (see the module documentation): the address rules
/// for every user the applicable changes create or change, as `users` holds it, and the
/// account's totals (`totals`: admins and seats before the plan); with them the refusals
/// of `previous` that are not judged again (the roster's own facts, users no applicable
/// change names). `at` names the totals' settings in the roster, when known.
pub(crate) fn judge_changes(
    settings: &PolicySettings,
    changes: &[Change],
    users: &BTreeMap<u64, Box<LiveUser>>,
    addresses: &HashMap<u64, Vec<String>>,
    totals: (i64, i64),
    previous: &[Refusal],
    at: [Option<&SourceRef>; 2],
) -> Vec<Refusal> {
    if !settings.is_set() {
        return Vec::new();
    }
    let mut sets = PatternSets::default();
    let mut judged: BTreeSet<&SourceRef> = BTreeSet::new();
    let mut refusals = Vec::new();
    let keyed = changes_by_user(changes);
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        let mine = group.iter().map(|&(_, i)| &changes[i]);
        let Some(first) = mine.clone().next() else {
            continue;
        };
        if let Some(source) = &first.source {
            judged.insert(source);
        }
        let live = first.id.and_then(|id| users.get(&id)).map(AsRef::as_ref);
        let Some(after) = holder_after(&mine, live) else {
            continue;
        };
        let holder = Holder {
            label: &first.label,
            source: first.source.as_ref(),
            secondary: first
                .id
                .and_then(|id| addresses.get(&id))
                .map_or(&[], Vec::as_slice),
            ..after
        };
        refusals.extend(judge_address(settings, &holder, &mut sets));
    }
    // The roster's own facts, and users the changes do not name: as the plan says.
    let kept = previous.iter().filter(|r| {
        r.rule.starts_with("policy.")
            && (!ACCOUNT_RULES.contains(&r.rule.as_str())
                || (r.rule.ends_with("_emails")
                    && r.source.as_ref().is_none_or(|s| !judged.contains(s))))
    });
    let mut all: Vec<Refusal> = kept.cloned().collect();
    all.extend(refusals);
    let delta = totals_delta(users, changes);
    all.extend(judge_totals(settings, totals, delta, at));
    all
}

/// The applicable changes that make what each user is after the plan (its fields, its
/// primary address, its downgrade or deletion), as `(user, index)` pairs sorted by user and
/// then plan order: each user's changes are one run. Users by id, or by key when the plan
/// creates them.
pub(crate) fn changes_by_user(changes: &[Change]) -> Vec<(UserKey<'_>, usize)> {
    let mut keyed: Vec<(UserKey<'_>, usize)> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.blocked.is_none()
                && matches!(
                    (c.kind, c.action),
                    (
                        Kind::User,
                        Action::Create | Action::Update | Action::Downgrade | Action::Delete
                    ) | (Kind::Identity, Action::MakePrimary)
                )
        })
        .map(|(i, c)| (UserKey::of(c), i))
        .collect();
    keyed.sort_unstable();
    keyed
}

/// A user a plan names: by id, or by match key when the plan creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum UserKey<'k> {
    /// A live user.
    Id(u64),
    /// A user the plan creates.
    Key(&'k super::MatchKey),
}

impl<'k> UserKey<'k> {
    /// The user a change names.
    pub(crate) fn of(change: &'k Change) -> Self {
        match change.id {
            Some(id) => UserKey::Id(id),
            None => UserKey::Key(&change.key),
        }
    }
}

/// The user `mine` (its applicable changes, in plan order) names as it will be after them:
/// its role, primary address and external id, read from the changes and, for what they
/// leave, from the live user `live`. `None` for a user who is no agent or admin after the
/// plan. Its label and place are left empty for the caller to give.
pub(crate) fn holder_after<'p>(
    mine: &(impl Iterator<Item = &'p Change> + Clone),
    live: Option<&'p LiveUser>,
) -> Option<Holder<'p>> {
    // One pass over the changes: the first value each sets wins.
    let (mut role, mut email, mut external_id) = (None, None, None);
    for change in mine.clone() {
        if matches!(change.action, Action::Downgrade | Action::Delete) {
            return None;
        }
        for field in &change.fields {
            match (&field.field, &field.after) {
                (FieldName::User(UserField::Role), FieldValue::Role(r)) => {
                    role = role.or(Some(*r));
                }
                (FieldName::User(UserField::Email), FieldValue::Text(t)) => {
                    email = email.or(Some(t.as_str()));
                }
                (FieldName::User(UserField::ExternalId), FieldValue::Text(t)) => {
                    external_id = external_id.or(Some(t.as_str()));
                }
                _ => {}
            }
        }
    }
    let role = role.or(live.map(|l| l.role)).unwrap_or(Role::EndUser);
    if !role.is_staff() {
        return None;
    }
    let live_email = live.and_then(|l| l.email.as_deref());
    let kept_email =
        live_email.filter(|live| email.is_some_and(|new| !new.eq_ignore_ascii_case(live)));
    Some(Holder {
        label: "",
        source: None,
        role,
        email: email.or(live_email),
        kept_email,
        secondary: &[],
        external_id: external_id.or(live.and_then(|l| l.external_id.as_deref())),
    })
}

#[cfg(test)]
mod tests;
