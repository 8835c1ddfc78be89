//! Command-line definitions (clap). Only this module knows about clap; [`crate::command`]
//! receives the parsed arguments and turns them into settings for the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep a Zendesk account's users and roles in git.
#[derive(Debug, Parser)]
#[command(name = "zroster", version, about, long_about = None, max_term_width = 100)]
pub struct ZrosterCli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `zroster` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check roster files offline: syntax, keys, values and cross-file rules. No network.
    Validate(ValidateArgs),
    /// Print the JSON Schema of a roster file (the same as `schema/roster.schema.json`).
    Schema,
}

/// Arguments of `zroster validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Roster files or directories (every `*.yaml` / `*.yml` below a directory).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
    /// Also list the references that are resolved against the live account at plan time.
    #[arg(short, long)]
    pub verbose: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// `path:line:col: error: message` lines with hints, for people.
    Human,
    /// A JSON array of diagnostics, for tools.
    Json,
    /// `::error file=…,line=…,col=…::message` workflow commands that annotate a GitHub pull request.
    Github,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::ZrosterCli;

    #[test]
    fn cli_definitions_are_consistent() {
        ZrosterCli::command().debug_assert();
        super::ZplanCli::command().debug_assert();
        super::ZapplyCli::command().debug_assert();
    }
}

/// `zplan`: show what applying the roster would change in Zendesk.
#[derive(Debug, Parser)]
#[command(name = "zplan", version, long_about = None, max_term_width = 100)]
pub struct ZplanCli {
    /// Roster files or directories (every `*.yaml` / `*.yml` below a directory).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `zapply`: make Zendesk match the roster.
#[derive(Debug, Parser)]
#[command(name = "zapply", version, long_about = None, max_term_width = 100)]
pub struct ZapplyCli {
    /// Roster files or directories (every `*.yaml` / `*.yml` below a directory).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}
