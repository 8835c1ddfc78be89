//! What a fresh account of a profile holds besides users: the default group every account has
//! ("Support", `default: true`, as recorded in `zenpy__groups-list-pagination.json`) and, on
//! Enterprise, the predefined agent roles (the four of
//! `zendesk-api-client-rb__custom-roles-list-2015.json`, with their recorded descriptions and
//! configurations). A state file that already has them keeps its own.

use serde_json::{Map, Value, json};

use super::Store;
use crate::fake::group_membership::GroupMembership;
use crate::fake::membership::Membership as _;

/// The name of the group a profile creates when the state has no default group.
pub(crate) const DEFAULT_GROUP: &str = "Support";

/// The role an agent gets when created without one on an account where every agent holds a
/// role. Which role Zendesk gives is UNCERTAIN (`src/fake/mod.rs`).
pub(crate) const DEFAULT_AGENT_ROLE: &str = "Staff";

/// The predefined roles: name, `role_type`, description, configuration (recorded, 2015).
const PREDEFINED_ROLES: &[(&str, u8, &str, &str)] = &[
    (
        "Advisor",
        0,
        "Advisors manage the workflow and configure your Zendesk. They create or manage automations, macros, triggers, views, and SLA targets. They also set up channels and extensions. Advisors don't solve tickets, they can only make private comments.",
        r#"{"chat_access":true,"manage_business_rules":true,"manage_dynamic_content":false,"manage_extensions_and_channels":true,"manage_facebook":true,"organization_editing":false,"organization_notes_editing":false,"ticket_deletion":false,"ticket_tag_editing":true,"twitter_search_access":true,"forum_access_restricted_content":false,"end_user_list_access":"full","ticket_access":"within-groups","ticket_comment_access":"none","voice_access":true,"moderate_forums":false,"group_access":false,"light_agent":false,"end_user_profile_access":"readonly","forum_access":"readonly","macro_access":"full","report_access":"none","ticket_editing":true,"ticket_merge":false,"view_access":"full","user_view_access":"readonly"}"#,
    ),
    (
        "Light Agent",
        1,
        "Light agents can view, be CC'd on, and add private comments to ticket accessible to them. They can also view reports of all tickets within your Zendesk. Light agents cannot be assigned to or edit tickets. You can add an unlimited number of light agents at no charge.",
        r#"{"chat_access":false,"manage_business_rules":false,"manage_dynamic_content":false,"manage_extensions_and_channels":false,"manage_facebook":false,"organization_editing":false,"organization_notes_editing":false,"ticket_deletion":false,"ticket_tag_editing":false,"twitter_search_access":true,"forum_access_restricted_content":false,"end_user_list_access":"none","ticket_access":"within-groups","ticket_comment_access":"none","voice_access":false,"moderate_forums":false,"group_access":false,"light_agent":true,"end_user_profile_access":"readonly","forum_access":"readonly","macro_access":"readonly","report_access":"readonly","ticket_editing":false,"ticket_merge":false,"view_access":"readonly","user_view_access":"none"}"#,
    ),
    (
        "Staff",
        0,
        "A Staff agent's primary role is to solve tickets. They can edit tickets within their groups, view reports, and add or edit personal views and macros.",
        r#"{"chat_access":true,"manage_business_rules":false,"manage_dynamic_content":false,"manage_extensions_and_channels":false,"manage_facebook":false,"organization_editing":false,"organization_notes_editing":false,"ticket_deletion":false,"ticket_tag_editing":false,"twitter_search_access":true,"forum_access_restricted_content":false,"end_user_list_access":"full","ticket_access":"within-groups","ticket_comment_access":"public","voice_access":true,"moderate_forums":false,"group_access":false,"light_agent":false,"end_user_profile_access":"readonly","forum_access":"readonly","macro_access":"manage-personal","report_access":"readonly","ticket_editing":true,"ticket_merge":false,"view_access":"manage-personal","user_view_access":"readonly"}"#,
    ),
    (
        "Team Leader",
        0,
        "Team leaders have greater access to your Zendesk than staff agents. They can read and edit all tickets, moderate forums, and create and edit end-users, groups, and organizations.",
        r#"{"chat_access":true,"manage_business_rules":false,"manage_dynamic_content":false,"manage_extensions_and_channels":false,"manage_facebook":false,"organization_editing":true,"organization_notes_editing":true,"ticket_deletion":true,"ticket_tag_editing":true,"twitter_search_access":true,"forum_access_restricted_content":true,"end_user_list_access":"full","ticket_access":"all","ticket_comment_access":"public","voice_access":true,"moderate_forums":false,"group_access":true,"light_agent":false,"end_user_profile_access":"full","forum_access":"full","macro_access":"full","report_access":"full","ticket_editing":true,"ticket_merge":true,"view_access":"full","user_view_access":"readonly"}"#,
    ),
];

