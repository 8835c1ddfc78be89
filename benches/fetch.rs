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
//! 3. A small roster (issue 15), acme-like: an account of an admin, 10 agents and 40 end
//!    users last changed long ago; a roster of the 11 staff, 15 end users and 8 new people
//!    known by email only, and an address an end user holds as a secondary one. Fetched
//!    `ZROSTER_BENCH_ROUNDS` times; requests against [`minimum_small`]. Then the same
//!    account with every user changed a moment ago: the search index may not show them yet,
//!    so no canary proves a batched answer complete and every email is searched alone (the
//!    fetch before issue 15).
//! 4. `zplan --sandbox` of a `ZROSTER_BENCH_SANDBOX_USERS`-agent state (default 100,000;
//!    0 skips), the real binary: as a state without limits runs now, and, unless
//!    `ZROSTER_BENCH_SANDBOX_PACED=0`, with the state setting the 700 a minute the sandbox
//!    paced to before issue 15. Wall time, CPU and peak memory of the zplan process (the
//!    emulator runs inside it), requests from its fetch line. Its roster names no `groups`,
//!    so the memberships are not listed (runs 1 to 3 list them, as for a roster that does).
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
/// pages of users, as many of group memberships when the roster manages groups (every
/// agent is in the account's default group, as in a real account), and six fixed reads
/// (`users/me`, custom roles, organizations, groups, the account settings, the user
/// fields).
fn minimum_requests(users: usize, groups: bool) -> u64 {
    (1 + u64::from(groups)) * (users as u64).div_ceil(100) + 6
}

