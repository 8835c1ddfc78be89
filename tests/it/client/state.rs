//! The live-state fetch (`zroster::state`) against the emulator: request cost and exactness.

use std::collections::BTreeSet;

use zroster::fake::Knobs;
use zroster::roster::Role;
use zroster::state::{EmailStrategy, NoProgress, StateQuery, fetch};

use super::{emulator, emulator_without_ids, reader, reset, simple, traffic, writer};

fn scope() -> StateQuery {
    StateQuery {
        manage_roles: vec![Role::Agent, Role::Admin],
        group_memberships: true,
        ..StateQuery::default()
    }
}

/// `agents` agents plus the admin in scope, `roster_end_users` end users named by external id
/// in the roster: exactly `ceil((agents + 1) / 100)` list pages and as many pages of their
/// group memberships, `ceil(roster_end_users / 100)` `show_many` requests and six fixed
/// requests (who is asking, the named objects and the account's rules: its settings and
/// user fields).
async fn fetch_costs_the_minimum(agents: usize, roster_end_users: usize) {
    let handle = emulator_without_ids(agents, roster_end_users + 1_000, simple()).await;
    let mut query = scope();
    query.users = (0..roster_end_users)
        .map(|i| {
            (
                Some(format!("cust-{i}")),
                Some(format!("customer{i}@example.com")),
            )
        })
        .collect();
    query
        .users
        .push((Some("emp-17".into()), Some("agent17@example.com".into())));
    let state = fetch(&reader(&handle), &query, &NoProgress).await.unwrap();

    assert_eq!(state.users.len(), agents + 1 + roster_end_users);
    assert_eq!(state.me.email.as_deref(), Some("admin@example.com"));
    assert!(
        state
            .user_by_external_id(&format!("CUST-{}", roster_end_users - 1))
            .is_some()
    );
    assert!(state.user_by_email("Agent17@Example.com").is_some());
    assert_eq!(
        state.cost.email_lookup, None,
        "every roster email was seen on the way"
    );
    let seen = traffic(&handle).await;
    let by = &seen["by_endpoint"];
    let pages = (agents as u64 + 1).div_ceil(100);
    let batches = (roster_end_users as u64).div_ceil(100);
    assert_eq!(by["GET /api/v2/users"], pages);
    assert_eq!(by["GET /api/v2/users/show_many"], batches);
    // Every agent belongs to a group (here the default one): a membership page a list page.
    assert_eq!(by["GET /api/v2/group_memberships"], pages);
    for fixed in [
        "GET /api/v2/users/me",
        "GET /api/v2/custom_roles",
        "GET /api/v2/groups",
        "GET /api/v2/organizations",
        "GET /api/v2/account/settings",
        "GET /api/v2/user_fields",
    ] {
        assert_eq!(by[fixed], 1, "{fixed}");
    }
    assert_eq!(seen["total"], 2 * pages + batches + 6, "{seen}");
    assert_eq!(state.cost.stats.requests, 2 * pages + batches + 6);
    assert_eq!(
        state.organization_memberships, None,
        "not managed, not fetched"
    );
}

#[tokio::test]
async fn three_thousand_agents_and_a_thousand_roster_end_users_cost_the_minimum() {
    fetch_costs_the_minimum(2_999, 1_000).await;
}

/// The numbers: exactly 100 list requests and 50 `show_many`.
#[tokio::test]
async fn ten_thousand_agents_and_five_thousand_roster_end_users_cost_the_minimum() {
    fetch_costs_the_minimum(9_999, 5_000).await;
}

#[tokio::test]
async fn email_only_users_in_a_small_account_come_from_the_export() {
    let handle = emulator(5, 40, simple()).await;
    let mut query = scope();
    query.users = (0..10)
        .map(|i| (None, Some(format!("CUSTOMER{i}@example.com"))))
        .collect();
    let state = fetch(&reader(&handle), &query, &NoProgress).await.unwrap();
    let lookup = state.cost.email_lookup.unwrap();
    assert_eq!(lookup.strategy, EmailStrategy::IncrementalExport);
    assert_eq!(
        (
            lookup.search_requests,
            lookup.export_requests,
            lookup.account_users
        ),
        (10, Some(2), Some(46))
    );
    for i in 0..10 {
        assert!(
            state
                .user_by_email(&format!("customer{i}@example.com"))
                .is_some(),
            "{i}"
        );
    }
    assert_eq!(
        state.users.len(),
        6 + 10,
        "agents, admin and the ten customers; no other end user"
    );
    let by = &traffic(&handle).await["by_endpoint"];
    assert_eq!(by["GET /api/v2/incremental/users/cursor"], 1);
    assert_eq!(by["GET /api/v2/users/search"], serde_json::Value::Null);
}

