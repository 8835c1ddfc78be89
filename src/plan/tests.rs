//! Planner scenarios: a small roster and a small live state each, the plan pinned in a
//! compact form (kind, action, key, fields, blocked) that any renderer change leaves alone.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Plan, Planner};
use crate::fake::{AccountSettings, Knobs, StateFile, Store};
use crate::roster::load_texts;
use crate::state::{FetchCost, LiveMembership, LiveState, LiveUser};
use crate::zendesk::{AuthenticatedUser, wire};

mod cases;
mod time_boxes;

/// The admin the plan is made as: id 1, `admin@acme.com`.
fn admin() -> Value {
    json!({"id": 1, "name": "Ada Admin", "email": ADMIN_EMAIL, "role": "admin", "active": true})
}

/// Whom the unit tests' plans are made as.
const ADMIN_EMAIL: &str = "admin@acme.com";

/// Live state from Zendesk-shaped JSON, as the fetch would normalise it.
pub(crate) fn state_from(json: &Value) -> LiveState {
    state(json)
}

/// A user field's change from its written form (`user_fields.code`, JSON values).
pub(crate) fn user_field_change(name: &str, before: Value, after: Value) -> super::FieldChange {
    let field = super::FieldName::parse(super::Kind::User, name).unwrap();
    let shape = field.shape();
    super::FieldChange {
        field,
        before: super::FieldValue::from_json(shape, before).unwrap(),
        after: super::FieldValue::from_json(shape, after).unwrap(),
    }
}

/// A roster place, `file:line:column`.
pub(crate) fn source(file: &str, line: u32, column: u32) -> super::SourceRef {
    super::SourceRef {
        file: file.into(),
        line,
        column,
    }
}

/// A plan of a roster text against a state.
pub(crate) fn plan_with(roster: &str, state: &LiveState) -> Plan {
    let loaded = load_texts(&[("roster.yaml", roster)]);
    assert!(!loaded.has_errors(), "{roster}\n{:#?}", loaded.diagnostics);
    Planner::build_at(&loaded.roster, state, "sha256:test", now())
}

/// The account the unit tests' plans name.
const ACCOUNT: &str = "https://acme.zendesk.com";

/// The moment the unit tests' plans are made at, as the emulator's clock of [`state`] and
/// the end-to-end scenarios (`zplan --now`) have it.
pub(crate) const NOW: &str = "2026-11-01T12:00:00Z";

/// [`NOW`] as a time.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    NOW.parse().unwrap()
}

