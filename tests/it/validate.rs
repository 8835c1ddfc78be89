//! `zroster validate` on broken rosters: every mistake in `tests/fixtures/invalid/` is
//! reported with its <file:line:column>, and the exit code is 1.

use std::io::Write;

use insta_cmd::assert_cmd_snapshot;

use crate::common::{bin, root};

#[test]
fn every_invalid_fixture_fails_with_its_diagnostics() {
    let dir = root().join("tests/fixtures/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 25, "only {} invalid fixtures", names.len());
    for name in names {
        let path = format!("tests/fixtures/invalid/{name}");
        let output = bin("zroster").args(["validate", &path]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name} should be invalid");
        insta::with_settings!({ snapshot_suffix => name.clone(), description => path.clone() }, {
            assert_cmd_snapshot!(bin("zroster").args(["validate", &path]));
        });
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = std::fs::File::create(dir.path().join("huge.yaml")).unwrap();
    let line = "  - { email: someone@example.com, role: end-user }\n";
    file.write_all(b"users:\n").unwrap();
    for _ in 0..(50 * 1024 * 1024 / line.len()) {
        file.write_all(line.as_bytes()).unwrap();
    }
    drop(file);
    let output = bin("zroster")
        .current_dir(dir.path())
        .args(["validate", "huge.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @r"
    huge.yaml: error: the file is larger than 16 MiB
      hint: split the roster into several files in a directory
    1 error in 1 file
    ");
}

#[test]
fn a_missing_path_is_a_clear_error() {
    assert_cmd_snapshot!(bin("zroster").args(["validate", "no/such/roster"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    no/such/roster: error: cannot read `no/such/roster`: no such file or directory
    1 error in 1 file

    ----- stderr -----
    ");
}

#[test]
fn json_format_lists_file_line_column_severity_code_and_message() {
    let output = bin("zroster")
        .args([
            "validate",
            "--format",
            "json",
            "tests/fixtures/invalid/role-unknown",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let diagnostics: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &diagnostics[0];
    for key in ["file", "line", "column", "severity", "code", "message"] {
        assert!(first.get(key).is_some(), "missing `{key}` in {first}");
    }
    assert_eq!(first["severity"], "error");
}

#[test]
fn github_format_annotates_lines() {
    let output = bin("zroster")
        .args([
            "validate",
            "--format",
            "github",
            "tests/fixtures/invalid/role-unknown",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("::error file=tests/fixtures/invalid/role-unknown/"),
        "{text}"
    );
    assert!(text.contains(",line="), "{text}");
}

#[test]
fn verbose_lists_references_resolved_at_plan_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.yaml"),
        "users:\n  - email: jane@acme.com\n    role: agent\n    groups: [Support]\n",
    )
    .unwrap();
    let quiet = bin("zroster")
        .current_dir(dir.path())
        .args(["validate", "r.yaml"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(String::from_utf8(quiet.stdout).unwrap(), "no errors\n");
    let verbose = bin("zroster")
        .current_dir(dir.path())
        .args(["validate", "-v", "r.yaml"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(verbose.stdout).unwrap(), @r"
    r.yaml:4:14: note: group `Support` is not in `groups`; it is resolved against the live account at plan time
    no errors
    ");
}

#[test]
fn an_unreadable_subdirectory_is_reported_under_its_own_path() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::process::CommandExt as _;
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let dir = tempfile::tempdir().unwrap();
    mode(dir.path(), 0o755);
    let roster = dir.path().join("roster");
    let private = roster.join("private");
    std::fs::create_dir_all(&private).unwrap();
    std::fs::write(roster.join("a.yaml"), "users:\n  - email: a@acme.com\n").unwrap();
    std::fs::write(private.join("b.yaml"), "users:\n  - email: b@acme.com\n").unwrap();
    mode(&private, 0o000);
    let mut command = bin("zroster");
    if std::fs::read_dir(&private).is_ok() {
        // Root reads any directory: run as `nobody`, from a copy of the binary it can reach.
        let copy = dir.path().join("zroster");
        let binary = insta_cmd::get_cargo_bin("zroster");
        if std::fs::hard_link(&binary, &copy).is_err() {
            std::fs::copy(&binary, &copy).unwrap();
        }
        command = std::process::Command::new(&copy);
        command.uid(65534).gid(65534).env("NO_COLOR", "1");
    }
    let output = command
        .current_dir(dir.path())
        .args(["validate", "roster"])
        .output()
        .unwrap();
    mode(&private, 0o755);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @r"
    roster/private: error: cannot read directory `roster/private`: permission denied
    1 error in 1 file
    ");
}

#[test]
fn a_look_alike_address_is_a_warning_of_validate_and_of_zplan() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.yaml");
    std::fs::write(
        &roster,
        "users:\n  - name: Boss\n    email: bоss@acme.com\n    role: end-user\n",
    )
    .unwrap();
    let warning = "roster.yaml:3:12: warning: `bоss@acme.com` mixes Latin and Cyrillic letters in the part before the `@`: it may be a look-alike of another address\n  hint: the Cyrillic letters are `о` (U+043E); retype the address if it should have none\n1 warning in 1 file\n";
    let validate = bin("zroster")
        .current_dir(dir.path())
        .args(["validate", "roster.yaml"])
        .output()
        .unwrap();
    assert_eq!(validate.status.code(), Some(0));
    assert_eq!(String::from_utf8(validate.stdout).unwrap(), warning);
    let state = crate::common::root().join("examples/acme/zendesk-state.json");
    let plan = bin("zplan")
        .current_dir(dir.path())
        .arg("--sandbox")
        .arg(&state)
        .arg("roster.yaml")
        .output()
        .unwrap();
    let stderr = String::from_utf8(plan.stderr).unwrap();
    assert_eq!(plan.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with(warning), "{stderr}");
    assert!(
        String::from_utf8(plan.stdout)
            .unwrap()
            .contains("bоss@acme.com")
    );
}
