//! The convergence check of DESIGN.md §8: after applying, re-read the users that were
//! written and report every planned field that does not hold its planned value (Zendesk
//! normalised it, or something else changed it since).
//!
//! Reading costs requests, so the check picks the cheaper of two ways for the numbers at
//! hand (the same reasoning as the fetch's email-lookup cost model):
//!
//! - `users/show_many?ids=`: 100 users a request, `ceil(n / 100)` requests;
//! - the incremental user export from just before the run: 1,000 users a page, every user
//!   updated since, so at least `ceil(n / 1000)` pages, but more when the account is busy,
//!   and Zendesk allows only 10 such requests a minute.
//!
//! Below [`EXPORT_CHEAPER_ABOVE`] users `show_many` is always as cheap; above it the export is
//! read within a page budget (half what `show_many` would take, at most the 10 pages a
//! minute Zendesk allows), and every user it did not return (budget spent, a replica
//! lagging behind, an account that refuses the export) is read with `show_many` instead.
//!
//! The export's window is shared with the fetch and with settling (which read recent changes
//! there, [`crate::state::RecentUsers`]): when they read it within the last minute, the
//! check waits for free pages rather than spend requests of the account's
//! limit, which other integrations share (DESIGN.md §8). Requests are the scarcer resource;
//! the wait is logged like any other rate-limit wait. The check therefore
//! never costs more than `show_many` alone would, and never trusts a user's absence from the
//! export.
//!
//! The re-read covers user fields, primary emails, suspensions, role changes and deletions.
//! Memberships are read back too ([`memberships`]): Zendesk changes them by itself around
//! other writes (a new or promoted agent joins the default group, one organization a user
//! moves the user, a demoted agent leaves its groups), and other integrations write to the
//! account while a run goes on, so a membership the plan added can be gone after the run.
//! The default group a new or promoted agent keeps, which Zendesk makes and the plan only
//! records on the agent's change ([`crate::plan::Implied`]), is held to the same rule as an add.
//! They cost their own requests, chosen the same way: the account-wide listing or one read a
//! user, whichever takes fewer for the numbers at hand ([`crate::state::MembershipReads`]:
//! `max(1, ceil(M / 100))` pages for an account of `M` memberships of the kind, against one
//! request for each of the `n` users whose memberships of that kind the run changed). A kind
//! the run changed no membership of is not read at all. The custom roles, organizations and
//! groups are confirmed by their own results (Zendesk answers with the object it stored).
//!
//! Whether a field holds is the planner's own rule ([`UserField::holds`]), applied to the
//! re-read users after the one wire → live conversion ([`LiveUser::from_wire`]): a value
//! the planner would plan again is exactly a value that did not converge. Whether a
//! membership holds is whether the pair (user id, group or organization id) is there, as the
//! planner compares memberships and the executor writes them.

mod memberships;

use std::collections::{HashMap, HashSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

pub(crate) use memberships::{Applied, MembershipsRead, holds as membership_holds};

use crate::plan::{
    AccountMemberships, Action, Change, FieldValue, MatchKey, NamedIds, SourceRef, UserField,
};
use crate::state::{Interner, LiveUser};
use crate::zendesk::ReadClient;
use crate::zendesk::limits::{
    EXPORT_CHEAPER_ABOVE, EXPORT_PER_WINDOW, SHOW_MANY_LIMIT, export_start,
};

/// A planned value that does not hold after applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Divergence {
    /// The match key of the change (`external_id:emp-1`).
    #[schemars(with = "String")]
    pub key: MatchKey,
    /// A readable name.
    pub label: String,
    /// The roster entry (`file:line:column`); none for pruned users.
    #[schemars(with = "Option<String>")]
    pub source: Option<SourceRef>,
    /// The field, as the plan names it (`role`, `user_fields.code`); `user` when the user
    /// itself is missing or was not deleted; `groups` or `organizations` for a membership,
    /// whose group or organization is `target`.
    #[schemars(with = "String")]
    pub field: Diverged,
    /// For memberships: the group or organization, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// What the plan set (for a membership: `member` or `not a member`).
    #[schemars(with = "serde_json::Value")]
    pub planned: FieldValue,
    /// What Zendesk holds now (`null` when the user could not be found; for a membership:
    /// `member`, `not a member`, or why it could not be read).
    #[schemars(with = "serde_json::Value")]
    pub live: FieldValue,
}

impl Divergence {
    /// Whether a membership did not converge (rather than the user or a field).
    #[must_use]
    pub fn is_membership(&self) -> bool {
        matches!(self.field, Diverged::Groups | Diverged::Organizations)
    }
}

/// What did not converge: the user itself, one of its fields, or one of its memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diverged {
    /// The user is missing, deleted, or still there after a delete; written `user`.
    User,
    /// A field, written by its name.
    Field(UserField),
    /// A group membership, written `groups` (the roster's key).
    Groups,
    /// An organization membership, written `organizations` (the roster's key).
    Organizations,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diverged::User => f.write_str("user"),
            Diverged::Field(field) => field.fmt(f),
            Diverged::Groups => f.write_str("groups"),
            Diverged::Organizations => f.write_str("organizations"),
        }
    }
}

