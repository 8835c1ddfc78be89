//! A saved plan is applied only as `zplan` wrote it, and whatever it says, the safety rules
//! hold against the account as `zapply` reads it: the plan-tampering cases of an
//! adversarial review (blocks removed, ids changed, deletes appended, settings edited), each
//! done the naive way (the digest no longer matches) and the careful way (the digest
//! recomputed, as anyone can).

use serde_json::{Value, json};

use crate::apply::{count, sandbox, save_plan, stderr};
use crate::common::{Sandbox, edit_saved_plan as edit, roster_file, run, writes};

/// Ada (#1) is the authenticated admin; Ben (#2) another admin; Owen (#4) an agent whose
/// second address is `owner@acme.com`; Dee (#5) an agent.
fn account() -> Value {
    json!({
        "users": [
            {"id": 1, "name": "Ada Admin", "email": "admin@example.com", "role": "admin", "updated_at": "2020-01-01T00:00:00Z"},
            {"id": 2, "name": "Ben", "email": "ben@acme.com", "external_id": "emp-2", "role": "admin", "updated_at": "2020-01-01T00:00:00Z"},
            {"id": 4, "name": "Owen", "email": "owen@acme.com", "external_id": "emp-4", "role": "agent", "updated_at": "2020-01-01T00:00:00Z"},
            {"id": 5, "name": "Dee", "email": "dee@acme.com", "external_id": "emp-5", "role": "agent", "updated_at": "2020-01-01T00:00:00Z"}
        ],
        "identities": [
            {"id": 70, "user_id": 4, "type": "email", "value": "owen@acme.com", "primary": true},
            {"id": 71, "user_id": 4, "type": "email", "value": "owner@acme.com", "primary": false}
        ]
    })
}

const SETTINGS: &str =
    "settings:\n  protect: [ben@acme.com, owner@acme.com]\n  safety: { min_admins: 2 }\n";

/// An emulator holding [`account`], a roster file of `text` and the plan `zplan --out` saved
/// of it: the sandbox, the directory holding both, the roster's path and the plan's.
fn planned(text: &str) -> (Sandbox, tempfile::TempDir, String, String) {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, text);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    (sandbox, dir, roster, saved)
}

fn user(sandbox: &Sandbox, id: u64) -> Value {
    sandbox.state()["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .cloned()
        .unwrap()
}

#[test]
fn an_edited_plan_is_refused_and_nothing_is_written() {
    let (sandbox, _dir, _roster, saved) = planned(&format!(
        "{SETTINGS}users:\n  - {{ external_id: emp-5, name: Dee Dunn }}\n"
    ));
    edit(&saved, false, |plan| {
        plan["changes"][0]["fields"][0]["after"] = json!("Mallory");
    });
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the plan was edited or corrupted since zplan wrote it"),
        "{stderr}"
    );
    assert_eq!(sandbox.requests()["total"], 0, "refused before any request");
    assert_eq!(user(&sandbox, 5)["name"], "Dee");
}

