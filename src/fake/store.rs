//! The in-memory account: every collection and the invariants that tie them together
//! (emails live in identities, unique emails and external ids, a user's `organization_id` is
//! its default organization membership, only agents have group memberships). Pure and
//! synchronous: the HTTP layer locks it, calls one operation and renders the answer.
// `Option<Option<T>>` in `UserChanges`: field absent (keep), null (clear), or a new value.
#![allow(clippy::option_option)]

use std::collections::{BTreeMap, HashMap};

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::api_error::{ApiError, Details};
use super::custom_role::CustomRole;
use super::error::Error;
use super::group::Group;
use super::group_membership::GroupMembership;
use super::identity::Identity;
use super::input::Input;
use super::job_status::JobStatus;
use super::membership::Membership;
use super::organization::Organization;
use super::organization_membership::OrganizationMembership;
use super::state_file::StateFile;
use super::user::{Role, User};

/// The first id the emulator hands out: large like Zendesk's (about 10^13).
const FIRST_ID: u64 = 10_000_000_000_001;

/// The current time as Zendesk writes it (`2023-09-18T23:28:11Z`).
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The in-memory state of one emulated account.
#[derive(Debug)]
pub struct Store {
    base_url: String,
    next_id: u64,
    pub(crate) admin_role_id: u64,
    pub(crate) users: BTreeMap<u64, User>,
    /// Lower-cased email → identity id.
    emails: HashMap<String, u64>,
    /// Lower-cased external id → user id (active users only).
    external_ids: HashMap<String, u64>,
    pub(crate) identities: BTreeMap<u64, Identity>,
    /// User id → its identity ids, so that per-user lookups stay cheap with 100,000 users.
    identities_by_user: HashMap<u64, Vec<u64>>,
    pub(crate) organizations: BTreeMap<u64, Organization>,
    pub(crate) organization_memberships: BTreeMap<u64, OrganizationMembership>,
    pub(crate) groups: BTreeMap<u64, Group>,
    pub(crate) group_memberships: BTreeMap<u64, GroupMembership>,
    pub(crate) custom_roles: BTreeMap<u64, CustomRole>,
    pub(crate) jobs: Vec<JobStatus>,
}

