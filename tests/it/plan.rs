//! `zplan` end to end: the real binary against the project's emulator over loopback,
//! asserting the output, the exit code and the API traffic.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::common::{Sandbox, bin, root, roster_file, run, writes};

const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"}
], "groups": [{"id": 20, "name": "Support"}]}"#;

const SAME: &str = "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent }\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: agent }\n";

#[test]
fn a_roster_identical_to_the_account_plans_nothing_and_only_reads() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, SAME);
    let (output, stdout) =
        run(sandbox
            .zplan()
            .args(["--format", "json", "--detailed-exitcode", &roster]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["changes"], json!([]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "fetched 3 users, 1 group, 0 organizations, 4 custom roles and 0 user fields in "
        ),
        "{stderr}"
    );
    // A new Enterprise account: tagging and several organizations per user are off.
    assert!(
        stderr.contains("requests; user tagging off, one organization per user"),
        "{stderr}"
    );
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
    assert!(
        requests["total"].as_u64().unwrap() <= 10,
        "only the fetch: {requests:#}"
    );
}

#[test]
fn detailed_exitcode_is_0_2_1_and_3_in_the_right_cases() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let code = |text: &str| {
        let roster = roster_file(&dir, text);
        sandbox
            .zplan()
            .args(["--detailed-exitcode", &roster])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(SAME), Some(0));
    assert_eq!(code(&SAME.replace("Bo Berg", "Bo Bergström")), Some(2));
    // Conflict: the external id is Jane's, the email Bo's.
    assert_eq!(
        code("users:\n  - { external_id: emp-1, email: bo@acme.com }\n"),
        Some(1)
    );
    // An unresolvable group is an error.
    assert_eq!(
        code("users:\n  - { external_id: emp-1, role: agent, groups: [Nowhere] }\n"),
        Some(1)
    );
    // Refused: pruning deletes both agents but max_deletes is 1.
    assert_eq!(
        code(
            "settings:\n  manage: { roles: [agent] }\n  prune: delete\n  safety: { max_deletes: 1 }\nusers: []\n"
        ),
        Some(3)
    );
    // Without --detailed-exitcode, changes exit 0, but errors and conflicts still exit 1.
    let plain = |text: &str| {
        let roster = roster_file(&dir, text);
        sandbox.zplan().arg(&roster).output().unwrap().status.code()
    };
    assert_eq!(plain(&SAME.replace("Bo Berg", "Bo Bergström")), Some(0));
    assert_eq!(
        plain("users:\n  - { external_id: emp-1, email: bo@acme.com }\n"),
        Some(1)
    );
    assert_eq!(
        plain("users:\n  - { external_id: emp-1, role: agent, groups: [Nowhere] }\n"),
        Some(1)
    );
}