#[test]
fn a_change_moved_to_a_protected_user_is_blocked_at_apply_time() {
    let (sandbox, _dir, _roster, saved) = planned(&format!(
        "{SETTINGS}users:\n  - {{ external_id: emp-5, role: end-user }}\n"
    ));
    // Dee's demotion, pointed at Ben (protected), touched entry and all, digest recomputed.
    edit(&saved, true, |plan| {
        plan["changes"][0]["id"] = json!(2);
        for touched in plan["touched"].as_array_mut().unwrap() {
            if touched["id"] == 5 {
                touched["id"] = json!(2);
            }
        }
    });
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert!(
        stdout.contains("Blocked at apply time: update")
            && stdout.contains("protected by `ben@acme.com`"),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 2)["role"], "admin");
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn a_change_naming_a_user_the_plan_does_not_record_is_refused() {
    let (sandbox, _dir, _roster, saved) = planned(&format!(
        "{SETTINGS}users:\n  - {{ external_id: emp-5, role: end-user }}\n"
    ));
    edit(&saved, true, |plan| plan["changes"][0]["id"] = json!(2));
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("a change names user 2 that the plan does not record as touched"),
        "{stderr}"
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn a_block_removed_from_the_authenticated_users_suspension_is_put_back() {
    let (sandbox, _dir, _roster, saved) = planned(
        "settings:\n  manage: { roles: [admin] }\n  prune: suspend\nusers:\n  - { external_id: emp-2, role: admin }\n",
    );
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(
        plan["changes"][0]["blocked"],
        "the authenticated user is never demoted, suspended or deleted"
    );
    // Unblocked the naive way, the change names a user the plan did not record.
    edit(&saved, true, |plan| {
        plan["changes"][0]["blocked"] = Value::Null;
    });
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stderr(&output).contains("a change names user 1 that the plan does not record"),
        "{}",
        stderr(&output)
    );
    // Recorded too, it is blocked again.
    edit(&saved, true, |plan| {
        plan["touched"]
            .as_array_mut()
            .unwrap()
            .push(json!({"kind": "user", "id": 1, "updated_at": "2020-01-01T00:00:00Z"}));
        plan["summary"]["blocked"] = json!(0);
    });
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert!(
        stdout.contains(
            "Blocked at apply time: suspend Ada Admin <admin@example.com> (email:admin@example.com): the authenticated user is never demoted, suspended or deleted."
        ),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 1)["suspended"], false);
    assert_eq!(writes(&sandbox.requests()), 0);
}

/// The deletion of Ben and of Dee, appended to a plan that only renames Dee, with touched
/// entries and a fresh digest: `min_admins` (2) is evaluated against the account's admins.
#[test]
fn deletes_appended_to_a_plan_are_held_to_min_admins() {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        &format!(
            "{}users:\n  - {{ external_id: emp-5, name: Dee Dunn }}\n",
            SETTINGS.replace("ben@acme.com, ", "")
        ),
    );
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    edit(&saved, true, |plan| {
        let mut delete = plan["changes"][0].clone();
        delete["action"] = json!("delete");
        delete["id"] = json!(2);
        delete["fields"] = json!([]);
        plan["changes"].as_array_mut().unwrap().push(delete);
        plan["touched"]
            .as_array_mut()
            .unwrap()
            .push(json!({"kind": "user", "id": 2, "updated_at": "2020-01-01T00:00:00Z"}));
        plan["refusals"] = json!([]);
    });
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the plan leaves 1 active admin and `min_admins` is 2"),
        "{stderr}"
    );
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
    // The re-check's reads: the users (staleness), who is asking, the admins.
    assert_eq!(count(&requests, "GET /api/v2/users/me"), 1, "{requests:#}");
    assert_eq!(count(&requests, "GET /api/v2/users"), 1, "{requests:#}");
    assert_eq!(user(&sandbox, 2)["active"], true);
}

#[test]
fn settings_edited_in_the_plan_are_caught_with_the_roster() {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{SETTINGS}users:\n  - {{ external_id: emp-5, name: Dee Dunn }}\n");
    let roster = roster_file(&dir, &text);
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    edit(&saved, true, |plan| {
        plan["safety"]["protect"] = json!([]);
        plan["safety"]["min_admins"] = json!(0);
    });
    let (output, stdout) = run(sandbox.zapply().args([&saved, "--roster", &roster]));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{err}");
    assert!(
        err.contains("its safety settings are not its roster's"),
        "{err}"
    );
    // Another roster than the plan's is refused too.
    let other = dir.path().join("other.yaml");
    std::fs::write(&other, text.replace("Dee Dunn", "Dee Dunne")).unwrap();
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args([&saved, "--roster", other.to_str().unwrap()]));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{err}");
    assert!(err.contains("the plan was made from roster"), "{err}");
    assert_eq!(writes(&sandbox.requests()), 0);
    // The plan as zplan wrote it, with its roster, applies.
    let saved = save_plan(&sandbox, &dir, &roster, "plan2.json");
    let (output, stdout) = run(sandbox.zapply().args([&saved, "--roster", &roster]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 5)["name"], "Dee Dunn");
}

