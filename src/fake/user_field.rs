//! A custom user field definition in the recorded key order
//! (`grouparoo__user-fields-definitions.json`, `zendesk-api-client-rb__user-field-create-2015.json`)
//! and the rules its type imposes on the values users hold: what a value is stored as, which
//! values are refused, and the tag a checkbox or dropdown value puts on the user.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::api_error::ApiError;
use super::input::title;

/// The pattern Zendesk fills in for every `date` field (recorded).
pub(crate) const DATE_PATTERN: &str = r"\A([0-9]{4})-(1[0-2]|0[1-9])-(3[01]|[12][0-9]|0[1-9])\z";

/// The types a user field can have.
pub(crate) const TYPES: &[&str] = &[
    "text",
    "textarea",
    "checkbox",
    "date",
    "integer",
    "decimal",
    "regexp",
    "dropdown",
    "multiselect",
    "lookup",
];

/// One option of a dropdown or multiselect field; its `value` is also a tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields
pub struct FieldOption {
    pub id: u64,
    pub name: String,
    pub raw_name: String,
    pub value: String,
}

/// A custom user field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §12 and INDEX.md
pub struct UserField {
    pub url: String,
    pub id: u64,
    #[serde(rename = "type")]
    pub field_type: String,
    pub key: String,
    pub title: String,
    pub description: String,
    pub raw_title: String,
    pub raw_description: String,
    pub position: i64,
    pub active: bool,
    pub system: bool,
    pub regexp_for_validation: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Checkbox fields: the tag the user gets while the box is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Dropdown and multiselect fields: the options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field_options: Option<Vec<FieldOption>>,
}

fn invalid(key: &str) -> ApiError {
    ApiError::invalid(
        key,
        format!("{}: is invalid", title(key)),
        Some("InvalidValue"),
    )
}

impl UserField {
    /// The value a user holds when the field was never set: `false` for a checkbox, `null`
    /// otherwise (recorded: every user shows every field).
    #[must_use]
    pub(crate) fn empty(&self) -> Value {
        if self.field_type == "checkbox" {
            Value::Bool(false)
        } else {
            Value::Null
        }
    }

    /// What Zendesk stores for `value`, or 422 when the field's type refuses it. `null`
    /// clears every type (a checkbox becomes `false`).
    pub(crate) fn coerce(&self, value: &Value) -> Result<Value, ApiError> {
        if value.is_null() {
            return Ok(self.empty());
        }
        let refuse = || invalid(&self.key);
        let text = match value {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match self.field_type.as_str() {
            "checkbox" => match value {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::String(s) if s == "true" || s == "1" => Ok(Value::Bool(true)),
                Value::String(s) if s == "false" || s == "0" || s.is_empty() => {
                    Ok(Value::Bool(false))
                }
                Value::Number(n) if n.as_u64() == Some(1) => Ok(Value::Bool(true)),
                Value::Number(n) if n.as_u64() == Some(0) => Ok(Value::Bool(false)),
                _ => Err(refuse()),
            },
            "integer" => {
                let text = text.ok_or_else(refuse)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                text.parse::<i64>().map(Value::from).map_err(|_| refuse())
            }
            "decimal" => {
                let text = text.ok_or_else(refuse)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                let number: f64 = text.parse().map_err(|_| refuse())?;
                serde_json::Number::from_f64(number)
                    .map(Value::Number)
                    .ok_or_else(refuse)
            }
            "date" => {
                let text = text.ok_or_else(refuse)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                // `2020-08-19` and `2020-08-19T20:50:04.000Z` both store the day (recorded).
                let day = text.get(..10).ok_or_else(refuse)?;
                chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| refuse())?;
                if text.len() > 10 && !text[10..].starts_with('T') {
                    return Err(refuse());
                }
                Ok(json!(format!("{day}T00:00:00+00:00")))
            }
            "regexp" => {
                let text = text.ok_or_else(refuse)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                match self.regexp_for_validation.as_deref().map(ruby_regex) {
                    Some(Ok(re)) if !re.is_match(&text) => Err(refuse()),
                    _ => Ok(Value::String(text)),
                }
            }
            "dropdown" => {
                let text = text.ok_or_else(refuse)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                self.options()
                    .iter()
                    .find(|o| o.value == text)
                    .map(|o| Value::String(o.value.clone()))
                    .ok_or_else(refuse)
            }
            "multiselect" => {
                let values: Vec<String> = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned).ok_or_else(refuse))
                        .collect::<Result<_, _>>()?,
                    Value::String(s) => vec![s.clone()],
                    _ => return Err(refuse()),
                };
                if values
                    .iter()
                    .any(|v| !self.options().iter().any(|o| &o.value == v))
                {
                    return Err(refuse());
                }
                Ok(json!(values))
            }
            "lookup" => match value {
                Value::Number(n) if n.as_u64().is_some() => Ok(value.clone()),
                Value::String(s) if s.parse::<u64>().is_ok() => {
                    Ok(json!(s.parse::<u64>().unwrap_or_default()))
                }
                _ => Err(refuse()),
            },
            // text, textarea: any scalar, as text.
            _ => text.map(Value::String).ok_or_else(refuse),
        }
    }

    /// The tags a stored value puts on the user: a checked checkbox its `tag`, a dropdown or
    /// multiselect the `value` of each chosen option.
    #[must_use]
    pub(crate) fn tags_of(&self, value: &Value) -> Vec<String> {
        match self.field_type.as_str() {
            "checkbox" if value == &Value::Bool(true) => self.tag.iter().cloned().collect(),
            "dropdown" => value.as_str().map(str::to_owned).into_iter().collect(),
            "multiselect" => value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn options(&self) -> &[FieldOption] {
        self.custom_field_options.as_deref().unwrap_or_default()
    }
}

/// Zendesk's patterns are Ruby regular expressions: `\A` and `\z` anchor the whole text,
/// which the `regex` crate spells the same; `\Z` becomes `\z`.
fn ruby_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&pattern.replace(r"\Z", r"\z"))
}

