//! `zapply`: the same as `zroster apply`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zroster::cli::ZapplyCli::parse();
    let status = zroster::command::run_apply(
        &cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status.code())
}
