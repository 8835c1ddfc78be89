//! The planner and the convergence check share their field rules: for every user field,
//! over a domain of roster values and live values that Zendesk's normalisations make
//! alike or different, the planner plans the field exactly when the convergence check,
//! given the value the planner plans, says the live user does not hold it.

use serde_json::{Value, json};

use super::diverging;
use crate::plan::tests::{plan_with, state_from};
use crate::plan::{
    Action, Change, FieldChange, FieldName, FieldValue, Kind, MatchKey, Named, NamedIds, Plan,
    UserField,
};
use crate::state::LiveState;

/// One field's domain: the roster line that matches the live user, other lines the
/// roster needs, the field's roster values (YAML) and live values (user JSON patches).
struct Domain {
    field: UserField,
    key: &'static str,
    extra: &'static str,
    roster: Vec<&'static str>,
    live: Vec<Value>,
}

fn domain(field: UserField, roster: &[&'static str], live: Vec<Value>) -> Domain {
    Domain {
        field,
        key: "email: jane@acme.com",
        extra: "",
        roster: roster.to_vec(),
        live,
    }
}

/// Live patches setting one user key to each of `values`.
fn each(key: &str, values: &[Value]) -> Vec<Value> {
    values.iter().map(|v| json!({ key: v })).collect()
}

fn domains() -> Vec<Domain> {
    let text = &["null", "\"\"", "Jo", "\"Jo\\n\""][..];
    let live_text = [json!(null), json!(""), json!("Jo"), json!("Jo\n")];
    let flags = &["true", "false"][..];
    let mut domains = vec![
        domain(
            UserField::Name,
            &["Jane Smith", "jane smith", "Jo"],
            each(
                "name",
                &[json!("Jane Smith"), json!("jane smith"), json!("Jo")],
            ),
        ),
        Domain {
            key: "external_id: emp-1",
            ..domain(
                UserField::Email,
                &["jane@acme.com", "JANE@acme.com", "jo@acme.com"],
                each(
                    "email",
                    &[
                        json!("jane@acme.com"),
                        json!("Jane@Acme.com"),
                        json!("jo@acme.com"),
                    ],
                ),
            )
        },
        domain(
            UserField::ExternalId,
            &["emp-1", "EMP-1", "emp-2"],
            each(
                "external_id",
                &[json!("emp-1"), json!("EMP-1"), json!("emp-2"), json!(null)],
            ),
        ),
        domain(
            UserField::Role,
            &["end-user", "agent", "admin"],
            each("role", &[json!("end-user"), json!("agent"), json!("admin")]),
        ),
        Domain {
            extra: "role: agent\n    ",
            ..domain(
                UserField::CustomRole,
                &["null", "Tier 1", "tier 1", "Tier 2"],
                vec![
                    json!({"custom_role_id": null}),
                    json!({"custom_role_id": 500}),
                    json!({"custom_role_id": 501}),
                    json!({"custom_role_id": 500, "role": "admin"}),
                ],
            )
        },
        domain(
            UserField::Organization,
            &["null", "Acme", "acme", "Partners"],
            each("organization_id", &[json!(null), json!(30), json!(31)]),
        ),
        Domain {
            extra: "role: agent\n    ",
            ..domain(
                UserField::DefaultGroup,
                &["null", "Support", "support", "Sales"],
                each("default_group_id", &[json!(null), json!(20), json!(21)]),
            )
        },
        domain(
            UserField::Tags,
            &["[]", "[emea]", "[EMEA, vip]", "[vip, emea]"],
            each(
                "tags",
                &[json!([]), json!(["emea"]), json!(["emea", "vip"])],
            ),
        ),
        domain(
            UserField::Custom("code".to_owned()),
            &["1042", "\"1042\"", "2024-03-01", "null", "\"\""],
            [
                json!(null),
                json!("1042"),
                json!(1042),
                json!("2024-03-01T00:00:00+00:00"),
                json!(""),
            ]
            .into_iter()
            .map(|v| json!({"user_fields": {"code": v}}))
            .chain([json!({"user_fields": {}})])
            .collect(),
        ),
        domain(
            UserField::Locale,
            &["en-US", "en-us", "de"],
            each(
                "locale",
                &[json!(null), json!("en-US"), json!("en_US"), json!("de")],
            ),
        ),
        domain(
            UserField::TimeZone,
            &["Europe/Berlin", "Berlin", "Europe/Paris"],
            vec![
                json!({"time_zone": "Berlin", "iana_time_zone": "Europe/Berlin"}),
                json!({"time_zone": "Paris", "iana_time_zone": "Europe/Paris"}),
                json!({"time_zone": null, "iana_time_zone": null}),
            ],
        ),
        domain(
            UserField::TicketRestriction,
            &["null", "groups", "assigned"],
            each(
                "ticket_restriction",
                &[json!(null), json!("groups"), json!("requested"), json!("")],
            ),
        ),
    ];
    for field in [
        UserField::Alias,
        UserField::Details,
        UserField::Notes,
        UserField::Signature,
        UserField::Phone,
    ] {
        let key = field.fixed_name().unwrap();
        domains.push(domain(field, text, each(key, &live_text)));
    }
    for field in [
        UserField::Moderator,
        UserField::OnlyPrivateComments,
        UserField::Verified,
        UserField::Suspended,
    ] {
        let key = field.fixed_name().unwrap();
        domains.push(domain(
            field,
            flags,
            each(key, &[json!(true), json!(false)]),
        ));
    }
    domains
}

/// The account's custom roles, organizations, groups and user field `code`, with user
/// tagging on, and Jane (#10) patched.
fn account(patch: &Value) -> LiveState {
    let mut jane = json!({
        "id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1",
        "role": "agent", "active": true
    });
    for (key, value) in patch.as_object().unwrap() {
        jane[key] = value.clone();
    }
    state_from(&json!({
        "account": {"user_tagging": true},
        "user_fields": [{"id": 600, "key": "code", "type": "text", "title": "Code"}],
        "users": [jane],
        "custom_roles": [{"id": 500, "name": "Tier 1"}, {"id": 501, "name": "Tier 2"}],
        "organizations": [{"id": 30, "name": "Acme"}, {"id": 31, "name": "Partners"}],
        "groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Sales"}]
    }))
}

