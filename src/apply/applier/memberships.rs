//! Group and organization memberships, from one table: adds (`create_many`) and removes
//! (`destroy_many`). Removals need membership ids, which the plan does not hold, so the
//! memberships of each user that loses one are read first (`users/{id}/group_memberships`,
//! `users/{id}/organization_memberships`) and the ids are current when deleted. The same
//! table reads memberships back for the convergence check, per user or from the account's
//! listing.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use futures_util::{StreamExt as _, stream};
use serde_json::Value;

use super::Applier;
use crate::apply::ItemError;
use crate::apply::Status;
use crate::apply::run::Run;
use crate::apply::settle::{self, Settle};
use crate::plan::{Action, Change, Kind, Named};
use crate::state::{MembershipRead, MembershipReads};
use crate::zendesk::wire::Fields;
use crate::zendesk::{BulkOutcome, ReadClient, WriteClient, ZendeskError};

/// What memberships are in.
#[derive(Debug, Clone, Copy)]
enum In {
    Groups,
    Organizations,
}

/// What differs between group and organization memberships.
#[derive(Debug)]
pub(in crate::apply) struct MembershipTable {
    /// The kind of the changes.
    kind: Kind,
    /// What the memberships are in.
    of: In,
    /// Zendesk's collection (`group_memberships`).
    collection: &'static str,
    /// The key of the target's id in a membership (`group_id`).
    target_key: &'static str,
}

/// Group memberships.
pub(in crate::apply) const GROUP_MEMBERSHIPS: MembershipTable = MembershipTable {
    kind: Kind::GroupMembership,
    of: In::Groups,
    collection: "group_memberships",
    target_key: "group_id",
};

/// Organization memberships.
pub(in crate::apply) const ORGANIZATION_MEMBERSHIPS: MembershipTable = MembershipTable {
    kind: Kind::OrganizationMembership,
    of: In::Organizations,
    collection: "organization_memberships",
    target_key: "organization_id",
};

/// A user's memberships of one table: target id → membership id; or why they could not be
/// read.
pub(in crate::apply) type UserMemberships = Result<HashMap<u64, u64>, String>;

impl MembershipTable {
    /// The kind of object the memberships are in.
    fn target(&self) -> Named {
        match self.of {
            In::Groups => Named::Group,
            In::Organizations => Named::Organization,
        }
    }

    async fn create_many(
        &self,
        client: &WriteClient,
        bodies: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        match self.of {
            In::Groups => client.create_many_group_memberships(bodies).await,
            In::Organizations => client.create_many_organization_memberships(bodies).await,
        }
    }

    async fn destroy_many(
        &self,
        client: &WriteClient,
        ids: &[u64],
    ) -> Result<BulkOutcome, ZendeskError> {
        match self.of {
            In::Groups => client.destroy_many_group_memberships(ids).await,
            In::Organizations => client.destroy_many_organization_memberships(ids).await,
        }
    }

    /// About how many memberships of this table the account holds while `plan` is applied:
    /// what the fetch listed, plus every add the plan makes; `None` when unknown.
    pub(in crate::apply) fn in_account(&self, plan: &crate::plan::Plan) -> Option<u64> {
        let adds = plan
            .changes
            .iter()
            .filter(|c| c.kind == self.kind && c.action == Action::Add)
            .count() as u64;
        plan.account_memberships.of(self.kind).map(|n| n + adds)
    }