impl Serialize for Diverged {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How the users and memberships were read, for the journal.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reads {
    pub(crate) incremental_pages: u64,
    pub(crate) show_many_requests: u64,
    /// One entry for each kind of memberships read back.
    pub(crate) memberships: Vec<MembershipsRead>,
}

/// What the convergence check is given: what the run applied, with the ids it wrote.
pub(crate) struct Written<'p> {
    /// User and identity changes, each with the user id it wrote.
    pub(crate) users: Vec<(&'p Change, u64)>,
    /// Membership changes, each with its user and target ids.
    pub(crate) memberships: Vec<Applied<'p>>,
}

impl Written<'_> {
    /// Whether the run wrote nothing the check reads back.
    pub(crate) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.memberships.is_empty()
    }
}

/// Re-reads what the run wrote: the users of the applied user changes, and the memberships
/// of the users whose memberships changed (`account`: the account's memberships when
/// planning, for the choice of reads). Returns every field and membership that did not
/// converge, users' first.
pub(crate) async fn check(
    client: &ReadClient,
    written: &Written<'_>,
    account: &AccountMemberships,
    ids: &dyn NamedIds,
    run_started: i64,
) -> (Vec<Divergence>, Reads) {
    let (mut divergences, mut reads) = if written.users.is_empty() {
        (Vec::new(), Reads::default())
    } else {
        check_users(client, &written.users, ids, run_started).await
    };
    if !written.memberships.is_empty() {
        let (diverged, read) = memberships::check(client, &written.memberships, account).await;
        divergences.extend(diverged);
        reads.memberships = read;
    }
    (divergences, reads)
}

/// Re-reads the users of the applied `changes` (pairs of change and the user id it wrote)
/// and returns every field that did not converge. A user that cannot be read is reported
/// as such rather than guessed about.
async fn check_users(
    client: &ReadClient,
    changes: &[(&Change, u64)],
    ids: &dyn NamedIds,
    run_started: i64,
) -> (Vec<Divergence>, Reads) {
    let wanted: HashSet<u64> = changes.iter().map(|(_, id)| *id).collect();
    let mut reads = Reads::default();
    let mut interner = Interner::default();
    let mut found: HashMap<u64, LiveUser> = HashMap::new();
    if wanted.len() > EXPORT_CHEAPER_ABOVE {
        let show_many = wanted.len().div_ceil(SHOW_MANY_LIMIT);
        let budget = (show_many / 2).min(EXPORT_PER_WINDOW);
        let start = export_start(run_started, chrono::Utc::now().timestamp());
        // A failed read leaves the users it did not return to `show_many`.
        let _ = client
            .each_incremental_users(start, budget, |page| {
                reads.incremental_pages += 1;
                // Later pages hold later versions: keep the last one seen.
                found.extend(
                    page.into_iter()
                        .filter(|u| wanted.contains(&u.id))
                        .map(|u| (u.id, LiveUser::from_wire(u, &mut interner))),
                );
                true
            })
            .await;
    }
    let missing: Vec<u64> = {
        let mut ids: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|id| !found.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids
    };
    let mut read_error = None;
    if !missing.is_empty() {
        let before = client.stats().requests;
        match client.users_by_ids(&missing).await {
            Ok(users) => found.extend(
                users
                    .into_iter()
                    .map(|u| (u.id, LiveUser::from_wire(u, &mut interner))),
            ),
            Err(error) => read_error = Some(error.to_string()),
        }
        reads.show_many_requests = client.stats().requests - before;
    }
    let mut divergences = Vec::new();
    for &(change, id) in changes {
        let user = found.get(&id);
        divergences.extend(diverging(change, user, ids, read_error.as_deref()));
    }
    (divergences, reads)
}

/// The fields of `change` that `user` (re-read; `None` when not found) does not hold.
pub(crate) fn diverging(
    change: &Change,
    user: Option<&LiveUser>,
    ids: &dyn NamedIds,
    read_error: Option<&str>,
) -> Vec<Divergence> {
    let divergence = |field: Diverged, planned: FieldValue, live: FieldValue| Divergence {
        key: change.key.clone(),
        label: change.label.clone(),
        source: change.source.clone(),
        field,
        target: None,
        planned,
        live,
    };
    let presence = |planned: &str, live: &str| {
        divergence(
            Diverged::User,
            FieldValue::Text(planned.to_owned()),
            FieldValue::Text(live.to_owned()),
        )
    };
    let user = match (change.action, user) {
        (Action::Delete, None) => return Vec::new(),
        (Action::Delete, Some(user)) if !user.active => return Vec::new(),
        (Action::Delete, Some(_)) => return vec![presence("deleted", "active")],
        (_, None) => {
            let live = match read_error {
                Some(reason) => format!("not re-read: {reason}"),
                None => "not found".to_owned(),
            };
            return vec![presence("present", &live)];
        }
        (_, Some(user)) if !user.active => return vec![presence("present", "deleted")],
        (_, Some(user)) => user,
    };
    change
        .fields
        .iter()
        .filter_map(|field| {
            // A user's change holds user fields only (a saved plan is read that way).
            let name = field.user_field()?;
            (!name.holds(&field.after, Some(user), ids)).then(|| {
                divergence(
                    Diverged::Field(name.clone()),
                    field.after.clone(),
                    name.live_value(Some(user), ids),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod rule_tests;
