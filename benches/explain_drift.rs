//! What `zplan --explain-drift` costs: 100 agents of 10,000 made admins by hand in the web
//! interface, with 400 newer, unrelated changes in the audit log, explained against the
//! emulator over loopback. Prints a table: the audit-log requests (counted by the emulator)
//! and the time, for the default budget and for a budget too small to reach the drift.
//!
//! Run with `cargo bench --bench explain_drift`. The cost is one listing of the window,
//! newest first, 100 entries a request, stopped once every drifted value has its entry:
//! `ceil(entries since the oldest drift / 100)` requests, never one a user.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::{Value, json};
use zroster::command::explain_drift::{ExplainDrift, explain};
use zroster::fake::{Config, Knobs, Server, StateFile};
use zroster::plan::{Origin, Planner};
use zroster::roster;
use zroster::state::{NoProgress, StateQuery, fetch};
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret};

const USERS: u64 = 10_000;
const DRIFTED: u64 = 100;
const NEWER: u64 = 400;
const FIRST: u64 = 1_000;

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut users = vec![
        json!({"id": 1, "name": "Ada Admin", "email": "admin@example.com", "role": "admin"}),
        json!({"id": 2, "name": "Omar Haddad", "email": "omar@acme.com", "role": "admin"}),
    ];
    let mut roster_text = String::from("settings:\n  manage: { roles: [agent] }\nusers:\n");
    for i in 0..USERS {
        let id = FIRST + i;
        users.push(json!({"id": id, "name": format!("Agent {i}"), "email": format!("a{i}@acme.com"), "external_id": format!("emp-{i}"), "role": "agent"}));
        let _ = writeln!(
            roster_text,
            "  - {{ name: Agent {i}, email: a{i}@acme.com, external_id: emp-{i}, role: agent }}"
        );
    }
    let seed: StateFile = serde_json::from_value(json!({"users": users})).expect("state");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("roster.yaml");
    std::fs::write(&path, &roster_text).expect("roster written");
    let loaded = roster::load(&[path]);
    assert!(!loaded.has_errors());

    let handle = runtime
        .block_on(Server::start(Config {
            seed,
            knobs: Knobs {
                rate_limit: 100_000,
                ..Knobs::default()
            },
            ..Config::default()
        }))
        .expect("emulator");
    let base = handle.base_url().to_owned();
    let http = reqwest::Client::new();
    runtime.block_on(async {
        // The drift: every 100th agent made an admin by Omar, in the web interface.
        for n in 0..DRIFTED {
            let id = FIRST + n * (USERS / DRIFTED);
            let change = json!({"actor": "omar@acme.com", "method": "PUT", "path": format!("/api/v2/users/{id}"), "body": {"user": {"role": "admin"}}});
            let answer = http
                .post(format!("{base}/__fake/ui_change"))
                .json(&change)
                .send()
                .await
                .expect("staged");
            assert!(answer.status().is_success());
        }
        // Newer changes the roster does not manage (notes), through the API.
        for n in 0..NEWER {
            let id = FIRST + 1 + n;
            let answer = http
                .put(format!("{base}/api/v2/users/{id}"))
                .basic_auth("admin@example.com/token", Some("fake-token"))
                .json(&json!({"user": {"notes": "moved desks"}}))
                .send()
                .await
                .expect("written");
            assert!(answer.status().is_success());
        }
    });
    let auth = Auth::ApiToken {
        email: "admin@example.com".to_owned(),
        token: Secret::new("fake-token"),
    };
    let client = ReadClient::connect(ConnectionSettings::new(&base, auth).expect("loopback URL"))
        .expect("client builds");
    let query = StateQuery::from_roster(&loaded.roster);
    let state = runtime
        .block_on(fetch(&client, &query, &NoProgress))
        .expect("fetch");
    let planned = Planner::build(&loaded.roster, &state, &loaded.roster.digest);
    let audit_requests = || -> u64 {
        let counts = serde_json::to_value(handle.requests()).unwrap_or(Value::Null);
        counts["by_endpoint"]["GET /api/v2/audit_logs"]
            .as_u64()
            .unwrap_or(0)
    };

    println!(
        "explain drift: {DRIFTED} agents of {USERS} made admins in the web interface, {NEWER} newer unrelated audit entries"
    );
    println!("| budget | audit-log requests | explained | not explained | time |");
    println!("|---:|---:|---:|---:|---:|");
    for budget in [10, 3] {
        let mut plan = planned.clone();
        let before = audit_requests();
        let started = Instant::now();
        runtime
            .block_on(explain(
                &client,
                &mut plan,
                ExplainDrift { budget, days: 90 },
            ))
            .expect("explained");
        let took = started.elapsed();
        let made = audit_requests() - before;
        let explanation = plan.drift_explanation.as_ref().expect("explanation");
        assert_eq!(made, explanation.requests as u64);
        let explained = explanation
            .changes
            .iter()
            .filter(|a| a.attribution.origin == Origin::Drift)
            .count();
        let unexplained = explanation.changes.len() - explained;
        println!(
            "| {budget} | {made} | {explained} | {unexplained} | {:.0} ms |",
            took.as_secs_f64() * 1000.0
        );
    }
    runtime.block_on(handle.shutdown());
}
