//! `zplan`: the same as `zroster plan`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zroster::cli::ZplanCli::parse();
    let status = zroster::command::run_plan(
        &cli,
        &mut std::io::stdout().lock(),
        // Not locked for the whole run: progress lines and bars are written from other
        // threads while the command runs.
        &mut std::io::stderr(),
    );
    ExitCode::from(status.code())
}
