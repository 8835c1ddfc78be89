//! `zroster export --out` starts the roster with a `$schema` line that leads from where the
//! file is written to a schema an editor can load, and the roster is valid against it.

use std::path::Path;

use serde_json::Value;
use zroster::roster::schema::SCHEMA_PATH;

use crate::common::{bin, root};

/// Runs `zroster export` from `cwd` against the example account; its standard output.
fn export(cwd: &Path, args: &[&str]) -> String {
    let output = bin("zroster")
        .current_dir(cwd)
        .arg("export")
        .arg("--sandbox")
        .arg(root().join("examples/acme/zendesk-state.json"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The target of the roster's first line, `# yaml-language-server: $schema=TARGET`.
fn schema_line(roster: &str) -> &str {
    let first = roster.lines().next().unwrap_or_default();
    first
        .strip_prefix("# yaml-language-server: $schema=")
        .unwrap_or_else(|| panic!("no schema line: {first}"))
}

fn checked_in_schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(SCHEMA_PATH)).unwrap()).unwrap()
}

#[test]
fn the_schema_line_leads_from_the_exported_file_to_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::create_dir_all(cwd.join("schema")).unwrap();
    std::fs::copy(root().join(SCHEMA_PATH), cwd.join(SCHEMA_PATH)).unwrap();
    std::fs::create_dir_all(cwd.join("roster/team")).unwrap();
    export(
        cwd,
        &["--scope", "all", "--out", "roster/team/everyone.yaml"],
    );
    let written = cwd.join("roster/team/everyone.yaml");
    let roster = std::fs::read_to_string(&written).unwrap();
    let target = schema_line(&roster);
    assert_eq!(target, "../../schema/roster.schema.json");

    // An editor opening the file finds the schema from the file's own directory, and the
    // export is valid against it.
    let found = written.parent().unwrap().join(target);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(found).unwrap()).unwrap();
    let document: Value = serde_saphyr::from_str(&roster).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let output = bin("zroster")
        .current_dir(cwd)
        .args(["validate", "roster"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // On standard output the roster lands where the command runs.
    assert_eq!(schema_line(&export(cwd, &[])), "schema/roster.schema.json");
}

#[test]
fn without_a_local_schema_the_line_names_the_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let published = checked_in_schema()["$id"].as_str().unwrap().to_owned();
    assert!(published.starts_with("https://"), "{published}");
    export(cwd, &["--out", "agents.yaml"]);
    let roster = std::fs::read_to_string(cwd.join("agents.yaml")).unwrap();
    assert_eq!(schema_line(&roster), published);
    assert_eq!(schema_line(&export(cwd, &[])), published);
}

#[test]
fn a_given_schema_is_named_from_the_exported_file_or_as_the_url_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::create_dir_all(cwd.join("roster")).unwrap();
    export(
        cwd,
        &[
            "--schema",
            "vendor/zroster.json",
            "--out",
            "roster/agents.yaml",
        ],
    );
    let roster = std::fs::read_to_string(cwd.join("roster/agents.yaml")).unwrap();
    assert_eq!(schema_line(&roster), "../vendor/zroster.json");
    let url = "https://example.com/zroster/roster.schema.json";
    assert_eq!(schema_line(&export(cwd, &["--schema", url])), url);
}
