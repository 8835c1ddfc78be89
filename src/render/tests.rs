//! Renderer snapshots: plans built in memory by the real planner from a small roster and a
//! small Zendesk-shaped state (as in `plan::tests`), each rendered human and markdown.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::markdown::MAX_CHARS;
use super::{Format, RenderOptions, renderer};
use crate::plan::tests::{plan_with, source, state_from, user_field_change};
use crate::plan::{
    Action, Blocked, Change, Drift, FieldChange, Kind, MatchKey, Plan, PlanError, Refusal, Summary,
    UserRef,
};

/// The plan of `roster` (one file, `roster.yaml`) against `live`.
fn plan(roster: &str, live: &Value) -> Plan {
    plan_with(roster, &state_from(live))
}

/// `plan` rendered in `format`.
fn render_with(plan: &Plan, format: Format, options: RenderOptions) -> String {
    let mut out = Vec::new();
    renderer(format, options).render(plan, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `plan` rendered for a person, without colour.
fn human(plan: &Plan) -> String {
    render_with(plan, Format::Human, RenderOptions::default())
}

/// `plan` rendered for a pull request, emails shown.
fn markdown(plan: &Plan) -> String {
    render_with(plan, Format::Markdown, RenderOptions::default())
}

/// Snapshots both renderings of `plan` as `human_{name}` and `markdown_{name}`.
fn snapshot_both(name: &str, plan: &Plan) {
    insta::assert_snapshot!(format!("human_{name}"), human(plan));
    insta::assert_snapshot!(format!("markdown_{name}"), markdown(plan));
}

fn jane() -> Value {
    json!({
        "id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1",
        "role": "agent", "active": true, "time_zone": "Berlin", "iana_time_zone": "Europe/Berlin",
        "locale": "en-US", "tags": ["emea", "vip"],
        "user_fields": {"employee_id": "1042"},
        "signature": "Jane Smith\nSupport\nAcme Inc.\n",
        "updated_at": "2026-11-01T10:00:00Z"
    })
}

fn agents_state() -> Value {
    json!({"users": [
        jane(),
        {"id": 11, "name": "Bo", "email": "bo@acme.com", "role": "agent", "active": true},
        {"id": 12, "name": "Cy", "email": "cy@acme.com", "role": "agent", "active": true, "tags": ["contractor"]},
        {"id": 13, "name": "Bot", "email": "bot-1@acme.com", "role": "agent", "active": true},
        {"id": 14, "name": "Eve", "email": "eve@acme.com", "role": "end-user", "active": true}
    ]})
}

fn new_users() -> Plan {
    plan(
        "users:\n  - name: Omar Haddad\n    email: omar@acme.com\n    external_id: emp-2\n    role: agent\n    tags: [EMEA]\n    signature: |\n      Omar Haddad\n      Support, Acme\n  - name: Lena Park\n    email: lena@acme.com\n",
        &json!({"account": {"user_tagging": true}}),
    )
}

fn changed_fields() -> Plan {
    plan(
        "users:\n  - name: Jane Q. Smith\n    external_id: emp-1\n    role: admin\n    time_zone: Europe/Paris\n    tags: [emea]\n    notes: |\n      Team lead.\n      Speaks German.\n    user_fields: { employee_id: \"2042\" }\n    signature: |\n      Jane Q. Smith\n      Support lead\n      Acme Inc.\n",
        &json!({
            "account": {"user_tagging": true},
            "user_fields": [{"id": 600, "key": "employee_id", "type": "text", "title": "Employee ID"}],
            "users": [jane()]
        }),
    )
}

#[test]
fn new_users_show_their_fields_and_escalations_first() {
    snapshot_both("new_users", &new_users());
}

#[test]
fn changed_fields_show_old_and_new_and_multi_line_text_as_a_line_diff() {
    let p = changed_fields();
    let text = human(&p);
    for line in ["- Jane Smith", "+ Support lead", "  Acme Inc."] {
        assert!(
            text.contains(&format!("\n        {line}\n")),
            "{line} in\n{text}"
        );
    }
    snapshot_both("changed_fields", &p);
}

#[test]
fn memberships_read_user_to_group() {
    let live = json!({
        "account": {"multiple_organizations": true},
        "users": [jane()],
        "groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Sales"}],
        "group_memberships": [{"id": 900, "user_id": 10, "group_id": 21, "default": true}],
        "organizations": [{"id": 30, "name": "Acme"}],
        "organization_memberships": [{"id": 800, "user_id": 10, "organization_id": 30, "default": true}]
    });
    let p = plan(
        "organizations:\n  - name: Partners\n    external_id: org-p\ngroups:\n  - name: Billing\nusers:\n  - external_id: emp-1\n    name: Jane Smith\n    email: jane@acme.com\n    groups: [Support, Billing]\n    organizations: [Acme, Partners]\n",
        &live,
    );
    let text = human(&p);
    assert!(
        text.contains("  + group membership: Jane Smith <jane@acme.com> → Billing (roster.yaml:7)"),
        "{text}"
    );
    snapshot_both("memberships", &p);
}

