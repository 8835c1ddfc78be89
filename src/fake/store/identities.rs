//! Email identities in the store: a user's addresses, indexed by lower-cased email and by
//! user; the primary identity is mirrored in the user's `email`.

use serde_json::{Map, Value};

use super::{Store, is_valid_email};
use crate::fake::api_error::ApiError;
use crate::fake::identity::Identity;
use crate::fake::input::Input;

impl Store {
    /// Adds and indexes an email identity; a user's first one (or a `primary` one) becomes
    /// primary, and the user's `email` follows.
    pub(super) fn add_identity(
        &mut self,
        user_id: u64,
        email: &str,
        verified: bool,
        primary: bool,
    ) -> u64 {
        // Zendesk stores addresses lower-cased (recorded: `NewOne@…` became `newone@…`).
        let email = email.to_lowercase();
        let email = email.as_str();
        let id = self.next_id();
        let now = self.now();
        let own = self.identity_ids(user_id);
        let has_primary = own.iter().any(|i| self.identities[i].primary);
        let primary = primary || !has_primary;
        if primary {
            for i in &own {
                self.identities.get_mut(i).expect("indexed").primary = false;
            }
        }
        self.identities_by_user.entry(user_id).or_default().push(id);
        self.identities.insert(
            id,
            Identity {
                url: self.object_url(&format!("users/{user_id}/identities/{id}")),
                id,
                user_id,
                kind: "email".into(),
                value: email.to_owned(),
                verified,
                primary,
                created_at: now.clone(),
                updated_at: now,
                undeliverable_count: 0,
                deliverable_state: "deliverable".into(),
                demoted: 0,
            },
        );
        self.emails.insert(email.to_lowercase(), id);
        self.sync_user_email(user_id);
        id
    }

    /// Every email address of a user: its email identities, primary or not.
    pub(crate) fn emails_of(&self, user_id: u64) -> impl Iterator<Item = &str> {
        self.identities_by_user
            .get(&user_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.identities.get(id))
            .map(|identity| identity.value.as_str())
    }

    fn identity_ids(&self, user_id: u64) -> Vec<u64> {
        self.identities_by_user
            .get(&user_id)
            .cloned()
            .unwrap_or_default()
    }

    fn sync_user_email(&mut self, user_id: u64) {
        let primary = self
            .identity_ids(user_id)
            .iter()
            .map(|i| &self.identities[i])
            .find(|i| i.primary)
            .map(|i| i.value.clone());
        let seeding = self.is_seeding();
        let now = self.now();
        if let Some(user) = self.users.get_mut(&user_id) {
            // A new primary address is a change of the user: recorded, `make_primary` moved
            // the user's `updated_at` to its own moment (grouparoo export-record #42, #43),
            // which is what puts the user in the incremental export. A seed keeps its times.
            if user.email != primary && !seeding {
                user.updated_at = now;
            }
            user.email = primary;
        }
        self.reindex(user_id);
    }

    /// A user's identities, primary first then by id (as recorded after `make_primary`).
    pub fn user_identities(&self, user_id: u64) -> Result<Vec<&Identity>, ApiError> {
        self.active_user(user_id)?;
        let ids = self
            .identities_by_user
            .get(&user_id)
            .map_or(&[][..], Vec::as_slice);
        let mut list: Vec<&Identity> = ids.iter().map(|i| &self.identities[i]).collect();
        list.sort_by_key(|i| (!i.primary, std::cmp::Reverse(i.demoted), i.id));
        Ok(list)
    }

    /// One identity of a user.
    pub fn identity(&self, user_id: u64, id: u64) -> Result<&Identity, ApiError> {
        self.identities
            .get(&id)
            .filter(|i| i.user_id == user_id)
            .ok_or_else(ApiError::not_found)
    }

