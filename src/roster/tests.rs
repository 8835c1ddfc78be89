//! One failing and one passing case per validation rule; the failing case's exact output
//! is pinned with insta.

use std::fmt::Write as _;

use super::{Severity, diagnostic, load_texts};

/// (rule name, expected diagnostic code, roster with the mistake, the same roster fixed)
const RULES: &[(&str, &str, &str, &str)] = &[
    (
        "yaml_syntax",
        "yaml-syntax",
        "users:\n  - email: jane@acme.com\n    role: [agent\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n",
    ),
    (
        "tab_indentation",
        "yaml-syntax",
        "users:\n\t- email: jane@acme.com\n",
        "users:\n  - email: jane@acme.com\n",
    ),
    (
        "unknown_key",
        "unknown-key",
        "users:\n  - emial: jane@acme.com\n    external_id: e1\n",
        "users:\n  - email: jane@acme.com\n    external_id: e1\n",
    ),
    (
        "unknown_top_level_key",
        "unknown-key",
        "user:\n  - email: jane@acme.com\n",
        "users:\n  - email: jane@acme.com\n",
    ),
    (
        "duplicate_key",
        "duplicate-key",
        "users:\n  - email: jane@acme.com\n    role: agent\n    role: admin\n",
        "users:\n  - email: jane@acme.com\n    role: admin\n",
    ),
    (
        "role_capitalised",
        "invalid-value",
        "users:\n  - email: jane@acme.com\n    role: Agent\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n",
    ),
    (
        "role_unknown",
        "invalid-value",
        "users:\n  - email: jane@acme.com\n    role: superuser\n",
        "users:\n  - email: jane@acme.com\n    role: admin\n",
    ),
    (
        "prune_unknown",
        "invalid-value",
        "settings:\n  prune: remove\n",
        "settings:\n  prune: delete\n",
    ),
    (
        "ticket_restriction_unknown",
        "invalid-value",
        "users:\n  - email: jane@acme.com\n    ticket_restriction: group\n",
        "users:\n  - email: jane@acme.com\n    ticket_restriction: groups\n",
    ),
    (
        "boolean_spelled_yes",
        "invalid-type",
        "users:\n  - email: jane@acme.com\n    suspended: yes\n",
        "users:\n  - email: jane@acme.com\n    suspended: true\n",
    ),
    (
        "list_written_as_text",
        "invalid-type",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: Billing\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing]\n",
    ),
    (
        "malformed_email",
        "invalid-email",
        "users:\n  - email: jane.acme.com\n",
        "users:\n  - email: jane@acme.com\n",
    ),
    (
        "missing_match_key",
        "missing-match-key",
        "users:\n  - name: Jane Smith\n    role: agent\n",
        "users:\n  - name: Jane Smith\n    external_id: emp-1\n    role: agent\n",
    ),
    (
        "duplicate_email_across_files",
        "duplicate-email",
        "users:\n  - email: jane@acme.com\n  - email: JANE@acme.com\n",
        "users:\n  - email: jane@acme.com\n  - email: john@acme.com\n",
    ),
    (
        "duplicate_external_id",
        "duplicate-external-id",
        "users:\n  - external_id: emp-1\n  - external_id: EMP-1\n",
        "users:\n  - external_id: emp-1\n  - external_id: emp-2\n",
    ),
    (
        "custom_role_without_agent",
        "custom-role-needs-agent",
        "users:\n  - email: jane@acme.com\n    role: end-user\n    custom_role: Tier 1\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    custom_role: Tier 1\n",
    ),
    (
        "groups_on_end_user",
        "groups-on-end-user",
        "users:\n  - email: jane@acme.com\n    role: end-user\n    groups: [Billing]\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing]\n",
    ),
    (
        "default_group_not_in_groups",
        "not-a-member",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing]\n    default_group: Biling\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing]\n    default_group: billing\n",
    ),
    (
        "organization_not_in_organizations",
        "not-a-member",
        "users:\n  - email: jane@acme.com\n    organizations: [Acme]\n    organization: Globex\n",
        "users:\n  - email: jane@acme.com\n    organizations: [Acme, Globex]\n    organization: Globex\n",
    ),
    (
        "duplicate_custom_role_name",
        "duplicate-name",
        "custom_roles:\n  - name: Tier 1\n  - name: tier 1\n",
        "custom_roles:\n  - name: Tier 1\n  - name: Tier 2\n",
    ),
    (
        "duplicate_organization_name",
        "duplicate-name",
        "organizations:\n  - name: Acme\n  - name: ACME\n",
        "organizations:\n  - name: Acme\n  - name: Globex\n",
    ),
    (
        "duplicate_group_name",
        "duplicate-name",
        "groups:\n  - name: Billing\n  - name: Billing\n",
        "groups:\n  - name: Billing\n  - name: Support\n",
    ),
    (
        "percentage_out_of_range",
        "percentage-out-of-range",
        "settings:\n  safety:\n    max_deletes: \"150%\"\n",
        "settings:\n  safety:\n    max_deletes: \"15%\"\n",
    ),
    (
        "threshold_malformed",
        "invalid-type",
        "settings:\n  safety:\n    max_suspends: ten\n",
        "settings:\n  safety:\n    max_suspends: 10\n",
    ),
    (
        "unmatchable_ignore_pattern",
        "unmatchable-pattern",
        "settings:\n  ignore: [\"ops team\"]\n",
        "settings:\n  ignore: [\"ops-*@acme.com\"]\n",
    ),
    (
        "unmatchable_protect_pattern",
        "unmatchable-pattern",
        "settings:\n  protect: [\"owner\"]\n",
        "settings:\n  protect: [\"owner@acme.com\"]\n",
    ),
    (
        "tag_with_space",
        "invalid-tag",
        "users:\n  - email: jane@acme.com\n    tags: [vip customer]\n",
        "users:\n  - email: jane@acme.com\n    tags: [vip_customer]\n",
    ),
    (
        "duplicate_list_item",
        "duplicate-item",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing, billing]\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Billing]\n",
    ),
    (
        "locale_malformed",
        "invalid-locale",
        "users:\n  - email: jane@acme.com\n    locale: english\n",
        "users:\n  - email: jane@acme.com\n    locale: en-US\n",
    ),
    (
        "version_unsupported",
        "unsupported-version",
        "version: 2\nusers:\n  - email: jane@acme.com\n",
        "version: 1\nusers:\n  - email: jane@acme.com\n",
    ),
    (
        "empty_file",
        "empty-file",
        "# nothing here yet\n",
        "users: []\n",
    ),
    (
        "default_for_identity_key",
        "invalid-default",
        "defaults:\n  email: team@acme.com\n",
        "defaults:\n  verified: true\n",
    ),
    (
        "nested_user_field",
        "invalid-type",
        "users:\n  - email: jane@acme.com\n    user_fields: { address: { city: Berlin } }\n",
        "users:\n  - email: jane@acme.com\n    user_fields: { city: Berlin }\n",
    ),
    (
        "custom_role_permission_value",
        "invalid-value",
        "custom_roles:\n  - name: Tier 1\n    configuration: { ticket_access: within_groups }\n",
        "custom_roles:\n  - name: Tier 1\n    configuration: { ticket_access: within-groups }\n",
    ),
    (
        "name_missing",
        "missing-name",
        "groups:\n  - description: No name here\n",
        "groups:\n  - name: Support\n    description: A name here\n",
    ),
    (
        "min_admins_negative",
        "invalid-type",
        "settings:\n  safety:\n    min_admins: -1\n",
        "settings:\n  safety:\n    min_admins: 1\n",
    ),
    (
        "count_out_of_range",
        "number-out-of-range",
        "settings:\n  safety:\n    max_deletes: 4294967296\n",
        "settings:\n  safety:\n    max_deletes: 4294967295\n",
    ),
    (
        "percentage_misspelled",
        "invalid-type",
        "settings:\n  safety:\n    max_deletes: .5%\n",
        "settings:\n  safety:\n    max_deletes: 0.5%\n",
    ),
    (
        "pattern_not_a_glob",
        "invalid-pattern",
        "settings:\n  protect: [\"external_id:[svc\"]\n",
        "settings:\n  protect: [\"external_id:svc-*\"]\n",
    ),
    (
        "user_field_not_a_number_json_has",
        "invalid-type",
        "users:\n  - email: jane@acme.com\n    user_fields: { score: .nan }\n",
        "users:\n  - email: jane@acme.com\n    user_fields: { score: 0.5 }\n",
    ),
    (
        "text_not_a_number_json_has",
        "invalid-type",
        "users:\n  - email: jane@acme.com\n    phone: .inf\n",
        "users:\n  - email: jane@acme.com\n    phone: \".inf\"\n",
    ),
    (
        "expires_not_a_date",
        "invalid-date",
        "users:\n  - email: jane@acme.com\n    expires: 2026-02-30\n",
        "users:\n  - email: jane@acme.com\n    expires: 2026-02-28\n",
    ),
    (
        "expires_time_without_zone",
        "invalid-date",
        "users:\n  - email: jane@acme.com\n    expires: 2026-12-05T17:00:00\n",
        "users:\n  - email: jane@acme.com\n    expires: 2026-12-05T17:00:00+01:00\n",
    ),
    (
        "expires_in_defaults",
        "invalid-default",
        "defaults:\n  expires: 2026-12-31\nusers:\n  - email: jane@acme.com\n",
        "users:\n  - email: jane@acme.com\n    expires: 2026-12-31\n",
    ),
    (
        "on_expiry_unknown",
        "invalid-value",
        "settings:\n  on_expiry: remove\n",
        "settings:\n  on_expiry: delete\n",
    ),
    (
        "account_not_a_subdomain",
        "invalid-subdomain",
        "settings:\n  account: acme.zendesk.com\n",
        "settings:\n  account: acme\n",
    ),
    (
        "policy_pattern_unmatchable",
        "unmatchable-pattern",
        "settings:\n  policy:\n    admin_emails: [acme.com]\n",
        "settings:\n  policy:\n    admin_emails: [\"*@acme.com\"]\n",
    ),
    (
        "temporary_without_until",
        "missing-key",
        "users:\n  - email: jane@acme.com\n    role: agent\n    temporary: { role: admin }\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    temporary: { role: admin, until: 2026-12-05 }\n",
    ),
    (
        "temporary_needs_role",
        "temporary-needs-role",
        "users:\n  - email: jane@acme.com\n    temporary: { role: admin, until: 2026-12-05 }\n",
        "defaults:\n  role: agent\nusers:\n  - email: jane@acme.com\n    temporary: { role: admin, until: 2026-12-05 }\n",
    ),
    (
        "temporary_custom_role_on_admin",
        "temporary-custom-role-needs-agent",
        "users:\n  - email: jane@acme.com\n    role: agent\n    temporary: { role: admin, custom_role: Tier 2, until: 2026-12-05 }\n",
        "users:\n  - email: jane@acme.com\n    role: agent\n    temporary: { role: agent, custom_role: Tier 2, until: 2026-12-05 }\n",
    ),
];

