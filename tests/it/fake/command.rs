//! `zroster fake` as a process: the `listening on` line, flags, SIGTERM and `--save`/`--state`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use super::client;

/// A `zroster fake` process and the address it listens on.
pub(super) struct Running {
    child: Child,
    pub(super) base_url: String,
}

/// Starts `zroster fake ARGS` and reads its `listening on` line.
pub(super) fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zroster"))
        .arg("fake")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zroster fake");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let base_url = line
        .trim_end()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_owned();
    let port: u16 = base_url
        .strip_prefix("http://127.0.0.1:")
        .expect("loopback url")
        .parse()
        .expect("port");
    assert!(port > 0);
    assert_eq!(line, format!("listening on http://127.0.0.1:{port}\n"));
    Running { child, base_url }
}

/// Stops the process with SIGTERM and waits for it.
pub(super) fn terminate(mut running: Running) -> std::process::ExitStatus {
    let pid = running.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    running.child.wait().expect("wait")
}

async fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{base}{path}"))
        .basic_auth("owner@example.com/token", Some(token))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn state_round_trips_through_save_and_state_flags() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.json");
    let fixture = super::fixture("state.json");
    let first = spawn(&[
        "--port",
        "0",
        "--state",
        fixture.to_str().unwrap(),
        "--save",
        saved.to_str().unwrap(),
        "--email",
        "owner@example.com",
        "--token",
        "t0k",
        "--plan",
        "professional",
        "--rate-limit",
        "50",
    ]);
    let (status, me) = get(&first.base_url, "/api/v2/users/me.json", "t0k").await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert_eq!(me["user"]["role"], "admin");
    let created = client()
        .post(format!("{}/api/v2/users.json", first.base_url))
        .basic_auth("owner@example.com/token", Some("t0k"))
        .json(&json!({"user": {"name": "Persisted", "email": "p@x.com", "external_id": "p-1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let (_, wrong) = get(&first.base_url, "/api/v2/users.json", "nope").await;
    assert_eq!(wrong["error"], "Couldn't authenticate you");
    assert!(terminate(first).success());

    let text = std::fs::read_to_string(&saved).expect("saved state");
    // It holds every user's name and email: readable by its owner alone.
    #[cfg(unix)]
    assert_eq!(crate::file_modes::mode(&saved), 0o600);
    let state: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(state["account"]["plan"], "professional");
    assert_eq!(state["account"]["rate_limit"], 50);
    assert!(
        state["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["external_id"] == "p-1")
    );

    let second = spawn(&[
        "--state",
        saved.to_str().unwrap(),
        "--email",
        "owner@example.com",
        "--token",
        "t0k",
    ]);
    let (status, found) = get(
        &second.base_url,
        "/api/v2/users/search.json?external_id=p-1",
        "t0k",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["users"][0]["email"], "p@x.com");
    let roles = client()
        .post(format!("{}/api/v2/custom_roles.json", second.base_url))
        .basic_auth("owner@example.com/token", Some("t0k"))
        .json(&json!({"custom_role": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        roles.status().as_u16(),
        403,
        "the plan came back from the saved account object"
    );
    assert!(terminate(second).success());
}

#[test]
fn a_bad_state_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"users\": [{\"email\": \"x@y.com\"}]}").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_zroster"))
        .args(["fake", "--state", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: invalid state: user: Name: is too short"),
        "{stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_zroster"))
        .args(["fake", "--fault-5xx", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

/// Runs `zroster fake ARGS`, expecting it to stop on its own within seconds (an emulator
/// that starts serves until signalled: it is killed, and the test fails); its exit code and
/// standard error.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zroster"))
        .arg("fake")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!(
                "`zroster fake {}` started instead of refusing",
                args.join(" ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn knobs_out_of_range_are_refused_by_the_same_rule_from_flags_and_from_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    for (knob, value, rule) in [
        ("fault_5xx", "5", "a share between 0 and 1"),
        ("rate_limit", "0", "at least 1 request a minute"),
        ("max_jobs", "0", "at least 1 job"),
    ] {
        // A flag out of range is a usage error, as clap reports it (exit 1, like every error).
        let flag = format!("--{}", knob.replace('_', "-"));
        let (code, stderr) = refused(&[&flag, value]);
        assert_eq!(code, Some(1));
        let expected = format!("error: invalid value '{value}' for '{flag} <");
        assert!(stderr.starts_with(&expected), "{stderr}");
        assert!(
            stderr.contains(&format!(">': it must be {rule}\n")),
            "{stderr}"
        );
        let state = dir.path().join(format!("{knob}.json"));
        std::fs::write(&state, format!("{{\"account\": {{\"{knob}\": {value}}}}}")).unwrap();
        let state = state.to_str().unwrap();
        assert_eq!(
            refused(&["--state", state]),
            (
                Some(1),
                format!(
                    "error: state file `{state}` is not valid: invalid value `{value}` for `account.{knob}`: it must be {rule}\n"
                )
            )
        );
    }
}

#[test]
fn zroster_fake_help() {
    insta_cmd::assert_cmd_snapshot!(
        Command::new(env!("CARGO_BIN_EXE_zroster")).args(["fake", "--help"])
    );
}
