//! `zapply` end to end: the real binary against the project's emulator over loopback,
//! asserting the exit code, the report and the API traffic.

use std::fmt::Write as _;
use std::process::Output;

use serde_json::{Value, json};

use crate::common::{Sandbox, assert_code, mechanics, roster_file, run, writes};

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An emulator that runs bulk jobs fast, so tests do not wait on the job queue.
pub(crate) fn sandbox(state: &Value) -> Sandbox {
    Sandbox::start_with(state, "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    })
}

/// `zplan --format json` of `roster`: the plan.
fn plan(sandbox: &Sandbox, roster: &str) -> Value {
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", roster]));
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    serde_json::from_str(&stdout).unwrap()
}

pub(crate) fn user<'s>(state: &'s Value, email: &str) -> &'s Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"].as_str() == Some(email))
        .unwrap_or_else(|| panic!("no user `{email}` in {state:#}"))
}

fn id_of(state: &Value, collection: &str, name: &str) -> u64 {
    state[collection]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no `{name}` in {collection}"))["id"]
        .as_u64()
        .unwrap()
}

/// Target ids of a user's memberships in `collection` (`group_memberships`, …).
fn memberships(state: &Value, collection: &str, target: &str, user_id: u64) -> Vec<u64> {
    let mut ids: Vec<u64> = state[collection]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["user_id"].as_u64() == Some(user_id))
        .map(|m| m[target].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"},
  {"id": 12, "name": "Cy Gone", "email": "cy@acme.com", "external_id": "emp-3", "role": "agent"},
  {"id": 13, "name": "Dee Doe", "email": "dee@acme.com", "external_id": "emp-4", "role": "agent"}
], "groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Old"}],
 "organizations": [{"id": 30, "name": "Acme"}, {"id": 31, "name": "Legacy"}],
 "group_memberships": [
  {"id": 40, "user_id": 10, "group_id": 20}, {"id": 41, "user_id": 10, "group_id": 21},
  {"id": 42, "user_id": 11, "group_id": 21}
 ],
 "organization_memberships": [
  {"id": 50, "user_id": 10, "organization_id": 30}, {"id": 51, "user_id": 10, "organization_id": 31}
 ]}"#;

const ROSTER: &str = "settings:
  manage: { roles: [agent] }
  prune: delete
  safety: { max_deletes: 5 }
groups:
  - name: Support
  - name: Old
  - name: Tier 2
organizations:
  - name: Acme
  - name: Legacy
  - name: Globex
users:
  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent, groups: [Support, Tier 2], organizations: [Acme, Globex], tags: [vip], alias: JS }
  - { name: Bo Berg, email: bo.berg@acme.com, external_id: emp-2, role: agent, groups: [Support] }
  - { name: Dee Doe, email: dee@acme.com, external_id: emp-4, role: agent, suspended: true }
  - { name: New Person, email: new@acme.com, external_id: emp-5, role: agent, groups: [Tier 2], organization: Globex, organizations: [Globex], default_group: Tier 2 }
";

