//! The store's side of the state file ([`StateFile`]): seeding a [`Store`] from one (missing
//! ids assigned, shortcut fields such as a user's `email` turned into identities and
//! memberships, saved ids and times kept) and saving it back to one.

use serde_json::{Map, Value, json};

use std::collections::HashSet;
use std::sync::Arc;

use super::{AccountRules, Store};
use crate::fake::api_error::ApiError;
use crate::fake::clock::Clock;
use crate::fake::config::Knobs;
use crate::fake::error::Error;
use crate::fake::group_membership::GroupMembership;
use crate::fake::input::Input;
use crate::fake::organization_membership::OrganizationMembership;
use crate::fake::state_file::StateFile;
use crate::fake::user::Role;

impl Store {
    /// Builds a store from a state file for an account with `knobs` (its profile adds the
    /// default group and predefined roles the state lacks); `admin_email` is created as an
    /// admin if missing. Timestamps come from `clock`.
    pub fn from_state_file(
        base_url: &str,
        mut state: StateFile,
        admin_email: &str,
        knobs: &Knobs,
        clock: Arc<Clock>,
    ) -> Result<Self, Error> {
        let mut store = Self::new(base_url);
        store.account_url = super::account_url(&knobs.subdomain);
        store.clock = clock;
        store.rules = AccountRules::of(knobs);
        store.seeding = true;
        admin_email.clone_into(&mut store.audit.api_email);
        let max_id = [
            &state.users,
            &state.identities,
            &state.organizations,
            &state.organization_memberships,
            &state.groups,
            &state.group_memberships,
            &state.custom_roles,
            &state.user_fields,
        ]
        .iter()
        .flat_map(|list| list.iter())
        .filter_map(|v| v.get("id").and_then(Value::as_u64))
        .max()
        .unwrap_or(0);
        store.next_id = store.next_id.max(max_id + 1);
        let bad = |what: &str, e: ApiError| Error::State(format!("{what}: {}", e.detail_text()));
        let object = |what: &str, v: &Value| -> Result<Map<String, Value>, Error> {
            v.as_object()
                .cloned()
                .ok_or_else(|| Error::State(format!("{what} must be a JSON object")))
        };
        for value in &state.custom_roles {
            let map = object("custom role", value)?;
            store
                .seed_custom_role(&map)
                .map_err(|e| bad("custom role", e))?;
        }
        store.add_predefined_roles();
        // The admins' system role: a state role of type 4, else the one an admin carries.
        store.admin_role_id = state
            .custom_roles
            .iter()
            .find(|r| r.get("role_type").and_then(Value::as_u64) == Some(4))
            .and_then(|r| r.get("id").and_then(Value::as_u64))
            .or_else(|| {
                state
                    .users
                    .iter()
                    .filter(|u| u.get("role").and_then(Value::as_str) == Some("admin"))
                    .find_map(|u| u.get("custom_role_id").and_then(Value::as_u64))
            })
            .unwrap_or(0);
        if store.admin_role_id == 0 {
            store.admin_role_id = store.next_id();
        }
        store.next_id = store.next_id.max(store.admin_role_id + 1);
        for value in &state.user_fields {
            let map = object("user field", value)?;
            store
                .seed_user_field(&map)
                .map_err(|e| bad("user field", e))?;
        }
        for value in &state.organizations {
            let map = object("organization", value)?;
            store
                .create_organization_with(&map, true)
                .map_err(|e| bad("organization", e))?;
        }
        for value in &state.groups {
            let map = object("group", value)?;
            store
                .create_group_with(&map, true)
                .map_err(|e| bad("group", e))?;
        }
        store.ensure_default_group();
        // Memberships and identities listed explicitly win over the user's shortcut fields,
        // so that a saved state loads back with the same ids.
        let listed = |list: &[Value], a: &str, b: &str| -> HashSet<(u64, u64)> {
            list.iter()
                .filter_map(|v| {
                    Some((
                        v.get(a)?.as_u64()?,
                        v.get(b).and_then(Value::as_u64).unwrap_or(0),
                    ))
                })
                .collect()
        };
        let primaries = primary_identities(&state)?;
        let primary_owners: HashSet<u64> = primaries.iter().map(|(u, _)| *u).collect();
        let org_pairs = listed(
            &state.organization_memberships,
            "user_id",
            "organization_id",
        );
        let group_pairs = listed(&state.group_memberships, "user_id", "group_id");
        // Each user's parsed JSON is dropped once the user is made: a large state is never
        // held twice over (the parsed file and the store), which set the emulator's peak.
        for value in std::mem::take(&mut state.users) {
            let Value::Object(mut map) = value else {
                return Err(Error::State("user must be a JSON object".to_owned()));
            };
            let id = map.get("id").and_then(Value::as_u64);
            if let Some(id) = id {
                if primary_owners.contains(&id) {
                    // The listed identity of the address makes it, keeping its id.
                    map.remove("email");
                }
                let org = map.get("organization_id").and_then(Value::as_u64);
                if org.is_some_and(|o| org_pairs.contains(&(id, o))) {
                    map.remove("organization_id");
                }
                let group = map.get("default_group_id").and_then(Value::as_u64);
                if group.is_some_and(|g| group_pairs.contains(&(id, g))) {
                    map.remove("default_group_id");
                }
            }
            store.seed_user(&map).map_err(|e| bad("user", e))?;
        }
        for value in &state.identities {
            let map = object("identity", value)?;
            let primary = identity_key(value).is_some_and(|key| primaries.contains(&key));
            store
                .seed_identity(&map, primary)
                .map_err(|e| bad("identity", e))?;
        }
        for value in &state.organization_memberships {
            let map = object("organization membership", value)?;
            store
                .create_membership_with::<OrganizationMembership>(&map, true)
                .map_err(|e| bad("organization membership", e))?;
        }
        for value in &state.group_memberships {
            let map = object("group membership", value)?;
            store
                .create_membership_with::<GroupMembership>(&map, true)
                .map_err(|e| bad("group membership", e))?;
        }
        if store.user_by_email(admin_email).is_none() {
            let mut admin = Map::new();
            admin.insert("name".into(), json!("Admin"));
            admin.insert("email".into(), json!(admin_email));
            admin.insert("role".into(), json!("admin"));
            admin.insert("verified".into(), json!(true));
            store.create_user(&admin).map_err(|e| bad("admin", e))?;
        }
        store.seeding = false;
        store.join_groupless_agents();
        store.deleted_users = store
            .users
            .values()
            .filter(|u| !u.active)
            .map(|u| u.id)
            .collect();
        store.reindex_all_seeded();
        Ok(store)
    }

