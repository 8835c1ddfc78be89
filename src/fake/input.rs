//! Typed reads of request JSON (`{"user": {...}}` and friends) that answer bad values the way
//! Zendesk does (422 `RecordInvalid` naming the field) instead of failing the request.
// `Option<Option<T>>` says exactly what a JSON field can be here: absent, null, or a value.
#![allow(clippy::option_option)]

use serde_json::{Map, Value};

use super::api_error::ApiError;

/// A request object (the value under `user`, `organization`, …).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'a>(pub(crate) &'a Map<String, Value>);

/// `Name` for `name`, `External id` for `external_id`: how Zendesk titles a field.
pub(crate) fn title(field: &str) -> String {
    let text = field.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn invalid(field: &str) -> ApiError {
    ApiError::invalid(
        field,
        format!("{}: is invalid", title(field)),
        Some("InvalidValue"),
    )
}

impl Input<'_> {
    /// Whether `key` is present (even as null).
    pub(crate) fn has(self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Absent → `None`; null → `Some(None)`; a string or number → its text.
    pub(crate) fn string(self, key: &str) -> Result<Option<Option<String>>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(Value::Number(n)) => Ok(Some(Some(n.to_string()))),
            Some(_) => Err(invalid(key)),
        }
    }

    /// Absent or null → `None`; booleans (and `"true"`/`"false"`) → the value.
    pub(crate) fn boolean(self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(_) => Err(invalid(key)),
        }
    }

    /// Absent → `None`; null or `""` → `Some(None)`; a number or numeric string → the id.
    pub(crate) fn id(self, key: &str) -> Result<Option<Option<u64>>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
            Some(Value::String(s)) => s.parse().map(|id| Some(Some(id))).map_err(|_| invalid(key)),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(|id| Some(Some(id)))
                .ok_or_else(|| invalid(key)),
            Some(_) => Err(invalid(key)),
        }
    }

    /// Absent → `None`; null → empty; a list of strings (or one comma-separated string).
    pub(crate) fn string_list(self, key: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(Vec::new())),
            Some(Value::String(s)) => Ok(Some(
                s.split([',', ' '])
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(invalid(key)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid(key)),
        }
    }

    /// Absent → `None`; null → empty object; an object → it.
    pub(crate) fn object(self, key: &str) -> Result<Option<Map<String, Value>>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(Map::new())),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(invalid(key)),
        }
    }
}
