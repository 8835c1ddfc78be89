//! The JSON Schema of a roster file, generated from the model's types and doc comments.

use super::model::Document;

/// Where the checked-in schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/roster.schema.json";

/// The roster file's JSON Schema, pretty-printed with a trailing newline.
#[must_use]
pub fn to_json() -> String {
    let schema = schemars::schema_for!(Document);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}
