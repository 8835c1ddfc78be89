//! A server that echoes the credentials back (in an error body, as text or JSON, in a
//! `Location`) gets them printed as `<redacted>`: neither the token nor the base64 of the
//! Basic pair appears in any output, report or journal. Nor does a token put in the URL's
//! query or in `ZENDESK_SUBDOMAIN`.

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde_json::json;

use super::{Hostile, Seen, on, redirect, roster, status, stderr};
use crate::common::{Sandbox, mechanics, run};

const CANARY: &str = "canary-token-7d2e4b91";
const OAUTH_CANARY: &str = "oauth-canary-3c9a0f57";

/// The texts that must not appear: the tokens and the Basic pair's base64, whole or
/// unpadded, in both alphabets.
fn forbidden() -> Vec<String> {
    let pair = format!("admin@example.com/token:{CANARY}");
    vec![
        CANARY.to_owned(),
        OAUTH_CANARY.to_owned(),
        STANDARD.encode(&pair),
        STANDARD_NO_PAD.encode(&pair),
        URL_SAFE_NO_PAD.encode(&pair),
        STANDARD.encode(&pair)[..24].to_owned(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(!text.contains(&secret), "{what} holds `{secret}`:\n{text}");
    }
}

fn authorization(seen: &Seen) -> String {
    seen.headers["authorization"].to_str().unwrap().to_owned()
}

/// An answer that echoes the request's `Authorization` header back.
type Echo = fn(&Seen) -> Response;

/// A run of `zplan`: what it shows, the variables it sets and its arguments.
type Run = (&'static str, Vec<(&'static str, String)>, Vec<String>);

/// Four ways to echo the `Authorization` header back.
fn echoes() -> Vec<(&'static str, Echo)> {
    vec![
        ("a JSON error message", |seen| {
            status(
                StatusCode::BAD_REQUEST,
                &json!({"error": "BadRequest",
                    "description": format!("rejected header authorization: {}", authorization(seen))})
                .to_string(),
            )
        }),
        ("a text body", |seen| {
            let mut response = status(StatusCode::FORBIDDEN, "");
            *response.body_mut() = format!(
                "Forbidden.\nGET /api/v2/users/me HTTP/1.1\nAuthorization: {}\nAccept: */*\n",
                authorization(seen)
            )
            .into();
            response
        }),
        ("JSON of another shape with `\\/` escapes", |seen| {
            status(
                StatusCode::BAD_REQUEST,
                &format!(
                    r#"{{"request":{{"headers":{{"Authorization":"{}"}}}}}}"#,
                    authorization(seen).replace('/', "\\/")
                ),
            )
        }),
        ("a Location", |seen| {
            let encoded: String = authorization(seen)
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            redirect(302, &format!("https://login.evil.test/sso?auth={encoded}"))
        }),
    ]
}

#[test]
fn an_error_that_echoes_the_authorization_header_prints_neither_token_nor_base64() {
    let sandbox = Sandbox::start_with(&json!({}), CANARY, mechanics);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(&dir);
    for (what, echo) in echoes() {
        let front = Hostile::start(
            Some(sandbox.url()),
            vec![on("GET", "/api/v2/users/me", move |seen, _| {
                Some(echo(seen))
            })],
        );
        for oauth in [false, true] {
            let mut command = sandbox.zplan();
            command
                .env("ZENDESK_URL", front.url())
                .env("ZENDESK_API_TOKEN", CANARY)
                .arg(&roster);
            if oauth {
                command.env("ZENDESK_OAUTH_TOKEN", OAUTH_CANARY);
            }
            let (output, stdout) = run(&mut command);
            assert_eq!(output.status.code(), Some(1), "{what}: {stdout}");
            let err = stderr(&output);
            assert!(err.contains("<redacted>"), "{what}: {err}");
            assert_clean(what, &format!("{stdout}{err}"));
        }
    }
}

#[test]
fn retries_and_the_report_of_an_apply_never_show_an_echoed_token() {
    let sandbox = Sandbox::start_with(&json!({}), CANARY, |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    });
    let front = Hostile::start(
        Some(sandbox.url()),
        vec![on(
            "POST",
            "/api/v2/users/create_or_update_many",
            |seen, _| {
                Some(status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"error": "InternalError",
                        "description": format!("upstream refused {}", authorization(seen))})
                    .to_string(),
                ))
            },
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox
        .zapply()
        .env("ZENDESK_URL", front.url())
        .env("ZENDESK_API_TOKEN", CANARY)
        .args([
            "--auto-approve",
            "--report",
            report.to_str().unwrap(),
            &roster(&dir),
        ]));
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let err = stderr(&output);
    assert!(
        err.contains("retrying POST /api/v2/users/create_or_update_many"),
        "{err}"
    );
    assert!(err.contains("upstream refused Basic <redacted>"), "{err}");
    assert_clean("the output", &format!("{stdout}{err}"));
    assert_clean("the report", &std::fs::read_to_string(&report).unwrap());
    for entry in std::fs::read_dir(sandbox.work_dir().join(".zroster/journal")).unwrap() {
        assert_clean(
            "the journal",
            &std::fs::read_to_string(entry.unwrap().path()).unwrap(),
        );
    }
}

#[test]
fn a_token_in_the_url_query_or_the_subdomain_is_never_echoed() {
    let sandbox = Sandbox::start_with(&json!({}), CANARY, mechanics);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(&dir);
    let query = format!("{}/?token={CANARY}", sandbox.url());
    let runs: Vec<Run> = vec![
        ("ZENDESK_URL", vec![("ZENDESK_URL", query.clone())], vec![]),
        ("--url", vec![], vec!["--url".to_owned(), query]),
        (
            "ZENDESK_URL with user info",
            vec![(
                "ZENDESK_URL",
                sandbox.url().replace("://", &format!("://admin:{CANARY}@")),
            )],
            vec![],
        ),
        (
            "ZENDESK_SUBDOMAIN with a query",
            vec![("ZENDESK_SUBDOMAIN", format!("acme?token={CANARY}"))],
            vec![],
        ),
        (
            "ZENDESK_SUBDOMAIN with the Basic pair",
            vec![(
                "ZENDESK_SUBDOMAIN",
                format!("admin@example.com/token:{CANARY}"),
            )],
            vec![],
        ),
        (
            "ZENDESK_URL holding the token alone",
            vec![("ZENDESK_URL", CANARY.to_owned())],
            vec![],
        ),
    ];
    for (what, env, args) in runs {
        let mut command = sandbox.zplan();
        command
            .env_remove("ZENDESK_URL")
            .env("ZENDESK_API_TOKEN", CANARY);
        for (name, value) in env {
            command.env(name, value);
        }
        let (output, stdout) = run(command.args(args).arg(&roster));
        assert_eq!(output.status.code(), Some(1), "{what}: {stdout}");
        let err = stderr(&output);
        assert!(
            err.starts_with("error: invalid Zendesk URL `"),
            "{what}: {err}"
        );
        assert_clean(what, &format!("{stdout}{err}"));
    }
}
