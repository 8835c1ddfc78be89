//! The emulator's audit log over HTTP: what API writes and staged web-UI changes record,
//! Zendesk's filters, order and pages, and the answer below Enterprise.

use serde_json::{Value, json};
use zroster::fake::{Knobs, Plan, StateFile};

use super::{Fake, fast_knobs, fixture};

const JANE: u64 = 360_000_001_001;
const BOB: u64 = 360_000_001_002;

/// Stages a web-UI change by `actor` (answered with the API write's status).
async fn ui_change(fake: &Fake, actor: &str, method: &str, path: &str, body: Value) -> u16 {
    let answer = fake
        .send_request(
            fake.client.post(fake.url("/__fake/ui_change")),
            Some(json!({"actor": actor, "method": method, "path": path, "body": body, "ip_address": "203.0.113.7"})),
        )
        .await;
    answer.status
}

fn descriptions(body: &Value) -> Vec<String> {
    body["audit_logs"]
        .as_array()
        .expect("audit_logs")
        .iter()
        .map(|e| {
            format!(
                "{} {} {}: {}",
                e["actor_name"].as_str().unwrap_or_default(),
                e["source_id"],
                e["action"].as_str().unwrap_or_default(),
                e["change_description"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// An API write is the configured admin's; a staged web change is the named admin's, from
/// its IP address, and only the control listing says it came through the web.
#[tokio::test]
async fn api_writes_and_web_changes_are_logged_as_their_actors() {
    let fake = Fake::start().await;
    let put = fake
        .put(
            &format!("/api/v2/users/{JANE}.json"),
            json!({"user": {"role": "admin"}}),
        )
        .await;
    assert_eq!(put.status, 200);
    let status = ui_change(
        &fake,
        "admin@example.com",
        "PUT",
        &format!("/api/v2/users/{BOB}"),
        json!({"user": {"suspended": true}}),
    )
    .await;
    assert_eq!(status, 200);
    let listed = fake.get("/api/v2/audit_logs.json?page[size]=100").await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        descriptions(&listed.body),
        [
            format!("Ada Admin {BOB} update: Suspended changed from No to Yes"),
            // Newest first: entries of one second by id, the latest first.
            format!("Ada Admin {JANE} update: Moderator changed from No to Yes"),
            format!("Ada Admin {JANE} update: Role changed from Tier 1 to Administrator"),
        ]
    );
    let newest = &listed.body["audit_logs"][0];
    assert_eq!(newest["ip_address"], "203.0.113.7");
    assert_eq!(newest["source_type"], "user");
    assert_eq!(newest["source_label"], "Bob Agent");
    assert!(
        newest.get("via").is_none(),
        "no such field in Zendesk's shape"
    );
    let control = fake
        .send_request(fake.client.get(fake.url("/__fake/audit_logs")), None)
        .await;
    let via: Vec<&str> = control.body["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["via"].as_str().unwrap())
        .collect();
    assert_eq!(via, ["api", "api", "web"]);
    assert_eq!(listed.body["audit_logs"][2]["ip_address"], "127.0.0.1");
    // The staged change was not an API request.
    let counts = fake.handle.requests();
    assert_eq!(counts.total, 2);
}

/// A web change goes through the API's checks; bulk endpoints and unknown actors are refused.
#[tokio::test]
async fn web_changes_are_checked_like_api_writes() {
    let fake = Fake::start().await;
    let refused = ui_change(
        &fake,
        "admin@example.com",
        "PUT",
        &format!("/api/v2/users/{JANE}"),
        json!({"user": {"role": "boss"}}),
    )
    .await;
    assert_eq!(refused, 422);
    let bulk = ui_change(
        &fake,
        "admin@example.com",
        "PUT",
        "/api/v2/users/update_many",
        json!({"users": []}),
    )
    .await;
    assert_eq!(bulk, 400);
    let nobody = ui_change(
        &fake,
        "carol@example.org",
        "PUT",
        &format!("/api/v2/users/{JANE}"),
        json!({"user": {"notes": "x"}}),
    )
    .await;
    assert_eq!(nobody, 400, "an end-user has no web interface to admin");
    let listed = fake.get("/api/v2/audit_logs.json").await;
    assert_eq!(listed.body["audit_logs"], json!([]));
    assert_eq!(listed.body["count"], 0);
}

/// The filters, both orders and cursor pages; `filter[source_id]` needs a source type and
/// `filter[created_at]` two times.
#[tokio::test]
async fn filters_order_and_pages() {
    let fake = Fake::start().await;
    for (at, notes) in [
        ("2024-01-01T00:00:00Z", "one"),
        ("2024-02-01T00:00:00Z", "two"),
        ("2024-03-01T00:00:00Z", "three"),
    ] {
        let answer = fake
            .send_request(
                fake.client.post(fake.url("/__fake/ui_change")),
                Some(json!({"actor": "admin@example.com", "method": "PUT", "path": format!("/api/v2/users/{JANE}"), "body": {"user": {"notes": notes}}, "at": at})),
            )
            .await;
        assert_eq!(answer.status, 200);
    }
    fake.put(
        &format!("/api/v2/users/{BOB}"),
        json!({"user": {"notes": "api"}}),
    )
    .await;
    let page = fake
        .get(&format!(
            "/api/v2/audit_logs?filter[source_type]=user&filter[source_id]={JANE}&filter[created_at]=2024-01-15T00:00:00Z&filter[created_at]=2024-12-31T00:00:00Z&page[size]=1"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        descriptions(&page.body),
        [format!(
            "Ada Admin {JANE} update: Notes changed from two to three"
        )]
    );
    assert_eq!(page.body["meta"]["has_more"], true);
    let next = page.body["links"]["next"].as_str().unwrap();
    let path = next.strip_prefix(fake.handle.base_url()).unwrap();
    let second = fake.get(path).await;
    assert_eq!(
        descriptions(&second.body),
        [format!(
            "Ada Admin {JANE} update: Notes changed from one to two"
        )]
    );
    assert_eq!(second.body["meta"]["has_more"], false);
    let oldest_first = fake
        .get("/api/v2/audit_logs?sort_by=created_at&sort_order=asc&filter[action]=update")
        .await;
    assert_eq!(oldest_first.body["count"], 4);
    assert_eq!(
        oldest_first.body["audit_logs"][0]["change_description"],
        "Notes changed from (empty) to one"
    );
    let by_actor = fake
        .get("/api/v2/audit_logs?filter[ip_address]=127.0.0.1")
        .await;
    assert_eq!(by_actor.body["count"], 1);
    for bad in [
        format!("/api/v2/audit_logs?filter[source_id]={JANE}"),
        "/api/v2/audit_logs?filter[created_at]=2024-01-01T00:00:00Z".to_owned(),
        "/api/v2/audit_logs?page[size]=10&sort=id".to_owned(),
    ] {
        assert_eq!(fake.get(&bad).await.status, 400, "{bad}");
    }
    let one = oldest_first.body["audit_logs"][0]["id"].as_u64().unwrap();
    let shown = fake.get(&format!("/api/v2/audit_logs/{one}.json")).await;
    assert_eq!(shown.body["audit_log"]["id"], one);
}

/// Below Enterprise the audit log cannot be read (the account still keeps it).
#[tokio::test]
async fn below_enterprise_the_audit_log_is_forbidden() {
    let fake = Fake::with(
        Knobs {
            plan: Plan::Professional,
            ..fast_knobs()
        },
        StateFile::load(&fixture("state.json")).expect("fixture"),
    )
    .await;
    let answer = fake.get("/api/v2/audit_logs.json").await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error"], "Forbidden");
}
