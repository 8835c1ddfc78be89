//! The JSON Schemas zroster publishes (a roster file, a saved plan, an apply report): how
//! each is generated from its Rust types, and the `$id` it is published under.
//!
//! Every schema is generated here, the same way: JSON Schema 2020-12, an `$id`, and only the
//! `format`s the standard defines. schemars describes Rust's integer types with formats of
//! its own (`uint32`, `int64`, …) that strict validators reject (`ajv --strict`); the bounds
//! those formats stand for become `minimum`/`maximum` instead, and the formats are dropped.

use schemars::transform::{RestrictFormats, Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::Value;

/// Where the published schemas are read from: the repository's files at a release tag.
pub const PUBLISHED_AT: &str = "https://raw.githubusercontent.com/zroster/zroster";

/// The `$id` of the schema checked in at `path` (`schema/roster.schema.json`): its URL in
/// the repository at this release's tag, `v` followed by the crate's version.
///
/// The tag pins the file: a roster that points at this URL is checked against the schema of
/// exactly this zroster, which accepts exactly what this zroster accepts.
#[must_use]
pub fn id(path: &str) -> String {
    format!("{PUBLISHED_AT}/v{}/{path}", env!("CARGO_PKG_VERSION"))
}

/// The JSON Schema of `T`, published as `path`: pretty-printed, with a trailing newline.
#[must_use]
pub fn generate<T: JsonSchema>(path: &str) -> String {
    let generator = SchemaGenerator::new(
        SchemaSettings::draft2020_12()
            .with_transform(IntegerBounds)
            .with_transform(RestrictFormats::default()),
    );
    let mut schema = generator.into_root_schema_for::<T>();
    // schemars writes `$id` first, then `$schema`, `title` and `description`.
    schema.insert("$id".into(), id(path).into());
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

/// Writes the bounds of schemars' integer formats as `minimum`/`maximum`, so that dropping
/// the formats loses nothing a validator could check. The 64-bit bounds are left out: a
/// JavaScript validator cannot hold them exactly.
#[derive(Debug, Clone, Copy)]
struct IntegerBounds;

impl Transform for IntegerBounds {
    fn transform(&mut self, schema: &mut Schema) {
        let bounds: Option<(i64, i64)> = match schema.get("format").and_then(Value::as_str) {
            Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
            Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
            Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
            Some("uint8") => Some((0, u8::MAX.into())),
            Some("uint16") => Some((0, u16::MAX.into())),
            Some("uint32") => Some((0, u32::MAX.into())),
            Some("uint64" | "uint") => Some((0, i64::MAX)),
            _ => None,
        };
        if let (Some((min, max)), Some(object)) = (bounds, schema.as_object_mut()) {
            object.entry("minimum").or_insert(min.into());
            if max < i64::MAX {
                object.entry("maximum").or_insert(max.into());
            }
        }
        transform_subschemas(self, schema);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)] // only its schema is used
    struct Counts {
        small: u32,
        large: u64,
        signed: i64,
        maybe: Option<u16>,
        /// An address.
        #[schemars(email)]
        email: String,
    }

    #[test]
    fn integer_formats_become_bounds_and_standard_formats_stay() {
        let schema: Value = serde_json::from_str(&generate::<Counts>("schema/x.json")).unwrap();
        let properties = &schema["properties"];
        assert_eq!(
            properties["small"],
            serde_json::json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32})
        );
        assert_eq!(
            properties["large"],
            serde_json::json!({"type": "integer", "minimum": 0})
        );
        assert_eq!(properties["signed"], serde_json::json!({"type": "integer"}));
        assert_eq!(
            properties["maybe"],
            serde_json::json!({"type": ["integer", "null"], "minimum": 0, "maximum": 65535})
        );
        assert_eq!(properties["email"]["format"], "email");
    }

    #[test]
    fn the_id_follows_the_schema_and_names_this_release() {
        let text = generate::<Counts>("schema/x.json");
        let keys: Vec<&str> = text
            .lines()
            .skip(1)
            .take(2)
            .map(|line| line.trim().split(':').next().unwrap())
            .collect();
        assert_eq!(keys, ["\"$id\"", "\"$schema\""]);
        let schema: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            schema["$id"],
            format!(
                "https://raw.githubusercontent.com/zroster/zroster/v{}/schema/x.json",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
