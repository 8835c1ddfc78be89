//! Access guardrails end to end: a roster bound to one account is neither planned nor
//! applied against another (a saved plan edited by hand included), the policy is judged
//! again at apply time against the account as it is by then, a saved plan is refused once a
//! time box of its roster has ended, and `validate` warns about entries long expired.

use serde_json::{Value, json};

use crate::apply::{count, sandbox, stderr};
use crate::common::{Sandbox, assert_code, bin, edit_saved_plan as edit, roster_file, run, writes};

/// The account `acme`: Ada (#1) the authenticated admin, Jane (#10) an agent, Bo (#11) an
/// end-user.
fn account(subdomain: &str) -> Value {
    json!({
        "account": {"subdomain": subdomain},
        "users": [
            {"id": 1, "name": "Ada Admin", "email": "admin@example.com", "role": "admin", "updated_at": "2020-01-01T00:00:00Z"},
            {"id": 10, "name": "Jane", "email": "jane@acme.com", "external_id": "emp-10", "role": "agent", "updated_at": "2020-01-01T00:00:00Z"},
            {"id": 11, "name": "Bo", "email": "bo@acme.com", "role": "end-user", "updated_at": "2020-01-01T00:00:00Z"}
        ]
    })
}

/// A roster bound to `acme` that makes Bo an agent.
const BOUND: &str = "settings:\n  account: acme\nusers:\n  - email: bo@acme.com\n    role: agent\n";

/// Every request but the authentication probe.
fn beyond_users_me(requests: &Value) -> u64 {
    requests["total"].as_u64().unwrap() - count(requests, "GET /api/v2/users/me")
}

#[test]
fn a_roster_bound_to_another_account_is_not_planned_nor_applied() {
    let sandbox = sandbox(&account("globex"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, BOUND);
    for mut command in [sandbox.zplan(), {
        let mut apply = sandbox.zapply();
        apply.arg("--auto-approve");
        apply
    }] {
        sandbox.reset_requests();
        let (output, stdout) = run(command.arg(&roster));
        assert_code(&output, &stdout, 3);
        let err = stderr(&output);
        assert!(
            err.contains("the roster is bound to `acme` (`settings.account`), but the credentials point at `globex` (as Zendesk names it in its answer to `users/me`)"),
            "{err}"
        );
        // Nothing read beyond what tells the account, nothing written.
        let requests = sandbox.requests();
        assert_eq!(count(&requests, "GET /api/v2/users/me"), 1, "{requests}");
        assert_eq!(beyond_users_me(&requests), 0, "{requests}");
    }
    // Bound to both, it plans.
    let both = roster_file(
        &dir,
        &BOUND.replace("account: acme", "account: [acme, globex]"),
    );
    let (output, stdout) = run(sandbox.zplan().arg(&both));
    assert_code(&output, &stdout, 0);
}

#[test]
fn a_roster_bound_to_its_account_plans_and_applies_with_no_request_more() {
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let unbound = roster_file(
        &dir,
        &BOUND.replace("  account: acme\n", "  prune: report\n"),
    );
    let (output, stdout) = run(sandbox.zplan().arg(&unbound));
    assert_code(&output, &stdout, 0);
    let without = sandbox.requests()["total"].as_u64().unwrap();
    sandbox.reset_requests();
    let roster = roster_file(&dir, BOUND);
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", &roster]));
    assert_code(&output, &stdout, 0);
    assert_eq!(sandbox.requests()["total"].as_u64().unwrap(), without);
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["subdomain"], "acme");
    assert_eq!(plan["safety"]["account"], json!(["acme"]));
    assert_eq!(plan["format_version"], 3);
    let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
    assert_code(&output, &stdout, 0);
}

/// The plan `zplan --out` saved of `roster` (with `args` before it).
fn saved(sandbox: &Sandbox, dir: &tempfile::TempDir, roster: &str, args: &[&str]) -> String {
    let path = dir.path().join("plan.json").display().to_string();
    let (output, stdout) = run(sandbox.zplan().args(args).args(["--out", &path, roster]));
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    path
}