/// Reads a definition from a request or a state file: what was sent, Zendesk's defaults for
/// the rest (`type` text, `description` the title, `position` 9999, `active` true).
pub(crate) fn definition_from(
    map: &Map<String, Value>,
    id: u64,
    url: String,
    now: &str,
    current: Option<&UserField>,
) -> Result<UserField, ApiError> {
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(key)),
        }
    };
    let key = match (text("key")?, current) {
        (Some(key), None) => key,
        (_, Some(current)) => current.key.clone(),
        (None, None) => {
            return Err(ApiError::invalid(
                "key",
                "Key: cannot be blank".to_owned(),
                Some("BlankValue"),
            ));
        }
    };
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid("key"));
    }
    let field_type = match (text("type")?, current) {
        (_, Some(current)) => current.field_type.clone(),
        (Some(t), None) if TYPES.contains(&t.as_str()) => t,
        (Some(_), None) => return Err(invalid("type")),
        (None, None) => "text".to_owned(),
    };
    let title = text("title")?
        .or_else(|| current.map(|c| c.title.clone()))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "title",
                "Title: cannot be blank".to_owned(),
                Some("BlankValue"),
            )
        })?;
    let description = text("description")?
        .or_else(|| current.map(|c| c.description.clone()))
        .unwrap_or_else(|| title.clone());
    let position = match map.get("position") {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid("position"))?,
        None | Some(Value::Null) => current.map_or(9999, |c| c.position),
        Some(_) => return Err(invalid("position")),
    };
    let active = match map.get("active") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => current.is_none_or(|c| c.active),
        Some(_) => return Err(invalid("active")),
    };
    let regexp_for_validation = if field_type == "date" {
        Some(DATE_PATTERN.to_owned())
    } else if field_type == "regexp" {
        let pattern = text("regexp_for_validation")?
            .or_else(|| current.and_then(|c| c.regexp_for_validation.clone()))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| invalid("regexp_for_validation"))?;
        ruby_regex(&pattern).map_err(|_| invalid("regexp_for_validation"))?;
        Some(pattern)
    } else {
        None
    };
    let tag = if field_type == "checkbox" {
        text("tag")?
            .or_else(|| current.and_then(|c| c.tag.clone()))
            .filter(|t| !t.is_empty())
    } else {
        None
    };
    let custom_field_options = if field_type == "dropdown" || field_type == "multiselect" {
        match map.get("custom_field_options") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, o)| option_from(o, id, i))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None | Some(Value::Null) => current
                .and_then(|c| c.custom_field_options.clone())
                .or(Some(Vec::new())),
            Some(_) => return Err(invalid("custom_field_options")),
        }
    } else {
        None
    };
    Ok(UserField {
        url,
        id,
        raw_title: title.clone(),
        raw_description: description.clone(),
        field_type,
        key,
        title,
        description,
        position,
        active,
        system: false,
        regexp_for_validation,
        created_at: current.map_or_else(|| now.to_owned(), |c| c.created_at.clone()),
        updated_at: now.to_owned(),
        tag,
        custom_field_options,
    })
}

