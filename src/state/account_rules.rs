//! The account's rules the planner must respect: whether users carry tags, whether they may
//! belong to several organizations, which user fields exist and what each accepts, and which
//! group new agents join. Read by the fetch (`GET /account/settings`, `GET /user_fields`,
//! the groups listing) and nowhere else. A rule the fetch could not read is `None`: the
//! planner then checks nothing against it and the plan says so.
//!
//! Whether the account has bulk user imports is not among them: no readable setting shows
//! it (`GET /account/settings` has no such key in any recording or document, and Zendesk
//! turns imports on only on request, through its support). The plan therefore estimates both
//! ways (`requests_without_bulk_imports`), and the executor learns it from the first 403 of
//! `users/create_or_update_many`, remembers it for the rest of the run and journals it for
//! a resumed one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::zendesk::wire;

/// What the account allows, as far as the fetch could read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountRules {
    /// `settings.user.tagging`: users carry tags.
    pub user_tagging: Option<bool>,
    /// `settings.user.multiple_organizations`: a user may belong to several organizations.
    pub multiple_organizations: Option<bool>,
    /// The custom user fields by key.
    pub user_fields: Option<BTreeMap<String, LiveUserField>>,
    /// The account's default group, which Zendesk puts every new agent into.
    pub default_group: Option<u64>,
}

/// The kind of value a user field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserFieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// `true` or `false`, with a tag while checked.
    Checkbox,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// A whole number.
    Integer,
    /// A number.
    Decimal,
    /// Text matching the field's pattern.
    Regexp,
    /// One of the field's options (its value is also a tag).
    Dropdown,
    /// Several of the field's options.
    Multiselect,
    /// The id of another object.
    Lookup,
    /// A type this zroster does not know: any value.
    Other,
}

/// One custom user field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveUserField {
    /// The key users' `user_fields` use.
    pub key: String,
    /// The title agents see.
    pub title: String,
    /// What the field holds.
    pub kind: UserFieldKind,
    /// A checkbox's tag.
    pub tag: Option<String>,
    /// A dropdown's (or multiselect's) option values.
    pub options: Vec<String>,
    /// A regexp field's pattern (a Ruby regular expression).
    pub pattern: Option<String>,
}

impl From<wire::UserField> for LiveUserField {
    fn from(field: wire::UserField) -> Self {
        let kind = match field.field_type.as_str() {
            "text" | "" => UserFieldKind::Text,
            "textarea" => UserFieldKind::Textarea,
            "checkbox" => UserFieldKind::Checkbox,
            "date" => UserFieldKind::Date,
            "integer" => UserFieldKind::Integer,
            "decimal" => UserFieldKind::Decimal,
            "regexp" => UserFieldKind::Regexp,
            "dropdown" | "tagger" => UserFieldKind::Dropdown,
            "multiselect" => UserFieldKind::Multiselect,
            "lookup" => UserFieldKind::Lookup,
            _ => UserFieldKind::Other,
        };
        Self {
            key: field.key,
            title: field.title,
            kind,
            tag: field.tag.filter(|t| !t.is_empty()),
            options: field
                .custom_field_options
                .into_iter()
                .map(|o| o.value)
                .collect(),
            pattern: field
                .regexp_for_validation
                .filter(|_| kind == UserFieldKind::Regexp),
        }
    }
}

impl AccountRules {
    /// The rules a settings object and a field list give, with the default group.
    #[must_use]
    pub fn read(
        settings: Option<&wire::AccountSettings>,
        fields: Option<Vec<wire::UserField>>,
        default_group: Option<u64>,
    ) -> Self {
        Self {
            user_tagging: settings.map(wire::AccountSettings::user_tagging),
            multiple_organizations: settings.map(wire::AccountSettings::multiple_organizations),
            user_fields: fields.map(|fields| {
                fields
                    .into_iter()
                    .map(LiveUserField::from)
                    .map(|f| (f.key.clone(), f))
                    .collect()
            }),
            default_group,
        }
    }

    /// Whether the account is known to have user tagging off.
    #[must_use]
    pub fn tagging_off(&self) -> bool {
        self.user_tagging == Some(false)
    }

    /// Whether the account is known to allow one organization a user.
    #[must_use]
    pub fn single_organization(&self) -> bool {
        self.multiple_organizations == Some(false)
    }

    /// What the account says of the user field `key`.
    #[must_use]
    pub fn user_field(&self, key: &str) -> FieldLookup<'_> {
        match &self.user_fields {
            None => FieldLookup::Unread,
            Some(fields) => fields
                .get(key)
                .map_or(FieldLookup::Undefined, FieldLookup::Defined),
        }
    }
}

/// A user field key looked up in the account's fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldLookup<'a> {
    /// The account defines the field.
    Defined(&'a LiveUserField),
    /// The account's fields were read and none has this key.
    Undefined,
    /// The account's fields could not be read: nothing is known.
    Unread,
}

