//! `zroster fake`: resolves the flags and the state file into an emulator [`Config`], serves
//! until SIGINT or SIGTERM, then writes `--save`.

use std::io::Write;

use super::ExitStatus;
use crate::Error;
use crate::cli::{FakeArgs, FakePlan, OnOff};
use crate::fake::{AccountSettings, Config, Knobs, Plan, Server, StateFile};

/// The knobs the flags set (unset flags leave the state file's value).
fn settings_from(args: &FakeArgs) -> AccountSettings {
    let plan = |p: FakePlan| match p {
        FakePlan::Team => Plan::Team,
        FakePlan::Growth => Plan::Growth,
        FakePlan::Professional => Plan::Professional,
        FakePlan::Enterprise => Plan::Enterprise,
    };
    AccountSettings {
        profile: args.profile.map(plan),
        plan: args.plan.map(plan),
        user_tagging: args.user_tagging.map(|b| b == OnOff::On),
        multiple_organizations: args.multiple_organizations.map(|b| b == OnOff::On),
        search_lag_s: args.search_lag_s,
        time_zone: args.time_zone.clone(),
        subdomain: args.subdomain.clone(),
        bulk_imports: args.bulk_imports.map(|b| b == OnOff::On),
        rate_limit: args.rate_limit,
        latency_ms: args.latency_ms,
        job_items_per_second: args.job_items_per_second,
        max_jobs: args.max_jobs,
        job_ttl_s: args.job_ttl_s,
        fault_5xx: args.fault_5xx,
        fault_429: args.fault_429,
        fault_drop: args.fault_drop,
        fault_item: args.fault_item,
        fault_job_failed: args.fault_job_failed,
        fault_job_killed: args.fault_job_killed,
        fault_seed: args.fault_seed,
        ..AccountSettings::default()
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the emulator in the foreground.
pub(crate) fn run(
    args: &FakeArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    // The flags' values were checked as they were parsed (`cli.rs`), by the rules that check
    // the state file's `account`.
    let flags = settings_from(args);
    let seed = match &args.state {
        Some(path) => StateFile::load(path)?,
        None => StateFile::default(),
    };
    // The profile the flags or the state name (Enterprise when neither does), then every
    // knob the state sets, then every knob the flags set.
    let knobs = match &args.account_report {
        Some(path) => {
            let report = crate::probe::ProbeReport::load(path)?;
            Knobs::resolve_with_report(seed.account.as_ref(), &report.to_account_settings(), &flags)
        }
        None => Knobs::resolve(seed.account.as_ref(), &flags),
    };
    let config = Config {
        port: args.port,
        email: args.email.clone(),
        token: args.token.clone(),
        oauth_token: args.oauth_token.clone(),
        knobs,
        seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async {
        let handle = Server::start(config).await?;
        let line = format!("listening on {}\n", handle.base_url());
        if let Err(error) = super::write_out(out, line.as_bytes()) {
            handle.shutdown().await;
            return Err(error);
        }
        wait_for_signal().await;
        let state = handle.state();
        handle.shutdown().await;
        if let Some(path) = &args.save {
            state.save(path)?;
        }
        Ok(ExitStatus::Success)
    })
}
