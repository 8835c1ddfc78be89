//! What goes side by side in an apply, and what never does: creates, updates and the
//! membership adds of untouched users are in Zendesk's job queue together, a membership of
//! a new user is never sent before the job that created the user finished, single creates
//! (bulk imports off) do not wait for the update jobs, and the convergence check reads the
//! users back with `show_many` rather than wait for an export window the fetch used up.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zroster::apply::{Executor, Status, UserRead};
use zroster::plan::Planner;
use zroster::state::{self, NoProgress, StateQuery};
use zroster::zendesk::{Auth, ConnectionSettings, Secret, WriteClient};

use crate::apply::{journal_lines, stderr};
use crate::common::{Sandbox, mechanics, roster_file, run};

/// Existing agents renamed by the roster (updates).
const RENAMED: usize = 300;
/// Existing agents the roster only adds to `Sales` (memberships of untouched users).
const JOINING: usize = 100;
/// New agents, in `Support` (Zendesk's default group) and `Sales`.
const NEW: usize = 200;

fn state() -> Value {
    let agent = |i: usize, name: String| {
        json!({"id": 1000 + i, "name": name, "email": format!("a{i}@acme.com"),
               "external_id": format!("a-{i}"), "role": "agent",
               "updated_at": "2020-01-01T00:00:00Z"})
    };
    let users: Vec<Value> = (0..RENAMED + JOINING)
        .map(|i| agent(i, format!("Agent {i}")))
        .collect();
    json!({"users": users, "groups": [
        {"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Sales"}
    ]})
}

fn roster() -> String {
    let mut text = String::from("settings:\n  manage: { roles: [agent] }\nusers:\n");
    for i in 0..RENAMED {
        writeln!(
            text,
            "  - {{ name: Renamed {i}, email: a{i}@acme.com, external_id: a-{i}, role: agent }}"
        )
        .unwrap();
    }
    for i in RENAMED..RENAMED + JOINING {
        writeln!(
            text,
            "  - {{ name: Agent {i}, email: a{i}@acme.com, external_id: a-{i}, role: agent, groups: [Support, Sales] }}"
        )
        .unwrap();
    }
    for i in 0..NEW {
        writeln!(
            text,
            "  - {{ name: New {i}, email: n{i}@acme.com, external_id: n-{i}, role: agent, groups: [Support, Sales] }}"
        )
        .unwrap();
    }
    text
}

/// The jobs in the emulator's queue now, by type: how many are queued or working.
fn queued(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut jobs = HashMap::new();
    for job in sandbox.api_get("job_statuses")["job_statuses"]
        .as_array()
        .unwrap()
    {
        if matches!(job["status"].as_str(), Some("queued" | "working")) {
            *jobs
                .entry(job["job_type"].as_str().unwrap_or_default().to_owned())
                .or_insert(0) += 1;
        }
    }
    jobs
}