#[test]
fn out_writes_a_plan_that_validates_against_the_plan_schema() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergström"));
    let out = dir.path().join("plan.json");
    let output = sandbox
        .zplan()
        .args(["--out", out.to_str().unwrap(), &roster])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/plan.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(plan["format_version"], 3);
    assert!(plan["plan_digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(plan["touched"][0]["id"], 11);
    assert!(
        !std::fs::read_to_string(&out)
            .unwrap()
            .contains("fake-token")
    );
}

#[test]
fn the_acme_example_plans_the_expected_changes() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    let (output, stdout) = run(sandbox
        .zplan()
        .args(["--format", "json", "examples/acme/roster"]));
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let lines: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}{}{}",
                c["action"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["key"].as_str().unwrap(),
                c["target"]
                    .as_str()
                    .map(|t| format!(" -> {t}"))
                    .unwrap_or_default(),
                c["blocked"]
                    .as_str()
                    .map(|b| format!(" [blocked: {b}]"))
                    .unwrap_or_default(),
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
    insta::assert_json_snapshot!(plan["summary"]);
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn zplan_reads_only_even_when_the_plan_has_changes() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    sandbox.reset_requests();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  manage: { roles: [agent] }\n  prune: delete\nusers:\n  - { name: New Person, email: new@acme.com, role: agent }\n",
    );
    let output = sandbox.zplan().arg(&roster).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn the_sandbox_flag_needs_no_account() {
    let output = bin("zplan")
        .env_remove("ZENDESK_URL")
        .env_remove("ZENDESK_SUBDOMAIN")
        .args([
            "--sandbox",
            "examples/acme/zendesk-state.json",
            "--format",
            "json",
            "examples/acme/roster",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!plan["changes"].as_array().unwrap().is_empty());
}

/// The acme example's fetch (issue 15): 14 requests, the account's reads included, where one
/// search per new email took 31. The 18 roster emails no listing showed are searched in one
/// query (none is anyone's primary address, so its answer also settles who may hold one as a
/// secondary address: the two users framing it, who prove the answer complete, have their
/// identities read, both in one `show_many`), and the last 15 minutes of the export are read
/// for the lagging index.
#[test]
fn the_acme_sandbox_fetch_costs_fourteen_requests() {
    let output = bin("zplan")
        .args([
            "--sandbox",
            "examples/acme/zendesk-state.json",
            "--format",
            "json",
            "examples/acme/roster",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("fetched 14 users, 3 groups, 2 organizations, 6 custom roles and 9 user fields in ")
            && line.contains(
                " s with 14 requests (under a minute at 700 a minute and share 0.5 on a real account); user tagging on, several organizations per user; 18 roster emails searched (1 request), then the last 15 minutes of the user export read (1 page): search lags behind writes; 18 new addresses checked for another user's secondary address (1 request)"
            ),
        "{stderr}"
    );
}

/// The acme plan (issue 15's target: at most 20 requests, the account's reads included),
/// counted by the emulator: the fetch's 14, and one `users/show_many?include=identities` for
/// the addresses of the six users whose access the plan lowers or whose role it changes
/// (`protect` names addresses), where a read of each user's identities took six.
#[test]
fn the_acme_plan_takes_at_most_twenty_requests() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    sandbox.reset_requests();
    let (output, _) = run(sandbox.zplan().arg("examples/acme/roster"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0 | 3)), "{stderr}");
    assert!(
        stderr.contains("read the addresses of 6 users the plan lowers the access of or changes the role of, for `protect`, with 1 request\n"),
        "{stderr}"
    );
    let requests = sandbox.requests();
    let total = requests["total"].as_u64().unwrap();
    assert!(total <= 20, "{total} requests: {requests}");
    assert_eq!(total, 15, "{requests}");
    let by = &requests["by_endpoint"];
    assert_eq!(
        by.get("GET /api/v2/users/{id}/identities"),
        None,
        "{requests}"
    );
    // The roster's external ids the listings did not show, the identities of the two users
    // framing the email search, the identities for `protect`.
    assert_eq!(by["GET /api/v2/users/show_many"], 3, "{requests}");
    assert_eq!(writes(&requests), 0);
}

