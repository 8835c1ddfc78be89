//! The body of a user write (POST/PUT /users, the bulk user jobs) checked as a whole into
//! [`UserChanges`], then applied to the user, its identities and its memberships.
// `Option<Option<T>>` in `UserChanges`: field absent (keep), null (clear), or a new value.
#![allow(clippy::option_option)]

use serde_json::{Map, Value};

use super::{Store, is_valid_email};
use crate::fake::api_error::{ApiError, Details};
use crate::fake::choices::{
    CustomRoleNull, OrganizationIdChange, TagsWithoutTagging, VerifiedWrite,
};
use crate::fake::group_membership::GroupMembership;
use crate::fake::input::Input;
use crate::fake::organization_membership::OrganizationMembership;
use crate::fake::user::{Role, User};

/// Validated changes to a user, applied only once every check passed.
#[derive(Debug, Default)]
pub(super) struct UserChanges {
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
    /// The new `organization_id` replaces the user's only organization.
    moves_organization: bool,
}

impl Store {
    fn custom_role_ref(&self, id: u64) -> Option<(u64, u8)> {
        self.custom_roles.get(&id).map(|r| (r.id, r.role_type))
    }

    /// Checks a user body (`existing`: the user being updated, none when creating); every
    /// problem found goes into one 422.
    pub(super) fn parse_user_changes(
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
            } else if let Some(owner) = self.user_by_email(&email)
                && Some(owner) == own
            {
                // The user's own address (any case): Zendesk adds no identity (recorded).
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
                } else if !self.rules.plan.has_custom_roles() && !self.seeding {
                    details.push(
                        "custom_role_id",
                        "Custom role: custom roles are not available on this plan".into(),
                        Some("InvalidValue"),
                    );
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
            if custom_role_id.is_none()
                && final_role == Role::Agent
                && self.rules.agents_hold_roles()
                && self.seeding
            {
                // A state file's agent without a role gets the default one.
            } else if custom_role_id.is_none()
                && final_role == Role::Agent
                && self.rules.agents_hold_roles()
            {
                // Every agent holds a role here; whether Zendesk refuses `null`, ignores it or
                // clears the role is UNCERTAIN (the `custom_role_null` knob): refusing, the
                // default, says so where ignoring would hide it.
                match self.rules.custom_role_null {
                    CustomRoleNull::Refuse => details.push(
                        "custom_role_id",
                        "Custom role: an agent must have a role on this account".into(),
                        Some("InvalidValue"),
                    ),
                    CustomRoleNull::Ignore => {}
                    CustomRoleNull::Clear => changes.custom_role_id = Some(None),
                }
            }
            let ignored = custom_role_id.is_none()
                && final_role == Role::Agent
                && self.rules.agents_hold_roles()
                && self.rules.custom_role_null == CustomRoleNull::Ignore;
            if (custom_role_id.is_some() || !self.seeding) && !ignored {
                changes.custom_role_id = Some(custom_role_id);
            }
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
        if existing.is_some() && !self.seeding && self.rules.verified_write == VerifiedWrite::Ignore
        {
            // What `verified` written to an existing user does is UNCERTAIN (the
            // `verified_write` knob): Zendesk documents it as "any of the user's identities
            // is verified", which a write may not change.
            changes.verified = None;
        }
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
        if changes.tags.is_some()
            && !self.rules.user_tagging
            && !self.seeding
            && self.rules.tags_without_tagging == TagsWithoutTagging::Refuse
        {
            // Whether Zendesk ignores or refuses `tags` while user tagging is off is
            // UNCERTAIN (the `tags_without_tagging` knob); ignoring is the default.
            details.push(
                "tags",
                "Tags: user tagging is not enabled on this account".into(),
                Some("InvalidValue"),
            );
        }
        if let Some(fields) = input.object("user_fields")? {
            match self.checked_user_fields(fields) {
                Ok(fields) => changes.user_fields = Some(fields),
                Err(error) => {
                    for (field, description, code) in error.details() {
                        details.push(&field, description, code.as_deref());
                    }
                }
            }
        }
        if let Some(Some(org_id)) = changes.organization_id
            && !self.rules.multiple_organizations
            && let Some(user) = existing
            && self
                .organization_memberships
                .values()
                .any(|m| m.user_id == user.id && m.organization_id != org_id)
        {
            // One organization a user: setting another moves the user (UNCERTAIN, API.md §12;
            // the `organization_id_change` knob refuses it instead).
            match self.rules.organization_id_change {
                OrganizationIdChange::Move => changes.moves_organization = true,
                OrganizationIdChange::Refuse => details.push(
                    "organization_id",
                    "Organization: the user already belongs to an organization".into(),
                    Some("InvalidValue"),
                ),
            }
        }
        if !details.is_empty() {
            return Err(ApiError::record_invalid(details));
        }
        Ok(changes)
    }

