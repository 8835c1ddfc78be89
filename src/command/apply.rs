//! `zapply` / `zroster apply`: apply a saved plan exactly (after the staleness check of
//! DESIGN.md §6), or plan a roster and apply it after confirmation. The work is the
//! library's ([`crate::apply`]); this module resolves arguments, prints and picks the exit
//! code.
//!
//! A single argument ending in `.json` is a saved plan; anything else is roster paths
//! (rosters are YAML, so the two cannot be confused).

use std::io::{BufRead as _, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::plan::{PlanFailure, connection_settings, sandbox_no_delay, start_sandbox};
use super::{ExitStatus, report};
use crate::apply::staleness::{self, CheckError};
use crate::apply::{ApplyReport, Executor, Journal, Status};
use crate::cli::ApplyArgs;
use crate::plan::{Plan, Planner};
use crate::render::{self, Format, RenderOptions};
use crate::roster::{self, diagnostic};
use crate::state::{self, NoProgress, StateQuery};
use crate::zendesk::{Auth, ConnectionSettings, Observer, Secret, WriteClient};

/// What went wrong before or after applying.
#[derive(Debug, thiserror::Error)]
enum ApplyFailure {
    #[error(transparent)]
    Setup(#[from] PlanFailure),
    #[error("cannot read the saved plan `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a saved plan")]
    Parse {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write the report `{path}`")]
    Report {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Whether the arguments name a saved plan rather than roster paths.
fn saved_plan(paths: &[PathBuf]) -> Option<&Path> {
    match paths {
        [path]
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
        {
            Some(path)
        }
        _ => None,
    }
}

pub(super) fn run(args: &ApplyArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(err, &error),
    };
    let source = if let Some(path) = saved_plan(&args.paths) {
        match read_plan(path) {
            Ok(plan) => Source::Saved(Box::new(plan)),
            Err(error) => return report(err, &error),
        }
    } else {
        let loaded = roster::load(&args.paths);
        if loaded.has_errors() {
            let _ = diagnostic::write_human(err, &loaded.diagnostics, false, false);
            return ExitStatus::Failure;
        }
        Source::Roster(Box::new(loaded.roster))
    };
    runtime.block_on(apply(args, source, out, err))
}

enum Source {
    /// A saved plan, or the unknown `format_version` it has.
    Saved(Box<Result<Plan, u32>>),
    Roster(Box<roster::Roster>),
}

/// Reads a saved plan; the version is checked before the rest is parsed, so a plan from
/// another version is refused rather than misread.
fn read_plan(path: &Path) -> Result<Result<Plan, u32>, ApplyFailure> {
    let text = std::fs::read_to_string(path).map_err(|source| ApplyFailure::Read {
        path: path.display().to_string(),
        source,
    })?;
    let parse = |source| ApplyFailure::Parse {
        path: path.display().to_string(),
        source,
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(parse)?;
    let version = value["format_version"].as_u64().unwrap_or(0);
    if version != u64::from(crate::plan::FORMAT_VERSION) {
        return Ok(Err(u32::try_from(version).unwrap_or(u32::MAX)));
    }
    serde_json::from_value(value).map(Ok).map_err(parse)
}

async fn apply(
    args: &ApplyArgs,
    source: Source,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let sandbox = match &args.sandbox {
        Some(path) => match start_sandbox(path).await {
            Ok(sandbox) => Some(sandbox),
            Err(error) => return report(err, &error),
        },
        None => None,
    };
    let settings = match &sandbox {
        Some((handle, email, token)) => ConnectionSettings::new(
            handle.base_url(),
            Auth::ApiToken {
                email: email.clone(),
                token: Secret::new(token.clone()),
            },
        )
        .map(|mut settings| {
            // Polls keep their backoff against the sandbox too (a tight loop of job polls
            // helps nobody); only the test switch turns the waits off.
            settings.no_delay = sandbox_no_delay();
            settings
        }),
        None => connection_settings(&args.connection, |name| std::env::var(name).ok()),
    };
    let path = args.journal.clone().unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        PathBuf::from(format!(".zroster/journal/{stamp}.jsonl"))
    });
    let journal = Arc::new(Journal::create(&path));
    let observer: Arc<dyn Observer> = journal.clone();
    let connected = settings.and_then(|s| WriteClient::with_observer(s, observer));
    let status = match connected {
        Ok(client) => apply_with(args, source, &client, journal, out, err).await,
        Err(error) => report(err, &error),
    };
    if let Some((handle, ..)) = sandbox {
        handle.shutdown().await;
    }
    status
}

async fn apply_with(
    args: &ApplyArgs,
    source: Source,
    client: &WriteClient,
    journal: Arc<Journal>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let plan = match source {
        Source::Saved(plan) => match *plan {
            Err(found) => {
                let refusal = staleness::Refusal::FormatVersion { found };
                let _ = writeln!(err, "error: {refusal}");
                return ExitStatus::Refused;
            }
            Ok(plan) => match staleness::check(&plan, client).await {
                Ok(()) => plan,
                Err(CheckError::Refused(refusal)) => {
                    let _ = writeln!(err, "error: {refusal}");
                    return ExitStatus::Refused;
                }
                Err(error) => return report(err, &error),
            },
        },
        Source::Roster(roster) => {
            let query = StateQuery::from_roster(&roster);
            let live = match state::fetch(client, &query, &NoProgress).await {
                Ok(live) => live,
                Err(error) => return report(err, &error),
            };
            let plan = Planner::build(&roster, &live, &roster.digest);
            let options = RenderOptions {
                color: super::use_color(args.color, std::io::stdout().is_terminal()),
                mask_emails: false,
            };
            let _ = render::renderer(Format::Human, options).render(&plan, out);
            plan
        }
    };
    if !plan.errors.is_empty() {
        let _ = writeln!(err, "error: the plan has errors and cannot be applied");
        return ExitStatus::Failure;
    }
    let held: Vec<_> = plan
        .refusals
        .iter()
        .filter(|r| !(args.allow_mass_changes && r.overridable))
        .collect();
    if !held.is_empty() {
        for refusal in held {
            let _ = writeln!(err, "error: refused: {}", refusal.message);
        }
        if plan.refusals.iter().all(|r| r.overridable) {
            let _ = writeln!(
                err,
                "hint: review the plan, then pass `--allow-mass-changes` to apply it anyway"
            );
        }
        return ExitStatus::Refused;
    }
    let count = plan.applicable().count();
    if count == 0 {
        let _ = writeln!(out, "Nothing to apply.");
        return ExitStatus::Success;
    }
    if saved_plan(&args.paths).is_none() && !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            let _ = writeln!(
                err,
                "error: not applying without confirmation\nhint: pass `--auto-approve` to apply a roster from a script, or apply a reviewed plan with `zapply plan.json`"
            );
            return ExitStatus::Failure;
        }
        let _ = write!(
            out,
            "Apply these {count} changes to {}? [y/N] ",
            plan.account
        );
        let _ = out.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            let _ = writeln!(out, "Not applied.");
            return ExitStatus::Failure;
        }
    }
    let outcome = Executor::new(client)
        .with_journal(journal)
        .execute(&plan)
        .await;
    let _ = write_outcome(&outcome, out);
    if let Some(path) = &args.report
        && let Err(error) = save_report(&outcome, path)
    {
        return report(err, &error);
    }
    if outcome.is_success() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// The summary line, then one line per change that did not apply.
fn write_outcome(outcome: &ApplyReport, out: &mut dyn Write) -> std::io::Result<()> {
    if outcome.fell_back_to_single_requests {
        writeln!(
            out,
            "note: the account has bulk imports disabled; single requests were used instead"
        )?;
    }
    for result in outcome
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed | Status::Unresolved))
    {
        let word = if result.status == Status::Failed {
            "failed"
        } else {
            "unresolved"
        };
        let target = result
            .target
            .as_deref()
            .map(|t| format!(" → {t}"))
            .unwrap_or_default();
        writeln!(
            out,
            "{word}: {} {} {}{target} ({}, {}): {}: {}",
            snake(&result.action),
            snake(&result.kind).replace('_', " "),
            result.label,
            result.source.as_deref().unwrap_or("pruned"),
            result.key,
            result.error.as_deref().unwrap_or("Error"),
            result.details.as_deref().unwrap_or(""),
        )?;
    }
    for divergence in &outcome.diverged {
        writeln!(
            out,
            "did not converge: {} ({}, {}): {}: planned {}, Zendesk has {}",
            divergence.label,
            divergence.source.as_deref().unwrap_or("pruned"),
            divergence.key,
            divergence.field,
            divergence.planned,
            divergence.live,
        )?;
    }
    writeln!(out, "{}", outcome.summary())
}

/// The JSON name of a plan enum (`create`, `group_membership`).
fn snake(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn save_report(outcome: &ApplyReport, path: &Path) -> Result<(), ApplyFailure> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut file, outcome)?;
        writeln!(file)?;
        file.flush()
    };
    write().map_err(|source| ApplyFailure::Report {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::saved_plan;

    #[test]
    fn one_json_file_is_a_saved_plan_and_anything_else_is_a_roster() {
        let paths = |p: &[&str]| p.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert!(saved_plan(&paths(&["plan.json"])).is_some());
        assert!(saved_plan(&paths(&["out/PLAN.JSON"])).is_some());
        assert!(saved_plan(&paths(&["roster/"])).is_none());
        assert!(saved_plan(&paths(&["a.yaml", "plan.json"])).is_none());
    }
}
