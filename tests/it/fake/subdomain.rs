//! The emulated account's subdomain: the `url` of every object and the `Location` of every
//! creation name `https://{subdomain}.zendesk.com`, as Zendesk's answers do whatever address
//! they were reached at; pagination links stay on the address the emulator listens on.

use serde_json::json;
use zroster::fake::{Config, Knobs, Server, StateFile};

use super::{Fake, fast_knobs};

fn state(account: &serde_json::Value) -> StateFile {
    serde_json::from_value(json!({
        "account": account,
        "users": [
            {"id": 10, "name": "Ann", "email": "ann@acme.com", "role": "agent"},
            {"id": 11, "name": "Bo", "email": "bo@acme.com", "role": "agent"}
        ]
    }))
    .unwrap()
}

#[tokio::test]
async fn objects_name_the_state_s_subdomain_and_links_the_emulator_s_address() {
    // As `zroster fake --state` makes it: the state's `account` over the knobs.
    let seed = state(&json!({"subdomain": "acme"}));
    let mut knobs = fast_knobs();
    knobs.apply(seed.account.as_ref().unwrap());
    let fake = Fake::with(knobs, seed).await;
    let me = fake.get("/api/v2/users/me.json").await;
    assert_eq!(me.status, 200, "{}", me.text);
    let id = me.body["user"]["id"].as_u64().unwrap();
    assert_eq!(
        me.body["user"]["url"],
        json!(format!("https://acme.zendesk.com/api/v2/users/{id}.json"))
    );
    let created = fake
        .post("/api/v2/groups.json", json!({"group": {"name": "Billing"}}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let group = created.body["group"]["id"].as_u64().unwrap();
    let url = format!("https://acme.zendesk.com/api/v2/groups/{group}.json");
    assert_eq!(created.body["group"]["url"], json!(url));
    assert_eq!(created.header("location"), Some(url.as_str()));
    // A listing's next page is on the address the client reached.
    let page = fake.get("/api/v2/users.json?page[size]=1").await;
    let next = page.body["links"]["next"].as_str().unwrap();
    assert!(next.starts_with(fake.handle.base_url()), "{next}");
    // The saved state keeps the subdomain.
    let saved = fake.handle.state();
    assert_eq!(
        saved.account.and_then(|a| a.subdomain).as_deref(),
        Some("acme")
    );
}

#[tokio::test]
async fn an_account_without_a_subdomain_is_zendesk_s_example_account() {
    let fake = Fake::with(fast_knobs(), state(&json!({}))).await;
    let me = fake.get("/api/v2/users/me.json").await;
    let url = me.body["user"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://example.zendesk.com/api/v2/users/"),
        "{url}"
    );
}

#[tokio::test]
async fn a_subdomain_that_is_no_host_label_is_refused() {
    for bad in ["Acme", "acme.zendesk.com", "-acme", "", "ac me"] {
        let started = Server::start(Config {
            seed: state(&json!({ "subdomain": bad })),
            knobs: Knobs {
                subdomain: bad.to_owned(),
                ..Knobs::default()
            },
            ..Config::default()
        })
        .await;
        let error = started.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("subdomain"), "{bad}: {error}");
    }
    // Replacing the state checks it too.
    let fake = Fake::with(fast_knobs(), state(&json!({}))).await;
    let answer = fake
        .put(
            "/__fake/state",
            json!({"account": {"subdomain": "Not A Label"}}),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
}
