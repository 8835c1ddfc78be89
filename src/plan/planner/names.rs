//! Resolving names: the custom roles, organizations and groups a roster names, found in
//! the roster's own sections first and the live account second (case-insensitively), and
//! how live ids are shown by name.

use std::collections::HashMap;

use super::Planner;
use crate::plan::named::{Named, NamedIds};
use crate::plan::{FieldValue, PlanError};
use crate::roster::{Located, Roster, Source};
use crate::state::LiveState;

/// A name resolved against the roster's sections, then the live account.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    /// The name as the roster's section or the live account spells it.
    pub(super) name: String,
    /// The live id, when the object exists already.
    pub(super) id: Option<u64>,
}

impl Planner<'_> {
    pub(super) fn custom_role(&self, name: &str) -> Option<Resolved> {
        self.custom_roles.get(&name.to_lowercase()).cloned()
    }

    pub(super) fn organization(&self, name: &str) -> Option<Resolved> {
        self.organizations.get(&name.to_lowercase()).cloned()
    }

    pub(super) fn group(&self, name: &str) -> Option<Resolved> {
        self.groups.get(&name.to_lowercase()).cloned()
    }

    pub(super) fn resolve(
        &mut self,
        what: &str,
        source: Source,
        name: &Located<String>,
        lookup: fn(&Self, &str) -> Option<Resolved>,
    ) -> Option<Resolved> {
        let resolved = lookup(self, &name.value);
        if resolved.is_none() {
            let place = self.locate_at(source, name.pos);
            self.errors.push(PlanError {
                source: place,
                message: format!(
                    "{what} `{}` is neither in the roster nor in the account",
                    name.value
                ),
            });
        }
        resolved
    }

    pub(super) fn organization_name(&self, id: Option<u64>) -> FieldValue {
        name_of(&self.organization_names, id)
    }

    pub(super) fn group_name(&self, id: Option<u64>) -> FieldValue {
        name_of(&self.group_names, id)
    }
}

/// The roster's and the account's names, for the user diff's reference fields.
impl NamedIds for Planner<'_> {
    fn id(&self, kind: Named, name: &str) -> Option<u64> {
        let resolved = match kind {
            Named::CustomRole => &self.custom_roles,
            Named::Organization => &self.organizations,
            Named::Group => &self.groups,
        };
        resolved.get(&name.to_lowercase()).and_then(|r| r.id)
    }

    fn show(&self, kind: Named, id: u64) -> FieldValue {
        let names = match kind {
            Named::CustomRole => &self.custom_role_names,
            Named::Organization => &self.organization_names,
            Named::Group => &self.group_names,
        };
        name_of(names, Some(id))
    }
}

/// The live name of an id as a plan shows it: the name, `#id` when unknown, `null` for none.
pub(super) fn name_of(names: &HashMap<u64, String>, id: Option<u64>) -> FieldValue {
    id.map_or(FieldValue::Null, |id| {
        FieldValue::Text(
            names
                .get(&id)
                .map_or_else(|| format!("#{id}"), Clone::clone),
        )
    })
}

/// Names of one kind: the account's, overridden by the roster's section (which keeps the
/// live id of the object it names, or none when the plan creates it).
pub(super) fn resolve_names<'a>(
    live: impl Iterator<Item = (&'a str, u64)>,
    roster: impl Iterator<Item = &'a str>,
) -> HashMap<String, Resolved> {
    let mut resolved: HashMap<String, Resolved> = live
        .map(|(name, id)| {
            let name = name.to_owned();
            (name.to_lowercase(), Resolved { name, id: Some(id) })
        })
        .collect();
    for name in roster {
        let key = name.to_lowercase();
        let id = resolved.get(&key).and_then(|r| r.id);
        resolved.insert(
            key,
            Resolved {
                name: name.to_owned(),
                id,
            },
        );
    }
    resolved
}

/// Custom role names: the roster's section first, then the account's.
pub(super) fn resolve_custom_roles(
    roster: &Roster,
    state: &LiveState,
) -> HashMap<String, Resolved> {
    resolve_names(
        state.custom_roles.iter().map(|r| (r.name.as_str(), r.id)),
        roster.custom_roles.iter().map(|r| r.name.value.as_str()),
    )
}

/// Organization names: the roster's section first (matched to the account by external id,
/// else by name), then the account's.
pub(super) fn resolve_organizations(
    roster: &Roster,
    state: &LiveState,
) -> HashMap<String, Resolved> {
    let mut resolved: HashMap<String, Resolved> = state
        .organizations
        .iter()
        .map(|o| {
            (
                o.name.to_lowercase(),
                Resolved {
                    name: o.name.clone(),
                    id: Some(o.id),
                },
            )
        })
        .collect();
    let by_external_id: HashMap<String, u64> = state
        .organizations
        .iter()
        .filter_map(|o| Some((o.external_id.as_ref()?.to_lowercase(), o.id)))
        .collect();
    for organization in &roster.organizations {
        let key = organization.name.value.to_lowercase();
        let id = organization
            .external_id
            .as_ref()
            .and_then(|e| by_external_id.get(&e.value.to_lowercase()).copied())
            .or_else(|| resolved.get(&key).and_then(|r| r.id));
        resolved.insert(
            key,
            Resolved {
                name: organization.name.value.clone(),
                id,
            },
        );
    }
    resolved
}

/// Group names: the roster's section first, then the account's.
pub(super) fn resolve_groups(roster: &Roster, state: &LiveState) -> HashMap<String, Resolved> {
    resolve_names(
        state.groups.iter().map(|g| (g.name.as_str(), g.id)),
        roster.groups.iter().map(|g| g.name.value.as_str()),
    )
}
