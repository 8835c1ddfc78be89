//! [`LiveObjects`]: the custom roles, organizations or groups the account holds under the
//! names (and ids) a run is about to create or confirm, read right before it writes, and
//! whether one of them is already what a change plans ([`LiveObjects::holds`]).
//!
//! What one lookup costs, by kind, and why:
//! - custom roles: `GET /custom_roles`, one request (Zendesk lists them all at once);
//! - groups: `GET /groups`, one request a hundred groups. Zendesk has no search of groups by
//!   name other than the search index, which lags behind writes by minutes (API.md §12):
//!   exactly the window a lost answer or a concurrent run falls into. Accounts hold tens of
//!   groups, so one listing for every group of the phase is the cheapest exact read;
//! - organizations: `GET /organizations/search?name=` (exact, case-insensitive, one request
//!   a name) and `show_many?ids=` for those known by id. Accounts may hold tens of thousands
//!   of organizations, and a run creates a few, so a search a name beats the listing.

use serde_json::Value;

use crate::plan::{Change, MatchKey, Named};
use crate::zendesk::{ReadClient, ZendeskError};

/// One live custom role, organization or group.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::apply) struct LiveObject {
    /// Its id.
    pub(in crate::apply) id: u64,
    /// Its name.
    pub(in crate::apply) name: String,
    /// Its external id (organizations).
    pub(in crate::apply) external_id: Option<String>,
    /// Its JSON as Zendesk sent it, to compare with a change's request body.
    pub(in crate::apply) json: Value,
}

/// The live objects of one kind a lookup found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::apply) struct LiveObjects {
    objects: Vec<LiveObject>,
}

impl LiveObjects {
    /// Reads the live objects of `kind` that may be the ones named `names` or numbered
    /// `ids` (see the module's documentation for the requests it makes).
    pub(in crate::apply) async fn look_up(
        client: &ReadClient,
        kind: Named,
        names: &[&str],
        ids: &[u64],
    ) -> Result<Self, ZendeskError> {
        let objects: Vec<LiveObject> = match kind {
            Named::CustomRole => client
                .custom_roles()
                .await?
                .into_iter()
                .map(|role| LiveObject {
                    id: role.id,
                    name: role.name.clone(),
                    external_id: None,
                    json: serde_json::to_value(&role).unwrap_or_default(),
                })
                .collect(),
            Named::Group => client
                .groups()
                .collect_all()
                .await?
                .into_iter()
                .filter(|group| !group.deleted)
                .map(|group| LiveObject {
                    id: group.id,
                    name: group.name.clone(),
                    external_id: None,
                    json: serde_json::to_value(&group).unwrap_or_default(),
                })
                .collect(),
            Named::Organization => {
                let mut found = if ids.is_empty() {
                    Vec::new()
                } else {
                    client.organizations_by_ids(ids).await?
                };
                for name in names {
                    found.extend(client.search_organizations_by_name(name).await?);
                }
                found
                    .into_iter()
                    .map(|organization| LiveObject {
                        id: organization.id,
                        name: organization.name.clone(),
                        external_id: organization.external_id.clone(),
                        json: serde_json::to_value(&organization).unwrap_or_default(),
                    })
                    .collect()
            }
        };
        let mut objects: Vec<LiveObject> = objects
            .into_iter()
            .filter(|o| ids.contains(&o.id) || names.iter().any(|n| same_name(n, &o.name)))
            .collect();
        objects.sort_by_key(|o| o.id);
        objects.dedup_by_key(|o| o.id);
        Ok(Self { objects })
    }

    /// Objects as found (tests).
    #[cfg(test)]
    pub(in crate::apply) fn of(objects: Vec<LiveObject>) -> Self {
        let mut objects = objects;
        objects.sort_by_key(|o| o.id);
        Self { objects }
    }

    /// The object with this id.
    pub(in crate::apply) fn by_id(&self, id: u64) -> Option<&LiveObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// The live object `change` creates: the one with its external id when it has one
    /// (organizations), else the one with its name; of several, the oldest (lowest id),
    /// which is the one every run picks.
    pub(in crate::apply) fn find(&self, change: &Change) -> Option<&LiveObject> {
        if let MatchKey::ExternalId(external_id) = &change.key
            && let Some(found) = self.objects.iter().find(|o| {
                o.external_id
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase() == external_id.to_lowercase())
            })
        {
            return Some(found);
        }
        self.objects
            .iter()
            .find(|o| same_name(&change.label, &o.name))
    }

    /// Whether `live` holds every value of `body` (a change's request body), by Zendesk's
    /// normalisations: text `""` is `null`, external ids and the names of custom roles and
    /// groups compare without case, lists (domain names, tags) without order or case.
    pub(in crate::apply) fn holds(
        kind: Named,
        body: &serde_json::Map<String, Value>,
        live: &Value,
    ) -> bool {
        body.iter().all(|(key, want)| match (key.as_str(), want) {
            ("configuration", Value::Object(inner)) => inner
                .iter()
                .all(|(k, v)| same_value(false, v, live.get(key).and_then(|c| c.get(k)))),
            ("external_id", _) => same_value(true, want, live.get(key)),
            ("name", _) => same_value(kind != Named::Organization, want, live.get(key)),
            _ => same_value(false, want, live.get(key)),
        })
    }
}

