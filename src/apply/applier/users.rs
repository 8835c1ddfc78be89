//! Users in bulk: creates (`create_or_update_many`, so a retried batch never duplicates a
//! user), updates, suspensions and downgrades (`update_many`, batch form), deletes
//! (`destroy_many`). Items whose outcome is unknown are settled by re-reading the users.

use std::cell::RefCell;

use serde_json::Value;

use super::Applier;
use crate::apply::body::user_body;
use crate::apply::run::Run;
use crate::apply::settle::{self, Settle};
use crate::apply::{ItemError, Status};
use crate::plan::{Change, Kind, Phase};
use crate::zendesk::WriteClient;

/// Creates users.
pub(in crate::apply) struct UserCreates;

/// Updates the users of a phase: updates and unsuspensions, or suspensions and downgrades.
pub(in crate::apply) struct UserUpdates(pub(in crate::apply) Phase);

/// Deletes users (soft delete).
pub(in crate::apply) struct UserDeletes;

impl Applier for UserCreates {
    fn takes(&self, change: &Change) -> bool {
        change.phase() == Some(Phase::UserCreates)
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, selected: Vec<usize>) {
        let (items, bodies, operation) = {
            let mut run = run.borrow_mut();
            let mut items = Vec::new();
            let mut bodies = Vec::new();
            for i in selected {
                match user_body(&run.plan.changes[i], &run.names) {
                    Ok(body) => {
                        items.push(i);
                        bodies.push(body);
                    }
                    Err(error) => run.fail(i, error),
                }
            }
            let operation = run.begin("users/create_or_update_many", &items);
            (items, bodies, operation)
        };
        let outcome = client
            .for_operation(operation)
            .create_or_update_many_users(&bodies)
            .await;
        let unknown = run.borrow_mut().record(&items, outcome);
        settle::users_shared(client, run, &unknown, Settle::Unknown).await;
        // Zendesk makes a new user's default organization and group memberships itself; the
        // planner leaves them out of the plan. The others need the new user's id.
        let mut run = run.borrow_mut();
        for &i in &items {
            run.note_created(i);
        }
    }
}

impl Applier for UserUpdates {
    fn takes(&self, change: &Change) -> bool {
        change.phase() == Some(self.0) && change.kind == Kind::User
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, selected: Vec<usize>) {
        let (items, bodies, operation) = {
            let mut run = run.borrow_mut();
            let mut items = Vec::new();
            let mut bodies = Vec::new();
            for i in selected {
                let change = &run.plan.changes[i];
                let Some(id) = change.id else {
                    run.fail(i, ItemError::MissingId("an update names no live user"));
                    continue;
                };
                match user_body(change, &run.names) {
                    Ok(mut body) => {
                        body.insert("id".to_owned(), Value::from(id));
                        items.push(i);
                        bodies.push(body);
                    }
                    Err(error) => run.fail(i, error),
                }
            }
            let operation = run.begin("users/update_many", &items);
            (items, bodies, operation)
        };
        let outcome = client
            .for_operation(operation)
            .update_many_users(&bodies)
            .await;
        let unknown = run.borrow_mut().record(&items, outcome);
        settle::users_shared(client, run, &unknown, Settle::Unknown).await;
    }
}

impl Applier for UserDeletes {
    fn takes(&self, change: &Change) -> bool {
        change.phase() == Some(Phase::Deletes)
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, selected: Vec<usize>) {
        let (items, ids, operation) = {
            let mut run = run.borrow_mut();
            let mut items = Vec::new();
            let mut ids = Vec::new();
            for i in selected {
                match run.plan.changes[i].id {
                    Some(id) => {
                        items.push(i);
                        ids.push(id);
                    }
                    None => run.fail(i, ItemError::MissingId("a delete names no live user")),
                }
            }
            let operation = run.begin("users/destroy_many", &items);
            (items, ids, operation)
        };
        let outcome = client
            .for_operation(operation)
            .destroy_many_users(&ids)
            .await;
        let unknown = run.borrow_mut().record(&items, outcome);
        settle::users_shared(client, run, &unknown, Settle::Unknown).await;
        // A user deleted already (by an interrupted run, by someone else) is refused with a
        // 404: the plan's end state holds.
        let refused: Vec<usize> = {
            let run = run.borrow();
            items
                .iter()
                .copied()
                .filter(|&i| run.results[i].status == Status::Failed)
                .collect()
        };
        settle::users_shared(client, run, &refused, Settle::Refused).await;
    }
}
