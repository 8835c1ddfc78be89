//! Custom user field definitions in the store, and what they do to users: every user shows
//! every defined field (`null`, or `false` for a checkbox, until set), keys in alphabetical
//! order (recorded); a key no field defines is not stored; a value the field's type refuses
//! is a 422; a checkbox or dropdown value puts its tag on the user.

use serde_json::{Map, Value};

use super::Store;
use crate::fake::api_error::ApiError;
use crate::fake::user_field::{UserField, definition_from};

impl Store {
    /// The definition of `key`.
    pub(crate) fn user_field_by_key(&self, key: &str) -> Option<&UserField> {
        self.user_fields.values().find(|f| f.key == key)
    }

    /// The fields in the order Zendesk lists them: by position, then by id.
    #[must_use]
    pub fn user_field_list(&self) -> Vec<&UserField> {
        let mut list: Vec<&UserField> = self.user_fields.values().collect();
        list.sort_by_key(|f| (f.position, f.id));
        list
    }

    /// The field with this id.
    pub fn user_field(&self, id: u64) -> Result<&UserField, ApiError> {
        self.user_fields.get(&id).ok_or_else(ApiError::not_found)
    }

    /// Creates a field (POST /`user_fields`); `seed_id` keeps a state file's id.
    pub(crate) fn create_user_field_with(
        &mut self,
        map: &Map<String, Value>,
        seed_id: Option<u64>,
    ) -> Result<u64, ApiError> {
        let id = match seed_id {
            Some(id) => id,
            None => self.next_id(),
        };
        let url = self.object_url(&format!("user_fields/{id}"));
        let mut field = definition_from(map, id, url, &self.now(), None)?;
        if !map.get("position").is_some_and(Value::is_number) {
            field.position = self
                .user_fields
                .values()
                .map(|f| f.position + 1)
                .max()
                .unwrap_or(0);
        }
        if self.user_field_by_key(&field.key).is_some() {
            return Err(ApiError::invalid(
                "key",
                format!("Key: {} has already been taken", field.key),
                Some("DuplicateValue"),
            ));
        }
        let empty = field.empty();
        let key = field.key.clone();
        self.user_fields.insert(id, field);
        for user in self.users.values_mut() {
            user.user_fields.insert(key.clone(), empty.clone());
            sort_keys(&mut user.user_fields);
        }
        Ok(id)
    }

    /// Creates a field (POST /`user_fields`) at the end of the list (its answer says
    /// position 9999, as recorded; later reads show its place).
    pub fn create_user_field(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_user_field_with(map, None)
    }

    /// Updates a field (PUT /`user_fields/{id}`); its key and type cannot change.
    pub fn update_user_field(&mut self, id: u64, map: &Map<String, Value>) -> Result<(), ApiError> {
        let current = self.user_field(id)?.clone();
        let field = definition_from(map, id, current.url.clone(), &self.now(), Some(&current))?;
        self.user_fields.insert(id, field);
        Ok(())
    }

    /// Deletes a field and every user's value of it.
    pub fn delete_user_field(&mut self, id: u64) -> Result<(), ApiError> {
        let key = self.user_field(id)?.key.clone();
        self.user_fields.remove(&id);
        for user in self.users.values_mut() {
            user.user_fields.remove(&key);
        }
        Ok(())
    }

    /// The `user_fields` a write stores: each key's value as its field stores it, keys no
    /// field defines left out (Zendesk does not store them; whether it refuses them instead
    /// is UNCERTAIN), 422 for a value the field's type refuses.
    pub(crate) fn checked_user_fields(
        &self,
        fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut stored = Map::new();
        for (key, value) in fields {
            if let Some(field) = self.user_field_by_key(&key) {
                stored.insert(key, field.coerce(&value)?);
            } else if self.rules.undefined_user_field == crate::fake::UndefinedUserField::Refuse {
                // Whether Zendesk refuses or ignores such a key is UNCERTAIN (the
                // `undefined_user_field` knob; ignoring is the default).
                let mut details = crate::fake::api_error::Details::default();
                details.push(
                    &key,
                    format!("{key}: is not a defined user field"),
                    Some("InvalidValue"),
                );
                return Err(ApiError::record_invalid(details));
            }
        }
        Ok(stored)
    }

    /// Every defined field's empty value, for a new user.
    pub(crate) fn empty_user_fields(&self) -> Map<String, Value> {
        let mut map: Map<String, Value> = self
            .user_fields
            .values()
            .map(|f| (f.key.clone(), f.empty()))
            .collect();
        sort_keys(&mut map);
        map
    }

    /// The tags `user_fields` put on a user: a checked checkbox's tag, a dropdown's value.
    pub(crate) fn field_tags(&self, fields: &Map<String, Value>) -> Vec<String> {
        fields
            .iter()
            .filter_map(|(key, value)| self.user_field_by_key(key).map(|f| f.tags_of(value)))
            .flatten()
            .collect()
    }
}

/// Orders a user's fields by key, as Zendesk shows them.
pub(crate) fn sort_keys(map: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    map.extend(entries);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::fake::config::Plan;
    use crate::fake::store::fixtures::{obj, profile_store};

    #[test]
    fn users_show_every_defined_field_and_only_those() {
        let mut s = profile_store(Plan::Enterprise);
        s.create_user_field(&obj(json!({"key": "code", "title": "Code"})))
            .unwrap();
        s.create_user_field(&obj(
            json!({"key": "vip", "title": "VIP", "type": "checkbox", "tag": "vip_user"}),
        ))
        .unwrap();
        let id = s
            .create_user(&obj(
                json!({"name": "A", "user_fields": {"code": 7, "nope": "x"}}),
            ))
            .unwrap();
        let user = s.user(id).unwrap();
        assert_eq!(json!(user.user_fields), json!({"code": "7", "vip": false}));
        let err = s
            .update_user(id, &obj(json!({"user_fields": {"vip": "maybe"}})))
            .unwrap_err();
        assert_eq!(err.status, 422);
    }
}
