//! A body larger than any Zendesk answer is refused without being read to its end.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::json;
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret, ZendeskError};

use super::{Hostile, on, roster, stderr};
use crate::common::{Sandbox, assert_code, mechanics, run_for};

/// A 200 whose body is `mib` MiB of `x`, streamed without a `Content-Length`.
fn endless(mib: usize) -> Response {
    let chunks = (0..mib).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 1 << 20])));
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap()
}

#[test]
fn a_listing_with_an_endless_body_is_refused_at_64_mib() {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", mechanics);
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on("GET", "/api/v2/users", |seen, _| {
            (!seen.query.contains("per_page")).then(|| endless(256))
        })],
    );
    let dir = tempfile::tempdir().unwrap();
    let (output, stdout) = run_for(
        sandbox
            .zplan()
            .env("ZENDESK_URL", front.url())
            .arg(roster(&dir)),
        Duration::from_secs(120),
    );
    assert_code(&output, &stdout, 1);
    let err = stderr(&output);
    assert!(
        err.contains("error: `GET /api/v2/users` answered 200 with a body of more than 64 MiB, larger than any Zendesk answer; it was not read"),
        "{err}"
    );
}

#[test]
fn a_body_announced_larger_than_the_limit_is_refused_from_its_length() {
    let front = Hostile::start(
        None,
        vec![on("GET", "/api/v2/users/me", |_, _| {
            Some(
                Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(Body::from(vec![b' '; 2 << 20]))
                    .unwrap(),
            )
        })],
    );
    let auth = Auth::OAuth {
        token: Secret::new("oauth-token-1234"),
    };
    let mut settings = ConnectionSettings::new(front.url(), auth).unwrap();
    settings.no_delay = true;
    settings.max_body = 1 << 20;
    let client = ReadClient::connect(settings).unwrap();
    let error = front.block_on(client.me()).unwrap_err();
    assert!(
        matches!(
            error,
            ZendeskError::BodyTooLarge {
                status: 200,
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(front.seen().len(), 1, "not retried");
}
