//! `zroster probe`: prints its plan and budget, asks (or needs `--yes-this-writes`), runs
//! the experiments and their cleanup (also after an interrupt), prints the report and
//! writes `--report` and `--record`; `--cleanup JOURNAL` only removes what a run left.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ExitStatus;
use super::connect::connection_settings;
use super::request_log::RequestLog;
use crate::Error;
use crate::cli::ProbeArgs;
use crate::probe::report::Cleanup;
use crate::probe::{self, Experiment, ProbeError, ProbeSettings};
use crate::zendesk::{Observer, Silent};

fn written(result: std::io::Result<()>) -> Result<(), Error> {
    super::written(result)
}

fn write_file(path: &Path, text: &[u8]) -> Result<(), Error> {
    crate::private_file::write(path, text).map_err(|source| Error::Report {
        path: path.display().to_string(),
        source,
    })
}

/// Runs `zroster probe`.
pub(crate) fn run(
    args: &ProbeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let connection = connection_settings(&args.connection, |name| std::env::var(name).ok())?;
    let observer: Arc<dyn Observer> = match RequestLog::new(args.connection.verbose) {
        Some(log) => Arc::new(log),
        None => Arc::new(Silent),
    };
    let runtime = super::runtime()?;
    if let Some(journal) = &args.cleanup {
        let cleaned = runtime.block_on(probe::cleanup(connection, observer, journal))?;
        return cleaned_up(out, &cleaned, journal);
    }
    let prefix = ProbeSettings::new_prefix();
    let settings = ProbeSettings {
        journal: args
            .journal
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{prefix}.journal"))),
        prefix,
        domain: args.domain.clone(),
        fake_clock: std::env::var(crate::env_vars::ZROSTER_TEST_PROBE_FAKE_CLOCK)
            .ok()
            .filter(|v| !v.is_empty()),
    };
    let account = connection
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let mut plan = format!(
        "zroster probe will run these experiments on {account}, with at most {} requests ({} for the experiments, {} for the cleanup and its check, and up to {} more when an interrupt's cleanup follows), within {}% of the account's rate limit:\n",
        probe::REQUEST_BUDGET,
        probe::EXPERIMENT_BUDGET,
        probe::CLEANUP_BUDGET,
        probe::CLEANUP_BUDGET,
        (args.connection.rate_limit_share * 100.0).round(),
    );
    for e in Experiment::ALL {
        let _ = writeln!(plan, "  {:<36}{}", e.name(), e.writes());
    }
    let _ = writeln!(
        plan,
        "It creates at most 8 users, named, keyed and addressed `{p}-N@{d}`, 2 organizations and 1 group named `{p}-…`, and no other object; it changes nothing else. Two of the users are agents for a moment, each holding an agent seat; the account's triggers, webhooks and integrations see the users as any new user (Zendesk sends them no verification email). It removes them at the end (users deleted, then deleted for good). The journal `{j}` lists them as they are made: after an interrupted run, `zroster probe --cleanup {j}` removes them.\n",
        p = settings.prefix,
        d = settings.domain,
        j = settings.journal.display(),
    );
    written(out.write_all(plan.as_bytes()).and_then(|()| out.flush()))?;
    if !args.yes_this_writes {
        if args.no_input || super::in_ci() || !std::io::stdin().is_terminal() {
            return Err(ProbeError::NotConfirmed.into());
        }
        written(
            write!(out, "Create and remove these users on {account}? [y/N] ")
                .and_then(|()| out.flush()),
        )?;
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            written(writeln!(out, "Nothing was written."))?;
            return Ok(ExitStatus::Failure);
        }
    }
    // From here an interrupt (SIGINT, SIGTERM) removes what the probe created; a second one
    // stops at once, and the journal says what is left.
    let mut interrupts = runtime
        .block_on(async { super::interrupt::Interrupts::listen() })
        .map_err(Error::Runtime)?;
    let run = runtime.block_on(async {
        tokio::select! {
            outcome = probe::run(connection.clone(), Arc::clone(&observer), &settings) => Some(outcome),
            () = interrupts.next() => None,
        }
    });
    let Some(outcome) = run else {
        let _ = writeln!(
            err,
            "interrupted: removing what the probe created; interrupt again to stop at once"
        );
        let cleaned = runtime.block_on(async {
            tokio::select! {
                cleaned = probe::cleanup(connection, observer, &settings.journal) => Some(cleaned),
                () = interrupts.next() => None,
            }
        });
        let Some(cleaned) = cleaned else {
            let _ = writeln!(
                err,
                "stopped: `zroster probe --cleanup {}` removes what is left",
                settings.journal.display()
            );
            return Ok(ExitStatus::Interrupted);
        };
        cleaned_up(out, &cleaned?, &settings.journal)?;
        return Ok(ExitStatus::Interrupted);
    };
    let outcome = outcome?;
    written(outcome.report.write_human(out))?;
    if let Some(path) = &args.report {
        let mut text = serde_json::to_string_pretty(&outcome.report).unwrap_or_default();
        text.push('\n');
        write_file(path, text.as_bytes())?;
    }
    if let Some(dir) = &args.record {
        crate::private_file::create_dir_all(dir).map_err(|source| Error::Report {
            path: dir.display().to_string(),
            source,
        })?;
        for (name, content) in &outcome.recordings {
            let mut text = serde_json::to_string_pretty(content).unwrap_or_default();
            text.push('\n');
            write_file(&dir.join(name), text.as_bytes())?;
        }
    }
    if outcome.report.cleanup.is_complete() {
        Ok(ExitStatus::Success)
    } else {
        let _ = writeln!(
            err,
            "error: the cleanup left some of the probe's objects: `zroster probe --cleanup {}` tries again",
            settings.journal.display()
        );
        Ok(ExitStatus::Failure)
    }
}

fn cleaned_up(out: &mut dyn Write, cleaned: &Cleanup, journal: &Path) -> Result<ExitStatus, Error> {
    let mut text = cleaned.summary_with_retry(journal);
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    written(writeln!(out, "{text}."))?;
    Ok(if cleaned.is_complete() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