    /// The table of memberships of `kind`.
    pub(in crate::apply) fn of_kind(kind: Kind) -> Option<&'static MembershipTable> {
        match kind {
            Kind::GroupMembership => Some(&GROUP_MEMBERSHIPS),
            Kind::OrganizationMembership => Some(&ORGANIZATION_MEMBERSHIPS),
            _ => None,
        }
    }

    /// The endpoints that read these memberships, as request counts name them: the
    /// account-wide listing and one user's.
    pub(in crate::apply) fn read_endpoints(&self) -> [String; 2] {
        [
            format!("GET /api/v2/{}", self.collection),
            format!("GET /api/v2/users/{{id}}/{}", self.collection),
        ]
    }

    /// The memberships of `users`, from the account-wide listing (every page, read ahead).
    pub(in crate::apply) async fn of_account(
        &self,
        client: &ReadClient,
        users: &BTreeSet<u64>,
    ) -> HashMap<u64, UserMemberships> {
        // (user, target, membership) of every membership of the account.
        let listed: Result<Vec<(u64, u64, u64)>, ZendeskError> = match self.of {
            In::Groups => client
                .group_memberships()
                .prefetching()
                .collect_all()
                .await
                .map(|ms| {
                    ms.into_iter()
                        .map(|m| (m.user_id, m.group_id, m.id))
                        .collect()
                }),
            In::Organizations => client
                .organization_memberships()
                .prefetching()
                .collect_all()
                .await
                .map(|ms| {
                    ms.into_iter()
                        .map(|m| (m.user_id, m.organization_id, m.id))
                        .collect()
                }),
        };
        match listed {
            Ok(listed) => {
                let mut found: HashMap<u64, HashMap<u64, u64>> =
                    users.iter().map(|&user| (user, HashMap::new())).collect();
                for (user, target, id) in listed {
                    if let Some(memberships) = found.get_mut(&user) {
                        memberships.insert(target, id);
                    }
                }
                found.into_iter().map(|(user, m)| (user, Ok(m))).collect()
            }
            Err(error) => users
                .iter()
                .map(|&user| (user, Err(error.to_string())))
                .collect(),
        }
    }

    /// The memberships of `users`, read the cheaper way for an account holding `account`
    /// memberships of this kind (`None`: unknown): the account-wide listing when it takes
    /// fewer pages than there are users, one read a user otherwise ([`MembershipReads`]).
    pub(in crate::apply) async fn of_users_cheaply(
        &self,
        client: &ReadClient,
        users: &BTreeSet<u64>,
        account: Option<u64>,
    ) -> HashMap<u64, UserMemberships> {
        match MembershipReads::decide(users.len() as u64, account).read {
            MembershipRead::Listing => self.of_account(client, users).await,
            MembershipRead::PerUser => self.of_users(client, users).await,
        }
    }

    /// Each user's memberships, read concurrently.
    pub(in crate::apply) async fn of_users(
        &self,
        client: &ReadClient,
        users: &BTreeSet<u64>,
    ) -> HashMap<u64, UserMemberships> {
        let reads = users.iter().map(|&user| async move {
            let read = match self.of {
                In::Groups => client
                    .user_group_memberships(user)
                    .collect_all()
                    .await
                    .map(|ms| ms.into_iter().map(|m| (m.group_id, m.id)).collect()),
                In::Organizations => client
                    .user_organization_memberships(user)
                    .collect_all()
                    .await
                    .map(|ms| ms.into_iter().map(|m| (m.organization_id, m.id)).collect()),
            };
            (user, read.map_err(|e| e.to_string()))
        });
        stream::iter(reads)
            .buffer_unordered(client.settings().concurrency.max(1))
            .collect()
            .await
    }
}

