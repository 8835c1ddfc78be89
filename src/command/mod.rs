//! The commands behind the binaries: each takes parsed arguments, resolves them into
//! settings, calls the library and writes to the given output. The binaries only parse
//! arguments and turn the returned [`ExitStatus`] into the process exit code.

use std::io::Write;

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
        }
    }
}

/// Runs a `zroster` subcommand, writing its output to `out` and its diagnostics to `err`.
pub fn run(cli: ZrosterCli, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    match cli.command {
        Command::Validate(args) => validate::run(&args, out, err),
        Command::Schema(args) => schema::run(&args, out, err),
        Command::Plan(args) => plan::run(&args, out, err),
        Command::Apply(args) => apply::run(&args, out, err),
        Command::Export(args) => export::run(&args, out, err),
        Command::Fake(args) => fake::run(&args, out, err),
    }
}

/// Runs `zplan`.
pub fn run_plan(
    cli: &crate::cli::ZplanCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    plan::run(&cli.args, out, err)
}

/// Runs `zapply`.
pub fn run_apply(
    cli: &crate::cli::ZapplyCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    apply::run(&cli.args, out, err)
}

mod apply;
mod export;
mod fake;
mod plan;
mod progress;
mod schema;
mod validate;

/// Whether to colour output written to a terminal (`is_terminal`), following `--color` and
/// `NO_COLOR`.
pub(crate) fn use_color(choice: crate::cli::ColorChoice, is_terminal: bool) -> bool {
    match choice {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto => {
            is_terminal && std::env::var_os(crate::env_vars::NO_COLOR).is_none_or(|v| v.is_empty())
        }
    }
}

/// Prints an error and its causes (`error:` then `caused by:` lines); returns the failure
/// exit status.
pub(crate) fn report(err: &mut dyn Write, error: &dyn std::error::Error) -> ExitStatus {
    let _ = writeln!(err, "error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = writeln!(err, "caused by: {cause}");
        source = cause.source();
    }
    ExitStatus::Failure
}
