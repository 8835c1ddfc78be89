//! Interrupted and disturbed applies: `zapply` killed (SIGKILL) at several points of a
//! 2,000-user apply, and an apply through injected faults. After each, `zplan` shows only
//! what is left, a second `zapply` (fresh, or `--resume JOURNAL`) converges, and the
//! emulator holds no duplicate and has lost no one. And `zapply` interrupted (SIGINT,
//! SIGTERM): it finishes what it sent, writes its report and exits 130.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Sandbox, mechanics, run, writes};

/// Users already in the account (each gets renamed, keeps the default group `Support` and
/// joins `Tier 2`).
const EXISTING: usize = 1_000;
/// Users the roster adds.
const NEW: usize = 1_000;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The account: an admin, `EXISTING` agents last updated long ago, and two groups.
fn state() -> Value {
    let mut users = vec![
        json!({"id": 1, "name": "Ad Min", "email": "admin@example.com",
        "role": "admin", "updated_at": "2020-01-01T00:00:00Z"}),
    ];
    users.extend((0..EXISTING).map(|i| {
        json!({"id": 1000 + i, "name": format!("User {i}"), "email": format!("u{i}@acme.com"),
               "external_id": format!("emp-{i}"), "role": "agent",
               "updated_at": "2020-01-01T00:00:00Z"})
    }));
    json!({"users": users, "groups": [{"id": 20, "name": "Support"}, {"id": 21, "name": "Tier 2"}]})
}

/// The roster: every existing agent renamed and in `Support` and `Tier 2`, and `NEW` new
/// agents (whom Zendesk puts into `Support`).
fn roster(dir: &Path) -> String {
    let mut text = String::from("version: 1\nsettings:\n  manage: { roles: [agent] }\nusers:\n");
    for i in 0..EXISTING {
        writeln!(
            text,
            "  - {{ name: Renamed {i}, email: u{i}@acme.com, external_id: emp-{i}, role: agent, groups: [Support, Tier 2] }}"
        )
        .unwrap();
    }
    for i in EXISTING..EXISTING + NEW {
        writeln!(
            text,
            "  - {{ name: New {i}, email: u{i}@acme.com, external_id: emp-{i}, role: agent }}"
        )
        .unwrap();
    }
    let path = dir.join("roster.yaml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `zplan --format json`: the plan's changes as `kind action key target` lines.
fn plan_lines(sandbox: &Sandbox, roster: &str) -> HashSet<String> {
    let (output, stdout) = run(sandbox.zplan().args(["--format", "json", roster]));
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {} {}", c["kind"], c["action"], c["key"], c["target"]))
        .collect()
}

/// No two users share an email or an external id, and every roster user is there once.
fn assert_no_duplicates_and_none_lost(sandbox: &Sandbox) {
    let state = sandbox.state();
    let users = state["users"].as_array().unwrap();
    let mut emails = HashSet::new();
    let mut external_ids = HashSet::new();
    for user in users.iter().filter(|u| u["active"] != json!(false)) {
        if let Some(email) = user["email"].as_str() {
            assert!(emails.insert(email.to_lowercase()), "duplicate {email}");
        }
        if let Some(id) = user["external_id"].as_str() {
            assert!(external_ids.insert(id.to_lowercase()), "duplicate {id}");
        }
    }
    for i in 0..EXISTING + NEW {
        assert!(emails.contains(&format!("u{i}@acme.com")), "lost u{i}");
    }
    assert_eq!(emails.len(), 1 + EXISTING + NEW);
}

/// An emulator slow enough that an apply can be stopped part-way, with margin for a test
/// thread that a loaded machine leaves waiting: every request takes a few milliseconds and a
/// job of 100 items about 40.
fn slow_sandbox() -> Sandbox {
    Sandbox::start_with(&state(), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.latency_ms = 3;
        knobs.job_items_per_second = 2_500.0;
    })
}

/// Starts `command` and kills it (SIGKILL) once the emulator has seen `after_writes` write
/// requests; panics if it finished first.
fn kill_after(sandbox: &Sandbox, command: &mut Command, after_writes: u64) {
    kill_when(command, &format!("its {after_writes}th write"), || {
        writes(&sandbox.requests()) >= after_writes
    });
}

/// Starts `command` and kills it (SIGKILL) once `reached` says so (`what`, for the panic if
/// it finished first or never got there).
fn kill_when(command: &mut Command, what: &str, reached: impl Fn() -> bool) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("zapply ended ({status}) before {what}");
        }
        if reached() {
            break;
        }
        assert!(Instant::now() < deadline, "not {what} in time");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// How the second run picks up after the kill.
