//! Seeding: the emulator starts with the objects a recording shows or implies, in the state-file
//! format, and with the account settings the recording gives evidence of.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};
use zroster::fake::{AccountSettings, Plan, StateFile};

/// (singular envelope key, plural envelope key, state-file collection) of each resource.
pub(super) const COLLECTIONS: &[(&str, &str, &str)] = &[
    ("user", "users", "users"),
    ("organization", "organizations", "organizations"),
    ("group", "groups", "groups"),
    ("group_membership", "group_memberships", "group_memberships"),
    (
        "organization_membership",
        "organization_memberships",
        "organization_memberships",
    ),
    ("identity", "identities", "identities"),
    ("custom_role", "custom_roles", "custom_roles"),
    ("user_field", "user_fields", "user_fields"),
];

/// Objects the recording shows, by collection and id, and the ids it creates.
#[derive(Default)]
pub(super) struct Seeds {
    objects: BTreeMap<&'static str, BTreeMap<u64, Map<String, Value>>>,
    created: HashSet<u64>,
    invented: u64,
    /// Users no answer shows, only requests or other objects name.
    placeholders: HashSet<u64>,
}

impl Seeds {
    fn add(&mut self, collection: &'static str, value: &Value) {
        let Some(map) = value.as_object() else { return };
        let Some(id) = map.get("id").and_then(Value::as_u64) else {
            return;
        };
        self.objects
            .entry(collection)
            .or_default()
            .entry(id)
            .or_insert_with(|| map.clone());
    }

    fn has(&self, collection: &str, id: u64) -> bool {
        self.objects
            .get(collection)
            .is_some_and(|m| m.contains_key(&id))
    }

    fn placeholder(&mut self, collection: &'static str, id: u64, extra: &Value) {
        let mut extra = extra.clone();
        extra
            .as_object_mut()
            .expect("an object")
            .entry("name")
            .or_insert_with(|| json!(format!("Seeded {collection} {id}")));
        self.unnamed(collection, id, &extra);
    }

    /// A placeholder of a collection without names (memberships).
    fn unnamed(&mut self, collection: &'static str, id: u64, extra: &Value) {
        if self.created.contains(&id) || self.has(collection, id) {
            return;
        }
        if collection == "users" {
            self.placeholders.insert(id);
        }
        let mut map = extra.as_object().cloned().unwrap_or_default();
        map.insert("id".into(), json!(id));
        self.objects.entry(collection).or_default().insert(id, map);
    }

    /// An id no recording uses, for objects a recording implies but never shows.
    fn invented_id(&mut self) -> u64 {
        self.invented += 1;
        900_000_000_000_000 + self.invented
    }
}

