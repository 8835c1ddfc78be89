//! Planning 100,000 roster users against 100,000 live users, and rendering the resulting
//! 100,000-change plan in every format: time and peak memory, printed as a table.
//!
//! Run with `cargo bench --bench plan`. Targets (issue 5): planning under 1.0 s and under
//! 300 MB; each rendering under 1.0 s. The live state is built in memory exactly as the
//! fetch builds it (wire objects converted to the normalised state), so the figures are the
//! planner's and the renderers' alone.

use std::fmt::Write as _;
use std::time::Instant;

use zroster::plan::Planner;
use zroster::render::{self, Format, RenderOptions};
use zroster::state::{FetchCost, LiveMembership, LiveState, LiveUser};
use zroster::zendesk::{AuthenticatedUser, RequestStats, wire};

const USERS: usize = 100_000;

fn main() {
    let mut roster = String::from("settings:\n  manage: { roles: [agent, admin] }\ngroups:\n");
    for g in 0..30 {
        writeln!(roster, "  - name: Group {g}").unwrap();
    }
    roster.push_str("users:\n");
    let mut users = Vec::with_capacity(USERS + 1);
    let mut memberships = Vec::new();
    users.push(serde_json::json!({"id": 1, "name": "Admin", "email": "admin@example.com", "role": "admin", "active": true}));
    for i in 0..USERS {
        let agent = i % 10 == 0;
        let role = if agent { "agent" } else { "end-user" };
        // Every user's name differs, so every user gets one update: a 100,000-change plan.
        write!(
            roster,
            "  - {{ name: Person {i} Renamed, email: p{i}@example.com, external_id: x-{i}, role: {role}, tags: [t{}]",
            i % 7
        )
        .unwrap();
        if agent {
            write!(roster, ", groups: [Group {}]", i % 30).unwrap();
        }
        roster.push_str(" }\n");
        users.push(serde_json::json!({
            "id": 1000 + i, "name": format!("Person {i}"), "email": format!("p{i}@example.com"),
            "external_id": format!("x-{i}"), "role": role, "active": true, "tags": [format!("t{}", i % 7)],
            "updated_at": "2026-11-01T00:00:00Z"
        }));
        if agent {
            memberships.push(LiveMembership {
                id: 5_000_000 + i as u64,
                user_id: 1000 + i as u64,
                target_id: 100 + (i % 30) as u64,
                default: true,
            });
        }
    }
    let loaded = zroster::roster::load_texts(&[("roster.yaml", &roster)]);
    assert!(
        !loaded.has_errors(),
        "{:?}",
        &loaded.diagnostics[..3.min(loaded.diagnostics.len())]
    );
    let groups: Vec<wire::Group> = (0..30)
        .map(|g| {
            serde_json::from_value(serde_json::json!({"id": 100 + g, "name": format!("Group {g}")}))
                .unwrap()
        })
        .collect();
    let state = LiveState {
        account: "https://example.zendesk.com".into(),
        me: AuthenticatedUser {
            id: 1,
            name: "Admin".into(),
            email: Some("admin@example.com".into()),
            role: wire::Role::Admin,
        },
        users: users
            .into_iter()
            .map(|u| {
                let user: wire::User = serde_json::from_value(u).unwrap();
                (user.id, LiveUser::from(user))
            })
            .collect(),
        secondary_emails: std::collections::BTreeMap::new(),
        custom_roles: Vec::new(),
        custom_roles_available: false,
        organizations: Vec::new(),
        groups: groups.into_iter().map(Into::into).collect(),
        group_memberships: memberships,
        organization_memberships: None,
        cost: FetchCost {
            stats: RequestStats::default(),
            email_lookup: None,
        },
    };

    // Reset the peak-memory mark: what setting up the inputs needed is not the planner's.
    // What the inputs (roster and live state) hold stays resident and is reported apart.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let inputs = status_mib("VmRSS:");
    let start = Instant::now();
    let plan = Planner::build(&loaded.roster, &state, &loaded.roster.digest);
    let planning = start.elapsed();
    let peak_after_planning = peak_mib();
    assert_eq!(plan.changes.len(), USERS, "one change per user");

    let mut table = String::new();
    writeln!(
        table,
        "resident before planning (roster and live state of 100,000 users each): {inputs:.0} MiB\n"
    )
    .unwrap();
    writeln!(table, "| step | changes | time | peak memory (process) |").unwrap();
    writeln!(table, "|---|---|---|---|").unwrap();
    writeln!(table, "| plan {USERS} roster users vs {USERS} live users | {} | {:.3} s | {peak_after_planning:.0} MiB |", plan.changes.len(), planning.as_secs_f64()).unwrap();
    let mut verdicts = vec![
        format!(
            "planning < 1.0 s: {}",
            verdict(planning.as_secs_f64() < 1.0)
        ),
        format!(
            "peak < 300 MB: {}",
            verdict(peak_after_planning * 1.048_576 < 300.0)
        ),
    ];
    for (name, format) in [
        ("human", Format::Human),
        ("markdown", Format::Markdown),
        ("json", Format::Json),
    ] {
        let mut out = Vec::with_capacity(64 * 1024 * 1024);
        let start = Instant::now();
        render::renderer(format, RenderOptions::default())
            .render(&plan, &mut out)
            .unwrap();
        let took = start.elapsed();
        writeln!(
            table,
            "| render {name} ({:.1} MB) | {} | {:.3} s | {:.0} MiB |",
            out.len() as f64 / 1e6,
            plan.changes.len(),
            took.as_secs_f64(),
            peak_mib()
        )
        .unwrap();
        verdicts.push(format!(
            "render {name} < 1.0 s: {}",
            verdict(took.as_secs_f64() < 1.0)
        ));
    }
    writeln!(table).unwrap();
    writeln!(table, "targets: {}", verdicts.join(", ")).unwrap();
    print!("{table}");
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// The process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    status_mib("VmHWM:")
}

/// A memory figure of `/proc/self/status`, in MiB.
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