#[derive(Debug, Clone, Copy)]
enum Recovery {
    /// `zapply --auto-approve ROSTER`: plan afresh.
    Fresh,
    /// `zapply --resume JOURNAL ROSTER --auto-approve`.
    ResumeRoster,
    /// `zapply --resume JOURNAL PLAN`: the saved plan the killed run applied.
    ResumePlan,
}

fn killed_then_recovered(after_writes: u64, recovery: Recovery) {
    let sandbox = slow_sandbox();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path());
    let full = plan_lines(&sandbox, &roster);
    assert_eq!(full.len(), 3 * EXISTING, "renames, memberships, creates");
    let journal = dir.path().join("killed.jsonl");
    let journal = journal.to_str().unwrap();
    let saved = dir.path().join("plan.json");
    let saved = saved.to_str().unwrap();
    let (output, _) = run(sandbox.zplan().args(["--out", saved, &roster]));
    assert!(output.status.success(), "{}", stderr(&output));
    sandbox.reset_requests();
    let mut first = sandbox.zapply();
    match recovery {
        Recovery::ResumePlan => first.args(["--journal", journal, saved]),
        _ => first.args(["--journal", journal, "--auto-approve", &roster]),
    };
    kill_after(&sandbox, &mut first, after_writes);
    // The jobs the killed run left queued go on, as they would on Zendesk (at most eight
    // of about 40 ms each); once they are done, what is left is fixed.
    std::thread::sleep(Duration::from_millis(700));

    // What is left is part of the original plan, and less than all of it.
    let left = plan_lines(&sandbox, &roster);
    assert!(
        left.is_subset(&full),
        "{:?}",
        left.difference(&full).take(5).collect::<Vec<_>>()
    );
    assert!(left.len() < full.len(), "the killed run changed nothing");

    let mut second = sandbox.zapply();
    match recovery {
        Recovery::Fresh => second.args(["--auto-approve", &roster]),
        Recovery::ResumeRoster => second.args(["--resume", journal, "--auto-approve", &roster]),
        Recovery::ResumePlan => second.args(["--resume", journal, saved]),
    };
    let (output, stdout) = run(&mut second);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{recovery:?} after {after_writes} writes:\n{}\n{}",
        stdout.lines().rev().take(20).collect::<Vec<_>>().join("\n"),
        stderr(&output)
    );
    if !matches!(recovery, Recovery::Fresh) {
        assert!(stdout.contains("Resuming"), "{stdout}");
    }
    assert!(
        plan_lines(&sandbox, &roster).is_empty(),
        "{recovery:?} after {after_writes} writes did not converge"
    );
    assert_no_duplicates_and_none_lost(&sandbox);
}

#[test]
fn killed_while_creating_then_resumed_with_the_saved_plan() {
    // Writes 1–10 are the ten `create_or_update_many` jobs.
    killed_then_recovered(4, Recovery::ResumePlan);
}

#[test]
fn killed_while_updating_then_planned_afresh() {
    // Writes 11–20 are the ten `update_many` jobs.
    killed_then_recovered(14, Recovery::Fresh);
}

#[test]
fn killed_while_adding_memberships_then_resumed_with_the_roster() {
    // Writes 21–30 are the ten group-membership `create_many` jobs.
    killed_then_recovered(24, Recovery::ResumeRoster);
}

#[test]
fn killed_while_adding_memberships_then_resumed_with_the_saved_plan() {
    killed_then_recovered(23, Recovery::ResumePlan);
}

