//! Who the emulator lets in: a suspended user's right credentials are refused like wrong ones.

use serde_json::{Value, json};
use zroster::fake::StateFile;

use super::{Fake, client, fast_knobs};

/// An account whose configured admin (`admin@example.com`) is `suspended`.
async fn account(suspended: bool) -> Fake {
    let state: StateFile = serde_json::from_value(json!({
        "users": [{"id": 1, "name": "Admin", "email": "admin@example.com", "role": "admin",
                   "suspended": suspended}]
    }))
    .unwrap();
    Fake::with(fast_knobs(), state).await
}

#[tokio::test]
async fn a_suspended_user_cannot_authenticate_with_a_token() {
    let active = account(false).await;
    assert_eq!(active.get("/api/v2/users.json").await.status, 200);
    let fake = account(true).await;
    let basic = fake.get("/api/v2/users.json").await;
    assert_eq!(basic.status, 401);
    assert_eq!(basic.body, json!({"error": "Couldn't authenticate you"}));
    assert_eq!(
        basic.header("www-authenticate"),
        Some("Basic realm=\"Web Password\"")
    );
    let write = fake
        .put(
            "/api/v2/users/1.json",
            json!({"user": {"suspended": false}}),
        )
        .await;
    assert_eq!(write.status, 401);
    let bearer = client()
        .get(fake.url("/api/v2/users.json"))
        .bearer_auth("fake-oauth-token");
    let bearer = fake.send_request(bearer, None).await;
    assert_eq!(bearer.status, 401);
    assert_eq!(bearer.body, json!({"error": "Couldn't authenticate you"}));
    // `/users/me` answers the anonymous user, as it does for wrong credentials.
    let me = fake.get("/api/v2/users/me.json").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["id"], Value::Null);
    assert_eq!(me.body["user"]["name"], "Anonymous user");
}