#[test]
fn apply_then_plan_is_empty_and_the_account_matches_the_roster() {
    let sandbox = sandbox(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 0);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for result in report["results"].as_array().unwrap() {
        assert_eq!(result["status"], "applied", "{result:#}");
    }
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));

    let state = sandbox.state();
    let (support, tier2) = (
        id_of(&state, "groups", "Support"),
        id_of(&state, "groups", "Tier 2"),
    );
    let (acme, globex) = (
        id_of(&state, "organizations", "Acme"),
        id_of(&state, "organizations", "Globex"),
    );
    let jane = user(&state, "jane@acme.com");
    assert_eq!(jane["alias"], "JS");
    assert_eq!(jane["tags"], json!(["vip"]));
    let mut want = vec![support, tier2];
    want.sort_unstable();
    assert_eq!(
        memberships(&state, "group_memberships", "group_id", 10),
        want
    );
    let mut want = vec![acme, globex];
    want.sort_unstable();
    assert_eq!(
        memberships(&state, "organization_memberships", "organization_id", 10),
        want
    );
    // Bo leaves `Old` for `Support` (an agent keeps at least one group).
    let bo = user(&state, "bo.berg@acme.com");
    assert_eq!(bo["id"], 11);
    assert_eq!(
        memberships(&state, "group_memberships", "group_id", 11),
        vec![support]
    );
    assert_eq!(user(&state, "dee@acme.com")["suspended"], true);
    let new = user(&state, "new@acme.com");
    assert_eq!(new["external_id"], "emp-5");
    assert_eq!(new["role"], "agent");
    assert_eq!(new["organization_id"], globex);
    assert_eq!(new["default_group_id"], tier2);
    let cy = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == 12);
    assert!(
        cy.is_none_or(|cy| cy["active"] == false),
        "pruned with delete: {cy:#?}"
    );
}

const SAME_STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"}
]}"#;

const SAME: &str = "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent }\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: agent }\n";

#[test]
fn an_unchanged_roster_applies_with_no_write_at_all() {
    let sandbox = sandbox(&serde_json::from_str(SAME_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, SAME);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    assert!(stdout.contains("Nothing to apply."), "{stdout}");
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
}

#[test]
fn a_roster_needs_auto_approve_when_stdin_is_not_a_terminal() {
    let sandbox = sandbox(&serde_json::from_str(SAME_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    let (output, _) = run(sandbox
        .zapply()
        .arg(&roster)
        .stdin(std::process::Stdio::null()));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--auto-approve"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

fn many_users(n: usize, name: &str) -> (Value, String) {
    let users: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": 1000 + i, "name": format!("User {i}"), "email": format!("u{i}@acme.com"),
                   "external_id": format!("emp-{i}"), "role": "agent"})
        })
        .collect();
    let mut roster = String::from("settings:\n  manage: { roles: [agent] }\nusers:\n");
    for i in 0..n {
        writeln!(
            roster,
            "  - {{ name: {name} {i}, email: u{i}@acme.com, external_id: emp-{i}, role: agent }}"
        )
        .unwrap();
    }
    (json!({ "users": users }), roster)
}

/// Job polls go through `job_statuses/show_many`, never one request per job.
fn assert_polls_are_batched(requests: &Value) {
    let single = requests["by_endpoint"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("GET /api/v2/job_statuses/") && !k.ends_with("/show_many"))
        .count();
    assert_eq!(single, 0, "{requests:#}");
}

pub(crate) fn count(requests: &Value, endpoint: &str) -> u64 {
    requests["by_endpoint"][endpoint].as_u64().unwrap_or(0)
}

#[test]
fn two_hundred_fifty_new_users_take_three_create_or_update_many_requests() {
    let sandbox = sandbox(&json!({}));
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(250, "User");
    let roster = roster_file(&dir, &text);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    // Not on a terminal: a log line per finished job instead of a progress bar.
    let log = stderr(&output);
    let finished: Vec<&str> = log.lines().filter(|l| l.starts_with("job ")).collect();
    assert_eq!(finished.len(), 3, "{log}");
    assert!(
        finished.iter().any(
            |l| l.ends_with("completed: 50 items (250 of 250 changes done)")
                || l.ends_with("completed: 100 items (250 of 250 changes done)")
        ),
        "{log}"
    );
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        3,
        "{requests:#}"
    );
    assert_eq!(writes(&requests), 3, "{requests:#}");
    assert!(count(&requests, "GET /api/v2/job_statuses/show_many") >= 1);
    assert_polls_are_batched(&requests);
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
    assert_eq!(sandbox.state()["users"].as_array().unwrap().len(), 251);
}

