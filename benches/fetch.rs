//! Fetch benchmark (issue 4): the live-state fetch against the emulator, `zroster fake` run as
//! a child process so that the client's costs and the emulator's can be told apart.
//!
//! 1. Zero latency, no rate limit in the way: a `ZROSTER_BENCH_USERS`-agent account
//!    (default 100,000), fetched `ZROSTER_BENCH_ROUNDS` times (default 5) by a new client each
//!    time; the run with the median wall time is reported. Reports wall time, requests against the minimum
//!    ([`minimum_requests`]), the client's share of
//!    the wall time, the client's CPU time, the emulator's CPU time and both processes' peak
//!    memory.
//! 2. 50 ms latency, a 700-a-minute limit, share 1.0: `ZROSTER_BENCH_PACED_ROUNDS` (default 8;
//!    0 skips the run) fetches in a row of a `ZROSTER_BENCH_PACED_USERS`-agent account
//!    (default 10,000) by one client, 206 requests each, so the run needs more than a minute
//!    of the limit. Reports the 429s received (target 0) and the average request rate against
//!    the limit (target ≥ 90%).
//!
//! # What "client share" means
//! The time the emulator waits for the client: the part of the fetch's wall time during which
//! no request is in flight (no request sent whose answer has not been read in full), over
//! the wall time. Requests in flight at the same time count once (the union of their
//! intervals), so concurrency cannot push the figure below zero. Work the client does while
//! a request is in flight (decoding the last page while the next one is being served) does
//! not count: the emulator is busy then. The client's CPU time (all its threads,
//! `getrusage`) is reported beside it, as a share of the wall time too, so that overlap cannot
//! hide the client's cost; the emulator's CPU time comes from `/proc/PID/stat`. The machine's
//! cores are shared by both processes (and by anything else running), so the figures move
//! with the load.
//!
//! Peak memory is this process's `VmHWM` (the client; the state file is written line by line
//! so the set-up adds little) and the emulator's.
//!
//! Run with `cargo bench --bench fetch`; prints a Markdown table.

#[path = "support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use zroster::roster::Role;
use zroster::state::{NoProgress, StateQuery, fetch};
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, ReadClient, Secret};

/// The fewest requests a fetch of an account of `users` agents takes: `ceil(users / 100)`
/// pages of users, as many of group memberships (every agent is in the account's default
/// group, as in a real account), and six fixed reads (`users/me`, custom roles,
/// organizations, groups, the account settings, the user fields).
fn minimum_requests(users: usize) -> u64 {
    2 * (users as u64).div_ceil(100) + 6
}

/// Records when each answer was in flight and counts 429s.
#[derive(Default)]
struct Waiting {
    log: Mutex<(Vec<(Instant, Instant)>, u64)>,
}

impl Observer for Waiting {
    fn on_event(&self, event: &ClientEvent<'_>) {
        if let ClientEvent::Response {
            status, elapsed, ..
        } = event
        {
            let now = Instant::now();
            let mut log = self.log.lock().unwrap();
            log.0.push((now.checked_sub(*elapsed).unwrap_or(now), now));
            if *status == 429 {
                log.1 += 1;
            }
        }
    }
}

impl Waiting {
    /// The time within `from..to` covered by at least one request in flight.
    fn in_flight(&self, from: Instant, to: Instant) -> Duration {
        let mut spans = self.log.lock().unwrap().0.clone();
        spans.sort_unstable();
        let mut covered = Duration::ZERO;
        let mut reached = from;
        for (start, end) in spans {
            let start = start.max(reached);
            let end = end.min(to);
            if end > start {
                covered += end - start;
                reached = end;
            }
        }
        covered
    }

    fn throttled(&self) -> u64 {
        self.log.lock().unwrap().1
    }
}

fn users_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `zroster fake` with `agents` agents, serving on a free loopback port.
struct Emulator {
    fake: support::Fake,
    /// How long writing the state and starting the emulator took.
    seed: Duration,
}

impl Emulator {
    fn start(dir: &Path, agents: usize, flags: &[&str]) -> Self {
        let state = dir.join(format!("state-{agents}.json"));
        let mut file = BufWriter::new(std::fs::File::create(&state).expect("state file"));
        write!(file, "{{\"users\":[").expect("write state");
        for i in 0..agents {
            let comma = if i == 0 { "" } else { "," };
            write!(
                file,
                "{comma}{{\"name\":\"Agent {i}\",\"email\":\"agent{i}@example.com\",\"role\":\"agent\"}}"
            )
            .expect("write state");
        }
        write!(file, "]}}").expect("write state");
        file.flush().expect("write state");
        drop(file);
        let started = Instant::now();
        let fake = support::Fake::start(flags, &state);
        Self {
            fake,
            seed: started.elapsed(),
        }
    }

    /// User plus system CPU time so far (`/proc/PID/stat`, in the kernel's fixed 1/100 s).
    fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.fake.pid())).unwrap_or_default();
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
            .sum();
        Duration::from_millis(ticks * 10)
    }

    fn peak_memory_mib(&self) -> f64 {
        support::status_mib(&self.fake.pid(), "VmHWM:")
    }
}

