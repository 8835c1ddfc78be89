//! `zapply`: the same as `zroster apply`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zroster::cli::ZapplyCli::parse();
    let status = zroster::command::run_apply(
        &cli,
        &mut std::io::stdout().lock(),
        // Not locked for the whole run: progress lines and bars are written from other
        // threads while the command runs.
        &mut std::io::stderr(),
    );
    ExitCode::from(status.code())
}