#[test]
fn a_thousand_updates_take_ten_update_many_requests() {
    let (state, _) = many_users(1000, "User");
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(1000, "Renamed");
    let roster = roster_file(&dir, &text);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "PUT /api/v2/users/update_many"),
        10,
        "{requests:#}"
    );
    assert_eq!(writes(&requests), 10, "{requests:#}");
    assert_polls_are_batched(&requests);
    assert!(count(&requests, "GET /api/v2/job_statuses/show_many") >= 1);
    // The convergence check re-reads the thousand users with `show_many`: ten requests,
    // fewer than the incremental export could promise.
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        10,
        "{requests:#}"
    );
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
}

#[test]
fn many_written_users_are_re_read_with_the_incremental_export() {
    let (mut state, _) = many_users(1500, "User");
    for user in state["users"].as_array_mut().unwrap() {
        user["updated_at"] = json!("2020-01-01T00:00:00Z");
    }
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(1500, "Renamed");
    let roster = roster_file(&dir, &text);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    // 1,500 users updated since the run began: two pages of the export instead of fifteen
    // `show_many` requests, and none of those.
    assert_eq!(
        count(&requests, "GET /api/v2/incremental/users/cursor"),
        2,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        0,
        "{requests:#}"
    );
    assert!(stdout.contains("Applied 1,500 changes"), "{stdout}");
}

const DATED_STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent", "updated_at": "2020-01-01T00:00:00Z"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent", "updated_at": "2020-01-01T00:00:00Z"}
]}"#;

/// Saves the plan of `roster` as `name` in `dir`; returns its path.
pub(crate) fn save_plan(
    sandbox: &Sandbox,
    dir: &tempfile::TempDir,
    roster: &str,
    name: &str,
) -> String {
    let path = dir.path().join(name).display().to_string();
    let (output, stdout) = run(sandbox.zplan().args(["--out", &path, roster]));
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    path
}

#[test]
fn a_saved_plan_applies_when_only_untouched_users_changed() {
    let sandbox = sandbox(&serde_json::from_str(DATED_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // Jane is not in the plan: someone changing her does not make it stale.
    sandbox.api_put("users/10", &json!({"user": {"alias": "J"}}));
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    // One re-read for the staleness check, one for the convergence check.
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        2,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "PUT /api/v2/users/update_many"),
        1,
        "{requests:#}"
    );
    assert_eq!(user(&sandbox.state(), "bo@acme.com")["name"], "Bo Bergman");
}

