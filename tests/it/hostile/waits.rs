//! Every wait is capped and counted against `--deadline`: a `Retry-After` of a day neither
//! hangs a run nor is honoured past a minute.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, ReadClient, Secret};

use super::{Hostile, on, roster, status, stderr};
use crate::common::{Sandbox, assert_code, mechanics, run_for};

/// A 429 (or 503) asking for `seconds` of patience.
fn retry_after(code: StatusCode, seconds: u64) -> axum::response::Response {
    let mut response = status(
        code,
        r#"{"error":"APIRateLimitExceeded","description":"Number of allowed API requests per minute exceeded"}"#,
    );
    response
        .headers_mut()
        .insert("retry-after", seconds.to_string().parse().unwrap());
    response
}

#[test]
fn a_retry_after_of_a_day_ends_an_apply_promptly_with_the_deadline_error() {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    });
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("POST", "/api/v2/users/create_or_update_many", |_, _| {
            Some(retry_after(StatusCode::TOO_MANY_REQUESTS, 100_000))
        })],
    );
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // Real waits: the test switch that skips them is off.
    let (output, stdout) = run_for(
        sandbox
            .zapply()
            .env("ZENDESK_URL", front.url())
            .env_remove("ZROSTER_TEST_NO_DELAY")
            .args(["--auto-approve", "--deadline", "5", &roster(&dir)]),
        Duration::from_secs(90),
    );
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "took {:?}",
        started.elapsed()
    );
    assert_code(&output, &stdout, 1);
    let all = format!("{stdout}{}", stderr(&output));
    // The item is settled by re-reading, which the pacer (held for the capped minute)
    // stops at the deadline too.
    assert!(
        all.contains("s more for the rate limit (a `Retry-After`, or this run's share of the account's limit) would pass the deadline of 5 s"),
        "{all}"
    );
    assert_eq!(
        front.count("POST", "/api/v2/users/create_or_update_many"),
        1
    );
}

/// The retries a client announces.
#[derive(Default)]
struct Retries(Mutex<Vec<(String, Duration)>>);

impl Observer for Retries {
    fn on_event(&self, event: &ClientEvent<'_>) {
        if let ClientEvent::Retry { reason, wait, .. } = event {
            self.0.lock().unwrap().push(((*reason).to_owned(), *wait));
        }
    }
}

fn client(front: &Hostile, deadline: u64, observer: Arc<Retries>) -> ReadClient {
    let auth = Auth::OAuth {
        token: Secret::new("oauth-token-1234"),
    };
    let mut settings = ConnectionSettings::new(front.url(), auth).unwrap();
    settings.no_delay = true;
    settings.deadline = Duration::from_secs(deadline);
    ReadClient::with_observer(settings, observer).unwrap()
}

#[test]
fn a_long_retry_after_is_capped_at_a_minute_and_the_log_says_so() {
    let front = Hostile::start(
        None,
        vec![on("GET", "/api/v2/account/settings", |_, answered| {
            Some(if answered == 0 {
                retry_after(StatusCode::TOO_MANY_REQUESTS, 100_000)
            } else {
                status(StatusCode::OK, r#"{"settings":{}}"#)
            })
        })],
    );
    let retries = Arc::new(Retries::default());
    let client = client(&front, 300, Arc::clone(&retries));
    front.block_on(client.account_settings()).unwrap();
    let retries = retries.0.lock().unwrap();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].1, Duration::from_secs(60));
    assert!(
        retries[0]
            .0
            .ends_with("its `Retry-After` of 100000 s is capped at 60 s"),
        "{retries:?}"
    );
}

#[test]
fn a_503_asking_for_more_than_the_deadline_ends_the_request_at_once() {
    let front = Hostile::start(
        None,
        vec![on("GET", "/api/v2/account/settings", |_, _| {
            Some(retry_after(StatusCode::SERVICE_UNAVAILABLE, 30))
        })],
    );
    let client = client(&front, 5, Arc::default());
    let error = front.block_on(client.account_settings()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("`GET /api/v2/account/settings` gave up after 0 s: waiting 30 s more for a retry after 503 Service Unavailable"),
        "{message}"
    );
    assert!(
        message.ends_with("would pass the deadline of 5 s; try again later or raise `--deadline`"),
        "{message}"
    );
    assert_eq!(front.seen().len(), 1);
}