#[test]
fn each_prune_mode() {
    let roster = |prune: &str| {
        format!(
            "settings:\n  manage: {{ roles: [agent, admin] }}\n  prune: {prune}\n  ignore: [\"bot-*@acme.com\"]\nusers:\n  - external_id: emp-1\n  - email: admin@acme.com\n"
        )
    };
    let (mut human_out, mut markdown_out) = (String::new(), String::new());
    for prune in ["report", "suspend", "downgrade", "delete"] {
        let p = plan(&roster(prune), &agents_state());
        writeln!(human_out, "# prune: {prune}\n{}", human(&p)).unwrap();
        writeln!(markdown_out, "# prune: {prune}\n{}", markdown(&p)).unwrap();
    }
    insta::assert_snapshot!("human_prune_modes", human_out);
    insta::assert_snapshot!("markdown_prune_modes", markdown_out);
}

#[test]
fn a_protected_user_is_blocked_with_the_reason() {
    let p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: suspend\n  protect: [\"bo@acme.com\"]\nusers:\n  - external_id: emp-1\n    name: Jane S.\n  - email: cy@acme.com\n  - email: admin@acme.com\n    role: agent\n  - email: bot-1@acme.com\n",
        &agents_state(),
    );
    assert_eq!(p.summary.blocked, 2);
    snapshot_both("blocked", &p);
}

#[test]
fn refusals_come_first_with_the_rule_and_whether_they_can_be_overridden() {
    let p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: delete\n  safety: { max_deletes: 1, min_admins: 2 }\nusers:\n  - external_id: emp-1\n  - email: admin@acme.com\n",
        &agents_state(),
    );
    assert_eq!(p.refusals.len(), 2, "{:#?}", p.refusals);
    let text = human(&p);
    assert!(text.starts_with("Refused by `max_deletes`: "), "{text}");
    snapshot_both("refusal", &p);
}

#[test]
fn errors_name_file_line_and_column() {
    let p = plan(
        "users:\n  - external_id: emp-1\n    role: agent\n    custom_role: Tier 9\n  - email: nameless@acme.com\n",
        &json!({"users": [jane()]}),
    );
    assert_eq!(p.errors.len(), 2, "{:#?}", p.errors);
    let text = human(&p);
    assert!(
        text.starts_with("error: roster.yaml:4:18: custom role `Tier 9`"),
        "{text}"
    );
    snapshot_both("errors", &p);
}

#[test]
fn an_empty_plan_says_no_changes_and_nothing_else() {
    let p = plan(
        "users:\n  - name: Jane Smith\n    email: jane@acme.com\n    external_id: emp-1\n",
        &json!({"users": [jane()]}),
    );
    assert!(p.is_empty());
    assert_eq!(human(&p), "No changes. Zendesk matches the roster.\n");
    let colored = RenderOptions {
        color: true,
        mask_emails: true,
    };
    assert_eq!(
        render_with(&p, Format::Human, colored),
        "No changes. Zendesk matches the roster.\n"
    );
    insta::assert_snapshot!("markdown_empty", markdown(&p));
}

