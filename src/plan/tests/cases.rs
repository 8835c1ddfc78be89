//! The planner's rules, one small case each: a roster text against a live state, the plan
//! pinned inline in the compact form of [`super::brief`].

use super::*;

#[test]
fn new_users_are_created_with_their_fields() {
    let p = plan(
        "users:\n  - name: Omar Haddad\n    email: omar@acme.com\n    external_id: emp-2\n    role: agent\n    tags: [EMEA]\n",
        &json!({"account": {"user_tagging": true}}),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    create user external_id:emp-2 [escalation: new agent]
        name: null -> "Omar Haddad"
        email: null -> "omar@acme.com"
        external_id: null -> "emp-2"
        role: null -> "agent"
        tags: [] -> ["emea"]
    summary: 1 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +1; 2 requests, 1 jobs
    "#);
}

#[test]
fn an_unchanged_roster_plans_nothing_despite_zendesk_normalisations() {
    // Email and external_id case, tag order and case, IANA vs Zendesk time zone, locale case,
    // "" vs null, number vs text and date vs timestamp in user fields, trailing newline.
    let p = plan(
        "users:\n  - name: Jane Smith\n    email: JANE@acme.com\n    external_id: EMP-1\n    role: agent\n    time_zone: Europe/Berlin\n    locale: en-us\n    tags: [VIP, emea]\n    alias: null\n    user_fields: { employee_id: 1042, start: 2024-03-01 }\n",
        &janes_account(),
    );
    assert!(p.is_empty(), "{}", brief(&p));
    assert!(p.touched.is_empty());
}

#[test]
fn changed_fields_of_every_kind_are_listed_with_before_and_after() {
    let p = plan(
        "users:\n  - name: Jane Q. Smith\n    external_id: emp-1\n    role: admin\n    time_zone: Europe/Paris\n    locale: de\n    tags: [emea]\n    alias: JQ\n    notes: Team lead\n    moderator: true\n    ticket_restriction: groups\n    user_fields: { employee_id: \"2042\" }\n",
        &janes_account(),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    update user external_id:emp-1 [escalation: agent → admin]
        name: "Jane Smith" -> "Jane Q. Smith"
        role: "agent" -> "admin"
        tags: ["emea","vip"] -> ["emea"]
        user_fields.employee_id: "1042" -> "2042"
        alias: "" -> "JQ"
        notes: null -> "Team lead"
        locale: "en-US" -> "de"
        time_zone: "Berlin" -> "Europe/Paris"
        ticket_restriction: null -> "groups"
        moderator: false -> true
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    "#);
    assert_eq!(p.touched.len(), 1);
    assert_eq!(
        p.touched[0].updated_at.as_deref(),
        Some("2026-11-01T10:00:00Z")
    );
}

#[test]
fn a_new_primary_email_is_an_identity_change_not_a_second_user() {
    let p = plan(
        "users:\n  - external_id: emp-1\n    email: jane.smith@acme.com\n",
        &json!({"users": [jane()]}),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    make_primary identity external_id:emp-1
        email: "jane@acme.com" -> "jane.smith@acme.com"
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 3 requests, 0 jobs
    "#);
}

#[test]
fn a_user_matched_by_email_gets_its_external_id_updated() {
    let p = plan(
        "users:\n  - email: jane@acme.com\n    external_id: emp-9\n",
        &json!({"users": [jane()]}),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    update user external_id:emp-9
        external_id: "emp-1" -> "emp-9"
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    "#);
}

#[test]
fn keys_pointing_at_two_users_are_a_conflict_that_blocks_only_that_user() {
    let p = plan(
        "users:\n  - external_id: emp-1\n    email: omar@acme.com\n  - email: new@acme.com\n    name: New Person\n",
        &json!({"users": [jane(), {"id": 11, "name": "Omar", "email": "omar@acme.com", "role": "end-user", "active": true}]}),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    create user email:new@acme.com
        name: null -> "New Person"
        email: null -> "new@acme.com"
    update user external_id:emp-1 [BLOCKED: conflict: external_id `emp-1` belongs to user #10 but email `omar@acme.com` to user #11]
    summary: 1 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 1 blocked; seats +0; 2 requests, 1 jobs
    "#);
}

/// Bo (#11) holds `bo.berg@` and `robert@` as secondary addresses, Jane (#10) `jane.smith@`.
/// A user whose identities a state lists has those identities only, so Jane's primary
/// address is listed too.
fn secondary_emails_state() -> Value {
    json!({
        "users": [jane(), {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "role": "agent", "active": true}],
        "identities": [
            {"id": 70, "user_id": 11, "type": "email", "value": "bo@acme.com", "primary": true},
            {"id": 71, "user_id": 11, "type": "email", "value": "bo.berg@acme.com", "primary": false},
            {"id": 72, "user_id": 11, "type": "email", "value": "robert@acme.com", "primary": false},
            {"id": 73, "user_id": 10, "type": "email", "value": "jane.smith@acme.com", "primary": false},
            {"id": 74, "user_id": 10, "type": "email", "value": "jane@acme.com", "primary": true}
        ]
    })
}

const SECONDARY_EMAILS_ROSTER: &str = "settings:\n  manage: { roles: [agent] }\n  prune: suspend\nusers:\n  - { name: New Person, email: Bo.Berg@acme.com }\n  - { external_id: emp-1, email: robert@acme.com }\n  - { name: Ann, email: ann@acme.com }\n";

#[test]
fn an_email_another_user_holds_as_a_secondary_address_is_a_conflict_that_blocks_only_that_user() {
    // A new user and a primary-email change both name Bo's secondary addresses: blocked, and
    // Bo, whom the entries may mean, is not pruned. Ann is created as usual.
    let p = plan(SECONDARY_EMAILS_ROSTER, &secondary_emails_state());
    insta::assert_snapshot!(brief(&p), @r#"
    create user email:Bo.Berg@acme.com [BLOCKED: conflict: email `Bo.Berg@acme.com` is a secondary email of user #11 (Bo Berg <bo@acme.com>)]
    create user email:ann@acme.com
        name: null -> "Ann"
        email: null -> "ann@acme.com"
    update user external_id:emp-1 [BLOCKED: conflict: email `robert@acme.com` is a secondary email of user #11 (Bo Berg <bo@acme.com>)]
    summary: 1 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 2 blocked; seats +0; 2 requests, 1 jobs
    "#);
    // A user's own secondary address becomes its primary one: no conflict.
    let p = plan(
        "users:\n  - { external_id: emp-1, email: Jane.Smith@acme.com }\n",
        &secondary_emails_state(),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    make_primary identity external_id:emp-1
        email: "jane@acme.com" -> "Jane.Smith@acme.com"
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 3 requests, 0 jobs
    "#);
}

#[test]
fn custom_roles_resolve_in_the_roster_then_the_account_and_missing_ones_are_errors() {
    // Jane is an agent of an Enterprise account: she holds the role agents get, Staff.
    let live = json!({"users": [jane()], "custom_roles": [{"id": 500, "name": "Tier 1", "role_type": 0, "configuration": {}}]});
    let p = plan(
        "users:\n  - external_id: emp-1\n    role: agent\n    custom_role: tier 1\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r#"
    update user external_id:emp-1 [escalation: custom role Staff → Tier 1]
        custom_role: "Staff" -> "Tier 1"
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    "#);
    let p = plan(
        "custom_roles:\n  - name: Tier 2\n    description: Second line\nusers:\n  - external_id: emp-1\n    role: agent\n    custom_role: Tier 2\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r#"
    create custom_role name:Tier 2
        name: null -> "Tier 2"
        description: null -> "Second line"
    update user external_id:emp-1 [escalation: custom role Staff → Tier 2]
        custom_role: "Staff" -> "Tier 2"
    summary: 1 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 5 requests, 1 jobs
    "#);
    let p = plan(
        "users:\n  - external_id: emp-1\n    role: agent\n    custom_role: Tier 9\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r"
    ERROR roster.yaml:4:18: custom role `Tier 9` is neither in the roster nor in the account
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 0 requests, 0 jobs
    ");
}

#[test]
fn below_enterprise_custom_roles_are_blocked_at_plan_time_not_refused_at_apply_time() {
    // A downgraded Professional account keeps its role Tier 1, but Zendesk neither lists it
    // nor lets an agent hold it: the role to create and the user are blocked with their line.
    let live = json!({
        "account": {"profile": "professional"},
        "users": [jane()],
        "custom_roles": [{"id": 500, "name": "Tier 1", "role_type": 0, "configuration": {}}]
    });
    let p = plan(
        "custom_roles:\n  - name: Tier 2\nusers:\n  - external_id: emp-1\n    role: agent\n    custom_role: Tier 1\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r#"
    create custom_role name:Tier 2 [BLOCKED: the account has no custom roles (they need Zendesk Enterprise)]
        name: null -> "Tier 2"
    update user external_id:emp-1 [escalation: custom role none → Tier 1] [BLOCKED: `custom_role` on `Jane Smith <jane@acme.com>`, but the account has no custom roles (`custom_role_without_custom_roles`); hint: custom roles need Zendesk Enterprise; remove `custom_role`]
        custom_role: null -> "Tier 1"
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 2 blocked; seats +0; 0 requests, 0 jobs
    "#);
}

#[test]
fn with_one_organization_a_user_moving_to_another_is_planned_as_its_organization() {
    // Zendesk refuses a second membership there: add-then-remove would fail half-way.
    let live = |multiple: bool| {
        json!({
            "account": {"multiple_organizations": multiple},
            "users": [jane()],
            "organizations": [{"id": 30, "name": "Acme"}, {"id": 31, "name": "Partners"}],
            "organization_memberships": [{"id": 800, "user_id": 10, "organization_id": 30, "default": true}]
        })
    };
    let roster = "users:\n  - { external_id: emp-1, organizations: [Partners] }\n";
    insta::assert_snapshot!(brief(&plan(roster, &live(false))), @r#"
    update user external_id:emp-1
        organization: "Acme" -> "Partners"
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    "#);
    // With several organizations a user, the exact set is reached membership by membership.
    insta::assert_snapshot!(brief(&plan(roster, &live(true))), @r"
    add organization_membership external_id:emp-1 -> Partners
    remove organization_membership external_id:emp-1 -> Acme
    summary: 0 create, 2 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 4 requests, 2 jobs
    ");
    // A user in no organization yet joins by a membership either way.
    let mut none = live(false);
    none["organization_memberships"] = json!([]);
    insta::assert_snapshot!(brief(&plan(roster, &none)), @r"
    add organization_membership external_id:emp-1 -> Partners
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    ");
}

#[test]
fn organizations_and_groups_are_created_and_memberships_reach_the_exact_set() {
    let live = json!({
        "account": {"multiple_organizations": true},
        "users": [jane()],
        "groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Sales"}],
        "group_memberships": [{"id": 900, "user_id": 10, "group_id": 21, "default": true}],
        "organizations": [{"id": 30, "name": "Acme"}],
        "organization_memberships": [{"id": 800, "user_id": 10, "organization_id": 30, "default": true}]
    });
    let p = plan(
        "organizations:\n  - name: Partners\n    external_id: org-p\ngroups:\n  - name: Billing\nusers:\n  - external_id: emp-1\n    role: agent\n    groups: [Support, Billing]\n    organizations: [Acme, Partners]\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r#"
    create organization external_id:org-p
        name: null -> "Partners"
        external_id: null -> "org-p"
    create group name:Billing
        name: null -> "Billing"
    add group_membership external_id:emp-1 -> Support
    add group_membership external_id:emp-1 -> Billing
    remove group_membership external_id:emp-1 -> Sales
    add organization_membership external_id:emp-1 -> Partners
    summary: 2 create, 4 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 11 requests, 3 jobs
    "#);
}

#[test]
fn defaults_apply_unless_the_user_sets_the_field_and_null_clears() {
    let live = json!({"users": [jane(), {"id": 11, "name": "Omar", "email": "omar@acme.com", "role": "agent", "active": true, "signature": "Omar\n", "time_zone": "Berlin", "iana_time_zone": "Europe/Berlin"}]});
    let p = plan(
        "defaults:\n  time_zone: Europe/Berlin\n  verified: true\nusers:\n  - external_id: emp-1\n    verified: false\n  - email: omar@acme.com\n    signature: null\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r#"
    update user email:omar@acme.com
        signature: "Omar\n" -> null
        verified: false -> true
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs
    "#);
}

fn agents_state() -> Value {
    json!({"users": [
        jane(),
        {"id": 11, "name": "Bo", "email": "bo@acme.com", "role": "agent", "active": true},
        {"id": 12, "name": "Cy", "email": "cy@acme.com", "role": "agent", "active": true, "tags": ["contractor"]},
        {"id": 13, "name": "Bot", "email": "bot-1@acme.com", "role": "agent", "active": true},
        {"id": 14, "name": "Eve", "email": "eve@acme.com", "role": "end-user", "active": true},
        {"id": 15, "name": "Gone", "email": "gone@acme.com", "role": "agent", "active": false}
    ]})
}

#[test]
fn each_prune_mode_handles_unlisted_in_scope_users_and_ignore_and_scope_hold() {
    let roster = |prune: &str| {
        format!(
            "settings:\n  manage: {{ roles: [agent, admin] }}\n  prune: {prune}\n  ignore: [\"bot-*@acme.com\"]\nusers:\n  - external_id: emp-1\n  - email: admin@acme.com\n"
        )
    };
    let mut out = String::new();
    for prune in ["report", "suspend", "downgrade", "delete"] {
        writeln!(
            out,
            "## {prune}\n{}",
            brief(&plan(&roster(prune), &agents_state()))
        )
        .unwrap();
    }
    insta::assert_snapshot!(out, @r#"
    ## report
    drift bo@acme.com (agent)
    drift cy@acme.com (agent)
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 0 requests, 0 jobs

    ## suspend
    suspend user email:bo@acme.com
        suspended: false -> true
    suspend user email:cy@acme.com
        suspended: false -> true
    summary: 0 create, 0 update, 2 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 2 requests, 1 jobs

    ## downgrade
    downgrade user email:bo@acme.com
        role: "agent" -> "end-user"
    downgrade user email:cy@acme.com
        role: "agent" -> "end-user"
    summary: 0 create, 0 update, 0 suspend, 2 downgrade, 0 delete, 0 blocked; seats -2; 2 requests, 1 jobs

    ## delete
    delete user email:bo@acme.com
    delete user email:cy@acme.com
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 2 delete, 0 blocked; seats -2; 2 requests, 1 jobs

    "#);
}

#[test]
fn scope_by_tag_takes_only_tagged_users() {
    let mut live = agents_state();
    live["account"] = json!({"user_tagging": true});
    let p = plan(
        "settings:\n  manage: { tags: [Contractor] }\n  prune: delete\nusers:\n  - external_id: emp-1\n",
        &live,
    );
    insta::assert_snapshot!(brief(&p), @r"
    delete user email:cy@acme.com
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 1 delete, 0 blocked; seats -1; 2 requests, 1 jobs
    ");
}

#[test]
fn protected_users_and_the_authenticated_user_are_blocked_not_dropped() {
    let p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: suspend\n  protect: [\"bo@acme.com\"]\nusers:\n  - external_id: emp-1\n    name: Jane S.\n  - email: cy@acme.com\n  - email: admin@acme.com\n    role: agent\n  - email: bot-1@acme.com\n",
        &agents_state(),
    );
    insta::assert_snapshot!(brief(&p), @r#"
    update user external_id:emp-1
        name: "Jane Smith" -> "Jane S."
    update user email:admin@acme.com [BLOCKED: the authenticated user is never demoted, suspended or deleted]
        role: "admin" -> "agent"
    suspend user email:bo@acme.com [BLOCKED: protected by `bo@acme.com`]
        suspended: false -> true
    summary: 0 create, 1 update, 0 suspend, 0 downgrade, 0 delete, 2 blocked; seats +0; 2 requests, 1 jobs
    "#);
}

#[test]
fn min_admins_refuses_a_plan_that_leaves_too_few_admins() {
    let live = json!({"users": [{"id": 2, "name": "Second", "email": "second@acme.com", "role": "admin", "active": true}]});
    let p = plan(
        "settings:\n  safety: { min_admins: 2 }\nusers:\n  - email: second@acme.com\n    role: agent\n",
        &live,
    );
    assert_eq!(p.refusals.len(), 1, "{}", brief(&p));
    assert_eq!(p.refusals[0].rule, "min_admins");
    assert!(!p.refusals[0].overridable);
    let p = plan(
        "settings:\n  safety: { min_admins: 2 }\nusers:\n  - email: second@acme.com\n    role: admin\n",
        &live,
    );
    assert!(p.refusals.is_empty(), "{}", brief(&p));
}

#[test]
fn thresholds_refuse_by_number_and_by_percentage_and_say_by_how_much() {
    let roster = |limit: &str| {
        format!(
            "settings:\n  manage: {{ roles: [agent] }}\n  prune: delete\n  safety: {{ max_deletes: {limit}, max_suspends: 0, max_role_changes: \"50%\" }}\nusers:\n  - external_id: emp-1\n"
        )
    };
    let p = plan(&roster("1"), &agents_state());
    insta::assert_snapshot!(p.refusals.iter().map(|r| format!("{}: {}", r.rule, r.message)).collect::<Vec<_>>().join("\n"), @"max_deletes: the plan deletes 3 users; `max_deletes` allows 1, 2 over");
    let p = plan(&roster("\"50%\""), &agents_state());
    insta::assert_snapshot!(p.refusals.iter().map(|r| format!("{}: {}", r.rule, r.message)).collect::<Vec<_>>().join("\n"), @"max_deletes: the plan deletes 3 users; `max_deletes` allows 2 (50% of 4 in-scope users), 1 over");
    let p = plan(&roster("3"), &agents_state());
    assert!(p.refusals.is_empty());
}

#[test]
fn two_hundred_and_fifty_creates_take_three_jobs() {
    let mut roster = String::from("users:\n");
    for i in 0..250 {
        writeln!(roster, "  - {{ name: User {i}, email: user{i}@acme.com }}").unwrap();
    }
    let p = plan(&roster, &json!({}));
    assert_eq!(p.summary.create, 250);
    assert_eq!(p.summary.jobs, 3);
    // Three jobs, and three `show_many` for the convergence re-read of 250 users.
    assert_eq!(p.summary.requests, 6);
}

#[test]
fn a_user_to_create_without_a_name_is_an_error_with_its_line() {
    let p = plan("users:\n  - email: nameless@acme.com\n", &json!({}));
    insta::assert_snapshot!(brief(&p), @r"
    ERROR roster.yaml:2:5: nameless@acme.com does not exist in Zendesk and has no `name` to create it with
    summary: 0 create, 0 update, 0 suspend, 0 downgrade, 0 delete, 0 blocked; seats +0; 0 requests, 0 jobs
    ");
}

#[test]
fn deleted_users_never_match() {
    let p = plan(
        "users:\n  - name: Gone Again\n    email: gone@acme.com\n    role: agent\n",
        &agents_state(),
    );
    assert_eq!(
        p.changes[0].action,
        crate::plan::Action::Create,
        "{}",
        brief(&p)
    );
}

#[test]
fn a_new_users_default_group_and_organization_are_not_separate_membership_changes() {
    let live = json!({"groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Sales"}], "organizations": [{"id": 30, "name": "Acme"}, {"id": 31, "name": "Partners"}]});
    let p = plan(
        "users:\n  - { name: Omar, email: omar@acme.com, role: agent, groups: [Support, Sales], default_group: Support, organizations: [Acme, Partners], organization: Acme }\n",
        &live,
    );
    let memberships: Vec<_> = p.changes.iter().filter_map(|c| c.target.clone()).collect();
    // Zendesk makes the memberships of the default group and organization given at creation.
    assert_eq!(memberships, ["Sales", "Partners"], "{}", brief(&p));
}

#[test]
fn the_default_group_a_new_or_promoted_agent_keeps_is_implied_by_its_change() {
    let live = json!({
        "users": [{"id": 14, "name": "Eve", "email": "eve@acme.com", "role": "end-user", "active": true}],
        "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Sales"}]
    });
    let p = plan(
        "users:
  - { name: Omar, email: omar@acme.com, role: agent, groups: [Support, Sales] }
  - { name: Eve, email: eve@acme.com, role: agent, groups: [Sales, support] }
  - { name: Ann, email: ann@acme.com, role: agent, groups: [Sales] }
  - { name: Sid, email: sid@acme.com, role: agent, groups: [Support, Sales], default_group: Sales }
",
        &live,
    );
    let implied: Vec<(String, Vec<crate::plan::Implied>)> = p
        .changes
        .iter()
        .filter(|c| c.kind == crate::plan::Kind::User)
        .map(|c| (c.label.clone(), c.implies.clone()))
        .collect();
    let support = || {
        vec![crate::plan::Implied {
            kind: crate::plan::Kind::GroupMembership,
            target: "Support".to_owned(),
            target_id: 20,
        }]
    };
    // Zendesk puts Omar (new) and Eve (promoted) into Support, which their roster lines keep;
    // Ann's leaves it out (removed instead); Sid is created into Sales, his default group,
    // which the `default_group` field confirms.
    assert_eq!(
        implied,
        [
            ("Omar <omar@acme.com>".to_owned(), support()),
            ("Ann <ann@acme.com>".to_owned(), Vec::new()),
            ("Sid <sid@acme.com>".to_owned(), Vec::new()),
            ("Eve <eve@acme.com>".to_owned(), support()),
        ],
        "{}",
        brief(&p)
    );
    // Implied, not written: Support is written only for Sid (created into Sales, then added
    // to Support) and Ann (removed).
    let support_changes: Vec<String> = p
        .changes
        .iter()
        .filter(|c| c.target.as_deref() == Some("Support"))
        .map(|c| format!("{:?} {}", c.action, c.label))
        .collect();
    assert_eq!(
        support_changes,
        ["Remove Ann <ann@acme.com>", "Add Sid <sid@acme.com>"]
    );
    // A saved plan keeps them.
    let read: Plan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(read, p);
}

#[test]
fn emails_the_fetch_could_not_check_for_secondary_owners_are_noted_in_every_format() {
    use crate::render::{self, Format, RenderOptions};
    let mut live = state(&json!({}));
    live.secondary_emails_unchecked = 150;
    let plan = plan_with("users:\n  - { name: New, email: new@acme.com }\n", &live);
    assert_eq!(plan.notes.len(), 1);
    assert!(plan.notes[0].starts_with("150 roster emails that no Zendesk user has"));
    let rendered = |format| {
        let mut out = Vec::new();
        render::renderer(format, RenderOptions::default())
            .render(&plan, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(rendered(Format::Human).contains("note: 150 roster emails"));
    assert!(rendered(Format::Markdown).contains("> **Note:** 150 roster emails"));
    assert!(rendered(Format::Json).contains("\"notes\": [\n    \"150 roster emails"));
    // Nothing to note: no `notes` key at all, so plans stay as they were.
    let quiet = plan_with(
        "users:\n  - { name: New, email: new@acme.com }\n",
        &state(&json!({})),
    );
    assert!(!serde_json::to_string(&quiet).unwrap().contains("notes"));
}

#[test]
fn emails_the_fetch_could_not_check_against_recent_changes_are_noted() {
    let mut live = state(&json!({}));
    live.recent_emails_unchecked = 2;
    let plan = plan_with("users:\n  - { name: New, email: new@acme.com }\n", &live);
    assert_eq!(
        plan.notes,
        [
            "2 roster emails that the user search does not find were not checked against the users changed in the last 15 minutes, which the search may not show yet (the user export of that time was longer than 10 pages or could not be read); if one is such a user's, applying updates that user instead of creating a new one"
        ]
    );
}

#[test]
fn an_entry_that_matches_an_ignored_live_user_is_an_error_and_touches_nothing() {
    // The entry is keyed by external id; the live user it matches has an ignored address.
    let p = plan(
        "settings:\n  ignore: [\"*@support.zendesk.com\"]\nusers:\n  - external_id: zd-1\n    role: end-user\n",
        &json!({"users": [{"id": 7, "name": "Support", "email": "support@support.zendesk.com", "external_id": "zd-1", "role": "admin"}]}),
    );
    assert!(p.changes.is_empty(), "{}", brief(&p));
    let errors: Vec<String> = p.errors.iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        errors,
        [
            "zd-1 matches the live user Support <support@support.zendesk.com>, whom the `ignore` pattern `*@support.zendesk.com` leaves alone: the entry is not planned"
        ]
    );
}
