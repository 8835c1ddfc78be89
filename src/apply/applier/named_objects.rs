//! Custom roles, organizations and groups: few, so one request each, in plan order. Their
//! new ids go into the run's names, for the users that refer to them.

use super::Applier;
use crate::apply::body::object_body;
use crate::apply::run::Run;
use crate::plan::{Change, Named};
use crate::zendesk::{ReadClient, WriteClient};

/// Creates and updates the named objects of one kind.
pub(in crate::apply) struct NamedObjects(pub(in crate::apply) Named);

impl Applier for NamedObjects {
    fn takes(&self, change: &Change) -> bool {
        change.kind.named() == Some(self.0)
    }

    async fn apply(&self, client: &WriteClient, run: &mut Run<'_>, items: Vec<usize>) {
        let kind = self.0;
        let operation = match kind {
            Named::CustomRole => "custom_roles",
            Named::Organization => "organizations",
            Named::Group => "groups",
        };
        for i in items {
            run.begin(operation, &[i]);
            let change = &run.plan.changes[i];
            let body = object_body(change);
            // The interrupted run may have created it: update that one rather than make a
            // second.
            let existing = if run.resuming && change.id.is_none() {
                find(client, kind, &change.label).await
            } else {
                None
            };
            let result = match (kind, change.id.or(existing)) {
                (Named::CustomRole, None) => client.create_custom_role(&body).await.map(|o| o.id),
                (Named::CustomRole, Some(id)) => {
                    client.update_custom_role(id, &body).await.map(|o| o.id)
                }
                (Named::Organization, None) => {
                    client.create_organization(&body).await.map(|o| o.id)
                }
                (Named::Organization, Some(id)) => {
                    client.update_organization(id, &body).await.map(|o| o.id)
                }
                (Named::Group, None) => client.create_group(&body).await.map(|o| o.id),
                (Named::Group, Some(id)) => client.update_group(id, &body).await.map(|o| o.id),
            };
            match result {
                Ok(id) => {
                    run.names.set(kind, &change.label, Some(id));
                    run.applied(i, Some(id));
                }
                Err(error) => run.error(i, &error),
            }
            run.flush_journal();
        }
    }
}

/// The id of the live custom role, organization or group named `name`, if any.
async fn find(client: &ReadClient, kind: Named, name: &str) -> Option<u64> {
    match kind {
        Named::CustomRole => client
            .custom_roles()
            .await
            .ok()?
            .into_iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .map(|r| r.id),
        Named::Organization => client
            .search_organizations_by_name(name)
            .await
            .ok()?
            .into_iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .map(|o| o.id),
        Named::Group => client
            .groups()
            .collect_all()
            .await
            .ok()?
            .into_iter()
            .find(|g| !g.deleted && g.name.eq_ignore_ascii_case(name))
            .map(|g| g.id),
    }
}
