//! Gaps that a real third-party client found (`tests/clients/zenpy_probe.py`), each pinned
//! by the requests that client sends.

use serde_json::json;

use super::Fake;

/// zenpy's `user.custom_role` of an admin fetches the system role the admin carries
/// (`zenpy__custom-role-show-2023.json`): 200, "Admin", `role_type` 4, held by the admins.
#[tokio::test]
async fn admins_system_role_is_shown() {
    let fake = Fake::start().await;
    let me = fake.get("/api/v2/users/me.json").await;
    let role_id = me.body["user"]["custom_role_id"]
        .as_u64()
        .expect("an admin carries a system role");
    let shown = fake
        .get(&format!("/api/v2/custom_roles/{role_id}.json"))
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let role = &shown.body["custom_role"];
    assert_eq!(role["id"], role_id);
    assert_eq!(role["name"], "Admin");
    assert_eq!(role["role_type"], 4);
    assert_eq!(role["team_member_count"], 1);
    assert_eq!(role["configuration"]["manage_roles"], "all");
    assert_eq!(role["configuration"]["ticket_access"], "all");
    let mut keys: Vec<&str> = role
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "configuration",
            "created_at",
            "description",
            "id",
            "name",
            "role_type",
            "team_member_count",
            "updated_at"
        ]
    );
    // Shown, but neither listed nor writable like a custom role.
    let listed = fake.get("/api/v2/custom_roles.json").await;
    assert!(
        listed.body["custom_roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != role_id)
    );
    let deleted = fake
        .delete(&format!("/api/v2/custom_roles/{role_id}.json"))
        .await;
    assert_eq!(deleted.status, 404);
}

/// zenpy's `users.identities.verify` sends `PUT …/identities/{id}/verify` with an empty
/// body (API.md §0 and §1.12): the identity comes back verified.
#[tokio::test]
async fn identity_verify() {
    let fake = Fake::start().await;
    let carol = 360_000_001_003_u64;
    let created = fake
        .post(
            &format!("/api/v2/users/{carol}/identities.json"),
            json!({"identity": {"type": "email", "value": "carol.two@example.org"}}),
        )
        .await;
    let iid = created.body["identity"]["id"].as_u64().unwrap();
    assert_eq!(created.body["identity"]["verified"], false);
    let verified = fake
        .put(
            &format!("/api/v2/users/{carol}/identities/{iid}/verify.json"),
            json!({}),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(verified.body["identity"]["id"], iid);
    assert_eq!(verified.body["identity"]["verified"], true);
    let shown = fake
        .get(&format!("/api/v2/users/{carol}/identities/{iid}.json"))
        .await;
    assert_eq!(shown.body["identity"]["verified"], true);
    let missing = fake
        .put(
            &format!("/api/v2/users/{carol}/identities/1/verify.json"),
            json!({}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

/// node-zendesk's `groupmemberships.showByUser`, `organizationmemberships.showByUser` and
/// `organizationmemberships.deleteByUser` name the membership under its user
/// (`/users/{user_id}/…_memberships/{id}`, Zendesk's "Show Membership" and "Delete
/// Membership"); another user's membership is not found there.
#[tokio::test]
async fn memberships_under_their_user() {
    const JANE: u64 = 360_000_001_001;
    const BOB: u64 = 360_000_001_002;
    const BILLING_MEMBERSHIP: u64 = 360_000_002_001;
    const PARTNERS_MEMBERSHIP: u64 = 360_000_003_000;
    let fake = Fake::start().await;

    let shown = fake
        .get(&format!(
            "/api/v2/users/{JANE}/group_memberships/{BILLING_MEMBERSHIP}.json"
        ))
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["group_membership"]["id"], BILLING_MEMBERSHIP);
    let others = fake
        .get(&format!(
            "/api/v2/users/{BOB}/group_memberships/{BILLING_MEMBERSHIP}.json"
        ))
        .await;
    assert_eq!(others.status, 404);
    assert_eq!(others.body["error"], "RecordNotFound");

    let path = format!("/api/v2/users/{JANE}/organization_memberships/{PARTNERS_MEMBERSHIP}.json");
    let shown = fake.get(&path).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["organization_membership"]["user_id"], JANE);
    let others = fake
        .delete(&format!(
            "/api/v2/users/{BOB}/organization_memberships/{PARTNERS_MEMBERSHIP}.json"
        ))
        .await;
    assert_eq!(others.status, 404);
    let deleted = fake.delete(&path).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(deleted.text, "");
    let gone = fake
        .get(&format!(
            "/api/v2/organization_memberships/{PARTNERS_MEMBERSHIP}.json"
        ))
        .await;
    assert_eq!(gone.status, 404);
}