/// The fewest requests the small roster's fetch takes: the six fixed reads, a page of the
/// 11 staff and one of their group memberships, one search for the 24 emails no listing
/// showed, one for the 9 that are nobody's primary address (the secondary-address check) and
/// the identities of the one user holding one of them.
const MINIMUM_SMALL: u64 = 6 + 1 + 1 + 1 + 1 + 1;

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
        let state = agents_state(dir, agents, None);
        let started = Instant::now();
        let fake = support::Fake::start(flags, &state);
        Self {
            fake,
            seed: started.elapsed(),
        }
    }

    /// User plus system CPU time so far.
    fn cpu(&self) -> Duration {
        cpu_of(&self.fake.pid())
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

/// The small roster's account: an admin, 10 agents and 40 end users (end user 3 also holds
/// `second@example.com`), last changed at `updated_at` (`None`: as the emulator starts).
fn small_state(dir: &Path, updated_at: Option<&str>) -> std::path::PathBuf {
    let mut users = vec![serde_json::json!({"id": 1, "name": "Admin",
        "email": "admin@example.com", "role": "admin", "updated_at": updated_at})];
    for i in 0..10 {
        users.push(
            serde_json::json!({"id": 1001 + i, "name": format!("Agent {i}"),
            "email": format!("agent{i}@example.com"), "role": "agent", "updated_at": updated_at}),
        );
    }
    for i in 0..40 {
        users.push(
            serde_json::json!({"id": 50001 + i, "name": format!("Customer {i}"),
            "email": format!("customer{i}@example.com"), "role": "end-user",
            "updated_at": updated_at}),
        );
    }
    let state = serde_json::json!({"users": users,
        "identities": [{"user_id": 50004, "value": "second@example.com"}]});
    if updated_at.is_none() {
        for user in &mut users {
            user.as_object_mut()
                .expect("an object")
                .remove("updated_at");
        }
    }
    let path = dir.join(format!("small-{}.json", updated_at.is_some()));
    std::fs::write(&path, state.to_string()).expect("state file");
    path
}

/// The small roster: the 11 staff, 15 end users and 8 new people by email, and the address
/// end user 3 holds as a secondary one.
fn small_query() -> StateQuery {
    let mut users: Vec<(Option<String>, Option<String>)> =
        vec![(None, Some("admin@example.com".into()))];
    users.extend((0..10).map(|i| (None, Some(format!("agent{i}@example.com")))));
    users.extend((0..15).map(|i| (None, Some(format!("customer{i}@example.com")))));
    users.extend((0..8).map(|i| (None, Some(format!("new{i}@example.com")))));
    users.push((None, Some("second@example.com".into())));
    StateQuery {
        manage_roles: vec![Role::Agent, Role::Admin],
        users,
        group_memberships: true,
        ..StateQuery::default()
    }
}

/// The median of `rounds` fetches of the small roster against `state`: wall time and
/// requests (the same every round).
async fn small_roster(state: &Path, rounds: usize) -> (Duration, u64) {
    let fake = support::Fake::start(&[], state);
    let mut walls = Vec::new();
    let mut requests = 0;
    for _ in 0..rounds.max(1) {
        let client = connect(&fake.url, 0.5, std::sync::Arc::new(Waiting::default()));
        let started = Instant::now();
        let live = fetch(&client, &small_query(), &NoProgress)
            .await
            .expect("fetch");
        walls.push(started.elapsed());
        assert_eq!(
            live.secondary_emails.len(),
            1,
            "the secondary address's owner"
        );
        requests = client.stats().requests;
    }
    walls.sort();
    (walls[walls.len() / 2], requests)
}

/// One `zplan --sandbox` run: wall time, CPU time and peak memory of the process, and the
/// requests its fetch line reports.
struct Sandboxed {
    wall: Duration,
    cpu: Duration,
    peak_mib: f64,
    requests: u64,
    line: String,
}

fn zplan_sandbox(state: &Path, roster: &Path) -> Sandboxed {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zplan"))
        .arg("--sandbox")
        .arg(state)
        .arg(roster)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zplan starts");
    let pid = child.id().to_string();
    // The peak and the CPU time as last read before the process ended (every 20 ms).
    let (mut peak_mib, mut cpu) = (0.0_f64, Duration::ZERO);
    while child.try_wait().expect("zplan runs").is_none() {
        peak_mib = peak_mib.max(support::status_mib(&pid, "VmHWM:"));
        cpu = cpu.max(cpu_of(&pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = started.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("zplan's standard error");
    let line = stderr.lines().next().unwrap_or_default().to_owned();
    let requests = line
        .split(" with ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no request count in {stderr}"));
    Sandboxed {
        wall,
        cpu,
        peak_mib,
        requests,
        line,
    }
}

/// User plus system CPU time of process `pid` so far (`/proc/PID/stat`, in the kernel's
/// fixed 1/100 s).
fn cpu_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
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

/// A state file of `agents` agents (written line by line, so the set-up adds little to this
/// process's memory), with `account` (JSON) when given.
fn agents_state(dir: &Path, agents: usize, account: Option<&str>) -> std::path::PathBuf {
    let path = dir.join(format!("state-{agents}-{}.json", account.is_some()));
    let mut file = BufWriter::new(std::fs::File::create(&path).expect("state file"));
    write!(file, "{{").expect("write state");
    if let Some(account) = account {
        write!(file, "\"account\":{account},").expect("write state");
    }
    write!(file, "\"users\":[").expect("write state");
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
    path
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
        let query = StateQuery { manage_roles: vec![Role::Agent, Role::Admin], group_memberships: true, ..StateQuery::default() };
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
        let minimum = minimum_requests(users, true);
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
                minimum_requests(users, true) * rounds as u64,
                waiting.throttled(),
                100.0 * rate / 700.0,
                support::status_mib("self", "VmHWM:"),
                emulator.peak_memory_mib(),
            )
            .unwrap();
        }
        let rounds = users_from_env("ZROSTER_BENCH_ROUNDS", 5);
        for (label, updated_at) in [
            ("small roster, 35 users by email, 9 new (median of {rounds})", Some("2020-01-01T00:00:00Z")),
            ("the same, every user changed a moment ago: no canaries, one search an email", None),
        ] {
            let state = small_state(dir.path(), updated_at);
            let (wall, requests) = small_roster(&state, rounds).await;
            writeln!(
                table,
                // This process's peak is the large fetch's: no figure of its own.
                "| {} | 51 | n/a | {:.3} s | {requests} ({MINIMUM_SMALL}) | n/a | n/a | n/a | 0 | n/a | n/a | n/a |",
                label.replace("{rounds}", &rounds.to_string()),
                wall.as_secs_f64(),
            )
            .unwrap();
        }

        let agents = users_from_env("ZROSTER_BENCH_SANDBOX_USERS", 100_000);
        if agents > 0 {
            // No `groups`: the memberships are not listed.
            let roster = dir.path().join("sandbox-roster.yaml");
            std::fs::write(
                &roster,
                "settings:\n  manage: { roles: [agent, admin] }\nusers:\n  - { name: Agent 0, email: agent0@example.com, role: agent }\n",
            )
            .expect("roster file");
            let mut runs = vec![("`zplan --sandbox`, a state without limits", None)];
            if users_from_env("ZROSTER_BENCH_SANDBOX_PACED", 1) != 0 {
                runs.push((
                    "`zplan --sandbox`, the state paced at 700 a minute (as before issue 15)",
                    Some("{\"rate_limit\":700}"),
                ));
            }
            for (label, account) in runs {
                // The emulator adds the admin it signs in as.
                let state = agents_state(dir.path(), agents - 1, account);
                let run = zplan_sandbox(&state, &roster);
                writeln!(
                    table,
                    "| {label}, share 0.5 | {agents} | n/a | {:.1} s | {} ({}) | n/a | {:.0}% (zplan, emulator inside) | n/a | n/a | n/a | {:.0} MiB (both) | n/a |",
                    run.wall.as_secs_f64(),
                    run.requests,
                    minimum_requests(agents, false),
                    share(run.cpu, run.wall),
                    run.peak_mib,
                )
                .unwrap();
                eprintln!("{label}: {}", run.line);
            }
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