    /// The state in the state-file format (without the `account` object).
    #[must_use]
    pub fn to_state_file(&self) -> StateFile {
        fn values<T: serde::Serialize>(items: impl Iterator<Item = T>) -> Vec<Value> {
            items
                .map(|item| serde_json::to_value(item).unwrap_or(Value::Null))
                .collect()
        }
        StateFile {
            account: None,
            // A state file keeps the tags an account with tagging off hides.
            users: values(self.users.values().map(|u| {
                let mut user = u.clone();
                user.tags.hidden = false;
                user
            })),
            identities: values(self.identities.values()),
            organizations: values(self.organizations.values()),
            organization_memberships: values(self.organization_memberships.values()),
            groups: values(self.groups.values()),
            group_memberships: values(self.group_memberships.values()),
            custom_roles: values(
                self.custom_roles
                    .keys()
                    .filter_map(|id| self.custom_role(*id).ok()),
            ),
            user_fields: values(self.user_fields.values()),
        }
    }

    fn seed_user_field(&mut self, map: &Map<String, Value>) -> Result<(), ApiError> {
        let input = Input(map);
        let seed_id = input.id("id")?.flatten();
        let id = self.create_user_field_with(map, seed_id)?;
        let field = self.user_fields.get_mut(&id).expect("just created");
        if let Some(Some(v)) = input.string("created_at")? {
            field.created_at = v;
        }
        if let Some(Some(v)) = input.string("updated_at")? {
            field.updated_at = v;
        }
        if let Some(options) = map.get("custom_field_options").and_then(Value::as_array) {
            // A saved field keeps its options' ids and raw names.
            for (option, saved) in field.custom_field_options.iter_mut().flatten().zip(options) {
                if let Some(raw) = saved.get("raw_name").and_then(Value::as_str) {
                    raw.clone_into(&mut option.raw_name);
                }
            }
        }
        for (key, slot) in [
            ("raw_title", &mut field.raw_title),
            ("raw_description", &mut field.raw_description),
        ] {
            if let Some(Some(v)) = input.string(key)? {
                *slot = v;
            }
        }
        if let Some(v) = input.boolean("system")? {
            field.system = v;
        }
        Ok(())
    }

    fn seed_user(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        let seed_id = Input(map).id("id")?.flatten();
        if seed_id.is_some_and(|id| self.users.contains_key(&id)) {
            return Err(ApiError::invalid("id", "Id: is used twice".into(), None));
        }
        let id = self.create_user_with(map, seed_id)?;
        self.seed_user_read_only(id, map)
    }