/// Names by the account's ids, as the executor knows them from the plan's references.
struct AccountNames<'s>(&'s LiveState);

impl NamedIds for AccountNames<'_> {
    fn id(&self, kind: Named, name: &str) -> Option<u64> {
        let state = self.0;
        let mut named = match kind {
            Named::CustomRole => {
                Box::new(state.custom_roles.iter().map(|r| (r.name.as_str(), r.id)))
                    as Box<dyn Iterator<Item = (&str, u64)>>
            }
            Named::Organization => {
                Box::new(state.organizations.iter().map(|o| (o.name.as_str(), o.id)))
            }
            Named::Group => Box::new(state.groups.iter().map(|g| (g.name.as_str(), g.id))),
        };
        named
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, id)| id)
    }

    fn show(&self, _kind: Named, id: u64) -> FieldValue {
        FieldValue::Json(id.into())
    }
}

/// The value the plan sets `field` of Jane to, if it plans it.
fn planned(plan: &Plan, field: &UserField) -> Option<FieldValue> {
    plan.changes
        .iter()
        .filter(|c| c.id == Some(10))
        .flat_map(|c| &c.fields)
        .find(|f| f.field == FieldName::User(field.clone()))
        .map(|f| f.after.clone())
}

#[test]
fn the_planner_plans_a_field_exactly_when_the_convergence_check_says_it_does_not_hold() {
    let domains = domains();
    let covered: Vec<&UserField> = domains.iter().map(|d| &d.field).collect();
    for field in &UserField::FIXED {
        assert!(covered.contains(&field), "no domain for `{field}`");
    }
    for domain in &domains {
        let field = &domain.field;
        for value in &domain.roster {
            let field_line = match field {
                UserField::Custom(key) => format!("user_fields: {{ {key}: {value} }}"),
                _ => format!("{field}: {value}"),
            };
            let roster = format!(
                "users:\n  - {}\n    {}{field_line}\n",
                domain.key, domain.extra
            );
            let cases: Vec<(&Value, LiveState, Option<FieldValue>)> = domain
                .live
                .iter()
                .map(|patch| {
                    let state = account(patch);
                    let plan = plan_with(&roster, &state);
                    assert!(plan.errors.is_empty(), "{roster}{:?}", plan.errors);
                    let planned = planned(&plan, field);
                    (patch, state, planned)
                })
                .collect();
            let afters: Vec<&FieldValue> =
                cases.iter().filter_map(|(_, _, p)| p.as_ref()).collect();
            let Some(&after) = afters.first() else {
                panic!("no live value in the domain differs from `{field}: {value}`");
            };
            assert!(afters.iter().all(|a| *a == after), "{field}: {afters:?}");
            for (patch, state, planned) in &cases {
                let change = Change {
                    kind: Kind::User,
                    action: Action::Update,
                    key: MatchKey::Email("jane@acme.com".to_owned()),
                    label: "Jane".to_owned(),
                    id: Some(10),
                    target: None,
                    target_id: None,
                    fields: vec![FieldChange::user(
                        field.clone(),
                        FieldValue::Null,
                        after.clone(),
                    )],
                    source: None,
                    blocked: None,
                    escalation: None,
                    notes: Vec::new(),
                    implies: Vec::new(),
                };
                let live = state.users.get(&10).map(AsRef::as_ref);
                let holds = diverging(&change, live, &AccountNames(state), None).is_empty();
                assert_eq!(
                    planned.is_some(),
                    !holds,
                    "`{field}: {value}` against {patch}: the planner {} it, the convergence check says it {}",
                    if planned.is_some() {
                        "plans"
                    } else {
                        "does not plan"
                    },
                    if holds { "holds" } else { "does not hold" },
                );
            }
        }
    }
}
