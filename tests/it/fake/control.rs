//! The control endpoints (`/__fake/…`), a stable interface other tests depend on.

use serde_json::{Value, json};

use super::{Fake, client};

#[tokio::test]
async fn requests_are_counted_per_normalised_endpoint_and_status() {
    let fake = Fake::start().await;
    fake.get("/api/v2/users.json?page%5Bsize%5D=2").await;
    fake.get("/api/v2/users/360000001001.json").await;
    fake.get("/api/v2/users/360000001002").await;
    fake.get("/api/v2/users/1.json").await;
    fake.put(
        "/api/v2/users/360000001002/identities/5/make_primary.json",
        json!({}),
    )
    .await;
    let counts = fake
        .send_request(client().get(fake.url("/__fake/requests")), None)
        .await;
    assert_eq!(counts.status, 200);
    assert_eq!(
        counts.body,
        json!({
            "total": 5,
            "by_endpoint": {
                "GET /api/v2/users": 1,
                "GET /api/v2/users/{id}": 3,
                "PUT /api/v2/users/{id}/identities/{id}/make_primary": 1
            },
            "by_status": {"200": 3, "404": 2}
        })
    );
    let reset = fake
        .send_request(client().post(fake.url("/__fake/requests/reset")), None)
        .await;
    assert_eq!(reset.status, 200);
    let counts = fake
        .send_request(client().get(fake.url("/__fake/requests")), None)
        .await;
    assert_eq!(
        counts.body,
        json!({"total": 0, "by_endpoint": {}, "by_status": {}})
    );
}

#[tokio::test]
async fn state_can_be_read_and_replaced() {
    let fake = Fake::start().await;
    let state = fake
        .send_request(client().get(fake.url("/__fake/state")), None)
        .await;
    assert_eq!(state.status, 200);
    let body = &state.body;
    for key in [
        "account",
        "users",
        "identities",
        "organizations",
        "organization_memberships",
        "groups",
        "group_memberships",
        "custom_roles",
    ] {
        assert!(body.get(key).is_some(), "{key}");
    }
    assert_eq!(body["users"].as_array().unwrap().len(), 5);
    let replacement = json!({
        "account": {"plan": "professional"},
        "users": [{"name": "Solo", "email": "solo@x.com", "external_id": "s-1"}]
    });
    let put = fake
        .send_request(
            client().put(fake.url("/__fake/state")).json(&replacement),
            None,
        )
        .await;
    assert_eq!(put.status, 200);
    let users = fake.get("/api/v2/users.json").await;
    let names: Vec<&str> = users.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    // The configured admin is always created.
    assert_eq!(names, ["Solo", "Admin"]);
    let state = fake
        .send_request(client().get(fake.url("/__fake/state")), None)
        .await;
    assert_eq!(state.body["account"]["plan"], "professional");
    assert_eq!(state.body["users"][0]["external_id"], "s-1");
    let bad = fake
        .send_request(
            client()
                .put(fake.url("/__fake/state"))
                .body("{\"users\": 3}"),
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
    let bad = fake
        .send_request(client().put(fake.url("/__fake/state")).json(&json!({"users": [{"name": "a", "email": "d@x.com"}, {"name": "b", "email": "D@x.com"}]})), None)
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"], Value::String("InvalidState".into()));
    let bad = fake
        .send_request(
            client()
                .put(fake.url("/__fake/state"))
                .json(&json!({"account": {"rate_limit": 0}})),
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["description"],
        "state file `<request>` is not valid: invalid value `0` for `account.rate_limit`: it must be at least 1 request a minute"
    );
}

#[tokio::test]
async fn an_in_process_emulator_refuses_knobs_out_of_range() {
    let config = zroster::fake::Config {
        knobs: zroster::fake::Knobs {
            max_jobs: 0,
            ..zroster::fake::Knobs::default()
        },
        ..zroster::fake::Config::default()
    };
    let error = zroster::fake::Server::start(config).await.err().unwrap();
    assert_eq!(
        error.to_string(),
        "invalid value `0` for `max_jobs`: it must be at least 1 job"
    );
}

#[tokio::test]
async fn the_state_round_trips_through_the_store() {
    let fake = Fake::start().await;
    fake.put(
        "/api/v2/users/360000001003.json",
        json!({"user": {"email": "second@example.org"}}),
    )
    .await;
    let saved = fake.handle.state();
    let again = super::Fake::with(super::fast_knobs(), saved.clone()).await;
    let mut reloaded = again.handle.state();
    // Only the base URL differs between the two servers.
    let rewrite = |v: &mut zroster::fake::StateFile, from: &str| {
        let text = serde_json::to_string(v)
            .unwrap()
            .replace(from, "http://HOST");
        *v = serde_json::from_str(&text).unwrap();
    };
    let mut saved = saved;
    rewrite(&mut saved, fake.handle.base_url());
    rewrite(&mut reloaded, again.handle.base_url());
    assert_eq!(saved, reloaded);
}

#[tokio::test]
async fn the_acme_example_state_loads() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme/zendesk-state.json");
    let seed = zroster::fake::StateFile::load(&path).expect("example state parses");
    let config = zroster::fake::Config {
        email: "owner@acme.com".into(),
        seed,
        ..zroster::fake::Config::default()
    };
    let handle = zroster::fake::Server::start(config)
        .await
        .expect("example state is consistent");
    let state = handle.state();
    assert_eq!(
        state.users.len(),
        15,
        "the configured owner already exists, no admin is added"
    );
    let jane = state
        .users
        .iter()
        .find(|u| u["email"] == "jane.smith@acme.com")
        .unwrap();
    assert_eq!(jane["default_group_id"], 7_300_000_000_002_u64);
    assert_eq!(jane["role_type"], 0);
}

