//! The Zendesk client against the project's emulator over loopback HTTP, asserting the
//! traffic through `/__fake/requests`.

mod email_search;
mod errors;
mod faults;
mod jobs;
mod listing;
mod recorded;
mod secrets;
mod state;

use serde_json::{Value, json};
use zroster::fake::{Config, Handle, Knobs, Server, StateFile};
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret, WriteClient};

/// The emulator's default admin credentials.
pub(crate) const EMAIL: &str = "admin@example.com";
pub(crate) const TOKEN: &str = "fake-token";

/// An emulator with `agents` agents (ids 1001…, external ids `emp-N`), `end_users` end users
/// (ids 50001…, external ids `cust-N`) and the given knobs.
pub(crate) async fn emulator(agents: usize, end_users: usize, knobs: Knobs) -> Handle {
    seeded(agents, end_users, knobs, true).await
}

/// The same account with ids assigned by the emulator: seeding is much faster for large
/// accounts (the emulator re-keys every seeded id over all identities).
pub(crate) async fn emulator_without_ids(agents: usize, end_users: usize, knobs: Knobs) -> Handle {
    seeded(agents, end_users, knobs, false).await
}

/// An Enterprise account with what the client's mechanics under test use: bulk imports,
/// user tagging, several organizations a user and a search index that keeps up.
pub(crate) fn simple() -> Knobs {
    Knobs {
        bulk_imports: true,
        user_tagging: true,
        multiple_organizations: true,
        search_lag_s: 0.0,
        ..Knobs::default()
    }
}

async fn seeded(agents: usize, end_users: usize, knobs: Knobs, ids: bool) -> Handle {
    let mut users: Vec<Value> = Vec::new();
    for i in 0..agents {
        users.push(json!({"id": 1001 + i, "name": format!("Agent {i}"), "email": format!("agent{i}@example.com"),
                          "role": "agent", "external_id": format!("emp-{i}")}));
    }
    for i in 0..end_users {
        users.push(json!({"id": 50001 + i, "name": format!("Customer {i}"), "email": format!("customer{i}@example.com"),
                          "role": "end-user", "external_id": format!("cust-{i}")}));
    }
    if !ids {
        for user in &mut users {
            user.as_object_mut().expect("an object").remove("id");
        }
    }
    let config = Config {
        knobs,
        seed: StateFile {
            users,
            ..StateFile::default()
        },
        ..Config::default()
    };
    Server::start(config).await.expect("the emulator starts")
}

/// Settings for the emulator with the test switch that turns sleeps off.
pub(crate) fn settings(handle: &Handle, token: &str) -> ConnectionSettings {
    let auth = Auth::ApiToken {
        email: EMAIL.to_owned(),
        token: Secret::new(token),
    };
    let mut settings =
        ConnectionSettings::new(handle.base_url(), auth).expect("loopback URL is accepted");
    settings.no_delay = true;
    settings
}

pub(crate) fn reader(handle: &Handle) -> ReadClient {
    ReadClient::connect(settings(handle, TOKEN)).expect("client builds")
}

pub(crate) fn writer(handle: &Handle) -> WriteClient {
    WriteClient::connect(settings(handle, TOKEN)).expect("client builds")
}

/// `GET /__fake/requests` over HTTP, as a script would read it.
pub(crate) async fn traffic(handle: &Handle) -> Value {
    // The crypto provider, which a test that reads traffic before it builds a client (run
    // alone) would otherwise lack.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(format!("{}/__fake/requests", handle.base_url()))
        .await
        .expect("control endpoint answers")
        .json()
        .await
        .expect("control endpoint sends JSON")
}

/// Requests the emulator saw for one endpoint.
pub(crate) async fn count(handle: &Handle, endpoint: &str) -> u64 {
    traffic(handle).await["by_endpoint"][endpoint]
        .as_u64()
        .unwrap_or(0)
}

/// `POST /__fake/requests/reset`.
pub(crate) async fn reset(handle: &Handle) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .post(format!("{}/__fake/requests/reset", handle.base_url()))
        .send()
        .await
        .expect("control endpoint answers");
    assert!(response.status().is_success());
}
