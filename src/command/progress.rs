//! Progress for people. Fetching: a spinner with the stage and the items so far on a terminal
//! (indicatif), and one summary line on standard error either way. Applying: a bar on a
//! terminal, log lines elsewhere.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::render::{count, plural};
use crate::state::{AccountRules, EmailStrategy, LiveState, Progress, Stage};
use crate::zendesk::limits::{EXPORT_PER_WINDOW, SEARCH_LAG_WINDOW_S};
use crate::zendesk::{ClientEvent, Observer, Pacer};

/// Shows fetch progress on standard error when it is a terminal; silent otherwise.
pub(crate) struct FetchProgress {
    bar: Option<ProgressBar>,
}

impl FetchProgress {
    /// A spinner on a terminal, nothing elsewhere (logs get [`summary`] instead) or when
    /// request lines (`-v`) are written, which a spinner would garble.
    pub(crate) fn new(logging: bool) -> Self {
        let bar = (can_draw() && !logging).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// Removes the spinner.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn describe(stage: Stage) -> &'static str {
    match stage {
        Stage::Me => "checking the credentials",
        Stage::ScopeUsers => "fetching users in scope",
        Stage::ExternalIds => "fetching roster users by external id",
        Stage::Emails(EmailStrategy::Search) => "searching roster users by email",
        Stage::Emails(EmailStrategy::IncrementalExport) => {
            "reading the user export for roster emails"
        }
        Stage::Account => "fetching custom roles, groups and organizations",
        Stage::Memberships => "fetching memberships",
    }
}

impl Progress for FetchProgress {
    fn on_stage(&self, stage: Stage, items: usize) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {items}", describe(stage)));
        }
    }
}

/// The pace of the real account a sandbox rehearses: its rate limit a minute (the state's,
/// else the default of its plan) and this run's share of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RealPace {
    /// Requests a minute.
    pub(crate) limit: u32,
    /// This run's share of them (`--rate-limit-share`).
    pub(crate) share: f64,
}

impl RealPace {
    /// How long, in seconds, the account's limits would hold `requests`, of which
    /// `export_pages` pages of the incremental export: the pacer lets `floor(limit ×
    /// share)` requests go in each window of [`Pacer::WINDOW`] (a minute and a second), and
    /// the export [`EXPORT_PER_WINDOW`] pages; the first window's go at once. Latency
    /// apart.
    pub(crate) fn seconds(&self, requests: u64, export_pages: u64) -> u64 {
        // The share is in (0, 1], so the product is within 0..=limit.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let budget = ((f64::from(self.limit) * self.share).floor() as u64).max(1);
        let waits = |n: u64, per: u64| n.div_ceil(per).saturating_sub(1);
        waits(requests, budget).max(waits(export_pages, EXPORT_PER_WINDOW as u64))
            * Pacer::WINDOW.as_secs()
    }

    /// `about 5 min at 700 a minute and share 0.5 on a real account`.
    fn describe(&self, requests: u64, export_pages: u64) -> String {
        let seconds = self.seconds(requests, export_pages);
        let time = if seconds < 60 {
            "under a minute".to_owned()
        } else {
            format!(
                "about {} min",
                count(usize::try_from((seconds + 30) / 60).unwrap_or(usize::MAX))
            )
        };
        format!(
            "{time} at {} a minute and share {} on a real account",
            count(self.limit as usize),
            self.share
        )
    }
}

