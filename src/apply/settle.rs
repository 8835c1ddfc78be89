//! Settling by re-reading: changes whose outcome is unknown (a job expired, an answer was
//! lost), refused because the end state holds already, or possibly made by an interrupted
//! run are decided by reading what Zendesk holds now, never by submitting them again.
//!
//! Users are re-read by id or external id with `show_many`, which reads the users
//! themselves. Users known by email alone (users to create) need a search, and search reads
//! an index that lags behind writes by up to a few minutes (API.md §12): the user this run
//! created seconds ago is not found by it. So those are first looked for among the users
//! changed in the last minutes, in the incremental export ([`RecentUsers`], one read for
//! every email of the call, one page unless the account changed more than 1,000 users in
//! that time), and only the emails not found there are searched: a user changed before that
//! window is in the index. The window is counted back from now, not from the run's start:
//! whatever changed before it the search shows, whoever changed it (this run, the
//! interrupted run `--resume` adopts, whose start the journal does not say, or someone
//! else), so one rule serves every case and a long run reads no more of the export than a
//! short one.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::ItemError;
use super::applier::MembershipTable;
use super::convergence;
use super::run::Run;
use crate::plan::{Action, MatchKey, Plan};
use crate::state::{LiveUser, RECENT_PAGES_AT_MOST, RecentUsers};
use crate::zendesk::ReadClient;
use crate::zendesk::limits::SEARCH_LAG_WINDOW_S;
use crate::zendesk::wire::User;

/// Why changes are being settled by re-reading, which decides what happens when the
/// planned values are not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settle {
    /// Their outcome is unknown: missing values mean the change failed.
    Unknown,
    /// Zendesk refused them: present values mean the end state holds anyway (a membership
    /// that exists already, a user deleted already); missing ones keep the refusal.
    Refused,
    /// An interrupted run may have made them (`--resume`): present values are adopted,
    /// missing ones are applied again.
    Resumed,
}

/// What re-reading the users of some changes found.
struct UsersRead {
    users: Vec<LiveUser>,
    /// Why part of the read failed, if it did.
    read_error: Option<String>,
}

/// User changes: re-reads the users (`show_many` by id or external id; by email, the
/// export of recent changes, then a search for the emails not found there) and sees whether
/// the planned values hold, by the planner's own rules.
pub(super) async fn users(client: &ReadClient, run: &mut Run<'_>, changes: &[usize], why: Settle) {
    if changes.is_empty() {
        return;
    }
    let read = read_users(client, run.plan, changes).await;
    settle_users(run, changes, read, why);
}

/// [`users`] for a run shared with operations running beside it: it is borrowed only
/// before and after the reads.
pub(super) async fn users_shared(
    client: &ReadClient,
    run: &RefCell<Run<'_>>,
    changes: &[usize],
    why: Settle,
) {
    if changes.is_empty() {
        return;
    }
    let plan = run.borrow().plan;
    let read = read_users(client, plan, changes).await;
    settle_users(&mut run.borrow_mut(), changes, read, why);
}

/// Re-reads the users of `changes` of `plan`.
async fn read_users(client: &ReadClient, plan: &Plan, changes: &[usize]) -> UsersRead {
    let mut ids = Vec::new();
    let mut external_ids = Vec::new();
    let mut emails = Vec::new();
    for &i in changes {
        let change = &plan.changes[i];
        match (change.id, &change.key) {
            (Some(id), _) | (None, &MatchKey::Id(id)) => ids.push(id),
            (None, MatchKey::ExternalId(value)) => external_ids.push(value.clone()),
            (None, MatchKey::Email(value)) => emails.push(value.clone()),
            (None, MatchKey::Name(_)) => {}
        }
    }
    let mut users: Vec<User> = Vec::new();
    let mut read_error = None;
    match client.users_by_ids(&ids).await {
        Ok(found) => users.extend(found),
        Err(error) => read_error = Some(error.to_string()),
    }
    if !external_ids.is_empty() {
        match client.users_by_external_ids(&external_ids).await {
            Ok(found) => users.extend(found),
            Err(error) => read_error = Some(error.to_string()),
        }
    }
    let mut unseen: BTreeSet<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    match RecentUsers::find(client, &unseen).await {
        Ok(recent) => {
            for user in &recent.users {
                if let Some(email) = &user.email {
                    unseen.remove(&email.to_lowercase());
                }
            }
            users.extend(recent.users);
            if !recent.complete {
                read_error = Some(format!(
                    "the users changed in the last {} minutes are more than {} pages of the user export",
                    SEARCH_LAG_WINDOW_S / 60,
                    RECENT_PAGES_AT_MOST
                ));
            }
        }
        Err(error) => read_error = Some(error.to_string()),
    }
    for email in unseen {
        match client
            .search_users(&format!("email:{email}"))
            .collect_all()
            .await
        {
            Ok(found) => users.extend(found),
            Err(error) => read_error = Some(error.to_string()),
        }
    }
    UsersRead {
        users: users.into_iter().map(LiveUser::from).collect(),
        read_error,
    }
}

