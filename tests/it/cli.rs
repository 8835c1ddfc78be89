//! `--help` of every binary and subcommand, pinned.

use insta_cmd::assert_cmd_snapshot;

use crate::common::bin;

#[test]
fn zroster_help() {
    assert_cmd_snapshot!(bin("zroster").arg("--help"));
}

#[test]
fn zroster_validate_help() {
    assert_cmd_snapshot!(bin("zroster").args(["validate", "--help"]));
}

#[test]
fn zroster_schema_help() {
    assert_cmd_snapshot!(bin("zroster").args(["schema", "--help"]));
}

#[test]
fn zplan_help() {
    assert_cmd_snapshot!(bin("zplan").arg("--help"));
}

#[test]
fn zapply_help() {
    assert_cmd_snapshot!(bin("zapply").arg("--help"));
}

#[test]
fn zplan_checks_the_roster_before_anything_else() {
    assert_cmd_snapshot!(bin("zplan").arg("tests/fixtures/invalid/role-unknown"));
}

/// A usage error exits 1 like every error, in every binary: never 2, which `zplan
/// --detailed-exitcode` gives to a plan with changes; `--help` and `--version` exit 0.
#[test]
fn a_usage_error_exits_1_and_help_exits_0() {
    for name in ["zplan", "zapply", "zroster"] {
        let output = bin(name).arg("--no-such-flag").output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("unexpected argument"),
            "{name}"
        );
        for flag in ["--help", "--version"] {
            let output = bin(name).arg(flag).output().unwrap();
            assert_eq!(output.status.code(), Some(0), "{name} {flag}");
        }
    }
    let output = bin("zplan")
        .args(["--detailed-exitcode", "--format", "yaml", "roster/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn completions_for_every_shell_and_binary_and_bash_parses_them() {
    for binary in ["zroster", "zplan", "zapply"] {
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            let output = bin("zroster")
                .args(["completions", shell, "--bin", binary])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0), "{shell} {binary}");
            let script = String::from_utf8(output.stdout).unwrap();
            assert!(script.contains(binary), "{shell} {binary}: {script}");
        }
    }
    let output = bin("zroster")
        .args(["completions", "bash", "--bin", "zplan"])
        .output()
        .unwrap();
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.contains("--detailed-exitcode") && script.contains("complete -F"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zplan.bash");
    std::fs::write(&file, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn man_writes_a_page_per_binary_and_subcommand_that_man_renders() {
    let dir = tempfile::tempdir().unwrap();
    let output = bin("zroster")
        .args(["man", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "zroster.1",
        "zroster-plan.1",
        "zroster-show.1",
        "zplan.1",
        "zapply.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} in {pages:?}");
    }
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(
        said.starts_with(&format!("wrote {} manual pages into ", pages.len())),
        "{said} / {pages:?}"
    );
    // man renders the pages, with their options and exit codes.
    for (page, expected) in [
        (
            "zplan.1",
            &["--detailed-exitcode", "Exit codes:", "refused"][..],
        ),
        ("zapply.1", &["--no-input", "130"][..]),
    ] {
        let rendered = std::process::Command::new("man")
            .arg("-l")
            .arg(dir.path().join(page))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(rendered.status.success(), "{rendered:?}");
        for expected in expected {
            assert!(text.contains(expected), "{page}: {expected}: {text}");
        }
    }
}