/// One line on what the fetch read and cost: `fetched 1,234 users … with 15 requests`, and
/// for a sandbox how long a real account would take (`pace`).
pub(crate) fn summary(err: &mut dyn Write, live: &LiveState, seconds: f64, pace: Option<RealPace>) {
    let stats = &live.cost.stats;
    let rules = &live.rules;
    let fields = rules.user_fields.as_ref().map_or_else(
        || "user fields unreadable".to_owned(),
        |fields| plural(fields.len(), "user field"),
    );
    let requests = |n: u64| plural(usize::try_from(n).unwrap_or(usize::MAX), "request");
    let mut text = format!(
        "fetched {}, {}, {}, {} and {fields} in {seconds:.1} s with {}",
        plural(live.users.len(), "user"),
        plural(live.groups.len(), "group"),
        plural(live.organizations.len(), "organization"),
        plural(live.custom_roles.len(), "custom role"),
        requests(stats.requests),
    );
    if let Some(pace) = pace {
        let export_pages = stats.count("GET /api/v2/incremental/users/cursor");
        let _ = write!(text, " ({})", pace.describe(stats.requests, export_pages));
    }
    let _ = write!(text, "; {}", account_line(rules));
    if !live.custom_roles_available {
        text.push_str(", no custom roles (Enterprise only)");
    }
    if stats.retries > 0 {
        let _ = write!(text, " ({} retried)", stats.retries);
    }
    if let Some(lookup) = &live.cost.email_lookup {
        let how = match lookup.strategy {
            EmailStrategy::Search => "searched",
            EmailStrategy::IncrementalExport => "found through the user export",
        };
        let _ = write!(
            text,
            "; {} roster emails {how} ({})",
            count(usize::try_from(lookup.emails).unwrap_or(usize::MAX)),
            requests(lookup.requests)
        );
        if lookup.unbatched > 0 {
            let _ = write!(
                text,
                ", {} of them looked up again without batching: a batched search's answer lacked the users that prove it complete",
                lookup.unbatched
            );
        }
        if lookup.recent_export_pages > 0 {
            let _ = write!(
                text,
                ", then the last {} minutes of the user export read ({}): search lags behind writes",
                SEARCH_LAG_WINDOW_S / 60,
                plural(
                    usize::try_from(lookup.recent_export_pages).unwrap_or(usize::MAX),
                    "page"
                ),
            );
        }
    }
    if let Some(check) = &live.cost.secondary_check {
        let addresses = |n: u64| {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            format!(
                "{} new {}",
                count(n),
                if n == 1 { "address" } else { "addresses" }
            )
        };
        if check.unchecked == check.emails {
            let _ = write!(
                text,
                "; {} not checked for another user's secondary address: too many to search",
                addresses(check.emails)
            );
        } else {
            let _ = write!(
                text,
                "; {} checked for another user's secondary address ({})",
                addresses(check.emails - check.unchecked),
                requests(check.requests()),
            );
            if check.unchecked > 0 {
                let _ = write!(text, ", {} not: too many", addresses(check.unchecked));
            }
        }
    }
    let _ = writeln!(err, "{text}");
}

/// What the fetch learned of the account's rules, in words: `user tagging off, one
/// organization per user`, or that the settings could not be read.
fn account_line(rules: &AccountRules) -> String {
    let on_off = |flag: bool| if flag { "on" } else { "off" };
    match (rules.user_tagging, rules.multiple_organizations) {
        (Some(tagging), Some(multiple)) => format!(
            "user tagging {}, {}",
            on_off(tagging),
            if multiple {
                "several organizations per user"
            } else {
                "one organization per user"
            }
        ),
        _ => "account settings unreadable: tags and organizations not checked".to_owned(),
    }
}

/// Apply progress for people: on a terminal a bar (changes done of all, jobs in flight, time
/// spent waiting for the rate limit); elsewhere one log line per finished job, retry, long
/// wait and fallback, on standard error.
pub(crate) struct ApplyProgress {
    bar: Option<ProgressBar>,
    inner: Mutex<ApplyState>,
}

#[derive(Default)]
struct ApplyState {
    total: usize,
    /// Changes made: the items of finished jobs and the single writes.
    done: usize,
    in_flight: usize,
    /// Of each job in flight: its items, and how many it reported processed so far.
    jobs: HashMap<String, (usize, usize)>,
    waited: Duration,
}

impl ApplyState {
    /// Changes made or processed by a job in flight: where the bar stands.
    fn position(&self) -> usize {
        let processing: usize = self.jobs.values().map(|&(_, progress)| progress).sum();
        (self.done + processing).min(self.total)
    }
}

/// Whether a progress bar or spinner can be drawn on standard error: a terminal that is
/// not `TERM=dumb` (which cannot move the cursor back over the line).
fn can_draw() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var(crate::env_vars::TERM).map_or(true, |term| term != "dumb")
}

impl ApplyProgress {
    /// A bar on a terminal (coloured when `color`), log lines elsewhere and when request
    /// lines (`-v`, `logging`) are written. The bar counts changes with thousands
    /// separators, moves as the jobs in flight report progress, and shows the time left at
    /// the pace so far.
    pub(crate) fn new(color: bool, logging: bool) -> Self {
        let bar = (can_draw() && !logging).then(|| {
            let bar = ProgressBar::hidden();
            let template = format!(
                "{} {{human_pos}}/{{human_len}} changes · {{msg}} · {{elapsed}}, about {{eta}} left",
                if color { "{bar:30.cyan/blue}" } else { "{bar:30}" }
            );
            bar.set_style(
                ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            inner: Mutex::new(ApplyState::default()),
        }
    }

    /// Applying starts: `total` changes to make.
    pub(crate) fn start(&self, total: usize) {
        self.lock().total = total;
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ApplyState> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Shows the state: on the bar, or as a log line when `line` is given.
    fn show(&self, state: &ApplyState, line: Option<String>) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(state.position() as u64);
                bar.set_message(format!(
                    "{} in flight, {:.0} s waiting for the rate limit",
                    plural(state.in_flight, "job"),
                    state.waited.as_secs_f64()
                ));
            }
            None => {
                if let Some(line) = line {
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                }
            }
        }
    }
}

