//! `zroster completions SHELL` and `zroster man DIR`: shell completions and manual pages,
//! made by clap's own generators from the same definitions that parse the command line,
//! so they cannot fall out of step with it.

use std::io::Write;

use super::{ExitStatus, write_out};
use crate::Error;
use crate::cli::{Binary, CompletionsArgs, ManArgs};

/// Prints the completion script of `args.binary` for `args.shell`.
pub(super) fn completions(
    args: &CompletionsArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let mut command = args.binary.command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_out(out, &script)?;
    Ok(ExitStatus::Success)
}

/// Writes a page for each binary and each subcommand of `zroster` into `args.dir`, and
/// says which.
pub(super) fn man(args: &ManArgs, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let failed = |source| Error::Write {
        path: args.dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&args.dir).map_err(failed)?;
    let mut written = Vec::new();
    for binary in Binary::ALL {
        let command = binary.command();
        // `generate_to` writes the command's page and one per subcommand (`zroster-plan.1`),
        // and `help` has none.
        clap_mangen::generate_to(command.clone(), &args.dir).map_err(failed)?;
        written.push(format!("{}.1", command.get_name()));
        for sub in command.get_subcommands() {
            if sub.get_name() != "help" {
                written.push(format!("{}-{}.1", command.get_name(), sub.get_name()));
            }
        }
    }
    let mut text = format!(
        "wrote {} manual pages into {}:",
        written.len(),
        args.dir.display()
    );
    for page in &written {
        text.push(' ');
        text.push_str(page);
    }
    text.push('\n');
    write_out(out, text.as_bytes())?;
    Ok(ExitStatus::Success)
}