/// Settles `changes` by what [`read_users`] found.
fn settle_users(run: &mut Run<'_>, changes: &[usize], read: UsersRead, why: Settle) {
    let UsersRead { users, read_error } = read;
    for &i in changes {
        let change = &run.plan.changes[i];
        let found = users.iter().find(|u| match (change.id, &change.key) {
            (Some(id), _) | (None, &MatchKey::Id(id)) => u.id == id,
            (None, MatchKey::ExternalId(v)) => u
                .external_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(v)),
            (None, MatchKey::Email(v)) => u
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(v)),
            (None, MatchKey::Name(_)) => false,
        });
        let holds = convergence::diverging(change, found, &run.names, None).is_empty();
        if holds {
            let refusal = run.results[i].details.take();
            run.applied(i, found.map(|u| u.id));
            run.results[i].details = Some(match (why, refusal) {
                (Settle::Refused, Some(refusal)) => {
                    format!("already so: re-reading confirms it (Zendesk answered: {refusal})")
                }
                _ => "outcome unknown; confirmed by re-reading".to_owned(),
            });
            continue;
        }
        match (why, &read_error) {
            (Settle::Refused, _) => {}
            (Settle::Resumed, _) => run.retry(i),
            (Settle::Unknown, Some(reason)) => {
                run.results[i].details =
                    Some(format!("outcome unknown and re-reading failed: {reason}"));
            }
            (Settle::Unknown, None) => run.fail(
                i,
                ItemError::NotApplied(
                    "the job's outcome was unknown and re-reading shows the change did not take effect; a fresh plan will redo it",
                ),
            ),
        }
    }
}

/// Membership adds, as `(change, user, target)`: re-reads the users' memberships, by the
/// account's listing or one read a user, whichever takes fewer requests (a resumed run may
/// find hundreds refused because the killed run made them).
pub(super) async fn membership_adds(
    client: &ReadClient,
    run: &RefCell<Run<'_>>,
    table: &MembershipTable,
    wanted: &[(usize, u64, u64)],
    why: Settle,
) {
    if wanted.is_empty() {
        return;
    }
    let users: BTreeSet<u64> = wanted.iter().map(|&(_, user, _)| user).collect();
    let account = table.in_account(run.borrow().plan);
    let live = table.of_users_cheaply(client, &users, account).await;
    let mut run = run.borrow_mut();
    for &(i, user, target) in wanted {
        match (live.get(&user), why) {
            (Some(Ok(memberships)), _)
                if convergence::membership_holds(
                    Action::Add,
                    memberships.contains_key(&target),
                ) =>
            {
                let refusal = run.results[i].details.take();
                run.applied(i, Some(user));
                if let (Settle::Refused, Some(refusal)) = (why, refusal) {
                    run.results[i].details = Some(format!(
                        "already a member: re-reading confirms it (Zendesk answered: {refusal})"
                    ));
                }
            }
            (Some(Ok(_)), Settle::Unknown) => run.fail(
                i,
                ItemError::NotApplied(
                    "the job's outcome was unknown and the membership is not there",
                ),
            ),
            _ => {}
        }
    }
}

/// Membership removals whose outcome is unknown: re-reads the users' memberships.
pub(super) async fn membership_removes(
    client: &ReadClient,
    run: &RefCell<Run<'_>>,
    table: &MembershipTable,
    unknown: &[usize],
) {
    let plan = run.borrow().plan;
    let users: BTreeSet<u64> = unknown.iter().filter_map(|&i| plan.changes[i].id).collect();
    let live = table
        .of_users_cheaply(client, &users, table.in_account(plan))
        .await;
    let mut run = run.borrow_mut();
    for &i in unknown {
        let change = &run.plan.changes[i];
        let (user, target) = (change.id.unwrap_or_default(), change.target_id);
        match live.get(&user) {
            Some(Ok(memberships))
                if convergence::membership_holds(
                    Action::Remove,
                    target.is_some_and(|t| memberships.contains_key(&t)),
                ) =>
            {
                run.applied(i, Some(user));
            }
            Some(Ok(_)) => run.fail(
                i,
                ItemError::NotApplied(
                    "the job's outcome was unknown and the membership is still there",
                ),
            ),
            _ => {}
        }
    }
}
