//! Batched email searches in the fetch (`zroster::state`, issue 15): a small roster costs
//! close to its minimum, a batched answer counts only with its canaries, and the secondary
//! address check finds owners either way.

use serde_json::{Value, json};
use zroster::fake::{Config, Handle, Knobs, Server, StateFile};
use zroster::roster::Role;
use zroster::state::{EmailStrategy, NoProgress, SecondaryCheck, StateQuery, fetch};

use super::{reader, reset, traffic};

const LONG_AGO: &str = "2020-01-01T00:00:00Z";
const SEARCH: &str = "GET /api/v2/users/search";
const EXPORT: &str = "GET /api/v2/incremental/users/cursor";
const IDENTITIES: &str = "GET /api/v2/users/{id}/identities";
/// Identities are read 100 users a request, sideloaded on `show_many`.
const SHOW_MANY: &str = "GET /api/v2/users/show_many";

/// An account last changed long ago (so that the search index shows every user as it is):
/// the admin (id 1), 10 agents (ids 1001…) and 40 customers (ids 50001…); customer 3 also
/// holds `second@example.com`.
async fn settled_account() -> Handle {
    let mut users = vec![
        json!({"id": 1, "name": "Admin", "email": "admin@example.com",
                                "role": "admin", "updated_at": LONG_AGO}),
    ];
    for i in 0..10 {
        users.push(json!({"id": 1001 + i, "name": format!("Agent {i}"),
                          "email": format!("agent{i}@example.com"), "role": "agent",
                          "updated_at": LONG_AGO}));
    }
    for i in 0..40 {
        users.push(json!({"id": 50001 + i, "name": format!("Customer {i}"),
                          "email": format!("customer{i}@example.com"), "role": "end-user",
                          "updated_at": LONG_AGO}));
    }
    let config = Config {
        // A realistic account: its index lags a few seconds behind writes (none here).
        knobs: Knobs::default(),
        seed: StateFile {
            users,
            identities: vec![json!({"user_id": 50004, "value": "second@example.com"})],
            ..StateFile::default()
        },
        ..Config::default()
    };
    Server::start(config).await.expect("the emulator starts")
}

/// Agents and admins in scope; 20 existing customers, 5 new people and the address customer 3
/// holds as a secondary one, each known by email only.
fn small_roster() -> StateQuery {
    let mut users: Vec<(Option<String>, Option<String>)> = (0..20)
        .map(|i| (None, Some(format!("Customer{i}@example.com"))))
        .collect();
    users.extend((0..5).map(|i| (None, Some(format!("new{i}@example.com")))));
    users.push((None, Some("second@example.com".into())));
    StateQuery {
        manage_roles: vec![Role::Agent, Role::Admin],
        users,
        // As a roster with `groups` asks: the staff's memberships are listed.
        group_memberships: true,
        ..StateQuery::default()
    }
}

