//! `zroster`: validate, plan, apply, export, schema, fake.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zroster::cli::ZrosterCli::parse();
    let status = zroster::command::run(
        cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status.code())
}
