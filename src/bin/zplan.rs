//! `zplan`: the same as `zroster plan`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match zroster::cli::parse::<zroster::cli::ZplanCli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Not locked for the whole run: progress lines and bars are written from other threads
    // while the command runs.
    let mut err = std::io::stderr();
    let result = zroster::command::run_plan(&cli, &mut std::io::stdout().lock(), &mut err);
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            // An error that cannot be printed still sets the exit code.
            let _ = error.report(&mut err);
            ExitCode::from(error.exit_code())
        }
    }
}
