//! `zplan --explain-drift` end to end: drift staged in the emulator as web-UI changes by a
//! named admin and through the API, the real binary explaining it from the audit log in
//! every format, and the audit-log requests it costs.

use serde_json::{Value, json};

use crate::common::{Sandbox, roster_file, run};

const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Ada Admin", "email": "admin@example.com", "role": "admin"},
  {"id": 11, "name": "Omar Haddad", "email": "omar@acme.com", "role": "admin"},
  {"id": 12, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 13, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent", "notes": "Night shift"},
  {"id": 14, "name": "Olaf Brandt", "email": "olaf@acme.com", "role": "end-user"}
], "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Billing"}],
   "group_memberships": [
  {"id": 30, "user_id": 12, "group_id": 20}, {"id": 31, "user_id": 12, "group_id": 21},
  {"id": 32, "user_id": 13, "group_id": 20}
]}"#;

const ROSTER: &str = "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent, groups: [Support, Billing] }\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: agent, notes: Night shift }\n";

/// A moment `days` ago, on the hour: within `--explain-drift`'s window.
fn days_ago(days: i64, hour: u32) -> String {
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(days);
    format!("{day}T{hour:02}:00:00Z")
}

/// The account drifted: Omar made Jane an admin and took her out of Billing in the web
/// interface, and made Olaf (whom the roster does not list) an agent; Bo's notes were
/// changed through the API by the user zroster signs in as.
fn drifted() -> (Sandbox, Vec<(String, &'static str)>) {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let web = |at: &str, method: &str, path: &str, body: Value| {
        sandbox.ui_change(&json!({
            "actor": "omar@acme.com", "ip_address": "203.0.113.7", "at": at,
            "method": method, "path": path, "body": body,
        }));
    };
    let (t1, t2, t3) = (days_ago(3, 9), days_ago(3, 10), days_ago(2, 11));
    web(
        &t1,
        "PUT",
        "/api/v2/users/12",
        json!({"user": {"role": "admin"}}),
    );
    web(&t2, "DELETE", "/api/v2/group_memberships/31", Value::Null);
    web(
        &t3,
        "PUT",
        "/api/v2/users/14",
        json!({"user": {"role": "agent"}}),
    );
    sandbox.api_put("users/13", &json!({"user": {"notes": "Day shift"}}));
    sandbox.reset_requests();
    (
        sandbox,
        vec![
            (t1, "[3 DAYS AGO 09:00]"),
            (t2, "[3 DAYS AGO 10:00]"),
            (t3, "[2 DAYS AGO 11:00]"),
        ],
    )
}

/// `text` with the staged times named and the other varying parts (port, times of now,
/// digests) replaced.
fn stable(text: &str, times: &[(String, &str)], dir: &std::path::Path) -> String {
    let mut text = text.replace(&dir.display().to_string(), "[DIR]");
    for (time, name) in times {
        text = text.replace(time, name);
    }
    let patterns = [
        (r"http://127\.0\.0\.1:\d+", "[URL]"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]"),
        (r"sha256:[0-9a-f]{64}", "[DIGEST]"),
    ];
    for (pattern, name) in patterns {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, name)
            .into_owned();
    }
    text
}

/// The audit-log requests a run made, and all its requests.
fn audit_requests(sandbox: &Sandbox) -> (u64, u64) {
    let requests = sandbox.requests();
    (
        requests["by_endpoint"]["GET /api/v2/audit_logs"]
            .as_u64()
            .unwrap_or(0),
        requests["total"].as_u64().unwrap(),
    )
}

/// Each format shows the drift the plan reverts apart from the roster's own changes, who
/// made it, when and from where, with one audit-log request.
#[test]
fn explained_drift_in_every_format_costs_one_request() {
    let (sandbox, times) = drifted();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    let mut totals = Vec::new();
    for format in ["human", "markdown", "json"] {
        sandbox.reset_requests();
        let (output, stdout) =
            run(sandbox
                .zplan()
                .args(["--explain-drift", "--format", format, &roster]));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        assert!(
            stderr.contains("read the audit log with 1 request (budget 10): 7 entries"),
            "{stderr}"
        );
        insta::assert_snapshot!(
            format!("explain_drift_{format}"),
            stable(&stdout, &times, dir.path())
        );
        let (audit, total) = audit_requests(&sandbox);
        assert_eq!(
            audit, 1,
            "one listing of the window, not a request per user"
        );
        totals.push(total);
    }
    assert!(totals.windows(2).all(|w| w[0] == w[1]), "{totals:?}");
    // Without the flag, not one audit-log request and no explanation.
    sandbox.reset_requests();
    let (_, stdout) = run(sandbox.zplan().args(["--format", "json", &roster]));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert!(plan.get("drift_explanation").is_none());
    assert_eq!(audit_requests(&sandbox).0, 0);
    assert_eq!(audit_requests(&sandbox).1 + 1, totals[0]);
}

