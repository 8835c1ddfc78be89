//! `zplan` / `zroster plan`: load the roster, fetch the live state through a read-only
//! client, build the plan, render it, and optionally save it as JSON.

use std::io::{IsTerminal, Write};

use super::{ExitStatus, report};
use crate::cli::{ConnectionArgs, PlanArgs, PlanFormat};
use crate::plan::{Blocked, Plan, Planner};
use crate::render::{self, Format, RenderOptions};
use crate::roster::{self, diagnostic};
use crate::state::{self, StateQuery};
use crate::zendesk::{Auth, ConnectionSettings, ReadClient, Secret, ZendeskError};
use crate::{env_vars, fake};

/// Connection settings from the flags, falling back to the environment for what they do not
/// give.
pub(crate) fn connection_settings(
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

/// What went wrong before a plan could be shown.
#[derive(Debug, thiserror::Error)]
pub(super) enum PlanFailure {
    #[error(transparent)]
    Zendesk(#[from] ZendeskError),
    #[error("cannot start the sandbox emulator")]
    Sandbox(#[from] fake::Error),
    #[error("cannot write `{path}`")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub(super) fn run(args: &PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let loaded = roster::load(&args.paths);
    if loaded.has_errors() {
        let _ = diagnostic::write_human(err, &loaded.diagnostics, false, false);
        return ExitStatus::Failure;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(err, &error),
    };
    let started = std::time::Instant::now();
    let live = match runtime.block_on(fetch(
        args.sandbox.as_deref(),
        &args.connection,
        &StateQuery::from_roster(&loaded.roster),
    )) {
        Ok(live) => live,
        Err(error) => return report(err, &error),
    };
    super::progress::summary(err, &live, started.elapsed().as_secs_f64());
    let plan = Planner::build(&loaded.roster, &live, &loaded.roster.digest);
    let options = RenderOptions {
        color: super::use_color(args.color, std::io::stdout().is_terminal()),
        mask_emails: args.mask_emails,
    };
    let format = match args.format {
        PlanFormat::Human => Format::Human,
        PlanFormat::Markdown => Format::Markdown,
        PlanFormat::Json => Format::Json,
    };
    // A closed pipe (`zplan | head`) is not an error: the reader has what it wanted.
    let _ = render::renderer(format, options).render(&plan, out);
    if let Some(path) = &args.out
        && let Err(error) = save(&plan, path)
    {
        return report(err, &error);
    }
    exit_status(&plan, args.detailed_exitcode)
}

/// The exit code of DESIGN.md §1 for a plan.
pub(crate) fn exit_status(plan: &Plan, detailed: bool) -> ExitStatus {
    let conflict = plan
        .changes
        .iter()
        .any(|c| c.blocked.as_ref().is_some_and(Blocked::is_error));
    if !plan.errors.is_empty() {
        ExitStatus::Failure
    } else if !plan.refusals.is_empty() {
        ExitStatus::Refused
    } else if detailed && conflict {
        ExitStatus::Failure
    } else if detailed && plan.applicable().next().is_some() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

fn save(plan: &Plan, path: &std::path::Path) -> Result<(), PlanFailure> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut file, plan)?;
        writeln!(file)?;
        file.flush()
    };
    write().map_err(|source| PlanFailure::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Fetches the live state for `query`, from the sandbox emulator when a state file is given.
pub(super) async fn fetch(
    sandbox: Option<&std::path::Path>,
    connection: &ConnectionArgs,
    query: &StateQuery,
) -> Result<state::LiveState, PlanFailure> {
    let sandbox = match sandbox {
        Some(path) => Some(start_sandbox(path).await?),
        None => None,
    };
    let settings = match &sandbox {
        Some((handle, email, token)) => {
            let mut settings = ConnectionSettings::new(
                handle.base_url(),
                Auth::ApiToken {
                    email: email.clone(),
                    token: Secret::new(token.clone()),
                },
            )?;
            settings.no_delay = sandbox_no_delay();
            settings
        }
        None => connection_settings(connection, |name| std::env::var(name).ok())?,
    };
    let client = ReadClient::connect(settings)?;
    let progress = super::progress::FetchProgress::new();
    let fetched = state::fetch(&client, query, &progress).await;
    progress.finish();
    if let Some((handle, ..)) = sandbox {
        handle.shutdown().await;
    }
    Ok(fetched?)
}

/// Whether the sandbox skips retry, pacing and polling waits: only under the test switch
/// ([`env_vars::ZROSTER_TEST_NO_DELAY`]), so that job polls keep their backoff.
pub(crate) fn sandbox_no_delay() -> bool {
    std::env::var(env_vars::ZROSTER_TEST_NO_DELAY).as_deref() == Ok("1")
}

/// Starts the in-process emulator seeded from a state file; returns it with the
/// credentials it accepts.
pub(super) async fn start_sandbox(
    path: &std::path::Path,
) -> Result<(fake::Handle, String, String), PlanFailure> {
    let seed = fake::StateFile::load(path)?;
    let mut config = fake::Config::default();
    if let Some(account) = &seed.account {
        config.knobs.apply(account);
    }
    // The sandbox shows the flow, not the account's pace: no latency, no faults.
    config.knobs.latency_ms = 0;
    // Authenticate as the state's first admin, as a real run would with an admin's token,
    // rather than adding an admin the account does not have.
    if let Some(email) = seed
        .users
        .iter()
        .filter(|u| u.get("role").and_then(|r| r.as_str()) == Some("admin"))
        .filter(|u| u.get("active").and_then(serde_json::Value::as_bool) != Some(false))
        .find_map(|u| u.get("email").and_then(|e| e.as_str()))
    {
        config.email = email.to_owned();
    }
    config.seed = seed;
    let (email, token) = (config.email.clone(), config.token.clone());
    let handle = fake::Server::start(config).await?;
    Ok((handle, email, token))
}
