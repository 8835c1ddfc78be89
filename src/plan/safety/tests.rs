//! The safety rules as planning and applying evaluate them.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::plan::tests::{plan_with, state_from};
use crate::plan::{Facts, Plan};

/// Ada (#1, the authenticated admin), Ben (#2, admin), Cy (#3, a suspended agent) and Owen
/// (#4, an agent whose second address `owner@acme.com` is protected).
fn account() -> Value {
    json!({"users": [
        {"id": 1, "name": "Ada Admin", "email": "admin@acme.com", "role": "admin", "active": true},
        {"id": 2, "name": "Ben", "email": "ben@acme.com", "external_id": "emp-2", "role": "admin", "active": true},
        {"id": 3, "name": "Cy", "email": "cy@acme.com", "external_id": "emp-3", "role": "agent", "active": true, "suspended": true},
        {"id": 4, "name": "Owen", "email": "owen@acme.com", "external_id": "emp-4", "role": "agent", "active": true}
    ]})
}

/// Each blocked change: the user it is about, and why.
fn blocked(plan: &Plan) -> Vec<(u64, String)> {
    plan.changes
        .iter()
        .filter_map(|c| Some((c.id?, c.blocked.as_ref()?.to_string())))
        .collect()
}

#[test]
fn a_suspended_agent_promoted_to_admin_is_not_an_active_admin() {
    let state = state_from(&account());
    let roster =
        "settings:\n  safety: { min_admins: 3 }\nusers:\n  - { external_id: emp-3, role: admin }\n";
    let plan = plan_with(roster, &state);
    let rules: Vec<&str> = plan.refusals.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        rules,
        ["the plan leaves 2 active admins and `min_admins` is 3"],
        "{plan:#?}"
    );
    // Unsuspended by the same change, Cy counts.
    let roster = "settings:\n  safety: { min_admins: 3 }\nusers:\n  - { external_id: emp-3, role: admin, suspended: false }\n";
    assert!(plan_with(roster, &state).refusals.is_empty());
}

#[test]
fn protect_matches_a_secondary_address_once_it_is_known() {
    let state = state_from(&account());
    let roster = "settings:\n  protect: [owner@acme.com]\nusers:\n  - { external_id: emp-4, role: end-user }\n";
    let mut plan = plan_with(roster, &state);
    assert!(blocked(&plan).is_empty());
    assert_eq!(plan.users_needing_addresses(&state.users), [4]);
    let addresses = HashMap::from([(4, vec!["owner@acme.com".to_owned()])]);
    let facts = Facts {
        me: 1,
        users: &state.users,
        addresses: &addresses,
        agent_seats: None,
    };
    assert_eq!(plan.enforce_safety(&facts), [0]);
    assert_eq!(
        blocked(&plan),
        [(4, "protected by `owner@acme.com`".to_owned())]
    );
    assert_eq!(plan.summary.blocked, 1);
}

#[test]
fn no_address_is_read_when_protect_names_external_ids_only() {
    let state = state_from(&account());
    let roster = "settings:\n  protect: [\"external_id:emp-9\"]\nusers:\n  - { external_id: emp-4, role: end-user }\n";
    assert!(
        plan_with(roster, &state)
            .users_needing_addresses(&state.users)
            .is_empty()
    );
}

#[test]
fn the_authenticated_users_primary_email_is_never_changed() {
    let mut json = account();
    json["users"][0]["external_id"] = json!("emp-1");
    let state = state_from(&json);
    let plan = plan_with(
        "users:\n  - { external_id: emp-1, email: ada@acme.com, role: admin }\n",
        &state,
    );
    assert_eq!(
        blocked(&plan),
        [(
            1,
            "the authenticated user's primary email is never changed (its credentials name it)"
                .to_owned()
        )],
        "{plan:#?}"
    );
}

#[test]
fn evaluating_again_blocks_what_an_edited_plan_unblocked_and_refuses_what_it_hid() {
    let state = state_from(&account());
    let roster = "settings:\n  protect: [ben@acme.com]\n  safety: { min_admins: 2 }\n  manage: { roles: [admin] }\n  prune: suspend\nusers:\n  - { external_id: emp-2, role: admin }\n";
    let mut plan = plan_with(roster, &state);
    // Ada is suspended by prune: she is the authenticated user, so it is blocked.
    assert_eq!(blocked(&plan).len(), 1, "{plan:#?}");
    // Someone removes the block and the refusal, and appends a demotion of Ben.
    plan.changes[0].blocked = None;
    let mut demote = plan.changes[0].clone();
    demote.id = Some(2);
    plan.changes.push(demote);
    plan.refusals.clear();
    let no_addresses = HashMap::new();
    let facts = Facts {
        me: 1,
        users: &state.users,
        addresses: &no_addresses,
        agent_seats: None,
    };
    assert_eq!(plan.enforce_safety(&facts), [0, 1]);
    assert_eq!(
        blocked(&plan),
        [
            (
                1,
                "the authenticated user is never demoted, suspended or deleted".to_owned()
            ),
            (2, "protected by `ben@acme.com`".to_owned())
        ]
    );
}

#[test]
fn a_saved_plan_is_sealed_until_anything_in_it_changes() {
    let state = state_from(&account());
    let mut plan = plan_with("users:\n  - { external_id: emp-4, role: admin }\n", &state);
    assert!(!plan.is_sealed(), "never saved");
    plan.seal();
    let text = serde_json::to_string_pretty(&plan).unwrap();
    let mut read: Plan = serde_json::from_str(&text).unwrap();
    assert!(read.is_sealed());
    read.changes[0].id = Some(2);
    assert!(!read.is_sealed());
    let mut read: Plan = serde_json::from_str(&text).unwrap();
    read.safety.min_admins = 0;
    assert!(!read.is_sealed());
}

#[test]
fn a_saved_plan_keeps_its_journal_name_when_the_re_check_blocks_more() {
    let state = state_from(&account());
    let roster = "settings:\n  protect: [owner@acme.com]\nusers:\n  - { external_id: emp-4, role: end-user }\n";
    let mut plan = plan_with(roster, &state);
    plan.seal();
    let name = plan.journal_name();
    assert_eq!(name, plan.plan_digest);
    let addresses = HashMap::from([(4, vec!["owner@acme.com".to_owned()])]);
    let facts = Facts {
        me: 1,
        users: &state.users,
        addresses: &addresses,
        agent_seats: None,
    };
    assert_eq!(plan.enforce_safety(&facts), [0]);
    // A resumed run names the plan as read from the file, before the re-check.
    assert_eq!(plan.journal_name(), name);
}