    /// Applies the read-only fields a seed may carry (timestamps, `active`, …).
    fn seed_user_read_only(&mut self, id: u64, map: &Map<String, Value>) -> Result<u64, ApiError> {
        let input = Input(map);
        let admin_role_id = self.admin_role_id;
        let user = self.users.get_mut(&id).expect("seeded");
        for (key, slot) in [
            ("created_at", &mut user.created_at),
            ("updated_at", &mut user.updated_at),
        ] {
            if let Some(Some(v)) = input.string(key)? {
                *slot = v;
            }
        }
        if let Some(Some(v)) = input.string("iana_time_zone")? {
            user.iana_time_zone = v;
        }
        if let Some(Some(v)) = input.string("last_login_at")? {
            user.last_login_at = Some(v);
        }
        if let Some(v) = input.boolean("report_csv")? {
            user.report_csv = v;
        }
        if input.has("two_factor_auth_enabled") {
            user.two_factor_auth_enabled = input.boolean("two_factor_auth_enabled")?;
        }
        if input.has("photo") {
            user.photo = map.get("photo").cloned().filter(|p| !p.is_null());
        }
        if user.role == Role::Admin {
            if let Some(Some(role_id)) = input.id("custom_role_id")? {
                user.custom_role_id = Some(role_id);
            } else {
                user.custom_role_id = Some(admin_role_id);
            }
        }
        if input.boolean("active")? == Some(false) {
            self.soft_delete_user(id);
            if let Some(Some(v)) = input.string("updated_at")? {
                self.users.get_mut(&id).expect("seeded").updated_at = v;
            }
        }
        Ok(id)
    }

    /// Adds a listed identity; `primary` makes it the user's primary one whatever it says.
    fn seed_identity(&mut self, map: &Map<String, Value>, primary: bool) -> Result<(), ApiError> {
        let input = Input(map);
        let user_id = input
            .id("user_id")?
            .flatten()
            .ok_or_else(|| ApiError::invalid("user_id", "User: is required".into(), None))?;
        let value = input
            .string("value")?
            .flatten()
            .ok_or_else(|| ApiError::invalid("value", "Value: is required".into(), None))?;
        if let Some(&existing) = self.emails.get(&value.to_lowercase()) {
            if self
                .identities
                .get(&existing)
                .is_some_and(|i| i.user_id == user_id)
            {
                return Ok(());
            }
            return Err(ApiError::invalid(
                "value",
                format!("Value: {value} is already being used by another user"),
                Some("DuplicateValue"),
            ));
        }
        if !self.users.contains_key(&user_id) {
            return Err(ApiError::invalid(
                "user_id",
                format!("User: {user_id} does not exist"),
                None,
            ));
        }
        let verified = input.boolean("verified")?.unwrap_or(false);
        let identity_id = self.add_identity(
            user_id,
            &value,
            verified,
            primary || input.boolean("primary")?.unwrap_or(false),
        );
        if let Some(Some(id)) = input.id("id")?
            && id != identity_id
            && !self.identities.contains_key(&id)
        {
            let mut identity = self.identities.remove(&identity_id).expect("just added");
            if let Some(ids) = self.identities_by_user.get_mut(&user_id) {
                for slot in ids.iter_mut().filter(|slot| **slot == identity_id) {
                    *slot = id;
                }
            }
            identity.id = id;
            identity.url = self.object_url(&format!("users/{user_id}/identities/{id}"));
            self.emails.insert(value.to_lowercase(), id);
            self.identities.insert(id, identity);
        }
        // A saved identity keeps its timestamps, so that a state loads back unchanged.
        let final_id = self.emails.get(&value.to_lowercase()).copied();
        if let Some(identity) = final_id.and_then(|id| self.identities.get_mut(&id)) {
            if let Some(Some(v)) = input.string("created_at")? {
                identity.created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                identity.updated_at = v;
            }
        }
        Ok(())
    }

    fn seed_custom_role(&mut self, map: &Map<String, Value>) -> Result<(), ApiError> {
        let id = self.create_custom_role(map)?;
        let input = Input(map);
        if let Some(Some(seed_id)) = input.id("id")? {
            let mut role = self.custom_roles.remove(&id).expect("just created");
            role.id = seed_id;
            if let Some(Some(v)) = input.string("created_at")? {
                role.created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                role.updated_at = v;
            }
            if let Some(Some(v)) = input.id("role_type")? {
                role.role_type = u8::try_from(v).unwrap_or(0);
            }
            self.custom_roles.insert(seed_id, role);
        }
        Ok(())
    }
}

