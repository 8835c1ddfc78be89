//! The emulator under load: 100,000 users in state, a `zroster fake` child process on
//! loopback, concurrent keep-alive clients sending simple GETs (show, `users/me`, cursor
//! pages). Prints requests per second, latency and the server's memory (`VmRSS` / `VmHWM` of the
//! child from /proc) as a table.
//!
//! Run with `cargo bench --bench fake`. Targets (issue 3): at least 5,000 simple requests a
//! second and under 500 MB with 100,000 users, on the 2-core development machine.
//!
//! Measured 2026-11-28 on that machine (shared with two builds, so ±50%): show 21,863/s,
//! `users/me` 23,573/s, cursor pages of 10 users 17,599/s and of 100 users 5,404/s (p99
//! 17 ms); start-up with the 100,000-user state 1.1 s; RSS 398 MiB, peak (`VmHWM`) 405 MiB.

#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const USERS: u64 = 100_000;
const FIRST_ID: u64 = 20_000_000_000_000;
const CLIENTS: usize = 32;
const PHASE: Duration = Duration::from_secs(4);

fn cursor(id: u64) -> String {
    let mut raw = vec![b'i'];
    raw.extend_from_slice(&id.cast_signed().to_le_bytes());
    let inner = json!({"o": "id", "v": STANDARD.encode(raw)}).to_string();
    STANDARD.encode(inner).replace('=', "%3D")
}

fn memory_mib(pid: u32) -> (f64, f64) {
    let pid = pid.to_string();
    (
        support::status_mib(&pid, "VmRSS:"),
        support::status_mib(&pid, "VmHWM:"),
    )
}

fn generate(path: &std::path::Path) {
    let users: Vec<Value> = (0..USERS)
        .map(|n| {
            let role = match n % 50 {
                0 => "admin",
                1..=9 => "agent",
                _ => "end-user",
            };
            json!({
                "id": FIRST_ID + n,
                "name": format!("User {n}"),
                "email": format!("user{n}@example.com"),
                "external_id": format!("ext-{n}"),
                "role": role,
                "tags": ["bench"],
            })
        })
        .collect();
    let state = json!({"users": users});
    std::fs::write(path, serde_json::to_vec(&state).expect("json")).expect("write state");
}

struct Phase {
    name: &'static str,
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

async fn run_phase(name: &'static str, base: &str, make_path: fn(u64) -> String) -> Phase {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let client = client.clone();
        let base = base.to_owned();
        let errors = Arc::clone(&errors);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker as u64 * 7919;
            while start.elapsed() < PHASE {
                n = (n * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407) % USERS;
                let sent = Instant::now();
                let response = client
                    .get(format!("{base}{}", make_path(n)))
                    .basic_auth("admin@example.com/token", Some("fake-token"))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    let seconds = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |percent: usize| {
        latencies
            .get(latencies.len().saturating_sub(1) * percent / 100)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Phase {
        name,
        requests: latencies.len(),
        seconds,
        p50_ms: at(50),
        p99_ms: at(99),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temporary directory");
    let state = dir.path().join("state.json");
    generate(&state);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zroster"))
        .args([
            "fake",
            "--port",
            "0",
            "--rate-limit",
            "1000000000",
            "--state",
        ])
        .arg(&state)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn zroster fake");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let seed_seconds = started.elapsed().as_secs_f64();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening on …")
        .to_owned();
    let (rss_seeded, _) = memory_mib(child.id());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let phases = runtime.block_on(async {
        vec![
            run_phase("GET /users/{id}", &base, |n| {
                format!("/api/v2/users/{}.json", FIRST_ID + n)
            })
            .await,
            run_phase("GET /users/me", &base, |_| {
                "/api/v2/users/me.json".to_owned()
            })
            .await,
            run_phase("GET /users?page[size]=10 (cursor)", &base, |n| {
                format!(
                    "/api/v2/users.json?page%5Bsize%5D=10&page%5Bafter%5D={}",
                    cursor(FIRST_ID + n)
                )
            })
            .await,
            run_phase("GET /users?page[size]=100 (cursor)", &base, |n| {
                format!(
                    "/api/v2/users.json?page%5Bsize%5D=100&page%5Bafter%5D={}",
                    cursor(FIRST_ID + n)
                )
            })
            .await,
        ]
    });
    let (rss_after, hwm) = memory_mib(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();

    println!(
        "zroster fake with {USERS} users, {CLIENTS} concurrent clients on loopback, {}s per scenario",
        PHASE.as_secs()
    );
    println!();
    println!("| scenario | requests | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for p in &phases {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} |",
            p.name,
            p.requests,
            p.requests as f64 / p.seconds,
            p.p50_ms,
            p.p99_ms,
            p.errors
        );
    }
    println!();
    println!("| server | value |");
    println!("|---|---:|");
    println!("| start-up with the state file (s) | {seed_seconds:.2} |");
    println!("| RSS after seeding (MiB) | {rss_seeded:.0} |");
    println!("| RSS after the load (MiB) | {rss_after:.0} |");
    println!("| peak RSS, VmHWM (MiB) | {hwm:.0} |");
}
