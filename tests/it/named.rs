//! Custom roles, organizations and groups are created once, whatever happens around the
//! create: a saved plan applied again after a kill, an answer lost after the write, two
//! applies at once. Each test asserts the account (one object a name), the memberships
//! that refer to it, and the requests the guard costs.

use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::apply::{count, sandbox, save_plan, stderr};
use crate::common::{Sandbox, assert_code, roster_file, run};

/// An admin, an agent, and the account's default group.
fn state() -> Value {
    json!({
        "users": [
            {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1",
             "role": "agent", "updated_at": "2020-01-01T00:00:00Z"}
        ],
        "groups": [{"id": 20, "name": "Support", "default": true}]
    })
}

/// Three new named objects of each way of creating them (a custom role; an organization
/// with an external id, `create_or_update`; one without; two groups), two new agents in
/// them and the existing agent joining one.
const ROSTER: &str = "settings:
  manage: { roles: [agent] }
custom_roles:
  - name: Tier 1
    description: First line
    configuration: { ticket_access: within-groups }
organizations:
  - { name: Acme, external_id: org-acme, domain_names: [acme.com] }
  - { name: Partners }
groups:
  - { name: Billing, description: Invoices }
  - { name: Tier 3 }
users:
  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent, groups: [Support, Tier 3] }
  - { name: Ann New, email: ann@acme.com, external_id: emp-2, role: agent, custom_role: Tier 1, organization: Acme, groups: [Support, Billing] }
  - { name: Bo New, email: bo@acme.com, external_id: emp-3, role: agent, organization: Partners, groups: [Support, Billing, Tier 3] }
";

/// The live objects of `collection` named `name`.
fn named<'s>(state: &'s Value, collection: &str, name: &str) -> Vec<&'s Value> {
    state[collection]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"].as_str() == Some(name))
        .collect()
}

/// Every named object of the roster is there once; returns the groups' ids by name.
fn assert_each_once(sandbox: &Sandbox) -> (u64, u64) {
    let state = sandbox.state();
    for (collection, name) in [
        ("custom_roles", "Tier 1"),
        ("organizations", "Acme"),
        ("organizations", "Partners"),
        ("groups", "Billing"),
        ("groups", "Tier 3"),
    ] {
        let found = named(&state, collection, name);
        assert_eq!(found.len(), 1, "{collection} `{name}`: {found:#?}");
    }
    let id = |name| named(&state, "groups", name)[0]["id"].as_u64().unwrap();
    (id("Billing"), id("Tier 3"))
}

