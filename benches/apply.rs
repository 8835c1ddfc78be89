//! Apply benchmark (issues 6 and 15): `zapply ROSTER --auto-approve` against the emulator at
//! 50 ms latency, a 700-a-minute limit, share 1.0, the default job speed (50 items a second
//! a job) and job queue (30 jobs), on both settings of bulk imports, side by side with the
//! classic approach ([`baseline`]: one `create_or_update` request per roster user) measured
//! in the same run, and against the physical floor of each roster.
//!
//! The emulator runs as a child process (`zroster fake`, seeded from a state file), and this
//! process runs zapply's own pipeline over loopback HTTP: load the roster, fetch the live
//! state (`state::fetch`), plan (`Planner::build`), render the plan, apply it (`Executor`
//! over a `WriteClient`, with a journal and the convergence check). Its peak memory is
//! therefore zapply's, not the emulator's (the peak is reset before each run).
//!
//! Every roster has one shape: agents, 80% of them in the account (62.5% of those with a
//! stale name: an update), 20% new, and a tenth as many agents the roster does not name
//! (`prune: report`). Sizes 1,000 and 3,000 run with bulk imports on and off, each with the
//! baseline measured once per size (its requests are the same either way: single
//! `create_or_update` is never gated); 10,000 runs with bulk imports on, its baseline
//! computed (14 minutes at the limit).
//!
//! **The floor** of a roster is what the account allows, whatever the client: the larger of
//! - the minimum requests at the account's limit and the run's share: `minimum × 60 s /
//!   (700 × 1.0)`, where the minimum is the fetch's (the formula of `Scenario::fetch_minimum`),
//!   the writes' (one job per 100 creates and per 100 updates; without bulk imports one
//!   request per create, plus the one refused job that tells, since no setting does) and the
//!   convergence check's (one export page per 1,000 users written, above 1,000; one
//!   `show_many` per 100 otherwise); and
//! - the jobs' processing time at the account's job throughput: every job item over
//!   `30 jobs × 50 items a second` (the emulator advances each job at its own speed, up to
//!   30 jobs queued or running).
//!
//! A run that needs fewer requests than a minute allows can beat the floor: Zendesk's windows
//! are whole minutes, so the first 700 requests may go in one burst. The floor is the
//! sustained rate, the yardstick the targets use; the jobs' time is shown beside it.
//!
//! The minimum is also given within one window of the incremental export (10 requests a
//! minute): a run shorter than a minute cannot have the fetch read the export for the new
//! emails and the convergence check read it too when their pages are more than ten
//! together (10,000 users: 10 and 7), so one of them pays in requests
//! (`Scenario::minimum_within_a_window`).
//!
//! Run with `cargo bench --bench apply`; prints Markdown tables. For development,
//! `ZROSTER_BENCH_APPLY_SIZES` picks the runs (users, with `-off` for bulk imports off; the
//! default is `1000,1000-off,3000,3000-off,10000`) and `ZROSTER_BENCH_APPLY_BASELINE=0`
//! skips the baseline.

#[path = "baseline/create_or_update_each.rs"]
mod baseline;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zroster::apply::{ApplyReport, Executor, Journal, Status, UserRead};
use zroster::fake::RequestCounts;
use zroster::plan::Planner;
use zroster::render::{self, Format, RenderOptions};
use zroster::state::{self, NoProgress, StateQuery};
use zroster::zendesk::wire::Fields;
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, Secret, WriteClient};

const LATENCY_MS: u64 = 50;
const RATE_LIMIT: u32 = 700;
const SHARE: f64 = 1.0;
/// The emulator's default job speed: items a second, each job.
const JOB_ITEMS_PER_SECOND: f64 = 50.0;
/// Jobs queued or running the account allows (the emulator's default `max_jobs`).
const ACCOUNT_JOBS: usize = 30;
/// When the account's users were last changed: well before the run.
const LAST_CHANGED: &str = "2026-01-05T09:00:00Z";
/// Items a bulk request carries at most, and users a listing or `show_many` page holds.
const PAGE: usize = 100;
/// Users an incremental-export page holds.
const EXPORT_PAGE: usize = 1000;