/// The listed identities that are their user's primary address because the user's `email`
/// names them, as `(user_id, lower-cased address)`.
///
/// On a real account a user's primary address is always one of its identities, so a user's
/// `email` is kept whatever `identities` lists: a listed identity of that address is the
/// primary one; without one, the email makes a primary identity and the listed ones are
/// secondary. An identity listed as primary with another address contradicts the `email`,
/// and the state is refused rather than one of them dropped.
fn primary_identities(state: &StateFile) -> Result<HashSet<(u64, String)>, Error> {
    let mut primaries = HashSet::new();
    let mut by_owner: std::collections::HashMap<u64, Vec<(u64, String, &Value)>> =
        std::collections::HashMap::new();
    for identity in &state.identities {
        if let Some((owner, value)) = identity_key(identity) {
            by_owner
                .entry(owner)
                .or_default()
                .push((owner, value, identity));
        }
    }
    for user in &state.users {
        let Some(id) = user.get("id").and_then(Value::as_u64) else {
            continue;
        };
        let Some(email) = user.get("email").and_then(Value::as_str) else {
            continue;
        };
        let email = email.trim().to_lowercase();
        for (owner, value, identity) in by_owner.get(&id).into_iter().flatten() {
            let (owner, value) = (*owner, value.clone());
            if value == email {
                primaries.insert((owner, value));
            } else if identity.get("primary").and_then(Value::as_bool) == Some(true) {
                return Err(Error::State(format!(
                    "user {id} has `email` `{email}` but its identity `{value}` is listed as primary; \
                     a user's `email` is its primary address: make them agree, or leave `email` out"
                )));
            }
        }
    }
    Ok(primaries)
}

/// `(user_id, lower-cased value)` of a listed identity.
fn identity_key(identity: &Value) -> Option<(u64, String)> {
    Some((
        identity.get("user_id")?.as_u64()?,
        identity.get("value")?.as_str()?.trim().to_lowercase(),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::fake::config::Knobs;
    use crate::fake::error::Error;
    use crate::fake::state_file::StateFile;
    use crate::fake::store::Store;
    use crate::fake::store::fixtures::store;
    use crate::fake::user::Role;

    fn seeded(state: serde_json::Value) -> Result<Store, Error> {
        let state: StateFile = serde_json::from_value(state).unwrap();
        Store::from_state_file(
            "http://127.0.0.1:1",
            state,
            "admin@example.com",
            &Knobs::default(),
            Arc::default(),
        )
    }

    /// The user's primary address and its identities' `(value, primary)`, in id order.
    fn addresses(store: &Store, user: u64) -> (Option<String>, Vec<(String, bool)>) {
        let mut identities: Vec<_> = store
            .identities
            .values()
            .filter(|i| i.user_id == user)
            .map(|i| (i.id, i.value.clone(), i.primary))
            .collect();
        identities.sort();
        (
            store.user(user).unwrap().email.clone(),
            identities.into_iter().map(|(_, v, p)| (v, p)).collect(),
        )
    }

    #[test]
    fn a_users_email_stays_its_primary_address_beside_listed_identities() {
        let store = seeded(json!({
            "users": [{"id": 7, "name": "Jane", "email": "jane@acme.com"}],
            "identities": [{"id": 71, "user_id": 7, "type": "email", "value": "jane.old@acme.com"}],
        }))
        .unwrap();
        assert_eq!(
            addresses(&store, 7),
            (
                Some("jane@acme.com".into()),
                vec![
                    ("jane.old@acme.com".into(), false),
                    ("jane@acme.com".into(), true)
                ]
            )
        );
        // Listed too, the address keeps its identity's id and becomes the primary one.
        let store = seeded(json!({
            "users": [{"id": 7, "name": "Jane", "email": "Jane@Acme.com"}],
            "identities": [
                {"id": 71, "user_id": 7, "value": "jane.old@acme.com"},
                {"id": 72, "user_id": 7, "value": "jane@acme.com", "primary": false},
            ],
        }))
        .unwrap();
        assert_eq!(
            addresses(&store, 7),
            (
                Some("jane@acme.com".into()),
                vec![
                    ("jane.old@acme.com".into(), false),
                    ("jane@acme.com".into(), true)
                ]
            )
        );
        assert_eq!(store.identities[&72].value, "jane@acme.com");
    }

    #[test]
    fn an_identity_listed_as_primary_against_the_email_is_refused() {
        let error = seeded(json!({
            "users": [{"id": 7, "name": "Jane", "email": "jane@acme.com"}],
            "identities": [{"user_id": 7, "value": "jane.old@acme.com", "primary": true}],
        }))
        .err()
        .unwrap();
        assert_eq!(
            error.to_string(),
            "invalid state: user 7 has `email` `jane@acme.com` but its identity \
             `jane.old@acme.com` is listed as primary; a user's `email` is its primary address: \
             make them agree, or leave `email` out"
        );
    }

    #[test]
    fn seed_creates_the_admin() {
        let s = store();
        let admin = s
            .user(s.user_by_email("ADMIN@example.com").unwrap())
            .unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert_eq!(admin.role_type, Some(4));
        assert!(admin.custom_role_id.is_some());
        assert!(admin.id > 10_000_000_000_000);
    }
}