/// The group ids of the user with `email`.
fn groups_of(sandbox: &Sandbox, email: &str) -> Vec<u64> {
    let state = sandbox.state();
    let user = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"].as_str() == Some(email))
        .unwrap_or_else(|| panic!("no `{email}`"))["id"]
        .clone();
    let mut ids: Vec<u64> = state["group_memberships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["user_id"] == user)
        .map(|m| m["group_id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

/// The roster holds: every object once, every agent in its groups, nothing left to plan.
fn assert_converged(sandbox: &Sandbox, roster: &str) {
    let (billing, tier3) = assert_each_once(sandbox);
    assert_eq!(groups_of(sandbox, "jane@acme.com"), sorted(&[20, tier3]));
    assert_eq!(groups_of(sandbox, "ann@acme.com"), sorted(&[20, billing]));
    assert_eq!(
        groups_of(sandbox, "bo@acme.com"),
        sorted(&[20, billing, tier3])
    );
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", roster]));
    assert!(output.status.success(), "{}", stderr(&output));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["changes"], json!([]), "{stdout}");
}

fn sorted(ids: &[u64]) -> Vec<u64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

/// The report's result for the named object `label` of `kind`.
fn result<'r>(report: &'r Value, kind: &str, label: &str) -> &'r Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind && r["label"] == label)
        .unwrap_or_else(|| panic!("no {kind} `{label}` in {report:#}"))
}

fn read_report(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Spawns `command` with its output captured.
fn spawn(command: &mut Command) -> std::process::Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait(child: std::process::Child) -> (Output, String) {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

#[test]
fn a_saved_plan_applied_again_after_a_kill_adopts_what_the_killed_run_created() {
    let sandbox = sandbox(&state());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // The first run creates the named objects and is killed before the users.
    sandbox.pause_before("POST /api/v2/users/create_or_update_many");
    let mut first = spawn(sandbox.zapply().arg(&saved));
    sandbox.wait_for_pause();
    first.kill().unwrap();
    first.wait().unwrap();
    sandbox.release();
    assert_each_once(&sandbox);

    // The same saved plan again, plainly (no `--resume`): nothing is created twice.
    sandbox.reset_requests();
    let report = dir.path().join("report.json");
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--report", report.to_str().unwrap(), &saved]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    for endpoint in [
        "POST /api/v2/custom_roles",
        "POST /api/v2/organizations",
        "POST /api/v2/groups",
        "PUT /api/v2/custom_roles/{id}",
        "PUT /api/v2/organizations/{id}",
        "PUT /api/v2/groups/{id}",
    ] {
        assert_eq!(count(&requests, endpoint), 0, "{endpoint}: {requests:#}");
    }
    // The guard's reads: one listing of custom roles and of groups, one search for the
    // organization without an external id; the other is `create_or_update`d (a write that
    // cannot duplicate).
    assert_eq!(
        count(&requests, "GET /api/v2/custom_roles"),
        1,
        "{requests:#}"
    );
    assert_eq!(count(&requests, "GET /api/v2/groups"), 1, "{requests:#}");
    assert_eq!(
        count(&requests, "GET /api/v2/organizations/search"),
        1,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "POST /api/v2/organizations/create_or_update"),
        1,
        "{requests:#}"
    );
    let report = read_report(&report);
    let billing = result(&report, "group", "Billing");
    assert_eq!(billing["status"], "applied", "{report:#}");
    assert!(
        billing["details"]
            .as_str()
            .unwrap()
            .starts_with("adopted: Zendesk holds `Billing` already"),
        "{billing:#}"
    );
    assert_converged(&sandbox, &roster);
}

#[test]
fn a_lost_answer_to_a_group_create_is_settled_by_reading_and_its_memberships_follow() {
    let sandbox = sandbox(&state());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    // `POST /groups` for `Billing` makes the group; its answer never arrives.
    sandbox.drop_answer_after("POST /api/v2/groups");
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    assert_eq!(requests["by_status"]["dropped"], 1, "{requests:#}");
    // One create a group, never repeated. The groups are listed three times: by the plan,
    // right before the creates, and after them (which found the group whose answer was
    // lost).
    assert_eq!(count(&requests, "POST /api/v2/groups"), 2, "{requests:#}");
    assert_eq!(count(&requests, "GET /api/v2/groups"), 3, "{requests:#}");
    let report = read_report(&report);
    let billing = result(&report, "group", "Billing");
    assert_eq!(billing["status"], "applied", "{report:#}");
    assert!(
        billing["details"]
            .as_str()
            .unwrap()
            .contains("re-reading found `Billing`"),
        "{billing:#}"
    );
    assert_converged(&sandbox, &roster);
}

#[test]
fn two_applies_at_once_create_each_group_once() {
    let sandbox = sandbox(&state());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    // The worst overlap: the first run has read the account (no `Billing`) and its create
    // is held; the second run reads, creates and finishes meanwhile. Then the first run's
    // create goes through, making a second `Billing`.
    sandbox.pause_before("POST /api/v2/groups");
    let first = spawn(sandbox.zapply().args(["--auto-approve", &roster]));
    sandbox.wait_for_pause();
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    sandbox.release();
    let (output, stdout) = wait(first);
    assert_code(&output, &stdout, 0);
    // The first run read the groups once, before its creates, so it made both groups a
    // second time; reading its creates back it found the twins, deleted its own (the
    // younger) and adopted the others, and its users went into those.
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "DELETE /api/v2/groups/{id}"),
        2,
        "{requests:#}"
    );
    assert!(stdout.contains("Applied"), "{stdout}\n{}", stderr(&output));
    assert_converged(&sandbox, &roster);
}
