//! Bulk jobs: chunking, polling together, every result shape, failures, expiry, job limits.

use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use zroster::fake::{Handle, Knobs};

use zroster::zendesk::{ClientEvent, ItemOutcome, Observer, WriteClient};

use super::{count, emulator, settings, simple, traffic, writer};

fn users(n: usize, prefix: &str) -> Vec<Map<String, Value>> {
    (0..n)
        .map(|i| {
            json!({"name": format!("{prefix} {i}"), "email": format!("{prefix}{i}@example.com"),
                   "external_id": format!("{prefix}-{i}")})
            .as_object()
            .cloned()
            .unwrap()
        })
        .collect()
}

fn fast() -> Knobs {
    Knobs {
        job_items_per_second: 100_000.0,
        ..simple()
    }
}

#[tokio::test]
async fn create_update_delete_in_chunks_with_every_result_mapped() {
    let handle = emulator(0, 0, fast()).await;
    let client = writer(&handle);
    let created = client
        .create_or_update_many_users(&users(250, "new"))
        .await
        .unwrap();
    assert_eq!(created.jobs, 3);
    assert_eq!(created.items.len(), 250);
    assert!(
        created
            .items
            .iter()
            .all(|item| matches!(item, ItemOutcome::Created { id: Some(_) })),
        "{:?}",
        created.items
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update_many").await,
        3
    );
    assert!(count(&handle, "GET /api/v2/job_statuses/show_many").await >= 1);

    // Results map back to submission order: item i created user `new i`.
    let ids: Vec<u64> = created
        .items
        .iter()
        .map(|item| match item {
            ItemOutcome::Created { id: Some(id) } => *id,
            other => panic!("{other:?}"),
        })
        .collect();
    let fetched = client.users_by_ids(&ids).await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let user = fetched.iter().find(|u| u.id == *id).unwrap();
        assert_eq!(user.name, format!("new {i}"));
    }

    // The same batch again updates instead of duplicating (safe to repeat).
    let again = client
        .create_or_update_many_users(&users(250, "new"))
        .await
        .unwrap();
    assert!(
        again
            .items
            .iter()
            .all(|item| matches!(item, ItemOutcome::Updated { .. })),
        "{:?}",
        again.items
    );

    let renames: Vec<Map<String, Value>> = ids
        .iter()
        .map(|id| {
            json!({"id": id, "notes": "renamed"})
                .as_object()
                .cloned()
                .unwrap()
        })
        .collect();
    let updated = client.update_many_users(&renames).await.unwrap();
    assert!(
        updated
            .items
            .iter()
            .all(|item| *item == ItemOutcome::Updated { id: Some(ids[0]) }
                || matches!(item, ItemOutcome::Updated { .. }))
    );
    assert_eq!(count(&handle, "PUT /api/v2/users/update_many").await, 3);

    let deleted = client.destroy_many_users(&ids).await.unwrap();
    assert_eq!(deleted.jobs, 3);
    assert!(
        deleted
            .items
            .iter()
            .zip(&ids)
            .all(|(item, id)| *item == ItemOutcome::Deleted { id: Some(*id) })
    );
}

#[tokio::test]
async fn a_failed_item_does_not_stop_the_others() {
    let handle = emulator(3, 0, fast()).await;
    let client = writer(&handle);
    let mut batch = users(3, "ok");
    batch[1].insert("email".into(), "agent0@example.com".into()); // taken by agent 0
    batch[1].remove("external_id");
    let outcome = client.create_many_users(&batch).await.unwrap();
    assert!(matches!(outcome.items[0], ItemOutcome::Created { .. }));
    assert!(
        matches!(&outcome.items[1], ItemOutcome::Failed { details, .. } if details.contains("already being used")),
        "{:?}",
        outcome.items[1]
    );
    assert!(matches!(outcome.items[2], ItemOutcome::Created { .. }));
    assert_eq!(outcome.failed(), 1);
}

