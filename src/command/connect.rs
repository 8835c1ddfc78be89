//! The connection shared by the commands that talk to Zendesk (`plan`, `apply`, `export`):
//! the account and credentials from the flags and the environment, or the in-process
//! sandbox emulator seeded from a state file (`--sandbox`), and the read-only or writing
//! client over it.

use std::path::Path;
use std::sync::Arc;

use super::progress::{RealPace, Tee};
use super::request_log::RequestLog;
use crate::apply::guard;
use crate::cli::ConnectionArgs;
use chrono::{DateTime, Utc};

use crate::plan::{Plan, Planner, SafetySettings, binding};
use crate::roster::Roster;
use crate::state::{self, LiveState, StateQuery};
use crate::zendesk::{
    AccountNames, Auth, ConnectionSettings, Observer, ReadClient, Secret, Silent, WriteClient,
    ZendeskError,
};
use crate::{Error, env_vars, fake};

/// The account a command talks to, and the sandbox emulator serving it, if any.
pub(super) struct Connection {
    settings: ConnectionSettings,
    sandbox: Option<fake::Handle>,
    /// For a sandbox, the pace of the real account it rehearses.
    real_pace: Option<RealPace>,
    /// `-v`: every client of the connection logs its requests.
    log: Option<RequestLog>,
}

impl Connection {
    /// With a state file, starts the sandbox emulator seeded from it and connects as the
    /// state's first admin; otherwise the account of the flags and the environment.
    pub(super) async fn open(sandbox: Option<&Path>, args: &ConnectionArgs) -> Result<Self, Error> {
        let log = RequestLog::new(args.verbose);
        let Some(path) = sandbox else {
            let settings = connection_settings(args, |name| std::env::var(name).ok())?;
            return Ok(Self {
                settings,
                sandbox: None,
                real_pace: None,
                log,
            });
        };
        let (handle, email, token, limit) = start_sandbox(path).await?;
        let auth = Auth::ApiToken {
            email,
            token: Secret::new(token),
        };
        let settings = ConnectionSettings::new(handle.base_url(), auth).and_then(|mut settings| {
            // Polls keep their backoff against the sandbox too (a tight loop of job polls
            // helps nobody); only the test switch turns the waits off.
            settings.no_delay = sandbox_no_delay();
            // The run's share, as against the real account (the estimate counts with it).
            settings.rate_limit_share = args.rate_limit_share;
            settings.validate()?;
            Ok(settings)
        });
        match settings {
            Ok(settings) => Ok(Self {
                real_pace: Some(RealPace {
                    limit,
                    share: settings.rate_limit_share,
                }),
                settings,
                sandbox: Some(handle),
                log,
            }),
            Err(error) => {
                handle.shutdown().await;
                Err(error.into())
            }
        }
    }

    /// A read-only client (`zplan`, `zroster export`): it has no way to write to Zendesk.
    pub(super) fn read_client(&self) -> Result<ReadClient, Error> {
        let observer: Arc<dyn Observer> = match self.log {
            Some(log) => Arc::new(log),
            None => Arc::new(Silent),
        };
        Ok(ReadClient::with_observer(self.settings.clone(), observer)?)
    }

    /// A writing client (`zapply`) that reports its requests, retries and jobs to
    /// `observer`.
    pub(super) fn write_client(&self, observer: Arc<dyn Observer>) -> Result<WriteClient, Error> {
        let observer: Arc<dyn Observer> = match self.log {
            Some(log) => Arc::new(Tee(vec![observer, Arc::new(log)])),
            None => observer,
        };
        Ok(WriteClient::with_observer(self.settings.clone(), observer)?)
    }

    /// Stops the sandbox emulator, if one was started.
    pub(super) async fn close(self) {
        if let Some(handle) = self.sandbox {
            handle.shutdown().await;
        }
    }
}

/// Fetches the live state for the roster through a read-only client (a spinner on a
/// terminal; the sandbox emulator when a state file is given), says what it read on `err`,
/// and plans ([`plan_guarded`]) as of `now`.
pub(super) async fn fetch_and_plan(
    sandbox: Option<&Path>,
    args: &ConnectionArgs,
    roster: &Roster,
    now: DateTime<Utc>,
    explain: Option<super::explain_drift::ExplainDrift>,
    err: &mut dyn std::io::Write,
) -> Result<Plan, Error> {
    let started = std::time::Instant::now();
    let connection = Connection::open(sandbox, args).await?;
    let planned = async {
        let client = connection.read_client()?;
        let progress = super::progress::FetchProgress::new(connection.log.is_some());
        let query = StateQuery::from_roster(roster);
        let fetched = fetch_bound(&client, roster, &query, &progress).await;
        progress.finish();
        let live = fetched?;
        let seconds = started.elapsed().as_secs_f64();
        super::progress::summary(err, &live, seconds, connection.real_pace);
        let mut plan = plan_guarded(&client, roster, &live, now, err).await?;
        if let Some(options) = explain {
            super::explain_drift::explain(&client, &mut plan, options).await?;
            if let Some(explained) = &plan.drift_explanation {
                let _ = writeln!(
                    err,
                    "read the audit log with {} (budget {}): {} entries",
                    crate::render::plural(explained.requests, "request"),
                    explained.budget,
                    explained.entries_read,
                );
            }
        }
        Ok(plan)
    }
    .await;
    connection.close().await;
    planned
}

