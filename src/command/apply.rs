//! `zapply` / `zroster apply`: apply a saved plan exactly (after the staleness check of
//! DESIGN.md §6), or plan a roster and apply it after confirmation. The work is the
//! library's ([`crate::apply`]); this module resolves arguments, prints and picks the exit
//! code.
//!
//! A single argument ending in `.json` is a saved plan; anything else is roster paths
//! (rosters are YAML, so the two cannot be confused).

use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::connect::Connection;
use super::interrupt::Interrupts;
use super::progress::{ApplyProgress, Tee};
use super::{ExitStatus, write_out, written};
use crate::Error;
use crate::apply::{ApplyReport, Executor, Interrupted, Journal};
use crate::apply::{guard, staleness};
use crate::cli::{ApplyArgs, ApplyFormat};
use crate::plan::{Kind, Plan, SafetySettings, binding};
use crate::render::{self, Format, RenderOptions, plural};
use crate::roster;
use crate::state::{NoProgress, StateQuery};
use crate::zendesk::{AccountNames, AuthenticatedUser, ItemOutcome, Observer, WriteClient};

/// Whether the arguments name a saved plan rather than roster paths: one file named
/// `*.json`, or one file whose content is a plan whatever its name (`zplan --out tfplan`).
fn saved_plan(paths: &[PathBuf]) -> Option<&Path> {
    match paths {
        [path]
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                || looks_like_a_plan(path) =>
        {
            Some(path)
        }
        _ => None,
    }
}

/// Whether `path` is a regular file whose content starts as `zplan` writes a plan: a JSON
/// object whose first key is `format_version`. A roster cannot be one (`format_version` is no
/// roster key), and only the file's first bytes are read.
pub(super) fn looks_like_a_plan(path: &Path) -> bool {
    use std::io::Read as _;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut start = [0_u8; 64];
    let read = std::fs::File::open(path)
        .and_then(|mut file| file.read(&mut start))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&start[..read]);
    let text = text.trim_start();
    text.strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with("\"format_version\""))
}

pub(super) fn run(
    args: &ApplyArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let runtime = super::runtime()?;
    let source = if let Some(path) = saved_plan(&args.paths) {
        Source::Saved(Box::new(read_plan(path)?))
    } else {
        let loaded = roster::load(&args.paths);
        if loaded.has_errors() {
            return Err(Error::InvalidRoster(loaded.diagnostics));
        }
        Source::Roster(Box::new(loaded.roster))
    };
    let previous = args.resume.as_deref().map(Interrupted::read).transpose()?;
    runtime.block_on(apply(args, source, previous.as_ref(), out))
}

enum Source {
    /// A saved plan, or the unknown `format_version` it has.
    Saved(Box<Result<Plan, u32>>),
    Roster(Box<roster::Roster>),
}

/// Reads a saved plan; the version is checked before the rest is parsed, so a plan from
/// another version is refused rather than misread.
pub(super) fn read_plan(path: &Path) -> Result<Result<Plan, u32>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadPlan {
        path: path.display().to_string(),
        source,
    })?;
    let parse = |source| Error::ParsePlan {
        path: path.display().to_string(),
        source,
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(parse)?;
    // A version that is a number but not this one is another zroster's plan; a missing
    // version or one of another type is a broken plan, which parsing names.
    if let Some(version) = value["format_version"].as_u64()
        && version != u64::from(crate::plan::FORMAT_VERSION)
    {
        return Ok(Err(u32::try_from(version).unwrap_or(u32::MAX)));
    }
    serde_json::from_value(value).map(Ok).map_err(parse)
}

