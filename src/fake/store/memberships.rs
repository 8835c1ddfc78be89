//! Memberships in the store, generic over their kind ([`Membership`]: organization or group
//! memberships): both kinds keep one default per user, mirrored in the user's
//! `organization_id` / `default_group_id`.

use serde_json::{Map, Value};

use super::Store;
use crate::fake::api_error::ApiError;
use crate::fake::input::Input;
use crate::fake::membership::Membership;

impl Store {
    /// The user's membership of this target, if any.
    pub(crate) fn membership_of<K: Membership>(&self, user_id: u64, target_id: u64) -> Option<u64> {
        K::collection(self)
            .values()
            .find(|m| m.user_id() == user_id && m.target_id() == target_id)
            .map(K::id)
    }

    /// Adds a membership; the user's first (or a `default` one) becomes the default.
    fn insert_membership<K: Membership>(
        &mut self,
        user_id: u64,
        target_id: u64,
        default: bool,
    ) -> u64 {
        let id = self.next_id();
        let membership = K::new(self, id, user_id, target_id);
        K::collection_mut(self).insert(id, membership);
        let first = !K::collection(self)
            .values()
            .any(|m| m.user_id() == user_id && m.id() != id);
        if default || first {
            self.make_default_membership::<K>(user_id, id);
        }
        id
    }

    /// Makes the user a member of the target (unless already) and that membership the default.
    pub(super) fn join_as_default<K: Membership>(&mut self, user_id: u64, target_id: u64) {
        let id = self
            .membership_of::<K>(user_id, target_id)
            .unwrap_or_else(|| self.insert_membership::<K>(user_id, target_id, false));
        self.make_default_membership::<K>(user_id, id);
    }

    /// Makes membership `id` the user's only default and mirrors its target into the user.
    fn make_default_membership<K: Membership>(&mut self, user_id: u64, id: u64) {
        let mut target = None;
        for m in K::collection_mut(self)
            .values_mut()
            .filter(|m| m.user_id() == user_id)
        {
            m.set_default(m.id() == id);
            if m.id() == id {
                target = Some(m.target_id());
            }
        }
        if let Some(user) = self.users.get_mut(&user_id) {
            K::set_user_default(user, target);
        }
    }

    /// Removes a membership; if it was the default, the user's next one takes over.
    pub(super) fn remove_membership<K: Membership>(&mut self, id: u64) {
        let Some(m) = K::collection_mut(self).remove(&id) else {
            return;
        };
        if m.is_default() {
            let next = K::collection(self)
                .values()
                .find(|o| o.user_id() == m.user_id())
                .map(K::id);
            match next {
                Some(next) => self.make_default_membership::<K>(m.user_id(), next),
                None => {
                    if let Some(user) = self.users.get_mut(&m.user_id()) {
                        K::set_user_default(user, None);
                    }
                }
            }
        }
    }

    /// Removes every membership of a target that is going away.
    pub(super) fn remove_memberships_of<K: Membership>(&mut self, target_id: u64) {
        let memberships: Vec<u64> = K::collection(self)
            .values()
            .filter(|m| m.target_id() == target_id)
            .map(K::id)
            .collect();
        for id in memberships {
            self.remove_membership::<K>(id);
        }
    }

    /// The membership with this id.
    pub(crate) fn membership<K: Membership>(&self, id: u64) -> Result<&K, ApiError> {
        K::collection(self).get(&id).ok_or_else(ApiError::not_found)
    }

