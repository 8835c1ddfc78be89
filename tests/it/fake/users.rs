//! Users endpoints: CRUD, identities-backed email, uniqueness, pagination, search, `me`.

use serde_json::{Value, json};

use super::{Fake, client};

const USER_KEYS: &[&str] = &[
    "id",
    "url",
    "name",
    "email",
    "created_at",
    "updated_at",
    "time_zone",
    "iana_time_zone",
    "phone",
    "shared_phone_number",
    "photo",
    "locale_id",
    "locale",
    "organization_id",
    "role",
    "verified",
    "external_id",
    "tags",
    "alias",
    "active",
    "shared",
    "shared_agent",
    "last_login_at",
    "two_factor_auth_enabled",
    "signature",
    "details",
    "notes",
    "role_type",
    "custom_role_id",
    "moderator",
    "ticket_restriction",
    "only_private_comments",
    "restricted_agent",
    "suspended",
    "default_group_id",
    "report_csv",
    "user_fields",
];

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn create_returns_201_with_location_and_recorded_defaults() {
    let fake = Fake::start().await;
    let answer = fake
        .post(
            "/api/v2/users.json",
            json!({"user": {"id": "", "name": "testUser"}}),
        )
        .await;
    assert_eq!(answer.status, 201);
    let user = &answer.body["user"];
    assert_eq!(keys(user), USER_KEYS);
    let id = user["id"].as_u64().unwrap();
    assert!(id > 10_000_000_000_000);
    let url = fake.object_url(&format!("/api/v2/users/{id}.json"));
    assert_eq!(answer.header("location"), Some(url.as_str()));
    assert_eq!(user["url"], json!(url));
    assert_eq!(user["role"], "end-user");
    assert_eq!(user["ticket_restriction"], "requested");
    assert_eq!(user["restricted_agent"], true);
    assert_eq!(user["locale"], "en-US");
    assert_eq!(user["locale_id"], 1);
    assert_eq!(user["tags"], json!([]));
    assert_eq!(user["user_fields"], json!({}));
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    // The same user with and without `.json`.
    let shown = fake.get(&format!("/api/v2/users/{id}")).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["user"], *user);
}

#[tokio::test]
async fn blank_name_and_malformed_email_are_422_as_recorded() {
    let fake = Fake::start().await;
    let answer = fake
        .post("/api/v2/users", json!({"user": {"name": " "}}))
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body,
        json!({"error": "RecordInvalid", "description": "Record validation errors",
               "details": {"name": [{"description": "Name: is too short (minimum is 1 characters)"}]}})
    );
    let answer = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "William Bad", "email": "badmail"}}),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body,
        json!({"error": "RecordInvalid", "description": "Record validation errors",
               "details": {"email": [{"description": "Email: badmail is not properly formatted"}]}})
    );
}

#[tokio::test]
async fn duplicate_email_and_external_id_are_422_case_insensitively() {
    let fake = Fake::start().await;
    let answer = fake
        .post(
            "/api/v2/users",
            json!({"user": {"name": "X", "email": "JANE@acme.com"}}),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body["details"]["email"],
        json!([{"description": "Email: JANE@acme.com is already being used by another user", "error": "DuplicateValue"}])
    );
    let answer = fake
        .post(
            "/api/v2/users",
            json!({"user": {"name": "X", "external_id": "EMP-1042"}}),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body["details"]["external_id"],
        json!([{"description": "External ID: EMP-1042 has already been taken", "error": "DuplicateValue"}])
    );
}

