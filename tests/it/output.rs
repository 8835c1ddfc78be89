//! Writing the output: a closed pipe (`zplan | head`) ends a command quietly with its usual
//! exit code; any other write error (a full disk, here `/dev/full`) is reported as an error
//! with exit code 1.

use std::process::{Command, Output, Stdio};

use crate::common::{Sandbox, bin, root, writes};

const STATE: &str = "examples/acme/zendesk-state.json";
const ROSTER: &str = "examples/acme/roster";

/// The message of a full disk, after whatever the command wrote to standard error before.
#[cfg(target_os = "linux")]
const NO_SPACE: &str =
    "error: cannot write to standard output\ncaused by: No space left on device (os error 28)\n";

/// Standard output as a pipe whose reading end is already closed: every write fails with
/// `EPIPE`, as after `zplan | head` has read its lines.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

/// Standard output on a full disk: every write fails with `ENOSPC`.
#[cfg(target_os = "linux")]
fn full_disk() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// The commands that write their result to standard output and need no account.
fn commands() -> Vec<(&'static str, Command)> {
    let mut zplan = bin("zplan");
    zplan.args(["--sandbox", STATE, ROSTER]);
    let mut validate = bin("zroster");
    validate.args(["validate", ROSTER]);
    let mut schema = bin("zroster");
    schema.arg("schema");
    let mut export = bin("zroster");
    export.args(["export", "--sandbox", STATE]);
    vec![
        ("zplan", zplan),
        ("zroster validate", validate),
        ("zroster schema", schema),
        ("zroster export", export),
    ]
}

fn run_to(command: &mut Command, stdout: Stdio) -> (Output, String) {
    let output = command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    (output, stderr)
}

#[test]
fn a_closed_pipe_ends_each_command_quietly_with_its_usual_exit_code() {
    for (name, mut command) in commands() {
        let (usual, _) = run_to(&mut command, Stdio::null());
        let (output, stderr) = run_to(&mut command, closed_pipe());
        assert_eq!(
            output.status.code(),
            usual.status.code(),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("error"), "{name}: {stderr}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_of_each_command() {
    for (name, mut command) in commands() {
        let (output, stderr) = run_to(&mut command, full_disk());
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.ends_with(NO_SPACE), "{name}: {stderr}");
    }
}

#[test]
fn zapply_applies_when_its_output_goes_to_a_closed_pipe() {
    let sandbox = Sandbox::from_file(STATE);
    let roster = root().join(ROSTER);
    let (output, stderr) = run_to(
        sandbox.zapply().arg("--auto-approve").arg(&roster),
        closed_pipe(),
    );
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(writes(&sandbox.requests()) > 0);
}

#[cfg(target_os = "linux")]
#[test]
fn zapply_does_not_apply_a_plan_it_cannot_show() {
    let sandbox = Sandbox::from_file(STATE);
    let roster = root().join(ROSTER);
    let (output, stderr) = run_to(
        sandbox.zapply().arg("--auto-approve").arg(&roster),
        full_disk(),
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.ends_with(NO_SPACE), "{stderr}");
    let requests = sandbox.requests();
    assert_eq!(writes(&requests), 0, "{requests:#}");
}

#[cfg(target_os = "linux")]
#[test]
fn zapply_reports_an_outcome_it_cannot_show_and_still_writes_the_report() {
    let sandbox = Sandbox::from_file(STATE);
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let report = dir.path().join("report.json");
    let saved = sandbox
        .zplan()
        .arg("--out")
        .arg(&plan)
        .arg(ROSTER)
        .output()
        .unwrap();
    assert_eq!(saved.status.code(), Some(0));
    let (output, stderr) = run_to(
        sandbox.zapply().arg("--report").arg(&report).arg(&plan),
        full_disk(),
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.ends_with(NO_SPACE), "{stderr}");
    assert!(writes(&sandbox.requests()) > 0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert!(report["results"].as_array().is_some_and(|c| !c.is_empty()));
}

#[cfg(target_os = "linux")]
#[test]
fn zroster_fake_stops_when_it_cannot_print_where_it_listens() {
    // Its first line is its interface: without it no one can reach the emulator.
    let (output, stderr) = run_to(bin("zroster").args(["fake", "--port", "0"]), full_disk());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.ends_with(NO_SPACE), "{stderr}");
}