    /// Adds an email identity (POST /users/{id}/identities).
    pub fn create_identity(
        &mut self,
        user_id: u64,
        map: &Map<String, Value>,
    ) -> Result<u64, ApiError> {
        self.active_user(user_id)?;
        let input = Input(map);
        let kind = input.string("type")?.flatten().unwrap_or_default();
        if kind != "email" {
            return Err(ApiError::invalid(
                "type",
                format!("Type: {kind} is not supported by this emulator"),
                Some("InvalidValue"),
            ));
        }
        let value = input
            .string("value")?
            .flatten()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if !is_valid_email(&value) {
            return Err(ApiError::invalid(
                "value",
                format!("Value: {value} is not properly formatted"),
                None,
            ));
        }
        if self.user_by_email(&value).is_some() {
            return Err(ApiError::invalid(
                "value",
                format!("Value: {value} is already being used by another user"),
                Some("DuplicateValue"),
            ));
        }
        let verified = input.boolean("verified")?.unwrap_or(false);
        let primary = input.boolean("primary")?.unwrap_or(false);
        Ok(self.add_identity(user_id, &value, verified, primary))
    }

    /// Updates `verified` / `value` of an identity.
    pub fn update_identity(
        &mut self,
        user_id: u64,
        id: u64,
        map: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        self.identity(user_id, id)?;
        let input = Input(map);
        let verified = input.boolean("verified")?;
        let value = input
            .string("value")?
            .flatten()
            .map(|v| v.trim().to_lowercase());
        if let Some(value) = &value {
            if !is_valid_email(value) {
                return Err(ApiError::invalid(
                    "value",
                    format!("Value: {value} is not properly formatted"),
                    None,
                ));
            }
            if self.user_by_email(value).is_some_and(|uid| uid != user_id) {
                return Err(ApiError::invalid(
                    "value",
                    format!("Value: {value} is already being used by another user"),
                    Some("DuplicateValue"),
                ));
            }
        }
        let now = self.now();
        let identity = self.identities.get_mut(&id).expect("checked");
        if let Some(v) = verified {
            identity.verified = v;
        }
        if let Some(value) = value {
            let old = std::mem::replace(&mut identity.value, value.clone());
            self.emails.remove(&old.to_lowercase());
            self.emails.insert(value.to_lowercase(), id);
        }
        self.identities.get_mut(&id).expect("checked").updated_at = now;
        self.sync_user_email(user_id);
        Ok(())
    }

    /// Makes an identity primary; the user's `email` follows.
    pub fn make_identity_primary(&mut self, user_id: u64, id: u64) -> Result<(), ApiError> {
        self.identity(user_id, id)?;
        let before = self.audit_snapshot(user_id);
        let now = self.now();
        let sequence = self.next_id();
        for i in self.identity_ids(user_id) {
            let identity = self.identities.get_mut(&i).expect("indexed");
            if identity.primary && identity.id != id {
                identity.demoted = sequence;
            }
            identity.primary = identity.id == id;
            identity.updated_at.clone_from(&now);
        }
        self.sync_user_email(user_id);
        self.audit_user_update(user_id, &before);
        Ok(())
    }

    /// Deletes an identity; the primary one cannot be deleted while others exist (422).
    pub fn delete_identity(&mut self, user_id: u64, id: u64) -> Result<(), ApiError> {
        let identity = self.identity(user_id, id)?;
        let others = self
            .identity_ids(user_id)
            .iter()
            .filter(|i| **i != id)
            .count();
        if identity.primary && others > 0 {
            return Err(ApiError::invalid(
                "primary",
                "Primary: cannot delete the primary identity; make another identity primary first"
                    .into(),
                None,
            ));
        }
        let identity = self.identities.remove(&id).expect("checked");
        if let Some(ids) = self.identities_by_user.get_mut(&user_id) {
            ids.retain(|i| *i != id);
        }
        self.emails.remove(&identity.value.to_lowercase());
        self.sync_user_email(user_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::fake::store::fixtures::{obj, store};

    #[test]
    fn update_email_adds_secondary_identity() {
        let mut s = store();
        let id = s
            .create_user(&obj(json!({"name": "A", "email": "a@x.com"})))
            .unwrap();
        s.update_user(id, &obj(json!({"email": "b@x.com"})))
            .unwrap();
        assert_eq!(s.user(id).unwrap().email.as_deref(), Some("a@x.com"));
        let ids = s.user_identities(id).unwrap();
        assert_eq!(ids.len(), 2);
        let second = ids[1].id;
        s.make_identity_primary(id, second).unwrap();
        assert_eq!(s.user(id).unwrap().email.as_deref(), Some("b@x.com"));
    }
}
