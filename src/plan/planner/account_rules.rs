//! The account's rules (issue "account-aware planning"): a roster value the account cannot
//! hold is found here, at plan time, and blocks the user concerned with the roster line and a
//! hint, like a conflict, instead of failing at apply time and coming back in every plan.
//! What Zendesk does by itself around a change (a new agent joins the default group and gets
//! a role, a checked field tags the user) is said in the change's notes.

use super::Planner;
use crate::plan::{AccountRule, Blocked, PlanError};
use crate::roster::{Field, Role, User};
use crate::state::{FieldLookup, LiveUser};

/// One rule a roster user breaks.
pub(super) struct Broken {
    pub(super) rule: AccountRule,
    pub(super) message: String,
    pub(super) hint: String,
}

impl Planner<'_> {
    /// The role the user will have after the plan: the roster's, else the live one, else an
    /// end-user (Zendesk's default for a new user).
    pub(super) fn final_role(&self, user: &User, live: Option<&LiveUser>) -> Role {
        user.profile
            .role
            .as_ref()
            .or(self.roster.defaults.role.as_ref())
            .map(|r| r.value)
            .or(live.map(|l| l.role))
            .unwrap_or(Role::EndUser)
    }

    /// Every account rule `user` breaks. `label` names the user in the messages.
    pub(super) fn broken_rules(
        &self,
        user: &User,
        live: Option<&LiveUser>,
        label: &str,
    ) -> Vec<Broken> {
        let defaults = &self.roster.defaults;
        let profile = &user.profile;
        let rules = &self.state.rules;
        let role = self.final_role(user, live);
        let mut broken = Vec::new();
        let mut add = |rule, message: String, hint: &str| {
            broken.push(Broken {
                rule,
                message,
                hint: hint.to_owned(),
            });
        };

        let groups = profile.groups.as_ref().or(defaults.groups.as_ref());
        let default_group = profile.default_group.or(&defaults.default_group);
        let has_groups = groups.is_some_and(|g| !g.value.is_empty());
        if role == Role::EndUser && (has_groups || default_group.value().is_some()) {
            let key = if has_groups {
                "groups"
            } else {
                "default_group"
            };
            add(
                AccountRule::GroupsOnEndUser,
                format!("`{key}` on `{label}`, who will be an end-user"),
                "give the user `role: agent`, or remove `groups` and `default_group` (only agents belong to groups)",
            );
        }
        if role.is_staff()
            && rules.default_group.is_some()
            && groups.is_some_and(|g| g.value.is_empty())
        {
            add(
                AccountRule::AgentWithoutGroup,
                format!("`groups: []` on `{label}`, but every agent must belong to a group"),
                "give the agent at least one group, or leave `groups` out",
            );
        }
        if rules.tagging_off()
            && profile
                .tags
                .as_ref()
                .or(defaults.tags.as_ref())
                .is_some_and(|t| !t.value.is_empty())
        {
            add(
                AccountRule::TagsWithoutUserTagging,
                format!("`tags` on `{label}`, but the account has user tagging off"),
                "turn on user tagging (Admin Center > People > Configuration > End users), or remove `tags`",
            );
        }
        let custom_role = profile.custom_role.or(&defaults.custom_role);
        if custom_role.value().is_some() && !self.state.custom_roles_available {
            add(
                AccountRule::CustomRoleWithoutCustomRoles,
                format!("`custom_role` on `{label}`, but the account has no custom roles"),
                "custom roles need Zendesk Enterprise; remove `custom_role`",
            );
        }
        if matches!(custom_role, Field::Null(_))
            && role == Role::Agent
            && self.state.custom_roles_available
        {
            let names: Vec<String> = self
                .state
                .custom_roles
                .iter()
                .map(|r| format!("`{}`", r.name))
                .collect();
            add(
                AccountRule::AgentWithoutRole,
                format!(
                    "`custom_role: null` on agent `{label}`, but every agent on this account holds a role"
                ),
                &format!(
                    "name the agent's role ({}), or leave `custom_role` out",
                    names.join(", ")
                ),
            );
        }
        if rules.single_organization() {
            let mut names: Vec<String> = profile
                .organizations
                .as_ref()
                .or(defaults.organizations.as_ref())
                .map(|o| o.value.iter().map(|n| n.value.to_lowercase()).collect())
                .unwrap_or_default();
            if let Some(name) = profile.organization.or(&defaults.organization).value() {
                names.push(name.to_lowercase());
            }
            names.sort();
            names.dedup();
            if names.len() > 1 {
                add(
                    AccountRule::SecondOrganization,
                    format!(
                        "`{label}` would belong to {} organizations, but the account allows one a user",
                        names.len()
                    ),
                    "keep one organization, or turn on multiple organizations (Admin Center > People > Configuration > End users)",
                );
            }
        }
        let mut keys: Vec<(&String, &serde_json::Value)> = defaults
            .user_fields
            .iter()
            .filter(|(k, _)| !profile.user_fields.contains_key(*k))
            .map(|(k, v)| (k, &v.value))
            .collect();
        keys.extend(profile.user_fields.iter().map(|(k, v)| (k, &v.value)));
        let mut undefined: Vec<&str> = Vec::new();
        let mut refused: Vec<String> = Vec::new();
        for (key, value) in keys {
            match rules.user_field(key) {
                FieldLookup::Undefined => undefined.push(key),
                FieldLookup::Defined(field) => {
                    if let Some(reason) = field.refuses(value) {
                        refused.push(format!("`{key}` cannot hold {value}: {reason}"));
                    }
                }
                FieldLookup::Unread => {}
            }
        }
        if !refused.is_empty() {
            add(
                AccountRule::UserFieldValue,
                format!("user fields of `{label}`: {}", refused.join("; ")),
                if refused.len() == 1 {
                    "write a value the field accepts"
                } else {
                    "write values the fields accept"
                },
            );
        }
        if !undefined.is_empty() {
            let known: Vec<&str> = rules
                .user_fields
                .iter()
                .flat_map(|fields| fields.keys())
                .map(String::as_str)
                .collect();
            let closest = |key: &str| {
                known
                    .iter()
                    .copied()
                    .filter(|k| strsim::jaro_winkler(k, key) > 0.85)
                    .max_by(|a, b| {
                        strsim::jaro_winkler(a, key).total_cmp(&strsim::jaro_winkler(b, key))
                    })
            };
            let names = undefined
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let suggestions: Vec<String> = undefined
                .iter()
                .filter_map(|k| closest(k).map(|c| format!("`{k}`: did you mean `{c}`?")))
                .collect();
            let hint = if !suggestions.is_empty() {
                suggestions.join("; ")
            } else if known.is_empty() {
                "the account defines no user fields: define them (Admin Center > People > Configuration > User fields) or remove them".to_owned()
            } else {
                format!(
                    "the account's user fields are {}; define the others or remove them",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            add(
                AccountRule::UndefinedUserField,
                format!(
                    "user field{} {names} of `{label}` {} not defined in the account",
                    if undefined.len() == 1 { "" } else { "s" },
                    if undefined.len() == 1 { "is" } else { "are" }
                ),
                &hint,
            );
        }
        broken
    }

    /// Blocks every change from `start` on (one user's) for the rules it breaks.
    pub(super) fn block_for(&mut self, start: usize, broken: &[Broken]) {
        let Some(first) = broken.first() else { return };
        let message = broken
            .iter()
            .map(|b| b.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let hint = broken
            .iter()
            .map(|b| b.hint.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let blocked = Blocked::AccountRule {
            rule: first.rule,
            message,
            hint,
        };
        for change in &mut self.changes[start..] {
            change.blocked = Some(blocked.clone());
        }
    }

    /// `settings.manage.tags` selects users by tag, which an account with user tagging off
    /// cannot do: an error of the whole plan, at the setting's line.
    pub(super) fn check_settings(&mut self) {
        if !self.state.rules.tagging_off() {
            return;
        }
        if let (Some(tag), Some(source)) = (
            self.roster.settings.manage.tags.first(),
            self.roster.settings_source,
        ) {
            let place = self.locate_at(source, tag.pos);
            self.errors.push(PlanError {
                source: place,
                message: format!(
                    "`settings.manage.tags` selects users by tag `{}`, but the account has user tagging off; turn it on or remove `manage.tags`",
                    tag.value
                ),
            });
        }
    }
}