#[test]
fn a_stale_saved_plan_is_refused_naming_what_changed_and_writes_nothing() {
    let sandbox = sandbox(&serde_json::from_str(DATED_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    sandbox.api_put("users/11", &json!({"user": {"alias": "B"}}));
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("user 11 `bo@acme.com`"), "{stderr}");
    assert!(
        stderr.contains("planned at 2020-01-01T00:00:00Z"),
        "{stderr}"
    );
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
    assert_eq!(user(&sandbox.state(), "bo@acme.com")["name"], "Bo Berg");
}

#[test]
fn a_saved_plan_for_another_account_or_version_is_refused() {
    let sandbox = sandbox(&serde_json::from_str(DATED_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    plan["account"] = json!("https://other.zendesk.com");
    // Sealed again, as anyone can: the account is checked on its own.
    let mut resealed: zroster::plan::Plan = serde_json::from_value(plan.clone()).unwrap();
    resealed.seal();
    std::fs::write(&saved, serde_json::to_string(&resealed).unwrap()).unwrap();
    let (output, _) = run(sandbox.zapply().arg(&saved));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("`https://other.zendesk.com`"),
        "{}",
        stderr(&output)
    );
    plan["format_version"] = json!(99);
    std::fs::write(&saved, plan.to_string()).unwrap();
    let (output, _) = run(sandbox.zapply().arg(&saved));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("`format_version` 99"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

/// 150 new users against an emulator that fails one job item in ten (the same ones every
/// run, by its seed).
fn new_users_some_of_which_fail(dir: &tempfile::TempDir) -> (Sandbox, String) {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
        knobs.fault_item = 0.1;
        knobs.fault_seed = 7;
    });
    let (_, text) = many_users(150, "User");
    (sandbox, roster_file(dir, &text))
}

#[test]
fn failed_items_are_reported_with_their_roster_lines_and_a_second_apply_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, roster) = new_users_some_of_which_fail(&dir);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(&zroster::apply::schema_json()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&report),
        "the report follows schema/report.schema.json"
    );
    let results = report["results"].as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] == "failed").collect();
    let applied = results.iter().filter(|r| r["status"] == "applied").count();
    assert!(!failed.is_empty(), "the fault knob fails some items");
    assert_eq!(failed.len() + applied, 150, "{report:#}");
    for result in &failed {
        // The roster line of `- { name: User {i}, … }` is the entry's line: 4 + i.
        let i: usize = result["key"].as_str().unwrap()["external_id:emp-".len()..]
            .parse()
            .unwrap();
        let source = result["source"].as_str().unwrap();
        assert!(
            source.ends_with(&format!("roster.yaml:{}:5", 4 + i)),
            "{result:#}"
        );
        assert!(
            result["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{result:#}"
        );
        assert!(
            result["details"].as_str().is_some_and(|d| !d.is_empty()),
            "{result:#}"
        );
        assert!(
            stdout.contains(&format!("failed: create user User {i} ")),
            "{stdout}"
        );
    }
    let users = sandbox.state()["users"].as_array().unwrap().len();
    assert_eq!(users, 1 + applied, "the other items were applied");

    sandbox
        .handle()
        .update_knobs(|knobs| knobs.fault_item = 0.0);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    assert!(
        stdout.contains(&format!("Applied {} changes", failed.len())),
        "{stdout}"
    );
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
    assert_eq!(
        sandbox.state()["users"].as_array().unwrap().len(),
        151,
        "no duplicate"
    );
}

#[test]
fn the_acme_example_applies_and_then_plans_only_what_is_blocked() {
    let text =
        std::fs::read_to_string(crate::common::root().join("examples/acme/zendesk-state.json"))
            .unwrap();
    let sandbox = sandbox(&serde_json::from_str(&text).unwrap());
    let roster = crate::common::root().join("examples/acme/roster");
    let roster = roster.to_str().unwrap();
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--auto-approve", "--allow-mass-changes", roster]));
    assert_code(&output, &stdout, 0);
    let after = plan(&sandbox, roster);
    for change in after["changes"].as_array().unwrap() {
        assert!(change["blocked"].is_string(), "left over: {change:#}");
    }
}

#[test]
fn the_token_appears_in_no_output_or_report() {
    const CANARY: &str = "canary-token-5f1c9e";
    let sandbox = Sandbox::start_with(&json!({}), CANARY, |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
        knobs.fault_item = 0.2;
    });
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(20, "User");
    let roster = roster_file(&dir, &text);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().env("ZENDESK_API_TOKEN", CANARY).args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert!(!stdout.contains(CANARY));
    assert!(!stderr(&output).contains(CANARY));
    assert!(!std::fs::read_to_string(&report).unwrap().contains(CANARY));
    let journal = journal_lines(sandbox.work_dir());
    assert!(!journal.is_empty());
    assert!(!journal.iter().any(|line| line.to_string().contains(CANARY)));
    // A rejected token: the error says so without repeating it.
    let (output, stdout) = run(sandbox
        .zapply()
        .env("ZENDESK_API_TOKEN", format!("{CANARY}-wrong"))
        .args(["--auto-approve", &roster]));
    assert_eq!(output.status.code(), Some(1));
    assert!(!stdout.contains(CANARY) && !stderr(&output).contains(CANARY));
}

