//! The convergence check end to end: `zapply` reads back the memberships it changed and
//! reports, with the roster line, every one that does not hold when it is done. Something
//! real has to undo a membership for that: the tests hold the check's first read of
//! memberships at the emulator's pause and write to the account meanwhile through the API,
//! as another admin or integration could while a run goes on.

use std::process::Output;

use serde_json::{Value, json};

use crate::apply::{count, journal_lines, sandbox, save_plan, stderr};
use crate::common::{Sandbox, assert_code, roster_file, run};

/// Applies the saved plan `saved` with the request counts reset, holding the first request
/// to `endpoint` while `meanwhile` writes to the account; the output, stdout and report.
fn apply_with(
    sandbox: &Sandbox,
    dir: &tempfile::TempDir,
    saved: &str,
    endpoint: &str,
    meanwhile: impl FnOnce(&Sandbox),
) -> (Output, String, Value) {
    let report = dir.path().join("report.json");
    let mut command = sandbox.zapply();
    command.args(["--report", report.to_str().unwrap(), saved]);
    sandbox.reset_requests();
    sandbox.pause_before(endpoint);
    let applying = std::thread::spawn(move || run(&mut command));
    sandbox.wait_for_pause();
    meanwhile(sandbox);
    sandbox.release();
    let (output, stdout) = applying.join().unwrap();
    let report = serde_json::from_slice(&std::fs::read(report).unwrap())
        .unwrap_or_else(|e| panic!("{e}\n{stdout}\n{}", stderr(&output)));
    (output, stdout, report)
}

/// Whether `user` is a member of `target` (`key`: `group_id` or `organization_id`) in the
/// emulator's `collection`.
fn is_member(sandbox: &Sandbox, collection: &str, key: &str, user: u64, target: u64) -> bool {
    sandbox.state()[collection]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user_id"] == user && m[key] == target)
}

/// The `convergence_checked` event of the run's journal.
fn convergence_checked(sandbox: &Sandbox) -> Value {
    journal_lines(sandbox.work_dir())
        .into_iter()
        .find(|line| line["event"] == "convergence_checked")
        .expect("the convergence check is journaled")
}

#[test]
fn a_group_the_run_added_that_is_gone_afterwards_is_reported_with_its_roster_line() {
    let sandbox = sandbox(&json!({
        "users": [{"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "role": "agent"}],
        "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Sales"}],
        "group_memberships": [{"id": 40, "user_id": 10, "group_id": 20}]
    }));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - email: jane@acme.com\n    name: Jane Smith\n    role: agent\n    groups: [Support, Sales]\n",
    );
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // The run adds Jane to Sales; before the check reads her groups back, another admin
    // makes her an end-user, and Zendesk takes her groups away.
    let (output, stdout, report) = apply_with(
        &sandbox,
        &dir,
        &saved,
        "GET /api/v2/users/{id}/group_memberships",
        |sandbox| {
            assert!(is_member(sandbox, "group_memberships", "group_id", 10, 21));
            sandbox.api_put("users/10", &json!({"user": {"role": "end-user"}}));
        },
    );
    assert_code(&output, &stdout, 1);
    assert_eq!(
        report["results"][0]["status"], "applied",
        "the add itself succeeded: {report:#}"
    );
    assert!(
        stdout.contains(&format!(
            "did not converge: Jane Smith <jane@acme.com> ({roster}:2:5, email:jane@acme.com): groups → Sales: planned \"member\", Zendesk has \"not a member\""
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("; 1 membership did not converge"),
        "{stdout}"
    );
    assert_eq!(
        report["diverged"],
        json!([{
            "key": "email:jane@acme.com", "label": "Jane Smith <jane@acme.com>",
            "source": format!("{roster}:2:5"), "field": "groups", "target": "Sales",
            "planned": "member", "live": "not a member"
        }])
    );
    // One user's groups cost one request; the account's listing would cost one page too,
    // and a tie goes to the user's own read. Organizations were not changed: not read.
    let requests = sandbox.requests();
    for (endpoint, n) in [
        ("GET /api/v2/users/{id}/group_memberships", 1),
        ("GET /api/v2/group_memberships", 0),
        ("GET /api/v2/users/{id}/organization_memberships", 0),
        ("GET /api/v2/organization_memberships", 0),
        ("POST /api/v2/group_memberships/create_many", 1),
    ] {
        assert_eq!(count(&requests, endpoint), n, "{endpoint}: {requests:#}");
    }
    let checked = convergence_checked(&sandbox);
    assert_eq!(
        checked["membership_reads"],
        json!([{
            "kind": "group_membership", "read": "per_user", "users": 1,
            "account_memberships": 3, "listing_requests": 1, "per_user_requests": 1,
            "requests": 1
        }]),
        "{checked:#}"
    );
}

#[test]
fn an_organization_the_run_removed_that_is_back_afterwards_is_reported_from_the_listing() {
    let sandbox = sandbox(&json!({
        "users": [
            {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "role": "agent"},
            {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "role": "agent"},
            {"id": 12, "name": "Dee Doe", "email": "dee@acme.com", "role": "agent"}
        ],
        "organizations": [{"id": 30, "name": "Acme"}, {"id": 31, "name": "Legacy"}],
        "organization_memberships": [
            {"id": 50, "user_id": 10, "organization_id": 30},
            {"id": 51, "user_id": 10, "organization_id": 31}
        ]
    }));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:
  - { name: Jane Smith, email: jane@acme.com, role: agent, organizations: [Acme] }
  - { name: Bo Berg, email: bo@acme.com, role: agent, organizations: [Acme] }
  - { name: Dee Doe, email: dee@acme.com, role: agent, organizations: [Acme] }
",
    );
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // The run removes Jane from Legacy and adds Bo and Dee to Acme; before the check reads
    // the memberships back, another integration puts Jane back into Legacy.
    let (output, stdout, report) = apply_with(
        &sandbox,
        &dir,
        &saved,
        "GET /api/v2/organization_memberships",
        |sandbox| {
            assert!(!is_member(
                sandbox,
                "organization_memberships",
                "organization_id",
                10,
                31
            ));
            sandbox.api_post(
                "organization_memberships",
                &json!({"organization_membership": {"user_id": 10, "organization_id": 31}}),
            );
        },
    );
    assert_code(&output, &stdout, 1);
    let statuses: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses, ["applied"; 3], "{report:#}");
    assert!(
        stdout.contains(&format!(
            "did not converge: Jane Smith <jane@acme.com> ({roster}:2:5, email:jane@acme.com): organizations → Legacy: planned \"not a member\", Zendesk has \"member\""
        )),
        "{stdout}"
    );
    assert_eq!(
        report["diverged"],
        json!([{
            "key": "email:jane@acme.com", "label": "Jane Smith <jane@acme.com>",
            "source": format!("{roster}:2:5"), "field": "organizations", "target": "Legacy",
            "planned": "not a member", "live": "member"
        }]),
        "Bo's and Dee's memberships hold"
    );
    // Three users against an account of four memberships: one page of the listing, not
    // three reads. The one user read is the applier's, which needs Jane's membership ids
    // before removing. Groups were not changed: not read.
    let requests = sandbox.requests();
    for (endpoint, n) in [
        ("GET /api/v2/organization_memberships", 1),
        ("GET /api/v2/users/{id}/organization_memberships", 1),
        ("GET /api/v2/group_memberships", 0),
        ("GET /api/v2/users/{id}/group_memberships", 0),
    ] {
        assert_eq!(count(&requests, endpoint), n, "{endpoint}: {requests:#}");
    }
    let checked = convergence_checked(&sandbox);
    assert_eq!(
        checked["membership_reads"],
        json!([{
            "kind": "organization_membership", "read": "listing", "users": 3,
            "account_memberships": 4, "listing_requests": 1, "per_user_requests": 3,
            "requests": 1
        }]),
        "{checked:#}"
    );
}

