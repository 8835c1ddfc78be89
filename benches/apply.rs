//! Apply benchmark (issue 6): `zapply ROSTER --auto-approve` against the emulator at 50 ms
//! latency, a 700-a-minute limit, share 1.0 and the default job speed (50 items a second a
//! job).
//!
//! The emulator runs as a child process (`zroster fake`, seeded from a state file), and this
//! process runs zapply's own pipeline over loopback HTTP: load the roster, fetch the live
//! state (`state::fetch`), plan (`Planner::build`), render the plan, apply it (`Executor`
//! over a `WriteClient`, with a journal). Its peak memory is therefore zapply's, not the
//! emulator's.
//!
//! 1. A 10,000-agent roster against an account holding 8,000 of them (5,000 with a stale
//!    name, so they need an update) and 1,000 agents the roster does not name (reported as
//!    drift, `prune: report`); 2,000 roster users are new. Reports the requests made, job
//!    polls aside, against the minimum (the fetch's pages plus `ceil(creates / 100)` plus
//!    `ceil(updates / 100)`; target ≤ 1.15×), the job polls, the 429s (target 0), the wall
//!    time with what of it went to waiting on jobs and on the limit, and peak memory.
//! 2. The same shape at a tenth of the size (1,000 roster users: 200 new, 500 changed; 100
//!    unmanaged agents), side by side with the classic approach
//!    ([`baseline`]: one `create_or_update` request per roster user), each on a freshly
//!    seeded emulator in this run; and the baseline's floor for the 10,000-user roster,
//!    computed from its request count and the limit.
//!
//! Run with `cargo bench --bench apply`; prints Markdown tables.

#[path = "baseline/create_or_update_each.rs"]
mod baseline;
#[path = "support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zroster::apply::{ApplyReport, Executor, Journal, Status};
use zroster::fake::RequestCounts;
use zroster::plan::{Action, Kind, Planner};
use zroster::render::{self, Format, RenderOptions};
use zroster::state::{self, NoProgress, StateQuery};
use zroster::zendesk::wire::Fields;
use zroster::zendesk::{Auth, ClientEvent, ConnectionSettings, Observer, Secret, WriteClient};

const LATENCY_MS: u64 = 50;
const RATE_LIMIT: u32 = 700;
/// When the account's users were last changed: well before the run.
const LAST_CHANGED: &str = "2026-01-05T09:00:00Z";
/// Items a bulk request carries at most, and users a listing page holds.
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
}