#[test]
fn colour_only_when_asked_and_only_as_ansi_around_the_same_text() {
    let p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: delete\n  protect: [\"bo@acme.com\"]\nusers:\n  - external_id: emp-1\n    name: Jane S.\n    signature: Jane S.\n  - name: Omar\n    email: omar@acme.com\n  - email: admin@acme.com\n",
        &agents_state(),
    );
    let plain = human(&p);
    assert!(!plain.contains('\x1b'), "{plain}");
    let colored = render_with(
        &p,
        Format::Human,
        RenderOptions {
            color: true,
            mask_emails: false,
        },
    );
    assert_ne!(colored, plain);
    assert_eq!(strip_ansi(&colored), plain);
    insta::assert_snapshot!("human_color", colored.replace('\x1b', "␛"));
}

/// `text` without ANSI SGR sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('\x1b') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('m').unwrap();
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn masking_hides_every_local_part_in_both_formats() {
    let mut p = plan(
        "settings:\n  manage: { roles: [agent, admin] }\n  prune: report\n  protect: [\"bo@acme.com\"]\nusers:\n  - external_id: emp-1\n    email: jane.smith@acme.com\n  - name: Omar\n    email: omar@acme.com\n  - email: nameless@acme.com\n",
        &agents_state(),
    );
    p.refusals.push(Refusal {
        rule: "max_suspends".into(),
        message: "made up to show `eve@acme.com` masked".into(),
        overridable: true,
        source: None,
    });
    let options = RenderOptions {
        color: false,
        mask_emails: true,
    };
    for format in [Format::Human, Format::Markdown] {
        let text = render_with(&p, format, options);
        for local in [
            "jane",
            "jane.smith",
            "omar",
            "nameless",
            "bo",
            "cy",
            "eve",
            "admin",
        ] {
            assert!(!text.contains(&format!("{local}@")), "{local}@ in\n{text}");
        }
        assert!(text.contains("***@acme.com"));
    }
    insta::assert_snapshot!(
        "markdown_masked",
        render_with(&p, Format::Markdown, options)
    );
}

#[test]
fn markdown_escapes_values_and_labels() {
    let mut p = new_users();
    let change = &mut p.changes[0];
    change.label = "<script>alert(1)</script> | *Bold* _x_ [link](http://x) #12".into();
    change.fields.push(field(
        "alias",
        json!(null),
        json!("a `tick` and ``two`` | pipe <b>"),
    ));
    let text = markdown(&p);
    assert!(!text.contains("<script>"), "{text}");
    // Inside a code span HTML is literal; the span is fenced by more backticks than it holds.
    assert!(
        text.contains("```\"a `tick` and ``two`` | pipe <b>\"```"),
        "{text}"
    );
    insta::assert_snapshot!("markdown_escaping", text);
}