#[test]
fn the_default_group_a_new_agent_keeps_is_read_back_though_the_plan_writes_no_membership() {
    let sandbox = sandbox(&json!({
        "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Sales"}]
    }));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - email: nia@acme.com\n    name: Nia New\n    role: agent\n    groups: [Support]\n",
    );
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let kinds: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["kind"])
        .collect();
    assert_eq!(
        kinds,
        ["user"],
        "Zendesk makes the membership itself: {plan:#}"
    );
    assert_eq!(
        plan["changes"][0]["implies"],
        json!([{"kind": "group_membership", "target": "Support", "target_id": 20}])
    );
    // Zendesk puts Nia into Support; before the check reads her groups back, another admin
    // moves her to Sales (an agent keeps a group: added there first, then taken out of
    // Support).
    let (output, stdout, report) = apply_with(
        &sandbox,
        &dir,
        &saved,
        "GET /api/v2/users/{id}/group_memberships",
        |sandbox| {
            let state = sandbox.state();
            let nia = state["users"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["email"] == "nia@acme.com")
                .unwrap()["id"]
                .as_u64()
                .unwrap();
            assert!(is_member(sandbox, "group_memberships", "group_id", nia, 20));
            sandbox.api_post(
                "group_memberships",
                &json!({"group_membership": {"user_id": nia, "group_id": 21}}),
            );
            let support = state["group_memberships"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["user_id"] == nia && m["group_id"] == 20)
                .unwrap()["id"]
                .as_u64()
                .unwrap();
            sandbox.api_delete(&format!("group_memberships/{support}"));
        },
    );
    assert_code(&output, &stdout, 1);
    assert!(
        stdout.contains(&format!(
            "did not converge: Nia New <nia@acme.com> ({roster}:2:5, email:nia@acme.com): groups → Support: planned \"member\", Zendesk has \"not a member\""
        )),
        "{stdout}"
    );
    assert_eq!(
        report["diverged"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    // The new agent's groups: one per-user read; no membership was written by the run.
    let requests = sandbox.requests();
    for (endpoint, n) in [
        ("GET /api/v2/users/{id}/group_memberships", 1),
        ("GET /api/v2/group_memberships", 0),
        ("POST /api/v2/group_memberships/create_many", 0),
    ] {
        assert_eq!(count(&requests, endpoint), n, "{endpoint}: {requests:#}");
    }
}
