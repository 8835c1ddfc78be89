//! A custom user field definition (`GET /api/v2/user_fields`): account configuration that
//! decides which `user_fields` keys a user can hold and which values each accepts.

use serde::{Deserialize, Serialize};

use super::{null_default, yes};

/// One custom user field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserField {
    /// The field's id.
    pub id: u64,
    /// The key users' `user_fields` use.
    #[serde(default, deserialize_with = "null_default")]
    pub key: String,
    /// `text`, `textarea`, `checkbox`, `date`, `integer`, `decimal`, `regexp`, `dropdown`,
    /// `multiselect`, `lookup`, … (Zendesk makes a field without a type `text`).
    #[serde(default, rename = "type", deserialize_with = "null_default")]
    pub field_type: String,
    /// The title agents see.
    #[serde(default, deserialize_with = "null_default")]
    pub title: String,
    /// Whether the field is in use; inactive fields keep their values but are hidden.
    #[serde(default = "yes", deserialize_with = "super::null_true")]
    pub active: bool,
    /// The pattern a `regexp` field's values must match (Zendesk fills one in for `date`).
    #[serde(default)]
    pub regexp_for_validation: Option<String>,
    /// The tag a checkbox field adds to the user's tags when checked.
    #[serde(default)]
    pub tag: Option<String>,
    /// A dropdown's options; each option's `value` is also a tag.
    #[serde(default, deserialize_with = "null_default")]
    pub custom_field_options: Vec<FieldOption>,
    /// Display order.
    #[serde(default)]
    pub position: Option<i64>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One option of a dropdown (or multiselect) field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOption {
    /// The option's id.
    #[serde(default)]
    pub id: Option<u64>,
    /// The name agents see.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// The stored value, which is also the tag the option adds.
    #[serde(default, deserialize_with = "null_default")]
    pub value: String,
}