#[test]
fn items_of_a_killed_job_are_resolved_by_re_reading_never_resubmitted() {
    let sandbox = sandbox(&json!({}));
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(4, "User");
    let roster = roster_file(&dir, &text);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // Users 2 and 3 appear as planned (as if their items ran and only the answer was lost).
    let mut state = sandbox.state();
    let (seeded, _) = many_users(4, "User");
    let seeded = seeded["users"].as_array().unwrap()[2..].to_vec();
    state["users"].as_array_mut().unwrap().extend(seeded);
    state.as_object_mut().unwrap().remove("account");
    sandbox.put_state(&state);
    // The job is killed half-way: items 0 and 1 report results, items 2 and 3 do not.
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.fault_job_killed = 1.0);
    sandbox.reset_requests();
    let report = dir.path().join("report.json");
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--report", report.to_str().unwrap(), &saved]));
    assert_code(&output, &stdout, 0);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = report["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["status"] == "applied"),
        "{report:#}"
    );
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        1,
        "never resubmitted: {requests:#}"
    );
    assert!(
        count(&requests, "GET /api/v2/users/show_many") >= 1,
        "{requests:#}"
    );
    assert_eq!(sandbox.state()["users"].as_array().unwrap().len(), 5);
    // The journal (default path) says which items were settled by re-reading.
    let resolved: Vec<Value> = journal_lines(sandbox.work_dir())
        .into_iter()
        .filter(|l| l["event"] == "item_resolved")
        .collect();
    let changes: Vec<&Value> = resolved.iter().map(|l| &l["change"]).collect();
    assert_eq!(changes, [2, 3], "{resolved:#?}");
    assert!(resolved.iter().all(|l| l["status"] == "applied"));
}

#[test]
fn items_of_a_killed_job_made_a_moment_ago_are_found_though_the_search_lags() {
    // New end users known by email alone; the search index lags two minutes.
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
        knobs.search_lag_s = 120.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("users:\n");
    for i in 0..4 {
        writeln!(text, "  - {{ name: User {i}, email: u{i}@acme.com }}").unwrap();
    }
    let roster = roster_file(&dir, &text);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    // Users 2 and 3 are made now, as if their items ran and only the answer was lost: the
    // search will not show them for two minutes.
    for i in 2..4 {
        sandbox.api_post(
            "users.json",
            &json!({"user": {"name": format!("User {i}"), "email": format!("u{i}@acme.com")}}),
        );
    }
    // The job is killed half-way: items 0 and 1 report results, items 2 and 3 do not.
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.fault_job_killed = 1.0);
    sandbox.reset_requests();
    let report = dir.path().join("report.json");
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--report", report.to_str().unwrap(), &saved]));
    assert_code(&output, &stdout, 0);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = report["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["status"] == "applied"),
        "{report:#}"
    );
    assert_eq!(
        results[2]["details"], "outcome unknown; confirmed by re-reading",
        "{report:#}"
    );
    // Before applying, the check of the creates read the account's users through the
    // export (a count, one page: users 2 and 3 are exactly as planned, so adopted) and
    // searched the two emails nobody holds for secondary owners. Settling then took one
    // export page for both, and no search; nothing was sent again.
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "GET /api/v2/incremental/users/cursor"),
        2,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "GET /api/v2/users/search"),
        2,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        1,
        "never resubmitted: {requests:#}"
    );
    assert_eq!(sandbox.state()["users"].as_array().unwrap().len(), 5);
}

#[test]
fn items_of_a_killed_job_that_did_not_happen_fail_and_the_next_run_finishes() {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
        knobs.fault_job_killed = 1.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = many_users(4, "User");
    let roster = roster_file(&dir, &text);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let statuses: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["applied", "applied", "failed", "failed"],
        "{report:#}"
    );
    assert_eq!(report["results"][2]["error"], "NotApplied");
    assert_eq!(
        count(
            &sandbox.requests(),
            "POST /api/v2/users/create_or_update_many"
        ),
        1
    );
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.fault_job_killed = 0.0);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
    assert_eq!(sandbox.state()["users"].as_array().unwrap().len(), 5);
}

