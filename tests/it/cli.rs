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
