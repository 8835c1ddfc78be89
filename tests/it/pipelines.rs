//! The shell steps of the GitHub pipeline examples (`examples/github/*.yml`), run as a runner
//! runs them (`bash -eo pipefail`, `GITHUB_OUTPUT`, the step's `env:` with its expressions
//! filled in) against the emulator: a pull request's plan applied after the merge, and an
//! apply whose run is cancelled, which must stop with 130 and resume from its journal. The
//! steps that need GitHub itself (checkout, the action, artifacts, comments) are played by
//! the test: the artifacts are copied where the download steps put them.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::Value;

use crate::common::{Sandbox, root};

/// A step of a workflow: its script and its environment.
struct Step {
    name: String,
    script: String,
    env: Vec<(String, String)>,
}

/// The step named `name` of `examples/github/<workflow>`, with each `${{ … }}` of its `env:`
/// resolved by `expression` (which panics on one it does not know, so that a new secret or
/// output is noticed here).
fn step(workflow: &str, name: &str, expression: &dyn Fn(&str) -> String) -> Step {
    let path = root().join("examples/github").join(workflow);
    let document: Value = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let found = document["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_array().unwrap())
        .find(|step| step["name"] == name)
        .unwrap_or_else(|| panic!("{workflow} has no step `{name}`"));
    let script = found["run"].as_str().unwrap().to_owned();
    // Expressions in a script are pasted into it unquoted (script injection): every value
    // goes through `env:` instead.
    assert!(
        !script.contains("${{"),
        "{workflow}: `{name}` expands an expression in its script"
    );
    let env = found["env"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(key, value)| {
                    let value = value.as_str().unwrap().trim();
                    let inner = value
                        .strip_prefix("${{")
                        .and_then(|v| v.strip_suffix("}}"))
                        .unwrap_or_else(|| panic!("{workflow}: `{key}: {value}` is no expression"));
                    (key.clone(), expression(inner.trim()))
                })
                .collect()
        })
        .unwrap_or_default();
    Step {
        name: format!("{workflow}: {name}"),
        script,
        env,
    }
}

/// The repository's secrets and variables as the emulator takes them: the read credential is
/// an OAuth token; the write credential an API token (the write OAuth secret left unset, as
/// GitHub gives an unset secret: empty).
fn secret(expression: &str) -> String {
    match expression {
        "vars.ZENDESK_SUBDOMAIN" => "acme".to_owned(), // ZENDESK_URL, the emulator's, wins
        "secrets.ZENDESK_READ_OAUTH_TOKEN" => "fake-oauth-token".to_owned(),
        "secrets.ZENDESK_OAUTH_TOKEN" => String::new(),
        "secrets.ZENDESK_EMAIL" => "admin@example.com".to_owned(),
        "secrets.ZENDESK_API_TOKEN" => "fake-token".to_owned(),
        other => panic!("unknown expression `{other}`"),
    }
}

