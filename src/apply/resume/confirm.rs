//! Confirming what an interrupted run's journal says it applied, before `--resume` skips
//! it. A journal is a claim: edited, copied from another run, or outdated by someone who
//! undid a change since, it may say "applied" of a change the account does not hold. So
//! every claim `--resume` relies on is read back, in bulk, by the rules the convergence
//! check uses; a claim that holds is adopted, one that does not is left to apply again.
//!
//! The reads, by kind of claim:
//! - custom roles, organizations, groups: one lookup a kind ([`LiveObjects::look_up`]: the
//!   listing of custom roles or groups, `show_many` and a search by name for organizations);
//! - users and identities: with the users whose outcome the run never learned, in one
//!   settling read ([`settle::users`]: `show_many` by id or external id, the export of
//!   recent changes for users known by email);
//! - memberships: each kind's memberships of the users concerned, by the account-wide
//!   listing or one read a user, whichever takes fewer requests.

use std::collections::{BTreeSet, HashMap};

use crate::apply::applier::{LiveObjects, MembershipTable};
use crate::apply::body::object_body;
use crate::apply::convergence;
use crate::apply::run::Run;
use crate::apply::settle::{self, Settle};
use crate::plan::{Action, Kind, Named};
use crate::zendesk::ReadClient;

/// Confirms the claims on custom roles, organizations and groups (`claims`: change and the
/// id the journal gives), one lookup a kind; a confirmed object's id goes into the names.
pub(super) async fn named(client: &ReadClient, run: &mut Run<'_>, claims: &[(usize, Option<u64>)]) {
    let plan = run.plan;
    for kind in Named::ALL {
        let of_kind: Vec<(usize, Option<u64>)> = claims
            .iter()
            .copied()
            .filter(|&(i, _)| plan.changes[i].kind.named() == Some(kind))
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let names: Vec<&str> = of_kind
            .iter()
            .map(|&(i, _)| plan.changes[i].label.as_str())
            .collect();
        let ids: Vec<u64> = of_kind
            .iter()
            .filter_map(|&(i, id)| id.or(plan.changes[i].id))
            .collect();
        // Unread, nothing is confirmed: the appliers make the changes again, and a create
        // is looked up first anyway.
        let Ok(live) = LiveObjects::look_up(client, kind, &names, &ids).await else {
            continue;
        };
        for (i, id) in of_kind {
            let change = &plan.changes[i];
            let object = id
                .or(change.id)
                .and_then(|id| live.by_id(id))
                .or_else(|| live.find(change));
            if let Some(object) = object
                && LiveObjects::holds(kind, &object_body(change), &object.json)
            {
                run.names.set(kind, &change.label, Some(object.id));
                run.applied(i, Some(object.id));
            }
        }
    }
}

/// Confirms the claims on users and identities together with the changes whose outcome
/// the interrupted run never learned (`unknown`), in one settling read; what does not hold
/// is left to apply again.
pub(super) async fn users(
    client: &ReadClient,
    run: &mut Run<'_>,
    claims: &[(usize, Option<u64>)],
    unknown: &[usize],
) -> Vec<usize> {
    let plan = run.plan;
    let mut users: Vec<usize> = claims
        .iter()
        .map(|&(i, _)| i)
        .filter(|&i| matches!(plan.changes[i].kind, Kind::User | Kind::Identity))
        .chain(unknown.iter().copied())
        .collect();
    users.sort_unstable();
    users.dedup();
    settle::users(client, run, &users, Settle::Resumed).await;
    users
}

/// Confirms the claims on memberships, once the users and the groups and organizations
/// they name are known: an add holds when the membership is there, a removal when it is
/// not.
pub(super) async fn memberships(
    client: &ReadClient,
    run: &mut Run<'_>,
    claims: &[(usize, Option<u64>)],
) {
    let plan = run.plan;
    for kind in [Kind::OrganizationMembership, Kind::GroupMembership] {
        let Some(table) = MembershipTable::of_kind(kind) else {
            continue;
        };
        // (change, user, target) of each claim whose user and target are known.
        let wanted: Vec<(usize, u64, u64)> = claims
            .iter()
            .filter(|&&(i, _)| plan.changes[i].kind == kind)
            .filter_map(|&(i, _)| {
                let change = &plan.changes[i];
                let user = change
                    .id
                    .or_else(|| run.created.get(&change.key.to_lowercase()).copied())?;
                let target = change.target_id.or_else(|| {
                    let named = kind.target()?;
                    run.names.require(named, change.target.as_deref()?).ok()
                })?;
                Some((i, user, target))
            })
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let users: BTreeSet<u64> = wanted.iter().map(|&(_, user, _)| user).collect();
        let added = wanted
            .iter()
            .filter(|&&(i, ..)| plan.changes[i].action == Action::Add)
            .count() as u64;
        let account = plan.account_memberships.of(kind).map(|n| n + added);
        let live: HashMap<u64, _> = table.of_users_cheaply(client, &users, account).await;
        for (i, user, target) in wanted {
            if let Some(Ok(memberships)) = live.get(&user)
                && convergence::membership_holds(
                    plan.changes[i].action,
                    memberships.contains_key(&target),
                )
            {
                run.applied(i, Some(user));
            }
        }
    }
}
