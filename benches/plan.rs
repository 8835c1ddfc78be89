//! Planning 100,000 roster users against 100,000 live users, and rendering the resulting
//! 100,000-change plan in every format: time and the tool's memory, printed as a table.
//!
//! Run with `cargo bench --bench plan`. Targets (issue 5): planning under 1.0 s, and the
//! tool's peak memory through planning under 300 MB; each rendering under 1.0 s.
//!
//! The access guardrails (issue 17) add no request and no measurable planning time: the
//! last rows plan the same roster with a policy (every rule set) and time-boxed entries
//! (10% of the users expire after the run, 1% hold a temporary role), in the same run, so
//! that machine load weighs on both alike, and check that its fetch would be the same.
//!
//! The benchmark process is the tool and nothing else, as `zplan` runs it: it loads the
//! roster from a file, fetches the live state over loopback and plans. The account lives in
//! `zroster fake` started as a **child process** at zero latency (it stands in for Zendesk,
//! so its memory is not the tool's), seeded from a state file. Both inputs are written
//! line by line before anything is measured, so the process holds no leftovers of building
//! them. Two memory figures are printed per step:
//! - the heap: bytes the tool's data holds after the step, and the most it held during the
//!   step (a counting global allocator; exact, and independent of the allocator's caching);
//! - the process's peak resident memory so far (`VmHWM`), which is what the target is judged
//!   on: it includes the allocator's free lists, the runtime, the code and every step so far.

#![allow(unsafe_code)] // the counting global allocator below; nothing else

#[path = "support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use zroster::plan::Planner;
use zroster::render::{self, Format, RenderOptions};
use zroster::roster;
use zroster::state::{NoProgress, StateQuery, fetch};
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret};

const USERS: usize = 100_000;
const GROUPS: usize = 30;

/// Counts the bytes the process holds on the heap (requested sizes, no allocator overhead).
#[global_allocator]
static HEAP: Counting = Counting;

/// The system allocator, counting: every call goes to it unchanged (a `realloc` stays a
/// `realloc`, which can grow or shrink a large block in place), so the process's resident
/// memory is what the tool's would be without the counting.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grew(size: usize) {
        let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }

    fn shrank(size: usize) {
        CURRENT.fetch_sub(size, Ordering::Relaxed);
    }

    fn current_usage() -> usize {
        CURRENT.load(Ordering::Relaxed)
    }

    fn peak_usage() -> usize {
        PEAK.load(Ordering::Relaxed)
    }

    fn reset_peak_usage() {
        PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments, which uphold the
// `GlobalAlloc` contract; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        Self::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as the change in size: a large block grows or shrinks in place.
            let old_size = layout.size();
            if new_size > old_size {
                Self::grew(new_size - old_size);
            } else {
                Self::shrank(old_size - new_size);
            }
        }
        new
    }
}

/// Writes the roster (every user renamed, so every user gets one update: a 100,000-change
/// plan) and the account's state file.
/// The guardrails of the second roster: every policy rule, the expiry settings.
const GUARDRAILS: &str = "  policy:\n    agent_emails: [\"*@example.com\"]\n    admin_emails: [\"*@example.com\"]\n    max_admins: 100000\n    max_agents: 100000\n    require_external_id: true\n    agents_need_group: true\n  on_expiry: downgrade\n  expiry_warning_days: 7\n";