/// Live state of the account a state file describes, as zplan's fetch would read it from
/// the emulator: `json` is a state file (`users`, `groups`, …, `user_fields` definitions
/// and an optional `account` object with the knobs; an Enterprise account unless it names
/// another profile) loaded into the emulator's store as `zroster fake --state` loads it,
/// whose answers are parsed with the client's wire types and converted as the fetch
/// converts them. The planner's unit tests thus plan against the account the scenario
/// tests apply to, with no reading of the account of their own.
fn state(json: &Value) -> LiveState {
    let mut json = json.clone();
    // The admin the plan is made as, id 1, unless the state has a user 1.
    let users = json["users"].as_array().cloned().unwrap_or_default();
    if !users.iter().any(|u| u["id"] == 1) {
        let mut users = users;
        users.push(admin());
        json["users"] = Value::Array(users);
    }
    let seed: StateFile = serde_json::from_value(json).unwrap();
    let mut knobs = Knobs::resolve(seed.account.as_ref(), &AccountSettings::default());
    // The account the plans name, unless the state names its own.
    if seed.account.as_ref().is_none_or(|a| a.subdomain.is_none()) {
        "acme".clone_into(&mut knobs.subdomain);
    }
    // Times the state leaves out are the clock's: a fixed moment, so that plans stay put.
    let clock = std::sync::Arc::new(crate::fake::Clock::default());
    clock.set(now());
    let store = Store::from_state_file(ACCOUNT, seed, ADMIN_EMAIL, &knobs, clock).unwrap();
    let account = Emulated {
        store: &store,
        knobs: &knobs,
    };
    let me: wire::Me = account.object("users/me", "user").unwrap();
    let users: Vec<wire::User> = account.list("users", "users");
    // Secondary email identities, as the fetch records them for the roster's emails.
    let secondary_emails = users
        .iter()
        .flat_map(|u| {
            account.list::<wire::Identity>(&format!("users/{}/identities", u.id), "identities")
        })
        .filter(|i| i.kind == "email" && !i.primary)
        .filter_map(|i| Some((i.value.to_lowercase(), i.user_id?)))
        .collect();
    // Custom roles: unavailable when the account forbids reading them.
    let (custom_roles, custom_roles_available) =
        match account.try_list::<wire::CustomRole>("custom_roles", "custom_roles") {
            Ok(roles) => (roles, true),
            Err(error) if matches!(error.status, 403 | 404) => (Vec::new(), false),
            Err(error) => panic!("custom_roles: {}", error.status),
        };
    let groups: Vec<wire::Group> = account.list("groups", "groups");
    let groups: Vec<wire::Group> = groups.into_iter().filter(|g| !g.deleted).collect();
    let settings: wire::AccountSettings = account.object("account/settings", "settings").unwrap();
    let user_fields: Vec<wire::UserField> = account.list("user_fields", "user_fields");
    let default_group = groups.iter().find(|g| g.default).map(|g| g.id);
    let rules = crate::state::AccountRules::read(Some(&settings), Some(user_fields), default_group);
    let group_memberships: Vec<wire::GroupMembership> =
        account.list("group_memberships", "group_memberships");
    let organization_memberships: Vec<wire::OrganizationMembership> =
        account.list("organization_memberships", "organization_memberships");
    let organizations: Vec<wire::Organization> = account.list("organizations", "organizations");
    LiveState {
        account: ACCOUNT.into(),
        me: AuthenticatedUser {
            id: me.id.unwrap(),
            name: me.name.unwrap_or_default(),
            email: me.email,
            role: me.role.unwrap(),
            account: me.url.as_deref().and_then(crate::zendesk::subdomain_of),
        },
        users: users
            .into_iter()
            .map(|u| (u.id, Box::new(LiveUser::from(u))))
            .collect(),
        secondary_emails,
        secondary_emails_unchecked: 0,
        recent_emails_unchecked: 0,
        custom_roles: custom_roles.into_iter().map(Into::into).collect(),
        custom_roles_available,
        organizations: organizations.into_iter().map(Into::into).collect(),
        groups: groups.into_iter().map(Into::into).collect(),
        group_memberships_total: Some(group_memberships.len() as u64),
        organization_memberships_total: Some(organization_memberships.len() as u64),
        group_memberships: group_memberships
            .into_iter()
            .map(LiveMembership::from)
            .collect(),
        organization_memberships: Some(
            organization_memberships
                .into_iter()
                .map(LiveMembership::from)
                .collect(),
        ),
        rules,
        agent_seats: None,
        cost: FetchCost {
            stats: crate::zendesk::RequestStats::default(),
            email_lookup: None,
            secondary_check: None,
        },
    }
}

/// The emulator's account, read in-process as the client reads it over HTTP.
struct Emulated<'a> {
    store: &'a Store,
    knobs: &'a Knobs,
}

impl Emulated<'_> {
    fn get(&self, path: &str) -> Result<Vec<u8>, crate::fake::ApiError> {
        self.store.answer_get(self.knobs, ADMIN_EMAIL, path)
    }

    /// The object under `key` of `GET path`.
    fn object<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<T, crate::fake::ApiError> {
        let body = self.get(path)?;
        Ok(wire::parse_object(&body, key).unwrap())
    }

    /// Every item under `key` of `GET path`, page by page (cursor pages of 100, or the one
    /// offset page the emulator's short listings answer with).
    fn try_list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, crate::fake::ApiError> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let url = match &after {
                None => format!("{path}?page[size]=100"),
                Some(cursor) => format!("{path}?page[size]=100&page[after]={cursor}"),
            };
            let page = wire::Page::<T>::from_json(&self.get(&url)?, key).unwrap();
            assert!(
                page.next_offset_url().is_none(),
                "{path}: a second offset page"
            );
            after = page.next_cursor().map(str::to_owned);
            items.extend(page.items);
            if after.is_none() {
                return Ok(items);
            }
        }
    }

    fn list<T: serde::de::DeserializeOwned>(&self, path: &str, key: &str) -> Vec<T> {
        self.try_list(path, key)
            .unwrap_or_else(|e| panic!("{path}: {}", e.status))
    }
}

