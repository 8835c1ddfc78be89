//! Every failure becomes a typed error with a clear message.

use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use zroster::fake::{Knobs, Plan};
use zroster::zendesk::wire::Role;
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret, WriteClient, ZendeskError};

use super::{count, emulator, settings, simple, writer};

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn wrong_token_is_401_elsewhere_and_anonymous_on_me() {
    let handle = emulator(2, 0, simple()).await;
    let client = ReadClient::connect(settings(&handle, "not-the-token")).unwrap();
    let error = client.me().await.unwrap_err();
    assert!(matches!(error, ZendeskError::Anonymous { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("`ZENDESK_EMAIL` and `ZENDESK_API_TOKEN`"),
        "{message}"
    );
    assert!(!message.contains("not-the-token"));

    let error = client
        .users_by_roles(&[Role::Agent])
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ZendeskError::Authentication { endpoint, .. } if endpoint == "GET /api/v2/users"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("Couldn't authenticate you"),
        "{error}"
    );
    assert!(error.to_string().contains("`ZENDESK_API_TOKEN`"), "{error}");

    let oauth = Auth::OAuth {
        token: Secret::new("wrong-oauth"),
    };
    let mut oauth_settings = ConnectionSettings::new(handle.base_url(), oauth).unwrap();
    oauth_settings.no_delay = true;
    let error = ReadClient::connect(oauth_settings)
        .unwrap()
        .me()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("`ZENDESK_OAUTH_TOKEN`"),
        "{error}"
    );
}

#[tokio::test]
async fn forbidden_and_not_found() {
    let knobs = Knobs {
        plan: Plan::Professional,
        ..simple()
    };
    let handle = emulator(2, 0, knobs).await;
    let client = writer(&handle);
    let error = client
        .create_custom_role(&fields(json!({"name": "Tier 1"})))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ZendeskError::Forbidden { endpoint, .. } if endpoint == "POST /api/v2/custom_roles"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("Zendesk refused `POST /api/v2/custom_roles` (403"),
        "{error}"
    );

    let error = client.user(987_654_321).await.unwrap_err();
    assert!(
        matches!(&error, ZendeskError::NotFound { endpoint, message }
        if endpoint == "GET /api/v2/users/{id}" && message == "RecordNotFound: Not found"),
        "{error:?}"
    );
}

#[tokio::test]
async fn unprocessable_with_and_without_error_codes() {
    let handle = emulator(2, 0, simple()).await;
    let client = writer(&handle);
    let duplicate = fields(json!({"name": "Copy", "email": "agent0@example.com"}));
    let error = client.create_user(&duplicate).await.unwrap_err();
    let ZendeskError::Invalid {
        error: code,
        details,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(code, "RecordInvalid");
    assert_eq!(details[0].field, "email");
    assert_eq!(details[0].error.as_deref(), Some("DuplicateValue"));
    assert!(error.to_string().contains("`email`: Email: agent0@example.com is already being used by another user (DuplicateValue)"), "{error}");

    let malformed = fields(json!({"name": "Bad", "email": "badmail"}));
    let error = client.create_or_update_user(&malformed).await.unwrap_err();
    let ZendeskError::Invalid { details, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        details[0].description,
        "Email: badmail is not properly formatted"
    );
    assert_eq!(details[0].error, None);
}

#[tokio::test]
async fn plain_text_429_after_the_deadline_says_what_was_tried() {
    let knobs = Knobs {
        user_update_rate_limit: 2,
        ..simple()
    };
    let handle = emulator(2, 0, knobs).await;
    let mut settings = settings(&handle, super::TOKEN);
    settings.max_attempts = 3;
    let client = WriteClient::connect(settings).unwrap();
    let change = fields(json!({"notes": "x"}));
    client.update_user(1001, &change).await.unwrap();
    client.update_user(1001, &change).await.unwrap();
    let error = client.update_user(1001, &change).await.unwrap_err();
    let ZendeskError::RetriesExhausted { attempts, last, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 3);
    assert!(
        last.starts_with("429 Too Many Requests (You have exceeded the rate limit"),
        "{last}"
    );
    assert!(error.to_string().contains("failed 3 times"), "{error}");
    assert_eq!(client.stats().retries, 2);
    assert_eq!(count(&handle, "PUT /api/v2/users/{id}").await, 5);
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_not_repeated() {
    let knobs = Knobs {
        fault_5xx: 1.0,
        ..simple()
    };
    let handle = emulator(1, 0, knobs).await;
    let client = writer(&handle);
    let error = client
        .create_user(&fields(json!({"name": "New"})))
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert!(
        error.to_string().contains("re-read the affected objects"),
        "{error}"
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users").await,
        1,
        "never repeated"
    );

    let knobs = Knobs {
        fault_drop: 1.0,
        ..simple()
    };
    let handle = emulator(1, 0, knobs).await;
    let client = writer(&handle);
    let error = client
        .create_identity(1001, "second@example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ZendeskError::OutcomeUnknown { reason, .. } if reason.contains("after the request was sent")),
        "{error:?}"
    );
    assert_eq!(
        count(&handle, "POST /api/v2/users/{id}/identities").await,
        1
    );
}

/// A loopback server that answers every request with `response` (a proxy's error page, a
/// non-Zendesk host): the emulator has no knob for non-JSON bodies other than its 429.
async fn raw_server(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 8192];
            let mut read = 0;
            while !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buffer[read..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => read += n,
                }
            }
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{address}")
}

fn raw_client(base: &str) -> ReadClient {
    let auth = Auth::ApiToken {
        email: "a@b.c".to_owned(),
        token: Secret::new("t"),
    };
    let mut settings = ConnectionSettings::new(base, auth).unwrap();
    settings.no_delay = true;
    settings.max_attempts = 2;
    ReadClient::connect(settings).unwrap()
}

#[tokio::test]
async fn bodies_that_are_not_json() {
    let html = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 38\r\nconnection: close\r\n\r\n<html><body>Sign in</body></html>\n\n\n\n\n",
    )
    .await;
    let error = raw_client(&html).me().await.unwrap_err();
    let ZendeskError::NotJson {
        status,
        content_type,
        snippet,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((*status, content_type.as_str()), (200, "text/html"));
    assert_eq!(snippet, "<html><body>Sign in</body></html>");
    assert!(
        error.to_string().contains("is the URL a Zendesk account?"),
        "{error}"
    );

    let text_400 = raw_server(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 24\r\nconnection: close\r\n\r\nSSL is required for API\n",
    )
    .await;
    let error = raw_client(&text_400).me().await.unwrap_err();
    assert!(
        matches!(&error, ZendeskError::Rejected { status: 400, message, .. } if message == "SSL is required for API"),
        "{error:?}"
    );

    let text_429 = raw_server(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\ncontent-length: 31\r\nconnection: close\r\n\r\nRate limited. Retry after 1 s.\n",
    )
    .await;
    let error = raw_client(&text_429).me().await.unwrap_err();
    assert!(
        matches!(&error, ZendeskError::RetriesExhausted { attempts: 2, last, .. } if last.contains("Retry after 1 s")),
        "{error:?}"
    );

    let odd_json = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\nconnection: close\r\n\r\n{\"users\":7}\n",
    )
    .await;
    let error = raw_client(&odd_json)
        .users_by_roles(&[Role::Agent])
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ZendeskError::UnexpectedShape { .. }),
        "{error:?}"
    );
}
