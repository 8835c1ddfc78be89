//! No redirect is followed: a 3xx answer is an error naming the status and the `Location`,
//! and the host it names hears nothing, whatever the request (the startup probe, a bulk
//! write carrying names and emails, a listing).

use serde_json::json;

use super::{Hostile, json, on, redirect, roster, stderr};
use crate::common::{Sandbox, assert_code, mechanics, run};

fn sandbox() -> Sandbox {
    Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    })
}

#[test]
fn a_redirect_of_the_startup_probe_is_an_error_and_its_target_hears_nothing() {
    // The host the redirect names would vouch for anyone.
    let elsewhere = Hostile::start(
        None,
        vec![on("GET", "/api/v2/users/me", |_, _| {
            Some(json(&json!({"user": {"id": 1, "name": "Mallory",
                "email": "admin@example.com", "role": "admin"}})))
        })],
    );
    let location = format!("{}/api/v2/users/me", elsewhere.url());
    let sandbox = sandbox();
    let shown = location.clone();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users/me", move |_, _| {
            Some(redirect(301, &location))
        })],
    );
    let dir = tempfile::tempdir().unwrap();
    let (output, stdout) = run(sandbox
        .zplan()
        .env("ZENDESK_URL", front.url())
        .arg(roster(&dir)));
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "error: `GET /api/v2/users/me` answered 301 with a redirect to `{shown}`; zroster follows no redirects"
        )),
        "{err}"
    );
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
    assert_eq!(front.seen().len(), 1, "nothing after the probe");
}

#[test]
fn a_redirect_of_a_bulk_write_sends_its_names_and_emails_nowhere() {
    let elsewhere = Hostile::bystander();
    let location = format!("{}/api/v2/users/create_or_update_many", elsewhere.url());
    let sandbox = sandbox();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on(
            "POST",
            "/api/v2/users/create_or_update_many",
            move |_, _| Some(redirect(307, &location)),
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let (output, stdout) = run(sandbox
        .zapply()
        .env("ZENDESK_URL", front.url())
        .args(["--auto-approve", &roster(&dir)]));
    assert_code(&output, &stdout, 1);
    let all = format!("{stdout}{}", stderr(&output));
    assert!(
        all.contains("answered 307 with a redirect to")
            && all.contains("/api/v2/users/create_or_update_many`"),
        "{all}"
    );
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
    // Not repeated, and not created behind the redirect's back.
    assert_eq!(
        front.count("POST", "/api/v2/users/create_or_update_many"),
        1
    );
    assert!(
        !sandbox.state()["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|user| user["email"] == "jane@acme.com")
    );
}

#[test]
fn a_redirect_of_a_listing_is_an_error_not_another_hosts_data() {
    let elsewhere = Hostile::start(
        None,
        vec![on("GET", "/api/v2/users", |_, _| {
            Some(json(&json!({"users": [{"id": 666, "name": "Planted Agent",
                "email": "planted@evil.test", "role": "agent", "active": true}],
                "meta": {"has_more": false, "after_cursor": null}})))
        })],
    );
    let target = format!("{}/api/v2/users?role%5B%5D=agent", elsewhere.url());
    let sandbox = sandbox();
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users", move |_, _| {
            Some(redirect(307, &target))
        })],
    );
    let dir = tempfile::tempdir().unwrap();
    let (output, stdout) = run(sandbox
        .zplan()
        .env("ZENDESK_URL", front.url())
        .arg(roster(&dir)));
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains("`GET /api/v2/users` answered 307 with a redirect to"),
        "{err}"
    );
    assert!(!stdout.contains("Planted"), "{stdout}");
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
}

/// Already so before redirects were refused: a `next_page` naming another host or scheme is
/// re-based onto the configured URL (a proxy sees Zendesk's own host in those links).
#[test]
fn a_next_page_link_to_another_host_is_read_from_the_configured_account() {
    let elsewhere = Hostile::bystander();
    let next = format!("{}/api/v2/custom_roles.json?page=2", elsewhere.url());
    let front = Hostile::start(
        None,
        vec![on("GET", "/api/v2/custom_roles", move |_, answered| {
            Some(json(&if answered == 0 {
                json!({"custom_roles": [], "next_page": next, "count": 0})
            } else {
                json!({"custom_roles": [], "next_page": null, "count": 0})
            }))
        })],
    );
    let mut settings = zroster::zendesk::ConnectionSettings::new(
        front.url(),
        zroster::zendesk::Auth::OAuth {
            token: zroster::zendesk::Secret::new("t"),
        },
    )
    .unwrap();
    settings.no_delay = true;
    let client = zroster::zendesk::ReadClient::connect(settings).unwrap();
    let roles = front.block_on(client.custom_roles()).unwrap();
    assert!(roles.is_empty());
    let seen = front.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].query, "page=2");
    assert!(elsewhere.seen().is_empty());
}