/// A state that sets no rate limit is served at once, and the fetch line says how long a real
/// account of its plan would take at the run's share: 3,000 agents and admins are 36
/// requests (30 pages of users, no memberships: the roster names no groups, and six fixed
/// reads), more than a twentieth of 700 a minute (35), so a minute more. A state that sets one (acme: 700)
/// keeps it, as the rate-limit headers show.
#[test]
fn the_sandbox_is_not_paced_unless_its_state_sets_a_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut users = vec![json!({"name": "Admin", "email": "admin@acme.com", "role": "admin"})];
    users.extend((0..2_999).map(|i| json!({"name": format!("Agent {i}"), "email": format!("agent{i}@acme.com"), "role": "agent"})));
    let state = dir.path().join("state.json");
    std::fs::write(&state, json!({ "users": users }).to_string()).unwrap();
    let roster = roster_file(&dir, "settings:\n  manage: { roles: [agent, admin] }\n");
    let (output, _) = run(bin("zplan")
        .args(["-v", "--rate-limit-share", "0.05", "--sandbox"])
        .arg(&state)
        .arg(&roster));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            " with 36 requests (about 1 min at 700 a minute and share 0.05 on a real account); "
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("http: waiting"), "{stderr}");
    assert!(
        stderr.contains(&format!(" of {} left", u32::MAX)),
        "{stderr}"
    );

    let (output, _) = run(bin("zplan").args([
        "-v",
        "--sandbox",
        "examples/acme/zendesk-state.json",
        "examples/acme/roster",
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(" of 700 left"), "{stderr}");
}

#[test]
fn without_an_account_zplan_says_which_variable_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, SAME);
    let output = bin("zplan")
        .env_remove("ZENDESK_URL")
        .env_remove("ZENDESK_SUBDOMAIN")
        .arg(&roster)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("ZENDESK_SUBDOMAIN"), "{stderr}");
}