/// Adds memberships of one table.
pub(in crate::apply) struct MembershipAdds(pub(in crate::apply) &'static MembershipTable);

/// Removes memberships of one table.
pub(in crate::apply) struct MembershipRemoves(pub(in crate::apply) &'static MembershipTable);

impl Applier for MembershipAdds {
    fn takes(&self, change: &Change) -> bool {
        change.kind == self.0.kind && change.action == Action::Add
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, selected: Vec<usize>) {
        let table = self.0;
        // (change, user, target) of each membership submitted.
        let mut wanted = Vec::new();
        let (items, bodies, operation) = {
            let mut run = run.borrow_mut();
            for i in selected {
                let change = &run.plan.changes[i];
                let user = change
                    .id
                    .or_else(|| run.created.get(&change.key.to_lowercase()).copied())
                    .ok_or_else(|| {
                        ItemError::UnresolvedReference(format!("{} was not created", change.label))
                    });
                let target = match (change.target_id, &change.target) {
                    (Some(id), _) => Ok(id),
                    (None, Some(name)) => run.names.require(table.target(), name),
                    (None, None) => Err(ItemError::MissingId("the membership names no target")),
                };
                match (user, target) {
                    (Ok(user), Ok(target)) => wanted.push((i, user, target)),
                    (Err(error), _) | (_, Err(error)) => run.fail(i, error),
                }
            }
            let items: Vec<usize> = wanted.iter().map(|&(i, ..)| i).collect();
            let bodies: Vec<Fields> = wanted
                .iter()
                .map(|&(_, user, target)| {
                    let mut body = Fields::new();
                    body.insert("user_id".to_owned(), Value::from(user));
                    body.insert(table.target_key.to_owned(), Value::from(target));
                    body
                })
                .collect();
            let operation = run.begin(&format!("{}/create_many", table.collection), &items);
            (items, bodies, operation)
        };
        let outcome = table
            .create_many(&client.for_operation(operation), &bodies)
            .await;
        let unknown = run.borrow_mut().record(&items, outcome);
        let of = |changes: &[usize]| -> Vec<(usize, u64, u64)> {
            wanted
                .iter()
                .copied()
                .filter(|(i, ..)| changes.contains(i))
                .collect()
        };
        settle::membership_adds(client, run, table, &of(&unknown), Settle::Unknown).await;
        // A membership that exists already (made by an interrupted run, or by someone else
        // since the plan) is refused: re-reading confirms the end state holds.
        let refused: Vec<usize> = {
            let run = run.borrow();
            items
                .iter()
                .copied()
                .filter(|&i| run.results[i].status == Status::Failed)
                .collect()
        };
        settle::membership_adds(client, run, table, &of(&refused), Settle::Refused).await;
    }
}

impl Applier for MembershipRemoves {
    fn takes(&self, change: &Change) -> bool {
        change.kind == self.0.kind && change.action == Action::Remove
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, selected: Vec<usize>) {
        let table = self.0;
        // A user this run created (whom Zendesk put into the default group) is found by key.
        let user_of = |run: &Run<'_>, change: &Change| {
            change
                .id
                .or_else(|| run.created.get(&change.key.to_lowercase()).copied())
        };
        let users: BTreeSet<u64> = {
            let run = run.borrow();
            selected
                .iter()
                .filter_map(|&i| user_of(&run, &run.plan.changes[i]))
                .collect()
        };
        let live = table.of_users(client, &users).await;
        let (items, ids, operation) = {
            let mut run = run.borrow_mut();
            let mut items = Vec::new();
            let mut ids = Vec::new();
            for i in selected {
                let change = &run.plan.changes[i];
                let (Some(user), Some(target)) = (user_of(&run, change), change.target_id) else {
                    run.fail(i, ItemError::MissingId("a removal names no user or target"));
                    continue;
                };
                match live.get(&user) {
                    Some(Ok(memberships)) => match memberships.get(&target) {
                        Some(&membership) => {
                            items.push(i);
                            ids.push(membership);
                        }
                        // Already gone: the plan's end state holds.
                        None => run.applied(i, Some(user)),
                    },
                    Some(Err(reason)) => run.fail(i, ItemError::ReadFailed(reason.clone())),
                    None => run.fail(i, ItemError::ReadFailed("memberships not read".to_owned())),
                }
            }
            let operation = run.begin(&format!("{}/destroy_many", table.collection), &items);
            (items, ids, operation)
        };
        let outcome = table
            .destroy_many(&client.for_operation(operation), &ids)
            .await;
        let unknown = run.borrow_mut().record(&items, outcome);
        settle::membership_removes(client, run, table, &unknown).await;
    }
}