fn plan(roster: &str, live: &Value) -> Plan {
    let loaded = load_texts(&[("roster.yaml", roster)]);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    Planner::build_at(&loaded.roster, &state(live), "sha256:test", now())
}

/// The plan in a compact, stable form.
fn brief(plan: &Plan) -> String {
    brief_of(plan, false)
}

/// [`brief`] with each change's notes (what Zendesk does by itself) under it.
fn brief_with_notes(plan: &Plan) -> String {
    brief_of(plan, true)
}

fn brief_of(plan: &Plan, notes: bool) -> String {
    let mut out = String::new();
    for refusal in &plan.refusals {
        match &refusal.source {
            Some(source) => writeln!(
                out,
                "REFUSED {} at {source}: {}",
                refusal.rule, refusal.message
            ),
            None => writeln!(out, "REFUSED {}: {}", refusal.rule, refusal.message),
        }
        .unwrap();
    }
    for entry in &plan.expiring {
        writeln!(
            out,
            "EXPIRING {} ({}): {} ends at {}, then {}",
            entry.key,
            entry.source,
            entry
                .role
                .as_deref()
                .map_or_else(|| "access".to_owned(), |r| format!("temporary role {r}")),
            entry.at,
            entry.then
        )
        .unwrap();
    }
    for error in &plan.errors {
        writeln!(out, "ERROR {}: {}", error.source, error.message).unwrap();
    }
    for c in &plan.changes {
        let action = serde_json::to_value(c.action).unwrap();
        let kind = serde_json::to_value(c.kind).unwrap();
        write!(
            out,
            "{} {} {}",
            action.as_str().unwrap(),
            kind.as_str().unwrap(),
            c.key
        )
        .unwrap();
        if let Some(target) = &c.target {
            write!(out, " -> {target}").unwrap();
        }
        if let Some(escalation) = &c.escalation {
            write!(out, " [escalation: {escalation}]").unwrap();
        }
        if let Some(blocked) = &c.blocked {
            write!(out, " [BLOCKED: {blocked}]").unwrap();
        }
        writeln!(out).unwrap();
        for f in &c.fields {
            writeln!(out, "    {}: {} -> {}", f.field, f.before, f.after).unwrap();
        }
        for note in c.notes.iter().filter(|_| notes) {
            writeln!(out, "    note: {note}").unwrap();
        }
    }
    for d in &plan.drift {
        writeln!(
            out,
            "drift {} ({})",
            d.user.email.as_deref().unwrap_or("-"),
            d.role
        )
        .unwrap();
    }
    let s = &plan.summary;
    writeln!(
        out,
        "summary: {} create, {} update, {} suspend, {} downgrade, {} delete, {} blocked; seats {:+}; {} requests, {} jobs",
        s.create, s.update, s.suspend, s.downgrade, s.delete, s.blocked, s.seat_delta, s.requests, s.jobs
    )
    .unwrap();
    out
}

const JANE: &str = r#"{"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent", "active": true, "time_zone": "Berlin", "iana_time_zone": "Europe/Berlin", "locale": "en-US", "tags": ["emea", "vip"], "user_fields": {"employee_id": "1042", "start": "2024-03-01T00:00:00+00:00"}, "alias": "", "updated_at": "2026-11-01T10:00:00Z"}"#;

fn jane() -> Value {
    serde_json::from_str(JANE).unwrap()
}

