//! The planner's idempotence property: for random rosters and live states, applying the
//! plan's changes to the state in memory and planning again gives an empty plan. The
//! in-memory applier does what the executor asks Zendesk to do, in the plan's order, with
//! the plan's values only. (Not the convergence check after applying, which is
//! `apply::convergence`.)

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::tests::{plan_with, state_from};
use super::{Action, FieldName, FieldValue, Kind, MatchKey, Plan, UserField};
use crate::roster::Role;
use crate::state::{LiveGroup, LiveMembership, LiveState, LiveUser};

/// Applies every applicable change of `plan` to `state`.
fn apply(plan: &Plan, state: &mut LiveState) {
    let mut next_id = 900_000;
    let mut new_id = || {
        next_id += 1;
        next_id
    };
    for change in plan.applicable() {
        match (change.kind, change.action) {
            (Kind::Group, Action::Create) => {
                let name = change.label.clone();
                state.groups.push(LiveGroup {
                    id: new_id(),
                    name,
                    description: None,
                    is_public: Some(true),
                    default: false,
                    updated_at: None,
                });
            }
            (Kind::User, Action::Create) => {
                let id = new_id();
                let mut user = blank_user(id);
                for field in &change.fields {
                    set(state, &mut user, &field.field, field.after.clone());
                }
                if user.role.is_staff() {
                    join_default_group(state, &user, new_id());
                }
                state.users.insert(id, Box::new(user));
            }
            (
                Kind::User,
                Action::Update | Action::Suspend | Action::Unsuspend | Action::Downgrade,
            ) => {
                let id = change.id.expect("updates name a live user");
                let mut user = state.users[&id].clone();
                let was_staff = user.role.is_staff();
                for field in &change.fields {
                    set(state, &mut user, &field.field, field.after.clone());
                }
                if user.role.is_staff() && !was_staff {
                    join_default_group(state, &user, new_id());
                }
                if user.role == Role::EndUser {
                    // Zendesk removes an end-user's group memberships.
                    state.group_memberships.retain(|m| m.user_id != id);
                    user.default_group_id = None;
                }
                state.users.insert(id, user);
            }
            (Kind::User, Action::Delete) => {
                let id = change.id.expect("deletes name a live user");
                state.users.get_mut(&id).unwrap().active = false;
            }
            (Kind::Identity, Action::MakePrimary) => {
                let id = change.id.unwrap();
                state.users.get_mut(&id).unwrap().email =
                    change.fields[0].after.as_text().map(str::to_owned);
            }
            (Kind::GroupMembership, Action::Add) => {
                let user_id = change
                    .id
                    .or_else(|| user_by_key(state, &change.key))
                    .unwrap();
                let target = change.target.as_deref().unwrap();
                let group = state
                    .groups
                    .iter()
                    .find(|g| g.name.eq_ignore_ascii_case(target))
                    .unwrap()
                    .id;
                let id = new_id();
                state.group_memberships.push(LiveMembership {
                    id,
                    user_id,
                    target_id: group,
                    default: false,
                });
            }
            (Kind::GroupMembership, Action::Remove) => {
                let user_id = change
                    .id
                    .or_else(|| user_by_key(state, &change.key))
                    .unwrap();
                let group = change.target_id.unwrap();
                state
                    .group_memberships
                    .retain(|m| !(m.user_id == user_id && m.target_id == group));
            }
            other => panic!("the generated rosters do not plan {other:?}"),
        }
    }
}

/// What Zendesk does to a user it makes an agent: the default group given at creation,
/// else the account's default group, becomes a membership.
fn join_default_group(state: &mut LiveState, user: &LiveUser, id: u64) {
    let Some(group) = user.default_group_id.or(state.rules.default_group) else {
        return;
    };
    state.group_memberships.push(LiveMembership {
        id,
        user_id: user.id,
        target_id: group,
        default: true,
    });
}

