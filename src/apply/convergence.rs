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
//! Below [`EXPORT_CHEAPER_ABOVE`] users `show_many` is always as cheap. Above it the export
//! takes fewer requests, but its window is shared with the fetch and with settling (which
//! read recent changes there, [`crate::state::RecentUsers`]): when they read it within the
//! last minute, its pages are free only later. So the check weighs what each way costs
//! ([`UserReads::decide`]), in time: the wait for the export's window, and every request at
//! the time the run's share of the account's limit takes to allow one (`60 s / (limit ×
//! share)`; requests are worth that much to the run, and to the other integrations sharing
//! the limit). It waits for the export when that costs less than the extra `show_many`
//! requests, and reads with `show_many` at once otherwise; `zapply` says which it took, and
//! the report and the journal hold the numbers ([`UserReads`]). The export is read within a
//! page budget (half what `show_many` would take, at most the 10 pages a minute Zendesk
//! allows), and every user it did not return (budget spent, a replica lagging behind, an
//! account that refuses the export) is read with `show_many` instead. The check therefore
//! never makes more requests than `show_many` alone would, and never trusts a user's absence
//! from the export.
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
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

pub(crate) use memberships::{Applied, MembershipsRead, holds as membership_holds};

use crate::plan::{
    AccountMemberships, Action, Change, FieldValue, MatchKey, NamedIds, SourceRef, UserField,
};
use crate::state::{Interner, LiveUser};
use crate::zendesk::ReadClient;
use crate::zendesk::limits::{
    EXPORT_CHEAPER_ABOVE, EXPORT_PAGE, EXPORT_PER_WINDOW, SHOW_MANY_LIMIT, export_start,
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

/// How the convergence check read the users back, and why: the cheaper of `show_many` and
/// the incremental export, counting the wait for the export's window and the requests at
/// the time the run's share of the rate limit takes for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UserReads {
    /// How they were read.
    pub read: UserRead,
    /// Users read back.
    pub users: usize,
    /// `users/show_many` requests reading them all takes (100 a request).
    pub show_many_requests: u64,
    /// Incremental-export pages they take at least (1,000 a page).
    pub export_pages: u64,
    /// How long the export's window (10 requests a minute, shared with the fetch) had the
    /// check wait before those pages, in milliseconds.
    pub export_wait_ms: u64,
    /// What one request costs in time, in milliseconds: `60 s / (limit × share)`, how long
    /// the run's share of the account's rate limit takes to allow one.
    pub request_ms: u64,
}

/// How the convergence check reads the users back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserRead {
    /// `users/show_many?ids=`, 100 users a request.
    ShowMany,
    /// The incremental user export since the run started, 1,000 users a page (the users it
    /// does not return are read with `show_many`).
    IncrementalExport,
}

impl UserReads {
    /// The account's limit assumed when no answer has told it yet: the smallest plan's.
    const UNKNOWN_LIMIT: u32 = 200;

    /// The cheaper way to read `users` back, when the export's pages would be free after
    /// `export_wait` and the run may make `limit × share` requests a minute (`limit` unknown:
    /// the smallest plan's): the export when it is an option (above [`EXPORT_CHEAPER_ABOVE`]
    /// users) and its wait and pages cost no more than the `show_many` requests.
    pub(crate) fn decide(
        users: usize,
        export_wait: Duration,
        limit: Option<u32>,
        share: f64,
    ) -> Self {
        let show_many = users.div_ceil(SHOW_MANY_LIMIT) as u64;
        let pages = users.div_ceil(EXPORT_PAGE) as u64;
        let per_minute = f64::from(limit.unwrap_or(Self::UNKNOWN_LIMIT)) * share;
        let request = Duration::from_secs_f64(60.0 / per_minute.max(1.0));
        let export_cost = export_wait + request * pages as u32;
        let show_many_cost = request * show_many as u32;
        let read = if users > EXPORT_CHEAPER_ABOVE && export_cost <= show_many_cost {
            UserRead::IncrementalExport
        } else {
            UserRead::ShowMany
        };
        Self {
            read,
            users,
            show_many_requests: show_many,
            export_pages: pages,
            export_wait_ms: export_wait.as_millis() as u64,
            request_ms: request.as_millis() as u64,
        }
    }

    /// Whether the export was an option at all (above [`EXPORT_CHEAPER_ABOVE`] users).
    #[must_use]
    pub fn had_a_choice(&self) -> bool {
        self.users > EXPORT_CHEAPER_ABOVE
    }
}

/// How the users and memberships were read, for the journal.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reads {
    /// The choice of reads for the users, when users were read back.
    pub(crate) users: Option<UserReads>,
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
    let pages = wanted.len().div_ceil(EXPORT_PAGE);
    let decision = UserReads::decide(
        wanted.len(),
        client.transport.incremental_wait(pages),
        client.transport.rate_limit(),
        client.settings().rate_limit_share,
    );
    reads.users = Some(decision);
    if decision.read == UserRead::IncrementalExport {
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

#[cfg(test)]
mod read_tests;
