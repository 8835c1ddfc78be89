//! The in-memory account: every collection and the invariants that tie them together
//! (emails live in identities, unique emails and external ids, a user's `organization_id` is
//! its default organization membership, only agents have group memberships). Pure and
//! synchronous: the HTTP layer locks it, calls one operation and renders the answer.
//!
//! One file per resource holds that resource's `impl Store` block (`users.rs`,
//! `identities.rs`, …, mirrored by the routes in `api/`); this one holds the [`Store`]
//! itself, its ids and urls, and the helpers the resources share.

mod audit_logs;
mod custom_roles;
mod groups;
mod identities;
mod memberships;
mod organizations;
mod profile;
pub(crate) use profile::{DEFAULT_AGENT_ROLE, DEFAULT_GROUP};
mod search;
mod state_file;
mod user_changes;
mod user_fields;
mod users;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::api_error::ApiError;
use super::audit_log::AuditLog;
use super::clock::Clock;
use super::config::{Knobs, Plan};
use super::custom_role::CustomRole;
use super::group::Group;
use super::group_membership::GroupMembership;
use super::identity::Identity;
use super::input::Input;
use super::job_status::JobStatus;
use super::organization::Organization;
use super::organization_membership::OrganizationMembership;
use super::search_index::SearchIndex;
use super::user::User;
use super::user_field::UserField;

/// The first id the emulator hands out: large like Zendesk's (about 10^13).
const FIRST_ID: u64 = 10_000_000_000_001;

/// The account settings that change what the store does with a request: the plan, the
/// profile it was made with, and the switches of `GET /account/settings`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountRules {
    pub(crate) plan: Plan,
    pub(crate) profile: Option<Plan>,
    pub(crate) user_tagging: bool,
    pub(crate) multiple_organizations: bool,
    /// The time zone new users get.
    pub(crate) time_zone: String,
    /// The name of the default group the account is made with.
    pub(crate) default_group: String,
    /// The choices where Zendesk's behaviour is UNCERTAIN (see [`Knobs`]).
    pub(crate) promoted_agent_joins_default_group: bool,
    pub(crate) new_agent_role: String,
    pub(crate) custom_role_null: super::CustomRoleNull,
    pub(crate) undefined_user_field: super::UndefinedUserField,
    pub(crate) create_or_update_prefers: super::MatchKey,
    pub(crate) organization_id_change: super::OrganizationIdChange,
    pub(crate) last_group_membership: super::LastGroupMembership,
    pub(crate) tags_without_tagging: super::TagsWithoutTagging,
    pub(crate) verified_write: super::VerifiedWrite,
}

impl AccountRules {
    /// The rules the knobs describe.
    pub(crate) fn of(knobs: &Knobs) -> Self {
        Self {
            plan: knobs.plan,
            profile: knobs.profile,
            user_tagging: knobs.user_tagging,
            multiple_organizations: knobs.multiple_organizations,
            time_zone: knobs.time_zone.clone(),
            default_group: knobs.default_group.clone(),
            promoted_agent_joins_default_group: knobs.promoted_agent_joins_default_group,
            new_agent_role: knobs.new_agent_role.clone(),
            custom_role_null: knobs.custom_role_null,
            undefined_user_field: knobs.undefined_user_field,
            create_or_update_prefers: knobs.create_or_update_prefers,
            organization_id_change: knobs.organization_id_change,
            last_group_membership: knobs.last_group_membership,
            tags_without_tagging: knobs.tags_without_tagging,
            verified_write: knobs.verified_write,
        }
    }

    /// Whether every agent holds a role (a plan with custom roles).
    pub(crate) fn agents_hold_roles(&self) -> bool {
        self.plan.has_custom_roles()
    }
}

/// The in-memory state of one emulated account.
#[derive(Debug)]
pub struct Store {
    base_url: String,
    /// `https://{subdomain}.zendesk.com`: what objects' `url` fields and `Location` headers
    /// start with, as Zendesk names its account whatever address it was reached at.
    account_url: String,
    /// The emulator's clock, shared with the HTTP layer.
    pub(crate) clock: Arc<Clock>,
    /// The account settings requests are judged by.
    pub(crate) rules: AccountRules,
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
    pub(crate) user_fields: BTreeMap<u64, UserField>,
    pub(crate) jobs: Vec<JobStatus>,
    /// What `users/search?query=` and `/search` see, and since when.
    pub(crate) search: SearchIndex,
    /// Deleted users' ids in deletion order, for `GET /deleted_users`.
    pub(crate) deleted_users: Vec<u64>,
    /// Every change made to a user since the state was loaded (`GET /audit_logs`).
    pub(crate) audit: AuditLog,
    /// While a state file is loaded: agents join the default group only afterwards, when
    /// the state gives them no group.
    seeding: bool,
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
            account_url: account_url(super::config::DEFAULT_SUBDOMAIN),
            clock: Arc::default(),
            rules: AccountRules::of(&Knobs::default()),
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
            user_fields: BTreeMap::new(),
            jobs: Vec::new(),
            search: SearchIndex::default(),
            deleted_users: Vec::new(),
            audit: AuditLog::default(),
            seeding: false,
        }
    }

    /// Whether a state file is being loaded (account rules are then not enforced on it).
    pub(crate) fn is_seeding(&self) -> bool {
        self.seeding
    }

    /// Now, as Zendesk writes timestamps (`2023-09-18T23:28:11Z`), on the emulator's clock.
    pub(crate) fn now(&self) -> String {
        self.clock.timestamp()
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

    /// The API url of `path` on the address the emulator is reached at (`users` →
    /// `http://127.0.0.1:PORT/api/v2/users.json`): what pagination links start with.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}.json", self.base_url)
    }

    /// The API url of an object as Zendesk names it, on the account's own host (`users/1` →
    /// `https://example.zendesk.com/api/v2/users/1.json`): its `url` field and the `Location`
    /// of its creation.
    pub(crate) fn object_url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}.json", self.account_url)
    }

    /// The account's own URL, `https://{subdomain}.zendesk.com`.
    #[must_use]
    pub fn account_url(&self) -> &str {
        &self.account_url
    }
}

/// `https://{subdomain}.zendesk.com`.
fn account_url(subdomain: &str) -> String {
    format!("https://{subdomain}.zendesk.com")
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
            StateFile::default(),
            "admin@example.com",
            &crate::fake::config::Knobs::default(),
            std::sync::Arc::default(),
        )
        .unwrap()
    }

    /// A store of an account whose users may belong to several organizations.
    pub(super) fn multiple_organizations_store() -> Store {
        Store::from_state_file(
            "http://127.0.0.1:1",
            StateFile::default(),
            "admin@example.com",
            &crate::fake::config::Knobs {
                multiple_organizations: true,
                ..crate::fake::config::Knobs::default()
            },
            std::sync::Arc::default(),
        )
        .unwrap()
    }

    /// A store of a fresh account of `plan` (its default group, predefined roles, settings).
    pub(super) fn profile_store(plan: crate::fake::config::Plan) -> Store {
        Store::from_state_file(
            "http://127.0.0.1:1",
            StateFile::default(),
            "admin@example.com",
            &crate::fake::config::Knobs::for_profile(plan),
            std::sync::Arc::default(),
        )
        .unwrap()
    }
}