#[test]
fn with_bulk_imports_disabled_creates_fall_back_to_single_requests() {
    let sandbox = Sandbox::start_with(
        &serde_json::from_str(SAME_STATE).unwrap(),
        "fake-token",
        |knobs| {
            mechanics(knobs);
            knobs.job_items_per_second = 100_000.0;
            knobs.bulk_imports = false;
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}  - {{ name: Cy New, email: cy@acme.com, external_id: emp-3, role: agent }}\n",
        SAME.replace("Bo Berg", "Bo Bergman")
    );
    let roster = roster_file(&dir, &text);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    assert!(stdout.contains("bulk imports disabled"), "{stdout}");
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update"),
        1,
        "{requests:#}"
    );
    // The refused job, once; the emulator refuses user imports only, so updates stay bulk.
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        1,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "PUT /api/v2/users/update_many"),
        1,
        "{requests:#}"
    );
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
}

#[test]
fn a_resumed_run_remembers_that_bulk_imports_are_off() {
    let sandbox = Sandbox::start_with(
        &serde_json::from_str(SAME_STATE).unwrap(),
        "fake-token",
        |knobs| {
            mechanics(knobs);
            knobs.job_items_per_second = 100_000.0;
            knobs.bulk_imports = false;
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("run.jsonl");
    let journal = journal.to_str().unwrap();
    let cy = "  - { name: Cy New, email: cy@acme.com, external_id: emp-3, role: agent }\n";
    let roster = roster_file(&dir, &format!("{SAME}{cy}"));
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--auto-approve", "--journal", journal, &roster]));
    assert_code(&output, &stdout, 0);
    // The run as if killed right after learning of the refusal, its creates unread.
    let text = std::fs::read_to_string(journal).unwrap();
    let cut = text
        .find("\"event\":\"bulk_refused\"")
        .expect("the refusal is journaled");
    let end = cut + text[cut..].find('\n').unwrap() + 1;
    std::fs::write(journal, &text[..end]).unwrap();
    sandbox.reset_requests();
    let di = "  - { name: Di New, email: di@acme.com, external_id: emp-4, role: agent }\n";
    let roster = roster_file(&dir, &format!("{SAME}{cy}{di}"));
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--resume", journal, "--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        0,
        "no job tried again: {requests:#}"
    );
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update"),
        1,
        "Di alone: {requests:#}"
    );
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
}

#[test]
fn a_primary_email_change_reuses_an_existing_secondary_address() {
    let mut state: Value = serde_json::from_str(SAME_STATE).unwrap();
    state["identities"] = json!([
        {"id": 69, "user_id": 11, "type": "email", "value": "bo@acme.com", "primary": true},
        {"id": 70, "user_id": 11, "type": "email", "value": "bo.berg@acme.com", "primary": false}
    ]);
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("bo@acme.com", "bo.berg@acme.com"));
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "POST /api/v2/users/{id}/identities"),
        0,
        "{requests:#}"
    );
    assert_eq!(
        count(
            &requests,
            "PUT /api/v2/users/{id}/identities/{id}/make_primary"
        ),
        1,
        "{requests:#}"
    );
    assert_eq!(user(&sandbox.state(), "bo.berg@acme.com")["id"], 11);
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
}

#[test]
fn a_new_custom_role_id_reaches_the_users_and_prune_downgrade_applies() {
    let mut state: Value = serde_json::from_str(SAME_STATE).unwrap();
    state["groups"] = json!([{"id": 20, "name": "Support"}]);
    state["group_memberships"] = json!([{"id": 40, "user_id": 11, "group_id": 20}]);
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:
  manage: { roles: [agent] }
  prune: downgrade
  safety: { max_role_changes: 5 }
custom_roles:
  - name: Tier 1
    description: First line
    configuration: { ticket_access: within-groups, ticket_deletion: false }
users:
  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent, custom_role: Tier 1 }
  - { name: Cy New, email: cy@acme.com, external_id: emp-3, role: agent, custom_role: Tier 1 }