fn render(texts: &[(&str, &str)]) -> (String, Vec<&'static str>) {
    let loaded = load_texts(texts);
    let mut out = Vec::new();
    diagnostic::write_human(&mut out, &loaded.diagnostics, false, false).unwrap();
    let codes = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect();
    (String::from_utf8(out).unwrap(), codes)
}

#[test]
fn every_rule_fails_its_bad_case_and_passes_its_fixed_case() {
    for (name, code, bad, good) in RULES {
        let (output, codes) = render(&[("roster.yaml", bad)]);
        assert!(
            codes.contains(code),
            "rule {name}: expected `{code}` in\n{output}"
        );
        insta::assert_snapshot!(format!("rule_{name}"), output);
        let (output, codes) = render(&[("roster.yaml", good)]);
        assert!(
            codes.is_empty(),
            "rule {name}: fixed case still fails:\n{output}"
        );
    }
}

#[test]
fn duplicates_across_files_name_both_places() {
    let (output, _) = render(&[
        ("roster/a.yaml", "users:\n  - email: jane@acme.com\n"),
        ("roster/b.yaml", "users:\n  - email: Jane@Acme.com\n"),
    ]);
    insta::assert_snapshot!(output, @r"
    roster/b.yaml:2:12: error: email `Jane@Acme.com` is also used at roster/a.yaml:2:12
      hint: Zendesk compares emails case-insensitively, so `jane@acme.com` and `Jane@Acme.com` are the same
    1 error in 1 file
    ");
}

#[test]
fn settings_in_two_files_is_an_error() {
    let (output, codes) = render(&[
        ("a.yaml", "settings:\n  prune: report\n"),
        ("b.yaml", "settings:\n  prune: delete\n"),
    ]);
    assert_eq!(codes, ["duplicate-section"], "{output}");
}

#[test]
fn errors_of_all_files_are_reported_at_once_in_file_and_line_order() {
    let (output, codes) = render(&[
        ("b.yaml", "users:\n  - email: x@acme.com\n    role: boss\n"),
        (
            "a.yaml",
            "users:\n  - emial: y@acme.com\n  - email: z@acme.com\n    suspended: no\n",
        ),
    ]);
    assert_eq!(codes.len(), 4, "{output}");
    let first_b = output.find("b.yaml").unwrap();
    assert!(output.rfind("a.yaml").unwrap() < first_b, "{output}");
    assert!(output.ends_with("4 errors in 2 files\n"), "{output}");
}

#[test]
fn absent_and_null_stay_apart() {
    let loaded = load_texts(&[(
        "r.yaml",
        "users:\n  - email: a@acme.com\n    alias: null\n    tags: ~\n  - email: b@acme.com\n",
    )]);
    assert!(!loaded.has_errors());
    let users = &loaded.roster.users;
    assert!(matches!(users[0].profile.alias, super::Field::Null(_)));
    assert!(
        users[0]
            .profile
            .tags
            .as_ref()
            .is_some_and(|t| t.value.is_empty())
    );
    assert!(users[1].profile.alias.is_absent());
    assert!(users[1].profile.tags.is_none());
}

#[test]
fn alias_bomb_is_stopped_with_a_clear_error() {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        writeln!(yaml, "a{level}: &a{level} [{items}]").unwrap();
    }
    let (output, codes) = render(&[("bomb.yaml", &yaml)]);
    assert_eq!(codes, ["yaml-limit"], "{output}");
}