/// The shape of one run: roster users `0..roster` are agents; the account holds `0..existing`
/// of them (`0..changed` with a stale name) plus `unmanaged` agents the roster does not name.
#[derive(Clone, Copy)]
struct Scenario {
    roster: usize,
    existing: usize,
    changed: usize,
    unmanaged: usize,
    bulk_imports: bool,
}

impl Scenario {
    /// The benchmark's shape at `roster` users.
    fn of(roster: usize, bulk_imports: bool) -> Self {
        Self {
            roster,
            existing: roster * 8 / 10,
            changed: roster / 2,
            unmanaged: roster / 10,
            bulk_imports,
        }
    }

    fn new_users(self) -> usize {
        self.roster - self.existing
    }

    fn setting(self) -> &'static str {
        if self.bulk_imports { "on" } else { "off" }
    }

    /// Every roster user in Zendesk's wire shape.
    fn roster_users(self) -> Vec<Fields> {
        (0..self.roster)
            .map(|i| {
                let user = json!({
                    "name": format!("Person {i}"), "email": format!("p{i}@example.com"),
                    "external_id": format!("emp-{i}"), "role": "agent"
                });
                user.as_object().cloned().unwrap_or_default()
            })
            .collect()
    }

    fn roster_yaml(self) -> String {
        let mut yaml =
            String::from("settings:\n  manage: { roles: [agent] }\n  prune: report\nusers:\n");
        for user in self.roster_users() {
            writeln!(
                yaml,
                "  - {{ name: {}, email: {}, external_id: {}, role: agent }}",
                user["name"].as_str().unwrap_or_default(),
                user["email"].as_str().unwrap_or_default(),
                user["external_id"].as_str().unwrap_or_default(),
            )
            .unwrap();
        }
        yaml
    }

    /// The emulator's state file: the account's users and the knobs.
    fn state(self) -> Value {
        let mut users: Vec<Value> = self.roster_users()[..self.existing]
            .iter()
            .enumerate()
            .map(|(i, user)| {
                let mut user = user.clone();
                if i < self.changed {
                    user.insert("name".to_owned(), json!(format!("Person {i} (old name)")));
                }
                // An account's users were last changed before the run, not all in the minute
                // before it (what the convergence check's incremental export returns).
                user.insert("updated_at".to_owned(), json!(LAST_CHANGED));
                Value::Object(user)
            })
            .collect();
        users.extend((0..self.unmanaged).map(|j| {
            json!({"name": format!("Unmanaged {j}"), "email": format!("u{j}@example.com"),
                   "external_id": format!("other-{j}"), "role": "agent",
                   "updated_at": LAST_CHANGED})
        }));
        json!({"account": {"latency_ms": LATENCY_MS, "rate_limit": RATE_LIMIT,
                           "bulk_imports": self.bulk_imports}, "users": users})
    }

    /// The fewest requests the fetch can make for this account and roster: `users/me`, the
    /// in-scope agents by role (100 a page), the admins (one page), the roster users not
    /// listed by external id (100 a request), their emails (count plus incremental export,
    /// 1000 a page, when that beats one search each), one page each of custom roles, groups
    /// and organizations, the group memberships (every agent is in the default group, as in
    /// a real account: 100 a page), the account settings and the user fields.
    fn fetch_minimum(self) -> usize {
        let account_users = self.existing + self.unmanaged + 1;
        let export = 1 + account_users.div_ceil(EXPORT_PAGE);
        1 + (self.existing + self.unmanaged).div_ceil(PAGE)
            + 1
            + self.new_users().div_ceil(PAGE)
            + export.min(self.new_users())
            + 3
            + account_users.div_ceil(PAGE)
            + 2
    }

    /// The writes' fewest requests: a job per 100 creates and per 100 updates; without bulk
    /// imports a request per create, and the refused job that tells (no setting does).
    fn writes_minimum(self) -> usize {
        let creates = if self.bulk_imports {
            self.new_users().div_ceil(PAGE)
        } else {
            1 + self.new_users()
        };
        creates + self.changed.div_ceil(PAGE)
    }

    /// The convergence check's fewest requests: an export page per 1,000 users written
    /// when it may read the export (above 1,000), a `show_many` per 100 otherwise.
    fn check_minimum(self) -> usize {
        let written = self.new_users() + self.changed;
        if written > EXPORT_PAGE {
            written.div_ceil(EXPORT_PAGE)
        } else {
            written.div_ceil(PAGE)
        }
    }

    fn minimum(self) -> usize {
        self.fetch_minimum() + self.writes_minimum() + self.check_minimum()
    }

    /// The fewest requests of a run that reads the incremental export at most 10 times (one
    /// window; a run shorter than a minute has no other): the fetch's email lookup (count
    /// and pages, or one search an email) and the convergence check (its pages, or
    /// `show_many`) may not both take the export when their pages together are more than
    /// ten. [`Scenario::minimum`] ignores the window (a run of two minutes or more).
    fn minimum_within_a_window(self) -> usize {
        let account_users = self.existing + self.unmanaged + 1;
        let fetch_pages = account_users.div_ceil(EXPORT_PAGE);
        let fetch_export = 1 + fetch_pages;
        let fetch_rest = self.fetch_minimum() - fetch_export.min(self.new_users());
        let written = self.new_users() + self.changed;
        let mut lookups = vec![(self.new_users(), 0)];
        if fetch_export < self.new_users() {
            lookups.push((fetch_export, fetch_pages));
        }
        let mut checks = vec![(written.div_ceil(PAGE), 0)];
        if written > EXPORT_PAGE {
            checks.push((written.div_ceil(EXPORT_PAGE), written.div_ceil(EXPORT_PAGE)));
        }
        let mut best = usize::MAX;
        for &(lookup, lookup_pages) in &lookups {
            for &(check, check_pages) in &checks {
                if lookup_pages + check_pages <= 10 {
                    best = best.min(fetch_rest + lookup + self.writes_minimum() + check);
                }
            }
        }
        best
    }

    /// Job items: the updates, and the creates when they go in jobs.
    fn job_items(self) -> usize {
        self.changed
            + if self.bulk_imports {
                self.new_users()
            } else {
                0
            }
    }

    /// The floor: (minimum requests at the limit and share, jobs at the account's job
    /// throughput); the floor is the larger.
    fn floor(self) -> (Duration, Duration) {
        let requests = self.minimum() as f64 * 60.0 / (f64::from(RATE_LIMIT) * SHARE);
        let jobs = self.job_items() as f64 / (ACCOUNT_JOBS as f64 * JOB_ITEMS_PER_SECOND);
        (
            Duration::from_secs_f64(requests),
            Duration::from_secs_f64(jobs),
        )
    }

    fn floor_max(self) -> Duration {
        let (requests, jobs) = self.floor();
        requests.max(jobs)
    }
}

