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
//!   (700 × 1.0)`, where the minimum is the fetch's (`Scenario::fetch_minimum`: its fixed
//!   reads, and the cheaper way to look up the new users' emails and check them for another
//!   user's secondary address: searches of 100 addresses and a page of the export's last
//!   minutes, or the export of the account then searches), the writes' (one job per 100
//!   creates and per 100 updates; without bulk imports one request per create, plus the one
//!   refused job that tells, since no setting does) and the convergence check's (one export
//!   page per 1,000 users written, above 1,000; one `show_many` per 100 otherwise); and
//! - the jobs' processing time at the account's job throughput: every job item over
//!   `30 jobs × 50 items a second` (the emulator advances each job at its own speed, up to
//!   30 jobs queued or running).
//!
//! A run that needs fewer requests than a minute allows can beat the floor: Zendesk's windows
//! are whole minutes, so the first 700 requests may go in one burst. The floor is the
//! sustained rate, the yardstick the targets use; the jobs' time is shown beside it.
//!
//! The minimum is also given within one window of the incremental export (10 requests a
//! minute): a run shorter than a minute cannot have the fetch read the export and the
//! convergence check read it too when their pages are more than ten together (10,000 users:
//! 10 and 7), so one of them pays in requests (`Scenario::minimum_within_a_window`).
//!
//! Run with `cargo bench --bench apply`; prints Markdown tables. For development,
//! `ZROSTER_BENCH_APPLY_SIZES` picks the runs (users, with `-off` for bulk imports off; the
//! default is `1000,1000-off,3000,3000-off,10000`) and `ZROSTER_BENCH_APPLY_BASELINE=0`
//! skips the baseline.

#[path = "baseline/create_or_update_each.rs"]
mod baseline;
#[path = "apply/scenario.rs"]
mod scenario;
#[path = "support/mod.rs"]
mod support;
#[path = "apply/tables.rs"]
mod tables;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use zroster::apply::{ApplyReport, Executor, Journal};
use zroster::fake::RequestCounts;
use zroster::plan::Planner;
use zroster::render::{self, Format, RenderOptions};
use zroster::state::{self, EmailLookup, NoProgress, StateQuery};
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, Secret, WriteClient};

use scenario::{ACCOUNT_JOBS, JOB_ITEMS_PER_SECOND, LATENCY_MS, RATE_LIMIT, SHARE, Scenario};

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
    /// The fetch's choice of email lookup, with what each way was to cost.
    lookup: Option<EmailLookup>,
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
    let query = StateQuery::for_apply(&loaded.roster);
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
        lookup: live.cost.email_lookup,
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
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
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
        tables::write_table(&mut out, &runs, &baselines);
        for run in runs.iter().filter(|r| r.scenario.roster >= 10_000) {
            tables::write_detail(&mut out, run);
        }
    });
    writeln!(out, "load average at the end: {}", load()).unwrap();
    print!("{out}");
}
