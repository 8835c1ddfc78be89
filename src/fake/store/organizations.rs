//! Organizations in the store: unique names and external ids, and their memberships going
//! with them.

use serde_json::{Map, Value};

use super::Store;
use crate::fake::api_error::{ApiError, Details};
use crate::fake::input::Input;
use crate::fake::organization::Organization;
use crate::fake::organization_membership::OrganizationMembership;

impl Store {
    /// The organization with this id.
    pub fn organization(&self, id: u64) -> Result<&Organization, ApiError> {
        self.organizations.get(&id).ok_or_else(ApiError::not_found)
    }

    fn organization_by_name(&self, name: &str) -> Option<u64> {
        self.organizations
            .values()
            .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
            .map(|o| o.id)
    }

    /// The organization with this external id, case-insensitively.
    #[must_use]
    pub fn organization_by_external_id(&self, external_id: &str) -> Option<u64> {
        self.organizations
            .values()
            .find(|o| {
                o.external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(external_id))
            })
            .map(|o| o.id)
    }

    fn apply_organization(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
        creating: bool,
    ) -> Result<(), ApiError> {
        let input = Input(map);
        let mut details = Details::default();
        let name = match input.string("name")? {
            Some(Some(name)) if !name.trim().is_empty() => Some(name.trim().to_owned()),
            Some(_) => {
                details.push("name", "Name: cannot be blank".into(), Some("BlankValue"));
                None
            }
            None if creating => {
                details.push("name", "Name: cannot be blank".into(), Some("BlankValue"));
                None
            }
            None => None,
        };
        if let Some(name) = &name
            && self
                .organization_by_name(name)
                .is_some_and(|other| other != id)
        {
            details.push(
                "name",
                format!("Name:  {name} has already been taken"),
                Some("DuplicateValue"),
            );
        }
        let external_id = input
            .string("external_id")?
            .map(|e| e.filter(|e| !e.is_empty()));
        if let Some(Some(ext)) = &external_id
            && self
                .organization_by_external_id(ext)
                .is_some_and(|other| other != id)
        {
            details.push(
                "external_id",
                format!("External ID: {ext} has already been taken"),
                Some("DuplicateValue"),
            );
        }
        let group_id = input.id("group_id")?;
        if let Some(Some(g)) = group_id
            && !self.groups.contains_key(&g)
        {
            details.push(
                "group_id",
                format!("Group: {g} does not exist"),
                Some("InvalidValue"),
            );
        }
        let domain_names = input.string_list("domain_names")?;
        let tags = input.string_list("tags")?;
        let fields = input.object("organization_fields")?;
        let shared_tickets = input.boolean("shared_tickets")?;
        let shared_comments = input.boolean("shared_comments")?;
        let texts = [
            ("details", input.string("details")?),
            ("notes", input.string("notes")?),
        ];
        if !details.is_empty() {
            return Err(ApiError::record_invalid(details));
        }
        let now = self.now();
        let org = self.organizations.get_mut(&id).expect("exists");
        if let Some(name) = name {
            org.name = name;
        }
        if let Some(ext) = external_id {
            org.external_id = ext;
        }
        if let Some(g) = group_id {
            org.group_id = g;
        }
        if let Some(d) = domain_names {
            org.domain_names = d;
        }
        if let Some(t) = tags {
            org.tags = t;
        }
        if let Some(f) = fields {
            for (k, v) in f {
                org.organization_fields.insert(k, v);
            }
        }
        if let Some(v) = shared_tickets {
            org.shared_tickets = v;
        }
        if let Some(v) = shared_comments {
            org.shared_comments = v;
        }
        for (key, value) in texts {
            if let Some(value) = value {
                if key == "details" {
                    org.details = value;
                } else {
                    org.notes = value;
                }
            }
        }
        org.updated_at = now;
        let name = org.name.clone();
        for m in self
            .organization_memberships
            .values_mut()
            .filter(|m| m.organization_id == id)
        {
            m.organization_name.clone_from(&name);
        }
        Ok(())
    }

    /// Creates an organization; `seeding` (a state file) keeps its id and times.
    pub(crate) fn create_organization_with(
        &mut self,
        map: &Map<String, Value>,
        seeding: bool,
    ) -> Result<u64, ApiError> {
        let input = Input(map);
        let id = match input.id("id")? {
            Some(Some(id)) if seeding => id,
            _ => self.next_id(),
        };
        let now = self.now();
        self.organizations.insert(
            id,
            Organization {
                url: self.object_url(&format!("organizations/{id}")),
                id,
                name: String::new(),
                shared_tickets: false,
                shared_comments: false,
                external_id: None,
                created_at: now.clone(),
                updated_at: now,
                domain_names: Vec::new(),
                details: None,
                notes: None,
                group_id: None,
                tags: Vec::new(),
                organization_fields: Map::new(),
            },
        );
        if let Err(e) = self.apply_organization(id, map, true) {
            self.organizations.remove(&id);
            return Err(e);
        }
        if seeding {
            let org = self.organizations.get_mut(&id).expect("created");
            if let Some(Some(v)) = input.string("created_at")? {
                org.created_at = v;
            }
            if let Some(Some(v)) = input.string("updated_at")? {
                org.updated_at = v;
            }
        }
        Ok(id)
    }

    /// Creates an organization (POST /organizations).
    pub fn create_organization(&mut self, map: &Map<String, Value>) -> Result<u64, ApiError> {
        self.create_organization_with(map, false)
    }

    /// Updates an organization (PUT /organizations/{id}).
    pub fn update_organization(
        &mut self,
        id: u64,
        map: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        self.organization(id)?;
        self.apply_organization(id, map, false)
    }

    /// Deletes an organization and its memberships.
    pub fn delete_organization(&mut self, id: u64) -> Result<(), ApiError> {
        self.organization(id)?;
        self.remove_memberships_of::<OrganizationMembership>(id);
        self.organizations.remove(&id);
        Ok(())
    }
}