/// The emulator of one scenario: `zroster fake` seeded with its state.
fn emulator(dir: &Path, name: &str, state: &Value) -> support::Fake {
    let path = dir.join(format!("{name}-state.json"));
    std::fs::write(&path, serde_json::to_vec(state).expect("state serialises"))
        .expect("state file written");
    support::Fake::start(&[], &path)
}

/// The emulator's request counters (`/__fake/requests`).
async fn requests(emulator: &support::Fake) -> RequestCounts {
    let url = format!("{}/__fake/requests", emulator.url);
    match reqwest::get(&url).await {
        Ok(answer) => answer.json().await.unwrap_or_default(),
        Err(_) => RequestCounts::default(),
    }
}

/// The client's observer: forwards to the journal (as zapply's does) and records the waits
/// on the limit as intervals and the 429s.
struct Recorder {
    journal: Option<Arc<Journal>>,
    started: Instant,
    recorded: Mutex<(Vec<(Duration, Duration)>, u64)>,
}

impl Recorder {
    fn new(journal: Option<Arc<Journal>>) -> Self {
        Self {
            journal,
            started: Instant::now(),
            recorded: Mutex::new((Vec::new(), 0)),
        }
    }

    /// Wall time within `window` (since start) during which at least one request waited on
    /// the limit.
    fn limit_wait(&self, window: Range<Duration>) -> Duration {
        let mut waits = self.recorded.lock().unwrap().0.clone();
        waits.sort();
        let mut total = Duration::ZERO;
        let mut covered = window.start;
        for (from, to) in waits {
            let (from, to) = (from.max(covered), to.min(window.end));
            if to > from {
                total += to.saturating_sub(from);
                covered = to;
            }
        }
        total
    }