#[test]
fn protect_matches_a_secondary_address_at_plan_and_apply_time() {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        &format!("{SETTINGS}users:\n  - {{ external_id: emp-4, role: end-user }}\n"),
    );
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", &roster]));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        plan["changes"][0]["blocked"], "protected by `owner@acme.com`",
        "{stdout}"
    );
    let err = stderr(&output);
    assert!(
        err.contains("read the addresses of 1 user the plan lowers the access of or changes the role of, for `protect`, with 1 request"),
        "{err}"
    );
    let requests = sandbox.requests();
    // Read sideloaded on `show_many` (`include=identities`), not one user at a time (the
    // other `show_many` looks up the roster's external ids).
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        2,
        "{requests:#}"
    );
    assert_eq!(
        count(&requests, "GET /api/v2/users/{id}/identities"),
        0,
        "{requests:#}"
    );
    // Unblocked in the file and sealed again, it is blocked again at apply time.
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    edit(&saved, true, |plan| {
        plan["changes"][0]["blocked"] = Value::Null;
    });
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert!(
        stdout.contains("protected by `owner@acme.com`"),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 4)["role"], "agent");
}

#[test]
fn the_authenticated_users_primary_email_is_never_changed() {
    let mut state = account();
    state["users"][0]["external_id"] = json!("emp-1");
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - { external_id: emp-1, email: ada@example.com, role: admin }\n",
    );
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert!(
        stdout.contains("the authenticated user's primary email is never changed"),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 1)["email"], "admin@example.com");
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn a_user_someone_created_after_the_plan_is_never_overwritten_by_its_create() {
    let (sandbox, dir, _roster, saved) = planned(
        "users:\n  - { email: jane@acme.com, name: Jane Smith, role: agent }\n  - { external_id: emp-9, name: Nine, email: nine@acme.com }\n",
    );
    // After the plan: someone makes jane@ an admin (the search does not show her yet).
    sandbox.api_post(
        "users",
        &json!({"user": {"name": "Jane Admin", "email": "jane@acme.com", "role": "admin"}}),
    );
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{err}");
    assert!(
        err.contains("`jane@acme.com` (updated at")
            && err.contains("holds `email:jane@acme.com`, which the plan creates a user for"),
        "{err}"
    );
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
    let state = sandbox.state();
    let jane = crate::apply::user(&state, "jane@acme.com");
    assert_eq!(
        (jane["name"].as_str(), jane["role"].as_str()),
        (Some("Jane Admin"), Some("admin"))
    );
    // Nobody took the keys: the same kind of plan applies, with the lookups counted.
    let roster = roster_file(
        &dir,
        "users:\n  - { external_id: emp-9, name: Nine, email: nine@acme.com }\n",
    );
    let saved = save_plan(&sandbox, &dir, &roster, "plan2.json");
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    let requests = sandbox.requests();
    // The external id by show_many, the email by one search, the admins once.
    assert_eq!(
        count(&requests, "GET /api/v2/users/show_many"),
        2,
        "one lookup, one convergence re-read: {requests:#}"
    );
    assert_eq!(count(&requests, "GET /api/v2/users"), 1, "{requests:#}");
}

#[test]
fn a_format_version_of_the_wrong_type_says_so() {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, "users:\n  - { external_id: emp-5, name: Dee Dunn }\n");
    let saved = save_plan(&sandbox, &dir, &roster, "plan.json");
    edit(&saved, false, |plan| plan["format_version"] = json!("2"));
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(0), "{stdout}");
    assert!(
        err.contains("invalid type: string \"2\", expected u32")
            && !err.contains("format_version` 0"),
        "{err}"
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn a_plan_saved_under_any_name_is_applied_by_zapply_and_named_by_zplan() {
    let sandbox = sandbox(&account());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, "users:\n  - { external_id: emp-5, name: Dee Dunn }\n");
    let saved = save_plan(&sandbox, &dir, &roster, "tfplan");
    // Given back to zplan, it is named for what it is, not read as a roster.
    let (output, stdout) = run(sandbox.zplan().arg(&saved));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{err}");
    assert!(
        err.contains("is a saved plan, not a roster") && !err.contains("unknown key"),
        "{err}"
    );
    // zapply applies it as the plan it is.
    let (output, stdout) = run(sandbox.zapply().arg(&saved));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(user(&sandbox, 5)["name"], "Dee Dunn");
}