#[tokio::test]
async fn an_expired_job_leaves_its_items_unknown() {
    let knobs = Knobs {
        job_ttl_s: 0,
        job_items_per_second: 1.0,
        ..simple()
    };
    let handle = emulator(0, 0, knobs).await;
    let client = writer(&handle);
    let outcome = client
        .create_or_update_many_users(&users(5, "gone"))
        .await
        .unwrap();
    assert_eq!(outcome.unknown(), 5);
    assert!(
        matches!(&outcome.items[0], ItemOutcome::Unknown { reason } if reason.contains("expired or vanished")),
        "{:?}",
        outcome.items[0]
    );
    assert_eq!(
        count(&handle, "GET /api/v2/job_statuses/{id}").await,
        1,
        "asked once before giving up"
    );
}

#[tokio::test]
async fn no_more_than_max_jobs_are_outstanding() {
    // The emulator allows 2 jobs at once and would answer a third with 429.
    let knobs = Knobs {
        max_jobs: 2,
        job_items_per_second: 2_000.0,
        ..simple()
    };
    let handle = emulator(0, 0, knobs).await;
    let mut settings = settings(&handle, super::TOKEN);
    settings.max_jobs = 2;
    let client = WriteClient::connect(settings).unwrap();
    let outcome = client
        .create_or_update_many_users(&users(550, "many"))
        .await
        .unwrap();
    assert_eq!(outcome.jobs, 6);
    assert!(outcome.items.iter().all(ItemOutcome::is_success));
    let seen = traffic(&handle).await;
    assert_eq!(
        seen["by_status"]["429"],
        Value::Null,
        "never over the job limit: {seen}"
    );
    assert_eq!(client.stats().jobs_submitted, 6);
}

/// Keeps the job events it sees, in order: `(submitted?, id, operation)`; and the query of
/// every poll.
#[derive(Default)]
struct JobEvents(Mutex<Vec<(bool, String, u64)>>, Mutex<Vec<String>>);

impl Observer for JobEvents {
    fn on_event(&self, event: &ClientEvent<'_>) {
        let seen = match event {
            ClientEvent::JobSubmitted { id, operation, .. } => (true, (*id).to_owned(), *operation),
            ClientEvent::JobFinished { id, .. } => (false, (*id).to_owned(), 0),
            ClientEvent::Response {
                endpoint, target, ..
            } if *endpoint == "GET /api/v2/job_statuses/show_many" => {
                self.1.lock().unwrap().push((*target).to_owned());
                return;
            }
            _ => return,
        };
        self.0.lock().unwrap().push(seen);
    }
}

#[tokio::test]
async fn operations_side_by_side_share_the_job_slots_and_the_polls() {
    // The emulator allows 3 jobs at once and would answer a fourth with 429; each job of
    // 100 items takes 50 ms.
    let knobs = Knobs {
        max_jobs: 3,
        job_items_per_second: 2_000.0,
        ..simple()
    };
    let handle = emulator(300, 0, knobs).await;
    let mut settings = settings(&handle, super::TOKEN);
    settings.max_jobs = 3;
    settings.rate_limit_share = 1.0;
    let events = Arc::new(JobEvents::default());
    let client = WriteClient::with_observer(settings, events.clone()).unwrap();
    let renames: Vec<Map<String, Value>> = traffic_free_ids(&handle)
        .await
        .into_iter()
        .map(|id| {
            json!({"id": id, "name": format!("Renamed {id}")})
                .as_object()
                .cloned()
                .unwrap()
        })
        .collect();
    let new = users(300, "new");
    let (creating, updating) = (client.for_operation(1), client.for_operation(2));
    let (created, updated) = tokio::join!(
        creating.create_or_update_many_users(&new),
        updating.update_many_users(&renames),
    );
    let (created, updated) = (created.unwrap(), updated.unwrap());
    assert!(
        created.items.iter().all(ItemOutcome::is_success),
        "{created:?}"
    );
    assert!(
        updated.items.iter().all(ItemOutcome::is_success),
        "{updated:?}"
    );
    assert_eq!((created.jobs, updated.jobs), (3, 3));
    let seen = traffic(&handle).await;
    assert_eq!(
        seen["by_status"]["429"],
        Value::Null,
        "never over the job limit: {seen}"
    );
    // Jobs of both operations were in flight at once, and never more than three.
    let client_events = events;
    let events = client_events.0.lock().unwrap().clone();
    let mut in_flight: Vec<u64> = Vec::new();
    let mut together = false;
    for (submitted, id, operation) in &events {
        if *submitted {
            in_flight.push(*operation);
            assert!(in_flight.len() <= 3, "{events:?}");
        } else {
            let at = events.iter().position(|(s, i, _)| *s && i == id).unwrap();
            let operation = events[at].2;
            let at = in_flight.iter().position(|&o| o == operation).unwrap();
            in_flight.remove(at);
        }
        together |= in_flight.contains(&1) && in_flight.contains(&2);
    }
    assert!(together, "{events:?}");
    // One poller for both: a poll asks about jobs of both operations in one request.
    let polls = events_polls(&client_events);
    let of = |operation: u64| -> Vec<&String> {
        events
            .iter()
            .filter(|(submitted, _, o)| *submitted && *o == operation)
            .map(|(_, id, _)| id)
            .collect()
    };
    assert!(
        polls
            .iter()
            .any(|query| of(1).iter().any(|id| query.contains(id.as_str()))
                && of(2).iter().any(|id| query.contains(id.as_str()))),
        "{polls:?}"
    );
}