impl Observer for ApplyProgress {
    fn on_event(&self, event: &ClientEvent<'_>) {
        let mut state = self.lock();
        let line = match event {
            ClientEvent::JobSubmitted { id, items, .. } => {
                state.in_flight += 1;
                state.jobs.insert((*id).to_owned(), (items.len(), 0));
                None
            }
            ClientEvent::JobProgress { id, progress, .. } => {
                if let Some((items, processed)) = state.jobs.get_mut(*id) {
                    *processed = usize::try_from(*progress).unwrap_or(usize::MAX).min(*items);
                }
                None
            }
            ClientEvent::JobFinished { id, status } => {
                state.in_flight = state.in_flight.saturating_sub(1);
                let (items, _) = state.jobs.remove(*id).unwrap_or_default();
                state.done += items;
                Some(format!(
                    "job {id} {status}: {} ({} of {} changes done)",
                    plural(items, "item"),
                    count(state.done.min(state.total)),
                    count(state.total)
                ))
            }
            ClientEvent::Response {
                endpoint, status, ..
            } if !endpoint.starts_with("GET ")
                && !endpoint.contains("_many")
                && (200..300).contains(status) =>
            {
                // A single request: a custom role, organization, group, identity, or an
                // item when bulk imports are off.
                state.done += 1;
                None
            }
            ClientEvent::Paced { wait } => {
                state.waited += *wait;
                (*wait >= Duration::from_secs(1)).then(|| {
                    format!(
                        "waiting {:.1} s to stay within the rate-limit share",
                        wait.as_secs_f64()
                    )
                })
            }
            ClientEvent::Retry {
                endpoint,
                attempt,
                reason,
                wait,
            } => {
                state.waited += *wait;
                Some(format!(
                    "retrying {endpoint} in {:.1} s (attempt {attempt} failed: {reason})",
                    wait.as_secs_f64()
                ))
            }
            ClientEvent::Fallback { endpoint, requests } => Some(format!(
                "{endpoint} is refused (bulk imports disabled): sending {} instead",
                plural(*requests, "single request")
            )),
            _ => None,
        };
        self.show(&state, line);
    }
}

/// Passes every event to several observers (the journal and the progress display).
pub(crate) struct Tee(pub(crate) Vec<Arc<dyn Observer>>);

impl Observer for Tee {
    fn on_event(&self, event: &ClientEvent<'_>) {
        for observer in &self.0 {
            observer.on_event(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ApplyProgress, RealPace};
    use crate::zendesk::{ClientEvent, Observer};

    #[test]
    fn apply_progress_counts_job_items_and_single_writes_and_waits() {
        let progress = ApplyProgress::new(false, false);
        progress.start(7);
        progress.on_event(&ClientEvent::JobSubmitted {
            id: "j1",
            operation: 1,
            items: 0..5,
        });
        progress.on_event(&ClientEvent::JobSubmitted {
            id: "j2",
            operation: 1,
            items: 5..6,
        });
        assert_eq!(progress.lock().in_flight, 2);
        // j1 reports 3 of its 5 items processed: the bar moves before it finishes.
        progress.on_event(&ClientEvent::JobProgress {
            id: "j1",
            progress: 3,
            total: 5,
        });
        assert_eq!(progress.lock().position(), 3);
        progress.on_event(&ClientEvent::JobFinished {
            id: "j1",
            status: "completed",
        });
        // A single write (a group), and a read that is not progress.
        for endpoint in ["POST /api/v2/groups", "GET /api/v2/users"] {
            progress.on_event(&ClientEvent::Response {
                endpoint,
                status: 201,
                elapsed: Duration::ZERO,
                target: "",
                rate: crate::zendesk::RateLimit::default(),
            });
        }
        progress.on_event(&ClientEvent::Paced {
            wait: Duration::from_secs(2),
        });
        let state = progress.lock();
        assert_eq!((state.done, state.in_flight, state.position()), (6, 1, 6));
        assert_eq!(state.waited, Duration::from_secs(2));
        assert!(state.jobs.contains_key("j2") && !state.jobs.contains_key("j1"));
    }

    #[test]
    fn the_real_account_time_counts_the_windows_the_share_of_its_limit_takes() {
        let pace = RealPace {
            limit: 700,
            share: 0.5,
        };
        // 350 a window of 61 s: the first window's requests go at once.
        assert_eq!(pace.seconds(15, 0), 0);
        assert_eq!(pace.seconds(350, 0), 0);
        assert_eq!(pace.seconds(351, 0), 61);
        // The 100,000-agent fetch: 5 windows more (the paced sandbox took 307 s).
        assert_eq!(pace.seconds(2_006, 0), 305);
        assert_eq!(
            pace.describe(2_006, 0),
            "about 5 min at 700 a minute and share 0.5 on a real account"
        );
        assert_eq!(
            pace.describe(15, 1),
            "under a minute at 700 a minute and share 0.5 on a real account"
        );
        // The export's 10 pages a window can take longer than the account's limit.
        assert_eq!(pace.seconds(150, 101), 610);
        let small = RealPace {
            limit: 200,
            share: 0.05,
        };
        assert_eq!(small.seconds(21, 0), 122, "10 a window");
    }
}