/// The pause lets a test write between two requests of a client: the paused request waits,
/// uncounted, and is answered from the account as the write left it.
#[tokio::test]
async fn a_paused_request_waits_for_its_release_and_sees_what_was_written_meanwhile() {
    let fake = Fake::start().await;
    let control = |method: &str, path: &str| {
        client().request(
            method.parse().unwrap(),
            fake.url(&format!("/__fake/{path}")),
        )
    };
    let armed = fake
        .send_request(
            control("PUT", "pause"),
            Some(json!({"before": "GET /api/v2/groups"})),
        )
        .await;
    assert_eq!(armed.status, 200);
    assert_eq!(
        armed.body,
        json!({"before": "GET /api/v2/groups", "waiting": false})
    );
    let listing = tokio::spawn({
        let request = fake
            .client
            .get(fake.url("/api/v2/groups.json"))
            .basic_auth("admin@example.com/token", Some("fake-token"));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    });
    let mut waiting = false;
    for _ in 0..2000 {
        let pause = fake.send_request(control("GET", "pause"), None).await;
        if pause.body["waiting"] == true {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(waiting, "the listing never reached the pause");
    // Other requests go on meanwhile; the paused one is not counted yet.
    let created = fake
        .post(
            "/api/v2/groups.json",
            json!({"group": {"name": "Written meanwhile"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let counts = fake.send_request(control("GET", "requests"), None).await;
    assert_eq!(
        counts.body["by_endpoint"],
        json!({"POST /api/v2/groups": 1})
    );
    assert!(!listing.is_finished());
    let released = fake
        .send_request(control("POST", "pause/release"), None)
        .await;
    assert_eq!(released.body, json!({"released": true}));
    let groups = listing.await.unwrap();
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(names.contains(&"Written meanwhile"), "{names:?}");
    // Armed once: the next listing is not held.
    assert_eq!(fake.get("/api/v2/groups.json").await.status, 200);
    let pause = fake.send_request(control("GET", "pause"), None).await;
    assert_eq!(pause.body, json!({"before": null, "waiting": false}));
    let counts = fake.send_request(control("GET", "requests"), None).await;
    assert_eq!(counts.body["by_endpoint"]["GET /api/v2/groups"], 2);
    let bad = fake
        .send_request(control("PUT", "pause"), Some(json!({})))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"], "InvalidPause");
}

/// The armed drop loses one answer: the request takes effect (the group is there), its
/// connection is closed unanswered and counted as dropped; the next request is answered.
#[tokio::test]
async fn an_armed_drop_applies_the_request_and_loses_its_answer_once() {
    let fake = Fake::start().await;
    let control = |method: &str, path: &str| {
        client().request(
            method.parse().unwrap(),
            fake.url(&format!("/__fake/{path}")),
        )
    };
    let armed = fake
        .send_request(
            control("PUT", "drop"),
            Some(json!({"after": "POST /api/v2/groups"})),
        )
        .await;
    assert_eq!(armed.body, json!({"after": "POST /api/v2/groups"}));
    let lost = fake
        .client
        .post(fake.url("/api/v2/groups.json"))
        .basic_auth("admin@example.com/token", Some("fake-token"))
        .json(&json!({"group": {"name": "Lost answer"}}))
        .send()
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let groups = fake.get("/api/v2/groups.json").await;
    let names: Vec<&str> = groups.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(names.contains(&"Lost answer"), "{names:?}");
    assert_eq!(
        fake.post(
            "/api/v2/groups.json",
            json!({"group": {"name": "Answered"}})
        )
        .await
        .status,
        201
    );
    let counts = fake.send_request(control("GET", "requests"), None).await;
    assert_eq!(counts.body["by_status"]["dropped"], 1);
    let drop = fake.send_request(control("GET", "drop"), None).await;
    assert_eq!(drop.body, json!({"after": null}));
    let bad = fake
        .send_request(control("PUT", "drop"), Some(json!({})))
        .await;
    assert_eq!(bad.status, 400);
}
