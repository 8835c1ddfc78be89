//! Account realism (API.md §12): profiles and their knobs, the default group, Enterprise
//! roles, user tagging, user fields, one organization a user, bulk imports, the lagging
//! search index and its clock, `/account/settings`, and the endpoints that came with them.

use std::slice;

use serde_json::{Value, json};
use zroster::fake::{AccountSettings, DEFAULT_SEARCH_LAG_S, Knobs, Plan, StateFile};

use super::command::{spawn, terminate};
use super::{Answer, Fake, client, fast_knobs};

const PLANS: [Plan; 4] = [
    Plan::Team,
    Plan::Growth,
    Plan::Professional,
    Plan::Enterprise,
];

/// The knobs of a fresh account of `plan`, with jobs that finish at once.
fn profile(plan: Plan) -> Knobs {
    Knobs {
        job_items_per_second: 2000.0,
        ..Knobs::for_profile(plan)
    }
}

/// A fresh account of `plan` holding only the admin.
async fn account(plan: Plan) -> Fake {
    Fake::with(profile(plan), StateFile::default()).await
}

/// A fresh account of `plan` whose search index does not lag.
async fn account_without_lag(plan: Plan) -> Fake {
    Fake::with(
        Knobs {
            search_lag_s: 0.0,
            ..profile(plan)
        },
        StateFile::default(),
    )
    .await
}

#[allow(clippy::needless_pass_by_value)] // keeps the json! call sites short
fn state(value: Value) -> StateFile {
    serde_json::from_value(value).expect("a state file")
}

/// The knobs `zroster fake --state` gives a state file without flags, fast jobs.
fn resolved(seed: &StateFile) -> Knobs {
    Knobs {
        job_items_per_second: 2000.0,
        ..Knobs::resolve(seed.account.as_ref(), &AccountSettings::default())
    }
}

/// An emulator seeded from `seed`, its knobs resolved as the binary resolves them.
async fn seeded(seed: StateFile) -> Fake {
    Fake::with(resolved(&seed), seed).await
}

/// `path?key=value&…`, the values percent-encoded.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x").unwrap().join(path).unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

async fn fake_state(fake: &Fake) -> Value {
    let answer = fake
        .send_request(client().get(fake.url("/__fake/state")), None)
        .await;
    assert_eq!(answer.status, 200);
    answer.body
}