/// Names compare without case and surrounding blanks (Zendesk trims them).
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// One value of a request body against the live one.
fn same_value(ignore_case: bool, want: &Value, live: Option<&Value>) -> bool {
    let live = live.unwrap_or(&Value::Null);
    let text = |value: &Value| match value {
        Value::Null => Some(None),
        Value::String(s) if s.trim_end().is_empty() => Some(None),
        Value::String(s) => Some(Some(if ignore_case {
            s.trim_end().to_lowercase()
        } else {
            s.trim_end().to_owned()
        })),
        _ => None,
    };
    let list = |value: &Value| {
        let mut items: Vec<String> = value
            .as_array()?
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_lowercase))
            .collect();
        items.sort();
        items.dedup();
        Some(items)
    };
    match (want, live) {
        (Value::Array(_), _) => list(want) == list(live).or_else(|| live.is_null().then(Vec::new)),
        (Value::Null | Value::String(_), _) => text(want).is_some() && text(want) == text(live),
        _ => want == live,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{LiveObject, LiveObjects};
    use crate::plan::{Action, Change, Kind, MatchKey, Named};

    fn object(id: u64, name: &str, external_id: Option<&str>) -> LiveObject {
        LiveObject {
            id,
            name: name.to_owned(),
            external_id: external_id.map(str::to_owned),
            json: json!({"id": id, "name": name, "external_id": external_id}),
        }
    }

    fn create(kind: Kind, key: MatchKey, label: &str) -> Change {
        Change {
            kind,
            action: Action::Create,
            key,
            label: label.to_owned(),
            id: None,
            target: None,
            target_id: None,
            fields: Vec::new(),
            source: None,
            blocked: None,
            escalation: None,
            notes: Vec::new(),
            implies: Vec::new(),
        }
    }

    #[test]
    fn the_oldest_object_of_a_name_is_found_and_an_external_id_comes_first() {
        let live = LiveObjects::of(vec![
            object(12, "Billing", None),
            object(10, "billing ", None),
            object(11, "Acme", Some("ORG-1")),
        ]);
        let group = create(Kind::Group, MatchKey::Name("Billing".into()), "Billing");
        assert_eq!(live.find(&group).map(|o| o.id), Some(10));
        // An organization is its external id's, whatever it is called now.
        let renamed = create(
            Kind::Organization,
            MatchKey::ExternalId("org-1".into()),
            "Acme Corp",
        );
        assert_eq!(live.find(&renamed).map(|o| o.id), Some(11));
        let absent = create(Kind::Group, MatchKey::Name("Tier 3".into()), "Tier 3");
        assert_eq!(live.find(&absent), None);
    }

    #[test]
    fn a_live_object_holds_a_body_by_zendesks_normalisations() {
        let body = |value: Value| value.as_object().unwrap().clone();
        let group = json!({"id": 1, "name": "Billing", "description": "", "is_public": true});
        assert!(LiveObjects::holds(
            Named::Group,
            &body(json!({"name": "billing", "description": null})),
            &group
        ));
        assert!(!LiveObjects::holds(
            Named::Group,
            &body(json!({"name": "Billing", "description": "Invoices"})),
            &group
        ));
        assert!(!LiveObjects::holds(
            Named::Group,
            &body(json!({"is_public": false})),
            &group
        ));
        let organization = json!({"id": 2, "name": "Acme", "external_id": "ORG-1",
            "domain_names": ["b.com", "A.com"], "tags": []});
        assert!(LiveObjects::holds(
            Named::Organization,
            &body(json!({"name": "Acme", "external_id": "org-1",
                "domain_names": ["a.com", "b.com"], "tags": []})),
            &organization
        ));
        // An organization's name is kept as written: a change of case is a rename.
        assert!(!LiveObjects::holds(
            Named::Organization,
            &body(json!({"name": "ACME"})),
            &organization
        ));
        let role = json!({"id": 3, "name": "Tier 1",
            "configuration": {"ticket_access": "within-groups", "chat_access": true}});
        assert!(LiveObjects::holds(
            Named::CustomRole,
            &body(json!({"name": "Tier 1", "configuration": {"ticket_access": "within-groups"}})),
            &role
        ));
        assert!(!LiveObjects::holds(
            Named::CustomRole,
            &body(json!({"configuration": {"ticket_access": "all"}})),
            &role
        ));
    }
}