fn option_from(value: &Value, field_id: u64, index: usize) -> Result<FieldOption, ApiError> {
    let map = value
        .as_object()
        .ok_or_else(|| invalid("custom_field_options"))?;
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("custom_field_options"))?
        .to_owned();
    let value = map
        .get("value")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty() && !v.contains(' '))
        .ok_or_else(|| invalid("custom_field_options"))?
        .to_owned();
    let id = map
        .get("id")
        .and_then(Value::as_u64)
        .unwrap_or(field_id * 100 + index as u64 + 1);
    Ok(FieldOption {
        id,
        raw_name: name.clone(),
        name,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::needless_pass_by_value)] // keeps the json! call sites short
    fn field(body: Value) -> UserField {
        definition_from(
            body.as_object().unwrap(),
            7,
            "https://x/api/v2/user_fields/7.json".into(),
            "2026-01-01T00:00:00Z",
            None,
        )
        .unwrap()
    }

    #[test]
    fn defaults_follow_the_recordings() {
        let f = field(json!({"key": "age", "title": "Age"}));
        assert_eq!(f.field_type, "text");
        assert_eq!(f.description, "Age");
        assert_eq!(f.raw_description, "Age");
        assert_eq!(f.position, 9999);
        assert!(f.active && !f.system);
        let date = field(json!({"key": "start", "title": "Start", "type": "date"}));
        assert_eq!(date.regexp_for_validation.as_deref(), Some(DATE_PATTERN));
    }

    #[test]
    fn values_are_stored_as_zendesk_stores_them() {
        let date = field(json!({"key": "d", "title": "D", "type": "date"}));
        assert_eq!(
            date.coerce(&json!("2020-08-19T20:50:04.000Z")).unwrap(),
            json!("2020-08-19T00:00:00+00:00")
        );
        assert!(date.coerce(&json!("19/08/2020")).is_err());
        let checkbox =
            field(json!({"key": "c", "title": "C", "type": "checkbox", "tag": "checkedbox"}));
        assert_eq!(checkbox.coerce(&Value::Null).unwrap(), json!(false));
        assert_eq!(checkbox.tags_of(&json!(true)), ["checkedbox"]);
        assert!(checkbox.tags_of(&json!(false)).is_empty());
        assert!(checkbox.coerce(&json!("yes")).is_err());
        let int = field(json!({"key": "n", "title": "N", "type": "integer"}));
        assert_eq!(int.coerce(&json!("3039")).unwrap(), json!(3039));
        assert!(int.coerce(&json!("3.5")).is_err());
        let re = field(
            json!({"key": "r", "title": "R", "type": "regexp", "regexp_for_validation": r"\A[a-z]+\z"}),
        );
        assert!(re.coerce(&json!("abc")).is_ok());
        assert!(re.coerce(&json!("ABC")).is_err());
        let dropdown = field(json!({"key": "fruit", "title": "Fruit", "type": "dropdown",
            "custom_field_options": [{"name": "Apple", "value": "apple"}]}));
        assert_eq!(dropdown.coerce(&json!("apple")).unwrap(), json!("apple"));
        assert_eq!(dropdown.tags_of(&json!("apple")), ["apple"]);
        assert!(dropdown.coerce(&json!("pear")).is_err());
    }
}