fn by(seen: &Value, endpoint: &str) -> u64 {
    seen["by_endpoint"][endpoint].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_small_roster_is_searched_in_one_query_and_checked_in_one_more() {
    let handle = settled_account().await;
    let state = fetch(&reader(&handle), &small_roster(), &NoProgress)
        .await
        .unwrap();
    for i in 0..20 {
        assert!(
            state
                .user_by_email(&format!("customer{i}@example.com"))
                .is_some(),
            "{i}"
        );
    }
    assert!(state.user_by_email("new0@example.com").is_none());
    assert_eq!(
        state
            .secondary_email_owner("SECOND@example.com")
            .map(|u| u.id),
        Some(50004)
    );
    assert_eq!(state.secondary_emails.len(), 1);

    let lookup = state.cost.email_lookup.unwrap();
    assert_eq!(lookup.strategy, EmailStrategy::Search);
    assert!(lookup.batched);
    assert_eq!((lookup.emails, lookup.search_requests), (26, 1));
    assert_eq!((lookup.requests, lookup.unbatched), (1, 0));
    assert_eq!(
        state.cost.secondary_check,
        Some(SecondaryCheck {
            emails: 6,
            unchecked: 0,
            searches: 1,
            // Customer 3, and the two canaries (the admin and agent 0), who might have held
            // one of the new addresses too: all three in one `show_many`.
            identity_reads: 3,
            identity_requests: 1,
        })
    );

    let seen = traffic(&handle).await;
    // 26 emails in one search (one email each: 26), the new ones again without the found
    // customers' addresses (whose owners could hold a new one too), one page of the users
    // changed in the last 15 minutes (the index lags), and the identities of three users in
    // one `show_many?include=identities`.
    assert_eq!(by(&seen, SEARCH), 2, "{seen:#}");
    assert_eq!(by(&seen, EXPORT), 1, "{seen:#}");
    assert_eq!(by(&seen, IDENTITIES), 0, "{seen:#}");
    assert_eq!(by(&seen, SHOW_MANY), 1, "{seen:#}");
    assert_eq!(
        by(&seen, "GET /api/v2/users"),
        1,
        "agents and admins: one page"
    );
    // Six fixed reads (who is asking, custom roles, groups, organizations, the settings, the
    // user fields) and a page of group memberships.
    assert_eq!(seen["total"], 6 + 1 + 1 + 2 + 1 + 1, "{seen:#}");
    assert_eq!(state.cost.stats.requests, 12);
}

/// `PUT` or `POST` to a control endpoint of the emulator.
async fn control(handle: &Handle, method: reqwest::Method, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .request(method, format!("{}/__fake/{path}", handle.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control endpoint answers");
    assert!(response.status().is_success());
    response.json().await.expect("control endpoint sends JSON")
}

#[tokio::test]
async fn a_batched_answer_without_a_canary_is_not_trusted_and_each_email_is_found_anyway() {
    let handle = settled_account().await;
    reset(&handle).await;
    // Agent 0 (id 1001), the second canary, is deleted by someone else while the first search
    // waits: its answer lacks the canary, as it would if Zendesk read the query's terms in a
    // way that misses some.
    control(
        &handle,
        reqwest::Method::PUT,
        "pause",
        json!({"before": SEARCH}),
    )
    .await;
    let client = reader(&handle);
    let query = small_roster();
    let meanwhile = async {
        let started = std::time::Instant::now();
        loop {
            let pause = reqwest::get(format!("{}/__fake/pause", handle.base_url()))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap();
            if pause["waiting"] == true {
                break;
            }
            assert!(
                started.elapsed().as_secs() < 60,
                "no search reached the pause"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let deleted = reqwest::Client::new()
            .delete(format!("{}/api/v2/users/1001.json", handle.base_url()))
            .basic_auth("admin@example.com/token", Some("fake-token"))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 200);
        control(&handle, reqwest::Method::POST, "pause/release", json!({})).await;
    };
    let (state, ()) = tokio::join!(fetch(&client, &query, &NoProgress), meanwhile);
    let state = state.unwrap();

    for i in 0..20 {
        assert!(
            state
                .user_by_email(&format!("customer{i}@example.com"))
                .is_some(),
            "{i}"
        );
    }
    assert_eq!(
        state
            .secondary_email_owner("second@example.com")
            .map(|u| u.id),
        Some(50004)
    );
    let lookup = state.cost.email_lookup.unwrap();
    assert_eq!(lookup.unbatched, 26, "{lookup:?}");
    // 26 searches one at a time or a count and one page of the export: the export.
    assert_eq!(lookup.strategy, EmailStrategy::IncrementalExport);
    assert_eq!(lookup.requests, 1 + 1 + 1, "{lookup:?}");
    // No batch is trusted any more: the 6 new addresses are searched one at a time, and
    // customer 3 has its identities read.
    assert_eq!(
        state.cost.secondary_check,
        Some(SecondaryCheck {
            emails: 6,
            unchecked: 0,
            searches: 6,
            identity_reads: 1,
            identity_requests: 1,
        })
    );
    let seen = traffic(&handle).await;
    assert_eq!(by(&seen, SEARCH), 1 + 6, "{seen:#}");
    assert_eq!(by(&seen, EXPORT), 1, "{seen:#}");
    assert_eq!(by(&seen, IDENTITIES), 0, "{seen:#}");
    assert_eq!(by(&seen, SHOW_MANY), 1, "{seen:#}");
}