/// Validated changes to a user, applied only once every check passed.
#[derive(Debug, Default)]
struct UserChanges {
    name: Option<String>,
    emails: Vec<String>,
    external_id: Option<Option<String>>,
    role: Option<Role>,
    custom_role_id: Option<Option<u64>>,
    organization_id: Option<Option<u64>>,
    default_group_id: Option<Option<u64>>,
    verified: Option<bool>,
    flags: Vec<(&'static str, bool)>,
    texts: Vec<(&'static str, Option<String>)>,
    shared_phone_number: Option<Option<bool>>,
    time_zone: Option<String>,
    locale: Option<String>,
    locale_id: Option<u64>,
    tags: Option<Vec<String>>,
    user_fields: Option<Map<String, Value>>,
}

fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        && !domain.contains('@')
}

impl Store {
    /// An empty account served at `base_url` (`http://127.0.0.1:PORT`).
    #[must_use]
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            next_id: FIRST_ID,
            admin_role_id: 0,
            users: BTreeMap::new(),
            emails: HashMap::new(),
            external_ids: HashMap::new(),
            identities: BTreeMap::new(),
            identities_by_user: HashMap::new(),
            organizations: BTreeMap::new(),
            organization_memberships: BTreeMap::new(),
            groups: BTreeMap::new(),
            group_memberships: BTreeMap::new(),
            custom_roles: BTreeMap::new(),
            jobs: Vec::new(),
        }
    }

    /// The base URL objects' `url` fields start with.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}.json", self.base_url)
    }

    // ----------------------------------------------------------------------------------
    // Seeding and saving

    /// Builds a store from a state file; `admin_email` is created as an admin if missing.
    pub fn from_state_file(
        base_url: &str,
        state: &StateFile,
        admin_email: &str,
    ) -> Result<Self, Error> {
        let mut store = Self::new(base_url);
        let max_id = [
            &state.users,
            &state.identities,
            &state.organizations,
            &state.organization_memberships,
            &state.groups,
            &state.group_memberships,
            &state.custom_roles,
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
        store.admin_role_id = state
            .users
            .iter()
            .find(|u| u.get("role").and_then(Value::as_str) == Some("admin"))
            .and_then(|u| u.get("custom_role_id").and_then(Value::as_u64))
            .unwrap_or(0);
        if store.admin_role_id == 0 {
            store.admin_role_id = store.next_id();
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
        // Memberships and identities listed explicitly win over the user's shortcut fields,
        // so that a saved state loads back with the same ids.
        let listed = |list: &[Value], a: &str, b: &str| -> Vec<(u64, u64)> {
            list.iter()
                .filter_map(|v| {
                    Some((
                        v.get(a)?.as_u64()?,
                        v.get(b).and_then(Value::as_u64).unwrap_or(0),
                    ))
                })
                .collect()
        };
        let with_identities = listed(&state.identities, "user_id", "id");
        let org_pairs = listed(
            &state.organization_memberships,
            "user_id",
            "organization_id",
        );
        let group_pairs = listed(&state.group_memberships, "user_id", "group_id");
        for value in &state.users {
            let mut map = object("user", value)?;
            let id = map.get("id").and_then(Value::as_u64);
            if let Some(id) = id {
                if with_identities.iter().any(|(u, _)| *u == id) {
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
            store.seed_identity(&map).map_err(|e| bad("identity", e))?;
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
            users: values(self.users.values()),
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
        }
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

    fn seed_identity(&mut self, map: &Map<String, Value>) -> Result<(), ApiError> {
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
            input.boolean("primary")?.unwrap_or(false),
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
            identity.url = format!(
                "{}/api/v2/users/{user_id}/identities/{id}.json",
                self.base_url
            );
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

    // ----------------------------------------------------------------------------------
    // Users

    /// The user with this id (active or not).
    pub fn user(&self, id: u64) -> Result<&User, ApiError> {
        self.users.get(&id).ok_or_else(ApiError::not_found)
    }

    fn active_user(&self, id: u64) -> Result<&User, ApiError> {
        self.users
            .get(&id)
            .filter(|u| u.active)
            .ok_or_else(ApiError::not_found)
    }

    /// The active user owning this email (any identity), case-insensitively.
    #[must_use]
    pub fn user_by_email(&self, email: &str) -> Option<u64> {
        self.emails
            .get(&email.to_lowercase())
            .and_then(|iid| self.identities.get(iid))
            .map(|i| i.user_id)
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

    fn custom_role_ref(&self, id: u64) -> Option<(u64, u8)> {
        self.custom_roles.get(&id).map(|r| (r.id, r.role_type))
    }

    fn parse_user_changes(
        &self,
        map: &Map<String, Value>,
        existing: Option<&User>,
    ) -> Result<UserChanges, ApiError> {
        let input = Input(map);
        let mut changes = UserChanges::default();
        let mut details = Details::default();
        let own = existing.map(|u| u.id);
        match input.string("name")? {
            Some(Some(name)) if !name.trim().is_empty() => {
                changes.name = Some(name.trim().to_owned());
            }
            Some(_) => details.push(
                "name",
                "Name: is too short (minimum is 1 characters)".into(),
                None,
            ),
            None if existing.is_none() => details.push(
                "name",
                "Name: is too short (minimum is 1 characters)".into(),
                None,
            ),
            None => {}
        }
        let mut emails = Vec::new();
        if let Some(Some(email)) = input.string("email")? {
            emails.push(email);
        }
        if existing.is_none()
            && let Some(Value::Array(items)) = map.get("identities")
        {
            for item in items {
                if item.get("type").and_then(Value::as_str) == Some("email")
                    && let Some(v) = item.get("value").and_then(Value::as_str)
                {
                    emails.push(v.to_owned());
                }
            }
        }
        for email in emails {
            let email = email.trim().to_owned();
            if !is_valid_email(&email) {
                details.push(
                    "email",
                    format!("Email: {email} is not properly formatted"),
                    None,
                );
            } else if self
                .user_by_email(&email)
                .is_some_and(|uid| Some(uid) != own)
            {
                details.push(
                    "email",
                    format!("Email: {email} is already being used by another user"),
                    Some("DuplicateValue"),
                );
            } else if !changes
                .emails
                .iter()
                .any(|e: &String| e.eq_ignore_ascii_case(&email))
            {
                changes.emails.push(email);
            }
        }
        if let Some(external_id) = input.string("external_id")? {
            let external_id = external_id.filter(|e| !e.is_empty());
            if let Some(ext) = &external_id
                && self
                    .user_by_external_id(ext)
                    .is_some_and(|uid| Some(uid) != own)
            {
                details.push(
                    "external_id",
                    format!("External ID: {ext} has already been taken"),
                    Some("DuplicateValue"),
                );
            }
            changes.external_id = Some(external_id);
        }
        if let Some(role) = input.string("role")? {
            match role.as_deref().and_then(Role::parse) {
                Some(role) => changes.role = Some(role),
                None => details.push(
                    "role",
                    format!("Role: {} is not a valid role", role.unwrap_or_default()),
                    Some("InvalidValue"),
                ),
            }
        }
        let final_role = changes
            .role
            .or(existing.map(|u| u.role))
            .unwrap_or(Role::EndUser);
        if let Some(custom_role_id) = input.id("custom_role_id")? {
            if let Some(role_id) = custom_role_id {
                if final_role == Role::Admin && role_id == self.admin_role_id {
                    // An admin echoing its system role back is fine.
                } else if final_role != Role::Agent {
                    details.push(
                        "custom_role_id",
                        "Custom role: can only be set for agents".into(),
                        Some("InvalidValue"),
                    );
                } else if !self.custom_roles.contains_key(&role_id) {
                    details.push(
                        "custom_role_id",
                        format!("Custom role: {role_id} does not exist"),
                        Some("InvalidValue"),
                    );
                }
            }
            changes.custom_role_id = Some(custom_role_id);
        }
        if let Some(org) = input.id("organization_id")? {
            if let Some(org_id) = org
                && !self.organizations.contains_key(&org_id)
            {
                details.push(
                    "organization_id",
                    format!("Organization: {org_id} does not exist"),
                    Some("InvalidValue"),
                );
            }
            changes.organization_id = Some(org);
        }
        let group = match input.id("default_group_id")? {
            Some(g) => Some(g),
            None => input.id("group_id")?,
        };
        if let Some(group) = group {
            if let Some(group_id) = group {
                if !self.groups.contains_key(&group_id) {
                    details.push(
                        "default_group_id",
                        format!("Default group: {group_id} does not exist"),
                        Some("InvalidValue"),
                    );
                } else if !final_role.is_staff() {
                    details.push(
                        "default_group_id",
                        "Default group: can only be set for agents".into(),
                        Some("InvalidValue"),
                    );
                }
            }
            changes.default_group_id = Some(group);
        }
        changes.verified = input.boolean("verified")?;
        for key in ["suspended", "moderator", "only_private_comments"] {
            if let Some(v) = input.boolean(key)? {
                changes.flags.push((key, v));
            }
        }
        if input.has("shared_phone_number") {
            changes.shared_phone_number = Some(input.boolean("shared_phone_number")?);
        }
        for key in [
            "alias",
            "details",
            "notes",
            "signature",
            "phone",
            "ticket_restriction",
        ] {
            if let Some(v) = input.string(key)? {
                changes.texts.push((key, v));
            }
        }
        if let Some(Some(tz)) = input.string("time_zone")? {
            changes.time_zone = Some(tz);
        }
        if let Some(Some(locale)) = input.string("locale")? {
            changes.locale = Some(locale);
        }
        if let Some(Some(locale_id)) = input.id("locale_id")? {
            changes.locale_id = Some(locale_id);
        }
        changes.tags = input.string_list("tags")?;
        changes.user_fields = input.object("user_fields")?;
        if !details.is_empty() {
            return Err(ApiError::record_invalid(details));
        }
        Ok(changes)
    }

    fn apply_user_changes(&mut self, id: u64, changes: UserChanges, creating: bool) {
        let now = now();
        let admin_role_id = self.admin_role_id;
        let custom_role = match changes.custom_role_id {
            Some(Some(rid)) => self.custom_role_ref(rid),
            Some(None) => None,
            None => self.users[&id]
                .custom_role_id
                .and_then(|rid| self.custom_role_ref(rid)),
        };
        let old_role = self.users[&id].role;
        {
            let user = self.users.get_mut(&id).expect("exists");
            if let Some(name) = changes.name {
                user.name = name;
            }
            if let Some(ext) = &changes.external_id {
                if let Some(old) = &user.external_id {
                    self.external_ids.remove(&old.to_lowercase());
                }
                if let Some(new) = ext {
                    self.external_ids.insert(new.to_lowercase(), id);
                }
                user.external_id.clone_from(ext);
            }
            let role = changes.role.unwrap_or(user.role);
            if changes.role.is_some() || changes.custom_role_id.is_some() || creating {
                user.set_role(
                    role,
                    admin_role_id,
                    if role == Role::Agent {
                        custom_role
                    } else {
                        None
                    },
                );
            }
            if let Some(v) = changes.verified {
                user.verified = v;
            }
            for (key, value) in changes.flags {
                match key {
                    "suspended" => user.suspended = value,
                    "moderator" => user.moderator = value,
                    _ => user.only_private_comments = value,
                }
            }
            if let Some(v) = changes.shared_phone_number {
                user.shared_phone_number = v;
            }
            for (key, value) in changes.texts {
                match key {
                    // Zendesk stores a cleared alias as "" (grouparoo #22/#23).
                    "alias" if creating => user.alias = value,
                    "alias" => user.alias = Some(value.unwrap_or_default()),
                    "details" => user.details = value,
                    "notes" => user.notes = value,
                    "signature" => user.signature = value,
                    "phone" => user.phone = value,
                    _ => {
                        user.ticket_restriction = if user.role == Role::EndUser {
                            // Invalid values for end users coerce to "requested" (API.md §1.13).
                            Some(
                                value
                                    .filter(|v| v == "organization")
                                    .unwrap_or_else(|| "requested".into()),
                            )
                        } else {
                            value
                        };
                    }
                }
            }
            if let Some(tz) = changes.time_zone {
                user.iana_time_zone = User::iana_for(&tz);
                user.time_zone = tz;
            }
            if let Some(locale) = changes.locale {
                user.locale = locale;
            } else if let Some(locale_id) = changes.locale_id {
                user.locale_id = locale_id;
            }
            if let Some(mut tags) = changes.tags {
                tags.dedup();
                user.tags = tags;
            }
            if let Some(fields) = changes.user_fields {
                for (k, v) in fields {
                    user.user_fields.insert(k, v);
                }
            }
            user.updated_at.clone_from(&now);
        }
        let verified = self.users[&id].verified;
        for (n, email) in changes.emails.iter().enumerate() {
            let primary = creating && n == 0;
            self.add_identity(
                id,
                email,
                verified && (primary || changes.verified == Some(true)),
                primary,
            );
        }
        let new_role = self.users[&id].role;
        if old_role.is_staff() && new_role == Role::EndUser {
            let ids: Vec<u64> = self
                .group_memberships
                .values()
                .filter(|m| m.user_id == id)
                .map(|m| m.id)
                .collect();
            for mid in ids {
                self.group_memberships.remove(&mid);
            }
        }
        match changes.organization_id {
            Some(Some(org_id)) => self.join_as_default::<OrganizationMembership>(id, org_id),
            Some(None) => {
                if let Some(mid) = self
                    .organization_memberships
                    .values()
                    .find(|m| m.user_id == id && m.default == Some(true))
                    .map(|m| m.id)
                {
                    self.remove_membership::<OrganizationMembership>(mid);
                }
            }
            None => {}
        }
        match changes.default_group_id {
            Some(Some(group_id)) => self.join_as_default::<GroupMembership>(id, group_id),
            Some(None) => {
                for m in self
                    .group_memberships
                    .values_mut()
                    .filter(|m| m.user_id == id)
                {
                    m.default = false;
                }
                self.users.get_mut(&id).expect("exists").default_group_id = None;
            }
            None => {}
        }
    }

    /// Creates a user from a `user` object (POST /users); returns its id.
    pub fn create_user(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_user_with(map, None)
    }

    fn create_user_with(
        &mut self,
        map: &Map<String, Value>,
        id: Option<u64>,
    ) -> Result<u64, ApiError> {
        let changes = self.parse_user_changes(map, None)?;
        let id = match id {
            Some(id) => id,
            None => self.next_id(),
        };
        let url = format!("{}/api/v2/users/{id}.json", self.base_url);
        let user = User::new(id, url, String::new(), &now());
        self.users.insert(id, user);
        self.apply_user_changes(id, changes, true);
        Ok(id)
    }

    /// Updates an active user (PUT /users/{id}): an `email` adds a secondary identity.
    pub fn update_user(&mut self, id: u64, map: &Map<String, Value>) -> Result<(), ApiError> {
        let user = self.active_user(id)?;
        let changes = self.parse_user_changes(map, Some(user))?;
        self.apply_user_changes(id, changes, false);
        Ok(())
    }

    /// The user `create_or_update` would update: external id first, then email (a
    /// documented choice, API.md §1.6 is UNCERTAIN about the precedence).
    #[must_use]
    pub fn match_user(&self, map: &Map<String, Value>) -> Option<u64> {
        let input = Input(map);
        if let Ok(Some(Some(ext))) = input.string("external_id")
            && let Some(id) = self.user_by_external_id(&ext)
        {
            return Some(id);
        }
        if let Ok(Some(Some(email))) = input.string("email") {
            return self.user_by_email(email.trim());
        }
        None
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

    fn soft_delete_user(&mut self, id: u64) {
        let identity_ids = self.identities_by_user.remove(&id).unwrap_or_default();
        for iid in identity_ids {
            if let Some(identity) = self.identities.remove(&iid) {
                self.emails.remove(&identity.value.to_lowercase());
            }
        }
        self.organization_memberships.retain(|_, m| m.user_id != id);
        self.group_memberships.retain(|_, m| m.user_id != id);
        let now = now();
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
    }

    /// Soft-deletes an active user (DELETE /users/{id}): `active:false`, email and external id
    /// freed, memberships removed.
    pub fn delete_user(&mut self, id: u64) -> Result<(), ApiError> {
        self.active_user(id)?;
        self.soft_delete_user(id);
        Ok(())
    }

    /// Users in id order, from `from` on.
    pub(crate) fn users_from(&self, from: u64) -> impl Iterator<Item = &User> {
        self.users.range(from..).map(|(_, u)| u)
    }

    // ----------------------------------------------------------------------------------
    // Identities

    fn add_identity(&mut self, user_id: u64, email: &str, verified: bool, primary: bool) -> u64 {
        let id = self.next_id();
        let now = now();
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
                url: format!(
                    "{}/api/v2/users/{user_id}/identities/{id}.json",
                    self.base_url
                ),
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
        if let Some(user) = self.users.get_mut(&user_id) {
            user.email = primary;
        }
    }

    /// A user's identities, primary first then by id (as recorded after `make_primary`).
    pub fn user_identities(&self, user_id: u64) -> Result<Vec<&Identity>, ApiError> {
        self.active_user(user_id)?;
        let ids = self
            .identities_by_user
            .get(&user_id)
            .map_or(&[][..], Vec::as_slice);
        let mut list: Vec<&Identity> = ids.iter().map(|i| &self.identities[i]).collect();
        list.sort_by_key(|i| (!i.primary, i.id));
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
            .map(|v| v.trim().to_owned());
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
        let now = now();
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
        let now = now();
        for i in self.identity_ids(user_id) {
            let identity = self.identities.get_mut(&i).expect("indexed");
            identity.primary = identity.id == id;
            identity.updated_at.clone_from(&now);
        }
        self.sync_user_email(user_id);
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

    // ----------------------------------------------------------------------------------
    // Organizations

    /// The organization with this id.
    pub fn organization(&self, id: u64) -> Result<&Organization, ApiError> {
        self.organizations.get(&id).ok_or_else(ApiError::not_found)
    }

    fn organization_by_name(&self, name: &str) -> Option<u64> {
        self.organizations
            .values()
            .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
            .map(|o| o.id)
    }

    /// The organization with this external id, case-insensitively.
    #[must_use]
    pub fn organization_by_external_id(&self, external_id: &str) -> Option<u64> {
        self.organizations
            .values()
            .find(|o| {
                o.external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(external_id))
            })
            .map(|o| o.id)
    }

    fn apply_organization(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
        creating: bool,
    ) -> Result<(), ApiError> {
        let input = Input(map);
        let mut details = Details::default();
        let name = match input.string("name")? {
            Some(Some(name)) if !name.trim().is_empty() => Some(name.trim().to_owned()),
            Some(_) => {
                details.push("name", "Name: cannot be blank".into(), Some("BlankValue"));
                None
            }
            None if creating => {
                details.push("name", "Name: cannot be blank".into(), Some("BlankValue"));
                None
            }
            None => None,
        };
        if let Some(name) = &name
            && self
                .organization_by_name(name)
                .is_some_and(|other| other != id)
        {
            details.push(
                "name",
                format!("Name:  {name} has already been taken"),
                Some("DuplicateValue"),
            );
        }
        let external_id = input
            .string("external_id")?
            .map(|e| e.filter(|e| !e.is_empty()));
        if let Some(Some(ext)) = &external_id
            && self
                .organization_by_external_id(ext)
                .is_some_and(|other| other != id)
        {
            details.push(
                "external_id",
                format!("External ID: {ext} has already been taken"),
                Some("DuplicateValue"),
            );
        }
        let group_id = input.id("group_id")?;
        if let Some(Some(g)) = group_id
            && !self.groups.contains_key(&g)
        {
            details.push(
                "group_id",
                format!("Group: {g} does not exist"),
                Some("InvalidValue"),
            );
        }
        let domain_names = input.string_list("domain_names")?;
        let tags = input.string_list("tags")?;
        let fields = input.object("organization_fields")?;
        let shared_tickets = input.boolean("shared_tickets")?;
        let shared_comments = input.boolean("shared_comments")?;
        let texts = [
            ("details", input.string("details")?),
            ("notes", input.string("notes")?),
        ];
        if !details.is_empty() {
            return Err(ApiError::record_invalid(details));
        }
        let now = now();
        let org = self.organizations.get_mut(&id).expect("exists");
        if let Some(name) = name {
            org.name = name;
        }
        if let Some(ext) = external_id {
            org.external_id = ext;
        }
        if let Some(g) = group_id {
            org.group_id = g;
        }
        if let Some(d) = domain_names {
            org.domain_names = d;
        }
        if let Some(t) = tags {
            org.tags = t;
        }
        if let Some(f) = fields {
            for (k, v) in f {
                org.organization_fields.insert(k, v);
            }
        }
        if let Some(v) = shared_tickets {
            org.shared_tickets = v;
        }
        if let Some(v) = shared_comments {
            org.shared_comments = v;
        }
        for (key, value) in texts {
            if let Some(value) = value {
                if key == "details" {
                    org.details = value;
                } else {
                    org.notes = value;
                }
            }
        }
        org.updated_at = now;
        let name = org.name.clone();
        for m in self
            .organization_memberships
            .values_mut()
            .filter(|m| m.organization_id == id)
        {
            m.organization_name.clone_from(&name);
        }
        Ok(())
    }

    pub(crate) fn create_organization_with(
        &mut self,
        map: &Map<String, Value>,
        seeding: bool,
    ) -> Result<u64, ApiError> {
        let input = Input(map);
        let id = match input.id("id")? {
            Some(Some(id)) if seeding => id,
            _ => self.next_id(),
        };
        let now = now();
        self.organizations.insert(
            id,
            Organization {
                url: self.url(&format!("organizations/{id}")),
                id,
                name: String::new(),
                shared_tickets: false,
                shared_comments: false,
                external_id: None,
                created_at: now.clone(),
                updated_at: now,
                domain_names: Vec::new(),
                details: None,
                notes: None,
                group_id: None,
                tags: Vec::new(),
                organization_fields: Map::new(),
            },
        );
        if let Err(e) = self.apply_organization(id, map, true) {
            self.organizations.remove(&id);
            return Err(e);
        }
        if seeding {
            let org = self.organizations.get_mut(&id).expect("created");
            if let Some(Some(v)) = input.string("created_at")? {
                org.created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                org.updated_at = v;
            }
        }
        Ok(id)
    }

    /// Creates an organization (POST /organizations).
    pub fn create_organization(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_organization_with(map, false)
    }

    /// Updates an organization (PUT /organizations/{id}).
    pub fn update_organization(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        self.organization(id)?;
        self.apply_organization(id, map, false)
    }

    /// Deletes an organization and its memberships.
    pub fn delete_organization(&mut self, id: u64) -> Result<(), ApiError> {
        self.organization(id)?;
        self.remove_memberships_of::<OrganizationMembership>(id);
        self.organizations.remove(&id);
        Ok(())
    }

    // ----------------------------------------------------------------------------------
    // Memberships
    //
    // Memberships of both kinds ([`Membership`]) keep one default per user, mirrored in the
    // user's `organization_id` / `default_group_id`.

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
    fn join_as_default<K: Membership>(&mut self, user_id: u64, target_id: u64) {
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
    fn remove_membership<K: Membership>(&mut self, id: u64) {
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
    fn remove_memberships_of<K: Membership>(&mut self, target_id: u64) {
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
            m.set_id(seed_id, self.url(&format!("{}/{seed_id}", K::COLLECTION)));
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
        self.create_membership_with::<K>(map, false)
    }

    /// Deletes a membership; another membership becomes the default.
    pub(crate) fn delete_membership<K: Membership>(&mut self, id: u64) -> Result<(), ApiError> {
        self.membership::<K>(id)?;
        self.remove_membership::<K>(id);
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

    // ----------------------------------------------------------------------------------
    // Groups

    /// The group with this id.
    pub fn group(&self, id: u64) -> Result<&Group, ApiError> {
        self.groups.get(&id).ok_or_else(ApiError::not_found)
    }

    fn apply_group(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
        creating: bool,
    ) -> Result<(), ApiError> {
        let input = Input(map);
        let name = named(input, creating)?;
        let description = input.string("description")?;
        let is_public = input.boolean("is_public")?;
        let group = self.groups.get_mut(&id).expect("exists");
        if !creating && !group.is_public && is_public == Some(true) {
            return Err(ApiError::invalid(
                "is_public",
                "Is public: a private group cannot be made public".into(),
                Some("InvalidValue"),
            ));
        }
        if let Some(name) = name {
            group.name = name;
        }
        if let Some(d) = description {
            group.description = d.unwrap_or_default();
        }
        if let Some(p) = is_public {
            group.is_public = p;
        }
        group.updated_at = now();
        Ok(())
    }

    pub(crate) fn create_group_with(
        &mut self,
        map: &Map<String, Value>,
        seeding: bool,
    ) -> Result<u64, ApiError> {
        let input = Input(map);
        let id = match input.id("id")? {
            Some(Some(id)) if seeding => id,
            _ => self.next_id(),
        };
        let now = now();
        let default = seeding && input.boolean("default")?.unwrap_or(false);
        self.groups.insert(
            id,
            Group {
                url: self.url(&format!("groups/{id}")),
                id,
                is_public: true,
                name: String::new(),
                description: String::new(),
                default,
                deleted: false,
                created_at: now.clone(),
                updated_at: now,
            },
        );
        if let Err(e) = self.apply_group(id, map, true) {
            self.groups.remove(&id);
            return Err(e);
        }
        if seeding && let Some(group) = self.groups.get_mut(&id) {
            // A saved group keeps its timestamps, so that a state loads back unchanged.
            if let Some(Some(v)) = input.string("created_at")? {
                group.created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                group.updated_at = v;
            }
        }
        Ok(id)
    }

    /// Creates a group (POST /groups).
    pub fn create_group(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_group_with(map, false)
    }

    /// Updates a group (PUT /groups/{id}).
    pub fn update_group(&mut self, id: u64, map: &Map<String, Value>) -> Result<(), ApiError> {
        self.group(id)?;
        self.apply_group(id, map, false)
    }

    /// Deletes a group and its memberships.
    pub fn delete_group(&mut self, id: u64) -> Result<(), ApiError> {
        self.group(id)?;
        self.remove_memberships_of::<GroupMembership>(id);
        self.groups.remove(&id);
        Ok(())
    }

    // ----------------------------------------------------------------------------------
    // Custom roles

    /// The custom role with this id, with a fresh `team_member_count`.
    pub fn custom_role(&self, id: u64) -> Result<CustomRole, ApiError> {
        let mut role = self
            .custom_roles
            .get(&id)
            .cloned()
            .ok_or_else(ApiError::not_found)?;
        role.team_member_count = self
            .users
            .values()
            .filter(|u| u.active && u.custom_role_id == Some(id))
            .count() as u64;
        Ok(role)
    }

    fn apply_custom_role(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
        creating: bool,
    ) -> Result<(), ApiError> {
        let input = Input(map);
        let name = named(input, creating)?;
        if let Some(name) = &name
            && self
                .custom_roles
                .values()
                .any(|r| r.id != id && r.name.eq_ignore_ascii_case(name))
        {
            return Err(ApiError::invalid(
                "name",
                format!("Name: {name} has already been taken"),
                Some("DuplicateValue"),
            ));
        }
        let description = input.string("description")?;
        let configuration = input.object("configuration")?;
        let role = self.custom_roles.get_mut(&id).expect("exists");
        if let Some(name) = name {
            role.name = name;
        }
        if let Some(d) = description {
            role.description = d;
        }
        if let Some(c) = configuration {
            for (k, v) in c {
                role.configuration.insert(k, v);
            }
        }
        role.updated_at = now();
        Ok(())
    }

    /// Creates a custom role.
    pub fn create_custom_role(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        let id = self.next_id();
        let now = now();
        self.custom_roles.insert(
            id,
            CustomRole {
                id,
                name: String::new(),
                description: None,
                role_type: 0,
                team_member_count: 0,
                created_at: now.clone(),
                updated_at: now,
                configuration: Map::new(),
            },
        );
        if let Err(e) = self.apply_custom_role(id, map, true) {
            self.custom_roles.remove(&id);
            return Err(e);
        }
        Ok(id)
    }

    /// Updates a custom role.
    pub fn update_custom_role(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        self.custom_role(id)?;
        self.apply_custom_role(id, map, false)
    }

    /// Deletes a custom role that no agent holds (422 otherwise, a documented choice).
    pub fn delete_custom_role(&mut self, id: u64) -> Result<(), ApiError> {
        if self.custom_role(id)?.team_member_count > 0 {
            return Err(ApiError::invalid(
                "base",
                "Cannot delete a role that is assigned to agents".into(),
                Some("InvalidValue"),
            ));
        }
        self.custom_roles.remove(&id);
        Ok(())
    }
}

/// The trimmed `name` of a custom role or group being written: required when creating, and
/// never blank (422 `BlankValue`, as Zendesk answers).
fn named(input: Input<'_>, creating: bool) -> Result<Option<String>, ApiError> {
    match input.string("name")? {
        Some(Some(name)) if !name.trim().is_empty() => Ok(Some(name.trim().to_owned())),
        None if !creating => Ok(None),
        _ => Err(ApiError::invalid(
            "name",
            "Name: cannot be blank".into(),
            Some("BlankValue"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::needless_pass_by_value)] // keeps the json! call sites short
    fn obj(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn store() -> Store {
        Store::from_state_file(
            "http://127.0.0.1:1",
            &StateFile::default(),
            "admin@example.com",
        )
        .unwrap()
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

    #[test]
    fn email_is_unique_case_insensitively() {
        let mut s = store();
        s.create_user(&obj(json!({"name": "A", "email": "a@x.com"})))
            .unwrap();
        let err = s
            .create_user(&obj(json!({"name": "B", "email": "A@X.com"})))
            .unwrap_err();
        assert_eq!(err.status, 422);
        assert_eq!(
            err.detail_text(),
            "Email: A@X.com is already being used by another user"
        );
    }

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

    #[test]
    fn downgrade_removes_group_memberships() {
        let mut s = store();
        let g = s.create_group(&obj(json!({"name": "G"}))).unwrap();
        let id = s
            .create_user(&obj(
                json!({"name": "A", "role": "agent", "default_group_id": g}),
            ))
            .unwrap();
        assert_eq!(s.user(id).unwrap().default_group_id, Some(g));
        s.update_user(id, &obj(json!({"role": "end-user"})))
            .unwrap();
        assert!(s.group_memberships.values().all(|m| m.user_id != id));
        assert_eq!(s.user(id).unwrap().default_group_id, None);
    }

    #[test]
    fn custom_role_only_on_agents() {
        let mut s = store();
        let r = s
            .create_custom_role(&obj(json!({"name": "Tier 1"})))
            .unwrap();
        let err = s
            .create_user(&obj(json!({"name": "A", "custom_role_id": r})))
            .unwrap_err();
        assert_eq!(err.status, 422);
        let id = s
            .create_user(&obj(
                json!({"name": "A", "role": "agent", "custom_role_id": r}),
            ))
            .unwrap();
        assert_eq!(s.user(id).unwrap().role_type, Some(0));
    }

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

    #[test]
    fn organization_id_is_the_default_membership() {
        let mut s = store();
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