    fn throttled(&self) -> u64 {
        self.recorded.lock().unwrap().1
    }
}

impl Observer for Recorder {
    fn on_event(&self, event: &ClientEvent<'_>) {
        let now = self.started.elapsed();
        {
            let mut recorded = self.recorded.lock().unwrap();
            match event {
                ClientEvent::Paced { wait } => recorded.0.push((now, now + *wait)),
                ClientEvent::Retry { reason, wait, .. } if reason.starts_with("429") => {
                    recorded.0.push((now, now + *wait));
                }
                ClientEvent::Response { status: 429, .. } => recorded.1 += 1,
                _ => {}
            }
        }
        if let Some(journal) = &self.journal {
            journal.on_event(event);
        }
    }
}

fn client(url: &str, observer: Arc<Recorder>) -> WriteClient {
    let auth = Auth::ApiToken {
        email: "admin@example.com".to_owned(),
        token: Secret::new("fake-token"),
    };
    let mut settings = ConnectionSettings::new(url, auth).expect("loopback URL");
    settings.rate_limit_share = SHARE;
    WriteClient::with_observer(settings, observer).expect("client builds")
}

/// What one zapply run did.
struct Run {
    scenario: Scenario,
    fetch_requests: u64,
    report: ApplyReport,
    apply_writes: BTreeMap<String, u64>,
    fetch_wall: Duration,
    plan_wall: Duration,
    apply_wall: Duration,
    job_wait: Duration,
    limit_wait: Duration,
    throttled: u64,
    emulator: RequestCounts,
    peak_mib: f64,
}

impl Run {
    fn wall(&self) -> Duration {
        self.fetch_wall + self.plan_wall + self.apply_wall
    }

    /// Requests, job polls aside.
    fn requests(&self) -> u64 {
        self.fetch_requests + self.report.requests
    }

    fn all_requests(&self) -> u64 {
        self.requests() + self.report.job_polls
    }

    fn throttled(&self) -> u64 {
        let counted = self.emulator.by_status.get("429").copied().unwrap_or(0);
        self.throttled.max(counted)
    }
}