#[tokio::test]
async fn update_email_adds_a_secondary_identity_and_make_primary_moves_it() {
    let fake = Fake::start().await;
    let carol = 360_000_001_003_u64;
    let answer = fake
        .put(
            &format!("/api/v2/users/{carol}.json"),
            json!({"user": {"email": "carol@new.org", "verified": true}}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"]["email"], "carol@example.org");
    assert!(answer.header("location").is_none());
    let identities = fake
        .get(&format!("/api/v2/users/{carol}/identities.json"))
        .await;
    let list = identities.body["identities"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(identities.body["count"], 2);
    let secondary = list.iter().find(|i| i["value"] == "carol@new.org").unwrap();
    assert_eq!(secondary["primary"], false);
    assert_eq!(secondary["verified"], true);
    let iid = secondary["id"].as_u64().unwrap();
    let made = fake
        .put(
            &format!("/api/v2/users/{carol}/identities/{iid}/make_primary.json"),
            json!({}),
        )
        .await;
    assert_eq!(made.status, 200);
    assert_eq!(made.body["identities"][0]["value"], "carol@new.org");
    assert_eq!(made.body["identities"][0]["primary"], true);
    let user = fake.get(&format!("/api/v2/users/{carol}.json")).await;
    assert_eq!(user.body["user"]["email"], "carol@new.org");
}

#[tokio::test]
async fn external_id_can_change_and_role_changes_derive_fields() {
    let fake = Fake::start().await;
    let bob = 360_000_001_002_u64;
    let answer = fake
        .put(
            &format!("/api/v2/users/{bob}"),
            json!({"user": {"external_id": "emp-9"}}),
        )
        .await;
    assert_eq!(answer.body["user"]["external_id"], "emp-9");
    assert_eq!(answer.body["user"]["default_group_id"], 360_000_000_200_u64);
    let answer = fake
        .put(
            &format!("/api/v2/users/{bob}"),
            json!({"user": {"role": "admin"}}),
        )
        .await;
    assert_eq!(answer.body["user"]["role_type"], 4);
    assert!(answer.body["user"]["custom_role_id"].is_u64());
    let answer = fake
        .put(
            &format!("/api/v2/users/{bob}"),
            json!({"user": {"role": "end-user"}}),
        )
        .await;
    assert_eq!(answer.body["user"]["role_type"], Value::Null);
    assert_eq!(answer.body["user"]["custom_role_id"], Value::Null);
    assert_eq!(answer.body["user"]["default_group_id"], Value::Null);
    let memberships = fake
        .get(&format!("/api/v2/users/{bob}/group_memberships.json"))
        .await;
    assert_eq!(memberships.body["group_memberships"], json!([]));
    let answer = fake
        .put(
            &format!("/api/v2/users/{bob}"),
            json!({"user": {"custom_role_id": 360_000_000_001_u64}}),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body["details"]["custom_role_id"].is_array());
}

#[tokio::test]
async fn delete_is_soft_and_frees_the_external_id() {
    let fake = Fake::start().await;
    let carol = 360_000_001_003_u64;
    let answer = fake.delete(&format!("/api/v2/users/{carol}.json")).await;
    assert_eq!(answer.status, 200);
    let user = &answer.body["user"];
    assert_eq!(user["active"], false);
    assert_eq!(user["email"], Value::Null);
    assert_eq!(user["external_id"], Value::Null);
    assert_eq!(user["verified"], false);
    assert_eq!(user["name"], "Carol Customer");
    let again = fake
        .post(
            "/api/v2/users/create_or_update",
            json!({"user": {"name": "Carol", "external_id": "cust-7"}}),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_ne!(again.body["user"]["id"], json!(carol));
    assert_eq!(
        fake.delete(&format!("/api/v2/users/{carol}.json"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn create_or_update_matches_external_id_before_email() {
    let fake = Fake::start().await;
    // external_id names Jane, email names Carol: the external id wins, so the email collides.
    let answer = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "Jane", "external_id": "EMP-1042", "email": "carol@example.org"}}),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body["details"]["email"][0]["error"],
        "DuplicateValue"
    );
    let answer = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "Jane S", "external_id": "EMP-1042"}}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"]["id"], 360_000_001_001_u64);
    assert_eq!(answer.body["user"]["external_id"], "EMP-1042");
    let answer = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "C", "email": "CAROL@example.org"}}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["user"]["id"], 360_000_001_003_u64);
}

