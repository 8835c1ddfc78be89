//! The policy's judgements on small plans: who would hold access, the account's totals,
//! and what is judged again at apply time.

use std::collections::BTreeMap;

use serde_json::json;

use super::{PolicySettings, judge_changes, totals_delta, totals_now};
use crate::plan::tests::{plan_with, state_from};
use crate::plan::{Refusal, SourceRef};
use crate::state::LiveUser;

fn rules(refusals: &[Refusal]) -> Vec<String> {
    refusals
        .iter()
        .map(|r| {
            let at = r
                .source
                .as_ref()
                .map(SourceRef::to_string)
                .unwrap_or_default();
            format!("{} {at}: {}", r.rule, r.message)
        })
        .collect()
}

fn policy_refusals(roster: &str, state: &serde_json::Value) -> Vec<String> {
    let plan = plan_with(roster, &state_from(state));
    rules(
        &plan
            .refusals
            .iter()
            .filter(|r| r.rule.starts_with("policy."))
            .cloned()
            .collect::<Vec<_>>(),
    )
}

fn account() -> serde_json::Value {
    json!({
        "groups": [{"id": 500, "name": "Support", "default": true}],
        "users": [
            {"id": 10, "name": "Ann", "email": "ann@acme.com", "external_id": "e10", "role": "agent"},
            {"id": 11, "name": "Gil", "email": "gil@gmail.com", "role": "agent"},
            {"id": 12, "name": "Out", "email": "out@other.com", "role": "admin"}
        ]
    })
}

#[test]
fn an_address_outside_the_patterns_refuses_the_plan_at_its_line() {
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\"]\n    admin_emails: [\"boss@acme.com\"]\nusers:\n  - email: ann@acme.com\n    role: agent\n  - email: gil@gmail.com\n  - name: New\n    email: new@gmail.com\n    role: admin\n";
    let refused = policy_refusals(roster, &account());
    assert_eq!(
        refused,
        [
            "policy.agent_emails roster.yaml:8:5: Gil <gil@gmail.com> would be an agent with `gil@gmail.com`, and `policy.agent_emails` allows `*@acme.com`",
            "policy.admin_emails roster.yaml:9:5: New <new@gmail.com> would be an admin with `new@gmail.com`, and `policy.admin_emails` allows `boss@acme.com`",
        ],
        "{refused:#?}"
    );
}

#[test]
fn a_user_the_plan_demotes_or_does_not_list_is_not_judged() {
    // Gil is made an end-user; Out (an admin the roster does not list) is not the roster's.
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\"]\n    admin_emails: []\nusers:\n  - email: gil@gmail.com\n    role: end-user\n";
    assert!(policy_refusals(roster, &account()).is_empty());
}

#[test]
fn the_roster_s_own_rules_name_each_entry() {
    // Ned is created as an agent (Zendesk puts him in the default group, but the entry
    // lists none); Bea's `groups: []` breaks an account rule, so the plan does not make her
    // an agent at all.
    let roster = "settings:\n  policy:\n    require_external_id: true\n    agents_need_group: true\ndefaults:\n  role: agent\nusers:\n  - email: ann@acme.com\n    external_id: e10\n    groups: [Support]\n  - email: gil@gmail.com\n  - name: Ned\n    email: ned@acme.com\n    external_id: e13\n  - name: Bea\n    email: bea@acme.com\n    external_id: e14\n    groups: []\n";
    let refused = policy_refusals(roster, &account());
    assert_eq!(
        refused,
        [
            "policy.require_external_id roster.yaml:11:5: Gil <gil@gmail.com> would be an agent, and the entry has no `external_id`, which `policy.require_external_id` requires",
            "policy.agents_need_group roster.yaml:11:5: Gil <gil@gmail.com> would be an agent, and the entry lists no `groups` (nor do `defaults`), which `policy.agents_need_group` requires",
            "policy.agents_need_group roster.yaml:12:5: Ned <ned@acme.com> would be an agent, and the entry lists no `groups` (nor do `defaults`), which `policy.agents_need_group` requires",
        ],
        "{refused:#?}"
    );
}

#[test]
fn the_totals_count_the_whole_account_after_the_plan() {
    // 2 agents and 1 admin, plus the authenticated admin the tests add: 2 admins, 4 seats.
    let roster = "settings:\n  policy:\n    max_admins: 2\n    max_agents: 4\nusers:\n  - name: New\n    email: new@acme.com\n    role: admin\n  - email: gil@gmail.com\n    role: end-user\n";
    let refused = policy_refusals(roster, &account());
    assert_eq!(
        refused,
        [
            "policy.max_admins roster.yaml:3:17: the account would have 3 admins after the plan (2 now, +1 by the plan), and `policy.max_admins` is 2: 1 over"
        ],
        "{refused:#?}"
    );
    // Within budget: the new admin's seat is the one Gil frees.
    let roster = roster.replace("max_admins: 2", "max_admins: 3");
    assert!(policy_refusals(&roster, &account()).is_empty());
}