pub(super) fn collect(file: &str, exchanges: &[Value]) -> Seeds {
    let mut seeds = Seeds::default();
    // What the recording itself creates: 201 bodies and job results.
    for ex in exchanges {
        let body = &ex["response"]["body"];
        if ex["response"]["status"] == 201 {
            for (single, _, _) in COLLECTIONS {
                if let Some(id) = body
                    .get(*single)
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_u64)
                {
                    seeds.created.insert(id);
                }
            }
        }
        if let Some(results) = body
            .pointer("/job_status/results")
            .and_then(Value::as_array)
        {
            let created = results.iter().filter(|r| r["status"] == "Created");
            seeds
                .created
                .extend(created.filter_map(|r| r.get("id").and_then(Value::as_u64)));
        }
    }
    for ex in exchanges
        .iter()
        .filter(|ex| ex["response"]["status"] == 201)
    {
        // A created membership needs its user and organization or group.
        let body = &ex["response"]["body"];
        if let Some(m) = body.get("organization_membership")
            && let (Some(u), Some(o)) = (m["user_id"].as_u64(), m["organization_id"].as_u64())
        {
            seeds.placeholder("users", u, &json!({}));
            seeds.placeholder("organizations", o, &json!({}));
        }
        if let Some(m) = body.get("group_membership")
            && let (Some(u), Some(g)) = (m["user_id"].as_u64(), m["group_id"].as_u64())
        {
            seeds.placeholder("users", u, &json!({"role": "agent"}));
            seeds.placeholder("groups", g, &json!({}));
        }
    }
    for ex in exchanges {
        let body = &ex["response"]["body"];
        for (single, plural, collection) in COLLECTIONS {
            if let Some(one) = body.get(*single) {
                seeds.add(collection, one);
            }
            if let Some(many) = body.get(*plural).and_then(Value::as_array) {
                for one in many {
                    seeds.add(collection, one);
                }
            }
        }
        // Search hits are users with a `result_type`.
        for hit in body
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if hit["result_type"] == "user" {
                let mut user = hit.clone();
                if let Some(map) = user.as_object_mut() {
                    map.remove("result_type");
                }
                seeds.add("users", &user);
            }
        }
    }
    if file.contains("sample-custom-agent-role") {
        seeds.add("custom_roles", &exchanges[0]["response"]["body"]);
    }
    if file.contains("sample-organization-membership") {
        seeds.add(
            "organization_memberships",
            &exchanges[0]["response"]["body"],
        );
    }
    for collection in seeds.objects.values_mut() {
        collection.retain(|id, _| !seeds.created.contains(id));
    }
    // An address a 422 says another user holds.
    for ex in exchanges {
        let details = &ex["response"]["body"]["details"];
        for detail in details["value"].as_array().into_iter().flatten() {
            if let Some(address) = detail["description"]
                .as_str()
                .and_then(|d| d.strip_prefix("Value: "))
                .and_then(|d| d.strip_suffix(" is already being used by another user"))
            {
                let id = seeds.invented_id();
                seeds.placeholder("users", id, &json!({"email": address}));
            }
        }
    }
    // Objects that requests name but no answer shows.
    for ex in exchanges {
        if ex["response"]["status"] == 404 {
            continue;
        }
        let path = ex["request"]["path"].as_str().unwrap_or_default();
        let segments: Vec<&str> = path.trim_end_matches(".json").split('/').skip(3).collect();
        for pair in segments.windows(2) {
            let Ok(id) = pair[1].parse::<u64>() else {
                continue;
            };
            match pair[0] {
                "users" => seeds.placeholder("users", id, &json!({"role": "agent"})),
                "organizations" => seeds.placeholder("organizations", id, &json!({})),
                "groups" => seeds.placeholder("groups", id, &json!({})),
                // A membership deleted by id: an agent in a group, or a user in an organization.
                // It was deleted (204), so the agent kept another group: agents must have one.
                "group_memberships" if !seeds.has("group_memberships", id) => {
                    let (user, group, other, kept) = (
                        seeds.invented_id(),
                        seeds.invented_id(),
                        seeds.invented_id(),
                        seeds.invented_id(),
                    );
                    seeds.placeholder("users", user, &json!({"role": "agent"}));
                    seeds.placeholder("groups", group, &json!({}));
                    seeds.placeholder("groups", other, &json!({}));
                    seeds.unnamed(
                        "group_memberships",
                        id,
                        &json!({"user_id": user, "group_id": group}),
                    );
                    seeds.unnamed(
                        "group_memberships",
                        kept,
                        &json!({"user_id": user, "group_id": other}),
                    );
                }
                "organization_memberships" if !seeds.has("organization_memberships", id) => {
                    let (user, org) = (seeds.invented_id(), seeds.invented_id());
                    seeds.placeholder("users", user, &json!({}));
                    seeds.placeholder("organizations", org, &json!({}));
                    seeds.unnamed(
                        "organization_memberships",
                        id,
                        &json!({"user_id": user, "organization_id": org}),
                    );
                }
                "user_fields" if !seeds.has("user_fields", id) => seeds.unnamed(
                    "user_fields",
                    id,
                    &json!({"key": format!("seeded_{id}"), "title": format!("Seeded field {id}")}),
                ),
                _ => {}
            }
        }
        let query = ex["request"]["query"]
            .as_str()
            .unwrap_or_default()
            .replace("%2C", ",");
        if let Some(ids) = query.split('&').find_map(|p| p.strip_prefix("ids=")) {
            for id in ids.split(',').filter_map(|i| i.parse::<u64>().ok()) {
                if path.contains("/organizations/") {
                    seeds.placeholder("organizations", id, &json!({}));
                } else if path.contains("/users/") {
                    seeds.placeholder("users", id, &json!({}));
                }
            }
        }
    }
    seeds
}