#[test]
fn creates_updates_and_adds_are_queued_together_and_a_new_users_membership_waits_for_its_create() {
    // The job worker starts paused: what zapply sends stays in the queue for the test to see.
    let sandbox = Sandbox::start_with(&state(), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 0.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &roster());
    let mut command = sandbox.zapply();
    command.args(["--auto-approve", &roster]);
    let applying = std::thread::spawn(move || run(&mut command));

    // Zendesk's queue holds the creates, the updates and the adds of the agents the run
    // changes nothing else of, all at once: none waited for another.
    let deadline = Instant::now() + Duration::from_secs(60);
    let together = loop {
        let jobs = queued(&sandbox);
        let (creates, updates, adds) = (
            jobs.get("Bulk Create Or Update User").copied().unwrap_or(0),
            jobs.get("Bulk Update User").copied().unwrap_or(0),
            jobs.iter()
                .filter(|(kind, _)| kind.contains("Membership"))
                .map(|(_, n)| n)
                .sum::<usize>(),
        );
        if creates == NEW / 100 && updates == RENAMED / 100 && adds >= 1 {
            break jobs;
        }
        assert!(Instant::now() < deadline, "never queued together: {jobs:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    // No create has run: the only adds queued are the untouched agents' (one job of 100).
    let adds: usize = together
        .iter()
        .filter(|(kind, _)| kind.contains("Membership"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(adds, JOINING / 100, "{together:?}");
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.job_items_per_second = 5_000.0);
    let (output, stdout) = applying.join().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );

    // From the journal: every membership job carrying a new agent was submitted after the
    // job that created that agent finished.
    let lines = journal_lines(sandbox.work_dir());
    // The operation of each change, from the operations begun.
    let mut operation_of: HashMap<u64, String> = HashMap::new();
    for line in lines.iter().filter(|l| l["event"] == "operation_started") {
        for change in line["changes"].as_array().unwrap() {
            let operation = line["operation"].as_str().unwrap().to_owned();
            operation_of.insert(change.as_u64().unwrap(), operation);
        }
    }
    let mut created_by: HashMap<String, String> = HashMap::new();
    let mut finished_at: HashMap<String, usize> = HashMap::new();
    for (at, line) in lines.iter().enumerate() {
        if line["event"] == "job_finished" {
            finished_at.insert(line["job_id"].as_str().unwrap().to_owned(), at);
        }
    }
    let mut checked = 0;
    for (at, line) in lines.iter().enumerate() {
        if line["event"] != "job_submitted" {
            continue;
        }
        let job = line["job_id"].as_str().unwrap().to_owned();
        for item in line["items"].as_array().unwrap() {
            let key = item["key"].as_str().unwrap().to_owned();
            if !key.contains(":n-") {
                continue;
            }
            let change = item["change"].as_u64().unwrap();
            if operation_of[&change] == "users/create_or_update_many" {
                created_by.insert(key, job.clone());
            } else {
                let create = &created_by[&key];
                assert!(
                    finished_at[create] < at,
                    "{key}'s membership went out before its create finished"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, NEW, "every new agent's membership was checked");
    let (output, stdout) = run(sandbox.zplan().args(["--detailed-exitcode", &roster]));
    assert_eq!(output.status.code(), Some(0), "converged: {stdout}");
}

#[test]
fn without_bulk_imports_the_single_creates_go_beside_the_update_jobs() {
    // Bulk imports off, every answer 20 ms late, and the job worker paused: the update jobs
    // stay queued, so creates that waited for them would never start.
    let sandbox = Sandbox::start_with(&state(), "fake-token", |knobs| {
        mechanics(knobs);
        knobs.bulk_imports = false;
        knobs.latency_ms = 20;
        knobs.job_items_per_second = 0.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &roster());
    let mut command = sandbox.zapply();
    command.args(["--auto-approve", &roster]);
    let applying = std::thread::spawn(move || run(&mut command));
    let new_users = |sandbox: &Sandbox| {
        sandbox.state()["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| {
                u["external_id"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("n-"))
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut updates_queued_while_creating = false;
    loop {
        let updates = queued(&sandbox)
            .get("Bulk Update User")
            .copied()
            .unwrap_or(0);
        let created = new_users(&sandbox);
        updates_queued_while_creating |= updates > 0 && created < NEW;
        if created == NEW {
            break;
        }
        assert!(Instant::now() < deadline, "the creates never finished");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        updates_queued_while_creating,
        "the update jobs were queued only after the creates"
    );
    // Every new agent exists while the updates are still queued: the creates went on.
    assert_eq!(
        queued(&sandbox).get("Bulk Update User").copied(),
        Some(RENAMED / 100)
    );
    sandbox
        .handle()
        .update_knobs(|knobs| knobs.job_items_per_second = 5_000.0);
    let (output, stdout) = applying.join().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        stderr(&output)
    );
    assert!(
        stdout.contains("bulk imports disabled"),
        "the fallback is said: {stdout}"
    );
    // One refused job told; then one request per new agent.
    let requests = sandbox.requests();
    let count = |endpoint: &str| requests["by_endpoint"][endpoint].as_u64().unwrap_or(0);
    assert_eq!(count("POST /api/v2/users/create_or_update_many"), 1);
    assert_eq!(count("POST /api/v2/users/create_or_update"), NEW as u64);
    let (output, stdout) = run(sandbox.zplan().args(["--detailed-exitcode", &roster]));
    assert_eq!(output.status.code(), Some(0), "converged: {stdout}");
}

/// A client of `sandbox` with delays on, as zapply has them.
fn client(sandbox: &Sandbox) -> WriteClient {
    let auth = Auth::ApiToken {
        email: "admin@example.com".to_owned(),
        token: Secret::new("fake-token"),
    };
    WriteClient::connect(ConnectionSettings::new(&sandbox.url(), auth).unwrap()).unwrap()
}

/// Plans the roster `text` against `sandbox` and applies it; before applying, `busy`
/// incremental-export requests use up part of the export's window, as a fetch can.
fn apply(sandbox: &Sandbox, text: &str, busy: usize) -> zroster::apply::ApplyReport {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, text);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = client(sandbox);
        let loaded = zroster::roster::load(&[roster.into()]);
        let query = StateQuery::from_roster(&loaded.roster);
        let live = state::fetch(&client, &query, &NoProgress).await.unwrap();
        let plan = Planner::build(&loaded.roster, &live, &loaded.roster.digest);
        let an_hour_ago = chrono::Utc::now().timestamp() - 3600;
        for _ in 0..busy {
            client
                .each_incremental_users(an_hour_ago, 1, |_| false)
                .await
                .unwrap();
        }
        Executor::new(&client).execute(&plan).await.unwrap()
    })
}

/// 1,100 agents, each renamed by the roster.
fn renamed_agents() -> (Value, String) {
    let users: Vec<Value> = (0..1_100)
        .map(|i| {
            json!({"id": 1000 + i, "name": format!("Agent {i}"), "email": format!("a{i}@acme.com"),
                   "external_id": format!("a-{i}"), "role": "agent",
                   "updated_at": "2020-01-01T00:00:00Z"})
        })
        .collect();
    let mut text = String::from("settings:\n  manage: { roles: [agent] }\nusers:\n");
    for i in 0..1_100 {
        writeln!(
            text,
            "  - {{ name: Renamed {i}, email: a{i}@acme.com, external_id: a-{i}, role: agent }}"
        )
        .unwrap();
    }
    (json!({"users": users}), text)
}

#[test]
fn the_convergence_check_reads_with_show_many_rather_than_wait_for_a_used_up_export_window() {
    let (state, text) = renamed_agents();
    let sandbox = Sandbox::start_with(&state, "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    });
    let started = Instant::now();
    // The ten export requests a minute are spent: the check would wait about a minute.
    let report = apply(&sandbox, &text, 10);
    assert_eq!(report.count(Status::Applied), 1_100, "{report:?}");
    let reads = report.read_back.expect("the users were read back");
    assert_eq!(reads.read, UserRead::ShowMany, "{reads:?}");
    assert_eq!((reads.users, reads.show_many_requests), (1_100, 11));
    assert_eq!(reads.export_pages, 2);
    assert!(reads.export_wait_ms > 50_000, "{reads:?}");
    assert!(report.diverged.is_empty(), "{:?}", report.diverged);
    // It did not wait, and read no export page beyond the ten.
    assert!(started.elapsed() < Duration::from_secs(40));
    let requests = sandbox.requests();
    assert_eq!(
        requests["by_endpoint"]["GET /api/v2/incremental/users/cursor"], 10,
        "{requests:#}"
    );
    assert_eq!(requests["by_status"]["429"], Value::Null, "{requests:#}");
}

#[test]
fn the_convergence_check_reads_a_free_export_window_for_its_fewer_requests() {
    let (state, text) = renamed_agents();
    let sandbox = Sandbox::start_with(&state, "fake-token", |knobs| {
        mechanics(knobs);
        knobs.job_items_per_second = 100_000.0;
    });
    let report = apply(&sandbox, &text, 0);
    let reads = report.read_back.expect("the users were read back");
    assert_eq!(reads.read, UserRead::IncrementalExport, "{reads:?}");
    assert_eq!(reads.export_wait_ms, 0);
    assert!(report.diverged.is_empty(), "{:?}", report.diverged);
    let requests = sandbox.requests();
    let pages = requests["by_endpoint"]["GET /api/v2/incremental/users/cursor"]
        .as_u64()
        .unwrap();
    assert!((1..=2).contains(&pages), "{requests:#}");
}
