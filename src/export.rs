//! `zroster export`: the live account as a roster, to bootstrap a repository. The one place
//! where live state becomes roster model; its output plans no change when fed back to `zplan`.

use std::collections::BTreeMap;

use crate::roster::model::{Manage, Prune, Settings};
use crate::roster::{
    CustomRole, Document, Field, Group, Located, Organization, Pos, Profile, Role, User,
};
use crate::state::{LiveState, LiveUser};

/// Which live users an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Agents and admins.
    Agents,
    /// Every user.
    All,
}

impl ExportScope {
    /// The roles whose users are exported (and that the exported roster manages).
    #[must_use]
    pub fn roles(self) -> Vec<Role> {
        match self {
            ExportScope::Agents => vec![Role::Agent, Role::Admin],
            ExportScope::All => Role::ALL.to_vec(),
        }
    }
}

fn located<T>(value: T) -> Located<T> {
    Located::new(value, Pos::default())
}

fn text(value: Option<&str>) -> Field<String> {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) => Field::Value(located(v.to_owned())),
        None => Field::Absent,
    }
}

fn names(values: impl IntoIterator<Item = String>) -> Located<Vec<Located<String>>> {
    let mut values: Vec<String> = values.into_iter().collect();
    values.sort_by_key(|v| v.to_lowercase());
    located(values.into_iter().map(located).collect())
}

/// The live state as a roster document: a `settings` section that manages the exported
/// roles with `prune: report`, the account's custom roles, organizations and groups, and
/// the users in a deterministic order (admins, agents, end-users; by email, then name).
#[must_use]
pub fn to_document(state: &LiveState, scope: ExportScope) -> Document {
    let roles = scope.roles();
    let group_name = |id: u64| {
        state
            .groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.clone())
    };
    let organization_name = |id: u64| {
        state
            .organizations
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
    };
    let custom_role_name = |id: u64| {
        state
            .custom_roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
    };

    let mut users: Vec<&LiveUser> = state
        .users
        .values()
        .filter(|u| u.active && roles.contains(&u.role))
        .map(AsRef::as_ref)
        .collect();
    users.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.role),
            a.email.as_deref().map(str::to_lowercase),
            &a.name,
            a.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.role),
                b.email.as_deref().map(str::to_lowercase),
                &b.name,
                b.id,
            ))
    });
    let users = users
        .into_iter()
        .map(|live| {
            let groups: Vec<String> = state
                .group_memberships
                .iter()
                .filter(|m| m.user_id == live.id)
                .filter_map(|m| group_name(m.target_id))
                .collect();
            let organizations: Vec<String> = state
                .organization_memberships
                .iter()
                .flatten()
                .filter(|m| m.user_id == live.id)
                .filter_map(|m| organization_name(m.target_id))
                .collect();
            let profile = Profile {
                role: Some(located(live.role)),
                custom_role: match (live.role, live.custom_role_id.and_then(custom_role_name)) {
                    (Role::Agent, Some(name)) => Field::Value(located(name)),
                    _ => Field::Absent,
                },
                organization: live
                    .organization_id
                    .and_then(organization_name)
                    .map_or(Field::Absent, |n| Field::Value(located(n))),
                organizations: (organizations.len() > 1).then(|| names(organizations)),
                groups: (live.role.is_agent() && !groups.is_empty()).then(|| names(groups)),
                default_group: match live.default_group_id.and_then(group_name) {
                    Some(name) if live.role.is_agent() => Field::Value(located(name)),
                    _ => Field::Absent,
                },
                tags: (!live.tags.is_empty()).then(|| names(live.tags.clone())),
                user_fields: live
                    .user_fields
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), located(v.clone())))
                    .collect(),
                suspended: live.suspended.then(|| located(true)),
                alias: text(live.alias.as_deref()),
                details: text(live.details.as_deref()),
                notes: text(live.notes.as_deref()),
                signature: text(live.signature.as_deref()),
                phone: text(live.phone.as_deref()),
                locale: live.locale.as_deref().map(str::to_owned).map(located),
                time_zone: live.time_zone.as_deref().map(str::to_owned).map(located),
                moderator: live.moderator.then(|| located(true)),
                ticket_restriction: Field::Absent,
                only_private_comments: live.only_private_comments.then(|| located(true)),
                verified: None,
            };
            User {
                name: Some(located(live.name.clone())),
                email: live.email.clone().map(located),
                external_id: live.external_id.clone().map(located),
                profile,
                ..User::default()
            }
        })
        .collect();

    let mut custom_roles: Vec<CustomRole> = state
        .custom_roles
        .iter()
        .filter(|r| r.role_type == Some(0) || r.role_type.is_none())
        .map(|r| CustomRole {
            name: located(r.name.clone()),
            description: text(r.description.as_deref()),
            configuration: r
                .configuration
                .iter()
                .map(|(k, v)| (k.clone(), located(v.clone())))
                .collect::<BTreeMap<_, _>>(),
            ..CustomRole::default()
        })
        .collect();
    custom_roles.sort_by_key(|r| r.name.value.to_lowercase());
    let mut organizations: Vec<Organization> = state
        .organizations
        .iter()
        .map(|o| Organization {
            name: located(o.name.clone()),
            external_id: o.external_id.clone().map(located),
            domain_names: (!o.domain_names.is_empty()).then(|| names(o.domain_names.clone())),
            details: text(o.details.as_deref()),
            notes: text(o.notes.as_deref()),
            tags: (!o.tags.is_empty()).then(|| names(o.tags.clone())),
            ..Organization::default()
        })
        .collect();
    organizations.sort_by_key(|o| o.name.value.to_lowercase());
    let mut groups: Vec<Group> = state
        .groups
        .iter()
        .map(|g| Group {
            name: located(g.name.clone()),
            description: text(g.description.as_deref()),
            ..Group::default()
        })
        .collect();
    groups.sort_by_key(|g| g.name.value.to_lowercase());

    Document {
        version: Some(1),
        settings: Some(Settings {
            manage: Manage {
                roles: roles.into_iter().map(located).collect(),
                tags: Vec::new(),
            },
            prune: Prune::Report,
            ..Settings::default()
        }),
        custom_roles,
        organizations,
        groups,
        users,
        ..Document::default()
    }
}

/// The document as YAML, with the schema comment on top so editors validate it.
pub fn to_yaml(document: &Document, schema: &str) -> Result<String, serde_saphyr::ser::Error> {
    let body = serde_saphyr::to_string(document)?;
    Ok(format!(
        "# yaml-language-server: $schema={schema}\n# Exported from Zendesk by zroster.\n{body}"
    ))
}