/// Writes the roster, the same roster with guardrails, and the account's state file.
fn write_inputs(dir: &Path) -> std::io::Result<(PathBuf, PathBuf, PathBuf, u64)> {
    let roster_path = dir.join("roster.yaml");
    let guarded_path = dir.join("roster-guarded.yaml");
    let mut roster = BufWriter::new(std::fs::File::create(&roster_path)?);
    let mut guarded = BufWriter::new(std::fs::File::create(&guarded_path)?);
    let head = "settings:\n  manage: { roles: [agent, admin] }\n";
    writeln!(roster, "{head}groups:")?;
    writeln!(guarded, "{head}{GUARDRAILS}groups:")?;
    for g in 0..GROUPS {
        writeln!(roster, "  - name: Group {g}")?;
        writeln!(guarded, "  - name: Group {g}")?;
    }
    writeln!(roster, "users:")?;
    // The admin has an external id in both: the same query, and nothing to change.
    let admin = "  - { name: Admin, email: admin@example.com, external_id: x-admin, role: admin }";
    writeln!(roster, "{admin}")?;
    writeln!(guarded, "users:\n{admin}")?;
    let state_path = dir.join("state.json");
    let mut state = BufWriter::new(std::fs::File::create(&state_path)?);
    write!(
        state,
        r#"{{"users": [{{"id": 1, "name": "Admin", "email": "admin@example.com", "external_id": "x-admin", "role": "admin"}}"#
    )?;
    let mut memberships = Vec::new();
    for i in 0..USERS {
        let agent = i % 10 == 0;
        let role = if agent { "agent" } else { "end-user" };
        let mut entry = format!(
            "  - {{ name: Person {i} Renamed, email: p{i}@example.com, external_id: x-{i}, role: {role}, tags: [t{}]",
            i % 7
        );
        if agent {
            write!(entry, ", groups: [Group {}]", i % GROUPS).expect("a string");
            memberships.push((1000 + i, 100 + i % GROUPS));
        }
        writeln!(roster, "{entry} }}")?;
        // Time boxes that end after the run: judged, planned as written.
        if i % 10 == 3 {
            entry.push_str(", expires: 2099-12-31");
        }
        if agent && i % 100 == 0 {
            entry.push_str(", temporary: { role: admin, until: \"2099-12-31T00:00:00Z\" }");
        }
        writeln!(guarded, "{entry} }}")?;
        write!(
            state,
            r#", {{"id": {}, "name": "Person {i}", "email": "p{i}@example.com", "external_id": "x-{i}", "role": "{role}", "tags": ["t{}"]}}"#,
            1000 + i,
            i % 7
        )?;
    }
    write!(state, r#"], "groups": ["#)?;
    for g in 0..GROUPS {
        let comma = if g == 0 { "" } else { ", " };
        write!(
            state,
            r#"{comma}{{"id": {}, "name": "Group {g}"}}"#,
            100 + g
        )?;
    }
    write!(state, r#"], "group_memberships": ["#)?;
    for (n, (user, group)) in memberships.iter().enumerate() {
        let comma = if n == 0 { "" } else { ", " };
        write!(
            state,
            r#"{comma}{{"id": {}, "user_id": {user}, "group_id": {group}, "default": true}}"#,
            5_000_000 + n
        )?;
    }
    writeln!(state, "]}}")?;
    roster.flush()?;
    guarded.flush()?;
    state.flush()?;
    let size = std::fs::metadata(&roster_path)?.len();
    Ok((roster_path, guarded_path, state_path, size))
}

/// One row's memory figures: heap after the step and at most during it, and the process's
/// peak so far.
struct Memory {
    heap: f64,
    heap_peak: f64,
    process_peak: f64,
}

/// Runs a step and reads its memory: the heap's peak is reset first, so it is the step's.
fn measured<T>(step: impl FnOnce() -> T) -> (T, f64, Memory) {
    Counting::reset_peak_usage();
    let start = Instant::now();
    let value = step();
    let took = start.elapsed().as_secs_f64();
    let memory = Memory {
        heap: mib(Counting::current_usage()),
        heap_peak: mib(Counting::peak_usage()),
        process_peak: support::status_mib("self", "VmHWM:"),
    };
    (value, took, memory)
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (roster_path, guarded_path, state_path, roster_size) =
        write_inputs(dir.path()).expect("inputs written");
    let start = Instant::now();
    // The account, out of the tool's process.
    let emulator = support::Fake::start(&["--rate-limit", "100000000"], &state_path);
    let emulator_start = start.elapsed().as_secs_f64();
    let baseline = support::status_mib("self", "VmHWM:");

    let mut rows = Vec::new();
    let (loaded, took, memory) = measured(|| roster::load(std::slice::from_ref(&roster_path)));
    assert!(
        !loaded.has_errors(),
        "{:?}",
        &loaded.diagnostics[..3.min(loaded.diagnostics.len())]
    );
    assert_eq!(loaded.roster.users.len(), USERS + 1);
    rows.push((
        format!("load roster ({:.1} MB)", roster_size as f64 / 1e6),
        String::new(),
        took,
        memory,
    ));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let query = StateQuery::from_roster(&loaded.roster);
    let (state, took, memory) = measured(|| {
        let auth = Auth::ApiToken {
            email: "admin@example.com".to_owned(),
            token: Secret::new("fake-token"),
        };
        let settings = ConnectionSettings::new(&emulator.url, auth).expect("loopback URL");
        let client = ReadClient::connect(settings).expect("client builds");
        runtime
            .block_on(fetch(&client, &query, &NoProgress))
            .expect("fetch")
    });
    drop(query);
    assert_eq!(state.users.len(), USERS + 1);
    rows.push((
        format!("fetch live state ({} requests)", state.cost.stats.requests),
        String::new(),
        took,
        memory,
    ));
    drop(emulator);

    // Planned three times on a machine shared with other work: the median time is reported,
    // and the memory of the first run (the others reuse what it freed).
    let (plan, first, memory) =
        measured(|| Planner::build(&loaded.roster, &state, &loaded.roster.digest));
    assert_eq!(plan.changes.len(), USERS, "one change per user");
    let planning_peak = memory.process_peak;
    let mut times = vec![first];
    let mut plan = Some(plan);
    for _ in 0..2 {
        drop(plan.take());
        let start = Instant::now();
        plan = Some(Planner::build(
            &loaded.roster,
            &state,
            &loaded.roster.digest,
        ));
        times.push(start.elapsed().as_secs_f64());
    }
    let plan = plan.expect("planned");
    times.sort_by(f64::total_cmp);
    let planning = times[1];
    rows.push((
        format!(
            "plan {USERS} roster users vs {USERS} live users (median of 3; best {:.3} s)",
            times[0]
        ),
        plan.changes.len().to_string(),
        planning,
        memory,
    ));

    let mut verdicts = vec![
        format!("planning < 1.0 s: {}", verdict(planning < 1.0)),
        format!(
            "tool peak through planning < 300 MB: {}",
            verdict(planning_peak * 1.048_576 < 300.0)
        ),
    ];
    for (name, format) in [
        ("human", Format::Human),
        ("markdown", Format::Markdown),
        ("json", Format::Json),
    ] {
        let (out, took, memory) = measured(|| {
            let mut out = Vec::new();
            render::renderer(format, RenderOptions::default())
                .render(&plan, &mut out)
                .unwrap();
            out
        });
        rows.push((
            format!("render {name} ({:.1} MB)", out.len() as f64 / 1e6),
            plan.changes.len().to_string(),
            took,
            memory,
        ));
        drop(out);
        verdicts.push(format!("render {name} < 1.0 s: {}", verdict(took < 1.0)));
    }

    // The same roster with the access guardrails: its fetch would be the same requests (the
    // same query, no seat count), and both rosters are planned again in turn, five times
    // each, so that the machine's load and the process's state weigh on both alike.
    // Both rosters are read again now (the one with guardrails first), so that neither has
    // the fresher heap of the process's start.
    drop(plan);
    drop(loaded);
    let guarded = roster::load(std::slice::from_ref(&guarded_path));
    let loaded = roster::load(std::slice::from_ref(&roster_path));
    let query = StateQuery::from_roster(&loaded.roster);
    assert!(
        !guarded.has_errors(),
        "{:?}",
        &guarded.diagnostics[..3.min(guarded.diagnostics.len())]
    );
    let same_fetch = StateQuery::from_roster(&guarded.roster) == query
        && !zroster::state::needs_seat_count(&guarded.roster);
    drop(query);
    let (mut plain_times, mut guarded_times) = (Vec::new(), Vec::new());
    let mut guarded_plan = None;
    for round in 0..5 {
        let start = Instant::now();
        let plan = Planner::build(&loaded.roster, &state, &loaded.roster.digest);
        plain_times.push(start.elapsed().as_secs_f64());
        drop(plan);
        let (plan, took, memory) =
            measured(|| Planner::build(&guarded.roster, &state, &guarded.roster.digest));
        guarded_times.push(took);
        assert!(plan.refusals.is_empty(), "{:?}", plan.refusals);
        if round == 0 {
            guarded_plan = Some((plan.changes.len(), memory));
        }
    }
    let (changes, memory) = guarded_plan.expect("planned");
    plain_times.sort_by(f64::total_cmp);
    guarded_times.sort_by(f64::total_cmp);
    rows.push((
        format!(
            "plan the roster again, read again, in turn with the next (median of 5; best {:.3} s)",
            plain_times[0]
        ),
        USERS.to_string(),
        plain_times[2],
        Memory {
            heap: 0.0,
            heap_peak: 0.0,
            process_peak: support::status_mib("self", "VmHWM:"),
        },
    ));
    rows.push((
        format!(
            "plan with policy and time boxes (median of 5; best {:.3} s; {})",
            guarded_times[0],
            if same_fetch {
                "the same fetch, 0 requests more"
            } else {
                "ANOTHER FETCH"
            }
        ),
        changes.to_string(),
        guarded_times[2],
        memory,
    ));
    verdicts.push(format!(
        "guardrails: {:+.3} s planning (median against median, in turn; best against best {:+.3} s), 0 requests more: {}",
        guarded_times[2] - plain_times[2],
        guarded_times[0] - plain_times[0],
        verdict(same_fetch)
    ));

    let mut table = String::new();
    writeln!(
        table,
        "The tool's process only: the account ({USERS} users) is served by `zroster fake` as a child process (started in {emulator_start:.1} s); before the first step the process peaked at {baseline:.0} MiB.\n"
    )
    .unwrap();
    writeln!(
        table,
        "| step | changes | time | tool heap after (peak during) | tool process peak so far |"
    )
    .unwrap();
    writeln!(table, "|---|---|---|---|---|").unwrap();
    for (step, changes, took, memory) in rows {
        writeln!(
            table,
            "| {step} | {changes} | {took:.3} s | {:.0} MiB ({:.0} MiB) | {:.0} MiB |",
            memory.heap, memory.heap_peak, memory.process_peak
        )
        .unwrap();
    }
    writeln!(table).unwrap();
    writeln!(table, "targets: {}", verdicts.join(", ")).unwrap();
    print!("{table}");
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}
