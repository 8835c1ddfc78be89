//! An organization membership; `default` is `true` or `null`, never `false` (API.md §4.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::api_error::ApiError;
use super::membership::Membership;
use super::store::Store;
use super::user::User;

/// A user's membership of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.2
pub struct OrganizationMembership {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    pub organization_id: u64,
    pub default: Option<bool>,
    pub organization_name: String,
    pub view_tickets: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Membership for OrganizationMembership {
    const COLLECTION: &'static str = "organization_memberships";
    const ROOT: &'static str = "organization_membership";
    const TARGET_KEY: &'static str = "organization_id";
    const TARGET_BLANK: &'static str = "Organization: cannot be blank";
    const DUPLICATE: &'static str = "User is already a member of this organization";

    fn collection(store: &Store) -> &BTreeMap<u64, Self> {
        &store.organization_memberships
    }

    fn collection_mut(store: &mut Store) -> &mut BTreeMap<u64, Self> {
        &mut store.organization_memberships
    }

    fn new(store: &Store, id: u64, user_id: u64, organization_id: u64) -> Self {
        let now = store.now();
        Self {
            url: store.object_url(&format!("{}/{id}", Self::COLLECTION)),
            id,
            user_id,
            organization_id,
            default: None,
            organization_name: store
                .organizations
                .get(&organization_id)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            view_tickets: true,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    /// Without multiple organizations a user belongs to one: a second is refused (the answer
    /// is UNCERTAIN; the emulator's is a 422 on `organization_id`).
    fn check(store: &Store, user: &User, organization_id: u64) -> Result<(), ApiError> {
        store.organization(organization_id)?;
        if !store.rules.multiple_organizations
            && !store.is_seeding()
            && store
                .organization_memberships
                .values()
                .any(|m| m.user_id == user.id && m.organization_id != organization_id)
        {
            return Err(ApiError::invalid(
                "organization_id",
                "Organization: the user already belongs to an organization and this account does not allow multiple organizations".into(),
                Some("InvalidValue"),
            ));
        }
        Ok(())
    }

    fn set_user_default(user: &mut User, organization_id: Option<u64>) {
        user.organization_id = organization_id;
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn user_id(&self) -> u64 {
        self.user_id
    }

    fn target_id(&self) -> u64 {
        self.organization_id
    }

    fn is_default(&self) -> bool {
        self.default == Some(true)
    }

    fn set_default(&mut self, default: bool) {
        self.default = default.then_some(true);
    }

    fn set_id(&mut self, id: u64, url: String) {
        self.id = id;
        self.url = url;
    }

    fn times_mut(&mut self) -> (&mut String, &mut String) {
        (&mut self.created_at, &mut self.updated_at)
    }
}