#[test]
fn a_two_thousand_user_apply_through_faults_converges_without_duplicates() {
    let sandbox = Sandbox::start_with(&state(), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
        knobs.fault_5xx = 0.1;
        knobs.fault_429 = 0.05;
        knobs.fault_drop = 0.02;
        knobs.fault_seed = 7;
    });
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path());
    let mut runs = 0;
    loop {
        runs += 1;
        let (output, stdout) = run(sandbox.zapply().args(["--auto-approve", &roster]));
        if output.status.success() {
            break;
        }
        assert!(
            runs < 2,
            "a re-run did not converge:\n{}\n{}",
            stdout.lines().rev().take(20).collect::<Vec<_>>().join("\n"),
            stderr(&output)
        );
    }
    // The faults stay on while checking: the plan is read through them too.
    let left = plan_lines(&sandbox, &roster);
    assert!(left.is_empty(), "{left:?}");
    assert_no_duplicates_and_none_lost(&sandbox);
}

#[test]
fn users_the_killed_run_created_a_moment_ago_are_adopted_on_resume_though_the_search_lags() {
    // New end users known by email alone, a search index two minutes behind, and a job
    // queue that holds the killed run's job until the test lets it go.
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.search_lag_s = 120.0;
        knobs.job_items_per_second = 0.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("users:\n");
    for i in 0..3 {
        writeln!(text, "  - {{ name: User {i}, email: u{i}@acme.com }}").unwrap();
    }
    let roster = dir.path().join("roster.yaml");
    std::fs::write(&roster, text).unwrap();
    let saved = dir.path().join("plan.json");
    let saved = saved.to_str().unwrap();
    let (output, _) = run(sandbox
        .zplan()
        .args(["--out", saved, roster.to_str().unwrap()]));
    assert!(output.status.success(), "{}", stderr(&output));

    // The first run submits its `create_or_update_many` job and is killed while it waits.
    let journal = dir.path().join("killed.jsonl");
    let journal_text = || std::fs::read_to_string(&journal).unwrap_or_default();
    kill_when(
        sandbox
            .zapply()
            .args(["--journal", journal.to_str().unwrap(), saved]),
        "its job was journaled",
        || journal_text().contains("\"job_submitted\""),
    );
    // The job runs after all and makes the three users; then its status expires, so the
    // resumed run cannot read its results and must look for the users themselves.
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.job_items_per_second = 100_000.0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.state()["users"].as_array().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "the job never ran");
        std::thread::sleep(Duration::from_millis(10));
    }
    sandbox.handle().update_knobs(|knobs| knobs.job_ttl_s = 0);
    std::thread::sleep(Duration::from_millis(100));
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.job_ttl_s = 3600);

    sandbox.reset_requests();
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().args([
        "--resume",
        journal.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        saved,
    ]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert!(stdout.contains("Resuming"), "{stdout}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for result in report["results"].as_array().unwrap() {
        assert_eq!(result["status"], "applied", "{report:#}");
        assert_eq!(
            result["details"], "applied by the interrupted run; confirmed by re-reading",
            "{report:#}"
        );
    }
    // Adopted, not made again: the job's status read once, then one export page for the
    // three emails, no search, no write.
    let requests = sandbox.requests();
    let count = |endpoint: &str| requests["by_endpoint"][endpoint].as_u64().unwrap_or(0);
    assert_eq!(
        count("GET /api/v2/incremental/users/cursor"),
        1,
        "{requests:#}"
    );
    assert_eq!(count("GET /api/v2/users/search"), 0, "{requests:#}");
    assert_eq!(writes(&requests), 0, "{requests:#}");
    assert_eq!(sandbox.state()["users"].as_array().unwrap().len(), 4);
}

/// An agent to keep (who joins `Tier 2`), an agent the roster drops (suspended by the
/// prune), and the account's groups; the roster adds a new agent.
fn interrupted_state_and_roster(dir: &Path) -> (Value, String) {
    let state = json!({
        "users": [
            {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
            {"id": 11, "name": "Old Hand", "email": "old@acme.com", "external_id": "emp-9", "role": "agent"}
        ],
        "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Tier 2"}]
    });
    let roster = "settings:
  manage: { roles: [agent] }
  prune: suspend
