//! `zroster validate` on a generated roster of 100,000 users over 21 files (about 15 MB): 20
//! files of users and one of settings, custom roles, organizations and groups. Wall time and
//! peak memory of the real binary, printed as a table.
//!
//! Run with `cargo bench --bench validate`. Targets (issue 2): under 1.0 s and under 250 MB
//! on the 2-core development machine.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
/// Files of users; one more file holds the settings and the named objects.
const USER_FILES: usize = 20;
const RUNS: usize = 5;

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let dir = tempfile::tempdir().expect("temporary directory");
    let bytes = generate(dir.path());
    let binary = env!("CARGO_BIN_EXE_zroster");
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new(binary)
            .arg("validate")
            .arg(dir.path())
            .output()
            .expect("run zroster validate");
        times.push(start.elapsed());
        assert_eq!(
            output.status.code(),
            Some(0),
            "generated roster should be valid:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Linux reports ru_maxrss in KiB: the largest resident set of any finished child.
    let peak_mib = usage.max_rss() as f64 / 1024.0;
    times.sort();
    let median = times[RUNS / 2];
    let best = times[0];
    let mut table = String::new();
    writeln!(
        table,
        "| roster | files | size | median wall time | best | peak memory |"
    )
    .unwrap();
    writeln!(table, "|---|---|---|---|---|---|").unwrap();
    writeln!(
        table,
        "| {USERS} users | {} | {:.1} MB | {} | {} | {peak_mib:.0} MiB |",
        USER_FILES + 1,
        bytes as f64 / 1e6,
        seconds(median),
        seconds(best),
    )
    .unwrap();
    writeln!(table).unwrap();
    writeln!(
        table,
        "targets: wall time < 1.0 s ({}), peak memory < 250 MB ({})",
        verdict(median.as_secs_f64() < 1.0),
        verdict(peak_mib * 1.048_576 < 250.0)
    )
    .unwrap();
    print!("{table}");
}

fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Writes the roster: settings with custom roles, organizations and groups in the first
/// file, then users spread over the others, each with the fields a real roster has.
fn generate(dir: &Path) -> usize {
    let mut total = 0;
    let header = "# yaml-language-server: $schema=../schema/roster.schema.json\n";
    let mut first = String::from(header);
    first.push_str(
        "version: 1\nsettings:\n  manage: { roles: [agent, admin], tags: [zroster] }\n  prune: report\n  ignore: [\"*@support.zendesk.com\"]\n  protect: [\"owner@example.com\"]\n  safety: { max_deletes: 50, max_suspends: \"5%\", min_admins: 2 }\ndefaults:\n  verified: true\n  time_zone: Europe/Berlin\ncustom_roles:\n",
    );
    for r in 0..10 {
        writeln!(
            first,
            "  - name: Role {r}\n    description: Role number {r}"
        )
        .unwrap();
    }
    first.push_str("organizations:\n");
    for o in 0..50 {
        writeln!(
            first,
            "  - name: Org {o}\n    external_id: org-{o}\n    domain_names: [org{o}.example.com]"
        )
        .unwrap();
    }
    first.push_str("groups:\n");
    for g in 0..30 {
        writeln!(
            first,
            "  - name: Group {g}\n    description: Group number {g}"
        )
        .unwrap();
    }
    total += first.len();
    std::fs::write(dir.join("00-settings.yaml"), first).unwrap();
    let per_file = USERS / USER_FILES;
    for f in 0..USER_FILES {
        let mut text = String::from(header);
        text.push_str("users:\n");
        for i in f * per_file..(f + 1) * per_file {
            if i % 10 == 0 {
                write!(
                    text,
                    "  - name: Agent Number {i}\n    email: agent{i}@example.com\n    external_id: emp-{i}\n    role: agent\n    custom_role: Role {}\n    groups: [Group {}, Group {}]\n    default_group: Group {}\n    tags: [staff, team-{}]\n",
                    i % 10, i % 30, (i + 1) % 30, i % 30, i % 7
                )
                .unwrap();
            } else {
                write!(
                    text,
                    "  - name: Customer {i}\n    email: c{i}@org{}.example.com\n    external_id: cust-{i}\n    organization: Org {}\n    user_fields: {{ tier: {} }}\n",
                    i % 50, i % 50, i % 3
                )
                .unwrap();
            }
        }
        total += text.len();
        std::fs::write(dir.join(format!("users-{f:02}.yaml")), text).unwrap();
    }
    total
}
