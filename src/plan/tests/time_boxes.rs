//! Time-boxed entries planned at different moments: the plans differ by exactly what the
//! time boxes that ended in between change, and nothing else.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::*;

/// The `expiry_downgrade` scenario planned at `now`.
fn plan_at(now: &str) -> Plan {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios/expiry_downgrade");
    let roster = std::fs::read_to_string(dir.join("roster.yaml")).unwrap();
    let live: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap();
    let loaded = load_texts(&[("roster.yaml", roster.as_str())]);
    let now: DateTime<Utc> = now.parse().unwrap();
    Planner::build_at(&loaded.roster, &state(&live), "sha256:test", now)
}

/// Each change of the plan in the compact form of [`brief`], its notes included.
fn changes(plan: &Plan) -> BTreeSet<String> {
    plan.changes
        .iter()
        .map(|change| {
            let mut one = plan.clone();
            one.changes = vec![change.clone()];
            one.refusals.clear();
            one.expiring.clear();
            one.drift.clear();
            let text = brief_with_notes(&one);
            text.lines()
                .filter(|l| !l.starts_with("summary:"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

#[test]
fn a_plan_before_an_expiry_and_one_after_differ_exactly_by_its_change() {
    // Bo's access ends with 2026-11-04 (UTC); nothing else ends in between.
    let before = plan_at("2026-11-04T23:59:59Z");
    let after = plan_at("2026-11-05T00:00:00Z");
    let (before_changes, after_changes) = (changes(&before), changes(&after));
    assert!(before_changes.is_subset(&after_changes));
    let added: Vec<&String> = after_changes.difference(&before_changes).collect();
    assert_eq!(added.len(), 1, "{added:#?}");
    assert!(
        added[0].contains("email:bo@acme.com")
            && added[0].contains("role: \"agent\" -> \"end-user\"")
            && added[0].contains("expired on 2026-11-04"),
        "{added:#?}"
    );
    // Before, Bo is expiring soon; after, no longer.
    let expiring = |plan: &Plan| {
        plan.expiring
            .iter()
            .map(|e| e.key.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        expiring(&before),
        ["email:bo@acme.com", "email:cy@acme.com"]
    );
    assert_eq!(expiring(&after), ["email:cy@acme.com"]);
    assert_eq!(before.made_at, "2026-11-04T23:59:59Z");
    assert_eq!(before.valid_until.as_deref(), Some("2026-11-05T00:00:00Z"));
    assert_eq!(after.valid_until.as_deref(), Some("2026-11-06T00:00:00Z"));
}

#[test]
fn a_temporary_role_holds_until_its_date_and_the_entry_s_own_afterwards() {
    let before = plan_at("2026-11-05T23:00:00Z");
    let after = plan_at("2026-11-06T00:00:00Z");
    let (before_changes, after_changes) = (changes(&before), changes(&after));
    let removed: Vec<&String> = before_changes.difference(&after_changes).collect();
    // Cy, an agent in Zendesk, is made an admin until then; afterwards her entry's own role
    // (agent) is what Zendesk has, so the promotion is gone and nothing replaces it.
    assert_eq!(removed.len(), 1, "{removed:#?}");
    assert!(removed[0].contains("email:cy@acme.com") && removed[0].contains("\"admin\""));
    assert!(after_changes.is_subset(&before_changes));
    assert!(after.valid_until.is_none());
}

#[test]
fn an_ignored_entry_is_neither_expired_nor_listed() {
    let p = plan(
        "settings:\n  ignore: [\"jane@acme.com\"]\nusers:\n  - email: jane@acme.com\n    role: agent\n    expires: 2026-10-01\n  - email: bo@acme.com\n    role: agent\n    expires: 2026-11-02\n",
        &json!({"users": [
            {"id": 10, "name": "Jane", "email": "jane@acme.com", "role": "agent"},
            {"id": 11, "name": "Bo", "email": "bo@acme.com", "role": "agent"}
        ]}),
    );
    assert!(p.changes.is_empty(), "{}", brief(&p));
    assert_eq!(p.expiring.len(), 1);
    assert_eq!(p.expiring[0].key.to_string(), "email:bo@acme.com");
}

#[test]
fn an_expired_user_is_not_pruned_and_the_authenticated_user_is_not_expired() {
    let p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: delete\nusers:\n  - email: jane@acme.com\n    role: agent\n    expires: 2026-10-01\n  - email: admin@acme.com\n    role: admin\n    expires: 2026-10-01\n",
        &json!({"users": [
            {"id": 10, "name": "Jane", "email": "jane@acme.com", "role": "agent"}
        ]}),
    );
    // Jane follows `on_expiry` (a downgrade), not `prune: delete`; the authenticated
    // admin's expiry is planned and blocked, as any demotion of it.
    insta::assert_snapshot!(brief_with_notes(&p), @r#"
    downgrade user email:jane@acme.com
        role: "agent" -> "end-user"
        note: expired on 2026-10-01: the entry grants nothing since, and `on_expiry` is `downgrade`
    downgrade user email:admin@acme.com [BLOCKED: the authenticated user is never demoted, suspended or deleted]
        role: "admin" -> "end-user"
        note: expired on 2026-10-01: the entry grants nothing since, and `on_expiry` is `downgrade`
    summary: 0 create, 0 update, 0 suspend, 1 downgrade, 0 delete, 1 blocked; seats -1; 2 requests, 1 jobs
    "#);
}
