//! The user diff: a matched (or new) user's managed fields against the live user, each
//! planned exactly when its comparison rule ([`UserField::holds`]) says the live user does
//! not hold the roster's value; suspensions and primary-email changes as their own changes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Planner;
use super::names::Resolved;
use crate::plan::normalize::tag;
use crate::plan::{Action, Change, FieldChange, FieldValue, Kind, MatchKey, PlanError, UserField};
use crate::roster::{Field, Located, Profile, Role, User};
use crate::state::{FieldLookup, LiveUser};

impl Planner<'_> {
    /// Plans `field` when `live` does not hold `want` ([`UserField::holds`]); returns
    /// whether it did.
    pub(super) fn diff(
        &self,
        fields: &mut Vec<FieldChange>,
        field: UserField,
        want: FieldValue,
        live: Option<&LiveUser>,
    ) -> bool {
        if field.holds(&want, live, self) {
            return false;
        }
        let before = field.live_value(live, self);
        fields.push(FieldChange::user(field, before, want));
        true
    }

    pub(super) fn user(&mut self, user: &User, key: &MatchKey, live: Option<&LiveUser>) {
        let defaults = &self.roster.defaults;
        let profile = &user.profile;
        let source = user.source;
        let mut fields: Vec<FieldChange> = Vec::new();
        let mut escalation = None;
        // A roster entry with only a key reads better with the live user's name and email.
        let label = match (live, &user.name) {
            (Some(live), None) => live_label(live),
            _ => user_label(user),
        };
        let start = self.changes.len();
        let broken = self.broken_rules(user, live, &label);
        let no_custom_roles = broken
            .iter()
            .any(|b| b.rule == crate::plan::AccountRule::CustomRoleWithoutCustomRoles);
        let mut notes = Vec::new();

        if let Some(name) = &user.name {
            let name = FieldValue::Text(name.value.clone());
            self.diff(&mut fields, UserField::Name, name, live);
        } else if live.is_none() {
            self.errors.push(PlanError {
                source: self.locate(source),
                message: format!(
                    "{label} does not exist in Zendesk and has no `name` to create it with"
                ),
            });
            return;
        }
        if let Some(email) = &user.email
            && live.is_none()
        {
            let email = FieldValue::Text(email.value.clone());
            self.diff(&mut fields, UserField::Email, email, live);
        }
        if let Some(external_id) = &user.external_id {
            let external_id = FieldValue::Text(external_id.value.clone());
            self.diff(&mut fields, UserField::ExternalId, external_id, live);
        }
        let role = profile.role.as_ref().or(defaults.role.as_ref());
        if let Some(role) = role.map(|r| r.value)
            && self.diff(&mut fields, UserField::Role, FieldValue::Role(role), live)
        {
            let live_role = live.map(|l| l.role);
            if role > live_role.unwrap_or(Role::EndUser) {
                escalation = Some(match live_role {
                    Some(from) => format!("{} → {}", from.as_str(), role.as_str()),
                    None => format!("new {}", role.as_str()),
                });
            }
        }
        // On an account that allows one organization a user, a move to the roster's one
        // organization is the user's `organization`.
        let moved = self
            .organization_move(user, live)
            .map_or(Field::Absent, Field::Value);
        for (field, what, roster_value, lookup) in [
            (
                UserField::CustomRole,
                "custom role",
                profile.custom_role.or(&defaults.custom_role),
                Self::custom_role as fn(&Self, &str) -> Option<Resolved>,
            ),
            (
                UserField::Organization,
                "organization",
                profile.organization.or(&defaults.organization).or(&moved),
                Self::organization,
            ),
            (
                UserField::DefaultGroup,
                "group",
                profile.default_group.or(&defaults.default_group),
                Self::group,
            ),
        ] {
            let want = match roster_value {
                Field::Absent => continue,
                Field::Null(_) => FieldValue::Null,
                // Shown as the roster writes it, blocked: the account has no roles to
                // resolve it against.
                Field::Value(name) if field == UserField::CustomRole && no_custom_roles => {
                    FieldValue::Text(name.value.clone())
                }
                Field::Value(name) => match self.resolve(what, source, name, lookup) {
                    Some(resolved) => FieldValue::Text(resolved.name),
                    None => continue,
                },
            };
            let before = field.live_value(live, self);
            let is_custom_role = field == UserField::CustomRole;
            if self.diff(&mut fields, field, want.clone(), live)
                && is_custom_role
                && live.is_some()
                && escalation.is_none()
                && let FieldValue::Text(name) = &want
            {
                escalation = Some(format!(
                    "custom role {} → {name}",
                    before.as_text().unwrap_or("none"),
                ));
            }
        }
        let mut user_fields: BTreeMap<&str, &Located<Value>> = defaults
            .user_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        user_fields.extend(profile.user_fields.iter().map(|(k, v)| (k.as_str(), v)));
        if let Some(tags) = profile.tags.as_ref().or(defaults.tags.as_ref()) {
            let mut want: Vec<String> = tags.value.iter().map(|t| tag(&t.value)).collect();
            // A checked checkbox (or a dropdown's value) puts its tag on the user whatever
            // `tags` says: the tag is expected, not removed and put back forever.
            for (key, value) in &user_fields {
                let FieldLookup::Defined(field) = self.state.rules.user_field(key) else {
                    continue;
                };
                for field_tag in field.tags_of(&value.value) {
                    let field_tag = tag(&field_tag);
                    if !want.contains(&field_tag) {
                        notes.push(format!("tag `{field_tag}` comes from user field `{key}`"));
                        want.push(field_tag);
                    }
                }
            }
            self.diff(
                &mut fields,
                UserField::Tags,
                FieldValue::List(sorted(&want)),
                live,
            );
        }
        for (key, value) in user_fields {
            let field = UserField::Custom(key.to_owned());
            self.diff(
                &mut fields,
                field,
                FieldValue::json(value.value.clone()),
                live,
            );
        }
        self.text_fields(profile, live, &mut fields);
        self.flag_fields(profile, live, &mut fields);

        let suspended = profile
            .suspended
            .as_ref()
            .or(defaults.suspended.as_ref())
            .map(|s| s.value);
        let suspend_action = match (live, suspended) {
            (Some(_), Some(suspend))
                if !UserField::Suspended.holds(&FieldValue::Flag(suspend), live, self) =>
            {
                Some(if suspend {
                    Action::Suspend
                } else {
                    Action::Unsuspend
                })
            }
            (None, Some(true)) => {
                self.diff(
                    &mut fields,
                    UserField::Suspended,
                    FieldValue::Flag(true),
                    live,
                );
                None
            }
            _ => None,
        };

        let change = |action, mut fields: Vec<FieldChange>, escalation| {
            // A pushed-to list holds room for four fields; most changes have one or two, and
            // a plan can hold 100,000 of them.
            fields.shrink_to_fit();
            Change {
                kind: Kind::User,
                action,
                key: key.clone(),
                label: label.clone(),
                id: live.map(|l| l.id),
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(source)),
                blocked: None,
                escalation,
                notes: Vec::new(),
                implies: Vec::new(),
            }
        };
        notes.extend(self.automatic_notes(user, live));
        let mut new_changes = Vec::new();
        match live {
            None => new_changes.push(change(Action::Create, fields, escalation)),
            Some(_) if !fields.is_empty() => {
                new_changes.push(change(Action::Update, fields, escalation));
            }
            Some(_) => {}
        }
        if let Some(first) = new_changes.first_mut() {
            first.notes = notes;
        }
        if let Some(action) = suspend_action {
            let mut suspension = Vec::new();
            let suspend = FieldValue::Flag(action == Action::Suspend);
            self.diff(&mut suspension, UserField::Suspended, suspend, live);
            new_changes.push(change(action, suspension, None));
        }
        if let (Some(_), Some(email)) = (live, &user.email) {
            let mut primary = Vec::new();
            let email = FieldValue::Text(email.value.clone());
            if self.diff(&mut primary, UserField::Email, email, live) {
                let mut identity = change(Action::MakePrimary, primary, None);
                identity.kind = Kind::Identity;
                new_changes.push(identity);
            }
        }
        self.changes.extend(new_changes);
        self.memberships(user, key, live);
        self.block_for(start, &broken);
    }

    /// What Zendesk does by itself to a user becoming an agent: the default group it joins
    /// (when the roster keeps it) and the role it gets (when the roster names none).
    fn automatic_notes(&self, user: &User, live: Option<&LiveUser>) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.becomes_staff(user, live) {
            return notes;
        }
        if let Some((_, name)) = self.joined_default_group(user, live) {
            let groups = user
                .profile
                .groups
                .as_ref()
                .or(self.roster.defaults.groups.as_ref());
            let kept =
                groups.is_none_or(|g| g.value.iter().any(|n| n.value.eq_ignore_ascii_case(&name)));
            if kept {
                notes.push(format!(
                    "Zendesk adds every new agent to the default group `{name}`"
                ));
            }
        }
        let custom_role = user
            .profile
            .custom_role
            .or(&self.roster.defaults.custom_role);
        if self.final_role(user, live) == Role::Agent
            && self.state.custom_roles_available
            && matches!(custom_role, Field::Absent)
        {
            notes.push(
                "Zendesk gives an agent without `custom_role` a role itself (`Staff` on a new Enterprise account); set `custom_role` to choose it".to_owned(),
            );
        }
        notes
    }

    /// On an account that allows one organization a user, the organization an existing user
    /// moves to: the roster's only one (`organizations`, no `organization`), when the user
    /// belongs to another. Zendesk refuses a second membership there, so adding the new
    /// membership before removing the old one fails, and removing first leaves the user
    /// without one in between; setting the user's `organization_id` moves the user in one
    /// request. The move is then planned as the user's `organization`, and
    /// [`Planner::exact_set`] plans no membership change for it.
    pub(super) fn organization_move(
        &self,
        user: &User,
        live: Option<&LiveUser>,
    ) -> Option<Located<String>> {
        let defaults = &self.roster.defaults;
        let live = live?;
        if !self.state.rules.single_organization()
            || !user
                .profile
                .organization
                .or(&defaults.organization)
                .is_absent()
        {
            return None;
        }
        let names = user
            .profile
            .organizations
            .as_ref()
            .or(defaults.organizations.as_ref())?;
        let [name] = names.value.as_slice() else {
            return None;
        };
        let have = self.organization_memberships.get(&live.id)?;
        let target = self.organization(&name.value)?;
        let member = target
            .id
            .is_some_and(|id| have.iter().any(|m| m.target_id == id));
        (!have.is_empty() && !member).then(|| name.clone())
    }

    /// Whether the plan makes the user an agent or admin: a new one, or an end-user promoted.
    pub(super) fn becomes_staff(&self, user: &User, live: Option<&LiveUser>) -> bool {
        self.final_role(user, live).is_staff() && live.is_none_or(|l| !l.role.is_staff())
    }

    /// The account's default group (id, name) a user joins by becoming an agent, unless the
    /// roster names the user's default group (Zendesk joins that one instead).
    pub(super) fn joined_default_group(
        &self,
        user: &User,
        live: Option<&LiveUser>,
    ) -> Option<(u64, String)> {
        if !self.becomes_staff(user, live)
            || user
                .profile
                .default_group
                .or(&self.roster.defaults.default_group)
                .value()
                .is_some()
        {
            return None;
        }
        let id = self.state.rules.default_group?;
        let name = self.group_name(Some(id)).as_text()?.to_owned();
        Some((id, name))
    }

    /// The text fields, `locale`, `time_zone` and `ticket_restriction`.
    pub(super) fn text_fields(
        &self,
        profile: &Profile,
        live: Option<&LiveUser>,
        fields: &mut Vec<FieldChange>,
    ) {
        let defaults = &self.roster.defaults;
        for (field, roster_value) in [
            (UserField::Alias, profile.alias.or(&defaults.alias)),
            (UserField::Details, profile.details.or(&defaults.details)),
            (UserField::Notes, profile.notes.or(&defaults.notes)),
            (
                UserField::Signature,
                profile.signature.or(&defaults.signature),
            ),
            (UserField::Phone, profile.phone.or(&defaults.phone)),
        ] {
            if let Some(value) = text_field(roster_value) {
                self.diff(fields, field, FieldValue::text(value), live);
            }
        }
        if let Some(locale) = profile.locale.as_ref().or(defaults.locale.as_ref()) {
            let locale = FieldValue::Text(locale.value.clone());
            self.diff(fields, UserField::Locale, locale, live);
        }
        if let Some(zone) = profile.time_zone.as_ref().or(defaults.time_zone.as_ref()) {
            let zone = FieldValue::Text(zone.value.clone());
            self.diff(fields, UserField::TimeZone, zone, live);
        }
        let restriction = match profile.ticket_restriction.or(&defaults.ticket_restriction) {
            Field::Absent => return,
            Field::Null(_) => FieldValue::Null,
            Field::Value(value) => FieldValue::Text(value.value.as_str().to_owned()),
        };
        self.diff(fields, UserField::TicketRestriction, restriction, live);
    }

    /// `moderator`, `only_private_comments` and `verified`.
    pub(super) fn flag_fields(
        &self,
        profile: &Profile,
        live: Option<&LiveUser>,
        fields: &mut Vec<FieldChange>,
    ) {
        let defaults = &self.roster.defaults;
        for (field, roster_value) in [
            (
                UserField::Moderator,
                profile.moderator.as_ref().or(defaults.moderator.as_ref()),
            ),
            (
                UserField::OnlyPrivateComments,
                profile
                    .only_private_comments
                    .as_ref()
                    .or(defaults.only_private_comments.as_ref()),
            ),
            (
                UserField::Verified,
                profile.verified.as_ref().or(defaults.verified.as_ref()),
            ),
        ] {
            if let Some(value) = roster_value {
                self.diff(fields, field, FieldValue::Flag(value.value), live);
            }
        }
    }
}