impl Scenario {
    fn new_users(self) -> usize {
        self.roster - self.existing
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
        // Bulk imports on, as an account of this size asks Zendesk for (they are off by
        // default; creating with one request a user is issue 15's subject).
        json!({"account": {"latency_ms": LATENCY_MS, "rate_limit": RATE_LIMIT, "bulk_imports": true}, "users": users})
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

    /// The minimum of issue 6: fetch pages plus one job per 100 creates and per 100 updates.
    fn minimum(self) -> usize {
        self.fetch_minimum() + self.new_users().div_ceil(PAGE) + self.changed.div_ceil(PAGE)
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
/// on the limit as intervals, the 429s, and the outstanding jobs of every poll round.
struct Recorder {
    journal: Option<Arc<Journal>>,
    started: Instant,
    recorded: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    /// Waits on the limit (pacing, export spacing, `Retry-After`), from and to, since start.
    limit_waits: Vec<(Duration, Duration)>,
    throttled: u64,
    poll_rounds: u64,
    /// Outstanding jobs summed over poll rounds: the polls one request per job would take.
    polled_jobs: u64,
}

impl Recorder {
    fn new(journal: Option<Arc<Journal>>) -> Self {
        Self {
            journal,
            started: Instant::now(),
            recorded: Mutex::new(Recorded::default()),
        }
    }

    /// Wall time within `window` (since start) during which at least one request waited on
    /// the limit.
    fn limit_wait(&self, window: Range<Duration>) -> Duration {
        let mut waits = self.recorded.lock().unwrap().limit_waits.clone();
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
}

impl Observer for Recorder {
    fn on_event(&self, event: &ClientEvent<'_>) {
        let now = self.started.elapsed();
        {
            let mut recorded = self.recorded.lock().unwrap();
            match event {
                ClientEvent::Paced { wait } => recorded.limit_waits.push((now, now + *wait)),
                ClientEvent::Retry { reason, wait, .. } if reason.starts_with("429") => {
                    recorded.limit_waits.push((now, now + *wait));
                }
                ClientEvent::Response { status: 429, .. } => recorded.throttled += 1,
                ClientEvent::Jobs {
                    finished,
                    submitted,
                    ..
                } if submitted > finished => {
                    recorded.poll_rounds += 1;
                    recorded.polled_jobs += (submitted - finished) as u64;
                }
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
    settings.rate_limit_share = 1.0;
    WriteClient::with_observer(settings, observer).expect("client builds")
}

/// What one zapply run did.
struct Run {
    creates: usize,
    updates: usize,
    drift: usize,
    refused: usize,
    fetch_requests: u64,
    report: ApplyReport,
    apply_writes: Vec<(String, u64)>,
    fetch_wall: Duration,
    plan_wall: Duration,
    apply_wall: Duration,
    job_wait: Duration,
    fetch_limit_wait: Duration,
    apply_limit_wait: Duration,
    throttled: u64,
    poll_rounds: u64,
    polled_jobs: u64,
    emulator: RequestCounts,
    peak_mib: f64,
}

impl Run {
    fn wall(&self) -> Duration {
        self.fetch_wall + self.plan_wall + self.apply_wall
    }

    fn limit_wait(&self) -> Duration {
        self.fetch_limit_wait + self.apply_limit_wait
    }

    fn requests(&self) -> u64 {
        self.fetch_requests + self.report.requests + self.report.job_polls
    }
}

/// `zapply ROSTER --auto-approve`, step for step, against the emulator at `url`.
async fn zapply(url: &str, roster: &Path, journal: &Path) -> Run {
    let journal = Arc::new(Journal::create(journal));
    let recorder = Arc::new(Recorder::new(Some(journal.clone())));
    let client = client(url, recorder.clone());
    // Only what zapply itself holds counts: the roster file is already written.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let loaded = zroster::roster::load(&[roster.to_path_buf()]);
    let live = state::fetch(
        &client,
        &StateQuery::from_roster(&loaded.roster),
        &NoProgress,
    )
    .await
    .expect("fetch");
    let fetch_wall = started.elapsed();
    let fetch_end = recorder.started.elapsed();
    let planning = Instant::now();
    let plan = Planner::build(&loaded.roster, &live, &loaded.roster.digest);
    let _ = render::renderer(Format::Human, RenderOptions::default())
        .render(&plan, &mut std::io::sink());
    let plan_wall = planning.elapsed();
    let before = client.stats();
    let apply_start = recorder.started.elapsed();
    let applying = Instant::now();
    let report = Executor::new(&client)
        .with_journal(journal)
        .execute(&plan)
        .await
        .expect("the journal is written");
    let apply_wall = applying.elapsed();
    let peak_mib = support::status_mib("self", "VmHWM:");
    let applied = client.stats().since(&before);
    let users = |action: Action| {
        plan.applicable()
            .filter(|c| c.kind == Kind::User && c.action == action)
            .count()
    };
    let fetch_limit_wait = recorder.limit_wait(Duration::ZERO..fetch_end);
    let apply_limit_wait = recorder.limit_wait(apply_start..Duration::MAX);
    let events = recorder.recorded.lock().unwrap();
    Run {
        creates: users(Action::Create),
        updates: users(Action::Update),
        drift: plan.drift.len(),
        refused: plan.refusals.len() + plan.errors.len(),
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
        fetch_limit_wait,
        apply_limit_wait,
        throttled: events.throttled,
        poll_rounds: events.poll_rounds,
        polled_jobs: events.polled_jobs,
        emulator: RequestCounts::default(),
        peak_mib,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temporary directory");
    runtime.block_on(async {
        let large = Scenario {
            roster: 10_000,
            existing: 8_000,
            changed: 5_000,
            unmanaged: 1_000,
        };
        let small = Scenario {
            roster: 1_000,
            existing: 800,
            changed: 500,
            unmanaged: 100,
        };
        let mut out = String::new();
        let large_run = measure(dir.path(), "large", large).await;
        write_large(&mut out, large, &large_run);
        let small_run = measure(dir.path(), "small", small).await;
        let emulator = emulator(dir.path(), "baseline", &small.state());
        let recorder = Arc::new(Recorder::new(None));
        let baseline_client = client(&emulator.url, recorder.clone());
        let users = small.roster_users();
        let outcome = baseline::run(&baseline_client, &users).await;
        let counted = requests(&emulator).await;
        drop(emulator);
        let stats = baseline_client.stats();
        write_comparison(
            &mut out,
            (small, &small_run),
            (large, &large_run),
            &outcome,
            &stats,
            &counted,
            recorder.limit_wait(Duration::ZERO..Duration::MAX),
        );
        print!("{out}");
    });
}

async fn measure(dir: &Path, name: &str, scenario: Scenario) -> Run {
    let roster: PathBuf = dir.join(format!("{name}-roster.yaml"));
    std::fs::write(&roster, scenario.roster_yaml()).expect("roster written");
    let emulator = emulator(dir, name, &scenario.state());
    let mut run = zapply(
        &emulator.url,
        &roster,
        &dir.join(format!("{name}-journal.jsonl")),
    )
    .await;
    run.emulator = requests(&emulator).await;
    run
}

fn write_large(out: &mut String, scenario: Scenario, run: &Run) {
    let minimum = scenario.minimum();
    let made = run.fetch_requests + run.report.requests;
    let ratio = made as f64 / minimum as f64;
    let emulator_429 = run.emulator.by_status.get("429").copied().unwrap_or(0);
    let writes = run
        .apply_writes
        .iter()
        .map(|(endpoint, n)| format!("{n} `{endpoint}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let s = |d: Duration| format!("{:.1} s", d.as_secs_f64());
    let s2 = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let wall = run.wall();
    let share = |d: Duration| 100.0 * d.as_secs_f64() / wall.as_secs_f64();
    writeln!(
        out,
        "### zapply: {} roster agents, {} in the account ({} to update), {} new, {} unmanaged agents\n",
        scenario.roster,
        scenario.existing,
        scenario.changed,
        scenario.new_users(),
        scenario.unmanaged
    )
    .unwrap();
    writeln!(
        out,
        "emulator: `zroster fake` child process, {LATENCY_MS} ms latency, {RATE_LIMIT}/min, default job speed; client share 1.0\n"
    )
    .unwrap();
    writeln!(out, "| measure | value | target |").unwrap();
    writeln!(out, "|---|---|---|").unwrap();
    writeln!(
        out,
        "| plan | {} creates, {} updates, {} unmanaged reported, {} refusals/errors | {} creates, {} updates, {} reported |",
        run.creates,
        run.updates,
        run.drift,
        run.refused,
        scenario.new_users(),
        scenario.changed,
        scenario.unmanaged
    )
    .unwrap();
    writeln!(
        out,
        "| requests, job polls aside | {made} = fetch {} + apply {} ({writes}; {} re-reads of the convergence check) | ≤ 1.15 × minimum {minimum} (fetch {} + {} + {}) = {:.0}: **{}** ({ratio:.2}×) |",
        run.fetch_requests,
        run.report.requests,
        run.report.requests - run.apply_writes.iter().map(|(_, n)| n).sum::<u64>(),
        scenario.fetch_minimum(),
        scenario.new_users().div_ceil(PAGE),
        scenario.changed.div_ceil(PAGE),
        1.15 * minimum as f64,
        pass(ratio <= 1.15)
    )
    .unwrap();
    writeln!(
        out,
        "| job polls (`job_statuses/show_many`) | {} for {} jobs in {} poll rounds; one request per job per round would be {} | batched |",
        run.report.job_polls, run.report.jobs, run.poll_rounds, run.polled_jobs
    )
    .unwrap();
    writeln!(
        out,
        "| 429s | {} (emulator counted {emulator_429}) | 0: **{}** |",
        run.throttled,
        pass(run.throttled == 0 && emulator_429 == 0)
    )
    .unwrap();
    writeln!(
        out,
        "| emulator's count of all requests | {} (client: {}) | |",
        run.emulator.total,
        run.requests()
    )
    .unwrap();
    writeln!(
        out,
        "| results | {} applied, {} failed, {} unresolved | all applied |",
        run.report.count(Status::Applied),
        run.report.count(Status::Failed),
        run.report.count(Status::Unresolved)
    )
    .unwrap();
    writeln!(
        out,
        "| wall time | {} = load and fetch {} + plan and render {} + apply {} | |",
        s(wall),
        s(run.fetch_wall),
        s2(run.plan_wall),
        s(run.apply_wall)
    )
    .unwrap();
    writeln!(
        out,
        "| waiting on jobs | {} ({:.0}% of the wall time) | |",
        s(run.job_wait),
        share(run.job_wait)
    )
    .unwrap();
    let export_pages = run
        .emulator
        .by_endpoint
        .get("GET /api/v2/incremental/users/cursor")
        .copied()
        .unwrap_or(0);
    writeln!(
        out,
        "| waiting on the limit (pacing, `Retry-After`, the incremental export's 10-a-minute window) | {} ({:.0}%): fetch {} ({export_pages} export pages), apply {} | |",
        s(run.limit_wait()),
        share(run.limit_wait()),
        s(run.fetch_limit_wait),
        s(run.apply_limit_wait)
    )
    .unwrap();
    writeln!(
        out,
        "| peak memory (zapply's pipeline; emulator apart) | {:.0} MiB | |\n",
        run.peak_mib
    )
    .unwrap();
}

fn write_comparison(
    out: &mut String,
    (small, zapply): (Scenario, &Run),
    (large, large_run): (Scenario, &Run),
    baseline: &baseline::Outcome,
    stats: &zroster::zendesk::RequestStats,
    counted: &RequestCounts,
    baseline_limit_wait: Duration,
) {
    let throttled = stats.by_status.get(&429).copied().unwrap_or(0);
    let emulator_429 = counted.by_status.get("429").copied().unwrap_or(0);
    let zapply_429 = zapply.emulator.by_status.get("429").copied().unwrap_or(0);
    writeln!(
        out,
        "### zapply vs one `create_or_update` per user (same emulator settings, same client pacing)\n"
    )
    .unwrap();
    writeln!(
        out,
        "{} roster agents: {} in the account ({} to update), {} new, {} unmanaged agents\n",
        small.roster,
        small.existing,
        small.changed,
        small.new_users(),
        small.unmanaged
    )
    .unwrap();
    writeln!(
        out,
        "| approach | users | requests (all) | wall time | waiting on the limit | 429s | failed |"
    )
    .unwrap();
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|").unwrap();
    writeln!(
        out,
        "| zapply (fetch, plan, {} jobs) | {} | {} | {:.1} s | {:.1} s | {} | {} |",
        zapply.report.jobs,
        small.roster,
        zapply.requests(),
        zapply.wall().as_secs_f64(),
        zapply.limit_wait().as_secs_f64(),
        zapply.throttled.max(zapply_429),
        zapply.report.count(Status::Failed) + zapply.report.count(Status::Unresolved)
    )
    .unwrap();
    writeln!(
        out,
        "| baseline, measured | {} | {} | {:.1} s | {:.1} s | {} | {} |",
        baseline.users,
        stats.requests,
        baseline.wall.as_secs_f64(),
        baseline_limit_wait.as_secs_f64(),
        throttled.max(emulator_429),
        baseline.failed
    )
    .unwrap();
    let floor = |requests: usize| requests as f64 / f64::from(RATE_LIMIT) * 60.0;
    writeln!(
        out,
        "| baseline, computed (requests / limit) | {} | {} | {:.1} s | | | |",
        small.roster,
        small.roster,
        floor(small.roster)
    )
    .unwrap();
    writeln!(
        out,
        "| zapply, measured (above) | {} | {} | {:.1} s | {:.1} s | {} | {} |",
        large.roster,
        large_run.requests(),
        large_run.wall().as_secs_f64(),
        large_run.limit_wait().as_secs_f64(),
        large_run.throttled,
        large_run.report.count(Status::Failed) + large_run.report.count(Status::Unresolved)
    )
    .unwrap();
    writeln!(
        out,
        "| baseline, **computed, not measured** (requests / limit) | {} | {} | {:.0} s ({:.1} min) | | | |\n",
        large.roster,
        large.roster,
        floor(large.roster),
        floor(large.roster) / 60.0
    )
    .unwrap();
    writeln!(
        out,
        "{} users, measured in this run: baseline / zapply wall time {:.1}×, requests {:.1}× (emulator counted {} and {})",
        small.roster,
        baseline.wall.as_secs_f64() / zapply.wall().as_secs_f64(),
        stats.requests as f64 / zapply.requests() as f64,
        counted.total,
        zapply.emulator.total
    )
    .unwrap();
    writeln!(
        out,
        "{} users, baseline floor (computed) / zapply (measured): wall time {:.0}×, requests {:.0}×",
        large.roster,
        floor(large.roster) / large_run.wall().as_secs_f64(),
        large.roster as f64 / large_run.requests() as f64
    )
    .unwrap();
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}