#[test]
fn deep_nesting_is_stopped_with_a_clear_error() {
    let yaml = format!("users: {}{}\n", "[".repeat(200), "]".repeat(200));
    let (output, codes) = render(&[("deep.yaml", &yaml)]);
    assert_eq!(codes, ["yaml-limit"], "{output}");
}

#[test]
fn unresolved_references_are_notes_not_errors() {
    let loaded = load_texts(&[(
        "r.yaml",
        "groups:\n  - name: Billing\nusers:\n  - email: a@acme.com\n    role: agent\n    groups: [Billing, Support]\n    custom_role: Tier 9\n",
    )]);
    assert!(!loaded.has_errors());
    let notes: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    insta::assert_debug_snapshot!(notes, @r#"
    [
        "group `Support` is not in `groups`; it is resolved against the live account at plan time",
        "custom role `Tier 9` is not in `custom_roles`; it is resolved against the live account at plan time",
    ]
    "#);
}

#[test]
fn digest_is_the_sha256_of_each_file_name_and_content_digest() {
    // sha256("roster.yaml" 0x00 sha256(text)), computed outside zroster.
    let loaded = load_texts(&[("roster.yaml", "users:\n  - email: jane@acme.com\n")]);
    assert_eq!(
        loaded.roster.digest,
        "sha256:7741d6285d75948a55cbe95661cc5604f3409400f16625d8dd610b1c270c999f"
    );
}

#[test]
fn emails_are_trimmed_of_surrounding_blanks() {
    let loaded = load_texts(&[(
        "r.yaml",
        "users:\n  - email: \" jane@acme.com\\t\"\n  - email: \"bob@acme.com \"\n  - email: bob@acme.com\n",
    )]);
    let emails: Vec<_> = loaded
        .roster
        .users
        .iter()
        .map(|u| u.email.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(emails, ["jane@acme.com", "bob@acme.com", "bob@acme.com"]);
    let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["duplicate-email"]);
}

#[test]
fn numbers_where_text_is_expected_are_the_text_as_written() {
    let loaded = load_texts(&[(
        "r.yaml",
        "users:\n  - external_id: 0042\n    phone: +4930123456\n    name: 1.50\n    tags: [2024, 1e3]\n  - external_id: 1042\n    phone: 555.1234\n    alias: 0x1F\n    organization: 12345678901234567890\n",
    )]);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let [first, second] = &loaded.roster.users[..] else {
        panic!("two users")
    };
    let text = |field: &Option<super::Located<String>>| field.as_ref().unwrap().value.clone();
    assert_eq!(text(&first.external_id), "0042");
    assert_eq!(first.profile.phone.value().unwrap(), "+4930123456");
    assert_eq!(text(&first.name), "1.50");
    let tags: Vec<&str> = first
        .profile
        .tags
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(tags, ["2024", "1e3"]);
    assert_eq!(text(&second.external_id), "1042");
    assert_eq!(second.profile.phone.value().unwrap(), "555.1234");
    assert_eq!(second.profile.alias.value().unwrap(), "0x1F");
    assert_eq!(
        second.profile.organization.value().unwrap(),
        "12345678901234567890"
    );
}

#[test]
fn whole_numbers_written_with_a_fraction_are_whole_numbers() {
    let loaded = load_texts(&[(
        "r.yaml",
        "version: 1.0\nsettings:\n  safety:\n    max_deletes: 5.0\n    min_admins: 2.0\n    max_suspends: 20 %\n",
    )]);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let safety = &loaded.roster.settings.safety;
    assert_eq!(
        safety.max_deletes.as_ref().unwrap().value,
        super::model::Threshold::Count(5)
    );
    assert_eq!(safety.min_admins.as_ref().unwrap().value, 2);
    assert_eq!(
        safety.max_suspends.as_ref().unwrap().value,
        super::model::Threshold::Percent(super::model::Percent(20.0))
    );
    let (output, codes) = render(&[(
        "r.yaml",
        "version: 2.0\nsettings:\n  safety:\n    min_admins: 2.5\n",
    )]);
    assert_eq!(codes, ["unsupported-version", "invalid-type"], "{output}");
}

#[test]
fn a_version_written_as_text_is_a_type_error_not_another_version() {
    let (output, codes) = render(&[(
        "r.yaml",
        "version: \"1\"\nusers:\n  - email: jane@acme.com\n",
    )]);
    assert_eq!(codes, ["invalid-type"], "{output}");
    insta::assert_snapshot!(output, @r"
    r.yaml:1:10: error: `version` must be the number 1, found text `1`
    1 error in 1 file
    ");
}

#[test]
fn an_address_mixing_scripts_is_a_warning_with_its_place() {
    let loaded = load_texts(&[(
        "r.yaml",
        "users:\n  - email: bоss@acme.com\n  - email: jane@аcme.com\n  - email: иван@пример.com\n  - email: boss@acme.com\n",
    )]);
    assert!(!loaded.has_errors());
    let mut out = Vec::new();
    diagnostic::write_human(&mut out, &loaded.diagnostics, false, false).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
    r.yaml:2:12: warning: `bоss@acme.com` mixes Latin and Cyrillic letters in the part before the `@`: it may be a look-alike of another address
      hint: the Cyrillic letters are `о` (U+043E); retype the address if it should have none
    r.yaml:3:12: warning: `jane@аcme.com` mixes Latin and Cyrillic letters in the domain label `аcme`: it may be a look-alike of another address
      hint: the Cyrillic letters are `а` (U+0430); retype the address if it should have none
    2 warnings in 1 file
    ");
}
