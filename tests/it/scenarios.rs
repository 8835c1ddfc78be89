//! Every planner scenario (`tests/fixtures/scenarios/`, pinned as plans in
//! `src/plan/tests.rs`) applied to the emulator on every account profile: plan → apply →
//! plan leaves nothing to apply, so the account matches the roster, or what is left was
//! blocked at plan time with its roster line; a plan that cannot be applied (an error, a
//! refusal) writes nothing. A scenario whose state's `account` names a profile runs on that
//! profile only; the others run on all four, with the rest of their `account` kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::common::{Sandbox, root, run, writes};

/// The account profiles of the emulator.
const PROFILES: [&str; 4] = ["team", "growth", "professional", "enterprise"];

/// The scenarios whose plan cannot be applied on some profiles, and the exit code that
/// says so.
const NOT_APPLICABLE: &[(&str, &[&str], i32)] = &[
    // A custom role that exists nowhere: a plan error on Enterprise (below, the account has
    // no custom roles and the user is blocked).
    ("custom_role_missing", &["enterprise"], 1),
    // `min_admins` holds even with `--allow-mass-changes`.
    ("min_admins", &PROFILES, 3),
    // No account of a profile has user tagging on: no user can be selected by tag.
    ("manage_tags_without_user_tagging", &PROFILES, 1),
    // The policy holds even with `--allow-mass-changes`.
    ("policy_addresses", &PROFILES, 3),
    ("policy_roster_rules", &PROFILES, 3),
    ("policy_seat_budget", &PROFILES, 3),
];

/// The moment the scenarios are planned and applied at (`--now`), as the planner's tests
/// plan them: their time-boxed entries are dated around it.
const NOW: &str = "2026-11-01T12:00:00Z";

/// How many scenarios `tests/fixtures/scenarios/` holds.
const SCENARIOS: usize = 50;

/// Scenarios run side by side, each against its own emulator. Most of a run is waiting on
/// the binaries' processes, so more threads than cores pay: on 2 cores (and a busy
/// machine), 1 thread took 27 s for the 43 scenarios on their profiles, 2 took 21 s, 4 took
/// 15 s, 6 took 18 s.
const THREADS: usize = 4;

#[test]
fn every_planner_scenario_applies_on_every_profile_and_then_plans_nothing_left_to_apply() {
    let dir = root().join("tests/fixtures/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), SCENARIOS, "{names:?}");
    let mut runs: Vec<(String, &str, Value)> = Vec::new();
    for name in names {
        let state: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(&name).join("state.json")).unwrap(),
        )
        .unwrap();
        let pinned = state["account"]["profile"].as_str().map(str::to_owned);
        for profile in PROFILES {
            if pinned.as_deref().is_some_and(|p| p != profile) {
                continue;
            }
            let mut state = state.clone();
            if state.get("account").is_none() {
                state["account"] = json!({});
            }
            state["account"]["profile"] = json!(profile);
            runs.push((name.clone(), profile, state));
        }
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                while let Some((name, profile, state)) =
                    runs.get(next.fetch_add(1, Ordering::SeqCst))
                {
                    if let Err(failure) = apply_then_plan(name, profile, state) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{name} on {profile}: {failure}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Applies scenario `name` to an emulator of `profile` seeded with `state`, then plans
/// again: an error says what was left.
fn apply_then_plan(name: &str, profile: &str, state: &Value) -> Result<(), String> {
    let dir = root().join("tests/fixtures/scenarios").join(name);
    let roster = dir.join("roster.yaml");
    let roster = roster.to_str().unwrap();
    let mut state = state.clone();
    // The planner's tests plan as this admin; so does the emulator.
    let users = state["users"].as_array().cloned().unwrap_or_default();
    if !users.iter().any(|u| u["id"] == 1) {
        let mut users = users;
        users.push(
            json!({"id": 1, "name": "Ada Admin", "email": "admin@acme.com", "role": "admin"}),
        );
        state["users"] = Value::Array(users);
    }
    // Jobs run at once, and the rate limit is lifted: the binaries run with
    // `ZROSTER_TEST_NO_DELAY`, so they cannot wait for the next minute as they would on the
    // Team profile's 200 requests (250 single creates, bulk imports being off).
    let sandbox = Sandbox::start_as(&state, "admin@acme.com", "fake-token", |knobs| {
        knobs.job_items_per_second = 100_000.0;
        knobs.rate_limit = 1_000_000;
    });
    let (output, stdout) = run(sandbox.zapply().args([
        "--auto-approve",
        "--allow-mass-changes",
        "--now",
        NOW,
        roster,
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = NOT_APPLICABLE
        .iter()
        .find(|(n, profiles, _)| *n == name && profiles.contains(&profile))
        .map_or(0, |(_, _, code)| *code);
    let applied_code = output.status.code();
    if expected != 0 {
        if applied_code != Some(expected) {
            return Err(format!(
                "zapply exited with {applied_code:?}, not {expected}:\n{stdout}\n{stderr}"
            ));
        }
        let written = writes(&sandbox.requests());
        return if written == 0 {
            Ok(())
        } else {
            Err(format!(
                "a plan that cannot be applied wrote {written} times"
            ))
        };
    }
    let applied = stdout;
    let (output, stdout) = run(sandbox
        .zplan()
        .args(["--format", "json", "--now", NOW, roster]));
    let Ok(parsed) = serde_json::from_str::<zroster::plan::Plan>(&stdout) else {
        return Err(format!(
            "zplan after the apply printed no plan:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    };
    // A user blocked by an error of the roster (a conflict, an account rule) stays blocked:
    // both zapply and the re-plan exit 1 for it, and 0 otherwise.
    let roster_errors = parsed.has_roster_errors();
    let want = i32::from(roster_errors);
    if applied_code != Some(want) {
        return Err(format!(
            "zapply exited with {applied_code:?}, not {want}:\n{applied}\n{stderr}"
        ));
    }
    if output.status.code() != Some(want) {
        return Err(format!(
            "zplan after the apply exited with {:?}, not {want}:\n{stdout}\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let left: Vec<&Value> = changes.iter().filter(|c| c["blocked"].is_null()).collect();
    if !left.is_empty() {
        return Err(format!(
            "applied, then planned again: {left:#?}\nzapply said:\n{applied}"
        ));
    }
    // Only a pruned user, whom the roster does not list, is blocked without a line (by
    // `protect` or as the authenticated user).
    let unplaced: Vec<&Value> = changes
        .iter()
        .filter(|c| c["source"].is_null())
        .filter(|c| {
            let reason = c["blocked"].as_str().unwrap_or_default();
            !(reason.starts_with("protected by") || reason.starts_with("the authenticated user"))
        })
        .collect();
    if !unplaced.is_empty() {
        return Err(format!("blocked without a roster line: {unplaced:#?}"));
    }
    Ok(())
}