/// A runner's workspace: a checkout holding the acme roster in `roster/`.
/// The pull request's plan artifact downloaded into `main`'s `reviewed/`, as the apply
/// workflow does after the merge.
fn download_plan(pull_request: &Path, main: &Path) {
    std::fs::create_dir(main.join("reviewed")).unwrap();
    std::fs::copy(
        pull_request.join("plan.json"),
        main.join("reviewed/plan.json"),
    )
    .unwrap();
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("examples/acme/roster"),
        &dir.path().join("roster"),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `bash -eo pipefail` running `step` in `dir`, as a runner would: zroster's binaries on the
/// PATH, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, no credential but the step's own,
/// and `ZENDESK_URL` pointing at the emulator.
fn command(step: &Step, dir: &Path, sandbox: &Sandbox) -> Command {
    let script = dir.join(".step.sh");
    std::fs::write(&script, &step.script).unwrap();
    let _ = std::fs::remove_file(dir.join(".github_output"));
    let binaries = insta_cmd::get_cargo_bin("zplan")
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        binaries.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", dir.join(".github_output"))
        .env("GITHUB_STEP_SUMMARY", dir.join(".step_summary"))
        .env("NO_COLOR", "1")
        .env("ZROSTER_TEST_NO_DELAY", "1")
        .env("ZENDESK_URL", sandbox.url())
        .env_remove("ZENDESK_SUBDOMAIN")
        .env_remove("ZENDESK_EMAIL")
        .env_remove("ZENDESK_API_TOKEN")
        .env_remove("ZENDESK_OAUTH_TOKEN")
        .stdin(Stdio::null());
    for (key, value) in &step.env {
        command.env(key, value);
    }
    command
}

/// Runs `step` to its end; the value of the output `exitcode` it set.
fn run(step: &Step, dir: &Path, sandbox: &Sandbox) -> String {
    let output = command(step, dir, sandbox).output().unwrap();
    let log = format!(
        "{}: exit {:?}\n{}\n{}",
        step.name,
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{log}");
    exit_code(dir, &log)
}

fn exit_code(dir: &Path, log: &str) -> String {
    let outputs = std::fs::read_to_string(dir.join(".github_output")).unwrap_or_default();
    outputs
        .lines()
        .find_map(|line| line.strip_prefix("exitcode="))
        .unwrap_or_else(|| panic!("no exitcode output: {log}"))
        .to_owned()
}

/// The pull request's plan step, run in `dir`; returns zplan's exit code.
fn plan_in_pull_request(dir: &Path, sandbox: &Sandbox) -> String {
    let code = run(&step("zplan.yml", "Plan", &secret), dir, sandbox);
    let plan = std::fs::read_to_string(dir.join("plan.md")).unwrap();
    assert!(plan.starts_with("## Zendesk plan"), "{plan}");
    let summary = std::fs::read_to_string(dir.join(".step_summary")).unwrap();
    assert!(summary.contains(&plan), "the job summary lacks the plan");
    assert!(dir.join("plan.json").is_file());
    code
}

/// zapply.yml's Apply step in `mode` (`apply` or `resume`).
fn apply_step(mode: &'static str) -> Step {
    step("zapply.yml", "Apply", &|expression| match expression {
        "steps.find.outputs.mode" => mode.to_owned(),
        other => secret(other),
    })
}

fn left_step() -> Step {
    step("zapply.yml", "Plan what is left", &secret)
}

#[test]
fn a_pull_requests_plan_is_applied_after_the_merge_and_nothing_is_left() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    let pull_request = workspace();
    assert_eq!(plan_in_pull_request(pull_request.path(), &sandbox), "2");

    // After the merge: the plan artifact downloaded into reviewed/.
    let main = workspace();
    download_plan(pull_request.path(), main.path());
    assert_eq!(run(&apply_step("apply"), main.path(), &sandbox), "0");
    for kept in [
        "applied-plan.json",
        "journal.jsonl",
        "report.json",
        "apply.md",
    ] {
        assert!(main.path().join(kept).is_file(), "no {kept}");
    }
    let summary = std::fs::read_to_string(main.path().join(".step_summary")).unwrap();
    assert!(
        !summary.trim().is_empty(),
        "the outcome is not in the job summary"
    );
    assert_eq!(run(&left_step(), main.path(), &sandbox), "0");

    // The drift check finds nothing either.
    let scheduled = workspace();
    assert_eq!(
        run(
            &step("zdrift.yml", "Plan main", &secret),
            scheduled.path(),
            &sandbox
        ),
        "0"
    );
}

#[test]
fn a_plan_made_from_another_roster_is_refused_and_planned_again() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    let pull_request = workspace();
    assert_eq!(plan_in_pull_request(pull_request.path(), &sandbox), "2");
    // Main moved on after the plan was made (another pull request was merged first).
    let main = workspace();
    let settings = main.path().join("roster/settings.yaml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("{text}\n# merged after the plan\n")).unwrap();
    download_plan(pull_request.path(), main.path());
    assert_eq!(run(&apply_step("apply"), main.path(), &sandbox), "3");
    assert_eq!(run(&left_step(), main.path(), &sandbox), "2");
}

fn stderr_lines(child: &mut std::process::Child) -> Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if send.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    receive
}

