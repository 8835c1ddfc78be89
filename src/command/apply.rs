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
use super::progress::{ApplyProgress, Tee};
use super::{ExitStatus, report};
use crate::apply::staleness::{self, CheckError};
use crate::apply::{ApplyReport, Executor, Interrupted, Journal};
use crate::cli::{ApplyArgs, ApplyFormat};
use crate::plan::{Kind, Plan, Planner};
use crate::render::{self, Format, RenderOptions, plural};
use crate::roster::{self, diagnostic};
use crate::state::{self, NoProgress, StateQuery};
use crate::zendesk::{Auth, ConnectionSettings, ItemOutcome, Observer, Secret, WriteClient};

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
    #[error(transparent)]
    Journal(#[from] crate::apply::JournalError),
    #[error(
        "the journal `{path}` is of another plan; resume with the plan that run applied, or make a new plan"
    )]
    OtherPlan { path: String },
    #[error("the journal `{path}` is of a run against `{journal}`, not `{connected}`")]
    OtherAccount {
        path: String,
        journal: String,
        connected: String,
    },
    #[error("cannot read the results of the interrupted run's open jobs")]
    OpenJobs(#[source] crate::zendesk::ZendeskError),
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
    let previous = match args.resume.as_deref().map(Interrupted::read).transpose() {
        Ok(previous) => previous,
        Err(error) => return report(err, &error),
    };
    runtime.block_on(apply(args, source, previous.as_ref(), out, err))
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
    previous: Option<&Interrupted>,
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
    let journal = Arc::new(Journal::at_or_default(args.journal.as_deref()));
    let progress = Arc::new(ApplyProgress::new());
    let observer: Arc<dyn Observer> = Arc::new(Tee(vec![journal.clone(), progress.clone()]));
    let connected = settings.and_then(|s| WriteClient::with_observer(s, observer));
    let status = match connected {
        Ok(client) => {
            let run = Run {
                args,
                client: &client,
                journal,
                progress,
                previous,
            };
            run.apply(source, out, err).await
        }
        Err(error) => report(err, &error),
    };
    if let Some((handle, ..)) = sandbox {
        handle.shutdown().await;
    }
    status
}

/// One apply: the arguments, the connection, the journal, and the interrupted run it
/// resumes, if any.
struct Run<'a> {
    args: &'a ApplyArgs,
    client: &'a WriteClient,
    journal: Arc<Journal>,
    progress: Arc<ApplyProgress>,
    previous: Option<&'a Interrupted>,
}

