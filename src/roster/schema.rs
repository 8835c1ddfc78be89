//! The JSON Schema of a roster file, generated from the model's types and doc comments, and
//! the schemas of the values the model holds as plain Rust types (text, names, tags, email
//! addresses, limits): each states exactly what the roster's builder accepts, so that an
//! editor checking a file against the schema and `zroster validate` agree.
//!
//! Two rules run through them. Where text is expected, a number written without quotes is
//! text (the builder takes the text as written: `external_id: 0042`, `phone: +4930123456`),
//! so the schema accepts a number there. And "blank" means what Rust's `char::is_whitespace`
//! means, spelled out as [`WHITESPACE`] for the regular expressions.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::build::PERMISSIONS;
use super::model::Document;

/// Where the checked-in schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/roster.schema.json";

/// The roster file's JSON Schema, pretty-printed with a trailing newline.
#[must_use]
pub fn to_json() -> String {
    crate::schema::generate::<Document>(SCHEMA_PATH)
}

/// The characters for which `char::is_whitespace` holds (Unicode `White_Space`), as ranges.
/// `str::trim` trims them; the schemas' regular expressions name them one by one, since
/// `\s` means another set in ECMAScript.
pub(crate) const WHITESPACE: &[(char, char)] = &[
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];

/// [`WHITESPACE`] as the inside of a regular expression's character class.
fn blank() -> String {
    WHITESPACE
        .iter()
        .map(|&(first, last)| {
            if first == last {
                format!("\\u{:04X}", u32::from(first))
            } else {
                format!("\\u{:04X}-\\u{:04X}", u32::from(first), u32::from(last))
            }
        })
        .collect()
}