/// `settings.explain_drift: true` makes it the default; within a budget of one request the
/// drift older than the newest 100 entries is said to be unread.
#[test]
fn the_roster_setting_and_the_budget() {
    let (sandbox, _) = drifted();
    // 100 newer entries about someone else: the first page holds none of the drift.
    for i in 0..100 {
        sandbox.ui_change(&json!({
            "actor": "omar@acme.com", "method": "PUT", "path": "/api/v2/users/11",
            "body": {"user": {"notes": format!("note {i}")}},
        }));
    }
    sandbox.reset_requests();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        &ROSTER.replace("settings:\n", "settings:\n  explain_drift: true\n"),
    );
    let (output, stdout) =
        run(sandbox
            .zplan()
            .args(["--explain-drift-budget", "1", "--format", "json", &roster]));
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let explanation = &plan["drift_explanation"];
    assert_eq!(explanation["requests"], 1);
    assert_eq!(explanation["budget"], 1);
    assert_eq!(explanation["entries_read"], 100);
    assert!(explanation["read_back_to"].is_string(), "{explanation:#}");
    let role = explanation["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["field"] == "role")
        .unwrap();
    assert_eq!(role["origin"], "unexplained");
    assert!(
        role["reason"]
            .as_str()
            .unwrap()
            .contains("within the budget of 1 requests"),
        "{role:#}"
    );
    assert_eq!(plan["summary"]["explain_drift_requests"], 1);
    assert_eq!(audit_requests(&sandbox).0, 1);
}

/// Below Enterprise the audit log answers 403: the plan says so and still plans.
#[test]
fn below_enterprise_the_plan_says_the_audit_log_is_unavailable() {
    let mut state: Value = serde_json::from_str(STATE).unwrap();
    state["account"] = json!({"profile": "professional"});
    let sandbox = Sandbox::start(&state);
    sandbox.api_put("users/12", &json!({"user": {"role": "admin"}}));
    sandbox.reset_requests();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    let (output, stdout) = run(sandbox.zplan().args(["--explain-drift", &roster]));
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("audit log unavailable (403: Forbidden: The audit log is only available on the Enterprise plan; the audit log needs Zendesk Enterprise and an admin)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not explained: the audit log could not be read"),
        "{stdout}"
    );
    assert_eq!(audit_requests(&sandbox).0, 1);
}

/// A change that reverts drift in one field but is the pull request's own in another (here
/// an escalation) stays with the plan's own changes: drift never hides what a pull request
/// asks for.
#[test]
fn a_change_mixing_drift_with_the_roster_s_own_stays_among_the_plan_s_changes() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    sandbox.ui_change(&json!({
        "actor": "omar@acme.com", "ip_address": "203.0.113.7", "at": days_ago(1, 9),
        "method": "PUT", "path": "/api/v2/users/13", "body": {"user": {"notes": "By hand"}},
    }));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - { name: Bo Berg, email: bo@acme.com, external_id: emp-2, role: admin, notes: Night shift }\n",
    );
    let (output, stdout) = run(sandbox.zplan().args(["--explain-drift", &roster]));
    assert!(output.status.success(), "{stdout}");
    let escalations = stdout
        .split("\n\n")
        .find(|section| section.starts_with("Privilege escalations:"))
        .unwrap_or_else(|| panic!("no escalation section:\n{stdout}"));
    assert!(escalations.contains("Bo Berg"), "{stdout}");
    assert!(
        !stdout.contains("Reverts drift"),
        "Bo's change is the pull request's own:\n{stdout}"
    );
    // The drifted field still says who made it.
    assert!(stdout.contains("Omar Haddad"), "{stdout}");
}

/// An audit log that fails otherwise than by refusing (a 500 on every try) makes the values
/// it did not explain say so; the plan is still made.
#[test]
fn an_audit_log_that_fails_leaves_the_plan_standing() {
    let (sandbox, _) = drifted();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, ROSTER);
    sandbox.pause_before("GET /api/v2/audit_logs");
    let mut zplan = sandbox.zplan();
    zplan.args(["--explain-drift", &roster]);
    let planning = std::thread::spawn(move || run(&mut zplan));
    sandbox.wait_for_pause();
    sandbox.handle().update_knobs(|k| k.fault_5xx = 1.0);
    sandbox.release();
    let (output, stdout) = planning.join().unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("not explained: the audit log could not be read"),
        "{stdout}"
    );
    assert!(stdout.contains("Plan: "), "{stdout}");
}