#[test]
fn export_then_plan_plans_no_change() {
    let dir = tempfile::tempdir().unwrap();
    for scope in ["agents", "all"] {
        let exported = dir.path().join(format!("{scope}.yaml"));
        let output = bin("zroster")
            .args([
                "export",
                "--scope",
                scope,
                "--sandbox",
                "examples/acme/zendesk-state.json",
                "--out",
            ])
            .arg(&exported)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&exported).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{text}"
        );
        let output = bin("zplan")
            .args([
                "--sandbox",
                "examples/acme/zendesk-state.json",
                "--format",
                "json",
                "--detailed-exitcode",
            ])
            .arg(&exported)
            .output()
            .unwrap();
        let plan: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scope}: {:#}\n{}",
            plan["changes"],
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn export_is_deterministic() {
    let run = || {
        bin("zroster")
            .args([
                "export",
                "--scope",
                "all",
                "--sandbox",
                "examples/acme/zendesk-state.json",
            ])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert!(!first.is_empty());
    assert_eq!(first, run());
}

#[test]
fn the_token_appears_in_no_output_plan_or_error() {
    const CANARY: &str = "canary-token-5d2c81";
    let sandbox = Sandbox::start_with_token(&serde_json::from_str(STATE).unwrap(), CANARY);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergström"));
    let out = dir.path().join("plan.json");
    let mut seen = Vec::new();
    for token in [CANARY, "canary-token-wrong-5d2c81"] {
        for format in ["human", "markdown", "json"] {
            let output = sandbox
                .zplan()
                .env("ZENDESK_API_TOKEN", token)
                .args(["--format", format, "--out", out.to_str().unwrap(), &roster])
                .output()
                .unwrap();
            seen.push(String::from_utf8_lossy(&output.stdout).into_owned());
            seen.push(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let output = bin("zroster")
            .env("ZENDESK_URL", sandbox.url())
            .env("ZENDESK_EMAIL", "admin@example.com")
            .env("ZENDESK_API_TOKEN", token)
            .env("ZROSTER_TEST_NO_DELAY", "1")
            .args(["export", "--scope", "all"])
            .output()
            .unwrap();
        seen.push(String::from_utf8_lossy(&output.stdout).into_owned());
        seen.push(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let saved = std::fs::read_to_string(&out);
    assert!(saved.is_ok(), "zplan saved no plan:\n{seen:#?}");
    seen.push(saved.unwrap());
    // The wrong token failed with a clear authentication error that names the variables.
    assert!(
        seen.iter().any(|s| s.contains("ZENDESK_API_TOKEN")),
        "{seen:#?}"
    );
    for text in &seen {
        assert!(!text.contains("canary-token"), "a token leaked:\n{text}");
    }
}

/// Bo holds `bo.berg@acme.com` and `robert@acme.com` as secondary addresses.
const SECONDARY_STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"}
], "identities": [
  {"id": 70, "user_id": 10, "type": "email", "value": "jane@acme.com", "primary": true},
  {"id": 71, "user_id": 11, "type": "email", "value": "bo@acme.com", "primary": true},
  {"id": 72, "user_id": 11, "type": "email", "value": "bo.berg@acme.com", "primary": false},
  {"id": 73, "user_id": 11, "type": "email", "value": "robert@acme.com", "primary": false}
]}"#;

/// Requests to one endpoint (normalised as the emulator counts them).
fn count(requests: &Value, endpoint: &str) -> u64 {
    requests["by_endpoint"][endpoint].as_u64().unwrap_or(0)
}

#[test]
fn an_email_another_user_holds_as_a_secondary_address_blocks_that_user_at_a_minimal_cost() {
    const SEARCH: &str = "GET /api/v2/users/search";
    // Identities are read sideloaded on `show_many` (`include=identities`), 100 users a
    // request; this roster names no user by an external id the listing did not show, so
    // `show_many` reads nothing else.
    const IDENTITIES: &str = "GET /api/v2/users/show_many";
    const ONE_USER_IDENTITIES: &str = "GET /api/v2/users/{id}/identities";
    let sandbox = Sandbox::start(&serde_json::from_str(SECONDARY_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let plan = |text: &str| {
        sandbox.reset_requests();
        let roster = roster_file(&dir, text);
        let (output, stdout) =
            run(sandbox
                .zplan()
                .args(["--format", "json", "--detailed-exitcode", &roster]));
        let plan: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (output.status.code(), plan, sandbox.requests())
    };

    // Every roster user matched by its primary email: no search, no identity read.
    let (code, _, requests) = plan(SAME);
    assert_eq!(code, Some(0));
    assert_eq!(count(&requests, SEARCH), 0, "{requests:#}");
    assert_eq!(count(&requests, IDENTITIES), 0, "{requests:#}");

    // A new user whose email nobody holds: one search, still no identity read.
    let (code, plan_json, requests) = plan(&format!(
        "{SAME}  - {{ name: New Person, email: new@acme.com, role: agent }}\n"
    ));
    assert_eq!(code, Some(2), "{plan_json:#}");
    assert_eq!(count(&requests, SEARCH), 1, "{requests:#}");
    assert_eq!(count(&requests, IDENTITIES), 0, "{requests:#}");

    // A new user and a primary-email change naming Bo's secondary addresses: each blocked,
    // naming Bo; one search per email and one identity read for Bo, found by both.
    let (code, plan_json, requests) = plan(
        "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: agent }\n  - { external_id: emp-1, email: Robert@acme.com }\n  - { name: New Person, email: bo.berg@acme.com, role: agent }\n",
    );
    assert_eq!(code, Some(1), "{plan_json:#}");
    let blocked: Vec<(&str, &str)> = plan_json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["action"].as_str()?, c["blocked"].as_str()?)))
        .collect();
    assert_eq!(
        blocked,
        [
            (
                "create",
                "conflict: email `bo.berg@acme.com` is a secondary email of user #11 (Bo Berg <bo@acme.com>)"
            ),
            (
                "update",
                "conflict: email `Robert@acme.com` is a secondary email of user #11 (Bo Berg <bo@acme.com>)"
            ),
        ],
        "{plan_json:#}"
    );
    assert_eq!(plan_json["summary"]["blocked"], 2);
    assert_eq!(count(&requests, SEARCH), 2, "{requests:#}");
    assert_eq!(count(&requests, IDENTITIES), 1, "{requests:#}");
    assert_eq!(count(&requests, ONE_USER_IDENTITIES), 0, "{requests:#}");
    assert_eq!(writes(&requests), 0);
}

#[test]
fn a_mass_onboarding_skips_the_secondary_address_check_and_says_so() {
    // New users' emails are no one's primary address; after the export, checking each for
    // a secondary owner costs one search. Up to 100 are searched; above that, none are, and
    // the plan says so.
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = |n: usize| {
        let mut text = String::from("users:\n");
        for i in 0..n {
            let _ = writeln!(text, "  - {{ name: New {i}, email: new{i}@acme.com }}");
        }
        roster_file(&dir, &text)
    };
    for (n, searches, noted) in [(100, 100, false), (101, 0, true)] {
        sandbox.reset_requests();
        let (output, stdout) = run(sandbox.zplan().arg(roster(n)));
        assert!(output.status.success(), "{stdout}");
        let requests = sandbox.requests();
        assert_eq!(
            count(&requests, "GET /api/v2/incremental/users/cursor"),
            1,
            "{n}: {requests:#}"
        );
        assert_eq!(
            count(&requests, "GET /api/v2/users/search"),
            searches,
            "{n}: {requests:#}"
        );
        let note = format!(
            "note: {n} roster emails that no Zendesk user has as its primary address were not checked against other users' secondary addresses"
        );
        assert_eq!(stdout.contains(&note), noted, "{n}: {stdout}");
    }
}

#[test]
fn below_enterprise_custom_roles_are_blocked_at_plan_time_and_nothing_is_written() {
    let mut state: Value = serde_json::from_str(STATE).unwrap();
    state["account"] = json!({"profile": "professional"});
    let sandbox = Sandbox::start(&state);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "custom_roles:\n  - { name: Tier 1 }\nusers:\n  - { external_id: emp-1, role: agent, custom_role: Tier 1 }\n",
    );
    let (output, stdout) = run(sandbox.zplan().args(["--detailed-exitcode", &roster]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The listing is refused (403) below Enterprise: no custom roles at all.
    assert!(
        stderr.contains("no custom roles (Enterprise only)"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("! custom role: Tier 1 (")
            && stdout.contains("custom_role: null → \"Tier 1\""),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "blocked: `custom_role` on `Jane Smith <jane@acme.com>`, but the account has no custom roles (`custom_role_without_custom_roles`)"
        ),
        "{stdout}"
    );
    // zapply makes nothing and fails: the roster asks for what the account cannot hold.
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(writes(&sandbox.requests()), 0);
}

/// An account whose search index lags two minutes (users changed in the last two minutes
/// are not found by `users/search?query=`), holding Jane, last changed long ago.
fn lagging_account() -> Sandbox {
    Sandbox::start_with(
        &json!({"users": [
            {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "role": "end-user",
             "updated_at": "2020-01-01T00:00:00Z"}
        ]}),
        "fake-token",
        |knobs| knobs.search_lag_s = 120.0,
    )
}

const EXPORT: &str = "GET /api/v2/incremental/users/cursor";
const SEARCH: &str = "GET /api/v2/users/search";

/// `zplan --format json --detailed-exitcode ROSTER`: exit code, plan, stderr, requests.
fn plan_lagging(sandbox: &Sandbox, roster: &str) -> (Option<i32>, Value, String, Value) {
    sandbox.reset_requests();
    let (output, stdout) =
        run(sandbox
            .zplan()
            .args(["--format", "json", "--detailed-exitcode", roster]));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let plan: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (output.status.code(), plan, stderr, sandbox.requests())
}

/// The plan's changes as `action key` lines.
fn change_lines(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no plan: {plan:#}"))
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["action"].as_str().unwrap(),
                c["key"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_user_created_a_moment_ago_is_matched_though_the_search_does_not_find_it_yet() {
    let sandbox = lagging_account();
    let dir = tempfile::tempdir().unwrap();
    // Another tool creates Nia; the search index will show her in two minutes.
    let nia = sandbox.api_post(
        "users.json",
        &json!({"user": {"name": "Nia Novak", "email": "nia@acme.com"}}),
    )["user"]["id"]
        .as_u64()
        .unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - { name: Nia Novak, email: nia@acme.com, details: Onboarded }\n  - { name: Tom New, email: tom@acme.com }\n",
    );
    let (code, plan, stderr, requests) = plan_lagging(&sandbox, &roster);
    assert_eq!(code, Some(2), "{plan:#}\n{stderr}");
    // Nia is updated (not created again); Tom, whom nobody holds, is created.
    assert_eq!(
        change_lines(&plan),
        ["create email:tom@acme.com", "update email:nia@acme.com"],
        "{plan:#}"
    );
    let update = &plan["changes"][1];
    assert_eq!(update["id"], nia, "{plan:#}");
    // One search per email, and one page of the export of the last 15 minutes for the two
    // the search left unmatched; nothing written.
    assert_eq!(count(&requests, SEARCH), 2, "{requests:#}");
    assert_eq!(count(&requests, EXPORT), 1, "{requests:#}");
    assert_eq!(writes(&requests), 0, "{requests:#}");
    assert!(
        stderr.contains(
            "2 roster emails searched (2 requests), then the last 15 minutes of the user export read (1 page)"
        ),
        "{stderr}"
    );

    // Every roster email found by the search: no export read at all.
    let roster = roster_file(
        &dir,
        "users:\n  - { name: Jane Smith, email: jane@acme.com }\n",
    );
    let (code, plan, stderr, requests) = plan_lagging(&sandbox, &roster);
    assert_eq!(code, Some(0), "{plan:#}\n{stderr}");
    assert_eq!(count(&requests, SEARCH), 1, "{requests:#}");
    assert_eq!(count(&requests, EXPORT), 0, "{requests:#}");
}

#[test]
fn a_primary_email_changed_a_moment_ago_is_matched_though_the_search_has_the_old_one() {
    let sandbox = lagging_account();
    let dir = tempfile::tempdir().unwrap();
    // Another tool gives Jane a new address and makes it primary.
    let identity = sandbox.api_post(
        "users/10/identities.json",
        &json!({"identity": {"type": "email", "value": "jane.smith@acme.com"}}),
    )["identity"]["id"]
        .as_u64()
        .unwrap();
    sandbox.api_put(
        &format!("users/10/identities/{identity}/make_primary.json"),
        &json!({}),
    );
    let roster = roster_file(
        &dir,
        "users:\n  - { name: Jane Smith, email: jane.smith@acme.com }\n",
    );
    let (code, plan, stderr, requests) = plan_lagging(&sandbox, &roster);
    assert_eq!(
        code,
        Some(0),
        "nothing to do, no create: {plan:#}\n{stderr}"
    );
    assert_eq!(count(&requests, SEARCH), 1, "{requests:#}");
    assert_eq!(count(&requests, EXPORT), 1, "{requests:#}");
    assert_eq!(
        count(&requests, "GET /api/v2/users/{id}/identities"),
        0,
        "Jane matched by her primary address: no secondary check: {requests:#}"
    );
}

/// The account's group memberships are listed only when the roster manages some (`groups`
/// on a user or in `defaults`): without, nothing the plan decides reads them (as many pages
/// as the agents' on a real account, where every agent is in the default group).
#[test]
fn group_memberships_are_listed_only_when_the_roster_names_groups() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let without = roster_file(&dir, SAME);
    let with = dir.path().join("groups.yaml");
    std::fs::write(
        &with,
        SAME.replace(
            "role: agent }\n  - { name: Bo",
            "role: agent, groups: [Support] }\n  - { name: Bo",
        ),
    )
    .unwrap();
    for (roster, listed) in [(without, 0), (with.display().to_string(), 1)] {
        sandbox.reset_requests();
        let (output, stdout) = run(sandbox.zplan().args(["--format", "json", &roster]));
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        let requests = sandbox.requests();
        assert_eq!(
            count(&requests, "GET /api/v2/group_memberships"),
            listed,
            "{roster}: {requests}"
        );
        let plan: Value = serde_json::from_str(&stdout).unwrap();
        let total = &plan["account_memberships"]["group_memberships"];
        assert_eq!(total.is_null(), listed == 0, "{roster}: {total}");
    }
}
