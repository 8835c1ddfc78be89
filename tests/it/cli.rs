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