fn events_polls(events: &JobEvents) -> Vec<String> {
    events.1.lock().unwrap().clone()
}

/// The ids of the users in the emulator (the admin aside).
async fn traffic_free_ids(handle: &Handle) -> Vec<u64> {
    let client = super::reader(handle);
    client
        .users()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .filter(|user| user.email.as_deref() != Some(super::EMAIL))
        .map(|user| user.id)
        .collect()
}

/// Keeps the fallback events it sees.
#[derive(Default)]
struct Fallbacks(Mutex<Vec<(String, usize)>>);

impl Observer for Fallbacks {
    fn on_event(&self, event: &ClientEvent<'_>) {
        if let ClientEvent::Fallback { endpoint, requests } = event {
            self.0
                .lock()
                .unwrap()
                .push(((*endpoint).to_owned(), *requests));
        }
    }
}

/// An empty account with bulk imports disabled, and a client that records fallbacks.
async fn without_bulk_imports() -> (Handle, Arc<Fallbacks>, WriteClient) {
    let knobs = Knobs {
        bulk_imports: false,
        ..fast()
    };
    let handle = emulator(0, 0, knobs).await;
    let observer = Arc::new(Fallbacks::default());
    let client =
        WriteClient::with_observer(settings(&handle, super::TOKEN), observer.clone()).unwrap();
    (handle, observer, client)
}

#[tokio::test]
async fn bulk_imports_disabled_falls_back_to_single_requests() {
    let (handle, observer, client) = without_bulk_imports().await;
    let outcome = client
        .create_or_update_many_users(&users(3, "single"))
        .await
        .unwrap();
    assert!(outcome.fell_back_to_single_requests);
    assert_eq!(outcome.jobs, 0);
    assert!(
        outcome.items.iter().all(ItemOutcome::is_success),
        "{:?}",
        outcome.items
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update_many").await,
        1
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update").await,
        3
    );
    assert_eq!(
        *observer.0.lock().unwrap(),
        vec![("POST /api/v2/users/create_or_update_many".to_owned(), 3)],
        "the fallback is said"
    );
}

#[tokio::test]
async fn a_refused_bulk_endpoint_is_not_tried_again_in_the_same_run() {
    let (handle, observer, client) = without_bulk_imports().await;
    for batch in ["first", "second"] {
        let outcome = client
            .create_or_update_many_users(&users(2, batch))
            .await
            .unwrap();
        assert!(outcome.fell_back_to_single_requests);
    }
    // One refusal taught it: the second batch went straight to single requests.
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update_many").await,
        1
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update").await,
        4
    );
    assert_eq!(
        client.bulk_refused(),
        vec!["POST /api/v2/users/create_or_update_many".to_owned()]
    );
    assert_eq!(observer.0.lock().unwrap().len(), 2, "each fallback is said");
    // Other bulk endpoints are not affected.
    let outcome = client.create_many_users(&users(1, "third")).await.unwrap();
    assert_eq!(count(&handle, "POST /api/v2/users/create_many").await, 1);
    assert!(outcome.fell_back_to_single_requests);
}

