//! Identities, organizations and their memberships, groups and their memberships, custom
//! roles and the incremental user export.

use serde_json::{Value, json};
use zroster::fake::{Knobs, Plan, StateFile};

use super::{Fake, fast_knobs, fixture};

const JANE: u64 = 360_000_001_001;
const BOB: u64 = 360_000_001_002;
const CAROL: u64 = 360_000_001_003;
const ACME: u64 = 360_000_000_100;
const PARTNERS: u64 = 360_000_000_101;
const SUPPORT: u64 = 360_000_000_200;
const BILLING: u64 = 360_000_000_201;

#[tokio::test]
async fn identities_create_update_delete() {
    let fake = Fake::start().await;
    let created = fake
        .post(
            &format!("/api/v2/users/{CAROL}/identities.json"),
            json!({"identity": {"type": "email", "value": "c2@example.org"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let identity = &created.body["identity"];
    let keys: Vec<&str> = identity
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "url",
            "id",
            "user_id",
            "type",
            "value",
            "verified",
            "primary",
            "created_at",
            "updated_at",
            "undeliverable_count",
            "deliverable_state"
        ]
    );
    let iid = identity["id"].as_u64().unwrap();
    let dup = fake
        .post(
            &format!("/api/v2/users/{CAROL}/identities"),
            json!({"identity": {"type": "email", "value": "JANE@acme.com"}}),
        )
        .await;
    assert_eq!(dup.status, 422);
    let updated = fake
        .put(
            &format!("/api/v2/users/{CAROL}/identities/{iid}"),
            json!({"identity": {"verified": true}}),
        )
        .await;
    assert_eq!(updated.body["identity"]["verified"], true);
    assert_eq!(
        fake.delete(&format!("/api/v2/users/{CAROL}/identities/{iid}.json"))
            .await
            .status,
        204
    );
    assert_eq!(
        fake.get(&format!("/api/v2/users/{CAROL}/identities/{iid}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn organizations_crud_search_and_orderings() {
    let fake = Fake::start().await;
    let created = fake
        .post(
            "/api/v2/organizations.json",
            json!({"organization": {"name": "zeta"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let org = &created.body["organization"];
    let keys: Vec<&str> = org
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "url",
            "id",
            "name",
            "shared_tickets",
            "shared_comments",
            "external_id",
            "created_at",
            "updated_at",
            "domain_names",
            "details",
            "notes",
            "group_id",
            "tags",
            "organization_fields"
        ]
    );
    let id = org["id"].as_u64().unwrap();
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(&format!("/api/v2/organizations/{id}.json"))
    );
    let dup = fake
        .post(
            "/api/v2/organizations",
            json!({"organization": {"name": " ACME "}}),
        )
        .await;
    assert_eq!(dup.status, 422);
    // Cursor by id, offset by name case-insensitively.
    let cursor = fake.get("/api/v2/organizations.json?page[size]=10").await;
    let ids: Vec<u64> = cursor.body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [ACME, PARTNERS, id]);
    let offset = fake.get("/api/v2/organizations.json").await;
    let names: Vec<&str> = offset.body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme", "partners", "zeta"]);
    let many = fake
        .get(&format!(
            "/api/v2/organizations/show_many.json?ids={id},{ACME}"
        ))
        .await;
    assert_eq!(many.body["organizations"][0]["name"], "Acme");
    assert_eq!(
        fake.get("/api/v2/organizations/search.json?name=acme")
            .await
            .body["count"],
        1
    );
    assert_eq!(
        fake.get("/api/v2/organizations/search.json?external_id=ORG-ACME")
            .await
            .body["count"],
        1
    );
    let updated = fake
        .put(
            &format!("/api/v2/organizations/{id}.json"),
            json!({"organization": {"notes": "n"}}),
        )
        .await;
    assert_eq!(updated.body["organization"]["notes"], "n");
    assert!(updated.header("location").is_none());
    let deleted = fake
        .delete(&format!("/api/v2/organizations/{id}.json"))
        .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.header("content-type").is_none());
    assert_eq!(
        fake.get(&format!("/api/v2/organizations/{id}.json"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn organization_bulk_jobs_with_partial_failure() {
    let fake = Fake::start().await;
    let job = fake
        .post(
            "/api/v2/organizations/create_many",
            json!({"organizations": [{"name": "o1"}, {"name": "o2"}]}),
        )
        .await;
    assert_eq!(
        job.body["job_status"]["job_type"],
        "Bulk Create Organization"
    );
    let done = fake.wait_job(&job.body).await;
    let result = &done["results"][0];
    assert_eq!(
        result.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["status", "id"]
    );
    let (o1, o2) = (
        done["results"][0]["id"].as_u64().unwrap(),
        done["results"][1]["id"].as_u64().unwrap(),
    );
    let job = fake
        .put(
            "/api/v2/organizations/update_many.json",
            json!({"organizations": [{"id": o1, "name": "same"}, {"id": o2, "name": "same"}]}),
        )
        .await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["results"][0],
        json!({"action": "update", "id": o1, "status": "Updated", "success": true})
    );
    assert_eq!(
        done["results"][1],
        json!({"index": 1, "error": "OrganizationUpdateFailed", "id": o2, "details": "Name:  same has already been taken"})
    );
    let job = fake
        .delete(&format!(
            "/api/v2/organizations/destroy_many.json?ids={o1},{o2}"
        ))
        .await;
    assert_eq!(
        job.body["job_status"]["job_type"],
        "Bulk Delete Organization"
    );
    let done = fake.wait_job(&job.body).await;
    assert_eq!(
        done["results"][0],
        json!({"action": "delete", "id": o1, "status": "Deleted", "success": true})
    );
    assert_eq!(
        fake.get(&format!("/api/v2/organizations/{o2}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn organization_memberships_keep_the_default_consistent() {
    let fake = Fake::start().await;
    let list = fake
        .get(&format!(
            "/api/v2/users/{JANE}/organization_memberships.json"
        ))
        .await;
    let memberships = list.body["organization_memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 2);
    let defaults: Vec<&Value> = memberships.iter().map(|m| &m["default"]).collect();
    assert!(defaults.contains(&&json!(true)) && defaults.contains(&&Value::Null));
    let created = fake
        .post(
            "/api/v2/organization_memberships.json",
            json!({"organization_membership": {"user_id": CAROL, "organization_id": ACME}}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["organization_membership"]["default"], true);
    assert_eq!(
        fake.get(&format!("/api/v2/users/{CAROL}")).await.body["user"]["organization_id"],
        ACME
    );
    let again = fake
        .post(
            "/api/v2/organization_memberships",
            json!({"organization_membership": {"user_id": CAROL, "organization_id": ACME}}),
        )
        .await;
    assert_eq!(again.status, 422);
    let partners = fake
        .post(
            &format!("/api/v2/users/{CAROL}/organization_memberships"),
            json!({"organization_membership": {"organization_id": PARTNERS}}),
        )
        .await;
    let mid = partners.body["organization_membership"]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        partners.body["organization_membership"]["default"],
        Value::Null
    );
    let made = fake
        .put(
            &format!("/api/v2/users/{CAROL}/organization_memberships/{mid}/make_default.json"),
            json!({}),
        )
        .await;
    assert_eq!(
        made.body["organization_memberships"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        fake.get(&format!("/api/v2/users/{CAROL}")).await.body["user"]["organization_id"],
        PARTNERS
    );
    let by_org = fake
        .put(
            &format!("/api/v2/users/{CAROL}/organizations/{ACME}/make_default.json"),
            json!({}),
        )
        .await;
    assert_eq!(by_org.body["organization_membership"]["default"], true);
    assert_eq!(
        fake.delete(&format!("/api/v2/organization_memberships/{mid}.json"))
            .await
            .status,
        204
    );
    assert_eq!(
        fake.get(&format!(
            "/api/v2/organizations/{PARTNERS}/organization_memberships.json"
        ))
        .await
        .body["organization_memberships"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let job = fake
        .post(
            "/api/v2/organization_memberships/create_many.json",
            json!({"organization_memberships": [{"user_id": BOB, "organization_id": ACME}]}),
        )
        .await;
    let done = fake.wait_job(&job.body).await;
    let new_id = done["results"][0]["id"].as_u64().unwrap();
    let job = fake
        .delete(&format!(
            "/api/v2/organization_memberships/destroy_many.json?ids={new_id}"
        ))
        .await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["results"][0]["status"], "Deleted");
    assert_eq!(
        fake.get("/api/v2/organization_memberships.json").await.body["count"],
        3
    );
}

#[tokio::test]
async fn groups_are_ordered_by_name_and_put_has_a_location() {
    let fake = Fake::start().await;
    let created = fake
        .post(
            "/api/v2/groups.json",
            json!({"group": {"name": "Aardvarks"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let group = &created.body["group"];
    let keys: Vec<&str> = group
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "url",
            "id",
            "is_public",
            "name",
            "description",
            "default",
            "deleted",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(group["description"], "");
    let id = group["id"].as_u64().unwrap();
    let list = fake.get("/api/v2/groups.json").await;
    let names: Vec<&str> = list.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Aardvarks", "Billing", "Support"]);
    let page = fake.get("/api/v2/groups.json?page[size]=1").await;
    let next = page.body["links"]["next"]
        .as_str()
        .unwrap()
        .trim_start_matches(fake.handle.base_url())
        .to_owned();
    assert_eq!(fake.get(&next).await.body["groups"][0]["name"], "Billing");
    let updated = fake
        .put(
            &format!("/api/v2/groups/{id}.json"),
            json!({"group": {"id": id, "name": "Zebras"}}),
        )
        .await;
    assert_eq!(updated.status, 200);
    assert!(updated.header("location").is_some());
    assert_eq!(
        fake.delete(&format!("/api/v2/groups/{id}.json"))
            .await
            .status,
        204
    );
    assert_eq!(
        fake.delete(&format!("/api/v2/groups/{id}.json"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn group_memberships_are_for_agents_only() {
    let fake = Fake::start().await;
    let list = fake
        .get(&format!("/api/v2/groups/{SUPPORT}/memberships.json"))
        .await;
    // The two agents and the admin: every agent belongs to a group.
    assert_eq!(list.body["group_memberships"].as_array().unwrap().len(), 3);
    let refused = fake
        .post(
            "/api/v2/group_memberships.json",
            json!({"group_membership": {"user_id": CAROL, "group_id": SUPPORT}}),
        )
        .await;
    assert_eq!(refused.status, 422);
    let created = fake
        .post(
            &format!("/api/v2/users/{BOB}/group_memberships.json"),
            json!({"group_membership": {"group_id": BILLING}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let mid = created.body["group_membership"]["id"].as_u64().unwrap();
    assert_eq!(created.body["group_membership"]["default"], false);
    let made = fake
        .put(
            &format!("/api/v2/users/{BOB}/group_memberships/{mid}/make_default"),
            json!({}),
        )
        .await;
    assert_eq!(made.body["group_memberships"].as_array().unwrap().len(), 2);
    assert_eq!(
        fake.get(&format!("/api/v2/users/{BOB}")).await.body["user"]["default_group_id"],
        BILLING
    );
    assert_eq!(
        fake.delete(&format!("/api/v2/group_memberships/{mid}.json"))
            .await
            .status,
        204
    );
    assert_eq!(
        fake.get(&format!("/api/v2/users/{BOB}")).await.body["user"]["default_group_id"],
        SUPPORT
    );
    let job = fake
        .post("/api/v2/group_memberships/create_many", json!({"group_memberships": [{"user_id": BOB, "group_id": BILLING}, {"user_id": CAROL, "group_id": BILLING}]}))
        .await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["results"][0]["status"], "Created");
    assert_eq!(done["results"][1]["error"], "GroupMembershipCreateFailed");
    let new_id = done["results"][0]["id"].as_u64().unwrap();
    let job = fake
        .delete(&format!(
            "/api/v2/group_memberships/destroy_many?ids={new_id}"
        ))
        .await;
    assert_eq!(
        fake.wait_job(&job.body).await["results"][0]["status"],
        "Deleted"
    );
    let page = fake
        .get("/api/v2/group_memberships.json?page[size]=100")
        .await;
    assert_eq!(page.body["meta"]["has_more"], false);
    assert!(page.body["links"]["next"].is_string());
}

#[tokio::test]
async fn custom_roles_need_enterprise() {
    let fake = Fake::start().await;
    let list = fake.get("/api/v2/custom_roles.json").await;
    // Listed by name, beside the predefined roles of an Enterprise account.
    let tier1 = list.body["custom_roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Tier 1")
        .unwrap();
    assert_eq!(tier1["team_member_count"], 1);
    let created = fake
        .post(
            "/api/v2/custom_roles.json",
            json!({"custom_role": {"name": "Tier 2", "configuration": {"ticket_access": "all"}}}),
        )
        .await;
    assert_eq!(created.status, 200);
    let id = created.body["custom_role"]["id"].as_u64().unwrap();
    assert_eq!(created.body["custom_role"]["role_type"], 0);
    let updated = fake
        .put(
            &format!("/api/v2/custom_roles/{id}.json"),
            json!({"custom_role": {"description": "d"}}),
        )
        .await;
    assert_eq!(updated.body["custom_role"]["description"], "d");
    assert_eq!(
        fake.get(&format!("/api/v2/custom_roles/{id}")).await.status,
        200
    );
    assert_eq!(
        fake.delete(&format!("/api/v2/custom_roles/{id}.json"))
            .await
            .status,
        204
    );
    assert_eq!(
        fake.delete("/api/v2/custom_roles/360000000001.json")
            .await
            .status,
        422
    );

    let seed = StateFile::load(&fixture("state.json")).unwrap();
    let pro = Fake::with(
        Knobs {
            plan: Plan::Professional,
            ..fast_knobs()
        },
        seed,
    )
    .await;
    assert_eq!(pro.get("/api/v2/custom_roles.json").await.status, 403);
    let refused = pro
        .post(
            "/api/v2/custom_roles.json",
            json!({"custom_role": {"name": "x"}}),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"], "Forbidden");
}

#[tokio::test]
async fn incremental_export_walks_with_a_cursor_and_includes_deleted_users() {
    let fake = Fake::start().await;
    let recent = fake
        .get(&format!(
            "/api/v2/incremental/users/cursor.json?start_time={}",
            chrono::Utc::now().timestamp()
        ))
        .await;
    assert_eq!(recent.status, 400);
    let mut path = "/api/v2/incremental/users/cursor.json?start_time=0&per_page=2".to_owned();
    let mut seen = Vec::new();
    loop {
        let page = fake.get(&path).await;
        assert_eq!(page.status, 200);
        let body = &page.body;
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "users",
                "after_url",
                "before_url",
                "after_cursor",
                "before_cursor",
                "end_of_stream"
            ]
        );
        seen.extend(body["users"].as_array().unwrap().iter().cloned());
        if body["end_of_stream"] == true {
            break;
        }
        path = body["after_url"]
            .as_str()
            .unwrap()
            .trim_start_matches(fake.handle.base_url())
            .to_owned();
    }
    assert_eq!(seen.len(), 5);
    let deleted: Vec<&Value> = seen.iter().filter(|u| u["active"] == false).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["permanently_deleted"], false);
    assert!(
        seen.iter()
            .filter(|u| u["active"] == true)
            .all(|u| u.get("permanently_deleted").is_none())
    );
}

#[tokio::test]
async fn time_based_incremental_export_never_splits_a_second() {
    let seed = json!({"users": [
        {"name": "a", "updated_at": "2024-01-01T00:00:00Z"},
        {"name": "b", "updated_at": "2024-01-01T00:00:05Z"},
        {"name": "c", "updated_at": "2024-01-01T00:00:05Z"},
        {"name": "d", "updated_at": "2024-01-01T00:00:09Z"}
    ]});
    let fake = Fake::with(fast_knobs(), serde_json::from_value(seed).unwrap()).await;
    let first = fake
        .get("/api/v2/incremental/users.json?start_time=0&per_page=1")
        .await;
    assert_eq!(first.body["count"], 1);
    assert_eq!(first.body["end_time"], 1_704_067_201_i64);
    assert_eq!(first.body["end_of_stream"], false);
    let next = first.body["next_page"]
        .as_str()
        .unwrap()
        .trim_start_matches(fake.handle.base_url())
        .to_owned();
    assert!(next.ends_with("per_page=1&start_time=1704067201"), "{next}");
    let second = fake.get(&next).await;
    let names: Vec<&str> = second.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["b", "c"],
        "both users of one second come together although per_page is 1"
    );
    assert_eq!(second.body["end_time"], 1_704_067_206_i64);
}

#[tokio::test]
async fn groups_and_custom_roles_need_a_name_that_is_not_blank() {
    let fake = Fake::start().await;
    let blank = fake
        .post("/api/v2/groups", json!({"group": {"name": "  "}}))
        .await;
    assert_eq!(blank.status, 422);
    assert_eq!(blank.body["details"]["name"][0]["error"], "BlankValue");
    let missing = fake
        .post(
            "/api/v2/custom_roles",
            json!({"custom_role": {"role_type": 0}}),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body["details"]["name"][0]["description"],
        "Name: cannot be blank"
    );
    // An update may leave the name out; the name it gives is trimmed.
    let kept = fake
        .put(
            &format!("/api/v2/groups/{SUPPORT}"),
            json!({"group": {"description": "Front line"}}),
        )
        .await;
    assert_eq!(kept.status, 200);
    assert_eq!(kept.body["group"]["name"], "Support");
    let trimmed = fake
        .put(
            &format!("/api/v2/groups/{SUPPORT}"),
            json!({"group": {"name": " Front "}}),
        )
        .await;
    assert_eq!(trimmed.body["group"]["name"], "Front");
}