/// `zapply ROSTER --auto-approve`, step for step, against a fresh emulator of `scenario`.
async fn zapply(dir: &Path, scenario: Scenario) -> Run {
    let name = format!("{}-{}", scenario.roster, scenario.setting());
    let roster = dir.join(format!("{name}-roster.yaml"));
    std::fs::write(&roster, scenario.roster_yaml()).expect("roster written");
    let emulator = emulator(dir, &name, &scenario.state());
    let journal = Arc::new(Journal::create(&dir.join(format!("{name}-journal.jsonl"))));
    let recorder = Arc::new(Recorder::new(Some(journal.clone())));
    let client = client(&emulator.url, recorder.clone());
    // Only what zapply itself holds counts: the roster file is already written.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let loaded = zroster::roster::load(&[roster]);
    let query = StateQuery::from_roster(&loaded.roster);
    let live = state::fetch(&client, &query, &NoProgress)
        .await
        .expect("fetch");
    let fetch_wall = started.elapsed();
    let planning = Instant::now();
    let plan = Planner::build(&loaded.roster, &live, &loaded.roster.digest);
    let _ = render::renderer(Format::Human, RenderOptions::default())
        .render(&plan, &mut std::io::sink());
    let plan_wall = planning.elapsed();
    let before = client.stats();
    let applying = Instant::now();
    let report = Executor::new(&client)
        .with_journal(journal)
        .execute(&plan)
        .await
        .expect("the journal is written");
    let apply_wall = applying.elapsed();
    let peak_mib = support::status_mib("self", "VmHWM:");
    let applied = client.stats().since(&before);
    Run {
        scenario,
        fetch_requests: live.cost.stats.requests,
        apply_writes: applied
            .by_endpoint
            .iter()
            .filter(|(endpoint, _)| !endpoint.starts_with("GET "))
            .map(|(endpoint, n)| (endpoint.clone(), *n))
            .collect(),
        report,
        fetch_wall,
        plan_wall,
        apply_wall,
        job_wait: applied.job_wait,
        limit_wait: recorder.limit_wait(Duration::ZERO..Duration::MAX),
        throttled: recorder.throttled(),
        emulator: requests(&emulator).await,
        peak_mib,
    }
}

/// What one baseline run did.
struct Baseline {
    outcome: baseline::Outcome,
    requests: u64,
    throttled: u64,
    peak_mib: f64,
}

/// The baseline against a fresh emulator of `scenario`.
async fn baseline_run(dir: &Path, scenario: Scenario) -> Baseline {
    let emulator = emulator(
        dir,
        &format!("baseline-{}", scenario.roster),
        &scenario.state(),
    );
    let recorder = Arc::new(Recorder::new(None));
    let client = client(&emulator.url, recorder.clone());
    let users = scenario.roster_users();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let outcome = baseline::run(&client, &users).await;
    let peak_mib = support::status_mib("self", "VmHWM:");
    let counted = requests(&emulator).await;
    let throttled = counted.by_status.get("429").copied().unwrap_or(0);
    Baseline {
        outcome,
        requests: client.stats().requests,
        throttled: recorder.throttled().max(throttled),
        peak_mib,
    }
}

