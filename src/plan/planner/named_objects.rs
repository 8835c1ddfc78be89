//! Named objects: the roster's custom roles, organizations and groups against the
//! account's, each created when missing and updated where a managed field differs.

use serde_json::Value;

use super::Planner;
use super::user_diff::{sorted, text_field};
use crate::plan::normalize::{same_key, same_tags, same_text, tag};
use crate::plan::{
    Action, Blocked, Change, CustomRoleField, FieldChange, FieldName, FieldValue, GroupField, Kind,
    MatchKey, OrganizationField,
};

impl Planner<'_> {
    pub(super) fn custom_roles(&mut self) {
        for role in &self.roster.custom_roles {
            let live = self
                .state
                .custom_roles
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&role.name.value));
            let mut fields = Vec::new();
            let field = |field, before, after| FieldChange {
                field: FieldName::CustomRole(field),
                before,
                after,
            };
            if let Some(description) = text_field(&role.description) {
                let before = live.and_then(|l| l.description.as_deref());
                if live.is_none() || !same_text(description, before) {
                    fields.push(field(
                        CustomRoleField::Description,
                        FieldValue::text(before),
                        FieldValue::text(description),
                    ));
                }
            }
            for (key, value) in &role.configuration {
                let before = live.and_then(|l| l.configuration.get(key));
                if live.is_none() || before != Some(&value.value) {
                    fields.push(field(
                        CustomRoleField::Configuration(key.clone()),
                        FieldValue::json(before.cloned().unwrap_or(Value::Null)),
                        FieldValue::json(value.value.clone()),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            CustomRoleField::Name,
                            FieldValue::Null,
                            FieldValue::Text(role.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            let blocked = (!self.state.custom_roles_available).then_some(Blocked::NoCustomRoles);
            self.changes.push(Change {
                kind: Kind::CustomRole,
                action,
                key: MatchKey::Name(role.name.value.clone()),
                label: role.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(role.source)),
                blocked,
                escalation: None,
                notes: Vec::new(),
                implies: Vec::new(),
            });
        }
    }

    pub(super) fn organizations(&mut self) {
        for organization in &self.roster.organizations {
            // The live organization the roster's entry names (by external id, else by name).
            let live_id = self
                .organization(&organization.name.value)
                .and_then(|r| r.id);
            let live = live_id.and_then(|id| self.state.organizations.iter().find(|o| o.id == id));
            let field = |field, before, after| FieldChange {
                field: FieldName::Organization(field),
                before,
                after,
            };
            let mut fields = Vec::new();
            if let Some(live) = live
                && live.name != organization.name.value
            {
                fields.push(field(
                    OrganizationField::Name,
                    FieldValue::Text(live.name.clone()),
                    FieldValue::Text(organization.name.value.clone()),
                ));
            }
            if let Some(external_id) = &organization.external_id {
                let before = live.and_then(|l| l.external_id.as_deref());
                if live.is_none() || !same_key(&external_id.value, before) {
                    fields.push(field(
                        OrganizationField::ExternalId,
                        FieldValue::text(before),
                        FieldValue::Text(external_id.value.clone()),
                    ));
                }
            }
            if let Some(domains) = &organization.domain_names {
                let want: Vec<String> = domains
                    .value
                    .iter()
                    .map(|d| d.value.to_lowercase())
                    .collect();
                let have: Vec<String> = live
                    .map(|l| l.domain_names.iter().map(|d| d.to_lowercase()).collect())
                    .unwrap_or_default();
                if live.is_none() || sorted(&want) != sorted(&have) {
                    fields.push(field(
                        OrganizationField::DomainNames,
                        FieldValue::List(have),
                        FieldValue::List(want),
                    ));
                }
            }
            for (name, roster_value, live_value) in [
                (
                    OrganizationField::Details,
                    &organization.details,
                    live.and_then(|l| l.details.as_deref()),
                ),
                (
                    OrganizationField::Notes,
                    &organization.notes,
                    live.and_then(|l| l.notes.as_deref()),
                ),
            ] {
                if let Some(value) = text_field(roster_value)
                    && ((live.is_none() && value.is_some())
                        || (live.is_some() && !same_text(value, live_value)))
                {
                    fields.push(field(
                        name,
                        FieldValue::text(live_value),
                        FieldValue::text(value),
                    ));
                }
            }
            if let Some(tags) = &organization.tags {
                let want: Vec<String> = tags.value.iter().map(|t| tag(&t.value)).collect();
                let have = live.map(|l| l.tags.clone()).unwrap_or_default();
                if !same_tags(&want, &have) {
                    fields.push(field(
                        OrganizationField::Tags,
                        FieldValue::List(have),
                        FieldValue::List(sorted(&want)),
                    ));
                }
            }
            for (name, roster_value, live_value) in [
                (
                    OrganizationField::SharedTickets,
                    &organization.shared_tickets,
                    live.map(|l| l.shared_tickets),
                ),
                (
                    OrganizationField::SharedComments,
                    &organization.shared_comments,
                    live.map(|l| l.shared_comments),
                ),
            ] {
                if let Some(value) = roster_value
                    && live_value != Some(value.value)
                {
                    fields.push(field(
                        name,
                        FieldValue::flag(live_value),
                        FieldValue::Flag(value.value),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            OrganizationField::Name,
                            FieldValue::Null,
                            FieldValue::Text(organization.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            let key = organization.external_id.as_ref().map_or_else(
                || MatchKey::Name(organization.name.value.clone()),
                |e| MatchKey::ExternalId(e.value.clone()),
            );
            self.changes.push(Change {
                kind: Kind::Organization,
                action,
                key,
                label: organization.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(organization.source)),
                blocked: None,
                escalation: None,
                notes: Vec::new(),
                implies: Vec::new(),
            });
        }
    }

    pub(super) fn groups(&mut self) {
        for group in &self.roster.groups {
            let live = self
                .state
                .groups
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(&group.name.value));
            let field = |field, before, after| FieldChange {
                field: FieldName::Group(field),
                before,
                after,
            };
            let mut fields = Vec::new();
            if let Some(description) = text_field(&group.description) {
                let before = live.and_then(|l| l.description.as_deref());
                if (live.is_none() && description.is_some())
                    || (live.is_some() && !same_text(description, before))
                {
                    fields.push(field(
                        GroupField::Description,
                        FieldValue::text(before),
                        FieldValue::text(description),
                    ));
                }
            }
            let mut blocked = None;
            if let Some(is_public) = &group.is_public {
                let before = live.and_then(|l| l.is_public);
                if before != Some(is_public.value) && (live.is_none() || before.is_some()) {
                    if live.is_some() && is_public.value {
                        blocked = Some(Blocked::PrivateGroup);
                    }
                    fields.push(field(
                        GroupField::IsPublic,
                        FieldValue::flag(before),
                        FieldValue::Flag(is_public.value),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            GroupField::Name,
                            FieldValue::Null,
                            FieldValue::Text(group.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            self.changes.push(Change {
                kind: Kind::Group,
                action,
                key: MatchKey::Name(group.name.value.clone()),
                label: group.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(group.source)),
                blocked,
                escalation: None,
                notes: Vec::new(),
                implies: Vec::new(),
            });
        }
    }
}