",
    );
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
    let state = sandbox.state();
    let tier1 = id_of(&state, "custom_roles", "Tier 1");
    assert_eq!(user(&state, "jane@acme.com")["custom_role_id"], tier1);
    assert_eq!(user(&state, "cy@acme.com")["custom_role_id"], tier1);
    let bo = user(&state, "bo@acme.com");
    assert_eq!(bo["role"], "end-user", "pruned by downgrade: {bo:#}");
    assert_eq!(
        memberships(&state, "group_memberships", "group_id", 11),
        Vec::<u64>::new()
    );
    assert_eq!(plan(&sandbox, &roster)["changes"], json!([]));
}

/// The lines of the only journal below `work/.zroster/journal`.
pub(crate) fn journal_lines(work: &std::path::Path) -> Vec<Value> {
    let dir = work.join(".zroster/journal");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].extension().is_some_and(|e| e == "jsonl"),
        "{files:?}"
    );
    read_journal(&files[0])
}

/// A journal's events.
fn read_journal(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn the_journal_records_jobs_with_their_items_and_every_result() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, roster) = new_users_some_of_which_fail(&dir);
    let journal = dir.path().join("run.jsonl");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--journal",
        journal.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 1);
    let lines = read_journal(&journal);
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events[0], "plan_accepted");
    assert_eq!(lines[0]["changes"], 150);
    assert_eq!(events.last(), Some(&"run_finished"));
    let submitted: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "job_submitted")
        .collect();
    assert_eq!(submitted.len(), 2, "150 items, 100 a job");
    assert_eq!(submitted[0]["items"].as_array().unwrap().len(), 100);
    assert_eq!(submitted[1]["items"][0]["key"], "external_id:emp-100");
    for job in &submitted {
        let id = &job["job_id"];
        assert!(
            lines
                .iter()
                .any(|l| l["event"] == "job_finished" && &l["job_id"] == id),
            "{id} finished"
        );
    }
    let results: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "item_result")
        .collect();
    assert_eq!(results.len(), 150);
    let failed = results.iter().filter(|r| r["status"] == "failed").count();
    assert!(failed > 0);
    assert_eq!(lines.last().unwrap()["failed"], failed);
    assert!(results.iter().all(|r| r["source"].as_str().is_some()));
    // Nothing in the working directory: the journal went where it was told.
    assert!(!sandbox.work_dir().join(".zroster").exists());
}