    /// Applies checked changes to user `id`: its fields, new email identities, and the
    /// memberships behind `organization_id` / `default_group_id` (a downgrade to end user
    /// drops the group memberships).
    pub(super) fn apply_user_changes(&mut self, id: u64, changes: UserChanges, creating: bool) {
        let now = self.now();
        let admin_role_id = self.admin_role_id;
        let old_role = self.users[&id].role;
        let becomes_agent =
            changes.role == Some(Role::Agent) && (creating || old_role != Role::Agent);
        let custom_role = match changes.custom_role_id {
            Some(Some(rid)) => self.custom_role_ref(rid),
            Some(None) => None,
            None => self.users[&id]
                .custom_role_id
                .and_then(|rid| self.custom_role_ref(rid))
                .filter(|_| !becomes_agent || old_role == Role::Agent),
        };
        // Every agent holds a role on Enterprise: one created or promoted without gets the
        // account's default agent role (which one is UNCERTAIN).
        let custom_role = custom_role.or_else(|| {
            if becomes_agent {
                self.default_agent_role()
            } else {
                None
            }
        });
        let field_tags_before = self.field_tags(&self.users[&id].user_fields);
        let tagging = self.rules.user_tagging;
        let seeding = self.seeding;
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
            // An agent restricted to some tickets is a restricted agent (recorded: `groups`
            // with `restricted_agent: true`); end users always are.
            user.restricted_agent = user.role == Role::EndUser
                || (user.role == Role::Agent && user.ticket_restriction.is_some());
            if let Some(tz) = changes.time_zone {
                user.iana_time_zone = User::iana_for(&tz);
                user.time_zone = tz;
            }
            if let Some(locale) = changes.locale {
                user.locale = locale;
            } else if let Some(locale_id) = changes.locale_id {
                user.locale_id = locale_id;
            }
            // Off, writes of `tags` are ignored; a state file's tags are kept (hidden) all the
            // same, as a saved state holds them.
            if let Some(tags) = changes.tags.filter(|_| tagging || seeding) {
                user.tags.list = replace_tags(&user.tags, &tags);
            }
            if let Some(fields) = changes.user_fields {
                for (k, v) in fields {
                    user.user_fields.insert(k, v);
                }
                super::user_fields::sort_keys(&mut user.user_fields);
            }
            user.updated_at.clone_from(&now);
        }
        // A checkbox or dropdown value puts its tag on the user and takes the old one off,
        // after the tags the request set (recorded: `tags: ["checkedbox"]` with the box
        // cleared leaves no tag; `tags` without the box's tag leaves the box checked).
        if tagging {
            let field_tags_after = self.field_tags(&self.users[&id].user_fields);
            let user = self.users.get_mut(&id).expect("exists");
            for tag in &field_tags_before {
                if !field_tags_after.contains(tag) {
                    user.tags.retain(|t| t != tag);
                }
            }
            for tag in field_tags_after {
                if !field_tags_before.contains(&tag) && !user.tags.contains(&tag) {
                    user.tags.push(tag);
                }
            }
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
        if changes.moves_organization {
            let others: Vec<u64> = self
                .organization_memberships
                .values()
                .filter(|m| {
                    m.user_id == id && Some(m.organization_id) != changes.organization_id.flatten()
                })
                .map(|m| m.id)
                .collect();
            for mid in others {
                self.remove_membership::<OrganizationMembership>(mid);
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
        // A new agent, or a user made one, joins the account's default group, which becomes
        // their default unless the request named one (the promotion case is UNCERTAIN).
        let staff_now = self.users[&id].role.is_staff();
        if staff_now
            && !self.seeding
            && (creating || (!old_role.is_staff() && self.rules.promoted_agent_joins_default_group))
            && changes.default_group_id.is_none()
            && let Some(group) = self.default_group()
        {
            self.join_as_default::<GroupMembership>(id, group);
        }
        self.reindex(id);
    }
}

/// The tags after a write of `new`: Zendesk keeps the tags the user had in their order and
/// appends the new ones in the order sent (recorded), each once.
fn replace_tags(old: &[String], new: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = old.iter().filter(|t| new.contains(t)).cloned().collect();
    for tag in new {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    tags
}

#[cfg(test)]
mod tests;