users:
  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent, groups: [Support, Tier 2] }
  - { name: Ann New, email: ann@acme.com, external_id: emp-2, role: agent }
";
    let path = dir.join("roster.yaml");
    std::fs::write(&path, roster).unwrap();
    (state, path.display().to_string())
}

/// Sends `signal` (`INT`, `TERM`) to `child`.
fn signal(child: &std::process::Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Reads `child`'s standard error line by line on a thread, sending each line.
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let (send, receive) = std::sync::mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// Waits for a line of standard error containing `text`; returns the lines read.
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
        let found = line.contains(text);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("no `{text}` on standard error: {seen:#?}");
}

#[test]
fn sigint_finishes_the_requests_in_flight_writes_the_report_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let (state, roster) = interrupted_state_and_roster(dir.path());
    let sandbox = crate::apply::sandbox(&state);
    let report = dir.path().join("report.json");
    let journal = dir.path().join("run.jsonl");
    let (report_arg, journal_arg) = (report.to_str().unwrap(), journal.to_str().unwrap());
    // Interrupted while its membership job is on the way: the new agent is made, the
    // suspension is still to come.
    sandbox.pause_before("POST /api/v2/group_memberships/create_many");
    let mut child = sandbox
        .zapply()
        .args([
            "--auto-approve",
            "--report",
            report_arg,
            "--journal",
            journal_arg,
            &roster,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    sandbox.wait_for_pause();
    signal(&child, "INT");
    wait_for_line(&lines, "interrupted: finishing the requests in flight");
    sandbox.release();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("stopped (interrupted): 1 change not started"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("zapply --resume {journal_arg} --auto-approve")),
        "{stdout}"
    );
    // The membership job sent before the interrupt was finished; the suspension was never
    // sent.
    let requests = sandbox.requests();
    assert_eq!(
        requests["by_endpoint"]["PUT /api/v2/users/update_many"],
        Value::Null,
        "{requests:#}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["stopped"], "interrupted", "{report:#}");
    let statuses: Vec<(String, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{} {} {}", r["action"], r["kind"], r["label"]),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&(
            "\"add\" \"group_membership\" \"Jane Smith <jane@acme.com>\"".to_owned(),
            "applied".to_owned()
        )),
        "{statuses:#?}"
    );
    assert!(
        statuses.contains(&(
            "\"suspend\" \"user\" \"Old Hand <old@acme.com>\"".to_owned(),
            "not_started".to_owned()
        )),
        "{statuses:#?}"
    );
    let last = std::fs::read_to_string(&journal).unwrap();
    let last: Value = serde_json::from_str(last.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["stopped"], "interrupted");
    assert_eq!(last["not_started"], 1);

    // Resuming makes what is left, and only that.
    sandbox.reset_requests();
    let (output, stdout) =
        run(sandbox
            .zapply()
            .args(["--resume", journal_arg, "--auto-approve", &roster]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert_eq!(writes(&sandbox.requests()), 1, "{:#}", sandbox.requests());
    assert!(plan_lines(&sandbox, &roster).is_empty());
}

#[test]
fn a_second_sigterm_abandons_the_run_at_once_with_130() {
    let dir = tempfile::tempdir().unwrap();
    let (state, roster) = interrupted_state_and_roster(dir.path());
    let sandbox = crate::apply::sandbox(&state);
    let report = dir.path().join("report.json");
    sandbox.pause_before("POST /api/v2/users/create_or_update_many");
    let mut child = sandbox
        .zapply()
        .args([
            "--auto-approve",
            "--report",
            report.to_str().unwrap(),
            &roster,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    sandbox.wait_for_pause();
    signal(&child, "TERM");
    wait_for_line(&lines, "interrupted: finishing the requests in flight");
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.iter().collect();
    assert_eq!(status.code(), Some(130), "{rest:#?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("stopped at once by a second interrupt")
                && l.contains("zapply --resume .zroster/journal/")),
        "{rest:#?}"
    );
    assert!(!report.exists());
    sandbox.release();
}