/// Moves the emulator's clock forward through the control endpoint.
async fn advance(fake: &Fake, seconds: f64) {
    let answer = fake
        .send_request(
            client().put(fake.url("/__fake/clock")),
            Some(json!({"advance_s": seconds})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn create_user_answer(fake: &Fake, user: Value) -> Answer {
    fake.post("/api/v2/users.json", json!({ "user": user }))
        .await
}

async fn create_user(fake: &Fake, user: Value) -> Value {
    let answer = create_user_answer(fake, user).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body["user"].clone()
}

async fn user(fake: &Fake, id: &Value) -> Value {
    let answer = fake.get(&format!("/api/v2/users/{id}.json")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["user"].clone()
}

async fn update_user(fake: &Fake, id: &Value, changes: Value) -> Answer {
    fake.put(
        &format!("/api/v2/users/{id}.json"),
        json!({ "user": changes }),
    )
    .await
}

/// The ids of a list answer's `key` items.
fn ids(answer: &Answer, key: &str) -> Vec<Value> {
    answer.body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {}", answer.text))
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["name"].as_str().expect("a name"))
        .collect()
}

async fn default_group(fake: &Fake) -> Value {
    let groups = fake.get("/api/v2/groups.json").await;
    let list = groups.body["groups"].as_array().expect("groups");
    let defaults: Vec<&Value> = list.iter().filter(|g| g["default"] == true).collect();
    assert_eq!(defaults.len(), 1, "one default group: {}", groups.text);
    assert_eq!(defaults[0]["name"], "Support");
    defaults[0]["id"].clone()
}

async fn role_id(fake: &Fake, name: &str) -> Value {
    let roles = fake.get("/api/v2/custom_roles.json").await;
    roles.body["custom_roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name}: {}", roles.text))["id"]
        .clone()
}

async fn groups_of(fake: &Fake, user_id: &Value) -> Vec<Value> {
    let answer = fake
        .get(&format!("/api/v2/users/{user_id}/groups.json"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    ids(&answer, "groups")
}

async fn search_users(fake: &Fake, query: &str) -> Vec<Value> {
    let answer = fake
        .get(&with_query(
            "/api/v2/users/search.json",
            &[("query", query)],
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    ids(&answer, "users")
}

async fn search(fake: &Fake, query: &str) -> Vec<Value> {
    let answer = fake
        .get(&with_query("/api/v2/search.json", &[("query", query)]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    ids(&answer, "results")
}

fn detail_fields(answer: &Answer) -> Vec<&str> {
    answer.body["details"]
        .as_object()
        .unwrap_or_else(|| panic!("no details: {}", answer.text))
        .keys()
        .map(String::as_str)
        .collect()
}

// Profiles and knobs.

#[tokio::test]
async fn each_profile_makes_a_fresh_account_of_its_plan() {
    for plan in PLANS {
        let knobs = Knobs::for_profile(plan);
        assert_eq!(knobs.profile, Some(plan));
        assert_eq!(knobs.plan, plan);
        assert_eq!(knobs.rate_limit, plan.rate_limit());
        assert!(!knobs.bulk_imports && !knobs.user_tagging && !knobs.multiple_organizations);
        assert!((knobs.search_lag_s - DEFAULT_SEARCH_LAG_S).abs() < f64::EPSILON);
        assert!(knobs.search_lag_s > 0.0);

        let fake = account(plan).await;
        let groups = fake.get("/api/v2/groups.json").await;
        assert_eq!(
            groups.header("x-rate-limit"),
            Some(plan.rate_limit().to_string().as_str())
        );
        assert_eq!(names(&groups.body["groups"]), ["Support"], "{plan:?}");
        default_group(&fake).await;
        let roles = fake.get("/api/v2/custom_roles.json").await;
        if plan == Plan::Enterprise {
            assert_eq!(
                names(&roles.body["custom_roles"]),
                ["Advisor", "Light Agent", "Staff", "Team Leader"]
            );
        } else {
            // Below Enterprise the custom roles API is not there.
            assert_eq!(roles.status, 403, "{plan:?}: {}", roles.text);
        }
        let settings = fake.get("/api/v2/account/settings.json").await;
        assert_eq!(settings.body["settings"]["user"]["tagging"], false);
        assert_eq!(
            settings.body["settings"]["user"]["multiple_organizations"],
            false
        );
        let state = fake_state(&fake).await;
        let name = serde_json::to_value(plan).unwrap();
        assert_eq!(state["account"]["profile"], name);
        assert_eq!(state["account"]["plan"], name);
    }
}

#[tokio::test]
async fn the_binary_starts_an_account_of_the_profile_it_is_given() {
    let running = spawn(&["--profile", "team", "--port", "0"]);
    let state = async {
        let response = client()
            .get(format!("{}/__fake/state", running.base_url))
            .send()
            .await
            .expect("state");
        response.json::<Value>().await.expect("json")
    }
    .await;
    assert!(terminate(running).success());
    let account = &state["account"];
    assert_eq!(account["profile"], "team");
    assert_eq!(account["plan"], "team");
    assert_eq!(account["rate_limit"], 200);
    assert_eq!(account["bulk_imports"], false);
    assert_eq!(account["user_tagging"], false);
    assert_eq!(account["multiple_organizations"], false);
    assert_eq!(account["search_lag_s"], DEFAULT_SEARCH_LAG_S);
    let groups = state["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["name"], "Support");
    assert_eq!(groups[0]["default"], true);
    assert_eq!(state["custom_roles"], json!([]));
    // The admin the binary creates is an agent like any other: it joined the default group.
    assert_eq!(state["group_memberships"][0]["group_id"], groups[0]["id"]);
}

#[tokio::test]
async fn the_binarys_flags_override_the_profile_and_the_state_files_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(
        &path,
        json!({"account": {"profile": "growth", "time_zone": "Arizona", "user_tagging": true}})
            .to_string(),
    )
    .unwrap();
    let running = spawn(&[
        "--state",
        path.to_str().unwrap(),
        "--multiple-organizations",
        "on",
        "--search-lag-s",
        "0",
        "--time-zone",
        "Osaka",
    ]);
    let state: Value = client()
        .get(format!("{}/__fake/state", running.base_url))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    assert!(terminate(running).success());
    let account = &state["account"];
    assert_eq!(account["profile"], "growth");
    assert_eq!(account["rate_limit"], 400);
    assert_eq!(account["bulk_imports"], false);
    assert_eq!(account["user_tagging"], true, "the state's key");
    assert_eq!(account["multiple_organizations"], true, "the flag");
    assert_eq!(account["search_lag_s"], 0.0, "the flag");
    assert_eq!(
        account["time_zone"], "Osaka",
        "the flag over the state's key"
    );
    assert_eq!(state["groups"][0]["name"], "Support");
}

#[tokio::test]
async fn a_state_files_account_profile_makes_the_account() {
    for plan in PLANS {
        let name = serde_json::to_value(plan).unwrap();
        let seed = state(json!({"account": {"profile": name}}));
        let knobs = resolved(&seed);
        assert_eq!(
            knobs,
            Knobs {
                job_items_per_second: 2000.0,
                ..Knobs::for_profile(plan)
            }
        );
        let fake = Fake::with(knobs, seed).await;
        default_group(&fake).await;
        let roles = fake.get("/api/v2/custom_roles.json").await;
        if plan == Plan::Enterprise {
            assert_eq!(roles.body["count"], 4);
        } else {
            assert_eq!(roles.status, 403, "{plan:?}");
        }
    }
    // Without a profile a state file describes an Enterprise account.
    let fresh = Knobs::resolve(None, &AccountSettings::default());
    assert_eq!(fresh.profile, Some(Plan::Enterprise));
    let fake = Fake::with(fast_knobs(), StateFile::default()).await;
    // `PUT /__fake/state` with a profile resets the account to that profile's.
    let replaced = fake
        .send_request(
            client().put(fake.url("/__fake/state")),
            Some(json!({"account": {"profile": "professional"}})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["account"]["profile"], "professional");
    assert_eq!(replaced.body["account"]["user_tagging"], false);
    default_group(&fake).await;
}

#[tokio::test]
async fn an_account_key_in_the_state_file_overrides_the_profile() {
    let seed = state(json!({"account": {
        "profile": "team",
        "user_tagging": true,
        "multiple_organizations": true,
        "search_lag_s": 0.0,
        "time_zone": "Osaka",
        "bulk_imports": true,
    }}));
    let knobs = resolved(&seed);
    assert_eq!(knobs.profile, Some(Plan::Team));
    assert_eq!(knobs.rate_limit, 200, "a key not set keeps the profile's");
    assert!(knobs.user_tagging && knobs.multiple_organizations && knobs.bulk_imports);
    assert!(knobs.search_lag_s.abs() < f64::EPSILON);
    assert_eq!(knobs.time_zone, "Osaka");
    // A key in the state wins even over a profile the flags name.
    let flags = AccountSettings {
        profile: Some(Plan::Growth),
        ..AccountSettings::default()
    };
    let knobs = Knobs::resolve(seed.account.as_ref(), &flags);
    assert_eq!(knobs.profile, Some(Plan::Growth));
    assert!(knobs.user_tagging && knobs.multiple_organizations);
    assert_eq!(knobs.time_zone, "Osaka");

    let fake = seeded(seed).await;
    let jane = create_user(
        &fake,
        json!({"name": "Jane", "email": "jane@x.com", "tags": ["vip"]}),
    )
    .await;
    assert_eq!(jane["tags"], json!(["vip"]), "user tagging on");
    assert_eq!(jane["time_zone"], "Osaka");
    assert_eq!(jane["iana_time_zone"], "Asia/Tokyo");
    assert_eq!(
        search_users(&fake, "email:jane@x.com").await,
        [jane["id"].clone()]
    );
    for name in ["A", "B"] {
        let org = fake
            .post(
                "/api/v2/organizations.json",
                json!({"organization": {"name": name}}),
            )
            .await;
        let joined = fake
            .post(
                "/api/v2/organization_memberships.json",
                json!({"organization_membership": {"user_id": jane["id"], "organization_id": org.body["organization"]["id"]}}),
            )
            .await;
        assert_eq!(
            joined.status, 201,
            "multiple organizations on: {}",
            joined.text
        );
    }
    let job = fake
        .post(
            "/api/v2/users/create_many.json",
            json!({"users": [{"name": "Bulk"}]}),
        )
        .await;
    assert_eq!(job.status, 200, "bulk imports on: {}", job.text);
}

// Default group.

#[tokio::test]
async fn a_new_or_promoted_agent_joins_the_default_group() {
    let fake = account(Plan::Professional).await;
    let support = default_group(&fake).await;
    let agent = create_user(&fake, json!({"name": "Agent", "role": "agent"})).await;
    assert_eq!(agent["default_group_id"], support);
    assert_eq!(
        groups_of(&fake, &agent["id"]).await,
        slice::from_ref(&support)
    );

    let billing = fake
        .post("/api/v2/groups.json", json!({"group": {"name": "Billing"}}))
        .await
        .body["group"]["id"]
        .clone();
    let named = create_user(
        &fake,
        json!({"name": "Named", "role": "agent", "default_group_id": billing}),
    )
    .await;
    assert_eq!(named["default_group_id"], billing);
    assert_eq!(
        groups_of(&fake, &named["id"]).await,
        slice::from_ref(&billing)
    );

    let customer = create_user(&fake, json!({"name": "Customer"})).await;
    assert_eq!(customer["default_group_id"], Value::Null);
    let promoted = update_user(&fake, &customer["id"], json!({"role": "agent"})).await;
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    assert_eq!(promoted.body["user"]["default_group_id"], support);
    assert_eq!(
        groups_of(&fake, &customer["id"]).await,
        slice::from_ref(&support)
    );

    let other = create_user(&fake, json!({"name": "Other"})).await;
    let promoted = update_user(
        &fake,
        &other["id"],
        json!({"role": "agent", "default_group_id": billing}),
    )
    .await;
    assert_eq!(promoted.body["user"]["default_group_id"], billing);
    assert_eq!(groups_of(&fake, &other["id"]).await, [billing]);
}

#[tokio::test]
async fn a_state_files_support_group_becomes_the_default_and_groupless_agents_join_it() {
    let fake = seeded(state(json!({
        "account": {"profile": "growth"},
        "groups": [{"id": 500, "name": "Billing"}, {"id": 501, "name": "support"}],
        "users": [
            {"id": 600, "name": "Groupless", "email": "groupless@x.com", "role": "agent"},
            {"id": 601, "name": "Biller", "email": "biller@x.com", "role": "agent", "default_group_id": 500},
            {"id": 602, "name": "Customer", "email": "customer@x.com"},
        ],
    })))
    .await;
    let groups = fake.get("/api/v2/groups.json").await;
    assert_eq!(
        ids(&groups, "groups"),
        [json!(500), json!(501)],
        "no group added"
    );
    let support = groups.body["groups"][1].clone();
    assert_eq!(support["default"], true, "{}", groups.text);
    assert_eq!(groups.body["groups"][0]["default"], false);
    assert_eq!(groups_of(&fake, &json!(600)).await, [json!(501)]);
    assert_eq!(user(&fake, &json!(600)).await["default_group_id"], 501);
    assert_eq!(groups_of(&fake, &json!(601)).await, [json!(500)]);
    assert_eq!(groups_of(&fake, &json!(602)).await, Vec::<Value>::new());
}

#[tokio::test]
async fn an_agents_last_group_membership_cannot_be_removed() {
    let fake = account(Plan::Team).await;
    let agent = create_user(&fake, json!({"name": "Agent", "role": "agent"})).await;
    let memberships = fake
        .get(&format!(
            "/api/v2/users/{}/group_memberships.json",
            agent["id"]
        ))
        .await;
    let only = ids(&memberships, "group_memberships");
    assert_eq!(only.len(), 1);
    let refused = fake
        .delete(&format!("/api/v2/group_memberships/{}.json", only[0]))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(detail_fields(&refused), ["base"]);
    assert_eq!(groups_of(&fake, &agent["id"]).await.len(), 1);

    let billing = fake
        .post("/api/v2/groups.json", json!({"group": {"name": "Billing"}}))
        .await
        .body["group"]["id"]
        .clone();
    let joined = fake
        .post(
            "/api/v2/group_memberships.json",
            json!({"group_membership": {"user_id": agent["id"], "group_id": billing}}),
        )
        .await;
    assert_eq!(joined.status, 201, "{}", joined.text);
    let removed = fake
        .delete(&format!("/api/v2/group_memberships/{}.json", only[0]))
        .await;
    assert_eq!(removed.status, 204, "one of two can go: {}", removed.text);
    assert_eq!(groups_of(&fake, &agent["id"]).await, [billing]);
}

#[tokio::test]
async fn the_default_group_cannot_be_deleted_and_agents_a_deleted_group_leaves_groupless_join_it() {
    let fake = account(Plan::Enterprise).await;
    let support = default_group(&fake).await;
    let refused = fake.delete(&format!("/api/v2/groups/{support}.json")).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(detail_fields(&refused), ["base"]);
    assert_eq!(default_group(&fake).await, support);

    let billing = fake
        .post("/api/v2/groups.json", json!({"group": {"name": "Billing"}}))
        .await
        .body["group"]["id"]
        .clone();
    let biller = create_user(
        &fake,
        json!({"name": "Biller", "role": "agent", "default_group_id": billing}),
    )
    .await;
    assert_eq!(
        groups_of(&fake, &biller["id"]).await,
        slice::from_ref(&billing)
    );
    let deleted = fake.delete(&format!("/api/v2/groups/{billing}.json")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(
        groups_of(&fake, &biller["id"]).await,
        slice::from_ref(&support)
    );
    assert_eq!(
        user(&fake, &biller["id"]).await["default_group_id"],
        support
    );
}

// Enterprise roles.

#[tokio::test]
async fn enterprise_adds_the_predefined_roles_it_lacks() {
    let fake = account(Plan::Enterprise).await;
    let roles = fake.get("/api/v2/custom_roles.json").await;
    let list = roles.body["custom_roles"].as_array().unwrap();
    let types: Vec<(&str, &Value)> = list
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), &r["role_type"]))
        .collect();
    assert_eq!(
        types,
        [
            ("Advisor", &json!(0)),
            ("Light Agent", &json!(1)),
            ("Staff", &json!(0)),
            ("Team Leader", &json!(0)),
        ]
    );

    let fake = seeded(state(json!({
        "account": {"profile": "enterprise"},
        "custom_roles": [
            {"id": 700, "name": "Staff", "description": "Ours"},
            {"id": 701, "name": "Tier 2"},
        ],
    })))
    .await;
    let roles = fake.get("/api/v2/custom_roles.json").await;
    assert_eq!(
        names(&roles.body["custom_roles"]),
        ["Advisor", "Light Agent", "Staff", "Team Leader", "Tier 2"]
    );
    assert_eq!(
        role_id(&fake, "Staff").await,
        700,
        "the state's own Staff stays"
    );
}

#[tokio::test]
async fn an_enterprise_agent_without_a_role_gets_staff_and_cannot_lose_it() {
    let fake = account(Plan::Enterprise).await;
    let staff = role_id(&fake, "Staff").await;
    let leader = role_id(&fake, "Team Leader").await;
    let agent = create_user(&fake, json!({"name": "Agent", "role": "agent"})).await;
    assert_eq!(agent["custom_role_id"], staff);
    assert_eq!(agent["role_type"], 0);
    let chosen = create_user(
        &fake,
        json!({"name": "Lead", "role": "agent", "custom_role_id": leader}),
    )
    .await;
    assert_eq!(chosen["custom_role_id"], leader);

    let customer = create_user(&fake, json!({"name": "Customer"})).await;
    assert_eq!(customer["custom_role_id"], Value::Null);
    let promoted = update_user(&fake, &customer["id"], json!({"role": "agent"})).await;
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    assert_eq!(promoted.body["user"]["custom_role_id"], staff);

    let refused = update_user(&fake, &agent["id"], json!({"custom_role_id": null})).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(detail_fields(&refused), ["custom_role_id"]);
    assert_eq!(user(&fake, &agent["id"]).await["custom_role_id"], staff);
    let refused = create_user_answer(
        &fake,
        json!({"name": "Nobody", "role": "agent", "custom_role_id": null}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
}

#[tokio::test]
async fn below_enterprise_custom_roles_are_refused() {
    for plan in [Plan::Team, Plan::Growth, Plan::Professional] {
        // A role the account holds (a state file's, as a downgraded account keeps them).
        let seed = state(json!({"custom_roles": [{"id": 900, "name": "Tier 1"}]}));
        let fake = Fake::with(profile(plan), seed).await;
        // Neither listed nor shown: the custom roles API is Enterprise's.
        assert_eq!(fake.get("/api/v2/custom_roles.json").await.status, 403);
        assert_eq!(fake.get("/api/v2/custom_roles/900.json").await.status, 403);
        // The admins' system role is shown on any plan (zenpy's `user.custom_role`).
        let me = fake.get("/api/v2/users/me.json").await;
        let system = me.body["user"]["custom_role_id"].as_u64().unwrap();
        let shown = fake
            .get(&format!("/api/v2/custom_roles/{system}.json"))
            .await;
        assert_eq!(shown.status, 200, "{plan:?}: {}", shown.text);
        let agent = create_user(&fake, json!({"name": "Agent", "role": "agent"})).await;
        assert_eq!(agent["custom_role_id"], Value::Null, "{plan:?}");
        let refused = create_user_answer(
            &fake,
            json!({"name": "Lead", "role": "agent", "custom_role_id": 900}),
        )
        .await;
        assert_eq!(refused.status, 422, "{plan:?}: {}", refused.text);
        assert_eq!(detail_fields(&refused), ["custom_role_id"]);
        let refused = update_user(&fake, &agent["id"], json!({"custom_role_id": 900})).await;
        assert_eq!(refused.status, 422, "{plan:?}: {}", refused.text);
        let forbidden = fake
            .post(
                "/api/v2/custom_roles.json",
                json!({"custom_role": {"name": "Tier 2"}}),
            )
            .await;
        assert_eq!(forbidden.status, 403, "{plan:?}: {}", forbidden.text);
        assert_eq!(forbidden.body["error"], "Forbidden");
    }
}

// User tagging.

#[tokio::test]
async fn user_tagging_off_hides_tags_ignores_writes_and_on_shows_the_kept_ones() {
    let fake = Fake::with(
        Knobs {
            search_lag_s: 0.0,
            ..profile(Plan::Team)
        },
        state(json!({"users": [{"id": 800, "name": "Tagged", "email": "tagged@x.com", "tags": ["vip"]}]})),
    )
    .await;
    let tagged = user(&fake, &json!(800)).await;
    assert!(tagged.get("tags").is_none(), "{tagged}");
    let created = create_user(&fake, json!({"name": "New", "tags": ["fresh"]})).await;
    assert!(created.get("tags").is_none(), "{created}");
    let updated = update_user(&fake, &json!(800), json!({"tags": ["other"]})).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert!(updated.body["user"].get("tags").is_none());
    assert_eq!(search_users(&fake, "tags:vip").await, Vec::<Value>::new());
    assert_eq!(search(&fake, "tags:vip").await, Vec::<Value>::new());
    let listed = fake.get("/api/v2/users.json").await;
    assert!(
        listed.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("tags").is_none())
    );

    let on = fake
        .put(
            "/api/v2/account/settings.json",
            json!({"settings": {"user": {"tagging": true}}}),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text);
    assert_eq!(on.body["settings"]["user"]["tagging"], true);
    assert_eq!(on.body["settings"]["active_features"]["user_tagging"], true);
    assert_eq!(user(&fake, &json!(800)).await["tags"], json!(["vip"]));
    assert_eq!(user(&fake, &created["id"]).await["tags"], json!([]));
    assert_eq!(search_users(&fake, "tags:vip").await, [json!(800)]);
    assert_eq!(fake_state(&fake).await["account"]["user_tagging"], true);

    // Tags set while tagging is on are kept while it is off.
    let updated = update_user(&fake, &json!(800), json!({"tags": ["vip", "gold"]})).await;
    assert_eq!(updated.body["user"]["tags"], json!(["vip", "gold"]));
    fake.put(
        "/api/v2/account/settings.json",
        json!({"settings": {"user": {"tagging": false}}}),
    )
    .await;
    assert!(user(&fake, &json!(800)).await.get("tags").is_none());
    fake.put(
        "/api/v2/account/settings.json",
        json!({"settings": {"user": {"tagging": true}}}),
    )
    .await;
    assert_eq!(
        user(&fake, &json!(800)).await["tags"],
        json!(["vip", "gold"])
    );
}

// Account settings.

#[tokio::test]
async fn account_settings_show_the_recorded_sections_and_the_accounts_switches() {
    let fake = account(Plan::Professional).await;
    let settings = fake.get("/api/v2/account/settings.json").await;
    assert_eq!(settings.status, 200);
    let body = &settings.body["settings"];
    for section in ["branding", "tickets", "user", "active_features", "billing"] {
        assert!(body[section].is_object(), "{section}: {}", settings.text);
    }
    assert_eq!(body["user"]["tagging"], false);
    assert_eq!(body["user"]["multiple_organizations"], false);
    assert_eq!(body["active_features"]["user_tagging"], false);

    let changed = fake
        .put(
            "/api/v2/account/settings.json",
            json!({"settings": {"user": {"multiple_organizations": true}}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        changed.body["settings"]["user"]["multiple_organizations"],
        true
    );
    assert_eq!(changed.body["settings"]["user"]["tagging"], false);
    let again = fake.get("/api/v2/account/settings.json").await;
    assert_eq!(
        again.body["settings"]["user"]["multiple_organizations"],
        true
    );
    assert_eq!(
        fake_state(&fake).await["account"]["multiple_organizations"],
        true
    );
    let bad = fake
        .put(
            "/api/v2/account/settings.json",
            json!({"settings": {"user": {"tagging": "yes"}}}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
}

// User fields.

#[tokio::test]
async fn user_fields_are_created_read_updated_and_deleted_as_recorded() {
    let fake = account(Plan::Growth).await;
    let created = fake
        .post(
            "/api/v2/user_fields.json",
            json!({"user_field": {"key": "employee_code", "title": "Employee code"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let field = &created.body["user_field"];
    let id = field["id"].clone();
    let url = fake.object_url(&format!("/api/v2/user_fields/{id}.json"));
    assert_eq!(created.header("location"), Some(url.as_str()));
    assert_eq!(field["url"], json!(url));
    assert_eq!(field["position"], 9999);
    assert_eq!(field["type"], "text");
    assert_eq!(field["description"], "Employee code");
    assert_eq!(field["raw_description"], "Employee code");
    assert_eq!(field["active"], true);

    let second = fake
        .post(
            "/api/v2/user_fields.json",
            json!({"user_field": {"key": "vip", "title": "VIP", "type": "checkbox", "tag": "vip_user", "description": "Very"}}),
        )
        .await;
    assert_eq!(second.body["user_field"]["position"], 9999);
    assert_eq!(second.body["user_field"]["description"], "Very");
    let shown = fake.get(&format!("/api/v2/user_fields/{id}.json")).await;
    assert_eq!(shown.body["user_field"]["position"], 0);
    let list = fake.get("/api/v2/user_fields.json").await;
    let positions: Vec<&Value> = list.body["user_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["position"])
        .collect();
    assert_eq!(positions, [&json!(0), &json!(1)]);
    assert_eq!(list.body["count"], 2);

    let updated = fake
        .put(
            &format!("/api/v2/user_fields/{id}.json"),
            json!({"user_field": {"title": "Code"}}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["user_field"]["title"], "Code");
    assert_eq!(updated.body["user_field"]["key"], "employee_code");

    let deleted = fake.delete(&format!("/api/v2/user_fields/{id}.json")).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.text.is_empty());
    assert_eq!(
        fake.get(&format!("/api/v2/user_fields/{id}.json"))
            .await
            .status,
        404
    );
    assert_eq!(fake.get("/api/v2/user_fields.json").await.body["count"], 1);
}

#[tokio::test]
async fn every_user_shows_every_defined_field_and_only_those_typed_by_their_field() {
    let fake = account(Plan::Growth).await;
    for field in [
        json!({"key": "zeta", "title": "Zeta"}),
        json!({"key": "alpha", "title": "Alpha", "type": "checkbox"}),
        json!({"key": "count", "title": "Count", "type": "integer"}),
    ] {
        let created = fake
            .post("/api/v2/user_fields.json", json!({"user_field": field}))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let me = fake.get("/api/v2/users/me.json").await;
    let fields = &me.body["user"]["user_fields"];
    assert_eq!(
        fields,
        &json!({"alpha": false, "count": null, "zeta": null})
    );
    let keys: Vec<&String> = fields.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["alpha", "count", "zeta"], "keys sorted");

    let created = create_user(
        &fake,
        json!({"name": "A", "user_fields": {"zeta": 7, "count": "3", "undefined": "x"}}),
    )
    .await;
    assert_eq!(
        created["user_fields"],
        json!({"alpha": false, "count": 3, "zeta": "7"})
    );
    for wrong in [json!({"alpha": "maybe"}), json!({"count": "three"})] {
        let refused = update_user(&fake, &created["id"], json!({"user_fields": wrong})).await;
        assert_eq!(refused.status, 422, "{wrong}: {}", refused.text);
        assert_eq!(refused.body["error"], "RecordInvalid");
    }
    assert_eq!(user(&fake, &created["id"]).await["user_fields"]["count"], 3);
}

#[tokio::test]
async fn a_checkbox_and_a_dropdown_put_their_tags_on_the_user() {
    let fake = Fake::with(
        Knobs {
            user_tagging: true,
            ..profile(Plan::Growth)
        },
        StateFile::default(),
    )
    .await;
    for field in [
        json!({"key": "vip", "title": "VIP", "type": "checkbox", "tag": "vip_user"}),
        json!({"key": "tier", "title": "Tier", "type": "dropdown", "custom_field_options": [
            {"name": "Gold", "value": "gold"}, {"name": "Silver", "value": "silver"}]}),
    ] {
        let created = fake
            .post("/api/v2/user_fields.json", json!({"user_field": field}))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let jane = create_user(&fake, json!({"name": "Jane", "tags": ["emea"]})).await;
    let id = &jane["id"];
    let tags = |answer: &Answer| answer.body["user"]["tags"].clone();
    let checked = update_user(&fake, id, json!({"user_fields": {"vip": true}})).await;
    assert_eq!(tags(&checked), json!(["emea", "vip_user"]));
    let chosen = update_user(&fake, id, json!({"user_fields": {"tier": "gold"}})).await;
    assert_eq!(tags(&chosen), json!(["emea", "vip_user", "gold"]));
    let changed = update_user(&fake, id, json!({"user_fields": {"tier": "silver"}})).await;
    assert_eq!(tags(&changed), json!(["emea", "vip_user", "silver"]));
    let unchecked = update_user(&fake, id, json!({"user_fields": {"vip": false}})).await;
    assert_eq!(tags(&unchecked), json!(["emea", "silver"]));
    assert_eq!(unchecked.body["user"]["user_fields"]["vip"], false);
}

#[tokio::test]
async fn an_account_without_definitions_stores_no_user_fields() {
    // Every account checks `user_fields` against its definitions, even when it has none.
    for plan in [Plan::Growth, Plan::Enterprise] {
        let fake = account(plan).await;
        let created =
            create_user(&fake, json!({"name": "A", "user_fields": {"anything": 1}})).await;
        assert_eq!(created["user_fields"], json!({}));
    }
}

// Organizations.

#[tokio::test]
async fn without_multiple_organizations_a_user_has_one_and_organization_id_moves_it() {
    let fake = account(Plan::Growth).await;
    let mut orgs = Vec::new();
    for name in ["Acme", "Beta"] {
        let org = fake
            .post(
                "/api/v2/organizations.json",
                json!({"organization": {"name": name}}),
            )
            .await;
        orgs.push(org.body["organization"]["id"].clone());
    }
    let jane = create_user(&fake, json!({"name": "Jane", "organization_id": orgs[0]})).await;
    let id = &jane["id"];
    let second = fake
        .post(
            "/api/v2/organization_memberships.json",
            json!({"organization_membership": {"user_id": id, "organization_id": orgs[1]}}),
        )
        .await;
    assert_eq!(second.status, 422, "{}", second.text);
    assert_eq!(detail_fields(&second), ["organization_id"]);
    let moved = update_user(&fake, id, json!({"organization_id": orgs[1]})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["user"]["organization_id"], orgs[1]);
    let listed = fake
        .get(&format!("/api/v2/users/{id}/organizations.json"))
        .await;
    assert_eq!(ids(&listed, "organizations"), [orgs[1].clone()]);
    let members = fake
        .get(&format!("/api/v2/organizations/{}/users.json", orgs[0]))
        .await;
    assert_eq!(ids(&members, "users"), Vec::<Value>::new());
}

// Bulk imports.

#[tokio::test]
async fn bulk_imports_are_off_in_every_profile_and_update_and_destroy_many_are_not_gated() {
    for plan in PLANS {
        let fake = account(plan).await;
        let jane = create_user(&fake, json!({"name": "Jane", "external_id": "j"})).await;
        for path in [
            "/api/v2/users/create_many.json",
            "/api/v2/users/create_or_update_many.json",
        ] {
            let answer = fake.post(path, json!({"users": [{"name": "x"}]})).await;
            assert_eq!(answer.status, 403, "{plan:?} {path}: {}", answer.text);
            assert_eq!(answer.body["error"], "Forbidden");
        }
        let updated = fake
            .put(
                "/api/v2/users/update_many.json",
                json!({"users": [{"id": jane["id"], "notes": "n"}]}),
            )
            .await;
        assert_eq!(updated.status, 200, "{plan:?}: {}", updated.text);
        assert_eq!(fake.wait_job(&updated.body).await["status"], "completed");
        let destroyed = fake
            .delete(&format!(
                "/api/v2/users/destroy_many.json?ids={}",
                jane["id"]
            ))
            .await;
        assert_eq!(destroyed.status, 200, "{plan:?}: {}", destroyed.text);
        assert_eq!(fake.wait_job(&destroyed.body).await["status"], "completed");
    }
}

// Search.

/// Several `email:` terms are alternatives (the reading clients practise; Zendesk's reference
/// is silent, see `src/fake/mod.rs`): a user holding any of the addresses, as its primary
/// address or another identity, is found, once; a term nobody holds finds nothing and takes
/// nothing away. The fetch frames such queries with two known users and trusts an answer
/// only when both come back.
#[tokio::test]
async fn several_email_terms_find_every_user_holding_any_of_them() {
    let fake = seeded(state(json!({"users": [
        {"id": 7, "name": "Ann", "email": "ann@x.com", "updated_at": "2020-01-01T00:00:00Z"},
        {"id": 8, "name": "Bo", "email": "bo@x.com"},
        {"id": 9, "name": "Cy", "email": "cy@x.com"}
    ], "identities": [{"user_id": 9, "value": "cy.old@x.com"}]})))
    .await;
    let query =
        "email:ann@x.com email:nobody@x.com email:CY.OLD@x.com email:cy@x.com email:bo@x.com";
    assert_eq!(
        search_users(&fake, query).await,
        [json!(7), json!(8), json!(9)]
    );
    assert_eq!(
        search_users(&fake, "email:nobody@x.com email:cy.old@x.com").await,
        [json!(9)]
    );
    assert_eq!(
        search(&fake, &format!("type:user {query}")).await,
        [json!(7), json!(8), json!(9)]
    );
    // Different properties narrow the search together.
    assert_eq!(
        search_users(&fake, "email:ann@x.com email:bo@x.com name:bo").await,
        [json!(8)]
    );
}

#[tokio::test]
async fn search_sees_each_user_as_it_was_one_lag_ago_and_the_clock_moves_it() {
    let fake = Fake::with(
        Knobs {
            search_lag_s: 60.0,
            ..profile(Plan::Enterprise)
        },
        StateFile::default(),
    )
    .await;
    let jane = create_user(
        &fake,
        json!({"name": "Jane Smith", "email": "jane@x.com", "external_id": "emp-7"}),
    )
    .await;
    let id = jane["id"].clone();
    assert_eq!(
        search_users(&fake, "email:jane@x.com").await,
        Vec::<Value>::new()
    );
    assert_eq!(search(&fake, "type:user jane").await, Vec::<Value>::new());
    let by_external_id = fake
        .get("/api/v2/users/search.json?external_id=emp-7")
        .await;
    assert_eq!(
        ids(&by_external_id, "users"),
        slice::from_ref(&id),
        "no lag"
    );
    advance(&fake, 59.0).await;
    assert_eq!(search_users(&fake, "jane").await, Vec::<Value>::new());
    advance(&fake, 1.0).await;
    assert_eq!(
        search_users(&fake, "email:jane@x.com").await,
        slice::from_ref(&id)
    );
    assert_eq!(search(&fake, "type:user jane").await, slice::from_ref(&id));

    // A change is seen one lag later; until then the old name still finds the user.
    let renamed = update_user(&fake, &id, json!({"name": "Janet Jones"})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(search_users(&fake, "jones").await, Vec::<Value>::new());
    let found = fake
        .get(&with_query(
            "/api/v2/users/search.json",
            &[("query", "smith")],
        ))
        .await;
    assert_eq!(
        found.body["users"][0]["name"], "Janet Jones",
        "the user as it is now"
    );
    advance(&fake, 60.0).await;
    assert_eq!(search_users(&fake, "jones").await, slice::from_ref(&id));
    assert_eq!(search_users(&fake, "smith").await, Vec::<Value>::new());

    // A deleted user: `/search` keeps finding it for one lag, `users/search` never does.
    assert_eq!(
        fake.delete(&format!("/api/v2/users/{id}.json"))
            .await
            .status,
        200
    );
    assert_eq!(search_users(&fake, "jones").await, Vec::<Value>::new());
    let found = fake
        .get(&with_query(
            "/api/v2/search.json",
            &[("query", "type:user jones")],
        ))
        .await;
    assert_eq!(ids(&found, "results"), slice::from_ref(&id));
    assert_eq!(found.body["results"][0]["active"], false);
    assert_eq!(found.body["results"][0]["result_type"], "user");
    advance(&fake, 60.0).await;
    assert_eq!(search(&fake, "type:user jones").await, Vec::<Value>::new());
}

#[tokio::test]
async fn bare_words_match_prefixes_email_is_exact_and_properties_combine() {
    let fake = account_without_lag(Plan::Enterprise).await;
    let jane = create_user(
        &fake,
        json!({"name": "Jane Smith", "email": "jane.smith@acme.com", "external_id": "emp-1042", "role": "agent"}),
    )
    .await["id"]
        .clone();
    let bob = create_user(&fake, json!({"name": "Bob Stone", "email": "bob@acme.com"})).await["id"]
        .clone();
    for (query, expected) in [
        ("jan", vec![jane.clone()]),
        ("smi", vec![jane.clone()]),
        ("jane.smith@acme", vec![jane.clone()]),
        ("emp-10", vec![jane.clone()]),
        ("bo", vec![bob.clone()]),
        ("ane", vec![]),
        ("email:jane.smith@acme.com", vec![jane.clone()]),
        ("email:JANE.smith@acme.com", vec![jane.clone()]),
        ("email:jane.smith@acme", vec![]),
        (
            "email:jane.smith@acme.com email:bob@acme.com",
            vec![jane.clone(), bob.clone()],
        ),
        (
            "email:jane.smith@acme.com email:bob@acme.com role:agent",
            vec![jane.clone()],
        ),
        ("email:bob@acme.com role:agent", vec![]),
        ("role:agent role:end-user name:bob", vec![bob.clone()]),
    ] {
        assert_eq!(
            search_users(&fake, query).await,
            expected,
            "users/search {query}"
        );
        assert_eq!(search(&fake, query).await, expected, "/search {query}");
    }
}

#[tokio::test]
async fn search_export_needs_a_type_and_pages_newest_first() {
    let fake = account_without_lag(Plan::Growth).await;
    let mut created = Vec::new();
    for name in ["Export One", "Export Two", "Export Three"] {
        advance(&fake, 10.0).await;
        created.push(create_user(&fake, json!({ "name": name })).await["id"].clone());
    }
    let missing = fake
        .get(&with_query(
            "/api/v2/search/export.json",
            &[("query", "export")],
        ))
        .await;
    assert_eq!(missing.status, 400, "{}", missing.text);

    let mut path = with_query(
        "/api/v2/search/export.json",
        &[
            ("query", "export"),
            ("filter[type]", "user"),
            ("page[size]", "2"),
        ],
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = fake.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        seen.extend(ids(&page, "results"));
        if page.body["meta"]["has_more"] != true {
            assert_eq!(page.body["links"]["next"], Value::Null);
            break;
        }
        let next = page.body["links"]["next"].as_str().expect("next link");
        path = next
            .strip_prefix(fake.handle.base_url())
            .expect("same host")
            .to_owned();
    }
    assert_eq!(pages, 2);
    created.reverse();
    assert_eq!(seen, created, "newest first");

    let offset = fake
        .get(&with_query(
            "/api/v2/search.json",
            &[("query", "type:user export")],
        ))
        .await;
    assert_eq!(offset.body["count"], 3);
}

#[tokio::test]
async fn the_incremental_export_does_not_lag_and_a_new_primary_email_moves_the_user_into_it() {
    // Jane was last changed long ago; the search index lags two minutes.
    let fake = Fake::with(
        Knobs {
            search_lag_s: 120.0,
            ..profile(Plan::Enterprise)
        },
        state(json!({"users": [
            {"id": 7, "name": "Jane", "email": "jane@x.com", "updated_at": "2020-01-01T00:00:00Z"}
        ]})),
    )
    .await;
    advance(&fake, 3600.0).await;
    assert_eq!(
        changed_in_the_last_ten_minutes(&fake).await,
        Vec::<Value>::new(),
        "Jane is not recent"
    );

    // A user made a moment ago: in the export at once, not found by the search yet.
    let new = create_user(&fake, json!({"name": "New", "email": "new@x.com"})).await;
    let listed = changed_in_the_last_ten_minutes(&fake).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], new["id"]);
    assert_eq!(listed[0]["email"], "new@x.com");
    assert_eq!(
        search_users(&fake, "email:new@x.com").await,
        Vec::<Value>::new()
    );

    advance(&fake, 10.0).await;
    // Jane's new address made primary: recorded, `make_primary` moves the user's
    // `updated_at` (grouparoo export-record #42, #43), so the export lists her under it.
    let identity = fake
        .post(
            "/api/v2/users/7/identities.json",
            json!({"identity": {"type": "email", "value": "jane@y.com"}}),
        )
        .await;
    assert_eq!(identity.status, 201, "{}", identity.text);
    let iid = &identity.body["identity"]["id"];
    let made = fake
        .put(
            &format!("/api/v2/users/7/identities/{iid}/make_primary.json"),
            json!({}),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let jane = user(&fake, &json!(7)).await;
    assert_eq!(jane["email"], "jane@y.com");
    assert_ne!(jane["updated_at"], "2020-01-01T00:00:00Z");
    assert_eq!(jane["updated_at"], made.body["identities"][0]["updated_at"]);
    let listed = changed_in_the_last_ten_minutes(&fake).await;
    let emails: Vec<&Value> = listed.iter().map(|u| &u["email"]).collect();
    assert_eq!(emails, [&json!("new@x.com"), &json!("jane@y.com")]);
    assert_eq!(
        search_users(&fake, "email:jane@y.com").await,
        Vec::<Value>::new(),
        "the index still has the old address"
    );
}

/// The incremental export from ten minutes ago on the emulator's clock: its users.
async fn changed_in_the_last_ten_minutes(fake: &Fake) -> Vec<Value> {
    let start = fake_clock(fake).await - 600;
    let answer = fake
        .get(&format!(
            "/api/v2/incremental/users/cursor.json?start_time={start}"
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["users"].as_array().expect("users").clone()
}

/// The emulator's clock, in Unix seconds.
async fn fake_clock(fake: &Fake) -> i64 {
    let answer = fake
        .send_request(client().get(fake.url("/__fake/clock")), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let now = answer.body["now"].as_str().expect("now");
    chrono::DateTime::parse_from_rfc3339(now)
        .expect("RFC 3339")
        .timestamp()
}

// Deleted users.

#[tokio::test]
async fn deleted_users_are_listed_shown_and_deleted_for_good() {
    let fake = account(Plan::Growth).await;
    let gone =
        create_user(&fake, json!({"name": "Gone", "email": "gone@x.com"})).await["id"].clone();
    let kept = create_user(&fake, json!({"name": "Kept"})).await["id"].clone();
    assert_eq!(
        fake.get("/api/v2/deleted_users.json").await.body["count"],
        0
    );
    assert_eq!(
        fake.delete(&format!("/api/v2/users/{gone}.json"))
            .await
            .status,
        200
    );
    let listed = fake.get("/api/v2/deleted_users.json").await;
    assert_eq!(ids(&listed, "deleted_users"), slice::from_ref(&gone));
    let shown = fake
        .get(&format!("/api/v2/deleted_users/{gone}.json"))
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["deleted_user"]["name"], "Gone");
    assert_eq!(shown.body["deleted_user"]["active"], false);
    assert_eq!(
        fake.get(&format!("/api/v2/deleted_users/{kept}.json"))
            .await
            .status,
        404
    );
    let forgotten = fake
        .delete(&format!("/api/v2/deleted_users/{gone}.json"))
        .await;
    assert_eq!(forgotten.status, 200, "{}", forgotten.text);
    assert_eq!(forgotten.body["deleted_user"]["id"], gone);
    assert_eq!(
        fake.get(&format!("/api/v2/deleted_users/{gone}.json"))
            .await
            .status,
        404
    );
    assert_eq!(
        fake.get(&format!("/api/v2/users/{gone}.json")).await.status,
        404
    );
    assert_eq!(
        fake.get("/api/v2/deleted_users.json").await.body["count"],
        0
    );
}

// Endpoints.

#[tokio::test]
async fn memberships_are_listed_from_both_sides() {
    let fake = Fake::with(
        Knobs {
            multiple_organizations: true,
            ..profile(Plan::Enterprise)
        },
        StateFile::default(),
    )
    .await;
    let support = default_group(&fake).await;
    let mut orgs = Vec::new();
    for name in ["Beta", "acme"] {
        let org = fake
            .post(
                "/api/v2/organizations.json",
                json!({"organization": {"name": name}}),
            )
            .await;
        orgs.push(org.body["organization"]["id"].clone());
    }
    let agent = create_user(
        &fake,
        json!({"name": "Agent", "role": "agent", "organization_id": orgs[0]}),
    )
    .await["id"]
        .clone();
    let joined = fake
        .post(
            "/api/v2/organization_memberships.json",
            json!({"organization_membership": {"user_id": agent, "organization_id": orgs[1]}}),
        )
        .await;
    assert_eq!(joined.status, 201, "{}", joined.text);
    let by_user = fake
        .get(&format!("/api/v2/users/{agent}/organizations.json"))
        .await;
    assert_eq!(names(&by_user.body["organizations"]), ["acme", "Beta"]);
    assert_eq!(groups_of(&fake, &agent).await, slice::from_ref(&support));
    let in_group = fake
        .get(&format!("/api/v2/groups/{support}/users.json"))
        .await;
    assert!(
        ids(&in_group, "users").contains(&agent),
        "{}",
        in_group.text
    );
    for org in &orgs {
        let in_org = fake
            .get(&format!("/api/v2/organizations/{org}/users.json"))
            .await;
        assert_eq!(ids(&in_org, "users"), slice::from_ref(&agent));
    }
    assert_eq!(
        fake.get("/api/v2/users/1/groups.json").await.status,
        404,
        "an unknown user"
    );
}

#[tokio::test]
async fn organizations_create_or_update_matches_id_then_external_id() {
    let fake = account(Plan::Growth).await;
    let path = "/api/v2/organizations/create_or_update.json";
    let created = fake
        .post(
            path,
            json!({"organization": {"name": "Acme", "external_id": "acme"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["organization"]["id"].clone();
    let location = fake.object_url(&format!("/api/v2/organizations/{id}.json"));
    assert_eq!(created.header("location"), Some(location.as_str()));

    let by_external_id = fake
        .post(
            path,
            json!({"organization": {"name": "Acme Inc", "external_id": "acme"}}),
        )
        .await;
    assert_eq!(by_external_id.status, 200, "{}", by_external_id.text);
    assert_eq!(by_external_id.body["organization"]["id"], id);
    assert_eq!(by_external_id.body["organization"]["name"], "Acme Inc");

    let by_id = fake
        .post(
            path,
            json!({"organization": {"id": id, "name": "Acme Corp", "external_id": "acme-2"}}),
        )
        .await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    assert_eq!(by_id.body["organization"]["id"], id);
    assert_eq!(by_id.body["organization"]["external_id"], "acme-2");

    let other = fake
        .post(
            path,
            json!({"organization": {"name": "Beta", "external_id": "beta"}}),
        )
        .await;
    assert_eq!(other.status, 201);
    assert_ne!(other.body["organization"]["id"], id);
    assert_eq!(
        fake.get("/api/v2/organizations.json").await.body["count"],
        2
    );
}

#[tokio::test]
async fn an_unknown_oauth_token_is_an_invalid_token() {
    let fake = account(Plan::Team).await;
    let wrong = fake
        .send_request(
            fake.client
                .get(fake.url("/api/v2/users.json"))
                .bearer_auth("not-a-token"),
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "invalid_token");
    assert!(
        wrong.body["error_description"].is_string(),
        "{}",
        wrong.text
    );
    let right = fake
        .send_request(
            fake.client
                .get(fake.url("/api/v2/users.json"))
                .bearer_auth("fake-oauth-token"),
            None,
        )
        .await;
    assert_eq!(right.status, 200);
}

#[tokio::test]
async fn job_ids_differ_between_two_emulators_with_the_same_fault_seed() {
    let mut job_ids = Vec::new();
    for _ in 0..2 {
        let fake = Fake::with(
            Knobs {
                fault_seed: 7,
                ..profile(Plan::Team)
            },
            StateFile::default(),
        )
        .await;
        let admin = fake.get("/api/v2/users/me.json").await.body["user"]["id"].clone();
        let job = fake
            .put(
                &format!("/api/v2/users/update_many.json?ids={admin}"),
                json!({"user": {"notes": "n"}}),
            )
            .await;
        assert_eq!(job.status, 200, "{}", job.text);
        job_ids.push(job.body["job_status"]["id"].as_str().unwrap().to_owned());
    }
    assert!(job_ids[0].starts_with("V3-"));
    assert_ne!(job_ids[0], job_ids[1]);
}

// Bulk job results.

#[tokio::test]
async fn create_or_update_many_results_are_created_updated_or_failed_at_their_position() {
    let fake = Fake::with(
        Knobs {
            bulk_imports: true,
            ..profile(Plan::Growth)
        },
        StateFile::default(),
    )
    .await;
    let jane = create_user(&fake, json!({"name": "Jane", "email": "jane@x.com"})).await;
    let job = fake
        .post(
            "/api/v2/users/create_or_update_many.json",
            json!({"users": [
                {"name": "New", "email": "new@x.com"},
                {"name": "Broken", "email": "not an address"},
                {"name": "Jane B", "email": "JANE@x.com"},
            ]}),
        )
        .await;
    assert_eq!(job.status, 200, "{}", job.text);
    let done = fake.wait_job(&job.body).await;
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["status"], "Created");
    assert_eq!(results[0]["email"], "new@x.com");
    assert!(results[0]["id"].as_u64().unwrap() > 10_000_000_000_000);
    let failed = results[1].as_object().unwrap();
    let mut keys: Vec<&str> = failed.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["details", "error", "id", "status"]);
    assert_eq!(failed["id"], 1, "a failure's id is its position");
    assert_eq!(failed["status"], "Failed");
    assert_eq!(
        results[2],
        json!({"id": jane["id"], "status": "Updated", "email": "jane@x.com"})
    );
}

// Identities.

#[tokio::test]
async fn resending_a_users_own_email_in_any_case_adds_no_identity() {
    let fake = Fake::with(
        Knobs {
            bulk_imports: true,
            ..profile(Plan::Growth)
        },
        StateFile::default(),
    )
    .await;
    let jane = create_user(
        &fake,
        json!({"name": "Jane", "email": "Jane.Doe@Example.COM", "external_id": "jd"}),
    )
    .await;
    let id = jane["id"].clone();
    let identities = || async {
        let answer = fake
            .get(&format!("/api/v2/users/{id}/identities.json"))
            .await;
        answer.body["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["value"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        identities().await,
        ["jane.doe@example.com"],
        "stored lower-cased"
    );
    assert_eq!(jane["email"], "jane.doe@example.com");

    let put = update_user(&fake, &id, json!({"email": "JANE.DOE@example.com"})).await;
    assert_eq!(put.status, 200, "{}", put.text);
    let single = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "Jane", "email": "jane.doe@EXAMPLE.com"}}),
        )
        .await;
    assert_eq!(single.status, 200, "{}", single.text);
    assert_eq!(single.body["user"]["id"], id);
    let many = fake
        .post(
            "/api/v2/users/create_or_update_many.json",
            json!({"users": [{"name": "Jane", "external_id": "jd", "email": "Jane.Doe@example.com"}]}),
        )
        .await;
    assert_eq!(
        fake.wait_job(&many.body).await["results"][0]["status"],
        "Updated"
    );
    let update_many = fake
        .put(
            "/api/v2/users/update_many.json",
            json!({"users": [{"id": id, "email": "JANE.DOE@EXAMPLE.COM"}]}),
        )
        .await;
    assert_eq!(
        fake.wait_job(&update_many.body).await["results"][0]["status"],
        "Updated"
    );
    assert_eq!(identities().await, ["jane.doe@example.com"]);

    let other = update_user(&fake, &id, json!({"email": "Second@Example.com"})).await;
    assert_eq!(other.status, 200);
    assert_eq!(
        identities().await,
        ["jane.doe@example.com", "second@example.com"],
        "a new address is an identity, lower-cased"
    );
}