#[test]
fn a_journal_that_cannot_be_written_stops_the_run_before_any_write() {
    let sandbox = sandbox(&serde_json::from_str(SAME_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    // A journal below a regular file cannot be created; one that exists is another run's.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let earlier = dir.path().join("earlier.jsonl");
    std::fs::write(&earlier, "{}\n").unwrap();
    for (journal, message) in [
        (file.join("run.jsonl"), "cannot write the journal"),
        (earlier.clone(), "exists already"),
    ] {
        let (output, stdout) = run(sandbox.zapply().args([
            "--auto-approve",
            "--journal",
            journal.to_str().unwrap(),
            &roster,
        ]));
        assert_code(&output, &stdout, 1);
        assert!(stderr(&output).contains(message), "{}", stderr(&output));
        assert_eq!(writes(&sandbox.requests()), 0);
    }
    assert_eq!(std::fs::read_to_string(&earlier).unwrap(), "{}\n");
}

#[test]
fn a_run_that_applies_nothing_leaves_no_journal() {
    let sandbox = sandbox(&serde_json::from_str(SAME_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, SAME);
    let (output, _) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_eq!(output.status.code(), Some(0));
    assert!(!sandbox.work_dir().join(".zroster").exists());
}

/// An end user and a roster that restricts her to `assigned` tickets. Zendesk coerces an
/// agent-only ticket restriction on an end user to `requested` (API.md §1.13): the write
/// succeeds, the value does not hold. (`validate` refuses it when the roster says
/// `role: end-user`; here the role is Zendesk's.)
fn end_user_restricted_to_assigned(dir: &tempfile::TempDir) -> (Sandbox, String) {
    let sandbox = sandbox(&json!({"users": [
        {"id": 1, "name": "Ad Min", "email": "admin@acme.com", "role": "admin"},
        {"id": 2, "name": "Eve End", "email": "eve@acme.com", "role": "end-user",
         "ticket_restriction": "requested"}
    ]}));
    let roster = roster_file(
        dir,
        "users:\n  - email: eve@acme.com\n    name: Eve End\n    ticket_restriction: assigned\n",
    );
    (sandbox, roster)
}

#[test]
fn a_value_zendesk_does_not_keep_is_reported_as_not_converged() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, roster) = end_user_restricted_to_assigned(&dir);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--report",
        report.to_str().unwrap(),
        &roster,
    ]));
    assert_code(&output, &stdout, 1);
    assert!(
        stdout.contains(&format!(
            "did not converge: Eve End <eve@acme.com> ({roster}:2:5, email:eve@acme.com): ticket_restriction: planned \"assigned\", Zendesk has \"requested\""
        )),
        "{stdout}"
    );
    assert!(stdout.contains("1 field did not converge"), "{stdout}");
    let report: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    assert_eq!(
        report["diverged"],
        json!([{
            "key": "email:eve@acme.com", "label": "Eve End <eve@acme.com>",
            "source": format!("{roster}:2:5"), "field": "ticket_restriction",
            "planned": "assigned", "live": "requested"
        }])
    );
    // The re-read is one `show_many` for the one user written.
    let requests = sandbox.requests();
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        1,
        "{requests:#}"
    );
}

#[test]
fn format_markdown_prints_the_plan_and_the_outcome_for_a_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, roster) = end_user_restricted_to_assigned(&dir);
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--auto-approve", "--format", "markdown", &roster]));
    assert_code(&output, &stdout, 1);
    // The plan, as the pull-request comment shows it, then the outcome.
    let plan_at = stdout
        .find("<details><summary>Update (1)</summary>")
        .expect(&stdout);
    let outcome_at = stdout.find("## ❌ zapply").expect(&stdout);
    assert!(plan_at < outcome_at, "{stdout}");
    assert!(stdout.contains("| applied | 1 |"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "| Eve End &lt;eve@acme.com&gt; | {roster}:2:5 | email:eve@acme.com | ticket\\_restriction | \"assigned\" | \"requested\" |"
        )),
        "{stdout}"
    );
}

#[test]
fn resume_refuses_a_journal_of_another_plan_or_account_and_writes_nothing() {
    let sandbox = sandbox(&serde_json::from_str(DATED_STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &SAME.replace("Bo Berg", "Bo Bergman"));
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    let journal = dir.path().join("other.jsonl");
    let line = |account: &str| {
        format!(
            "{{\"event\":\"plan_accepted\",\"account\":\"{account}\",\"plan_digest\":\"0000\",\"changes\":1}}\n"
        )
    };
    sandbox.reset_requests();
    std::fs::write(&journal, line(&sandbox.url())).unwrap();
    let journal = journal.to_str().unwrap();
    let (output, stdout) = run(sandbox.zapply().args(["--resume", journal, &saved]));
    assert_code(&output, &stdout, 1);
    assert!(
        stderr(&output).contains("is of another plan"),
        "{}",
        stderr(&output)
    );
    std::fs::write(journal, line("https://elsewhere.zendesk.com")).unwrap();
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--resume", journal, "--auto-approve", &roster]));
    assert_code(&output, &stdout, 1);
    assert!(
        stderr(&output).contains("is of a run against `https://elsewhere.zendesk.com`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}