    /// Creates a membership; `seeding` (a state file) keeps its id and times and skips
    /// duplicates instead of refusing them.
    pub(crate) fn create_membership_with<K: Membership>(
        &mut self,
        map: &Map<String, Value>,
        seeding: bool,
    ) -> Result<u64, ApiError> {
        let input = Input(map);
        let user_id = input.id("user_id")?.flatten().ok_or_else(|| {
            ApiError::invalid(
                "user_id",
                "User: cannot be blank".into(),
                Some("BlankValue"),
            )
        })?;
        let target_id = input.id(K::TARGET_KEY)?.flatten().ok_or_else(|| {
            ApiError::invalid(K::TARGET_KEY, K::TARGET_BLANK.into(), Some("BlankValue"))
        })?;
        let user = self.active_user(user_id)?;
        K::check(self, user, target_id)?;
        if self.membership_of::<K>(user_id, target_id).is_some() {
            if seeding {
                return Ok(0);
            }
            return Err(ApiError::invalid(
                "user_id",
                K::DUPLICATE.into(),
                Some("DuplicateValue"),
            ));
        }
        let default = input.boolean("default")?.unwrap_or(false);
        let id = self.insert_membership::<K>(user_id, target_id, default);
        if seeding && let Some(m) = K::collection_mut(self).get_mut(&id) {
            // A saved membership keeps its timestamps, so that a state loads back unchanged.
            let (created_at, updated_at) = m.times_mut();
            if let Some(Some(v)) = input.string("created_at")? {
                *created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                *updated_at = v;
            }
        }
        if seeding
            && let Some(Some(seed_id)) = input.id("id")?
            && let Some(mut m) = K::collection_mut(self).remove(&id)
        {
            m.set_id(
                seed_id,
                self.object_url(&format!("{}/{seed_id}", K::COLLECTION)),
            );
            K::collection_mut(self).insert(seed_id, m);
            return Ok(seed_id);
        }
        Ok(id)
    }

    /// Creates a membership (422 if the user already is a member; group members are agents).
    pub(crate) fn create_membership<K: Membership>(
        &mut self,
        map: &Map<String, Value>,
    ) -> Result<u64, ApiError> {
        let id = self.create_membership_with::<K>(map, false)?;
        if let Some((user, target)) = K::collection(self)
            .get(&id)
            .map(|m| (m.user_id(), m.target_id()))
        {
            self.audit_membership::<K>(user, target, true);
        }
        Ok(id)
    }

    /// Deletes a membership; another membership becomes the default.
    pub(crate) fn delete_membership<K: Membership>(&mut self, id: u64) -> Result<(), ApiError> {
        let m = self.membership::<K>(id)?;
        let (user, target) = (m.user_id(), m.target_id());
        K::check_removal(self, id)?;
        self.remove_membership::<K>(id);
        self.audit_membership::<K>(user, target, false);
        Ok(())
    }

    /// Makes a membership the user's default (its target becomes `organization_id` or
    /// `default_group_id`).
    pub(crate) fn set_default_membership<K: Membership>(
        &mut self,
        user_id: u64,
        id: u64,
    ) -> Result<(), ApiError> {
        self.active_user(user_id)?;
        let m = self.membership::<K>(id)?;
        if m.user_id() != user_id {
            return Err(ApiError::not_found());
        }
        self.make_default_membership::<K>(user_id, id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::fake::organization_membership::OrganizationMembership;
    use crate::fake::store::fixtures::{multiple_organizations_store, obj};

    #[test]
    fn organization_id_is_the_default_membership() {
        let mut s = multiple_organizations_store();
        let o1 = s.create_organization(&obj(json!({"name": "O1"}))).unwrap();
        let o2 = s.create_organization(&obj(json!({"name": "O2"}))).unwrap();
        let id = s
            .create_user(&obj(json!({"name": "A", "organization_id": o1})))
            .unwrap();
        let m2 = s
            .create_membership::<OrganizationMembership>(&obj(
                json!({"user_id": id, "organization_id": o2}),
            ))
            .unwrap();
        assert_eq!(s.user(id).unwrap().organization_id, Some(o1));
        s.set_default_membership::<OrganizationMembership>(id, m2)
            .unwrap();
        assert_eq!(s.user(id).unwrap().organization_id, Some(o2));
        s.delete_organization(o2).unwrap();
        assert_eq!(s.user(id).unwrap().organization_id, Some(o1));
    }
}