fn user_by_key(state: &LiveState, key: &MatchKey) -> Option<u64> {
    state
        .users
        .values()
        .find(|u| {
            u.active
                && match key {
                    MatchKey::ExternalId(value) => u
                        .external_id
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(value)),
                    MatchKey::Email(value) => u
                        .email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(value)),
                    MatchKey::Id(id) => u.id == *id,
                    MatchKey::Name(_) => false,
                }
        })
        .map(|u| u.id)
}

fn blank_user(id: u64) -> LiveUser {
    let wire: crate::zendesk::wire::User =
        serde_json::from_value(json!({"id": id, "active": true})).unwrap();
    LiveUser::from(wire)
}

fn set(state: &LiveState, user: &mut LiveUser, field: &FieldName, value: FieldValue) {
    let FieldName::User(field) = field else {
        panic!("the generated rosters set only user fields, not `{field}`");
    };
    match (field, value) {
        (UserField::Name, FieldValue::Text(name)) => user.name = name,
        (UserField::Email, value) => user.email = value.as_text().map(str::to_owned),
        (UserField::ExternalId, value) => user.external_id = value.as_text().map(str::to_owned),
        (UserField::Role, FieldValue::Role(role)) => user.role = role,
        (UserField::Tags, FieldValue::List(mut tags)) => {
            tags.sort();
            user.tags = tags;
        }
        (UserField::Alias, value) => user.alias = value.as_text().map(str::to_owned),
        (UserField::Suspended, FieldValue::Flag(suspended)) => user.suspended = suspended,
        (UserField::DefaultGroup, value) => {
            user.default_group_id = value
                .as_text()
                .and_then(|n| state.groups.iter().find(|g| g.name == n).map(|g| g.id));
        }
        (UserField::Verified, FieldValue::Flag(verified)) => user.verified = verified,
        (field, value) => panic!("the generated rosters do not set `{field}` to {value}"),
    }
}

/// A roster user: keys, and a random subset of managed fields.
#[derive(Debug, Clone)]
#[allow(clippy::option_option)] // absent, `null`, or a value: the three states of a field
struct GenUser {
    n: u8,
    with_external_id: bool,
    email_case_upper: bool,
    name: Option<u8>,
    role: Option<u8>,
    tags: Option<Vec<u8>>,
    alias: Option<Option<u8>>,
    suspended: Option<bool>,
    groups: Option<Vec<u8>>,
}

fn gen_user() -> impl Strategy<Value = GenUser> {
    (
        0u8..12,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0u8..3),
        proptest::option::of(0u8..3),
        proptest::option::of(proptest::collection::vec(0u8..4, 0..3)),
        proptest::option::of(proptest::option::of(0u8..2)),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::collection::vec(0u8..3, 0..3)),
    )
        .prop_map(
            |(
                n,
                with_external_id,
                email_case_upper,
                name,
                role,
                tags,
                alias,
                suspended,
                groups,
            )| GenUser {
                n,
                with_external_id,
                email_case_upper,
                name,
                role,
                tags,
                alias,
                suspended,
                groups,
            },
        )
}

const ROLES: [&str; 3] = ["end-user", "agent", "admin"];