/// A plan of `n` changes of every action, with drift, errors and a refusal, built
/// directly rather than planned.
fn big_plan(n: usize) -> Plan {
    let mut changes = Vec::with_capacity(n);
    let actions = [
        Action::Create,
        Action::Update,
        Action::Add,
        Action::Remove,
        Action::Suspend,
        Action::Downgrade,
        Action::Delete,
    ];
    for i in 0..n {
        let action = actions[i % actions.len()];
        let membership = matches!(action, Action::Add | Action::Remove);
        let fields = match action {
            Action::Create => vec![
                field("name", json!(null), json!(format!("User {i}"))),
                field("email", json!(null), json!(format!("user{i}@acme.com"))),
                field("role", json!(null), json!("agent")),
                field("tags", json!([]), json!(["emea", "tier-1"])),
            ],
            Action::Update => vec![
                field(
                    "name",
                    json!(format!("User {i}")),
                    json!(format!("User {i} Jr.")),
                ),
                field(
                    "signature",
                    json!("Regards,\nUser\nAcme"),
                    json!(format!("Regards,\nUser {i}\nAcme")),
                ),
            ],
            Action::Suspend => vec![field("suspended", json!(false), json!(true))],
            Action::Downgrade => vec![field("role", json!("agent"), json!("end-user"))],
            _ => Vec::new(),
        };
        changes.push(Change {
            kind: if membership {
                Kind::GroupMembership
            } else {
                Kind::User
            },
            action,
            key: MatchKey::ExternalId(format!("emp-{i}")),
            label: format!("User {i} <user{i}@acme.com>"),
            id: Some(i as u64),
            target: membership.then(|| "Support".to_owned()),
            target_id: None,
            fields,
            source: Some(source("roster/agents.yaml", i as u32 * 3 + 2, 5)),
            blocked: (i % 1000 == 999).then(|| Blocked::Protected {
                pattern: "*@acme.com".to_owned(),
            }),
            escalation: (action == Action::Create).then(|| "new agent".to_owned()),
            notes: Vec::new(),
            implies: Vec::new(),
        });
    }
    let drift = (0..n / 10)
        .map(|i| Drift {
            user: UserRef {
                id: i as u64,
                email: Some(format!("old{i}@acme.com")),
                name: format!("Old {i}"),
            },
            role: "agent".into(),
        })
        .collect();
    let errors = (0..n / 10)
        .map(|i| PlanError {
            source: source("roster/agents.yaml", i as u32, 18),
            message: format!("custom role `Tier {i}` is neither in the roster nor in the account"),
        })
        .collect();
    Plan {
        format_version: crate::plan::FORMAT_VERSION,
        account: "https://acme.zendesk.com".into(),
        subdomain: Some("acme".into()),
        made_at: "2026-11-01T12:00:00Z".into(),
        valid_until: None,
        expiring: Vec::new(),
        roster_digest: "sha256:test".into(),
        authenticated_user: None,
        summary: Summary {
            create: n / 7,
            update: 3 * n / 7,
            suspend: n / 7,
            downgrade: n / 7,
            delete: n / 7,
            blocked: n / 1000,
            seat_delta: -i64::try_from(n / 7).unwrap(),
            requests: n / 100,
            jobs: n / 100,
            requests_without_bulk_imports: n / 100 + n / 7,
            explain_drift_requests: None,
        },
        changes,
        drift,
        refusals: vec![Refusal {
            rule: "max_deletes".into(),
            message: "the plan deletes 14,285 users; `max_deletes` allows 10, 14,275 over".into(),
            overridable: true,
            source: None,
        }],
        errors,
        touched: Vec::new(),
        references: crate::plan::References::default(),
        account_memberships: crate::plan::AccountMemberships::default(),
        notes: Vec::new(),
        safety: crate::plan::SafetySettings::default(),
        drift_explanation: None,
        plan_digest: String::new(),
    }
}

fn field(name: &str, before: Value, after: Value) -> FieldChange {
    user_field_change(name, before, after)
}

#[test]
fn markdown_stays_under_the_comment_limit_for_a_huge_plan_and_says_what_it_left_out() {
    let p = big_plan(100_000);
    for mask_emails in [false, true] {
        let text = render_with(
            &p,
            Format::Markdown,
            RenderOptions {
                color: false,
                mask_emails,
            },
        );
        let chars = text.chars().count();
        assert!(chars < MAX_CHARS, "{chars} characters");
        assert!(chars > MAX_CHARS * 9 / 10, "only {chars} characters used");
        assert!(text.contains("more changes not shown; run `zplan` locally or see the JSON plan"));
        // Every section is there, each with its first entries.
        for title in [
            "Create (",
            "Update (",
            "Add memberships (",
            "Remove memberships (",
            "Suspend (",
            "Downgrade to end-user (",
            "Delete (",
            "Not in the roster (",
            "### Blocked (",
            "### Privilege escalations (",
            "**Refused**",
            "**Error**",
        ] {
            assert!(text.contains(title), "no {title}");
        }
        assert!(text.contains("User 0 "), "the first change is shown");
    }
    // Small plans are shown whole.
    let text = markdown(&big_plan(70));
    assert!(!text.contains("not shown"), "{text}");
}

#[test]
fn one_enormous_value_cannot_break_the_limit() {
    let mut p = new_users();
    p.changes[0]
        .fields
        .push(field("notes", json!(null), json!("line\n".repeat(200_000))));
    p.changes[0].label = "x".repeat(200_000);
    let text = markdown(&p);
    assert!(text.chars().count() < MAX_CHARS);
}
