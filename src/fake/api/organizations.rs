//! `/organizations`: list (by id with cursors, by name with offsets), `show_many`, `search`
//! by name or external id, one organization, and the writes (bulk ones queue jobs).

use serde_json::{Value, json};

use super::{
    Context, ReadContext, Reply, Result, extra_params, ids_or_external_ids, item_key, objects,
    offset_envelope, parse_id, root, root_list, to_json,
};
use crate::fake::api_error::ApiError;
use crate::fake::job_status::{JobItem, UserKey};
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::store::Store;

/// Answers `GET /organizations…`; `None` for a path that is not an organization route.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["organizations"] => list_organizations(store, q),
        ["organizations", "show_many"] => {
            let keys = ids_or_external_ids(q)?.unwrap_or_default();
            let mut orgs: Vec<_> = keys
                .iter()
                .filter_map(|k| match k {
                    UserKey::Id(id) => store.organizations.get(id),
                    UserKey::ExternalId(e) => store
                        .organization_by_external_id(e)
                        .and_then(|id| store.organizations.get(&id)),
                    UserKey::Missing => None,
                })
                .collect();
            orgs.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
            orgs.dedup_by_key(|o| o.id);
            Ok(Reply::ok(offset_envelope(
                "organizations",
                orgs.into_iter().map(to_json).collect(),
            )))
        }
        ["organizations", "search"] => {
            let found: Vec<Value> = if let Some(ext) = q.get("external_id") {
                store
                    .organization_by_external_id(ext)
                    .and_then(|id| store.organizations.get(&id))
                    .map(to_json)
                    .into_iter()
                    .collect()
            } else if let Some(name) = q.get("name") {
                store
                    .organizations
                    .values()
                    .filter(|o| o.name.eq_ignore_ascii_case(name.trim()))
                    .map(to_json)
                    .collect()
            } else {
                return Err(ApiError::parameter_missing("name"));
            };
            Ok(Reply::ok(offset_envelope("organizations", found)))
        }
        ["organizations", id] => Ok(Reply::ok(
            json!({"organization": to_json(store.organization(parse_id(id)?)?)}),
        )),
        ["users", uid, "organizations"] => {
            // A user's organizations, by name like the offset listing.
            let uid = parse_id(uid)?;
            store.active_user_ref(uid)?;
            let mut orgs: Vec<_> = store
                .organization_memberships
                .values()
                .filter(|m| m.user_id == uid)
                .filter_map(|m| store.organizations.get(&m.organization_id))
                .collect();
            orgs.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
            Ok(Reply::ok(offset_envelope(
                "organizations",
                orgs.into_iter().map(to_json).collect(),
            )))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the organization writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["organizations"]) => {
            let id = store.create_organization(root(body, "organization")?)?;
            let org = to_json(store.organization(id)?);
            Ok(Reply::created(
                json!({"organization": org}),
                store.object_url(&format!("organizations/{id}")),
            ))
        }
        ("POST", ["organizations", "create_or_update"]) => {
            // Matches by `id`, then `external_id` (Zendesk's documentation); 201 when created.
            let map = root(body, "organization")?;
            let input_id = map.get("id").and_then(Value::as_u64);
            let matched = input_id
                .filter(|id| store.organizations.contains_key(id))
                .or_else(|| {
                    map.get("external_id")
                        .and_then(Value::as_str)
                        .and_then(|e| store.organization_by_external_id(e))
                });
            if let Some(id) = matched {
                let mut changes = map.clone();
                changes.remove("id");
                store.update_organization(id, &changes)?;
                Ok(Reply::ok(
                    json!({"organization": to_json(store.organization(id)?)}),
                ))
            } else {
                let id = store.create_organization(map)?;
                Ok(Reply::created(
                    json!({"organization": to_json(store.organization(id)?)}),
                    store.object_url(&format!("organizations/{id}")),
                ))
            }
        }
        ("POST", ["organizations", "create_many"]) => {
            let list = root_list(body, "organizations")?;
            if list.len() > 100 {
                return Err(ApiError::too_many_values());
            }
            let items = objects(list, "organizations")?
                .into_iter()
                .map(JobItem::CreateOrganization)
                .collect();
            ctx.submit(
                store,
                "Bulk Create Organization",
                "Creating organization",
                items,
            )
        }
        ("PUT", ["organizations", "update_many"]) => {
            let items: Vec<JobItem> = if let Some(keys) = ids_or_external_ids(q)? {
                let changes = root(body, "organization")?;
                keys.into_iter()
                    .map(|key| JobItem::UpdateOrganization {
                        key,
                        changes: changes.clone(),
                    })
                    .collect()
            } else {
                let list = root_list(body, "organizations")?;
                if list.len() > 100 {
                    return Err(ApiError::too_many_values());
                }
                objects(list, "organizations")?
                    .into_iter()
                    .map(|mut changes| {
                        let key = item_key(&mut changes);
                        JobItem::UpdateOrganization { key, changes }
                    })
                    .collect()
            };
            ctx.submit(
                store,
                "Bulk Update Organization",
                "Updating organization",
                items,
            )
        }
        ("DELETE", ["organizations", "destroy_many"]) => {
            let keys = ids_or_external_ids(q)?.ok_or_else(|| ApiError::parameter_missing("ids"))?;
            let items = keys.into_iter().map(JobItem::DeleteOrganization).collect();
            ctx.submit(
                store,
                "Bulk Delete Organization",
                "Deleting Organization",
                items,
            )
        }
        ("PUT", ["organizations", id]) => {
            let id = parse_id(id)?;
            store.update_organization(id, root(body, "organization")?)?;
            Ok(Reply::ok(
                json!({"organization": to_json(store.organization(id)?)}),
            ))
        }
        ("DELETE", ["organizations", id]) => {
            store.delete_organization(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

fn list_organizations(store: &Store, q: &Query) -> Result<Reply> {
    let request = PageRequest::parse(q, 100)?;
    let url = store.url("organizations");
    let extra = extra_params(q);
    let body = match request {
        PageRequest::Cursor { .. } => {
            let items = store.organizations.values().map(|o| (SortKey::Id(o.id), o));
            render_page("organizations", items, &request, &url, &extra)
        }
        PageRequest::Offset { .. } => {
            // Offset mode lists by name, case-insensitively (as recorded).
            let mut orgs: Vec<_> = store.organizations.values().collect();
            orgs.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
            let items = orgs.into_iter().map(|o| (SortKey::Id(o.id), o));
            render_page("organizations", items, &request, &url, &extra)
        }
    };
    Ok(Reply::raw(body))
}