fn roster_text(users: &[GenUser], prune: &str) -> String {
    let mut text = format!(
        "settings:\n  manage: {{ roles: [agent] }}\n  prune: {prune}\ngroups:\n  - name: G0\n  - name: G1\n  - name: G2\nusers:\n"
    );
    let mut seen = std::collections::BTreeSet::new();
    for user in users {
        if !seen.insert(user.n) {
            continue; // one entry per person
        }
        let email = format!("p{}@acme.com", user.n);
        let email = if user.email_case_upper {
            email.to_uppercase()
        } else {
            email
        };
        write!(
            text,
            "  - email: {email}\n    name: Person {}{}\n",
            user.n,
            user.name.map(|v| format!(" v{v}")).unwrap_or_default()
        )
        .unwrap();
        if user.with_external_id {
            writeln!(text, "    external_id: x-{}", user.n).unwrap();
        }
        // Groups need an agent or admin; an end-user with groups is a validation error.
        let role = match (user.role, &user.groups) {
            (Some(0), Some(g)) if !g.is_empty() => Some(1),
            (role, _) => role,
        };
        if let Some(role) = role {
            writeln!(text, "    role: {}", ROLES[role as usize]).unwrap();
        }
        if let Some(tags) = &user.tags {
            let mut tags: Vec<String> = tags.iter().map(|t| format!("T{t}")).collect();
            tags.sort();
            tags.dedup();
            writeln!(text, "    tags: [{}]", tags.join(", ")).unwrap();
        }
        match user.alias {
            Some(Some(a)) => writeln!(text, "    alias: Alias {a}").unwrap(),
            Some(None) => writeln!(text, "    alias: null").unwrap(),
            None => {}
        }
        if let Some(suspended) = user.suspended {
            writeln!(text, "    suspended: {suspended}").unwrap();
        }
        if let (Some(groups), Some(1 | 2)) = (&user.groups, role) {
            let mut groups: Vec<String> = groups.iter().map(|g| format!("G{g}")).collect();
            groups.dedup();
            groups.sort();
            groups.dedup();
            writeln!(text, "    groups: [{}]", groups.join(", ")).unwrap();
        }
    }
    text
}

/// A live user: number, role, has an external id, tags, suspended, alias, groups.
type GenLive = (u8, u8, bool, Vec<u8>, bool, Option<u8>, Vec<u8>);

/// Live users numbered like the roster's, with random values.
fn gen_live() -> impl Strategy<Value = Vec<GenLive>> {
    proptest::collection::vec(
        (
            0u8..12,
            0u8..3,
            any::<bool>(),
            proptest::collection::vec(0u8..4, 0..3),
            any::<bool>(),
            proptest::option::of(0u8..2),
            proptest::collection::vec(0u8..3, 0..2),
        ),
        0..10,
    )
}

fn live_json(live: &[GenLive]) -> Value {
    let mut users = Vec::new();
    let mut memberships = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (n, role, with_external_id, tags, suspended, alias, groups) in live {
        if !seen.insert(*n) {
            continue;
        }
        let id = 100 + u64::from(*n);
        let mut user = json!({
            "id": id, "name": format!("Person {n}"), "email": format!("p{n}@acme.com"),
            "role": ROLES[*role as usize], "active": true, "suspended": suspended,
            "tags": tags.iter().map(|t| format!("t{t}")).collect::<Vec<_>>(),
            "alias": alias.map(|a| format!("Alias {a}")),
        });
        if *with_external_id {
            user["external_id"] = json!(format!("x-{n}"));
        }
        users.push(user);
        if *role > 0 {
            for g in groups {
                memberships.push(json!({"id": 7000 + id * 10 + u64::from(*g), "user_id": id, "group_id": 50 + u64::from(*g)}));
            }
        }
    }
    json!({
        // Tagging on, so that the generated tags are planned rather than blocked; the
        // account's default group ("Support", which the emulator adds) stays in play.
        "account": {"user_tagging": true},
        "users": users,
        "groups": [{"id": 50, "name": "G0"}, {"id": 51, "name": "G1"}, {"id": 52, "name": "G2"}],
        "group_memberships": memberships,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_then_planning_again_plans_nothing(
        users in proptest::collection::vec(gen_user(), 0..8),
        live in gen_live(),
        prune in prop_oneof![Just("report"), Just("suspend"), Just("downgrade"), Just("delete")],
    ) {
        let roster = roster_text(&users, prune);
        let mut state = state_from(&live_json(&live));
        let first = plan_with(&roster, &state);
        prop_assume!(first.errors.is_empty() && first.refusals.is_empty());
        apply(&first, &mut state);
        let second = plan_with(&roster, &state);
        let left: Vec<_> = second.applicable().map(|c| (c.action, c.kind, c.key.clone(), c.fields.clone())).collect();
        prop_assert!(left.is_empty(), "roster:\n{roster}\nfirst plan: {:#?}\nleft: {left:#?}", first.changes);
    }
}
