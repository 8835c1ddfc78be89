//! Groups in the store: a private group stays private, and a deleted group goes for good
//! with its memberships.

use serde_json::{Map, Value};

use super::{Store, named};
use crate::fake::api_error::ApiError;
use crate::fake::group::Group;
use crate::fake::group_membership::GroupMembership;
use crate::fake::input::Input;

impl Store {
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
        let now = self.now();
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
        group.updated_at = now;
        Ok(())
    }

    /// Creates a group; `seeding` (a state file) keeps its id, `default` flag and times.
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
        let now = self.now();
        let default = seeding && input.boolean("default")?.unwrap_or(false);
        self.groups.insert(
            id,
            Group {
                url: self.object_url(&format!("groups/{id}")),
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

    /// Deletes a group and its memberships. The default group cannot be deleted, and agents
    /// it leaves without a group join the default group (both UNCERTAIN: Zendesk asks an
    /// admin deleting a group in its UI where its agents go).
    pub fn delete_group(&mut self, id: u64) -> Result<(), ApiError> {
        if self.group(id)?.default {
            return Err(ApiError::invalid(
                "base",
                "The default group cannot be deleted".into(),
                Some("InvalidValue"),
            ));
        }
        self.remove_memberships_of::<GroupMembership>(id);
        self.groups.remove(&id);
        self.join_groupless_agents();
        Ok(())
    }
}
