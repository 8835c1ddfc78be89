//! A listing that never ends is stopped: cursors that come back (however long after),
//! cursors that are always new but bring nothing, pages past the listing's own count.

use std::time::Duration;

use serde_json::json;

use super::{Hostile, json, on, roster, stderr};
use crate::common::{Sandbox, assert_code, mechanics, run_for};

/// `zplan` against `front`, taken for hung after a minute.
fn zplan(sandbox: &Sandbox, front: &Hostile) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    run_for(
        sandbox
            .zplan()
            .env("ZENDESK_URL", front.url())
            .arg(roster(&dir)),
        Duration::from_secs(60),
    )
}

fn sandbox() -> Sandbox {
    Sandbox::start_with(&json!({}), "fake-token", mechanics)
}

/// A cursor page of users with one agent, saying more follow after `cursor`.
fn cursor_page(id: usize, cursor: &str) -> axum::response::Response {
    json(&json!({
        "users": [{"id": 5000 + id, "name": format!("Agent {id}"),
                   "email": format!("agent{id}@acme.com"), "role": "agent", "active": true}],
        "meta": {"has_more": true, "after_cursor": cursor, "before_cursor": "x"},
    }))
}

#[test]
fn cursors_that_alternate_are_caught() {
    let sandbox = sandbox();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users", |seen, answered| {
            // The count of users (`per_page=1`) is the emulator's to answer.
            (!seen.query.contains("per_page"))
                .then(|| cursor_page(answered % 2, if answered % 2 == 0 { "A" } else { "B" }))
        })],
    );
    let (output, stdout) = zplan(&sandbox, &front);
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains("the pagination of `GET /api/v2/users` went in a circle (cursor `"),
        "{err}"
    );
    assert!(front.count("GET", "/api/v2/users") < 20);
}

#[test]
fn cursors_that_are_always_new_but_bring_nothing_are_stopped() {
    let sandbox = sandbox();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users", |seen, answered| {
            (!seen.query.contains("per_page")).then(|| {
                json(&json!({"users": [], "meta": {"has_more": true,
                    "after_cursor": format!("c{answered}")}}))
            })
        })],
    );
    let (output, stdout) = zplan(&sandbox, &front);
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains("the listing `GET /api/v2/users` was stopped after 10 pages: 10 pages in a row held nothing yet each said more would follow"),
        "{err}"
    );
}

#[test]
fn an_offset_listing_stops_past_the_pages_its_count_allows() {
    let sandbox = sandbox();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/custom_roles", |seen, answered| {
            let next = format!(
                "http://{}/api/v2/custom_roles.json?page={}",
                seen.headers["host"].to_str().unwrap(),
                answered + 2
            );
            Some(json(
                &json!({"custom_roles": [], "next_page": next, "count": 1}),
            ))
        })],
    );
    let (output, stdout) = zplan(&sandbox, &front);
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains("the listing `GET /api/v2/custom_roles` was stopped after 4 pages: more than its `count` of 1 allows"),
        "{err}"
    );
    assert_eq!(front.count("GET", "/api/v2/custom_roles"), 4);
}
