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
        Command::Schema => schema::run(out, err),
        Command::Fake(args) => fake::run(&args, out, err),
    }
}

/// Runs `zplan`: the roster is loaded and checked first, so mistakes in it are reported
/// with their <file:line:column> before anything else happens.
pub fn run_plan(
    cli: &crate::cli::ZplanCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    not_yet_available("zplan", &cli.paths, out, err)
}

/// Runs `zapply`: like [`run_plan`], the roster is loaded and checked first.
pub fn run_apply(
    cli: &crate::cli::ZapplyCli,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    not_yet_available("zapply", &cli.paths, out, err)
}

/// Planning and applying need the Zendesk client, which this release does not have yet.
/// Until then both commands check the roster (a real first step of either) and then say
/// plainly that they cannot go further; nothing is sent anywhere.
fn not_yet_available(
    name: &str,
    paths: &[std::path::PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let loaded = crate::roster::load(paths);
    if loaded.has_errors() {
        let _ = crate::roster::diagnostic::write_human(out, &loaded.diagnostics, false, false);
        return ExitStatus::Failure;
    }
    let _ = writeln!(
        err,
        "error: `{name}` cannot reach Zendesk in this release: the roster is valid, but fetching the live account is not built yet\n  hint: `zroster validate` checks a roster offline"
    );
    ExitStatus::Failure
}

mod fake;
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
