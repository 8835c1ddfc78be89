//! The checked-in JSON Schema is current, and editors using it agree with zroster: the
//! examples validate against it, and invalid documents do not.

use crate::common::root;

fn checked_in_schema() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(zroster::roster::schema::SCHEMA_PATH)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn checked_in_schema_is_current() {
    let on_disk =
        std::fs::read_to_string(root().join(zroster::roster::schema::SCHEMA_PATH)).unwrap();
    assert!(
        on_disk == zroster::roster::schema::to_json(),
        "schema/roster.schema.json is out of date; regenerate it with:\n    cargo run --bin zroster -- schema > schema/roster.schema.json"
    );
}

fn yaml_to_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap()
}

#[test]
fn every_example_validates_against_the_schema() {
    let validator = jsonschema::validator_for(&checked_in_schema()).unwrap();
    let files = crate::common::roster_examples();
    assert!(files.len() >= 6);
    for file in files {
        let document = yaml_to_json(&std::fs::read_to_string(&file).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

#[test]
fn invalid_documents_do_not_validate_against_the_schema() {
    let validator = jsonschema::validator_for(&checked_in_schema()).unwrap();
    for (what, yaml) in [
        ("misspelled key", "users:\n  - emial: jane@acme.com\n"),
        (
            "unknown role",
            "users:\n  - email: jane@acme.com\n    role: superuser\n",
        ),
        (
            "capitalised role",
            "users:\n  - email: jane@acme.com\n    role: Agent\n",
        ),
        (
            "percentage out of range",
            "settings:\n  safety:\n    max_deletes: \"150%\"\n",
        ),
        (
            "boolean as text",
            "users:\n  - email: jane@acme.com\n    suspended: \"yes\"\n",
        ),
        (
            "null role",
            "users:\n  - email: jane@acme.com\n    role: null\n",
        ),
        ("unknown prune", "settings:\n  prune: remove\n"),
        (
            "groups as text",
            "users:\n  - email: jane@acme.com\n    groups: Billing\n",
        ),
        ("group without name", "groups:\n  - description: x\n"),
    ] {
        assert!(
            !validator.is_valid(&yaml_to_json(yaml)),
            "{what} should not validate"
        );
    }
    assert!(validator.is_valid(&yaml_to_json(
        "users:\n  - email: jane@acme.com\n    alias: null\n    tags: ~\n"
    )));
}

#[test]
fn checked_in_plan_schema_is_current() {
    let on_disk = std::fs::read_to_string(root().join(zroster::plan::SCHEMA_PATH)).unwrap();
    assert!(
        on_disk == zroster::plan::schema_json(),
        "schema/plan.schema.json is out of date; regenerate it with:\n    cargo run --bin zroster -- schema plan > schema/plan.schema.json"
    );
}

#[test]
fn checked_in_report_schema_is_current() {
    let on_disk = std::fs::read_to_string(root().join(zroster::apply::SCHEMA_PATH)).unwrap();
    assert!(
        on_disk == zroster::apply::schema_json(),
        "schema/report.schema.json is out of date; regenerate it with:\n    cargo run --bin zroster -- schema report > schema/report.schema.json"
    );
}