/// Fetches the live state for the roster (`query`: [`StateQuery::from_roster`], or
/// [`StateQuery::for_apply`] when a convergence check follows), after checking its account
/// binding against the account `users/me` names (nothing else is read when it does not
/// hold), and counts the
/// account's agent seats when its policy needs them and the fetch does not list them all
/// (one request).
pub(super) async fn fetch_bound(
    client: &ReadClient,
    roster: &Roster,
    query: &StateQuery,
    progress: &dyn state::Progress,
) -> Result<LiveState, Error> {
    let probe = state::probe(client, progress).await?;
    let base_url = client.settings().base_url.as_str();
    let names = AccountNames::new(probe.me.account.clone(), base_url);
    let bound = SafetySettings::from_roster(roster, 0).account;
    binding::check_binding(&bound, &names, base_url)?;
    let mut live = state::fetch_after(client, query, progress, probe).await?;
    if state::needs_seat_count(roster) {
        live.agent_seats = Some(state::count_agent_seats(client).await?);
    }
    Ok(live)
}

/// Builds the plan as of `now`, then reads the secondary addresses of the users whose
/// access it lowers (when `protect` names addresses) and evaluates the safety rules again
/// with them, so that a user protected by any of its addresses is blocked (DESIGN.md §5).
/// Says on `err` what that read cost.
pub(super) async fn plan_guarded(
    client: &ReadClient,
    roster: &Roster,
    live: &LiveState,
    now: DateTime<Utc>,
    err: &mut dyn std::io::Write,
) -> Result<Plan, Error> {
    let mut plan = Planner::build_at(roster, live, &roster.digest, now);
    let checked =
        guard::enforce(&mut plan, client, live.me.id, &live.users, live.agent_seats).await?;
    let addresses = checked.addresses;
    if !addresses.unread.is_empty() {
        plan.notes.push(unread_note(addresses.unread.len()));
    }
    if !addresses.by_user.is_empty() {
        let _ = writeln!(
            err,
            "read the addresses of {} the plan lowers the access of or changes the role of, for `protect`, with {}",
            crate::render::plural(addresses.by_user.len(), "user"),
            crate::render::plural(
                usize::try_from(addresses.requests).unwrap_or(usize::MAX),
                "request"
            ),
        );
    }
    Ok(plan)
}

/// What the plan says of the users whose identities were not read for `protect`.
pub(super) fn unread_note(unread: usize) -> String {
    format!(
        "`protect` and the policy's address rules were matched against the primary address only for {unread} of the users whose access the plan lowers or whose role or primary address it changes: the addresses of at most {} users are read",
        state::ADDRESS_READS_AT_MOST,
    )
}

/// Fetches the live state for `query` through a read-only client, with a spinner on a
/// terminal; from the sandbox emulator when a state file is given.
pub(super) async fn fetch(
    sandbox: Option<&Path>,
    args: &ConnectionArgs,
    query: &StateQuery,
) -> Result<LiveState, Error> {
    let connection = Connection::open(sandbox, args).await?;
    let fetched = async {
        let client = connection.read_client()?;
        let progress = super::progress::FetchProgress::new(connection.log.is_some());
        let fetched = state::fetch(&client, query, &progress).await;
        progress.finish();
        Ok(fetched?)
    }
    .await;
    connection.close().await;
    fetched
}