/// The runs to make: `(users, bulk imports)`.
fn sizes() -> Vec<(usize, bool)> {
    let named = std::env::var("ZROSTER_BENCH_APPLY_SIZES")
        .unwrap_or_else(|_| "1000,1000-off,3000,3000-off,10000".to_owned());
    named
        .split(',')
        .filter_map(|size| {
            let (users, off) = match size.trim().strip_suffix("-off") {
                Some(users) => (users, true),
                None => (size.trim(), false),
            };
            Some((users.parse().ok()?, !off))
        })
        .collect()
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temporary directory");
    let with_baseline = std::env::var("ZROSTER_BENCH_APPLY_BASELINE").as_deref() != Ok("0");
    let mut out = String::new();
    writeln!(
        out,
        "load average (1, 5, 15 min) at the start: {}; emulator: `zroster fake` child process, {LATENCY_MS} ms latency, {RATE_LIMIT}/min, {JOB_ITEMS_PER_SECOND} items/s a job, {ACCOUNT_JOBS} jobs; client share {SHARE}\n",
        load()
    )
    .unwrap();
    runtime.block_on(async {
        let mut runs = Vec::new();
        let mut baselines: BTreeMap<usize, Baseline> = BTreeMap::new();
        for (users, bulk) in sizes() {
            let run = zapply(dir.path(), Scenario::of(users, bulk)).await;
            eprintln!(
                "zapply {users} ({}): {:.1} s",
                run.scenario.setting(),
                run.wall().as_secs_f64()
            );
            runs.push(run);
            if with_baseline && users <= 3_000 && !baselines.contains_key(&users) {
                let measured = baseline_run(dir.path(), Scenario::of(users, bulk)).await;
                eprintln!(
                    "baseline {users}: {:.1} s",
                    measured.outcome.wall.as_secs_f64()
                );
                baselines.insert(users, measured);
            }
        }
        write_table(&mut out, &runs, &baselines);
        for run in runs.iter().filter(|r| r.scenario.roster >= 10_000) {
            write_detail(&mut out, run);
        }
    });
    writeln!(out, "load average at the end: {}", load()).unwrap();
    print!("{out}");
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn write_table(out: &mut String, runs: &[Run], baselines: &BTreeMap<usize, Baseline>) {
    writeln!(
        out,
        "| users | bulk imports | approach | requests (polls aside) | minimum | × minimum | job polls | wall time | floor (requests; jobs) | × floor | 429s | peak memory |"
    )
    .unwrap();
    writeln!(
        out,
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    .unwrap();
    let mut verdicts = String::new();
    for run in runs {
        let s = run.scenario;
        let (by_requests, by_jobs) = s.floor();
        let floor = s.floor_max();
        let minimum = s.minimum();
        let windowed = s.minimum_within_a_window();
        writeln!(
            out,
            "| {} | {} | zapply | {} | {minimum} ({windowed}) | {:.2}× ({:.2}×) | {} | {} | {} ({}; {}) | {:.2}× | {} | {:.0} MiB |",
            s.roster,
            s.setting(),
            run.requests(),
            run.requests() as f64 / minimum as f64,
            run.requests() as f64 / windowed as f64,
            run.report.job_polls,
            secs(run.wall()),
            secs(floor),
            secs(by_requests),
            secs(by_jobs),
            run.wall().as_secs_f64() / floor.as_secs_f64(),
            run.throttled(),
            run.peak_mib,
        )
        .unwrap();
        let failed = run.report.count(Status::Failed) + run.report.count(Status::Unresolved);
        if failed > 0 || !run.report.diverged.is_empty() {
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: {failed} failed or unresolved, {} diverged",
                s.roster,
                s.setting(),
                run.report.diverged.len()
            )
            .unwrap();
        }
        if let Some(base) = baselines.get(&s.roster) {
            let wall = base.outcome.wall;
            writeln!(
                out,
                "| {} | {} | one request per user | {} | | | | {} | {} | {:.2}× | {} | {:.0} MiB |",
                s.roster,
                s.setting(),
                base.requests,
                secs(wall),
                secs(floor),
                wall.as_secs_f64() / floor.as_secs_f64(),
                base.throttled,
                base.peak_mib,
            )
            .unwrap();
            let faster = wall.as_secs_f64() / run.wall().as_secs_f64();
            let fewer = base.requests as f64 / run.all_requests() as f64;
            let (wall_target, requests_target) = if s.bulk_imports {
                (faster >= 20.0, fewer >= 30.0)
            } else {
                (faster >= 1.0, fewer >= 3.0)
            };
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: the per-user baseline took {faster:.1}× zapply's wall time ({}) and made {fewer:.1}× its requests, job polls included ({}); {} failed",
                s.roster,
                s.setting(),
                if s.bulk_imports { "target ≥ 20×" } else { "target ≥ 1×, never slower" }.to_owned()
                    + ": " + pass(wall_target),
                if s.bulk_imports { "target ≥ 30×" } else { "target ≥ 3×" }.to_owned()
                    + ": " + pass(requests_target),
                base.outcome.failed,
            )
            .unwrap();
        } else if s.roster >= 10_000 {
            let computed = Duration::from_secs_f64(s.roster as f64 * 60.0 / f64::from(RATE_LIMIT));
            writeln!(
                out,
                "| {} | {} | one request per user, **computed** (requests / limit) | {} | | | | {} | {} | {:.2}× | | |",
                s.roster,
                s.setting(),
                s.roster,
                secs(computed),
                secs(floor),
                computed.as_secs_f64() / floor.as_secs_f64(),
            )
            .unwrap();
            let ratio = run.requests() as f64 / minimum as f64;
            let windowed = run.requests() as f64 / windowed as f64;
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: wall {:.2}× floor (target ≤ 1.5×: {}); requests {:.2}× the minimum ignoring the export's window (target ≤ 1.10×: {}), {windowed:.2}× the minimum within one window ({}); {} 429s (target 0: {}); computed baseline / zapply: wall {:.0}×, requests {:.0}× (polls included)",
                s.roster,
                s.setting(),
                run.wall().as_secs_f64() / floor.as_secs_f64(),
                pass(run.wall() <= floor.mul_f64(1.5)),
                ratio,
                pass(ratio <= 1.10),
                pass(windowed <= 1.10),
                run.throttled(),
                pass(run.throttled() == 0),
                computed.as_secs_f64() / run.wall().as_secs_f64(),
                s.roster as f64 / run.all_requests() as f64,
            )
            .unwrap();
        }
    }
    writeln!(out, "\n{verdicts}").unwrap();
}

