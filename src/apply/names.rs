//! [`Names`]: the ids of the custom roles, organizations and groups a plan names, seeded
//! from the plan's references and completed as the executor creates them.

use std::collections::HashMap;

use super::ItemError;
use crate::plan::{FieldValue, Named, NamedIds, References};

/// Ids of the custom roles, organizations and groups by lowercased name; `None` for those
/// the plan creates, until they are.
#[derive(Debug, Default)]
pub(super) struct Names {
    pub(super) custom_roles: HashMap<String, Option<u64>>,
    pub(super) organizations: HashMap<String, Option<u64>>,
    pub(super) groups: HashMap<String, Option<u64>>,
}

impl Names {
    /// The names of a plan's references.
    pub(super) fn from_references(references: &References) -> Self {
        let mut names = Names::default();
        for (kind, map) in [
            (Named::CustomRole, &references.custom_roles),
            (Named::Organization, &references.organizations),
            (Named::Group, &references.groups),
        ] {
            for (name, id) in map {
                names.set(kind, name, *id);
            }
        }
        names
    }

    fn map(&self, kind: Named) -> &HashMap<String, Option<u64>> {
        match kind {
            Named::CustomRole => &self.custom_roles,
            Named::Organization => &self.organizations,
            Named::Group => &self.groups,
        }
    }

    /// Records the id of the object of `kind` named `name` (`None`: not created).
    pub(super) fn set(&mut self, kind: Named, name: &str, id: Option<u64>) {
        let map = match kind {
            Named::CustomRole => &mut self.custom_roles,
            Named::Organization => &mut self.organizations,
            Named::Group => &mut self.groups,
        };
        map.insert(name.to_lowercase(), id);
    }

    /// The id of `name` of `kind`; an error when the plan was to create it and that failed.
    pub(super) fn require(&self, kind: Named, name: &str) -> Result<u64, ItemError> {
        match self.map(kind).get(&name.to_lowercase()) {
            Some(Some(id)) => Ok(*id),
            Some(None) => Err(ItemError::UnresolvedReference(format!(
                "`{name}` was not created"
            ))),
            None => Err(ItemError::UnresolvedReference(format!(
                "`{name}` is not among the plan's references"
            ))),
        }
    }
}

impl NamedIds for Names {
    fn id(&self, kind: Named, name: &str) -> Option<u64> {
        self.require(kind, name).ok()
    }

    /// A user's live reference shows as the id Zendesk holds.
    fn show(&self, _kind: Named, id: u64) -> FieldValue {
        FieldValue::Json(id.into())
    }
}