impl Run<'_> {
    /// The resumed journal's path, for messages.
    fn journal_name(&self) -> String {
        self.args
            .resume
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// Refuses a journal of another account.
    fn check_account(&self, previous: &Interrupted, account: &str) -> Result<(), ApplyFailure> {
        let same = |a: &str| a.trim_end_matches('/').to_owned();
        if same(&previous.account) == same(account) {
            Ok(())
        } else {
            Err(ApplyFailure::OtherAccount {
                path: self.journal_name(),
                journal: previous.account.clone(),
                connected: account.to_owned(),
            })
        }
    }

    /// A saved plan resumed: the journal must be this plan's; the staleness check leaves
    /// out what the interrupted run wrote itself.
    async fn check_saved(&self, plan: &Plan, err: &mut dyn Write) -> Result<(), ExitStatus> {
        let mut checked = std::borrow::Cow::Borrowed(plan);
        if let Some(previous) = self.previous {
            let refused = if previous.plan_digest.as_deref() == Some(&plan.digest()) {
                self.check_account(previous, &plan.account).err()
            } else {
                Some(ApplyFailure::OtherPlan {
                    path: self.journal_name(),
                })
            };
            if let Some(error) = refused {
                return Err(report(err, &error));
            }
            let written: std::collections::HashSet<(bool, u64)> = previous
                .results
                .keys()
                .copied()
                .chain(previous.attempted.iter().copied())
                .filter_map(|i| plan.changes.get(i))
                .filter_map(|c| Some((is_named(c.kind), c.id?)))
                .collect();
            checked
                .to_mut()
                .touched
                .retain(|t| !written.contains(&(is_named(t.kind), t.id)));
        }
        match staleness::check(&checked, self.client).await {
            Ok(()) => Ok(()),
            Err(CheckError::Refused(refusal)) => {
                let _ = writeln!(err, "error: {refusal}");
                Err(ExitStatus::Refused)
            }
            Err(error) => Err(report(err, &error)),
        }
    }

    /// A roster resumed: the jobs the interrupted run left open finish before the account
    /// is read, so that the fresh plan sees what they did.
    async fn finish_open_jobs(&self, out: &mut dyn Write) -> Result<(), ApplyFailure> {
        let Some(previous) = self.previous else {
            return Ok(());
        };
        self.check_account(previous, self.client.settings().base_url.as_str())?;
        let outcomes = previous
            .finish_open_jobs(self.client)
            .await
            .map_err(ApplyFailure::OpenJobs)?;
        let items: Vec<&ItemOutcome> = outcomes.iter().flatten().collect();
        let unknown = items
            .iter()
            .filter(|i| matches!(i, ItemOutcome::Unknown { .. }))
            .count();
        let failed = items
            .iter()
            .filter(|i| matches!(i, ItemOutcome::Failed { .. }))
            .count();
        let _ = writeln!(
            out,
            "Resuming {}: {} of the interrupted run finished ({}: {} done, {failed} failed, {unknown} unknown); planning afresh.",
            self.journal_name(),
            plural(outcomes.len(), "open job"),
            plural(items.len(), "item"),
            items.len() - failed - unknown,
        );
        Ok(())
    }

    async fn apply(&self, source: Source, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
        let (args, client) = (self.args, self.client);
        let plan = match source {
            Source::Saved(plan) => match *plan {
                Err(found) => {
                    let refusal = staleness::Refusal::FormatVersion { found };
                    let _ = writeln!(err, "error: {refusal}");
                    return ExitStatus::Refused;
                }
                Ok(plan) => match self.check_saved(&plan, err).await {
                    Ok(()) => plan,
                    Err(status) => return status,
                },
            },
            Source::Roster(roster) => {
                if let Err(error) = self.finish_open_jobs(out).await {
                    return report(err, &error);
                }
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
                let format = match args.format {
                    ApplyFormat::Human => Format::Human,
                    ApplyFormat::Markdown => Format::Markdown,
                };
                let _ = render::renderer(format, options).render(&plan, out);
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
        let resuming_saved = self.previous.is_some() && saved_plan(&args.paths).is_some();
        if count == 0 && !resuming_saved {
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
        let executor = Executor::new(client).with_journal(self.journal.clone());
        self.progress.start(count);
        let outcome = match self.previous {
            Some(previous) if resuming_saved => {
                let adopted = previous.applied().count();
                let _ = writeln!(
                    out,
                    "Resuming {}: {} applied by the interrupted run, {} left open.",
                    self.journal_name(),
                    plural(adopted, "change"),
                    plural(previous.open_jobs.len(), "job"),
                );
                executor.resume(&plan, previous).await
            }
            _ => executor.execute(&plan).await,
        };
        self.progress.finish();
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => return report(err, &error),
        };
        if let Some(error) = self.journal.take_failure() {
            let cause = std::error::Error::source(&error)
                .map(|cause| format!(": {cause}"))
                .unwrap_or_default();
            let _ = writeln!(
                err,
                "warning: {error}{cause}; it misses events from then on"
            );
        }
        let _ = match args.format {
            ApplyFormat::Human => render::outcome_human(&outcome, out),
            ApplyFormat::Markdown => render::outcome_markdown(&outcome, out),
        };
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
}

/// Whether `kind` is a named object (custom role, organization, group) rather than a user or
/// one of a user's memberships: the two kinds of id the staleness check names.
fn is_named(kind: Kind) -> bool {
    matches!(kind, Kind::CustomRole | Kind::Organization | Kind::Group)
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
