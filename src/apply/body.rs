//! Request bodies: a change's fields as the JSON Zendesk takes. Users' reference fields
//! (custom role, organization, default group) become the ids of the objects they name,
//! custom user fields go into `user_fields`, custom-role permissions into `configuration`.

use serde_json::{Map, Value};

use super::ItemError;
use super::names::Names;
use crate::plan::{
    Action, Change, CustomRoleField, FieldName, FieldValue, MatchKey, Named, UserField,
};
use crate::zendesk::wire::Fields;

/// A user's JSON for Zendesk from a change's fields: reference names become ids, custom
/// user fields go into `user_fields`.
pub(super) fn user_body(change: &Change, names: &Names) -> Result<Fields, ItemError> {
    let mut body = Fields::new();
    for field in &change.fields {
        let value = field.after.to_json();
        let reference = |kind| match &field.after {
            FieldValue::Text(name) => names.require(kind, name).map(Value::from),
            _ => Ok(Value::Null),
        };
        let FieldName::User(user_field) = &field.field else {
            // Reading a saved plan gives a user's change user fields only.
            return Err(ItemError::Malformed(format!(
                "`{}` is not a user field",
                field.field
            )));
        };
        match user_field {
            UserField::CustomRole => {
                body.insert("custom_role_id".to_owned(), reference(Named::CustomRole)?);
            }
            UserField::Organization => {
                body.insert(
                    "organization_id".to_owned(),
                    reference(Named::Organization)?,
                );
            }
            UserField::DefaultGroup => {
                body.insert("default_group_id".to_owned(), reference(Named::Group)?);
            }
            UserField::Custom(key) => nested(&mut body, "user_fields", key, value),
            UserField::Name
            | UserField::Email
            | UserField::ExternalId
            | UserField::Role
            | UserField::Tags
            | UserField::Alias
            | UserField::Details
            | UserField::Notes
            | UserField::Signature
            | UserField::Phone
            | UserField::Locale
            | UserField::TimeZone
            | UserField::TicketRestriction
            | UserField::Moderator
            | UserField::OnlyPrivateComments
            | UserField::Verified
            | UserField::Suspended => {
                body.insert(user_field.to_string(), value);
            }
        }
    }
    if change.action == Action::Create {
        // The match keys go in even when the roster gives no other field.
        match &change.key {
            MatchKey::Email(email) => {
                body.entry("email".to_owned())
                    .or_insert_with(|| Value::from(email.as_str()));
            }
            MatchKey::ExternalId(id) => {
                body.entry("external_id".to_owned())
                    .or_insert_with(|| Value::from(id.as_str()));
            }
            MatchKey::Name(_) | MatchKey::Id(_) => {}
        }
    }
    Ok(body)
}

/// A custom role's, organization's or group's JSON for Zendesk from a change's fields:
/// permissions go into `configuration`.
pub(super) fn object_body(change: &Change) -> Fields {
    let mut body = Fields::new();
    for field in &change.fields {
        let value = field.after.to_json();
        match &field.field {
            FieldName::CustomRole(CustomRoleField::Configuration(key)) => {
                nested(&mut body, "configuration", key, value);
            }
            other @ (FieldName::CustomRole(
                CustomRoleField::Name | CustomRoleField::Description,
            )
            | FieldName::Organization(_)
            | FieldName::Group(_)
            | FieldName::User(_)) => {
                body.insert(other.to_string(), value);
            }
        }
    }
    body
}

/// Sets key `inner` of the object `outer` of `body`.
fn nested(body: &mut Fields, outer: &str, inner: &str, value: Value) {
    let entry = body
        .entry(outer.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(map) = entry {
        map.insert(inner.to_owned(), value);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::{Value, json};

    use super::{Names, user_body};
    use crate::plan::tests::{source, user_field_change};
    use crate::plan::{Action, Change, Kind, MatchKey};

    /// A user to create with `fields` (roster names, JSON values).
    pub(in crate::apply) fn change(fields: &[(&str, Value)]) -> Change {
        Change {
            kind: Kind::User,
            action: Action::Create,
            key: MatchKey::ExternalId("emp-9".to_owned()),
            label: "Nine".to_owned(),
            id: None,
            target: None,
            target_id: None,
            fields: fields
                .iter()
                .map(|(f, v)| user_field_change(f, Value::Null, v.clone()))
                .collect(),
            source: Some(source("roster.yaml", 3, 5)),
            blocked: None,
            escalation: None,
            notes: Vec::new(),
            implies: Vec::new(),
        }
    }

    #[test]
    fn user_body_maps_reference_names_to_ids_and_nests_user_fields() {
        let mut names = Names::default();
        names.groups.insert("support".to_owned(), Some(20));
        names.organizations.insert("acme".to_owned(), Some(30));
        let body = user_body(
            &change(&[
                ("name", json!("Nine")),
                ("default_group", json!("Support")),
                ("organization", json!("Acme")),
                ("custom_role", Value::Null),
                ("user_fields.code", json!("x1")),
                ("user_fields.level", json!(3)),
            ]),
            &names,
        )
        .unwrap();
        assert_eq!(
            Value::Object(body),
            json!({
                "name": "Nine", "default_group_id": 20, "organization_id": 30,
                "custom_role_id": null, "user_fields": {"code": "x1", "level": 3},
                "external_id": "emp-9"
            })
        );
    }

    #[test]
    fn user_body_refuses_a_reference_whose_creation_failed() {
        let mut names = Names::default();
        names.groups.insert("new".to_owned(), None);
        let error = user_body(&change(&[("default_group", json!("New"))]), &names);
        assert_eq!(
            error.map_err(|e| e.to_string()),
            Err("`New` was not created".to_owned())
        );
    }
}
