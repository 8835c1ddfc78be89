//! `zplan`: the same as `zroster plan`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zroster::cli::ZplanCli::parse();
    let status = zroster::command::run_plan(
        &cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status.code())
}
