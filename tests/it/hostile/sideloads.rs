//! An account that does not sideload identities (`users/show_many?include=identities`
//! answered without an `identities` list: Zendesk's API reference does not list that
//! sideload) costs a request a user, as before, and finds the same owners.

use axum::http::StatusCode;
use serde_json::Value;

use super::{Hostile, on, status, stderr};
use crate::common::{Sandbox, roster_file, run};

/// Bo Berg holds `bo.berg@acme.com` as a secondary address.
const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"}
], "identities": [
  {"id": 70, "user_id": 10, "type": "email", "value": "jane@acme.com", "primary": true},
  {"id": 71, "user_id": 11, "type": "email", "value": "bo@acme.com", "primary": true},
  {"id": 72, "user_id": 11, "type": "email", "value": "bo.berg@acme.com", "primary": false}
]}"#;

#[test]
fn identities_not_sideloaded_are_read_one_user_at_a_time() {
    let sandbox = Sandbox::start(&serde_json::from_str::<Value>(STATE).unwrap());
    // `show_many` with the sideload asked for answers Bo alone, without identities.
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users/show_many", |seen, _| {
            seen.query.contains("include=identities").then(|| {
                status(
                    StatusCode::OK,
                    r#"{"users": [{"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "role": "agent", "active": true}], "next_page": null, "previous_page": null, "count": 1}"#,
                )
            })
        })],
    );
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  manage: { roles: [agent] }\n  prune: report\nusers:\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: agent }\n  - { name: New Person, email: bo.berg@acme.com, role: agent }\n",
    );
    let (output, stdout) = run(sandbox
        .zplan()
        .env("ZENDESK_URL", front.url())
        .args(["--format", "json", &roster]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let blocked: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["blocked"].as_str())
        .collect();
    assert_eq!(
        blocked,
        [
            "conflict: email `bo.berg@acme.com` is a secondary email of user #11 (Bo Berg <bo@acme.com>)"
        ],
        "{stdout}"
    );
    assert_eq!(front.count("GET", "/api/v2/users/show_many"), 1);
    assert_eq!(front.count("GET", "/api/v2/users/11/identities"), 1);
}
