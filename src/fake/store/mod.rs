//! The in-memory account: every collection and the invariants that tie them together
//! (emails live in identities, unique emails and external ids, a user's `organization_id` is
//! its default organization membership, only agents have group memberships). Pure and
//! synchronous: the HTTP layer locks it, calls one operation and renders the answer.
//!
//! One file per resource holds that resource's `impl Store` block (`users.rs`,
//! `identities.rs`, …, mirrored by the routes in `api/`); this one holds the [`Store`]
//! itself, its ids and urls, and the helpers the resources share.

mod custom_roles;
mod groups;
mod identities;
mod memberships;
mod organizations;
mod state_file;
mod user_changes;
mod users;

use std::collections::{BTreeMap, HashMap};

use chrono::{SecondsFormat, Utc};

use super::api_error::ApiError;
use super::custom_role::CustomRole;
use super::group::Group;
use super::group_membership::GroupMembership;
use super::identity::Identity;
use super::input::Input;
use super::job_status::JobStatus;
use super::organization::Organization;
use super::organization_membership::OrganizationMembership;
use super::user::User;

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

/// Whether an address is a well-formed email (one `@`, a dotted domain, no spaces, commas or
/// angle brackets); shared by user writes and identity writes.
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

    /// A fresh id; one sequence serves every collection.
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The API url of `path` (`users/1` → `http://127.0.0.1:PORT/api/v2/users/1.json`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}.json", self.base_url)
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

/// What the store's unit tests share.
#[cfg(test)]
mod fixtures {
    use serde_json::{Map, Value};

    use super::Store;
    use crate::fake::state_file::StateFile;

    /// A `json!` object as a map.
    #[allow(clippy::needless_pass_by_value)] // keeps the json! call sites short
    pub(super) fn obj(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    /// A store seeded from an empty state file: only the admin.
    pub(super) fn store() -> Store {
        Store::from_state_file(
            "http://127.0.0.1:1",
            &StateFile::default(),
            "admin@example.com",
        )
        .unwrap()
    }
}