#[test]
fn a_saved_plan_is_applied_to_its_own_account_only() {
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, BOUND);
    let plan = saved(&sandbox, &dir, &roster, &[]);
    // The same address now reaches another account (a proxy pointed elsewhere).
    sandbox.put_state(&account("globex"));
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&plan));
    assert_code(&output, &stdout, 3);
    let err = stderr(&output);
    assert!(
        err.contains("the plan was made for account `acme`, but the credentials point at `globex`"),
        "{err}"
    );
    let requests = sandbox.requests();
    assert_eq!(beyond_users_me(&requests), 0, "{requests}");
    // Hand-edited to name the other account, with its digest recomputed: the roster's
    // binding, which the plan records, still refuses it.
    edit(&plan, true, |p| p["subdomain"] = json!("globex"));
    let (output, stdout) = run(sandbox.zapply().arg(&plan));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("the roster is bound to `acme`"),
        "{}",
        stderr(&output)
    );
    // And the binding edited too: `--roster` holds the plan to its roster's settings.
    edit(&plan, true, |p| p["safety"]["account"] = json!(["globex"]));
    let (output, stdout) = run(sandbox.zapply().args(["--roster", &roster, &plan]));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("its safety settings are not its roster's"),
        "{}",
        stderr(&output)
    );
    // Edited without recomputing the digest: refused as edited.
    edit(&plan, false, |p| p["safety"]["account"] = json!([]));
    let (output, stdout) = run(sandbox.zapply().arg(&plan));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("the plan was edited or corrupted since zplan wrote it"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn the_policy_is_judged_again_against_the_account_at_apply_time() {
    // Budget: 3 seats; Ada and Jane hold two, Bo's promotion takes the third.
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  policy: { max_agents: 3 }\nusers:\n  - email: bo@acme.com\n    role: agent\n",
    );
    let plan = saved(&sandbox, &dir, &roster, &[]);
    // Meanwhile someone adds an agent by hand.
    sandbox.api_post(
        "users",
        &json!({"user": {"name": "Cy", "email": "cy@acme.com", "role": "agent"}}),
    );
    sandbox.reset_requests();
    let (output, stdout) = run(sandbox.zapply().arg(&plan));
    assert_code(&output, &stdout, 3);
    let err = stderr(&output);
    assert!(
        err.contains("the account would have 4 agents and admins (agent seats) after the plan (3 now, +1 by the plan), and `policy.max_agents` is 3: 1 over"),
        "{err}"
    );
    // The count is one request; nothing is written.
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests}");
    // `--allow-mass-changes` does not lift the policy.
    let (output, stdout) = run(sandbox.zapply().args(["--allow-mass-changes", &plan]));
    assert_code(&output, &stdout, 3);
}

#[test]
fn the_seat_count_costs_one_request_only_when_the_fetch_does_not_list_the_agents() {
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let total = |text: &str| {
        let roster = roster_file(&dir, text);
        sandbox.reset_requests();
        let (output, stdout) = run(sandbox.zplan().arg(&roster));
        assert_code(&output, &stdout, 0);
        let requests = sandbox.requests();
        (
            requests["total"].as_u64().unwrap(),
            count(&requests, "GET /api/v2/users"),
        )
    };
    let users = "users:\n  - email: bo@acme.com\n    role: agent\n";
    let plain = total(users);
    let budget = total(&format!(
        "settings:\n  policy: {{ max_agents: 9 }}\n{users}"
    ));
    assert_eq!(budget, (plain.0 + 1, plain.1 + 1));
    let listed = "settings:\n  manage: { roles: [agent, admin] }\n";
    let managed = total(&format!("{listed}{users}"));
    let managed_budget = total(&format!("{listed}  policy: {{ max_agents: 9 }}\n{users}"));
    assert_eq!(managed_budget, managed);
}

#[test]
fn a_saved_plan_is_refused_once_a_time_box_of_its_roster_has_ended() {
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - email: bo@acme.com\n    role: agent\n    temporary: { role: admin, until: 2026-12-05 }\n",
    );
    let plan = saved(&sandbox, &dir, &roster, &["--now", "2026-12-05T20:00:00Z"]);
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(
        text.contains("\"made_at\": \"2026-12-05T20:00:00Z\""),
        "{text}"
    );
    assert!(
        text.contains("\"valid_until\": \"2026-12-06T00:00:00Z\""),
        "{text}"
    );
    let (output, stdout) = run(sandbox
        .zapply()
        .args(["--now", "2026-12-06T00:00:00Z", &plan]));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("ended at 2026-12-06T00:00:00Z since"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
    // Before the end, it applies: Bo becomes an admin until then.
    let (output, stdout) = run(sandbox
        .zapply()
        .args(["--now", "2026-12-05T21:00:00Z", &plan]));
    assert_code(&output, &stdout, 0);
}