fn wait_for_line(lines: &Receiver<String>, text: &str) {
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
        if line.contains(text) {
            return;
        }
        seen.push(line);
    }
    panic!("no `{text}` on standard error: {seen:#?}");
}

#[test]
fn an_apply_whose_run_is_cancelled_stops_with_130_and_resumes_from_its_journal() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    let pull_request = workspace();
    assert_eq!(plan_in_pull_request(pull_request.path(), &sandbox), "2");
    let main = workspace();
    download_plan(pull_request.path(), main.path());

    // The run is cancelled while zapply's users job is on its way: the runner signals the
    // step's shell (SIGINT) and nothing else.
    sandbox.pause_before("POST /api/v2/users/create_or_update_many");
    let mut shell = command(&apply_step("apply"), main.path(), &sandbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut shell);
    sandbox.wait_for_pause();
    let sent = Command::new("kill")
        .args(["-INT", &shell.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    wait_for_line(&lines, "interrupted: finishing the requests in flight");
    sandbox.release();
    let output = shell.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert_eq!(exit_code(main.path(), &log), "130", "{log}");
    let journal = std::fs::read_to_string(main.path().join("journal.jsonl")).unwrap();
    assert!(journal.lines().count() > 1, "{journal}");

    // `action: resume` in a new run: the stopped run's artifact in previous/.
    let resumed = workspace();
    std::fs::create_dir(resumed.path().join("previous")).unwrap();
    for file in ["journal.jsonl", "applied-plan.json"] {
        std::fs::copy(
            main.path().join(file),
            resumed.path().join("previous").join(file),
        )
        .unwrap();
    }
    assert_eq!(run(&apply_step("resume"), resumed.path(), &sandbox), "0");
    assert_eq!(run(&left_step(), resumed.path(), &sandbox), "0");
}

#[test]
fn a_pull_request_with_a_broken_roster_gets_the_errors_as_its_comment_and_annotations() {
    let sandbox = Sandbox::from_file("examples/acme/zendesk-state.json");
    let pull_request = workspace();
    let people = pull_request.path().join("roster/broken.yaml");
    std::fs::write(
        &people,
        "users:\n  - { name: Zed Broken, email: zed@acme.com, role: agent, groups: [Nowhere] }\n",
    )
    .unwrap();
    let step = step("zplan.yml", "Plan", &secret);
    let output = command(&step, pull_request.path(), &sandbox)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let log = format!("{}\n{stderr}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(exit_code(pull_request.path(), &log), "1");
    // The comment: the plan with the error at its top.
    let comment = std::fs::read_to_string(pull_request.path().join("plan.md")).unwrap();
    assert!(comment.contains("Nowhere"), "{comment}");
    // The job log: the error, and an annotation on its roster line.
    assert!(
        stderr.contains("::error file=roster/broken.yaml,line=2,")
            && stderr.contains("error: roster/broken.yaml:2:"),
        "{log}"
    );

    // A roster that does not load: the comment says why there is no plan.
    std::fs::write(&people, "users:\n  - { email: zed@acme.com, rol: agent }\n").unwrap();
    let output = command(&step, pull_request.path(), &sandbox)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit_code(pull_request.path(), &stderr), "1");
    let comment = std::fs::read_to_string(pull_request.path().join("plan.md")).unwrap();
    assert!(
        comment.starts_with("### zplan could not make a plan") && comment.contains("`rol`"),
        "{comment}"
    );
    assert!(
        stderr.contains("::error file=roster/broken.yaml,line=2,"),
        "{stderr}"
    );
}
