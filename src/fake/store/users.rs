//! Users in the store: lookups by id, email and external id, create, update,
//! `create_or_update` matching and soft deletion. What a user body may change, and how, is
//! in [`user_changes`](super::user_changes).

use serde_json::{Map, Value};

use super::Store;
use crate::fake::api_error::ApiError;
use crate::fake::input::Input;
use crate::fake::user::User;

impl Store {
    /// The user with this id (active or not).
    pub fn user(&self, id: u64) -> Result<&User, ApiError> {
        self.users.get(&id).ok_or_else(ApiError::not_found)
    }

    /// The user with this id unless deleted (404 otherwise).
    pub(super) fn active_user(&self, id: u64) -> Result<&User, ApiError> {
        self.users
            .get(&id)
            .filter(|u| u.active)
            .ok_or_else(ApiError::not_found)
    }

    /// The user with this id unless deleted (404 otherwise), for routes outside the store.
    pub(crate) fn active_user_ref(&self, id: u64) -> Result<&User, ApiError> {
        self.active_user(id)
    }

    /// The active user owning this email (any identity), case-insensitively.
    #[must_use]
    pub fn user_by_email(&self, email: &str) -> Option<u64> {
        self.emails
            .get(&email.to_lowercase())
            .and_then(|iid| self.identities.get(iid))
            .map(|i| i.user_id)
    }

    /// Whether the user with this address is suspended (and so cannot authenticate).
    #[must_use]
    pub fn is_suspended(&self, email: &str) -> bool {
        self.user_by_email(email)
            .and_then(|id| self.users.get(&id))
            .is_some_and(|u| u.suspended)
    }

    /// The active user with this external id, case-insensitively.
    #[must_use]
    pub fn user_by_external_id(&self, external_id: &str) -> Option<u64> {
        self.external_ids.get(&external_id.to_lowercase()).copied()
    }

    /// The JSON of a user.
    pub fn user_json(&self, id: u64) -> Result<Value, ApiError> {
        self.user(id).map(User::to_json)
    }

    /// Creates a user from a `user` object (POST /users); returns its id.
    pub fn create_user(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_user_with(map, None)
    }

    /// Creates a user under `id` (a seed's) or a fresh id.
    pub(super) fn create_user_with(
        &mut self,
        map: &Map<String, Value>,
        id: Option<u64>,
    ) -> Result<u64, ApiError> {
        let changes = self.parse_user_changes(map, None)?;
        let id = match id {
            Some(id) => id,
            None => self.next_id(),
        };
        let url = self.object_url(&format!("users/{id}"));
        let mut user = User::new(id, url, String::new(), &self.now());
        user.user_fields = self.empty_user_fields();
        user.tags.hidden = !self.rules.user_tagging;
        user.iana_time_zone = User::iana_for(&self.rules.time_zone);
        user.time_zone.clone_from(&self.rules.time_zone);
        self.users.insert(id, user);
        self.apply_user_changes(id, changes, true);
        Ok(id)
    }

    /// Updates an active user (PUT /users/{id}): an `email` adds a secondary identity.
    pub fn update_user(&mut self, id: u64, map: &Map<String, Value>) -> Result<(), ApiError> {
        let user = self.active_user(id)?;
        let changes = self.parse_user_changes(map, Some(user))?;
        let before = self.audit_snapshot(id);
        self.apply_user_changes(id, changes, false);
        self.audit_user_update(id, &before);
        Ok(())
    }

    /// The user `create_or_update` would update: external id first, then email, or the
    /// reverse (the `create_or_update_prefers` knob; API.md §1.6 is UNCERTAIN about the
    /// precedence).
    #[must_use]
    pub fn match_user(&self, map: &Map<String, Value>) -> Option<u64> {
        let input = Input(map);
        let by_external_id = || match input.string("external_id") {
            Ok(Some(Some(ext))) => self.user_by_external_id(&ext),
            _ => None,
        };
        let by_email = || match input.string("email") {
            Ok(Some(Some(email))) => self.user_by_email(email.trim()),
            _ => None,
        };
        // Which key wins when they name two users is UNCERTAIN: the
        // `create_or_update_prefers` knob.
        match self.rules.create_or_update_prefers {
            crate::fake::MatchKey::ExternalId => by_external_id().or_else(by_email),
            crate::fake::MatchKey::Email => by_email().or_else(by_external_id),
        }
    }

    /// Creates or updates (POST /`users/create_or_update`); returns the id and whether it was created.
    pub fn create_or_update_user(
        &mut self,
        map: &Map<String, Value>,
    ) -> Result<(u64, bool), ApiError> {
        match self.match_user(map) {
            Some(id) => self.update_user(id, map).map(|()| (id, false)),
            None => self.create_user(map).map(|id| (id, true)),
        }
    }

    /// Deactivates a user: its identities, external id and memberships go, the record stays.
    pub(super) fn soft_delete_user(&mut self, id: u64) {
        let identity_ids = self.identities_by_user.remove(&id).unwrap_or_default();
        for iid in identity_ids {
            if let Some(identity) = self.identities.remove(&iid) {
                self.emails.remove(&identity.value.to_lowercase());
            }
        }
        self.organization_memberships.retain(|_, m| m.user_id != id);
        self.group_memberships.retain(|_, m| m.user_id != id);
        let now = self.now();
        let user = self.users.get_mut(&id).expect("exists");
        if let Some(ext) = user.external_id.take() {
            self.external_ids.remove(&ext.to_lowercase());
        }
        user.active = false;
        user.email = None;
        user.verified = false;
        user.organization_id = None;
        user.default_group_id = None;
        user.updated_at = now;
        self.deleted_users.push(id);
        self.reindex(id);
    }

    /// Soft-deletes an active user (DELETE /users/{id}): `active:false`, email and external id
    /// freed, memberships removed.
    pub fn delete_user(&mut self, id: u64) -> Result<(), ApiError> {
        self.active_user(id)?;
        self.soft_delete_user(id);
        self.audit_user_deleted(id);
        Ok(())
    }

    /// Forgets a deleted user for good (`DELETE /deleted_users/{id}`): the record goes, the
    /// id is never listed again.
    pub fn forget_user(&mut self, id: u64) {
        self.users.remove(&id);
        self.deleted_users.retain(|d| *d != id);
        self.search.forget(id);
    }

    /// Turns user tagging on or off (`PUT /account/settings`): users' tags show or hide.
    pub(crate) fn set_user_tagging(&mut self, on: bool) {
        self.rules.user_tagging = on;
        for user in self.users.values_mut() {
            user.tags.hidden = !on;
        }
        let ids: Vec<u64> = self.users.keys().copied().collect();
        for id in ids {
            self.reindex(id);
        }
    }

    /// Users in id order, from `from` on.
    pub(crate) fn users_from(&self, from: u64) -> impl Iterator<Item = &User> {
        self.users.range(from..).map(|(_, u)| u)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::fake::store::fixtures::{obj, store};

    #[test]
    fn delete_frees_external_id() {
        let mut s = store();
        let id = s
            .create_user(&obj(
                json!({"name": "A", "external_id": "e1", "email": "a@x.com"}),
            ))
            .unwrap();
        s.delete_user(id).unwrap();
        let user = s.user(id).unwrap();
        assert!(!user.active && user.email.is_none() && user.external_id.is_none());
        let (again, created) = s
            .create_or_update_user(&obj(json!({"name": "A", "external_id": "E1"})))
            .unwrap();
        assert!(created && again != id);
    }
}