fn connect(base_url: &str, share: f64, observer: std::sync::Arc<Waiting>) -> ReadClient {
    let auth = Auth::ApiToken {
        email: "admin@example.com".to_owned(),
        token: Secret::new("fake-token"),
    };
    let mut settings = ConnectionSettings::new(base_url, auth).expect("loopback URL");
    settings.rate_limit_share = share;
    ReadClient::with_observer(settings, observer).expect("client builds")
}

/// User plus system CPU time of this process so far, all threads.
fn own_cpu() -> Duration {
    getrusage(UsageWho::RUSAGE_SELF).map_or(Duration::ZERO, |usage| {
        let micros = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().unsigned_abs())
                + Duration::from_micros(t.tv_usec().unsigned_abs())
        };
        micros(usage.user_time()) + micros(usage.system_time())
    })
}

/// One zero-latency fetch.
struct Run {
    wall: Duration,
    in_flight: Duration,
    cpu: Duration,
    emulator_cpu: Duration,
    requests: u64,
    throttled: u64,
}

impl Run {
    async fn measure(emulator: &Emulator, query: &StateQuery, users: usize) -> Self {
        let waiting = std::sync::Arc::new(Waiting::default());
        let client = connect(&emulator.fake.url, 1.0, waiting.clone());
        let (cpu_before, emulator_before) = (own_cpu(), emulator.cpu());
        let started = Instant::now();
        let state = fetch(&client, query, &NoProgress).await.expect("fetch");
        let ended = Instant::now();
        let cpu = own_cpu().saturating_sub(cpu_before);
        let emulator_cpu = emulator.cpu().saturating_sub(emulator_before);
        assert_eq!(state.users.len(), users);
        drop(state);
        Self {
            wall: ended - started,
            in_flight: waiting.in_flight(started, ended),
            cpu,
            emulator_cpu,
            requests: client.stats().requests,
            throttled: waiting.throttled(),
        }
    }
}

fn share(part: Duration, whole: Duration) -> f64 {
    100.0 * part.as_secs_f64() / whole.as_secs_f64()
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temporary directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let query = StateQuery { manage_roles: vec![Role::Agent, Role::Admin], ..StateQuery::default() };
        let mut table = String::new();
        writeln!(table, "| run | users | emulator start-up | wall time | requests (minimum) | client share (no request in flight) | client CPU / wall | emulator CPU / wall | 429s | avg rate / limit | peak memory, client | peak memory, emulator |").unwrap();
        writeln!(table, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|").unwrap();

        let users = users_from_env("ZROSTER_BENCH_USERS", 100_000);
        let emulator = Emulator::start(dir.path(), users - 1, &["--rate-limit", "1000000"]);
        // The machine is shared: the median of a few fetches, each by a new client.
        let mut runs = Vec::new();
        for _ in 0..users_from_env("ZROSTER_BENCH_ROUNDS", 5).max(1) {
            runs.push(Run::measure(&emulator, &query, users).await);
        }
        runs.sort_by_key(|run| run.wall);
        let run = &runs[runs.len() / 2];
        let minimum = minimum_requests(users);
        writeln!(
            table,
            "| zero latency, median of {} | {users} | {:.1} s | {:.2} s | {} ({minimum}) | {:.0}% | {:.0}% | {:.0}% | {} | n/a | {:.0} MiB | {:.0} MiB |",
            runs.len(),
            emulator.seed.as_secs_f64(),
            run.wall.as_secs_f64(),
            run.requests,
            share(run.wall.saturating_sub(run.in_flight), run.wall),
            share(run.cpu, run.wall),
            share(run.emulator_cpu, run.wall),
            run.throttled,
            support::status_mib("self", "VmHWM:"),
            emulator.peak_memory_mib(),
        )
        .unwrap();
        drop(emulator);

        let rounds = users_from_env("ZROSTER_BENCH_PACED_ROUNDS", 8);
        if rounds > 0 {
            let users = users_from_env("ZROSTER_BENCH_PACED_USERS", 10_000);
            let emulator = Emulator::start(
                dir.path(),
                users - 1,
                &["--rate-limit", "700", "--latency-ms", "50"],
            );
            let waiting = std::sync::Arc::new(Waiting::default());
            let client = connect(&emulator.fake.url, 1.0, waiting.clone());
            let started = Instant::now();
            for _ in 0..rounds {
                let state = fetch(&client, &query, &NoProgress).await.expect("fetch");
                assert_eq!(state.users.len(), users);
            }
            let wall = started.elapsed();
            let requests = client.stats().requests;
            let rate = requests as f64 / wall.as_secs_f64() * 60.0;
            writeln!(
                table,
                "| 50 ms, 700/min, share 1.0, {rounds} fetches | {users} | {:.1} s | {:.1} s | {requests} ({}) | n/a (paced) | n/a | n/a | {} | {:.0}% ({rate:.0}/min) | {:.0} MiB | {:.0} MiB |",
                emulator.seed.as_secs_f64(),
                wall.as_secs_f64(),
                minimum_requests(users) * rounds as u64,
                waiting.throttled(),
                100.0 * rate / 700.0,
                support::status_mib("self", "VmHWM:"),
                emulator.peak_memory_mib(),
            )
            .unwrap();
        }
        print!("{table}");
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        println!();
        println!(
            "{cores} cores; load average when done: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
    });
}
