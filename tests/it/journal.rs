//! The journal end to end: a journal that cannot be written stops the run before any
//! write, and `--resume` confirms what a journal says was applied by reading the account
//! before it skips anything.

use serde_json::{Value, json};

use crate::apply::{count, sandbox, save_plan, stderr};
use crate::common::{assert_code, roster_file, run, writes};

/// An agent last changed long ago, and the account's default group.
fn state() -> Value {
    json!({
        "users": [
            {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1",
             "role": "agent", "updated_at": "2020-01-01T00:00:00Z"}
        ],
        "groups": [{"id": 20, "name": "Support", "default": true}]
    })
}

/// A new group, a renamed agent, a new agent, both in the new group.
const ROSTER: &str = "settings:
  manage: { roles: [agent] }
groups:
  - { name: Billing }
users:
  - { name: Jane Doe, email: jane@acme.com, external_id: emp-1, role: agent, groups: [Support, Billing] }
  - { name: Ann New, email: ann@acme.com, external_id: emp-2, role: agent, groups: [Support, Billing] }
";

fn result<'r>(report: &'r Value, kind: &str, label: &str) -> &'r Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind && r["label"].as_str().is_some_and(|l| l.starts_with(label)))
        .unwrap_or_else(|| panic!("no {kind} `{label}` in {report:#}"))
}

#[test]
fn resume_applies_again_what_the_journal_claims_and_the_account_does_not_hold() {
    let sandbox = sandbox(&state());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    let journal = dir.path().join("run.jsonl");
    let journal = journal.to_str().unwrap();
    let (output, stdout) = run(sandbox.zapply().args(["--journal", journal, &saved]));
    assert_code(&output, &stdout, 0);
    // Since, someone renamed Jane back and deleted the group (its memberships with it):
    // the journal says "applied" of four changes the account no longer holds.
    sandbox.api_put("users/10", &json!({"user": {"name": "Jane Smith"}}));
    let billing = sandbox.state()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Billing")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    sandbox.api_delete(&format!("groups/{billing}"));

    sandbox.reset_requests();
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--resume",
        journal,
        "--report",
        report.to_str().unwrap(),
        &saved,
    ]));
    assert_code(&output, &stdout, 0);
    let requests = sandbox.requests();
    // What the account lost is made again; Ann, whom it holds, is not.
    assert_eq!(count(&requests, "POST /api/v2/groups"), 1, "{requests:#}");
    assert_eq!(
        count(&requests, "PUT /api/v2/users/update_many"),
        1,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "POST /api/v2/group_memberships/create_many"),
        1,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "POST /api/v2/users/create_or_update_many"),
        0,
        "{requests:#}"
    );
    assert_eq!(writes(&requests), 3, "{requests:#}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        result(&report, "user", "Ann New")["details"],
        "applied by the interrupted run; confirmed by re-reading",
        "{report:#}"
    );
    for (kind, label) in [("group", "Billing"), ("user", "Jane Doe")] {
        let result = result(&report, kind, label);
        assert_eq!(result["status"], "applied", "{report:#}");
        assert!(result.get("details").is_none(), "{result:#}");
    }
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", &roster]));
    assert!(output.status.success(), "{}", stderr(&output));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["changes"], json!([]), "{stdout}");
}

#[test]
fn a_journal_on_a_full_device_or_in_an_unwritable_place_stops_the_run_before_any_write() {
    let sandbox = sandbox(&state());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    // A device that refuses every write, and a default journal directory that cannot be
    // made (a file is in its way).
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--auto-approve", "--journal", "/dev/full", &roster]));
    assert_code(&output, &stdout, 1);
    assert!(
        stderr(&output).contains("journal `/dev/full`"),
        "{}",
        stderr(&output)
    );
    std::fs::write(sandbox.work_dir().join(".zroster"), "").unwrap();
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 1);
    assert!(
        stderr(&output).contains("cannot write the journal `.zroster/journal`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}