/// The value a text field asks for: `None` when unmanaged, `Some(None)` to clear it.
#[allow(clippy::option_option)] // the three states of a `Field`, borrowed
pub(super) fn text_field(field: &Field<String>) -> Option<Option<&str>> {
    match field {
        Field::Absent => None,
        Field::Null(_) => Some(None),
        Field::Value(v) => Some(Some(v.value.as_str())),
    }
}

pub(super) fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values
}

pub(super) fn user_label(user: &User) -> String {
    let name = user.name.as_ref().map(|n| n.value.as_str());
    let email = user.email.as_ref().map(|e| e.value.as_str());
    let external_id = user.external_id.as_ref().map(|e| e.value.as_str());
    match (name, email, external_id) {
        (Some(name), Some(email), _) => format!("{name} <{email}>"),
        (Some(name), None, Some(id)) => format!("{name} ({id})"),
        (None, Some(email), _) => email.to_owned(),
        (None, None, Some(id)) => id.to_owned(),
        (Some(name), None, None) => name.to_owned(),
        (None, None, None) => "user".to_owned(),
    }
}

pub(super) fn live_label(live: &LiveUser) -> String {
    match &live.email {
        Some(email) => format!("{} <{email}>", live.name),
        None => format!("{} (#{})", live.name, live.id),
    }
}
