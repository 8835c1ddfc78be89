//! The commands behind the binaries: each takes parsed arguments, resolves them into
//! settings, calls the library and writes to the given output. A command that runs to its
//! end returns its [`ExitStatus`]; one that is stopped returns the [`Error`] that stopped it.
//! The binaries only parse arguments, print an error and turn either into the exit code.

use std::io::{self, Write};

use crate::Error;
use crate::cli::{Command, ZrosterCli};

/// The exit codes of DESIGN.md §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success (for `plan --detailed-exitcode`: no changes).
    Success,
    /// 1: an error, an invalid roster, or an apply in which any item failed.
    Failure,
    /// 2: `plan --detailed-exitcode` found changes.
    Changes,
    /// 3: refused (a stale saved plan, a safety threshold, `min_admins`).
    Refused,
    /// 130: an apply stopped by an interrupt (SIGINT, SIGTERM), as a shell reports a process
    /// that SIGINT ended.
    Interrupted,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Refused => 3,
            ExitStatus::Interrupted => 130,
        }
    }
}

/// Runs a `zroster` subcommand, writing its output to `out` and its diagnostics to `err`.
pub fn run(cli: ZrosterCli, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus, Error> {
    match cli.command {
        Command::Validate(args) => validate::run(&args, out, err),
        Command::Schema(args) => schema::run(&args, out, err),
        Command::Plan(args) => plan::run(&args, out, err),
        Command::Apply(args) => apply::run(&args, out, err),
        Command::Export(args) => export::run(&args, out, err),
        Command::Show(args) => show::run(&args, out, err),
        Command::Completions(args) => manual::completions(&args, out),
        Command::Man(args) => manual::man(&args, out),
        Command::Fake(args) => fake::run(&args, out, err),
        Command::Probe(args) => probe::run(&args, out, err),
    }
}

/// Runs `zplan`.
pub fn run_plan(
    cli: &crate::cli::ZplanCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    plan::run(&cli.args, out, err)
}

/// Runs `zapply`.
pub fn run_apply(
    cli: &crate::cli::ZapplyCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    apply::run(&cli.args, out, err)
}

mod apply;
mod connect;
pub mod explain_drift;
mod export;
mod fake;
mod interrupt;
mod manual;
mod plan;
mod probe;
mod progress;
mod request_log;
mod schema;
mod show;
mod validate;

/// Whether to colour output written to a stream that `is_terminal` or not. `--color always`
/// and `never` decide; with `auto`, a non-empty `NO_COLOR` turns colours off, then
/// `CLICOLOR_FORCE` (not `0`) turns them on even where the output is not a terminal, and
/// otherwise only a terminal that is not `TERM=dumb` gets them.
pub(crate) fn use_color(choice: crate::cli::ColorChoice, is_terminal: bool) -> bool {
    use crate::env_vars::{CLICOLOR_FORCE, NO_COLOR, TERM};
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match choice {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto => {
            if set(NO_COLOR).is_some() {
                false
            } else if set(CLICOLOR_FORCE).is_some_and(|v| v != "0") {
                true
            } else {
                is_terminal && set(TERM).is_none_or(|term| term != "dumb")
            }
        }
    }
}

/// Whether the command runs in a CI job (the `CI` variable set, and not to `false` or `0`):
/// nothing asks a question there.
fn in_ci() -> bool {
    std::env::var(crate::env_vars::CI).is_ok_and(|v| !matches!(v.as_str(), "" | "false" | "0"))
}

/// Whether the command runs as a step of a GitHub Actions job (`GITHUB_ACTIONS=true`).
#[must_use]
pub fn in_github_actions() -> bool {
    std::env::var(crate::env_vars::GITHUB_ACTIONS).is_ok_and(|v| v == "true")
}

/// Writes a plan's refusals, errors and changes blocked by an error of the roster to
/// standard error, the job log of a pipeline, whatever the format of the plan on standard
/// output: as `error:` lines unless `shown` (the human plan on a terminal already shows
/// them), and in a GitHub Actions job also as workflow commands, which annotate the roster
/// lines in the pull request.
fn report_problems(
    problems: &[crate::render::Problem<'_>],
    shown: bool,
    err: &mut dyn Write,
) -> Result<(), Error> {
    if problems.is_empty() {
        return Ok(());
    }
    if !shown {
        written(crate::render::write_problems(
            err,
            problems,
            crate::render::ProblemFormat::Human,
        ))?;
    }
    if in_github_actions() {
        written(crate::render::write_problems(
            err,
            problems,
            crate::render::ProblemFormat::Github,
        ))?;
    }
    Ok(())
}

/// The result of writing to the command's output (standard output). A closed pipe
/// (`zplan | head`) is not an error: the reader has what it wanted, and the command goes on
/// and ends with its usual exit code. Any other failure (a full disk) is.
fn written(result: io::Result<()>) -> Result<(), Error> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(Error::Output),
    }
}

/// Writes all of `text` to the output and flushes it, through [`written`].
fn write_out(out: &mut dyn Write, text: &[u8]) -> Result<(), Error> {
    written(out.write_all(text).and_then(|()| out.flush()))
}

/// The runtime of the commands that talk to Zendesk: two worker threads are plenty for
/// requests that mostly wait.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}