#[tokio::test]
async fn after_the_export_only_emails_nobody_holds_as_primary_are_searched_and_owners_confirmed() {
    let handle = emulator(5, 40, simple()).await;
    let customer3 = handle
        .state()
        .users
        .iter()
        .find(|u| u["email"] == "customer3@example.com")
        .and_then(|u| u["id"].as_u64())
        .unwrap();
    writer(&handle)
        .create_identity(customer3, "second@example.com")
        .await
        .unwrap();
    reset(&handle).await;
    let mut query = scope();
    query.users = (0..10)
        .map(|i| (None, Some(format!("customer{i}@example.com"))))
        .collect();
    query.users.push((None, Some("Second@example.com".into())));
    query.users.push((None, Some("nobody@example.com".into())));
    let state = fetch(&reader(&handle), &query, &NoProgress).await.unwrap();
    let lookup = state.cost.email_lookup.unwrap();
    assert_eq!(lookup.strategy, EmailStrategy::IncrementalExport);
    assert_eq!(
        state
            .secondary_email_owner("second@EXAMPLE.com")
            .map(|u| u.id),
        Some(customer3)
    );
    assert_eq!(state.secondary_emails.len(), 1);
    let by = &traffic(&handle).await["by_endpoint"];
    assert_eq!(by["GET /api/v2/incremental/users/cursor"], 1);
    // The export shows primary addresses only: the two emails it did not find are searched,
    // and the one hit with another primary address has its identities read (sideloaded on
    // `show_many`).
    assert_eq!(by["GET /api/v2/users/search"], 2);
    assert_eq!(by["GET /api/v2/users/show_many"], 1);
    assert_eq!(by.get("GET /api/v2/users/{id}/identities"), None);
}

#[tokio::test]
async fn few_email_only_users_in_a_large_account_are_searched() {
    let handle = emulator(2, 2_500, simple()).await;
    let mut query = scope();
    query.users = (0..3)
        .map(|i| (None, Some(format!("customer{}@example.com", i * 1000))))
        .collect();
    query
        .users
        .push((Some("no-such-id".into()), Some("nobody@example.com".into())));
    let state = fetch(&reader(&handle), &query, &NoProgress).await.unwrap();
    let lookup = state.cost.email_lookup.unwrap();
    assert_eq!(lookup.strategy, EmailStrategy::Search);
    assert_eq!(
        (lookup.search_requests, lookup.export_requests),
        (4, Some(4)),
        "a tie goes to the search"
    );
    assert!(state.user_by_email("customer2000@example.com").is_some());
    assert!(state.user_by_email("nobody@example.com").is_none());
    let by = &traffic(&handle).await["by_endpoint"];
    assert_eq!(by["GET /api/v2/users/search"], 4);
    // The search left `nobody@` unmatched, so the users changed in the last 15 minutes are
    // read from the export too (the search index lags). Here that is every user, all seeded
    // a moment ago: the read goes on while `nobody@` is unmatched, to the export's end.
    assert_eq!(lookup.recent_export_pages, 3);
    assert_eq!(by["GET /api/v2/incremental/users/cursor"], 3);
    assert_eq!(
        by["GET /api/v2/users/show_many"], 1,
        "the unknown external id was looked up once"
    );
}

#[tokio::test]
async fn with_faults_the_fetch_still_returns_exactly_the_emulators_state() {
    let knobs = Knobs {
        fault_5xx: 0.1,
        fault_429: 0.05,
        fault_drop: 0.02,
        fault_seed: 11,
        ..simple()
    };
    let handle = emulator(1_200, 600, knobs).await;
    let mut query = scope();
    query.users = (0..600)
        .map(|i| (Some(format!("cust-{i}")), None))
        .collect();
    query.organization_memberships = true;
    let state = fetch(&reader(&handle), &query, &NoProgress).await.unwrap();

    let expected: BTreeSet<(u64, Option<String>, Option<String>)> = handle
        .state()
        .users
        .iter()
        .map(|user| {
            let text = |key: &str| user[key].as_str().map(str::to_owned);
            (
                user["id"].as_u64().unwrap(),
                text("email"),
                text("external_id"),
            )
        })
        .collect();
    let got: BTreeSet<(u64, Option<String>, Option<String>)> = state
        .users
        .values()
        .map(|user| (user.id, user.email.clone(), user.external_id.clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(state.cost.stats.retries > 0, "{:?}", state.cost.stats);
    // Who is asking, 13 list pages, 6 `show_many`, 6 listings and reads of the account, and
    // 13 pages of group memberships (every agent belongs to a group).
    assert_eq!(
        state.cost.stats.requests - state.cost.stats.retries,
        1 + 13 + 6 + 6 + 13
    );
}