#[tokio::test]
async fn list_filters_by_role_permission_set_and_external_id() {
    let fake = Fake::start().await;
    let names = |answer: &super::Answer| -> Vec<String> {
        answer.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let answer = fake
        .get("/api/v2/users.json?role%5B%5D=agent&role%5B%5D=admin")
        .await;
    assert_eq!(names(&answer), ["Ada Admin", "Jane Smith", "Bob Agent"]);
    let answer = fake.get("/api/v2/users.json?role=end-user").await;
    assert_eq!(names(&answer), ["Carol Customer"]);
    let answer = fake
        .get("/api/v2/users.json?permission_set=360000000001")
        .await;
    assert_eq!(names(&answer), ["Jane Smith"]);
    let answer = fake.get("/api/v2/users.json?external_id=CUST-7").await;
    assert_eq!(names(&answer), ["Carol Customer"]);
    assert_eq!(answer.body["count"], 1);
}

#[tokio::test]
async fn cursor_pagination_walks_every_page_and_back() {
    let fake = Fake::start().await;
    for n in 0..7 {
        assert_eq!(
            fake.post("/api/v2/users", json!({"user": {"name": format!("u{n}")}}))
                .await
                .status,
            201
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v2/users.json?page%5Bsize%5D=2".to_owned();
    let mut pages = 0;
    loop {
        let answer = fake.get(&path).await;
        assert_eq!(answer.status, 200);
        pages += 1;
        let users = answer.body["users"].as_array().unwrap();
        seen.extend(users.iter().map(|u| u["id"].as_u64().unwrap()));
        let meta = &answer.body["meta"];
        // links.next stays set even on the last page, as recorded.
        let next = answer.body["links"]["next"]
            .as_str()
            .expect("links.next")
            .to_owned();
        assert!(next.contains("page%5Bafter%5D="));
        if !meta["has_more"].as_bool().unwrap() {
            break;
        }
        path = next.trim_start_matches(fake.handle.base_url()).to_owned();
    }
    assert_eq!(pages, 6); // 11 active users, 2 a page
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 11);
    // One-item pages: after_cursor == before_cursor; page[before] goes back.
    let one = fake.get("/api/v2/users?page[size]=1").await;
    assert_eq!(
        one.body["meta"]["after_cursor"],
        one.body["meta"]["before_cursor"]
    );
    let second = fake
        .get(&format!(
            "/api/v2/users?page[size]=1&page[after]={}",
            one.body["meta"]["after_cursor"]
                .as_str()
                .unwrap()
                .replace('=', "%3D")
        ))
        .await;
    let back_link = second.body["links"]["prev"]
        .as_str()
        .unwrap()
        .trim_start_matches(fake.handle.base_url())
        .to_owned();
    let back = fake.get(&back_link).await;
    assert_eq!(back.body["users"][0]["id"], one.body["users"][0]["id"]);
    assert_eq!(fake.get("/api/v2/users?page[size]=101").await.status, 400);
}

#[tokio::test]
async fn offset_pagination_counts_and_stops_at_ten_thousand_records() {
    let fake = Fake::start().await;
    let first = fake.get("/api/v2/users.json?per_page=2").await;
    assert_eq!(first.body["count"], 4);
    assert_eq!(first.body["previous_page"], Value::Null);
    assert_eq!(
        first.body["next_page"],
        json!(fake.url("/api/v2/users.json?page=2&per_page=2"))
    );
    let second = fake.get("/api/v2/users.json?page=2&per_page=2").await;
    assert_eq!(second.body["next_page"], Value::Null);
    assert_eq!(second.body["users"].as_array().unwrap().len(), 2);
    let too_far = fake.get("/api/v2/users.json?page=101&per_page=100").await;
    assert_eq!(too_far.status, 400);
    assert_eq!(too_far.body["error"], "InvalidPaginationParameter");
}

#[tokio::test]
async fn show_many_sorts_by_id_and_hides_deleted_users_unless_asked() {
    let fake = Fake::start().await;
    let answer = fake
        .get("/api/v2/users/show_many.json?ids=360000001003,360000001001,360000001004")
        .await;
    let ids: Vec<u64> = answer.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [360_000_001_001, 360_000_001_003]);
    assert_eq!(answer.body["count"], 2);
    let answer = fake
        .get("/api/v2/users/show_many?ids=360000001004&include_deleted=true")
        .await;
    assert_eq!(answer.body["users"][0]["active"], false);
    let answer = fake
        .get("/api/v2/users/show_many?external_ids=emp-1042,CUST-7")
        .await;
    assert_eq!(answer.body["users"].as_array().unwrap().len(), 2);
    let many: Vec<String> = (0..101).map(|n| n.to_string()).collect();
    let answer = fake
        .get(&format!("/api/v2/users/show_many?ids={}", many.join(",")))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error"], "TooManyValues");
}

/// `include=identities` sideloads every identity of the users answered, as
/// `users/{id}/identities` lists them (`src/fake/mod.rs`); without it there is no such key.
#[tokio::test]
async fn show_many_sideloads_identities_when_asked() {
    let fake = Fake::start().await;
    let carol = 360_000_001_003_u64;
    let added = fake
        .post(
            &format!("/api/v2/users/{carol}/identities.json"),
            json!({"identity": {"type": "email", "value": "Carol@Second.org"}}),
        )
        .await;
    assert_eq!(added.status, 201);
    let plain = fake
        .get("/api/v2/users/show_many?ids=360000001001,360000001003")
        .await;
    assert_eq!(plain.body.get("identities"), None);
    let answer = fake
        .get(
            "/api/v2/users/show_many?ids=360000001001,360000001003,360000001004&include=identities",
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["users"].as_array().unwrap().len(), 2);
    let identities = answer.body["identities"].as_array().unwrap();
    let of = |user: u64| -> Vec<(&str, bool)> {
        identities
            .iter()
            .filter(|i| i["user_id"] == user)
            .map(|i| {
                (
                    i["value"].as_str().unwrap(),
                    i["primary"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        of(carol),
        [("carol@example.org", true), ("carol@second.org", false)]
    );
    assert_eq!(of(360_000_001_001).len(), 1);
    // The deleted user is not answered, nor are its identities.
    assert!(of(360_000_001_004).is_empty());
    let listed = fake
        .get(&format!("/api/v2/users/{carol}/identities.json"))
        .await;
    let by_user: Vec<&Value> = identities
        .iter()
        .filter(|i| i["user_id"] == carol)
        .collect();
    assert_eq!(
        by_user,
        listed.body["identities"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn search_understands_terms_and_external_id() {
    let fake = Fake::start().await;
    let count = |a: &super::Answer| a.body["users"].as_array().unwrap().len();
    assert_eq!(
        count(
            &fake
                .get("/api/v2/users/search.json?query=email%3Ajane%40acme.com")
                .await
        ),
        1
    );
    assert_eq!(
        count(&fake.get("/api/v2/users/search.json?query=role:agent").await),
        2
    );
    assert_eq!(
        count(&fake.get("/api/v2/users/search.json?query=tags:emea").await),
        1
    );
    assert_eq!(
        count(
            &fake
                .get("/api/v2/users/search.json?query=name:%22Jane%20Smith%22")
                .await
        ),
        1
    );
    assert_eq!(
        count(&fake.get("/api/v2/users/search.json?query=customer").await),
        1
    );
    assert_eq!(
        count(
            &fake
                .get("/api/v2/users/search.json?query=external_id:emp-1042")
                .await
        ),
        1
    );
    let by_ext = fake
        .get("/api/v2/users/search.json?external_id=cust-7")
        .await;
    assert_eq!(count(&by_ext), 1);
    assert_eq!(by_ext.body["count"], 1);
    assert!(by_ext.body.get("next_page").is_some());
    let none = fake
        .get("/api/v2/users/search?query=grouparoo%40demo.com")
        .await;
    assert_eq!(
        none.body,
        json!({"users": [], "next_page": null, "previous_page": null, "count": 0})
    );
}

/// API.md §1.4 leaves open whether `email:` finds secondary addresses (UNCERTAIN); the
/// emulator's pinned reading: it does, exactly and case-insensitively, and the hit shows its
/// primary address.
#[tokio::test]
async fn email_search_finds_a_user_by_a_secondary_address() {
    let fake = Fake::start().await;
    let carol = 360_000_001_003_u64;
    let answer = fake
        .put(
            &format!("/api/v2/users/{carol}.json"),
            json!({"user": {"email": "carol@new.org"}}),
        )
        .await;
    assert_eq!(answer.status, 200);
    for query in [
        "email%3Acarol%40new.org",
        "email%3ACAROL%40New.org",
        "carol%40new",
    ] {
        let found = fake
            .get(&format!("/api/v2/users/search.json?query={query}"))
            .await;
        let users = found.body["users"].as_array().unwrap();
        assert_eq!(users.len(), 1, "{query}");
        assert_eq!(users[0]["id"], carol);
        assert_eq!(users[0]["email"], "carol@example.org");
    }
    let partial = fake
        .get("/api/v2/users/search.json?query=email%3Acarol%40new")
        .await;
    assert_eq!(partial.body["count"], 0, "`email:` takes a whole address");
}

#[tokio::test]
async fn me_is_the_admin_and_anonymous_without_credentials() {
    let fake = Fake::start().await;
    let me = fake.get("/api/v2/users/me.json").await;
    let user = &me.body["user"];
    assert_eq!(user["email"], "admin@example.com");
    assert_eq!(user["role_type"], 4);
    assert!(user["custom_role_id"].is_u64());
    let key_list = keys(user);
    let verified = key_list.iter().position(|k| *k == "verified").unwrap();
    assert_eq!(key_list[verified + 1], "authenticity_token");
    // OAuth works too.
    let bearer = client()
        .get(fake.url("/api/v2/users/me.json"))
        .bearer_auth("fake-oauth-token");
    assert_eq!(
        fake.send_request(bearer, None).await.body["user"]["id"],
        user["id"]
    );
    // Wrong or missing credentials: 200 anonymous on /users/me, 401 elsewhere.
    let wrong = client()
        .get(fake.url("/api/v2/users/me.json"))
        .basic_auth("admin@example.com/token", Some("nope"));
    let anon = fake.send_request(wrong, None).await;
    assert_eq!(anon.status, 200);
    assert_eq!(anon.body["user"]["name"], "Anonymous user");
    assert_eq!(anon.body["user"]["id"], Value::Null);
    let none = fake
        .send_request(client().get(fake.url("/api/v2/users.json")), None)
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body, json!({"error": "Couldn't authenticate you"}));
    assert_eq!(
        none.header("www-authenticate"),
        Some("Basic realm=\"Web Password\"")
    );
}

#[tokio::test]
async fn unknown_records_and_routes_are_404() {
    let fake = Fake::start().await;
    let answer = fake
        .put(
            "/api/v2/users/9223372036854775807.json",
            json!({"user": {"name": "x"}}),
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.body,
        json!({"error": "RecordNotFound", "description": "Not found"})
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let answer = fake.get("/api/v2/no_such_thing.json").await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.body,
        json!({"error": "InvalidEndpoint", "description": "Not found"})
    );
    let answer = fake.post("/api/v2/users", json!({"nope": {}})).await;
    assert_eq!(answer.status, 400);
    let answer = fake
        .send_request(
            client()
                .post(fake.url("/api/v2/users"))
                .basic_auth("admin@example.com/token", Some("fake-token"))
                .body("{not json"),
            None,
        )
        .await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn bad_input_gets_zendesk_errors_and_never_breaks_the_server() {
    let fake = Fake::start().await;
    let cases: Vec<(&str, &str, Option<Value>, u16)> = vec![
        ("GET", "/api/v2/users.json?page=abc", None, 400),
        (
            "GET",
            "/api/v2/users.json?page=18446744073709551615",
            None,
            400,
        ),
        (
            "GET",
            "/api/v2/users.json?page%5Bafter%5D=not-a-cursor",
            None,
            400,
        ),
        (
            "GET",
            "/api/v2/incremental/users/cursor.json?cursor=%%%",
            None,
            400,
        ),
        ("GET", "/api/v2/incremental/users/cursor.json", None, 400),
        (
            "PUT",
            "/api/v2/users/abc.json",
            Some(json!({"user": {}})),
            404,
        ),
        (
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": "text"})),
            400,
        ),
        (
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": ["x"]}})),
            422,
        ),
        (
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": "x", "role": "wizard"}})),
            422,
        ),
        (
            "POST",
            "/api/v2/users/create_many.json",
            Some(json!({"users": [1, 2]})),
            400,
        ),
        ("DELETE", "/api/v2/users/destroy_many.json", None, 400),
        ("GET", "/api/v2/job_statuses/V3-nope.json", None, 404),
    ];
    for (method, path, body, status) in cases {
        let answer = fake.send(method, path, body).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        assert!(
            answer.body.get("error").is_some(),
            "{method} {path}: {}",
            answer.text
        );
    }
    assert_eq!(fake.get("/api/v2/users/me.json").await.status, 200);
}