/// Turns the seeds into a state file the store accepts, adding what they reference, with the
/// account settings the exchanges give evidence of ([`account_of`]).
pub(super) fn state_of(mut seeds: Seeds, exchanges: &[Value]) -> (StateFile, Option<String>) {
    let mut referenced_roles = Vec::new();
    let mut referenced_orgs = Vec::new();
    let mut referenced_groups = Vec::new();
    let mut emails = HashSet::new();
    let mut external_ids = HashSet::new();
    let mut admin = None;
    let mut admin_role = None;
    let memberships: Vec<Map<String, Value>> = seeds
        .objects
        .get("group_memberships")
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    for m in &memberships {
        if let (Some(u), Some(g)) = (m["user_id"].as_u64(), m["group_id"].as_u64()) {
            seeds.placeholder("users", u, &json!({"role": "agent"}));
            referenced_groups.push(g);
        }
    }
    let org_memberships: Vec<Map<String, Value>> = seeds
        .objects
        .get("organization_memberships")
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    for m in &org_memberships {
        if let (Some(u), Some(o)) = (m["user_id"].as_u64(), m["organization_id"].as_u64()) {
            seeds.placeholder("users", u, &json!({}));
            seeds.placeholder("organizations", o, &json!({}));
        }
    }
    let identities: Vec<Map<String, Value>> = seeds
        .objects
        .get("identities")
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    for i in &identities {
        if let Some(u) = i["user_id"].as_u64() {
            seeds.placeholder("users", u, &json!({}));
        }
    }
    let created = seeds.created.clone();
    for collection in [
        "group_memberships",
        "organization_memberships",
        "identities",
    ] {
        if let Some(m) = seeds.objects.get_mut(collection) {
            m.retain(|_, o| {
                !o.get("user_id")
                    .and_then(Value::as_u64)
                    .is_some_and(|u| created.contains(&u))
            });
        }
    }
    let users_map = seeds.objects.entry("users").or_default();
    for id in users_map.keys().copied().collect::<Vec<_>>() {
        let Some(user) = users_map.get_mut(&id) else {
            continue;
        };
        for (key, seen) in [("email", &mut emails), ("external_id", &mut external_ids)] {
            if let Some(v) = user.get(key).and_then(Value::as_str)
                && !seen.insert(v.to_lowercase())
            {
                user.remove(key);
            }
        }
        let role = user
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("end-user")
            .to_owned();
        if let Some(rid) = user.get("custom_role_id").and_then(Value::as_u64) {
            match role.as_str() {
                "admin" if admin_role.is_none_or(|r| r == rid) => admin_role = Some(rid),
                "agent" => referenced_roles.push(rid),
                _ => {
                    user.remove("custom_role_id");
                }
            }
        }
        if role == "admin" && admin.is_none() {
            admin = user.get("email").and_then(Value::as_str).map(str::to_owned);
        }
        if let Some(org) = user.get("organization_id").and_then(Value::as_u64) {
            referenced_orgs.push(org);
        }
        if let Some(group) = user.get("default_group_id").and_then(Value::as_u64) {
            if role == "end-user" {
                user.remove("default_group_id");
            } else {
                referenced_groups.push(group);
            }
        }
    }
    for rid in referenced_roles {
        seeds.placeholder("custom_roles", rid, &json!({}));
    }
    for org in referenced_orgs {
        seeds.placeholder("organizations", org, &json!({}));
    }
    for group in referenced_groups {
        seeds.placeholder("groups", group, &json!({}));
    }
    let mut names = HashSet::new();
    for org in seeds
        .objects
        .entry("organizations")
        .or_default()
        .values_mut()
    {
        let name = org
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        if !names.insert(name) {
            let id = org["id"].clone();
            org.insert(
                "name".into(),
                json!(format!(
                    "{} ({id})",
                    org["name"].as_str().unwrap_or_default()
                )),
            );
        }
    }
    let mut account = account_of(&seeds, exchanges);
    // The replay is not held up by the incremental export's limit unless a recording shows it.
    account.incremental_rate_limit = Some(100_000);
    if admin.is_none() {
        // Who made the requests: a member of a group no answer shows otherwise (one of the
        // recording's agents), else an owner created before any recording. Its name is the
        // one `users/me` answered, when recorded.
        let me_name = exchanges
            .iter()
            .filter(|ex| {
                ex["request"]["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("users/me"))
            })
            .find_map(|ex| ex["response"]["body"]["user"]["name"].as_str())
            .filter(|name| *name != "Anonymous user")
            .unwrap_or("Admin")
            .to_owned();
        let member = seeds
            .objects
            .get("group_memberships")
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter_map(|m| m.get("user_id").and_then(Value::as_u64))
            .find(|u| seeds.placeholders.contains(u));
        let users = seeds.objects.entry("users").or_default();
        if let Some(user) = member.and_then(|id| users.get_mut(&id)) {
            user.insert("role".into(), json!("admin"));
            user.insert("email".into(), json!("admin@example.com"));
            user.insert("name".into(), json!(me_name));
        } else {
            let id = seeds.invented_id();
            seeds.placeholder(
                "users",
                id,
                &json!({"name": me_name, "email": "admin@example.com", "role": "admin",
                        "created_at": "2010-01-01T00:00:00Z"}),
            );
        }
    }
    // A role's `team_member_count` says how many hold it: that many holders.
    let roles: Vec<(u64, u64, bool)> = seeds
        .objects
        .get("custom_roles")
        .into_iter()
        .flat_map(BTreeMap::values)
        .filter_map(|r| {
            Some((
                r.get("id")?.as_u64()?,
                r.get("team_member_count")?.as_u64()?,
                r.get("role_type").and_then(Value::as_u64) == Some(4),
            ))
        })
        .collect();
    for (role, count, admins) in roles {
        // Every admin holds the admins' system role.
        let held = seeds
            .objects
            .get("users")
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter(|u| {
                u.get("custom_role_id").and_then(Value::as_u64) == Some(role)
                    || (admins && u.get("role").and_then(Value::as_str) == Some("admin"))
            })
            .count() as u64;
        for _ in held..count {
            let id = seeds.invented_id();
            seeds.placeholder(
                "users",
                id,
                &json!({"role": if admins { "admin" } else { "agent" }, "custom_role_id": role}),
            );
        }
    }
    if !seeds.objects.contains_key("user_fields") {
        infer_user_fields(&mut seeds, exchanges);
    }
    let list = |c: &str| -> Vec<Value> {
        seeds
            .objects
            .get(c)
            .map(|m| m.values().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    };
    let state = StateFile {
        account: Some(account),
        users: list("users"),
        identities: list("identities"),
        organizations: list("organizations"),
        organization_memberships: list("organization_memberships"),
        groups: list("groups"),
        group_memberships: list("group_memberships"),
        custom_roles: list("custom_roles"),
        user_fields: list("user_fields"),
    };
    (state, admin)
}

/// User fields a recording's users hold but whose definitions it does not show: a field a
/// key, typed by its values (a boolean a checkbox, a number an integer or decimal, else text).
fn infer_user_fields(seeds: &mut Seeds, exchanges: &[Value]) {
    let mut keys = BTreeMap::<String, &'static str>::new();
    let users = exchanges.iter().flat_map(|ex| {
        let body = &ex["response"]["body"];
        body.get("user")
            .into_iter()
            .chain(
                body.get("users")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .chain(
                body.get("results")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
    });
    for user in users {
        for (key, value) in user
            .get("user_fields")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let kind = match value {
                Value::Bool(_) => "checkbox",
                Value::Number(n) if n.is_i64() => "integer",
                Value::Number(_) => "decimal",
                _ => "text",
            };
            let entry = keys.entry(key.clone()).or_insert(kind);
            if *entry == "text" {
                *entry = kind;
            }
        }
    }
    for (key, kind) in keys {
        let id = seeds.invented_id();
        seeds.unnamed(
            "user_fields",
            id,
            &json!({"key": key, "title": key, "type": kind}),
        );
    }
}

/// The account settings a recording gives evidence of; the rest stays the profile's.
/// - user tagging: the recorded `settings.user.tagging`, else on when any user object
///   carries `tags` (Zendesk leaves the key out when tagging is off);
/// - multiple organizations: the recorded `settings.user.multiple_organizations`, else on
///   when a user holds two organization memberships;
/// - bulk imports: on when a `create_many` or `create_or_update_many` of users was accepted;
/// - the plan: below Enterprise when an agent shows no custom role;
/// - the account's time zone: the one the recording's new users got.
fn account_of(seeds: &Seeds, exchanges: &[Value]) -> AccountSettings {
    let mut account = AccountSettings::default();
    let mut tags_seen = false;
    for ex in exchanges {
        let body = &ex["response"]["body"];
        if let Some(user) = body.pointer("/settings/user") {
            account.user_tagging = user["tagging"].as_bool();
            account.multiple_organizations = user["multiple_organizations"].as_bool();
        }
        let users = body
            .get("user")
            .into_iter()
            .chain(
                body.get("users")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .chain(
                body.get("results")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        for user in users {
            tags_seen |= user.get("tags").is_some();
            // An agent without a role: an account below Enterprise (where every agent holds one).
            if user["role"] == "agent" && user.get("custom_role_id") == Some(&Value::Null) {
                account.profile = Some(Plan::Professional);
            }
        }
        let path = ex["request"]["path"].as_str().unwrap_or_default();
        if path.starts_with("/api/v2/users/create")
            && path.contains("_many")
            && ex["response"]["status"] == 200
        {
            account.bulk_imports = Some(true);
        }
    }
    // New users get the account's time zone: a created user's, wherever an answer shows it.
    account.time_zone = exchanges.iter().find_map(|ex| {
        let body = &ex["response"]["body"];
        body.get("user")
            .into_iter()
            .chain(
                body.get("users")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .filter(|u| {
                u["id"]
                    .as_u64()
                    .is_some_and(|id| seeds.created.contains(&id))
            })
            .find_map(|u| u["time_zone"].as_str())
            .map(str::to_owned)
    });
    if account.user_tagging.is_none() && tags_seen {
        account.user_tagging = Some(true);
    }
    let mut organizations_of = BTreeMap::<u64, usize>::new();
    for m in seeds
        .objects
        .get("organization_memberships")
        .into_iter()
        .flat_map(BTreeMap::values)
    {
        if let Some(user) = m["user_id"].as_u64() {
            *organizations_of.entry(user).or_default() += 1;
        }
    }
    if account.multiple_organizations.is_none() && organizations_of.values().any(|n| *n > 1) {
        account.multiple_organizations = Some(true);
    }
    account
}