async fn apply(
    args: &ApplyArgs,
    source: Source,
    previous: Option<&Interrupted>,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let connection = Connection::open(args.sandbox.as_deref(), &args.connection).await?;
    let journal = Arc::new(Journal::at_or_default(args.journal.as_deref()));
    let progress = Arc::new(ApplyProgress::new(
        super::use_color(args.color, std::io::stderr().is_terminal()),
        args.connection.verbose > 0,
    ));
    let observer: Arc<dyn Observer> = Arc::new(Tee(vec![journal.clone(), progress.clone()]));
    let status = async {
        let client = connection.write_client(observer)?;
        // Real Zendesk is never on loopback: there, only a rehearsal's clock may be moved.
        if args.now.is_some() && !client.settings().is_loopback() {
            return Err(Error::NowOnAnAccount);
        }
        let run = Run {
            args,
            saved: matches!(source, Source::Saved(_)),
            client: &client,
            journal,
            progress,
            previous,
        };
        run.apply(source, out).await
    }
    .await;
    connection.close().await;
    status
}

/// One apply: the arguments, the connection, the journal, and the interrupted run it
/// resumes, if any.
struct Run<'a> {
    args: &'a ApplyArgs,
    /// Whether the argument is a saved plan (rather than roster paths).
    saved: bool,
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

    /// Before anything else a saved plan's apply reads: the account the credentials point
    /// at (`users/me`) must be the one the plan was made for and one its roster is bound
    /// to, and the plan's time boxes must still hold at this moment. Returns the
    /// authenticated user, whom the safety re-check needs too.
    async fn check_account(&self, plan: &Plan) -> Result<AuthenticatedUser, Error> {
        let now = self.args.now.unwrap_or_else(chrono::Utc::now);
        // A few minutes of difference between two machines' clocks are no plan from the
        // future.
        let skew = chrono::Duration::minutes(5);
        if chrono::DateTime::parse_from_rfc3339(&plan.made_at).is_ok_and(|made| made > now + skew) {
            return Err(staleness::Refusal::MadeLater {
                made_at: plan.made_at.clone(),
                now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }
            .into());
        }
        if let Some(until) = &plan.valid_until
            && chrono::DateTime::parse_from_rfc3339(until).is_ok_and(|until| now >= until)
        {
            return Err(staleness::Refusal::TimeBoxEnded {
                made_at: plan.made_at.clone(),
                valid_until: until.clone(),
            }
            .into());
        }
        let me = self.client.me().await?;
        let base_url = self.client.settings().base_url.as_str();
        let names = AccountNames::new(me.account.clone(), base_url);
        binding::check_plan_account(plan.subdomain.as_deref(), &names)?;
        binding::check_binding(&plan.safety.account, &names, base_url)?;
        Ok(me)
    }

    /// Refuses a journal of another account.
    fn check_journal_account(&self, previous: &Interrupted, account: &str) -> Result<(), Error> {
        let same = |a: &str| a.trim_end_matches('/').to_owned();
        if same(&previous.account) == same(account) {
            Ok(())
        } else {
            Err(Error::OtherAccount {
                path: self.journal_name(),
                journal: previous.account.clone(),
                connected: account.to_owned(),
            })
        }
    }

    /// A saved plan is applied only as `zplan` wrote it: its digest must match its content,
    /// and with `--roster` the roster must be the one it was made from, whose safety
    /// settings are then the ones enforced. Returns that roster.
    fn verify_saved(&self, plan: &mut Plan) -> Result<Option<roster::Roster>, Error> {
        if !plan.is_sealed() {
            return Err(staleness::Refusal::unsealed().into());
        }
        if self.args.roster.is_empty() {
            return Ok(None);
        }
        let loaded = roster::load(&self.args.roster);
        if loaded.has_errors() {
            return Err(Error::InvalidRoster(loaded.diagnostics));
        }
        if loaded.roster.digest != plan.roster_digest {
            return Err(staleness::Refusal::OtherRoster {
                planned: plan.roster_digest.clone(),
                given: loaded.roster.digest.clone(),
            }
            .into());
        }
        let settings = SafetySettings::from_roster(&loaded.roster, plan.safety.in_scope);
        if !settings.same_rules(&plan.safety) {
            return Err(staleness::Refusal::Edited {
                reason: "its safety settings are not its roster's".to_owned(),
            }
            .into());
        }
        plan.safety = settings;
        Ok(Some(loaded.roster))
    }

    /// With `--roster` whose `settings.policy` is set, the policy is judged afresh: the
    /// roster is planned against the account as it is now, and that plan's policy refusals
    /// join the saved plan's. The rules that depend on the roster alone, and the addresses of
    /// users the plan leaves alone, would otherwise be only what the file says: an edited
    /// plan can drop a refusal from its file (its digest is no signature), never from the
    /// roster. Costs one fetch, and only for a roster with a policy.
    async fn judge_policy_afresh(
        &self,
        plan: &mut Plan,
        roster: Option<&roster::Roster>,
    ) -> Result<(), Error> {
        let Some(roster) = roster.filter(|r| r.settings.policy.is_set()) else {
            return Ok(());
        };
        let query = StateQuery::for_apply(roster);
        let live = super::connect::fetch_bound(self.client, roster, &query, &NoProgress).await?;
        let now = self.args.now.unwrap_or_else(chrono::Utc::now);
        let fresh =
            super::connect::plan_guarded(self.client, roster, &live, now, &mut std::io::sink())
                .await?;
        for refusal in fresh.refusals {
            let known = plan
                .refusals
                .iter()
                .any(|r| r.rule == refusal.rule && r.message == refusal.message);
            if refusal.rule.starts_with("policy.") && !known {
                plan.refusals.push(refusal);
            }
        }
        Ok(())
    }

    /// A saved plan: the journal of a resumed run must be this plan's; the staleness check
    /// leaves out what the interrupted run wrote itself. Then the safety rules are evaluated
    /// again against the account as it is now ([`guard`]); what they block now is said.
    async fn check_saved(&self, plan: &mut Plan, out: &mut dyn Write) -> Result<(), Error> {
        let me = self.check_account(plan).await?;
        let mut written = std::collections::BTreeSet::new();
        if let Some(previous) = self.previous {
            if previous.plan_digest.as_deref() != Some(&plan.journal_name()) {
                return Err(Error::OtherPlan {
                    path: self.journal_name(),
                });
            }
            self.check_journal_account(previous, &plan.account)?;
            written = previous
                .results
                .keys()
                .copied()
                .chain(previous.attempted.iter().copied())
                .chain(
                    previous
                        .open_jobs
                        .iter()
                        .flat_map(|j| j.changes.iter().copied()),
                )
                .collect();
        }
        let exempt = written
            .iter()
            .filter_map(|&i| plan.changes.get(i))
            .filter_map(|c| Some((touched_kind(c.kind), c.id?)))
            .collect();
        let users = staleness::check(plan, self.client, &exempt).await?;
        let holders = staleness::check_creates(plan, self.client, &written).await?;
        let admins = holders.map(|(users, unchecked)| {
            if unchecked > 0 {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "warning: {} of the users the plan creates could not be checked for someone holding them as a secondary address by now (too many to search one by one)",
                    plural(unchecked, "email")
                );
            }
            users
        });
        let rechecked = guard::recheck(plan, self.client, &me, users, admins)
            .await
            .map_err(|e| Error::Check(staleness::CheckError::Zendesk(e)))?;
        if !rechecked.addresses.unread.is_empty() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {}",
                super::connect::unread_note(rechecked.addresses.unread.len())
            );
        }
        for &i in &rechecked.blocked {
            let change = &plan.changes[i];
            let action = serde_json::to_value(change.action).unwrap_or_default();
            let line = format!(
                "Blocked at apply time: {} {} ({}): {}.\n",
                action.as_str().unwrap_or_default(),
                change.label,
                change.key,
                change
                    .blocked
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
            write_out(out, line.as_bytes())?;
        }
        Ok(())
    }

    /// A roster resumed: the jobs the interrupted run left open finish before the account
    /// is read, so that the fresh plan sees what they did.
    async fn finish_open_jobs(&self, out: &mut dyn Write) -> Result<(), Error> {
        let Some(previous) = self.previous else {
            return Ok(());
        };
        self.check_journal_account(previous, self.client.settings().base_url.as_str())?;
        let outcomes = previous
            .finish_open_jobs(self.client)
            .await
            .map_err(Error::OpenJobs)?;
        let items: Vec<&ItemOutcome> = outcomes.iter().flatten().collect();
        let unknown = items
            .iter()
            .filter(|i| matches!(i, ItemOutcome::Unknown { .. }))
            .count();
        let failed = items
            .iter()
            .filter(|i| matches!(i, ItemOutcome::Failed { .. }))
            .count();
        let line = format!(
            "Resuming {}: {} of the interrupted run finished ({}: {} done, {failed} failed, {unknown} unknown); planning afresh.\n",
            self.journal_name(),
            plural(outcomes.len(), "open job"),
            plural(items.len(), "item"),
            items.len() - failed - unknown,
        );
        write_out(out, line.as_bytes())
    }

    async fn apply(&self, source: Source, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let (args, client) = (self.args, self.client);
        let plan = match source {
            Source::Saved(plan) => match *plan {
                Err(found) => return Err(staleness::Refusal::FormatVersion { found }.into()),
                Ok(mut plan) => {
                    let roster = self.verify_saved(&mut plan)?;
                    self.check_saved(&mut plan, out).await?;
                    self.judge_policy_afresh(&mut plan, roster.as_ref()).await?;
                    plan
                }
            },
            Source::Roster(roster) => {
                self.finish_open_jobs(out).await?;
                let query = StateQuery::for_apply(&roster);
                let live =
                    super::connect::fetch_bound(client, &roster, &query, &NoProgress).await?;
                let now = args.now.unwrap_or_else(chrono::Utc::now);
                let plan = super::connect::plan_guarded(
                    client,
                    &roster,
                    &live,
                    now,
                    &mut std::io::stderr(),
                )
                .await?;
                let options = RenderOptions {
                    color: super::use_color(args.color, std::io::stdout().is_terminal()),
                    mask_emails: false,
                };
                let format = match args.format {
                    ApplyFormat::Human => Format::Human,
                    ApplyFormat::Markdown => Format::Markdown,
                };
                // Not applied when it cannot be shown, but applied when the reader of the
                // output went away (a closed pipe).
                let rendered = render::renderer(format, options).render(&plan, out);
                written(rendered.and_then(|()| out.flush()))?;
                let shown = format == Format::Human && std::io::stdout().is_terminal();
                // The refusals that hold stop the run with an error of their own.
                let mut problems = render::problems(&plan);
                problems.retain(|p| p.kind != render::ProblemKind::Refused);
                super::report_problems(&problems, shown, &mut std::io::stderr())?;
                plan
            }
        };
        if !plan.errors.is_empty() {
            return Err(Error::PlanHasErrors);
        }
        let held: Vec<String> = plan
            .refusals
            .iter()
            .filter(|r| !(args.allow_mass_changes && r.overridable))
            .map(|r| match &r.source {
                Some(source) => format!("{}: {}", source.file_line(), r.message),
                None => r.message.clone(),
            })
            .collect();
        if !held.is_empty() {
            return Err(Error::Refused {
                messages: held,
                overridable: plan.refusals.iter().all(|r| r.overridable),
            });
        }
        // A change blocked by an error of the roster (a conflict, an account rule) was not
        // made although the roster asks for it: the run fails, as a failed item does.
        let roster_errors = plan.has_roster_errors();
        let count = plan.applicable().count();
        let resuming_saved = self.previous.is_some() && self.saved;
        if count == 0 && !resuming_saved {
            write_out(out, b"Nothing to apply.\n")?;
            return Ok(if roster_errors {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            });
        }
        if !self.saved && !args.auto_approve {
            if args.no_input || super::in_ci() || !std::io::stdin().is_terminal() {
                return Err(Error::NotConfirmed);
            }
            let question = format!("Apply these {count} changes to {}? [y/N] ", plan.account);
            write_out(out, question.as_bytes())?;
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
                write_out(out, b"Not applied.\n")?;
                return Ok(ExitStatus::Failure);
            }
        }
        if let Some(previous) = self.previous {
            // What the interrupted run learned of the account holds for this run too.
            previous.teach(client);
        }
        let executor = Executor::new(client).with_journal(self.journal.clone());
        if let Some(previous) = self.previous.filter(|_| resuming_saved) {
            let line = format!(
                "Resuming {}: {} applied by the interrupted run (each confirmed by reading before it is skipped), {} left open.\n",
                self.journal_name(),
                plural(previous.applied().count(), "change"),
                plural(previous.open_jobs.len(), "job"),
            );
            write_out(out, line.as_bytes())?;
        }
        let mut interrupts = Interrupts::listen().map_err(Error::Runtime)?;
        self.progress.start(count);
        let applying = async {
            match self.previous {
                Some(previous) if resuming_saved => executor.resume(&plan, previous).await,
                _ => executor.execute(&plan).await,
            }
        };
        let outcome = tokio::select! {
            outcome = applying => outcome,
            () = interrupts.abandon(client.stop()) => {
                self.progress.finish();
                return Err(Error::Abandoned {
                    journal: self.journal.path().map(|p| p.display().to_string()),
                });
            }
        };
        self.progress.finish();
        let outcome = outcome?;
        if let Some(error) = self.journal.take_failure() {
            let cause = std::error::Error::source(&error)
                .map(|cause| format!(": {cause}"))
                .unwrap_or_default();
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: {error}{cause}; the run stopped there: it finished the requests in flight and started nothing more"
            );
        }
        let rendered = match args.format {
            ApplyFormat::Human => render::outcome_human(&outcome, out),
            ApplyFormat::Markdown => render::outcome_markdown(&outcome, out),
        };
        // The changes are made: the report is written even when the outcome cannot be shown.
        if let Some(path) = &args.report {
            save_report(&outcome, path)?;
        }
        written(rendered.and_then(|()| out.flush()))?;
        if outcome.stopped.is_some() {
            write_out(out, self.what_is_left().as_bytes())?;
        }
        Ok(if outcome.was_interrupted() {
            ExitStatus::Interrupted
        } else if outcome.is_success() && !roster_errors {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        })
    }
}

