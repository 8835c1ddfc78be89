//! [`FieldValue`]: a field's value before or after a change, typed by what the field holds
//! and written as Zendesk's JSON in a plan.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::roster::Role;

/// A field's value in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// No value: the `before` of a new object, a field cleared, an empty field.
    Null,
    /// Text: names, emails, external ids, locales, time zones, free text; for the custom
    /// role, organization and default group of a user, the object's name (or `#id` for a
    /// live object the plan has no name for).
    Text(String),
    /// A flag.
    Flag(bool),
    /// A user's role.
    Role(Role),
    /// A set of strings: tags, domain names.
    List(Vec<String>),
    /// Whatever JSON the account's definition takes: custom user fields, custom-role
    /// permissions. Never `null` (that is [`FieldValue::Null`]).
    Json(serde_json::Value),
}

/// The shape of a field's values: what [`FieldValue`] variant (besides `Null`) it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Text,
    Flag,
    Role,
    List,
    Json,
}

impl FieldValue {
    /// Text, or `Null` for none.
    #[must_use]
    pub fn text(text: Option<&str>) -> Self {
        text.map_or(FieldValue::Null, |t| FieldValue::Text(t.to_owned()))
    }

    /// A flag, or `Null` for none.
    #[must_use]
    pub fn flag(flag: Option<bool>) -> Self {
        flag.map_or(FieldValue::Null, FieldValue::Flag)
    }

    /// Any JSON; `null` is [`FieldValue::Null`].
    #[must_use]
    pub fn json(value: serde_json::Value) -> Self {
        if value.is_null() {
            FieldValue::Null
        } else {
            FieldValue::Json(value)
        }
    }

    /// The text, for text values.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The value as JSON, as Zendesk takes it.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            FieldValue::Null => serde_json::Value::Null,
            FieldValue::Text(text) => serde_json::Value::from(text.as_str()),
            FieldValue::Flag(flag) => serde_json::Value::from(*flag),
            FieldValue::Role(role) => serde_json::Value::from(role.as_str()),
            FieldValue::List(items) => serde_json::Value::from(items.as_slice()),
            FieldValue::Json(value) => value.clone(),
        }
    }

    /// Reads a written value of a field of `shape` back (a saved plan).
    pub(crate) fn from_json(shape: Shape, value: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        let wrong = |value: &Value| format!("`{value}` is not a value of this field");
        Ok(match (shape, value) {
            (_, Value::Null) => FieldValue::Null,
            (Shape::Json, value) => FieldValue::Json(value),
            (Shape::Text, Value::String(text)) => FieldValue::Text(text),
            (Shape::Flag, Value::Bool(flag)) => FieldValue::Flag(flag),
            (Shape::Role, Value::String(name)) => {
                FieldValue::Role(Role::from_name(&name).ok_or_else(|| wrong(&Value::String(name)))?)
            }
            (Shape::List, Value::Array(items)) => FieldValue::List(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => Ok(text),
                        other => Err(wrong(&other)),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (_, other) => return Err(wrong(&other)),
        })
    }
}

impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Null => serializer.serialize_unit(),
            FieldValue::Text(text) => serializer.serialize_str(text),
            FieldValue::Flag(flag) => serializer.serialize_bool(*flag),
            FieldValue::Role(role) => serializer.serialize_str(role.as_str()),
            FieldValue::List(items) => items.serialize(serializer),
            FieldValue::Json(value) => value.serialize(serializer),
        }
    }
}

/// The value as compact JSON: `"Jane"`, `null`, `["emea","vip"]`, `true`.
impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Json(value) => write!(f, "{value}"),
            other => {
                let text = serde_json::to_string(other).map_err(|_| fmt::Error)?;
                f.write_str(&text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{FieldValue, Shape};
    use crate::roster::Role;

    #[test]
    fn values_read_back_as_written_and_show_as_json() {
        for (shape, value) in [
            (Shape::Text, FieldValue::Text("Jane\nSmith".to_owned())),
            (Shape::Text, FieldValue::Null),
            (Shape::Flag, FieldValue::Flag(false)),
            (Shape::Role, FieldValue::Role(Role::EndUser)),
            (Shape::List, FieldValue::List(vec!["emea".to_owned()])),
            (Shape::List, FieldValue::List(Vec::new())),
            (Shape::Json, FieldValue::Json(json!({"a": [1, "b"]}))),
        ] {
            let written = serde_json::to_value(&value).unwrap();
            assert_eq!(written.to_string(), value.to_string());
            assert_eq!(FieldValue::from_json(shape, written).unwrap(), value);
        }
        assert!(FieldValue::from_json(Shape::Role, json!("owner")).is_err());
        assert!(FieldValue::from_json(Shape::Flag, json!("yes")).is_err());
        assert_eq!(FieldValue::json(json!(null)), FieldValue::Null);
    }
}
