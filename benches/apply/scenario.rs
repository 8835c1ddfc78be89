//! The apply benchmark's rosters and accounts, and what the account allows for each: the
//! minimum requests and the floor (see `benches/apply.rs`).

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};
use zroster::zendesk::wire::Fields;

pub(crate) const LATENCY_MS: u64 = 50;
pub(crate) const RATE_LIMIT: u32 = 700;
pub(crate) const SHARE: f64 = 1.0;
/// The emulator's default job speed: items a second, each job.
pub(crate) const JOB_ITEMS_PER_SECOND: f64 = 50.0;
/// Jobs queued or running the account allows (the emulator's default `max_jobs`).
pub(crate) const ACCOUNT_JOBS: usize = 30;
/// When the account's users were last changed: well before the run.
pub(crate) const LAST_CHANGED: &str = "2026-01-05T09:00:00Z";
/// Items a bulk request carries at most, and users a listing or `show_many` page holds.
pub(crate) const PAGE: usize = 100;
/// Users an incremental-export page holds.
pub(crate) const EXPORT_PAGE: usize = 1000;

/// The shape of one run: roster users `0..roster` are agents; the account holds `0..existing`
/// of them (`0..changed` with a stale name) plus `unmanaged` agents the roster does not name.
#[derive(Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) roster: usize,
    pub(crate) existing: usize,
    pub(crate) changed: usize,
    pub(crate) unmanaged: usize,
    pub(crate) bulk_imports: bool,
}

impl Scenario {
    /// The benchmark's shape at `roster` users.
    pub(crate) fn of(roster: usize, bulk_imports: bool) -> Self {
        Self {
            roster,
            existing: roster * 8 / 10,
            changed: roster / 2,
            unmanaged: roster / 10,
            bulk_imports,
        }
    }

    pub(crate) fn new_users(self) -> usize {
        self.roster - self.existing
    }

    pub(crate) fn setting(self) -> &'static str {
        if self.bulk_imports { "on" } else { "off" }
    }

    /// Every roster user in Zendesk's wire shape.
    pub(crate) fn roster_users(self) -> Vec<Fields> {
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

    pub(crate) fn roster_yaml(self) -> String {
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
    pub(crate) fn state(self) -> Value {
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

    /// The fetch's reads whatever the lookup of the new users' emails: `users/me`, the
    /// in-scope agents by role (100 a page), the admins (one page), the roster users not
    /// listed by external id (100 a request), one page each of custom roles, groups and
    /// organizations, the account settings and the user fields. No group memberships: the
    /// roster names no `groups` (every agent is in the default group, as in a real account,
    /// but nothing the plan decides reads that).
    fn fetch_fixed(self) -> usize {
        1 + (self.existing + self.unmanaged).div_ceil(PAGE)
            + 1
            + self.new_users().div_ceil(PAGE)
            + 3
            + 2
    }

    /// The ways to look up the new users' emails and check them for another user's
    /// secondary address, as `(requests, incremental-export pages)`: searches of up to 100
    /// addresses, whose answers also settle the secondary check, then a page of the export's
    /// last minutes (the search lags); or the export of the whole account (a count and a
    /// page per 1,000 users), then searches of 100 addresses for the secondary check.
    fn lookups(self) -> Vec<(usize, usize)> {
        let new = self.new_users();
        if new == 0 {
            return vec![(0, 0)];
        }
        let searches = new.div_ceil(PAGE);
        let pages = (self.existing + self.unmanaged + 1).div_ceil(EXPORT_PAGE);
        vec![(searches + 1, 1), (1 + pages + searches, pages)]
    }

    /// The fewest requests the fetch can make for this account and roster.
    pub(crate) fn fetch_minimum(self) -> usize {
        let lookup = self.lookups().iter().map(|&(n, _)| n).min().unwrap_or(0);
        self.fetch_fixed() + lookup
    }

    /// The writes' fewest requests: a job per 100 creates and per 100 updates; without bulk
    /// imports a request per create, and the refused job that tells (no setting does).
    pub(crate) fn writes_minimum(self) -> usize {
        let creates = if self.bulk_imports {
            self.new_users().div_ceil(PAGE)
        } else {
            1 + self.new_users()
        };
        creates + self.changed.div_ceil(PAGE)
    }

    /// The convergence check's fewest requests: an export page per 1,000 users written
    /// when it may read the export (above 1,000), a `show_many` per 100 otherwise.
    pub(crate) fn check_minimum(self) -> usize {
        let written = self.new_users() + self.changed;
        if written > EXPORT_PAGE {
            written.div_ceil(EXPORT_PAGE)
        } else {
            written.div_ceil(PAGE)
        }
    }

    pub(crate) fn minimum(self) -> usize {
        self.fetch_minimum() + self.writes_minimum() + self.check_minimum()
    }

    /// The fewest requests of a run that reads the incremental export at most 10 times (one
    /// window; a run shorter than a minute has no other): the fetch's email lookup
    /// ([`Scenario::lookups`]) and the convergence check (its pages, or `show_many`) may not
    /// both take the export when their pages together are more than ten.
    /// [`Scenario::minimum`] ignores the window (a run of two minutes or more).
    pub(crate) fn minimum_within_a_window(self) -> usize {
        let written = self.new_users() + self.changed;
        let mut checks = vec![(written.div_ceil(PAGE), 0)];
        if written > EXPORT_PAGE {
            checks.push((written.div_ceil(EXPORT_PAGE), written.div_ceil(EXPORT_PAGE)));
        }
        let mut best = usize::MAX;
        for (lookup, lookup_pages) in self.lookups() {
            for &(check, check_pages) in &checks {
                if lookup_pages + check_pages <= 10 {
                    let total = self.fetch_fixed() + lookup + self.writes_minimum() + check;
                    best = best.min(total);
                }
            }
        }
        best
    }

    /// Job items: the updates, and the creates when they go in jobs.
    pub(crate) fn job_items(self) -> usize {
        self.changed
            + if self.bulk_imports {
                self.new_users()
            } else {
                0
            }
    }

    /// The floor: (minimum requests at the limit and share, jobs at the account's job
    /// throughput); the floor is the larger.
    pub(crate) fn floor(self) -> (Duration, Duration) {
        let requests = self.minimum() as f64 * 60.0 / (f64::from(RATE_LIMIT) * SHARE);
        let jobs = self.job_items() as f64 / (ACCOUNT_JOBS as f64 * JOB_ITEMS_PER_SECOND);
        (
            Duration::from_secs_f64(requests),
            Duration::from_secs_f64(jobs),
        )
    }

    pub(crate) fn floor_max(self) -> Duration {
        let (requests, jobs) = self.floor();
        requests.max(jobs)
    }
}