#[tokio::test]
async fn a_bulk_refusal_known_beforehand_costs_no_refused_job() {
    let (handle, _observer, client) = without_bulk_imports().await;
    client.remember_bulk_refused("POST /api/v2/users/create_or_update_many");
    let outcome = client
        .create_or_update_many_users(&users(3, "known"))
        .await
        .unwrap();
    assert!(outcome.fell_back_to_single_requests);
    assert!(outcome.items.iter().all(ItemOutcome::is_success));
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update_many").await,
        0
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/create_or_update").await,
        3
    );
}

#[tokio::test]
async fn bulk_creates_fall_back_to_single_creates() {
    let (handle, observer, client) = without_bulk_imports().await;
    let outcome = client.create_many_users(&users(2, "one")).await.unwrap();
    assert!(outcome.fell_back_to_single_requests);
    assert!(
        outcome
            .items
            .iter()
            .all(|item| matches!(item, ItemOutcome::Created { id: Some(_) })),
        "{:?}",
        outcome.items
    );
    assert_eq!(count(&handle, "POST /api/v2/users").await, 2);
    assert_eq!(
        *observer.0.lock().unwrap(),
        vec![("POST /api/v2/users/create_many".to_owned(), 2)],
        "the fallback is said"
    );
}

#[tokio::test]
async fn memberships_and_identities() {
    let handle = emulator(2, 0, fast()).await;
    let client = writer(&handle);
    let group = client
        .create_group(json!({"name": "Support"}).as_object().unwrap())
        .await
        .unwrap();
    let org = client
        .create_organization(json!({"name": "Acme"}).as_object().unwrap())
        .await
        .unwrap();
    let group_members: Vec<Map<String, Value>> = [1001, 1002]
        .iter()
        .map(|user| {
            json!({"user_id": user, "group_id": group.id})
                .as_object()
                .cloned()
                .unwrap()
        })
        .collect();
    let added = client
        .create_many_group_memberships(&group_members)
        .await
        .unwrap();
    assert!(
        added.items.iter().all(ItemOutcome::is_success),
        "{:?}",
        added.items
    );
    let org_members: Vec<Map<String, Value>> = [1001, 1002]
        .iter()
        .map(|user| {
            json!({"user_id": user, "organization_id": org.id})
                .as_object()
                .cloned()
                .unwrap()
        })
        .collect();
    let joined = client
        .create_many_organization_memberships(&org_members)
        .await
        .unwrap();
    assert!(
        joined.items.iter().all(ItemOutcome::is_success),
        "{:?}",
        joined.items
    );

    let memberships = client.group_memberships().collect_all().await.unwrap();
    let ids: Vec<u64> = memberships
        .iter()
        .filter(|m| m.group_id == group.id)
        .map(|m| m.id)
        .collect();
    assert_eq!(ids.len(), 2);
    let removed = client.destroy_many_group_memberships(&ids).await.unwrap();
    assert!(
        removed
            .items
            .iter()
            .all(|item| matches!(item, ItemOutcome::Deleted { .. })),
        "{:?}",
        removed.items
    );
    let org_ids: Vec<u64> = client
        .organization_memberships()
        .collect_all()
        .await
        .unwrap()
        .iter()
        .filter(|m| m.organization_id == org.id)
        .map(|m| m.id)
        .collect();
    let left = client
        .destroy_many_organization_memberships(&org_ids)
        .await
        .unwrap();
    assert_eq!(left.items.len(), 2);
    assert!(left.items.iter().all(ItemOutcome::is_success));

    let identity = client
        .create_identity(1001, "new-primary@example.com")
        .await
        .unwrap();
    let identities = client
        .make_identity_primary(1001, identity.id)
        .await
        .unwrap();
    assert!(identities.iter().any(|i| i.id == identity.id && i.primary));
    assert_eq!(
        client.user(1001).await.unwrap().email.as_deref(),
        Some("new-primary@example.com")
    );
}
