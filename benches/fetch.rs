//! Fetch benchmark (issue 4): the live-state fetch against the in-process emulator.
//!
//! 1. Zero latency, no rate limit in the way: a `ZROSTER_BENCH_USERS`-agent account
//!    (default 100,000). Reports wall time, requests against the minimum
//!    (`ceil(users / 100)` list pages plus the five fixed requests), the client's share of
//!    the wall time (wall time minus the time spent waiting for answers, over wall time) and
//!    the process's peak memory (client and emulator together).
//! 2. 50 ms latency, a 700-a-minute limit, share 1.0: `ZROSTER_BENCH_PACED_ROUNDS` (default 8)
//!    fetches in a row of a `ZROSTER_BENCH_PACED_USERS`-agent account (default 10,000) by one
//!    client, 105 requests each, so the run needs more than a minute of the limit. Reports the
//!    429s received (target 0) and the average request rate against the limit (target ≥ 90%).
//!
//! Run with `cargo bench --bench fetch`; prints a Markdown table.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;
use zroster::fake::{Config, Handle, Knobs, Server, StateFile};
use zroster::roster::Role;
use zroster::state::{NoProgress, StateQuery, fetch};
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, ReadClient, Secret};

/// Sums the time spent waiting for answers and counts 429s.
#[derive(Default)]
struct Waiting {
    total: Mutex<(Duration, u64)>,
}

impl Observer for Waiting {
    fn on_event(&self, event: &ClientEvent<'_>) {
        if let ClientEvent::Response {
            status, elapsed, ..
        } = event
        {
            let mut total = self.total.lock().unwrap();
            total.0 += *elapsed;
            if *status == 429 {
                total.1 += 1;
            }
        }
    }
}

fn users_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn emulator(agents: usize, knobs: Knobs) -> (Handle, Duration) {
    let users = (0..agents)
        .map(|i| json!({"name": format!("Agent {i}"), "email": format!("agent{i}@example.com"), "role": "agent"}))
        .collect();
    let config = Config {
        knobs,
        seed: StateFile {
            users,
            ..StateFile::default()
        },
        ..Config::default()
    };
    let started = Instant::now();
    let handle = Server::start(config).await.expect("emulator starts");
    (handle, started.elapsed())
}

fn client(handle: &Handle, share: f64, observer: std::sync::Arc<Waiting>) -> ReadClient {
    let auth = Auth::ApiToken {
        email: "admin@example.com".to_owned(),
        token: Secret::new("fake-token"),
    };
    let mut settings = ConnectionSettings::new(handle.base_url(), auth).expect("loopback URL");
    settings.rate_limit_share = share;
    ReadClient::with_observer(settings, observer).expect("client builds")
}

fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let query = StateQuery { manage_roles: vec![Role::Agent, Role::Admin], ..StateQuery::default() };
        let mut table = String::new();
        writeln!(table, "| run | users | seed | wall time | requests (minimum) | client share | 429s | avg rate / limit | peak memory |").unwrap();
        writeln!(table, "|---|---:|---:|---:|---:|---:|---:|---:|---:|").unwrap();

        let users = users_from_env("ZROSTER_BENCH_USERS", 100_000);
        let knobs = Knobs { rate_limit: 1_000_000, ..Knobs::default() };
        let (handle, seed) = emulator(users - 1, knobs).await;
        let waiting = std::sync::Arc::new(Waiting::default());
        let started = Instant::now();
        let state = fetch(&client(&handle, 1.0, waiting.clone()), &query, &NoProgress).await.expect("fetch");
        let wall = started.elapsed();
        let (waited, throttled) = *waiting.total.lock().unwrap();
        let minimum = (users as u64).div_ceil(100) + 5;
        assert_eq!(state.users.len(), users);
        writeln!(
            table,
            "| zero latency | {users} | {:.1} s | {:.2} s | {} ({minimum}) | {:.0}% | {throttled} | n/a | {:.0} MiB |",
            seed.as_secs_f64(),
            wall.as_secs_f64(),
            state.cost.stats.requests,
            100.0 * (1.0 - waited.as_secs_f64() / wall.as_secs_f64()).max(0.0),
            peak_memory_mib()
        )
        .unwrap();
        drop(handle);

        let users = users_from_env("ZROSTER_BENCH_PACED_USERS", 10_000);
        let rounds = users_from_env("ZROSTER_BENCH_PACED_ROUNDS", 8);
        let knobs = Knobs { rate_limit: 700, latency_ms: 50, ..Knobs::default() };
        let (handle, seed) = emulator(users - 1, knobs).await;
        let waiting = std::sync::Arc::new(Waiting::default());
        let client = client(&handle, 1.0, waiting.clone());
        let started = Instant::now();
        for _ in 0..rounds {
            let state = fetch(&client, &query, &NoProgress).await.expect("fetch");
            assert_eq!(state.users.len(), users);
        }
        let wall = started.elapsed();
        let (_, throttled) = *waiting.total.lock().unwrap();
        let requests = client.stats().requests;
        let rate = requests as f64 / wall.as_secs_f64() * 60.0;
        writeln!(
            table,
            "| 50 ms, 700/min, share 1.0, {rounds} fetches | {users} | {:.1} s | {:.1} s | {requests} ({}) | n/a (paced) | {throttled} | {:.0}% ({rate:.0}/min) | {:.0} MiB |",
            seed.as_secs_f64(),
            wall.as_secs_f64(),
            ((users as u64).div_ceil(100) + 5) * rounds as u64,
            100.0 * rate / 700.0,
            peak_memory_mib()
        )
        .unwrap();
        print!("{table}");
    });
}
