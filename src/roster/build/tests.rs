//! The key tables of the sections agree with the JSON Schema generated from the model, so
//! editors and `zroster validate` accept the same keys.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Key;
use super::section::{
    CUSTOM_ROLE, DEFAULTS, DOCUMENT, GROUP, IDENTITY, MANAGE, ORGANIZATION, POLICY, PROFILE,
    SAFETY, SETTINGS, TEMPORARY, TIME_BOX, USER,
};

/// The key names of a section's tables; each name once.
fn names<T>(tables: &[&[Key<T>]]) -> BTreeSet<&'static str> {
    let all: Vec<&str> = tables
        .iter()
        .flat_map(|t| t.iter().map(|k| k.name))
        .collect();
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "a key is listed twice: {all:?}");
    unique
}

/// The schema itself of `schema`: a `$ref` followed, the non-null choice of an optional
/// value, the items of a list.
fn resolve<'s>(root: &'s Value, schema: &'s Value) -> &'s Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        return resolve(root, &root["$defs"][name]);
    }
    if let Some(choices) = schema.get("anyOf").and_then(Value::as_array) {
        let not_null: Vec<&Value> = choices
            .iter()
            .filter(|c| c.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if let [only] = not_null[..] {
            return resolve(root, only);
        }
    }
    if let Some(items) = schema.get("items") {
        return resolve(root, items);
    }
    schema
}

/// Every object of the schema with fixed keys, by its path from the top (`settings.manage`;
/// a list's items by the list's name), with those keys.
fn sections<'s>(
    root: &'s Value,
    schema: &'s Value,
    path: &str,
    found: &mut BTreeMap<String, BTreeSet<&'s str>>,
) {
    let schema = resolve(root, schema);
    // A free-form mapping (`configuration`) takes any key: no key table stands for it.
    if schema.get("additionalProperties") == Some(&Value::Bool(true)) {
        return;
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    found.insert(
        path.to_owned(),
        properties.keys().map(String::as_str).collect(),
    );
    for (name, property) in properties {
        let path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        sections(root, property, &path, found);
    }
}

#[test]
fn every_section_accepts_exactly_the_keys_of_the_schema() {
    let schema: Value = serde_json::from_str(&super::super::schema::to_json()).unwrap();
    let mut in_schema = BTreeMap::new();
    sections(&schema, &schema, "", &mut in_schema);
    let accepted = [
        ("", names(&[DOCUMENT])),
        ("settings", names(&[SETTINGS])),
        ("settings.manage", names(&[MANAGE])),
        ("settings.safety", names(&[SAFETY])),
        ("settings.policy", names(&[POLICY])),
        ("defaults", names(&[PROFILE])),
        ("users", names(USER)),
        ("users.temporary", names(&[TEMPORARY])),
        ("custom_roles", names(&[CUSTOM_ROLE])),
        ("organizations", names(&[ORGANIZATION])),
        ("groups", names(&[GROUP])),
    ];
    for (path, keys) in accepted {
        assert_eq!(
            in_schema.remove(path),
            Some(keys),
            "the keys of section `{path}` in src/roster/build/section.rs differ from the schema's"
        );
    }
    assert!(
        in_schema.is_empty(),
        "sections of the schema without a key table in src/roster/build/section.rs: {in_schema:?}"
    );
}

#[test]
fn free_form_mappings_take_any_key_and_check_the_values_the_builder_checks() {
    // `configuration` and `user_fields` take any key (their values are checked, not their
    // keys), so no key table stands for them.
    let schema: Value = serde_json::from_str(&super::super::schema::to_json()).unwrap();
    let property = |definition: &str, name: &str| {
        resolve(&schema, &schema["$defs"][definition]["properties"][name]).clone()
    };
    let configuration = property("CustomRole", "configuration");
    assert_eq!(configuration["type"], "object");
    assert_eq!(configuration["additionalProperties"], true);
    let permissions: BTreeMap<&str, Vec<&str>> = configuration["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, values)| {
            let values = values["enum"].as_array().unwrap();
            (
                name.as_str(),
                values.iter().map(|v| v.as_str().unwrap()).collect(),
            )
        })
        .collect();
    let known: BTreeMap<&str, Vec<&str>> = super::PERMISSIONS
        .iter()
        .map(|(name, values)| (*name, values.to_vec()))
        .collect();
    assert_eq!(permissions, known);

    let user_fields = property("Profile", "user_fields");
    assert_eq!(user_fields["type"], "object");
    assert!(user_fields.get("properties").is_none());
    let value = resolve(&schema, &user_fields["additionalProperties"]);
    let types: Vec<&str> = value["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["string", "number", "boolean", "null"]);
}

#[test]
fn defaults_know_the_identity_and_time_box_keys_only_to_refuse_them() {
    assert_eq!(
        names(DEFAULTS),
        &(&names(&[PROFILE]) | &names(&[IDENTITY])) | &names(&[TIME_BOX])
    );
    assert_eq!(names(USER), names(DEFAULTS));
}
