//! The key tables of the sections agree with the JSON Schema generated from the model, so
//! editors and `zroster validate` accept the same keys.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Key;
use super::section::{
    CUSTOM_ROLE, DEFAULTS, DOCUMENT, GROUP, IDENTITY, MANAGE, ORGANIZATION, PROFILE, SAFETY,
    SETTINGS, USER,
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
    let Some(properties) = resolve(root, schema)
        .get("properties")
        .and_then(Value::as_object)
    else {
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
        ("defaults", names(&[PROFILE])),
        ("users", names(USER)),
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
fn free_form_mappings_have_no_fixed_keys_in_the_schema() {
    // `configuration` and `user_fields` take any key (their values are checked, not their
    // keys), so no key table stands for them.
    let schema: Value = serde_json::from_str(&super::super::schema::to_json()).unwrap();
    for (definition, property) in [("CustomRole", "configuration"), ("Profile", "user_fields")] {
        let free = &schema["$defs"][definition]["properties"][property];
        assert_eq!(free["type"], "object", "{definition}.{property}");
        assert_eq!(
            free["additionalProperties"], true,
            "{definition}.{property}"
        );
        assert!(free.get("properties").is_none(), "{definition}.{property}");
    }
}

#[test]
fn defaults_know_the_identity_keys_only_to_refuse_them() {
    assert_eq!(names(DEFAULTS), &names(&[PROFILE]) | &names(&[IDENTITY]));
    assert_eq!(names(USER), names(DEFAULTS));
}
