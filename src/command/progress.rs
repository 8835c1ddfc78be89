//! Fetch progress for people: a spinner with the stage and the items so far on a terminal
//! (indicatif), and one summary line on standard error either way.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::state::{EmailStrategy, LiveState, Progress, Stage};

/// Shows fetch progress on standard error when it is a terminal; silent otherwise.
pub(crate) struct FetchProgress {
    bar: Option<ProgressBar>,
}

impl FetchProgress {
    /// A spinner on a terminal, nothing elsewhere (logs get [`summary`] instead).
    pub(crate) fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
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

/// One line on what the fetch read and cost: `fetched 1,234 users … with 15 requests`.
pub(crate) fn summary(err: &mut dyn Write, live: &LiveState, seconds: f64) {
    let stats = &live.cost.stats;
    let mut text = format!(
        "fetched {}, {}, {} and {} in {seconds:.1} s with {}",
        count(live.users.len() as u64, "user"),
        count(live.groups.len() as u64, "group"),
        count(live.organizations.len() as u64, "organization"),
        count(live.custom_roles.len() as u64, "custom role"),
        count(stats.requests, "request"),
    );
    if stats.retries > 0 {
        let _ = write!(text, " ({} retried)", stats.retries);
    }
    if let Some(lookup) = &live.cost.email_lookup {
        let how = match lookup.strategy {
            EmailStrategy::Search => "searched",
            EmailStrategy::IncrementalExport => "found through the user export",
        };
        let _ = write!(text, "; {} roster emails {how}", lookup.emails);
    }
    let _ = writeln!(err, "{text}");
}

/// `1 user`, `2 users`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
