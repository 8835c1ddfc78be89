//! A group membership in the recorded key order (`zenpy__group-memberships-pagination.json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::api_error::ApiError;
use super::membership::Membership;
use super::store::Store;
use super::user::User;

/// An agent's membership of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.4
pub struct GroupMembership {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    pub group_id: u64,
    pub default: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Membership for GroupMembership {
    const COLLECTION: &'static str = "group_memberships";
    const ROOT: &'static str = "group_membership";
    const TARGET_KEY: &'static str = "group_id";
    const TARGET_BLANK: &'static str = "Group: cannot be blank";
    const DUPLICATE: &'static str = "User is already a member of this group";

    fn collection(store: &Store) -> &BTreeMap<u64, Self> {
        &store.group_memberships
    }

    fn collection_mut(store: &mut Store) -> &mut BTreeMap<u64, Self> {
        &mut store.group_memberships
    }

    fn new(store: &Store, id: u64, user_id: u64, group_id: u64) -> Self {
        let now = store.now();
        Self {
            url: store.object_url(&format!("{}/{id}", Self::COLLECTION)),
            id,
            user_id,
            group_id,
            default: false,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    /// Group members must be agents (checked after the group exists, as recorded).
    fn check(store: &Store, user: &User, group_id: u64) -> Result<(), ApiError> {
        store.group(group_id)?;
        if !user.role.is_staff() {
            return Err(ApiError::invalid(
                "user_id",
                "User: must be an agent to be a member of a group".into(),
                Some("InvalidValue"),
            ));
        }
        Ok(())
    }

    /// An agent's last group cannot be left: "all team members
    /// must belong to at least one group" (API.md §12). The answer is UNCERTAIN; the
    /// emulator's is a 422 on `base`, or none with the `last_group_membership` knob `allow`.
    fn check_removal(store: &Store, id: u64) -> Result<(), ApiError> {
        if store.rules.last_group_membership == super::LastGroupMembership::Allow {
            return Ok(());
        }
        let Some(m) = store.group_memberships.get(&id) else {
            return Ok(());
        };
        let staff = store
            .users
            .get(&m.user_id)
            .is_some_and(|u| u.active && u.role.is_staff());
        let others = store
            .group_memberships
            .values()
            .any(|o| o.user_id == m.user_id && o.id != id);
        if staff && !others {
            return Err(ApiError::invalid(
                "base",
                "Agents must belong to at least one group".into(),
                Some("InvalidValue"),
            ));
        }
        Ok(())
    }

    fn set_user_default(user: &mut User, group_id: Option<u64>) {
        user.default_group_id = group_id;
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn user_id(&self) -> u64 {
        self.user_id
    }

    fn target_id(&self) -> u64 {
        self.group_id
    }

    fn is_default(&self) -> bool {
        self.default
    }

    fn set_default(&mut self, default: bool) {
        self.default = default;
    }

    fn set_id(&mut self, id: u64, url: String) {
        self.id = id;
        self.url = url;
    }

    fn times_mut(&mut self) -> (&mut String, &mut String) {
        (&mut self.created_at, &mut self.updated_at)
    }
}