impl Run<'_> {
    /// What a stopped run says about the changes it did not make, and how to make them.
    fn what_is_left(&self) -> String {
        let plan = self.args.paths.iter().map(|p| p.display().to_string());
        let plan = plan.collect::<Vec<_>>().join(" ");
        let approve = if self.saved {
            let mut rosters = String::new();
            for path in &self.args.roster {
                let _ = write!(rosters, " --roster {}", path.display());
            }
            rosters
        } else {
            " --auto-approve".to_owned()
        };
        match self.journal.path() {
            Some(journal) => format!(
                "The changes not started are left: `zapply --resume {}{approve} {plan}` makes them, after confirming what this run did; `zplan` shows what is left.\n",
                journal.display()
            ),
            None => format!(
                "The changes not started are left: `zplan` shows them, and `zapply{approve} {plan}` makes them.\n"
            ),
        }
    }
}

/// The kind of the object a change of `kind` touches: itself for a named object (custom
/// role, organization, group), the user for a user, its identities and its memberships.
fn touched_kind(kind: Kind) -> Kind {
    match kind {
        Kind::CustomRole | Kind::Organization | Kind::Group => kind,
        Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => {
            Kind::User
        }
    }
}

fn save_report(outcome: &ApplyReport, path: &Path) -> Result<(), Error> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(crate::private_file::create(path)?);
        serde_json::to_writer_pretty(&mut file, outcome)?;
        writeln!(file)?;
        file.flush()
    };
    write().map_err(|source| Error::Report {
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
        // Whatever its name, a file holding a plan is one; a roster is not.
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("tfplan");
        std::fs::write(
            &plan,
            "{\n  \"format_version\": 2,\n  \"account\": \"x\"\n}\n",
        )
        .unwrap();
        assert!(saved_plan(std::slice::from_ref(&plan)).is_some());
        let roster = dir.path().join("roster");
        std::fs::write(&roster, "{users: [{email: a@b.c}]}\n").unwrap();
        assert!(saved_plan(std::slice::from_ref(&roster)).is_none());
        assert!(saved_plan(&[dir.path().to_path_buf()]).is_none());
    }
}