impl Store {
    /// Adds the predefined roles the state lacks (by name), when every agent holds a role.
    pub(super) fn add_predefined_roles(&mut self) {
        if !self.rules.agents_hold_roles() {
            return;
        }
        for (name, role_type, description, configuration) in PREDEFINED_ROLES {
            if self
                .custom_roles
                .values()
                .any(|r| r.name.eq_ignore_ascii_case(name))
            {
                continue;
            }
            let configuration: Map<String, Value> =
                serde_json::from_str(configuration).expect("a recorded configuration");
            let body =
                json!({"name": name, "description": description, "configuration": configuration});
            if let Ok(id) = self.create_custom_role(body.as_object().expect("an object"))
                && let Some(role) = self.custom_roles.get_mut(&id)
            {
                role.role_type = *role_type;
            }
        }
    }

    /// Makes sure the account has a default group: the state's group marked `default`, else
    /// its group of the `default_group` knob's name ("Support"), else a new group of that name.
    pub(super) fn ensure_default_group(&mut self) {
        if self.groups.values().any(|g| g.default) {
            return;
        }
        let name = self.rules.default_group.clone();
        let existing = self
            .groups
            .values()
            .find(|g| g.name.eq_ignore_ascii_case(&name))
            .map(|g| g.id);
        let id = existing.or_else(|| {
            let body = json!({"name": name});
            self.create_group(body.as_object().expect("an object")).ok()
        });
        if let Some(group) = id.and_then(|id| self.groups.get_mut(&id)) {
            group.default = true;
        }
    }

    /// Puts every active agent and admin without a group into the default group (a state
    /// file that leaves one groupless describes what no account holds).
    pub(super) fn join_groupless_agents(&mut self) {
        let Some(group) = self.default_group() else {
            return;
        };
        // Indexed once: a scan of the memberships a user made seeding quadratic (an hour for
        // 100,000 agents).
        let grouped: std::collections::HashSet<u64> =
            self.group_memberships.values().map(|m| m.user_id).collect();
        let groupless: Vec<u64> = self
            .users
            .values()
            .filter(|u| u.active && u.role.is_staff())
            .filter(|u| !grouped.contains(&u.id))
            .map(|u| u.id)
            .collect();
        for user_id in groupless {
            // The user's only membership: the default, with nothing else to demote.
            let id = self.next_id();
            let mut membership = GroupMembership::new(self, id, user_id, group);
            membership.set_default(true);
            self.group_memberships.insert(id, membership);
            if let Some(user) = self.users.get_mut(&user_id) {
                GroupMembership::set_user_default(user, Some(group));
            }
        }
    }

    /// The account's default group, when it has one.
    pub(crate) fn default_group(&self) -> Option<u64> {
        self.groups.values().find(|g| g.default).map(|g| g.id)
    }

    /// The role a new agent gets on an account where every agent holds one: `(id, role_type)`.
    pub(crate) fn default_agent_role(&self) -> Option<(u64, u8)> {
        if !self.rules.agents_hold_roles() {
            return None;
        }
        self.custom_roles
            .values()
            .find(|r| r.name.eq_ignore_ascii_case(&self.rules.new_agent_role))
            .or_else(|| self.custom_roles.values().find(|r| r.role_type == 0))
            .map(|r| (r.id, r.role_type))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::fake::config::{Knobs, Plan};
    use crate::fake::state_file::StateFile;
    use crate::fake::store::Store;
    use crate::fake::store::fixtures::{profile_store, store};

    #[test]
    fn a_fresh_account_has_its_default_group_and_on_enterprise_the_predefined_roles() {
        let s = profile_store(Plan::Enterprise);
        let group = s.default_group().map(|id| s.groups[&id].name.clone());
        assert_eq!(group.as_deref(), Some("Support"));
        let mut roles: Vec<_> = s.custom_roles.values().map(|r| r.name.clone()).collect();
        roles.sort();
        assert_eq!(roles, ["Advisor", "Light Agent", "Staff", "Team Leader"]);
        assert!(s.default_agent_role().is_some());

        let s = profile_store(Plan::Professional);
        assert!(s.default_group().is_some());
        assert!(s.custom_roles.is_empty() && s.default_agent_role().is_none());

        // A state file's account is Enterprise unless it says.
        assert!(store().default_group().is_some());
    }

    /// The account's default group: the one the state marks, else the state's group of the
    /// `default_group` knob's name, else a new group of that name.
    #[test]
    fn the_default_group_is_the_states_else_the_knobs_name() {
        let default_of = |groups: serde_json::Value| {
            let knobs = Knobs {
                default_group: "Tier 1".into(),
                ..Knobs::default()
            };
            let state = StateFile {
                groups: serde_json::from_value(groups).unwrap(),
                ..StateFile::default()
            };
            let s = Store::from_state_file(
                "http://127.0.0.1:1",
                state,
                "a@example.com",
                &knobs,
                Arc::default(),
            )
            .unwrap();
            let default = s.default_group().map(|id| s.groups[&id].name.clone());
            (default, s.groups.len())
        };
        assert_eq!(default_of(json!([])), (Some("Tier 1".into()), 1));
        assert_eq!(
            default_of(json!([{"name": "Support"}, {"name": "tier 1"}])),
            (Some("tier 1".into()), 2)
        );
        assert_eq!(
            default_of(json!([{"name": "Support", "default": true}, {"name": "Tier 1"}])),
            (Some("Support".into()), 2)
        );
    }
}
