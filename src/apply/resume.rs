//! Resuming an interrupted run (`--resume`): the jobs it left open are waited for and
//! read, the changes its journal says it applied are confirmed by reading the account
//! ([`confirm`]) and adopted, and the changes whose outcome it never learned are settled by
//! re-reading before anything is sent again. A claim the account does not hold is applied
//! again.

mod confirm;

use std::collections::BTreeSet;

use super::run::Run;
use super::{Interrupted, Status};
use crate::plan::Kind;
use crate::zendesk::{BulkOutcome, ItemOutcome, ReadClient};

/// What a change applied by an interrupted run says in the report.
const ADOPTED: &str = "applied by the interrupted run";

/// Takes over what an interrupted run did (see [`Executor::resume`](super::Executor::resume)).
pub(super) async fn adopt(client: &ReadClient, run: &mut Run<'_>, previous: &Interrupted) {
    let count = run.plan.changes.len();
    let applicable = |i: usize| i < count && run.plan.changes[i].blocked.is_none();
    let mut unknown = BTreeSet::new();
    // What the journal says was applied, with the ids it gives: confirmed below.
    let mut claims = Vec::new();
    for (&i, &(status, id)) in &previous.results {
        if !applicable(i) {
            continue;
        }
        match status {
            Status::Applied => claims.push((i, id)),
            Status::Unresolved => {
                unknown.insert(i);
            }
            // Refused before: tried again, for a fresh answer.
            Status::Failed | Status::Blocked | Status::NotStarted => {}
        }
    }
    // Started with no result written: perhaps made, perhaps not.
    unknown.extend(previous.unsettled().filter(|&i| applicable(i)));
    for job in &previous.open_jobs {
        for i in &job.changes {
            unknown.remove(i);
        }
    }
    claims.retain(|(i, _)| !previous.open_jobs.iter().any(|job| job.changes.contains(i)));
    if !previous.open_jobs.is_empty() {
        match previous.finish_open_jobs(client).await {
            Ok(outcomes) => {
                for (job, items) in previous.open_jobs.iter().zip(outcomes) {
                    let (changes, items): (Vec<usize>, Vec<ItemOutcome>) = job
                        .changes
                        .iter()
                        .copied()
                        .zip(items)
                        .filter(|(i, _)| applicable(*i))
                        .unzip();
                    let outcome = BulkOutcome {
                        items,
                        jobs: 0,
                        fell_back_to_single_requests: false,
                    };
                    unknown.extend(run.record(&changes, Ok(outcome)));
                    for i in changes {
                        match run.results[i].status {
                            Status::Applied => {
                                run.results[i].details = Some(ADOPTED.to_owned());
                            }
                            Status::Failed => run.retry(i),
                            _ => {}
                        }
                    }
                }
            }
            Err(_) => unknown.extend(
                previous
                    .open_jobs
                    .iter()
                    .flat_map(|job| job.changes.iter().copied())
                    .filter(|&i| applicable(i)),
            ),
        }
    }
    // A claim is left to make again unless the account confirms it.
    confirm::named(client, run, &claims).await;
    let plan = run.plan;
    for (i, change) in plan.changes.iter().enumerate() {
        if run.results[i].status != Status::Applied {
            continue;
        }
        if let Some(named) = change.kind.named() {
            run.names.set(named, &change.label, run.results[i].id);
        }
        run.note_created(i);
    }
    // Users are re-read before anything is sent again; the other writes are guarded
    // where they are made (duplicate memberships are refused and then confirmed,
    // removals re-read the memberships, named objects are looked up first).
    let (users, others): (Vec<usize>, Vec<usize>) = unknown
        .into_iter()
        .partition(|&i| matches!(run.plan.changes[i].kind, Kind::User | Kind::Identity));
    for i in others {
        run.retry(i);
    }
    let users = confirm::users(client, run, &claims, &users).await;
    for &i in &users {
        if run.results[i].status == Status::Applied {
            run.note_created(i);
        }
    }
    confirm::memberships(client, run, &claims).await;
    let confirmed = claims.iter().map(|&(i, _)| i).chain(users);
    for i in confirmed {
        if run.results[i].status == Status::Applied {
            run.results[i].details = Some(format!("{ADOPTED}; confirmed by re-reading"));
        }
    }
    run.flush_journal();
}