#[test]
fn the_totals_move_with_every_kind_of_user_change() {
    let state = state_from(&account());
    let plan = plan_with(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: delete\n  policy: { max_agents: 0 }\nusers:\n  - email: ann@acme.com\n    role: admin\n  - name: New\n    email: new@acme.com\n    role: agent\n  - email: admin@acme.com\n",
        &state,
    );
    // Ann promoted (+1 admin), New created (+1 seat), Gil and Out deleted (-2 seats, -1
    // admin).
    assert_eq!(totals_delta(&state.users, &plan.changes), (0, -1));
    assert_eq!(totals_now(&state.users, None), (2, 4));
    assert_eq!(totals_now(&state.users, Some(40)), (2, 40));
}

/// Light agents and contributors hold no seat (Zendesk does not bill them): not counted
/// now, nothing freed when they are downgraded; a light agent given another custom role is
/// counted as taking one, since the plan cannot tell the new role's kind.
#[test]
fn light_agents_and_contributors_hold_no_seat() {
    let state = state_from(&json!({
        "custom_roles": [
            {"id": 600, "name": "Light Agent", "role_type": 1, "configuration": {}},
            {"id": 601, "name": "Staff", "role_type": 0, "configuration": {}}
        ],
        "users": [
            {"id": 10, "name": "Ann", "email": "ann@acme.com", "role": "agent", "role_type": 0, "custom_role_id": 601},
            {"id": 11, "name": "Lia", "email": "lia@acme.com", "role": "agent", "role_type": 1, "custom_role_id": 600},
            {"id": 12, "name": "Con", "email": "con@acme.com", "role": "agent", "role_type": 3, "custom_role_id": 600},
            {"id": 13, "name": "Sus", "email": "sus@acme.com", "role": "agent", "role_type": 0, "custom_role_id": 601, "suspended": true}
        ]
    }));
    // Ann, the suspended Sus and the authenticated admin: three seats; Lia and Con none.
    assert_eq!(totals_now(&state.users, None).1, 3);
    let plan = plan_with(
        "users:\n  - email: lia@acme.com\n    role: end-user\n  - email: con@acme.com\n    role: agent\n    custom_role: Staff\n  - email: ann@acme.com\n    role: end-user\n",
        &state,
    );
    // Lia downgraded: 0; Con given Staff: +1; Ann downgraded: -1.
    assert_eq!(
        totals_delta(&state.users, &plan.changes).1,
        0,
        "{:#?}",
        plan.changes
    );
    assert_eq!(plan.summary.seat_delta, 0);
}

#[test]
fn at_apply_time_the_account_decides_the_addresses_and_the_totals() {
    let state = state_from(&account());
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\"]\n    require_external_id: true\n    max_agents: 10\nusers:\n  - email: ann@acme.com\n    name: Ann B.\n  - email: gil@gmail.com\n";
    let plan = plan_with(roster, &state);
    let settings = PolicySettings {
        agent_emails: Some(vec!["*@acme.com".into()]),
        max_agents: Some(10),
        require_external_id: true,
        ..PolicySettings::default()
    };
    assert_eq!(plan.safety.policy, settings);
    // Ann's and Gil's entries have no external id, and Gil's address is not `acme.com`'s.
    let at_plan = rules(&plan.refusals);
    assert_eq!(at_plan.len(), 3, "{at_plan:#?}");
    // Ann's address changed since: the rule sees the account's.
    let mut now: BTreeMap<u64, Box<LiveUser>> = state.users.clone();
    now.get_mut(&10).unwrap().email = Some("ann@gmail.com".into());
    let judged = judge_changes(
        &settings,
        &plan.changes,
        &now,
        &std::collections::HashMap::new(),
        (1, 11),
        &plan.refusals,
        [None, None],
    );
    let judged = rules(&judged);
    assert_eq!(
        judged,
        [
            // Kept as the plan says: the entries have no external id, and Gil is no user the
            // changes name.
            "policy.require_external_id roster.yaml:7:5: Ann B. <ann@acme.com> would be an agent, and the entry has no `external_id`, which `policy.require_external_id` requires",
            "policy.require_external_id roster.yaml:9:5: Gil <gil@gmail.com> would be an agent, and the entry has no `external_id`, which `policy.require_external_id` requires",
            "policy.agent_emails roster.yaml:9:5: Gil <gil@gmail.com> would be an agent with `gil@gmail.com`, and `policy.agent_emails` allows `*@acme.com`",
            // Judged again.
            "policy.agent_emails roster.yaml:7:5: Ann B. <ann@acme.com> would be an agent with `ann@gmail.com`, and `policy.agent_emails` allows `*@acme.com`",
            "policy.max_agents : the account would have 11 agents and admins (agent seats) after the plan (11 now, +0 by the plan), and `policy.max_agents` is 10: 1 over",
        ],
        "{judged:#?}"
    );
}

