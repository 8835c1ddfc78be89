//! Every planner scenario (`tests/fixtures/scenarios/`, pinned as plans in
//! `src/plan/tests.rs`) applied to the emulator: plan → apply → plan leaves nothing to
//! apply, so the account matches the roster; a plan that cannot be applied (an error, a
//! refusal) writes nothing.

use serde_json::{Value, json};

use crate::common::{Sandbox, root, run, writes};

/// The scenarios whose plan cannot be applied, and the exit code that says so.
const NOT_APPLICABLE: [(&str, i32); 2] = [
    // A custom role that exists nowhere: a plan error.
    ("custom_role_missing", 1),
    // `min_admins` holds even with `--allow-mass-changes`.
    ("min_admins", 3),
];

#[test]
fn every_planner_scenario_applies_and_then_plans_nothing_left_to_apply() {
    let dir = root().join("tests/fixtures/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 24);
    for name in names {
        let roster = dir.join(&name).join("roster.yaml");
        let roster = roster.to_str().unwrap();
        let mut state: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(&name).join("state.json")).unwrap(),
        )
        .unwrap();
        // The planner's tests plan as this admin; so does the emulator.
        let users = state["users"].as_array().cloned().unwrap_or_default();
        if !users.iter().any(|u| u["id"] == 1) {
            let mut users = users;
            users.push(
                json!({"id": 1, "name": "Ada Admin", "email": "admin@acme.com", "role": "admin"}),
            );
            state["users"] = Value::Array(users);
        }
        let sandbox = Sandbox::start_as(&state, "admin@acme.com", "fake-token", |knobs| {
            knobs.job_items_per_second = 100_000.0;
        });
        let (output, stdout) =
            run(sandbox
                .zapply()
                .args(["--auto-approve", "--allow-mass-changes", roster]));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = NOT_APPLICABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, code)| *code);
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{name}:\n{stdout}\n{stderr}"
        );
        if expected != 0 {
            assert_eq!(writes(&sandbox.requests()), 0, "{name} wrote");
            continue;
        }
        let (output, stdout) = run(sandbox.zplan().args(["--format", "json", roster]));
        assert!(output.status.success(), "{name}: {stdout}");
        let plan: Value = serde_json::from_str(&stdout).unwrap();
        let left: Vec<&Value> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["blocked"].is_null())
            .collect();
        assert!(left.is_empty(), "{name}: still to apply: {left:#?}");
    }
}