/// Jane's account with what her tags and user fields need: user tagging on, and the fields
/// `employee_id` (text) and `start` (date) defined.
fn janes_account() -> Value {
    json!({
        "account": {"user_tagging": true},
        "user_fields": [
            {"id": 600, "key": "employee_id", "type": "text", "title": "Employee ID"},
            {"id": 601, "key": "start", "type": "date", "title": "Start date"}
        ],
        "users": [jane()]
    })
}

/// How many scenarios `tests/fixtures/scenarios/` holds.
const SCENARIOS: usize = 50;

/// The account profiles of the emulator, by the name a state's `account.profile` gives.
const PROFILES: [&str; 4] = ["team", "growth", "professional", "enterprise"];

/// The issue's planner scenarios, each a small roster and state in
/// `tests/fixtures/scenarios/<name>/` (`roster.yaml`, `state.json` with the account's knobs
/// in `account`): name, roster text, state.
fn scenarios() -> Vec<(String, String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), SCENARIOS, "{names:?}");
    names
        .into_iter()
        .map(|name| {
            let dir = root.join(&name);
            let roster = std::fs::read_to_string(dir.join("roster.yaml")).unwrap();
            let live: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap())
                    .unwrap();
            (name, roster, live)
        })
        .collect()
}

/// Each scenario on its own account (Enterprise unless its `account` names a profile),
/// rendered in all three formats and pinned: what a reviewer reads for each kind of change.
/// The end-to-end tests apply the same scenarios to the emulator.
#[test]
fn every_scenario_renders_in_every_format() {
    use crate::render::{self, Format, RenderOptions};
    for (name, roster, live) in scenarios() {
        let loaded = load_texts(&[("roster.yaml", roster.as_str())]);
        assert!(!loaded.has_errors(), "{name}: {:#?}", loaded.diagnostics);
        let plan = Planner::build_at(&loaded.roster, &state(&live), "sha256:test", now());
        for (format, suffix) in [
            (Format::Human, "human"),
            (Format::Markdown, "markdown"),
            (Format::Json, "json"),
        ] {
            let mut out = Vec::new();
            render::renderer(format, RenderOptions::default())
                .render(&plan, &mut out)
                .unwrap();
            insta::assert_snapshot!(
                format!("scenario_{name}_{suffix}"),
                String::from_utf8(out).unwrap()
            );
        }
    }
}

/// Each scenario planned on every account profile (only on the profile its `account`
/// names, if it names one), in the compact form with the changes' notes, profiles with the
/// same plan together: what each account's rules and automatic behaviour make of the same
/// roster. The end-to-end tests apply each on the same profiles.
#[test]
fn every_scenario_plans_on_every_profile() {
    for (name, roster, live) in scenarios() {
        let pinned = live["account"]["profile"].as_str().map(str::to_owned);
        let mut plans: Vec<(Vec<&str>, String)> = Vec::new();
        for profile in PROFILES {
            if pinned.as_deref().is_some_and(|p| p != profile) {
                continue;
            }
            let mut live = live.clone();
            if live.get("account").is_none() {
                live["account"] = json!({});
            }
            live["account"]["profile"] = json!(profile);
            let text = brief_with_notes(&plan(&roster, &live));
            // A long plan is pinned by its first changes and its summary.
            let lines: Vec<&str> = text.lines().collect();
            let text = if lines.len() > 40 {
                format!(
                    "{}\n… {} more lines\n{}\n",
                    lines[..30].join("\n"),
                    lines.len() - 31,
                    lines[lines.len() - 1]
                )
            } else {
                text
            };
            match plans.iter_mut().find(|(_, t)| *t == text) {
                Some((profiles, _)) => profiles.push(profile),
                None => plans.push((vec![profile], text)),
            }
        }
        let out: Vec<String> = plans
            .into_iter()
            .map(|(profiles, text)| format!("## {}\n{text}", profiles.join(", ")))
            .collect();
        insta::assert_snapshot!(format!("scenario_{name}_profiles"), out.join("\n"));
    }
}