/// Connection settings from the flags, falling back to the environment for what they do not
/// give.
pub(super) fn connection_settings(
    args: &ConnectionArgs,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ConnectionSettings, ZendeskError> {
    let overridden = |name: &str| -> Option<String> {
        let flag = match name {
            env_vars::ZENDESK_URL => args.url.clone(),
            env_vars::ZENDESK_SUBDOMAIN => args.subdomain.clone(),
            env_vars::ZENDESK_EMAIL => args.email.clone(),
            env_vars::ZENDESK_API_TOKEN => args.api_token.clone(),
            env_vars::ZENDESK_OAUTH_TOKEN => args.oauth_token.clone(),
            _ => None,
        };
        // A URL flag wins over a subdomain from the environment, and the reverse.
        if name == env_vars::ZENDESK_URL && args.subdomain.is_some() && args.url.is_none() {
            return None;
        }
        flag.or_else(|| lookup(name))
    };
    let mut settings = ConnectionSettings::from_environment(overridden)?;
    settings.rate_limit_share = args.rate_limit_share;
    settings.deadline = std::time::Duration::from_secs(args.deadline);
    settings.validate()?;
    Ok(settings)
}

/// Whether the sandbox skips retry, pacing and polling waits: only under the test switch
/// ([`env_vars::ZROSTER_TEST_NO_DELAY`]), so that job polls keep their backoff.
fn sandbox_no_delay() -> bool {
    std::env::var(env_vars::ZROSTER_TEST_NO_DELAY).as_deref() == Ok("1")
}

/// Starts the in-process emulator seeded from a state file; returns it with the
/// credentials it accepts and the rate limit a minute of the real account it stands for
/// (the state's, else its plan's default).
///
/// The sandbox is a rehearsal, not a rate-limited account: unless the state's `account`
/// sets a rate limit (`rate_limit`, `user_update_rate_limit` or `incremental_rate_limit`),
/// it answers as fast as the machine allows, and the fetch line says how long the real
/// account would take instead. A state that sets one keeps every limit of its account.
async fn start_sandbox(path: &Path) -> Result<(fake::Handle, String, String, u32), Error> {
    let seed = fake::StateFile::load(path).map_err(Error::Sandbox)?;
    let mut config = fake::Config {
        // The account the state describes: its profile (Enterprise unless it says), then
        // every knob it sets.
        knobs: fake::Knobs::resolve(seed.account.as_ref(), &fake::AccountSettings::default()),
        ..fake::Config::default()
    };
    let limit = config.knobs.rate_limit;
    if !sets_a_rate_limit(seed.account.as_ref()) {
        config.knobs.rate_limit = u32::MAX;
        config.knobs.user_update_rate_limit = u32::MAX;
        config.knobs.incremental_rate_limit = u32::MAX;
    }
    // The sandbox shows the flow, not the account's pace: no latency, no faults.
    config.knobs.latency_ms = 0;
    config.knobs.fault_5xx = 0.0;
    config.knobs.fault_429 = 0.0;
    config.knobs.fault_drop = 0.0;
    config.knobs.fault_item = 0.0;
    config.knobs.fault_job_failed = 0.0;
    config.knobs.fault_job_killed = 0.0;
    // Authenticate as the state's first admin, as a real run would with an admin's token,
    // rather than adding an admin the account does not have; a suspended one cannot sign in.
    if let Some(email) = seed
        .users
        .iter()
        .filter(|u| u.get("role").and_then(|r| r.as_str()) == Some("admin"))
        .filter(|u| u.get("active").and_then(serde_json::Value::as_bool) != Some(false))
        .filter(|u| u.get("suspended").and_then(serde_json::Value::as_bool) != Some(true))
        .find_map(|u| u.get("email").and_then(|e| e.as_str()))
    {
        config.email = email.to_owned();
    }
    config.seed = seed;
    let (email, token) = (config.email.clone(), config.token.clone());
    let handle = fake::Server::start(config).await.map_err(Error::Sandbox)?;
    Ok((handle, email, token, limit))
}

/// Whether a state's `account` sets one of the account's rate limits.
fn sets_a_rate_limit(account: Option<&fake::AccountSettings>) -> bool {
    account.is_some_and(|a| {
        a.rate_limit.is_some()
            || a.user_update_rate_limit.is_some()
            || a.incremental_rate_limit.is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::connection_settings;
    use crate::cli::ConnectionArgs;

    fn args() -> ConnectionArgs {
        ConnectionArgs {
            url: None,
            subdomain: None,
            email: None,
            api_token: None,
            oauth_token: None,
            rate_limit_share: 0.5,
            deadline: 300,
            verbose: 0,
        }
    }

    /// The environment of a run with an account, an email and a token.
    fn environment(name: &str) -> Option<String> {
        match name {
            "ZENDESK_URL" => Some("https://env.zendesk.com".into()),
            "ZENDESK_EMAIL" => Some("env@acme.com".into()),
            "ZENDESK_API_TOKEN" => Some("env-token".into()),
            _ => None,
        }
    }

    #[test]
    fn flags_win_over_the_environment_and_a_subdomain_flag_over_a_url_variable() {
        let from_env = connection_settings(&args(), environment).unwrap();
        assert_eq!(from_env.base_url.as_str(), "https://env.zendesk.com/");
        let url_flag = ConnectionArgs {
            url: Some("https://flag.zendesk.com".into()),
            ..args()
        };
        let settings = connection_settings(&url_flag, environment).unwrap();
        assert_eq!(settings.base_url.as_str(), "https://flag.zendesk.com/");
        let subdomain_flag = ConnectionArgs {
            subdomain: Some("acme".into()),
            ..args()
        };
        let settings = connection_settings(&subdomain_flag, environment).unwrap();
        assert_eq!(settings.base_url.as_str(), "https://acme.zendesk.com/");
    }

    #[test]
    fn the_rate_limit_share_flag_is_checked() {
        let share = ConnectionArgs {
            rate_limit_share: 1.5,
            ..args()
        };
        assert!(connection_settings(&share, environment).is_err());
    }
}