#[test]
fn a_user_made_an_admin_is_judged_by_every_address_it_holds() {
    // Bo's primary address is acme's, but he can sign in with a gmail address too.
    let mut state = account("acme");
    state["identities"] = json!([{"user_id": 11, "type": "email", "value": "bo.private@gmail.com", "primary": false, "verified": true}]);
    let sandbox = sandbox(&state);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  policy:\n    admin_emails: [\"*@acme.com\"]\nusers:\n  - email: bo@acme.com\n    role: admin\n",
    );
    for zapply in [false, true] {
        let mut command = if zapply {
            sandbox.zapply()
        } else {
            sandbox.zplan()
        };
        if zapply {
            command.arg("--auto-approve");
        }
        let (output, stdout) = run(command.arg(&roster));
        assert_code(&output, &stdout, 3);
        assert!(
            format!("{stdout}{}", stderr(&output)).contains(
                "would be an admin with `bo.private@gmail.com` (one of its other addresses"
            ),
            "{stdout}\n{}",
            stderr(&output)
        );
    }
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn with_roster_the_policy_is_judged_afresh_whatever_an_edited_plan_says() {
    // The plan is refused: Cy would be an agent without an external id. A tamperer clears
    // the plan's refusals and recomputes its digest; with `--roster`, zapply judges the
    // roster's policy again and refuses all the same.
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  policy:\n    require_external_id: true\nusers:\n  - email: jane@acme.com\n    external_id: emp-10\n    role: agent\n  - name: Cy\n    email: cy@acme.com\n    role: agent\n",
    );
    let plan = dir.path().join("plan.json").display().to_string();
    let (output, stdout) = run(sandbox.zplan().args(["--out", &plan, &roster]));
    assert_code(&output, &stdout, 3);
    edit(&plan, true, |p| p["refusals"] = json!([]));
    let (output, stdout) = run(sandbox.zapply().args(["--roster", &roster, &plan]));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("which `policy.require_external_id` requires"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
}

#[test]
fn zapply_takes_now_against_the_emulator_only() {
    // A back-dated `--now` would make an expired entry grant access again: against a
    // Zendesk account it is refused before anything is read.
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, BOUND);
    let output = bin("zapply")
        .args(["--auto-approve", "--now", "2026-01-01", &roster])
        .env("ZENDESK_URL", "https://acme.zendesk.com")
        .env("ZENDESK_EMAIL", "admin@acme.com")
        .env("ZENDESK_API_TOKEN", "not-a-real-token")
        .env_remove("ZENDESK_SUBDOMAIN")
        .env_remove("ZENDESK_OAUTH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("zapply takes it against the emulator only"),
        "{}",
        stderr(&output)
    );
    // Against the emulator (loopback) it is what the tests and rehearsals use.
    let sandbox = sandbox(&account("acme"));
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--auto-approve", "--now", "2026-01-01", &roster]));
    assert_code(&output, &stdout, 0);
}

#[test]
fn a_saved_plan_made_in_the_future_is_refused() {
    // `zplan --now` after the temporary role ends plans Bo's own role, admin, two months
    // early; the plan must not pass for one made now.
    let sandbox = sandbox(&account("acme"));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:
  - email: bo@acme.com
    role: admin
    temporary: { role: agent, until: 2027-01-31 }
",
    );
    let plan = saved(&sandbox, &dir, &roster, &["--now", "2027-02-01T00:00:00Z"]);
    let (output, stdout) = run(sandbox
        .zapply()
        .args(["--now", "2026-12-01T00:00:00Z", &plan]));
    assert_code(&output, &stdout, 3);
    assert!(
        stderr(&output).contains("later than now (2026-12-01T00:00:00Z)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 0);
    // Made a few minutes ahead (another machine's clock), it applies.
    let (output, stdout) = run(sandbox
        .zapply()
        .args(["--now", "2027-01-31T23:57:00Z", &plan]));
    assert_code(&output, &stdout, 0);
}

#[test]
fn validate_warns_about_entries_expired_long_ago() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - email: jane@acme.com\n    expires: 2026-09-01\n  - email: bo@acme.com\n    role: agent\n    temporary: { role: admin, until: 2026-10-25 }\n",
    );
    let validate = |now: &str, extra: &str| {
        let text = format!("{extra}{}", std::fs::read_to_string(&roster).unwrap());
        let path = roster_file(&dir, &text);
        let output = bin("zroster")
            .args(["validate", "--now", now, &path])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, out) = validate("2026-11-01", "");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(":3:14: warning: `jane@acme.com` expired on 2026-09-01, 60 days ago"),
        "{out}"
    );
    assert!(!out.contains("bo@acme.com"), "{out}");
    let (_, out) = validate("2026-12-01", "");
    assert!(
        out.contains(
            "the temporary role `admin` of `bo@acme.com` ended on 2026-10-25, 36 days ago"
        ),
        "{out}"
    );
    let (_, out) = validate("2026-12-01", "settings:\n  remove_expired_after_days: 90\n");
    assert!(!out.contains("warning"), "{out}");
}