impl LiveUserField {
    /// Why this field cannot hold `value`, or `None` when it can (`null` always can: it
    /// clears the field).
    #[must_use]
    pub fn refuses(&self, value: &serde_json::Value) -> Option<String> {
        use serde_json::Value;
        let text = match value {
            Value::Null => return None,
            Value::String(s) => Some(s.trim()),
            _ => None,
        };
        let ok = match self.kind {
            UserFieldKind::Text | UserFieldKind::Textarea | UserFieldKind::Other => {
                !matches!(value, Value::Array(_) | Value::Object(_))
            }
            UserFieldKind::Checkbox => value.is_boolean(),
            UserFieldKind::Integer => {
                value.as_i64().is_some() || text.is_some_and(|t| t.parse::<i64>().is_ok())
            }
            UserFieldKind::Decimal => {
                value.is_number() || text.is_some_and(|t| t.parse::<f64>().is_ok())
            }
            UserFieldKind::Date => text.is_some_and(|t| {
                t.get(..10).is_some_and(|day| {
                    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
                        && (t.len() == 10 || t[10..].starts_with('T'))
                })
            }),
            UserFieldKind::Regexp => match (&self.pattern, value) {
                (Some(pattern), Value::String(s)) => {
                    ruby_regex(pattern).is_none_or(|re| re.is_match(s))
                }
                (None, Value::String(_)) => true,
                _ => false,
            },
            UserFieldKind::Dropdown => text.is_some_and(|t| self.options.iter().any(|o| o == t)),
            UserFieldKind::Multiselect => value.as_array().is_some_and(|items| {
                items.iter().all(|v| {
                    v.as_str()
                        .is_some_and(|s| self.options.iter().any(|o| o == s))
                })
            }),
            UserFieldKind::Lookup => {
                value.as_u64().is_some() || text.is_some_and(|t| t.parse::<u64>().is_ok())
            }
        };
        if ok {
            return None;
        }
        Some(match self.kind {
            UserFieldKind::Checkbox => "a checkbox field holds `true` or `false`".to_owned(),
            UserFieldKind::Integer => "an integer field holds a whole number".to_owned(),
            UserFieldKind::Decimal => "a decimal field holds a number".to_owned(),
            UserFieldKind::Date => "a date field holds a day written `YYYY-MM-DD`".to_owned(),
            UserFieldKind::Regexp => format!(
                "the field's values must match `{}`",
                self.pattern.as_deref().unwrap_or_default()
            ),
            UserFieldKind::Dropdown | UserFieldKind::Multiselect => format!(
                "the field's options are {}",
                self.options
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            UserFieldKind::Lookup => "a lookup field holds an id".to_owned(),
            UserFieldKind::Text | UserFieldKind::Textarea | UserFieldKind::Other => {
                "the field holds text".to_owned()
            }
        })
    }

    /// The tags a value of this field puts on the user: a checked checkbox's tag, a
    /// dropdown's (or multiselect's) chosen values.
    #[must_use]
    pub fn tags_of(&self, value: &serde_json::Value) -> Vec<String> {
        match self.kind {
            UserFieldKind::Checkbox if value == &serde_json::Value::Bool(true) => {
                self.tag.iter().cloned().collect()
            }
            UserFieldKind::Dropdown => value.as_str().map(str::to_owned).into_iter().collect(),
            UserFieldKind::Multiselect => value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Zendesk's patterns are Ruby regular expressions; `\A` and `\z` read the same in the
/// `regex` crate, `\Z` becomes `\z`. A pattern it cannot read checks nothing.
fn ruby_regex(pattern: &str) -> Option<regex::Regex> {
    regex::Regex::new(&pattern.replace(r"\Z", r"\z")).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(kind: UserFieldKind) -> LiveUserField {
        LiveUserField {
            key: "k".into(),
            title: "K".into(),
            kind,
            tag: Some("vip".into()),
            options: vec!["apple".into(), "pear".into()],
            pattern: Some(r"\A[a-z]+\z".into()),
        }
    }

    #[test]
    fn each_kind_refuses_what_zendesk_refuses() {
        assert!(
            field(UserFieldKind::Checkbox)
                .refuses(&json!(true))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Checkbox)
                .refuses(&json!("yes"))
                .is_some()
        );
        assert!(
            field(UserFieldKind::Integer)
                .refuses(&json!(3039))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Integer)
                .refuses(&json!("3.5"))
                .is_some()
        );
        assert!(
            field(UserFieldKind::Decimal)
                .refuses(&json!("3.5"))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Date)
                .refuses(&json!("2024-03-01"))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Date)
                .refuses(&json!("01/03/2024"))
                .is_some()
        );
        assert!(
            field(UserFieldKind::Regexp)
                .refuses(&json!("abc"))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Regexp)
                .refuses(&json!("ABC"))
                .is_some()
        );
        assert!(
            field(UserFieldKind::Dropdown)
                .refuses(&json!("pear"))
                .is_none()
        );
        assert!(
            field(UserFieldKind::Dropdown)
                .refuses(&json!("plum"))
                .is_some()
        );
        assert!(field(UserFieldKind::Text).refuses(&json!(null)).is_none());
        assert_eq!(
            field(UserFieldKind::Checkbox).tags_of(&json!(true)),
            ["vip"]
        );
        assert_eq!(
            field(UserFieldKind::Dropdown).tags_of(&json!("pear")),
            ["pear"]
        );
    }
}
