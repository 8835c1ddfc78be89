//! The errors that stop a command, each layer's joined into one [`Error`], with the exit code
//! of each (DESIGN.md §1) and the one printer of them all.

use std::io::{self, Write};

use crate::apply::JournalError;
use crate::apply::staleness::{CheckError, Refusal};
use crate::command::ExitStatus;
use crate::fake;
use crate::roster::{Diagnostic, diagnostic};
use crate::zendesk::ZendeskError;

/// What stopped a command before it could finish. A command that runs to its end returns an
/// [`ExitStatus`] instead, even when that status is not success (an apply with a failed item,
/// a plan refused by a safety limit): its output has said why.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The roster has errors; they are printed as the diagnostics say.
    #[error("the roster has errors")]
    InvalidRoster(Vec<Diagnostic>),
    /// The async runtime could not start.
    #[error(transparent)]
    Runtime(io::Error),
    /// Zendesk could not be reached, or refused the connection settings or a request.
    #[error(transparent)]
    Zendesk(#[from] ZendeskError),
    /// The `--sandbox` emulator could not start.
    #[error("cannot start the sandbox emulator")]
    Sandbox(#[source] fake::Error),
    /// `zroster fake` could not load its state, listen or save.
    #[error(transparent)]
    Fake(#[from] fake::Error),
    /// Writing to standard output failed (other than by a closed pipe).
    #[error("cannot write to standard output")]
    Output(#[source] io::Error),
    /// A file the command writes (`--out`) could not be written.
    #[error("cannot write `{path}`")]
    Write {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The live state could not be written as YAML (`zroster export`).
    #[error(transparent)]
    Yaml(#[from] serde_saphyr::ser::Error),
    /// A saved plan could not be read.
    #[error("cannot read the saved plan `{path}`")]
    ReadPlan {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file given as a saved plan is not one.
    #[error("`{path}` is not a saved plan")]
    ParsePlan {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The journal given to `--resume` cannot be resumed from.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal given to `--resume` is of another plan.
    #[error(
        "the journal `{path}` is of another plan; resume with the plan that run applied, or make a new plan"
    )]
    OtherPlan {
        /// The journal.
        path: String,
    },
    /// The journal given to `--resume` is of a run against another account.
    #[error("the journal `{path}` is of a run against `{journal}`, not `{connected}`")]
    OtherAccount {
        /// The journal.
        path: String,
        /// The journal's account.
        journal: String,
        /// The account connected to.
        connected: String,
    },
    /// The jobs an interrupted run left open could not be read.
    #[error("cannot read the results of the interrupted run's open jobs")]
    OpenJobs(#[source] ZendeskError),
    /// The objects a saved plan touches could not be re-read.
    #[error(transparent)]
    Check(CheckError),
    /// A saved plan is refused: stale, of another account or of another format version.
    #[error(transparent)]
    Stale(#[from] Refusal),
    /// The account the credentials point at is not the one the roster is bound to, or the
    /// one a saved plan was made for.
    #[error(transparent)]
    Account(#[from] crate::plan::binding::AccountRefusal),
    /// The plan to apply has errors (unresolved references, …); the plan shows them.
    #[error("the plan has errors and cannot be applied")]
    PlanHasErrors,
    /// The plan to apply is refused by its safety limits.
    #[error("refused: {}", .messages.join("; "))]
    Refused {
        /// Each refusal's message.
        messages: Vec<String>,
        /// Whether `--allow-mass-changes` would lift every refusal.
        overridable: bool,
    },
    /// `zplan` was given a saved plan instead of roster files.
    #[error("`{path}` is a saved plan, not a roster: `zplan` reads roster files")]
    PlanNotRoster {
        /// The plan's path.
        path: String,
    },
    /// A roster is applied from a script without `--auto-approve`.
    #[error("not applying without confirmation")]
    NotConfirmed,
    /// `zapply --now` against a Zendesk account: it would grant what the roster's time boxes
    /// grant at another moment than now.
    #[error(
        "`--now` judges time-boxed entries at another moment than now: zapply takes it against the emulator only (`--sandbox`, or a `ZENDESK_URL` on loopback), never against a Zendesk account"
    )]
    NowOnAnAccount,
    /// A second interrupt abandoned an apply at once.
    #[error(
        "stopped at once by a second interrupt, abandoning the requests in flight; {}",
        .journal.as_deref().map_or_else(|| "nothing was journaled".to_owned(), |j| format!("the journal `{j}` holds what was done: `zapply --resume {j}` with the same plan or roster continues"))
    )]
    Abandoned {
        /// The journal, when one was written.
        journal: Option<String>,
    },
    /// `zroster probe` stopped.
    #[error(transparent)]
    Probe(#[from] crate::probe::ProbeError),
    /// The apply report (`--report`) could not be written.
    #[error("cannot write the report `{path}`")]
    Report {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl From<CheckError> for Error {
    fn from(error: CheckError) -> Self {
        match error {
            CheckError::Refused(refusal) => Error::Stale(refusal),
            other @ CheckError::Zendesk(_) => Error::Check(other),
        }
    }
}

impl Error {
    /// The exit status this error ends the process with: refused (3) for a saved plan or a
    /// plan that is refused, interrupted (130) for an apply abandoned by a second interrupt,
    /// failure (1) for everything else.
    #[must_use]
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Stale(_) | Error::Refused { .. } | Error::Account(_) => ExitStatus::Refused,
            Error::Abandoned { .. } => ExitStatus::Interrupted,
            _ => ExitStatus::Failure,
        }
    }

    /// The process exit code of DESIGN.md §1.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        self.exit_status().code()
    }

    /// What to do about it, when the message alone does not say.
    fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Refused {
                overridable: true, ..
            } => Some("review the plan, then pass `--allow-mass-changes` to apply it anyway"),
            Error::PlanNotRoster { .. } => Some(
                "apply it with `zapply PLAN`, or plan the roster it was made from with `zplan ROSTER`",
            ),
            Error::NotConfirmed => Some(
                "pass `--auto-approve` to apply a roster from a script, or apply a reviewed plan with `zapply plan.json`",
            ),
            _ => None,
        }
    }

    /// Prints the error as a binary ends with it: for people ([`Error::write`]) and, in a
    /// GitHub Actions job, an invalid roster's diagnostics also as workflow commands, which
    /// annotate the roster lines in the pull request.
    pub fn report(&self, err: &mut dyn Write) -> io::Result<()> {
        self.write(err)?;
        match self {
            Error::InvalidRoster(diagnostics) if crate::command::in_github_actions() => {
                diagnostic::write_github(err, diagnostics)
            }
            _ => Ok(()),
        }
    }

    /// Prints the error for people: an invalid roster as its diagnostics; anything else as an
    /// `error:` line (one per refusal), a `caused by:` line per source and a `hint:` line.
    pub fn write(&self, err: &mut dyn Write) -> io::Result<()> {
        match self {
            Error::InvalidRoster(diagnostics) => {
                return diagnostic::write_human(err, diagnostics, false, false);
            }
            Error::Refused { messages, .. } => {
                for message in messages {
                    writeln!(err, "error: refused: {message}")?;
                }
            }
            _ => writeln!(err, "error: {self}")?,
        }
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            writeln!(err, "caused by: {cause}")?;
            source = cause.source();
        }
        if let Some(hint) = self.hint() {
            writeln!(err, "hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, Refusal};
    use crate::zendesk::ZendeskError;

    fn printed(error: &Error) -> String {
        let mut out = Vec::new();
        error.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn refusals_exit_3_and_everything_else_1() {
        let stale = Error::from(Refusal::FormatVersion { found: 9 });
        let refused = Error::Refused {
            messages: vec!["too many deletes".into()],
            overridable: true,
        };
        assert_eq!(stale.exit_code(), 3);
        assert_eq!(refused.exit_code(), 3);
        assert_eq!(Error::NotConfirmed.exit_code(), 1);
        assert_eq!(Error::from(ZendeskError::MissingAccount).exit_code(), 1);
        let output = Error::Output(std::io::Error::from_raw_os_error(28));
        assert_eq!(output.exit_code(), 1);
    }

    #[test]
    fn errors_print_with_their_causes_and_hints() {
        let refused = Error::Refused {
            messages: vec!["max_deletes 1 exceeded by 1".into(), "min_admins 2".into()],
            overridable: false,
        };
        assert_eq!(
            printed(&refused),
            "error: refused: max_deletes 1 exceeded by 1\nerror: refused: min_admins 2\n"
        );
        let overridable = Error::Refused {
            messages: vec!["max_deletes 1 exceeded by 1".into()],
            overridable: true,
        };
        assert_eq!(
            printed(&overridable),
            "error: refused: max_deletes 1 exceeded by 1\nhint: review the plan, then pass `--allow-mass-changes` to apply it anyway\n"
        );
        let write = Error::Write {
            path: "plan.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied"),
        };
        assert_eq!(
            printed(&write),
            "error: cannot write `plan.json`\ncaused by: permission denied\n"
        );
    }
}
