//! Custom roles in the store: unique names, a `team_member_count` counted on reading, and
//! no deleting a role that agents hold.

use serde_json::{Map, Value};

use super::{Store, named};
use crate::fake::api_error::ApiError;
use crate::fake::custom_role::CustomRole;
use crate::fake::input::Input;

impl Store {
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
        let now = self.now();
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
        role.updated_at = now;
        Ok(())
    }

    /// Creates a custom role.
    pub fn create_custom_role(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        let id = self.next_id();
        let now = self.now();
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
