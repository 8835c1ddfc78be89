//! The JSON Schema of a roster file, generated from the model's types and doc comments.

use super::model::Document;

/// Where the checked-in schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/roster.schema.json";

/// The roster file's JSON Schema, pretty-printed with a trailing newline.
#[must_use]
pub fn to_json() -> String {
    crate::schema::generate::<Document>(SCHEMA_PATH)
}
