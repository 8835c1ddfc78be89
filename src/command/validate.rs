//! `zroster validate`: load and check a roster offline, print the diagnostics.

use std::io::{IsTerminal, Write};

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::roster::{self, diagnostic};

use super::ExitStatus;
use crate::Error;

pub(super) fn run(
    args: &ValidateArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let mut loaded = roster::load(&args.paths);
    // Entries expired long ago, by the clock (or `--now`): warnings, which fail nothing.
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let stale = roster::time_box::warnings(&loaded.roster, now);
    if !stale.is_empty() {
        loaded.diagnostics.extend(stale);
        diagnostic::sort(&mut loaded.diagnostics);
    }
    let written = match args.format {
        DiagnosticFormat::Human => {
            let color = super::use_color(args.color, std::io::stdout().is_terminal());
            diagnostic::write_human(out, &loaded.diagnostics, args.verbose, color)
        }
        DiagnosticFormat::Json => {
            let shown: Vec<_> = loaded
                .diagnostics
                .iter()
                .filter(|d| args.verbose || d.severity != roster::Severity::Note)
                .cloned()
                .collect();
            diagnostic::write_json(out, &shown)
        }
        DiagnosticFormat::Github => diagnostic::write_github(out, &loaded.diagnostics),
    };
    // A closed pipe (`zroster validate … | head`) is not an error of the roster.
    super::written(written.and_then(|()| out.flush()))?;
    let status = if loaded.has_errors() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    // The process ends right after this: freeing a large roster value by value (a few
    // million small strings for 100,000 users) only delays the exit, so leave it to the OS.
    std::mem::forget(loaded);
    Ok(status)
}