fn write_detail(out: &mut String, run: &Run) {
    let s = run.scenario;
    let writes = run
        .apply_writes
        .iter()
        .map(|(endpoint, n)| format!("{n} `{endpoint}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let rereads = run.report.requests - run.apply_writes.values().sum::<u64>();
    writeln!(
        out,
        "### {} users, bulk imports {}: {} in the account ({} to update), {} new, {} unmanaged\n",
        s.roster,
        s.setting(),
        s.existing,
        s.changed,
        s.new_users(),
        s.unmanaged
    )
    .unwrap();
    writeln!(out, "| measure | value |\n|---|---|").unwrap();
    writeln!(
        out,
        "| requests, job polls aside | {} = fetch {} + apply {} ({writes}; {rereads} reads: the convergence check and any settling) |",
        run.requests(),
        run.fetch_requests,
        run.report.requests
    )
    .unwrap();
    writeln!(
        out,
        "| minimum | {} = fetch {} + writes {} + convergence check {}, ignoring the export's window; {} within one window (10 export pages) |",
        s.minimum(),
        s.fetch_minimum(),
        s.writes_minimum(),
        s.check_minimum(),
        s.minimum_within_a_window()
    )
    .unwrap();
    writeln!(
        out,
        "| job polls | {} `job_statuses/show_many` for {} jobs |",
        run.report.job_polls, run.report.jobs
    )
    .unwrap();
    if let Some(reads) = run.report.read_back {
        let how = match reads.read {
            UserRead::ShowMany => "`users/show_many`",
            UserRead::IncrementalExport => "the incremental export",
        };
        writeln!(
            out,
            "| convergence check | {} users read back with {how}: {} `show_many` requests, or {} export pages after a {:.1} s wait for the export's window; a request costs {} ms at the run's share |",
            reads.users,
            reads.show_many_requests,
            reads.export_pages,
            reads.export_wait_ms as f64 / 1000.0,
            reads.request_ms
        )
        .unwrap();
    }
    writeln!(
        out,
        "| wall time | {} = load and fetch {} + plan and render {:.2} s + apply {} |",
        secs(run.wall()),
        secs(run.fetch_wall),
        run.plan_wall.as_secs_f64(),
        secs(run.apply_wall)
    )
    .unwrap();
    writeln!(
        out,
        "| jobs in flight (wall time with a job on the board) | {} |",
        secs(run.job_wait)
    )
    .unwrap();
    writeln!(
        out,
        "| waiting on the limit (pacing, `Retry-After`) | {} |",
        secs(run.limit_wait)
    )
    .unwrap();
    writeln!(
        out,
        "| results | {} applied, {} failed, {} unresolved, {} diverged |",
        run.report.count(Status::Applied),
        run.report.count(Status::Failed),
        run.report.count(Status::Unresolved),
        run.report.diverged.len()
    )
    .unwrap();
    writeln!(
        out,
        "| emulator's count of all requests | {} (client: {}) |\n",
        run.emulator.total,
        run.all_requests()
    )
    .unwrap();
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}
