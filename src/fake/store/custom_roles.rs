//! Custom roles in the store: unique names, a `team_member_count` counted on reading, and
//! no deleting a role that agents hold. The admins' system role is not stored, but reads like
//! the recorded one (`zenpy__custom-role-show-2023.json`).

use serde_json::{Map, Value};

use super::{Store, named};
use crate::fake::api_error::ApiError;
use crate::fake::custom_role::CustomRole;
use crate::fake::input::Input;

/// The Admin role's configuration as recorded in 2023 (`zenpy__custom-role-show-2023.json`).
const ADMIN_CONFIGURATION: &str = r#"{"chat_access":true,"end_user_list_access":"full","forum_access_restricted_content":false,"light_agent":false,"manage_business_rules":true,"manage_dynamic_content":true,"manage_extensions_and_channels":true,"manage_facebook":true,"moderate_forums":false,"side_conversation_create":true,"ticket_access":"all","ticket_comment_access":"public","ticket_deletion":true,"ticket_tag_editing":true,"twitter_search_access":false,"view_deleted_tickets":true,"voice_access":true,"group_access":true,"organization_editing":true,"organization_notes_editing":true,"assign_tickets_to_any_group":true,"end_user_profile_access":"full","explore_access":"full","forum_access":"full","macro_access":"full","report_access":"full","ticket_editing":true,"ticket_merge":true,"user_view_access":"full","view_access":"full","voice_dashboard_access":true,"manage_automations":true,"manage_contextual_workspaces":true,"manage_organization_fields":true,"manage_skills":true,"manage_slas":true,"manage_ticket_fields":true,"manage_ticket_forms":true,"manage_user_fields":true,"ticket_redaction":true,"manage_roles":"all","manage_groups":true,"manage_group_memberships":true,"manage_organizations":true,"manage_suspended_tickets":true,"manage_triggers":true}"#;

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

    /// The admins' system role when `id` is its id and the state did not define it: "Admin",
    /// `role_type` 4 and the recorded configuration, held by the active admins. It is not
    /// listed, written or assignable; only `GET /custom_roles/{id}` shows it.
    pub(crate) fn system_role(&self, id: u64) -> Option<CustomRole> {
        if id != self.admin_role_id || self.custom_roles.contains_key(&id) {
            return None;
        }
        let holders: Vec<_> = self
            .users
            .values()
            .filter(|u| u.active && u.custom_role_id == Some(id))
            .collect();
        // Created with the account: when its first holder was.
        let created_at = holders
            .iter()
            .map(|u| u.created_at.clone())
            .min()
            .unwrap_or_else(|| self.now());
        Some(CustomRole {
            id,
            name: "Admin".to_owned(),
            description: Some("Can manage all settings, except billing".to_owned()),
            role_type: 4,
            team_member_count: holders.len() as u64,
            updated_at: created_at.clone(),
            created_at,
            configuration: serde_json::from_str(ADMIN_CONFIGURATION)
                .expect("a recorded configuration"),
        })
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