#[test]
fn an_admin_is_an_agent_too_so_agent_emails_holds_for_admins() {
    // Only `agent_emails` is set: an admin outside it is refused like an agent.
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\"]\nusers:\n  - name: New\n    email: new@gmail.com\n    role: admin\n  - email: ann@acme.com\n    role: admin\n";
    let refused = policy_refusals(roster, &account());
    assert_eq!(
        refused,
        [
            "policy.agent_emails roster.yaml:5:5: New <new@gmail.com> would be an admin with `new@gmail.com`, and `policy.agent_emails` allows `*@acme.com`"
        ],
        "{refused:#?}"
    );
}

#[test]
fn a_new_primary_address_does_not_hide_the_one_the_user_keeps() {
    // Gil, matched by external id, gets an allowed address as his primary one: his gmail
    // address stays one of his identities (and stays his primary one if the change fails).
    let mut state = account();
    state["users"][1]["external_id"] = json!("e11");
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\"]\nusers:\n  - external_id: e11\n    email: gil@acme.com\n    role: agent\n  - external_id: e10\n    email: ann.new@acme.com\n    role: agent\n";
    let refused = policy_refusals(roster, &state);
    assert_eq!(
        refused,
        [
            "policy.agent_emails roster.yaml:5:5: Gil <gil@gmail.com> would be an agent with `gil@gmail.com` (its current address, which stays one of its identities after the change to `gil@acme.com`, and its primary one if that change fails), and `policy.agent_emails` allows `*@acme.com`"
        ],
        "{refused:#?}"
    );
}

#[test]
fn two_entries_that_match_one_live_user_are_errors_and_neither_is_planned() {
    // Entry one matches Ann by external id (with a gmail address, as an agent); entry two
    // by her address (as an admin). Zendesk would keep the last write of each field.
    let roster = "settings:\n  policy:\n    agent_emails: [\"*@acme.com\", \"*@gmail.com\"]\n    admin_emails: [\"*@acme.com\"]\nusers:\n  - external_id: e10\n    email: ann@gmail.com\n    role: agent\n  - email: ann@acme.com\n    role: admin\n";
    let plan = plan_with(roster, &state_from(&account()));
    let errors: Vec<String> = plan
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.source, e.message))
        .collect();
    assert_eq!(
        errors,
        [
            "roster.yaml:6:5: ann@gmail.com and the entry at roster.yaml:9:5 both match the live user Ann <ann@acme.com>: one entry a user (neither is planned)",
            "roster.yaml:9:5: ann@acme.com and the entry at roster.yaml:6:5 both match the live user Ann <ann@acme.com>: one entry a user (neither is planned)",
        ],
        "{errors:#?}"
    );
    assert!(
        plan.changes.iter().all(|c| c.id != Some(10)),
        "{:#?}",
        plan.changes
    );
}

#[test]
fn every_address_a_promoted_user_holds_is_judged_where_it_was_read() {
    // Ann is made an admin; her other address (read with her identities) is not allowed.
    let state = state_from(&account());
    let roster = "settings:\n  policy:\n    admin_emails: [\"*@acme.com\"]\nusers:\n  - email: ann@acme.com\n    role: admin\n";
    let plan = plan_with(roster, &state);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    let settings = plan.safety.policy.clone();
    let judge = |addresses: &std::collections::HashMap<u64, Vec<String>>| {
        rules(&judge_changes(
            &settings,
            &plan.changes,
            &state.users,
            addresses,
            (1, 3),
            &plan.refusals,
            [None, None],
        ))
    };
    let read = std::collections::HashMap::from([(10, vec!["ann@gmail.com".to_owned()])]);
    assert_eq!(
        judge(&read),
        [
            "policy.admin_emails roster.yaml:5:5: Ann <ann@acme.com> would be an admin with `ann@gmail.com` (one of its other addresses, with which it can sign in too), and `policy.admin_emails` allows `*@acme.com`"
        ]
    );
    let allowed = std::collections::HashMap::from([(10, vec!["ann.b@acme.com".to_owned()])]);
    assert!(judge(&allowed).is_empty());
}