/// A schema type of its own, shown in the schema's `$defs` under `name`.
macro_rules! value_schema {
    ($(#[$doc:meta])* $type:ident, $name:literal, $schema:expr) => {
        $(#[$doc])*
        pub(crate) struct $type;

        impl JsonSchema for $type {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

value_schema!(
    /// Text: any string, or a number written without quotes (taken as the text written).
    Text,
    "Text",
    json_schema!({
        "description": "Text. A number written without quotes is the text as written: `0042` keeps its zeros, `+4930123456` its plus sign.",
        "anyOf": [{ "type": "string" }, { "type": "number" }]
    })
);

value_schema!(
    /// Text that is not blank: a name, an id, a time zone.
    Name,
    "Name",
    json_schema!({
        "description": "Text that is not blank. A number written without quotes is the text as written.",
        "anyOf": [
            { "type": "string", "pattern": format!("[^{}]", blank()) },
            { "type": "number" }
        ]
    })
);

value_schema!(
    /// A tag: no blanks, no commas.
    Tag,
    "Tag",
    json_schema!({
        "description": "A tag: text without spaces or commas (Zendesk splits tags at them). A number written without quotes is the text as written.",
        "anyOf": [
            { "type": "string", "pattern": format!("^[^{},]+$", blank()) },
            { "type": "number" }
        ]
    })
);

value_schema!(
    /// An email address as `validate` checks it (`email_problem`), blanks around it allowed.
    Email,
    "Email",
    {
        let blank = blank();
        // A part of the address before the `@`: no blanks, controls, `@` or dots.
        let part = format!("[^@.{blank}\\p{{Cc}}]+");
        // A domain label: letters and digits of any script, hyphens inside.
        let label = "[\\p{Alphabetic}\\p{N}](?:[\\p{Alphabetic}\\p{N}-]*[\\p{Alphabetic}\\p{N}])?";
        json_schema!({
            "description": "An email address: one `@`; before it at most 64 characters without blanks, dots only between them; after it a domain of two or more labels of letters, digits and inner hyphens.",
            "type": "string",
            "allOf": [
                { "pattern": format!("^[{blank}]*{part}(?:\\.{part})*@{label}(?:\\.{label})+[{blank}]*$") },
                { "pattern": format!("^[{blank}]*[^@]{{1,64}}@") }
            ]
        })
    }
);

value_schema!(
    /// A locale such as `en-US`.
    Locale,
    "Locale",
    json_schema!({
        "description": "A locale such as `en-US`, `de` or `pt-BR`.",
        "type": "string",
        "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
    })
);

/// The alternatives of a glob that some address fits (`pattern::why_unmatchable`).
fn address_globs() -> String {
    let no_at = format!("[^@{}]", blank());
    format!(
        "{no_at}*\\*{no_at}*|{no_at}*[*?]{no_at}*@{no_at}+|{no_at}+@{no_at}*[*?.]{no_at}*|{no_at}+@localhost"
    )
}

value_schema!(
    /// An `ignore` or `protect` pattern that can match something (`pattern::why_unmatchable`).
    Pattern,
    "Pattern",
    json_schema!({
        "description": "A glob matched case-insensitively against email addresses (`*@acme.com`, `bot-?@acme.com`), or against external ids after `external_id:`. A pattern that no address fits is refused: one with blanks, two `@`, neither `@` nor `*`, nothing before or after the `@`, or a domain without a dot (unless `localhost` or a wildcard).",
        "type": "string",
        "pattern": format!("^(?:external_id:[\\s\\S]+|{})$", address_globs())
    })
);

value_schema!(
    /// A pattern of `policy.agent_emails` / `admin_emails`: addresses only.
    AddressPattern,
    "AddressPattern",
    json_schema!({
        "description": "A glob matched case-insensitively against email addresses (`*@acme.com`, `bot-?@acme.com`), refused as a `Pattern` is when no address fits it. No `external_id:` patterns: the policy judges the addresses users hold, and an external id is whatever the roster writes.",
        "type": "string",
        "pattern": format!("^(?:{})$", address_globs()),
        "not": { "pattern": "^external_id:" }
    })
);

value_schema!(
    /// A moment of a time box (`expires`, `temporary.until`), as [`super::time_box::Moment`]
    /// reads it.
    TimeMoment,
    "Moment",
    json_schema!({
        "description": "A date `YYYY-MM-DD`, meaning the end of that day in UTC, or an RFC 3339 time `YYYY-MM-DDThh:mm:ssZ` (or with an offset such as `+01:00`).",
        "type": "string",
        "pattern": super::time_box::moment_pattern()
    })
);

value_schema!(
    /// `settings.account`: a subdomain, or a list of them.
    Subdomains,
    "Subdomains",
    {
        let subdomain = serde_json::json!({
            "type": "string",
            "pattern": SUBDOMAIN_PATTERN
        });
        json_schema!({
            "description": "A Zendesk subdomain (`acme` for `acme.zendesk.com`): letters, digits and inner hyphens, at most 63; or a list of them.",
            "anyOf": [subdomain.clone(), { "type": "array", "items": subdomain, "minItems": 1 }]
        })
    }
);

/// A subdomain: 1 to 63 letters, digits and hyphens, neither first nor last a hyphen (what
/// [`crate::zendesk::is_subdomain`] holds).
pub(crate) const SUBDOMAIN_PATTERN: &str = "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$";

value_schema!(
    /// A number of users.
    Count,
    "Count",
    json_schema!({
        "description": "A whole number of users, 0 or more.",
        "type": "integer",
        "minimum": 0,
        "maximum": u32::MAX
    })
);

value_schema!(
    /// A percentage as the builder reads it (`threshold` in `build/value.rs`).
    Percentage,
    "Percentage",
    json_schema!({
        "description": "A percentage from 0% to 100%: digits, an optional fraction, an optional space, `%` (`10%`, `2.5%`, `20 %`).",
        "type": "string",
        "pattern": "^0*(?:100(?:\\.0+)?|[0-9]{1,2}(?:\\.[0-9]+)?) ?%$"
    })
);

value_schema!(
    /// The value of a custom user field.
    UserFieldValue,
    "UserFieldValue",
    json_schema!({
        "description": "A custom user field's value: text, a number, `true`/`false`, or `null` to clear it.",
        "anyOf": [
            { "type": "string" },
            { "type": "number" },
            { "type": "boolean" },
            { "type": "null" }
        ]
    })
);

value_schema!(
    /// A custom role's permissions: any key, and for the permissions whose values are known
    /// ([`PERMISSIONS`]), one of those values.
    Configuration,
    "Configuration",
    {
        let properties: serde_json::Map<String, serde_json::Value> = PERMISSIONS
            .iter()
            .map(|(name, values)| ((*name).to_owned(), serde_json::json!({ "enum": values })))
            .collect();
        json_schema!({
            "description": "Permissions by name, e.g. `ticket_access: within-groups`. Only the permissions written are managed.",
            "type": "object",
            "properties": properties,
            "additionalProperties": true
        })
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// A character class of the schema's regular expressions, compiled as the Rust validators
    /// compile it.
    fn class(class: &str) -> regex::Regex {
        regex::Regex::new(&format!("^[{class}]$")).unwrap()
    }

    fn every_char() -> impl Iterator<Item = char> {
        (0..=u32::from(char::MAX)).filter_map(char::from_u32)
    }

    #[test]
    fn the_blank_class_is_rusts_whitespace() {
        let blank = class(&blank());
        let mut buffer = [0; 4];
        for c in every_char() {
            assert_eq!(
                blank.is_match(c.encode_utf8(&mut buffer)),
                c.is_whitespace(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    /// Rust's standard library may know a newer Unicode than the regular expressions (or an
    /// editor's JavaScript): letters it knows and they do not are the one difference allowed.
    #[test]
    fn the_email_classes_are_the_checks_of_validate() {
        let alphanumeric = class("\\p{Alphabetic}\\p{N}");
        let control = class("\\p{Cc}");
        let unassigned = class("\\p{Cn}");
        let mut buffer = [0; 4];
        for c in every_char() {
            let text = c.encode_utf8(&mut buffer);
            let code = format!("U+{:04X}", u32::from(c));
            assert_eq!(control.is_match(text), c.is_control(), "{code}");
            if !unassigned.is_match(text) {
                assert_eq!(alphanumeric.is_match(text), c.is_alphanumeric(), "{code}");
            }
        }
    }
}
