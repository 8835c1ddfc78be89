//! `/users`: list (cursor or offset), `show_many`, `search`, `me`, one user, and the writes
//! (create, `create_or_update`, update, soft delete, and the bulk endpoints that queue jobs).

use serde_json::{Value, json};

use super::{
    Context, ReadContext, Reply, Result, extra_params, ids_or_external_ids, item_key, objects,
    offset_envelope, parse_id, root, root_list, to_json,
};
use crate::fake::api_error::ApiError;
use crate::fake::job_status::{JobItem, UserKey};
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::search_index::parse_query;
use crate::fake::store::Store;
use crate::fake::user::{Role, User};

/// Answers `GET /users…`; `None` for a path that is not a user route.
pub(super) fn get(
    store: &Store,
    ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["users"] => list_users(store, q),
        ["users", "me"] => {
            let id = ctx.me.ok_or_else(ApiError::unauthorized)?;
            Ok(Reply::ok(json!({"user": store.user(id)?.to_me_json()})))
        }
        ["users", "show_many"] => {
            let keys = ids_or_external_ids(q)?.unwrap_or_default();
            let include_deleted = q.get("include_deleted") == Some("true");
            let mut users: Vec<&User> = keys
                .iter()
                .filter_map(|k| match k {
                    UserKey::Id(id) => store.users.get(id),
                    UserKey::ExternalId(e) => store
                        .user_by_external_id(e)
                        .and_then(|id| store.users.get(&id)),
                    UserKey::Missing => None,
                })
                .filter(|u| u.active || include_deleted)
                .collect();
            users.sort_by_key(|u| u.id);
            users.dedup_by_key(|u| u.id);
            let sideloaded = q
                .get("include")
                .is_some_and(|list| list.split(',').any(|name| name.trim() == "identities"));
            // The users' identities beside them (`include=identities`): every identity of
            // every active user answered, as `users/{id}/identities` lists them.
            let identities: Option<Vec<Value>> = sideloaded.then(|| {
                users
                    .iter()
                    .filter(|u| u.active)
                    .flat_map(|u| store.user_identities(u.id).unwrap_or_default())
                    .map(to_json)
                    .collect()
            });
            let mut body = offset_envelope("users", users.into_iter().map(User::to_json).collect());
            if let (Some(identities), Some(body)) = (identities, body.as_object_mut()) {
                body.insert("identities".into(), Value::Array(identities));
            }
            Ok(Reply::ok(body))
        }
        ["users", "search"] => search_users(store, ctx, q),
        [parent @ ("groups" | "organizations"), id, "users"] => {
            list_members(store, q, parent, parse_id(id)?)
        }
        ["users", id] => Ok(Reply::ok(json!({"user": store.user_json(parse_id(id)?)?}))),
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the user writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["users"]) => {
            let id = store.create_user(root(body, "user")?)?;
            Ok(Reply::created(
                json!({"user": store.user_json(id)?}),
                store.object_url(&format!("users/{id}")),
            ))
        }
        ("POST", ["users", "create_or_update"]) => {
            let (id, created) = store.create_or_update_user(root(body, "user")?)?;
            let user = json!({"user": store.user_json(id)?});
            let location = store.object_url(&format!("users/{id}"));
            Ok(if created {
                Reply::created(user, location)
            } else {
                // An update answers 200 and still sends `Location` (recorded).
                Reply::ok(user).with_location(location)
            })
        }
        ("POST", ["users", op @ ("create_many" | "create_or_update_many")]) => {
            let list = root_list(body, "users")?;
            if list.len() > 100 {
                return Err(ApiError::too_many_users_created());
            }
            if !ctx.knobs.bulk_imports {
                return Err(ApiError::forbidden(
                    "Bulk user imports are not enabled for this account",
                ));
            }
            let maps = objects(list, "users")?;
            if *op == "create_many" {
                let items = maps.into_iter().map(JobItem::CreateUser).collect();
                ctx.submit(store, "Bulk Create User", "Creating User", items)
            } else {
                let items = maps.into_iter().map(JobItem::CreateOrUpdateUser).collect();
                ctx.submit(store, "Bulk Create Or Update User", "Creating User", items)
            }
        }
        ("PUT", ["users", "update_many"]) => {
            let items: Vec<JobItem> = if let Some(keys) = ids_or_external_ids(q)? {
                if let Some(list) = body.and_then(|b| b.get("users")).and_then(Value::as_array) {
                    // zenpy's update_many_external: keys in the query, changes per item.
                    objects(list, "users")?
                        .into_iter()
                        .zip(keys)
                        .map(|(changes, key)| JobItem::UpdateUser { key, changes })
                        .collect()
                } else {
                    let changes = root(body, "user")?;
                    keys.into_iter()
                        .map(|key| JobItem::UpdateUser {
                            key,
                            changes: changes.clone(),
                        })
                        .collect()
                }
            } else {
                let list = root_list(body, "users")?;
                if list.len() > 100 {
                    return Err(ApiError::too_many_values());
                }
                objects(list, "users")?
                    .into_iter()
                    .map(|mut changes| {
                        let key = item_key(&mut changes);
                        JobItem::UpdateUser { key, changes }
                    })
                    .collect()
            };
            ctx.submit(store, "Bulk Update User", "Updating user", items)
        }
        ("DELETE", ["users", "destroy_many"]) => {
            let keys = ids_or_external_ids(q)?.ok_or_else(|| ApiError::parameter_missing("ids"))?;
            let items = keys.into_iter().map(JobItem::DeleteUser).collect();
            ctx.submit(store, "Bulk Update User", "Updating user", items)
        }
        ("PUT", ["users", id]) => {
            let id = parse_id(id)?;
            store.update_user(id, root(body, "user")?)?;
            Ok(Reply::ok(json!({"user": store.user_json(id)?})))
        }
        ("DELETE", ["users", id]) => {
            let id = parse_id(id)?;
            store.delete_user(id)?;
            Ok(Reply::ok(json!({"user": store.user_json(id)?})))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// The role filter of `GET /users` (`role`, `role[]`, `permission_set`, `external_id`).
fn user_filter(q: &Query) -> impl Fn(&User) -> bool + use<> {
    let roles: Vec<Role> = q
        .all("role[]")
        .into_iter()
        .chain(q.get("role"))
        .filter_map(Role::parse)
        .collect();
    let any_role_given = q.get("role").is_some() || !q.all("role[]").is_empty();
    let permission_set: Option<u64> = q.get("permission_set").and_then(|p| p.parse().ok());
    let permission_given = q.get("permission_set").is_some();
    let external_id = q.get("external_id").map(str::to_lowercase);
    move |u: &User| {
        u.active
            && (!any_role_given || roles.contains(&u.role))
            && (!permission_given
                || (permission_set.is_some() && u.custom_role_id == permission_set))
            && external_id.as_ref().is_none_or(|e| {
                u.external_id
                    .as_ref()
                    .is_some_and(|x| x.to_lowercase() == *e)
            })
    }
}

fn list_users(store: &Store, q: &Query) -> Result<Reply> {
    let request = PageRequest::parse(q, 100)?;
    let keep = user_filter(q);
    let from = match &request {
        PageRequest::Cursor {
            after: Some(SortKey::Id(id)),
            before: None,
            ..
        } => id.saturating_add(1),
        _ => 0,
    };
    let items = store
        .users_from(from)
        .filter(|u| keep(u))
        .map(|u| (SortKey::Id(u.id), u));
    Ok(Reply::raw(render_page(
        "users",
        items,
        &request,
        &store.url("users"),
        &extra_params(q),
    )))
}

/// `GET /groups/{id}/users` and `GET /organizations/{id}/users`: the members, by id.
fn list_members(store: &Store, q: &Query, parent: &str, id: u64) -> Result<Reply> {
    let members: std::collections::BTreeSet<u64> = if parent == "groups" {
        store.group(id)?;
        store
            .group_memberships
            .values()
            .filter(|m| m.group_id == id)
            .map(|m| m.user_id)
            .collect()
    } else {
        store.organization(id)?;
        store
            .organization_memberships
            .values()
            .filter(|m| m.organization_id == id)
            .map(|m| m.user_id)
            .collect()
    };
    let request = PageRequest::parse(q, 100)?;
    let from = match &request {
        PageRequest::Cursor {
            after: Some(SortKey::Id(id)),
            before: None,
            ..
        } => id.saturating_add(1),
        _ => 0,
    };
    let items = members
        .range(from..)
        .filter_map(|id| store.users.get(id))
        .filter(|u| u.active)
        .map(|u| (SortKey::Id(u.id), u));
    Ok(Reply::raw(render_page(
        "users",
        items,
        &request,
        &store.url(&format!("{parent}/{id}/users")),
        &extra_params(q),
    )))
}

/// `users/search`: by `external_id=` straight from the account (no lag, as recorded), or by
/// `query=` through the search index, which lags behind changes
/// ([`search_lag_s`](crate::fake::Knobs::search_lag_s)).
///
/// `email:` (and a bare address) match every email identity of the user, not only the
/// primary one: a recording shows a hit by an address made secondary seconds before
/// (`grouparoo__users-export-record.json` [74]). Hits are the users as they are now; deleted
/// users are never returned (recorded within 1-2 s of the deletion).
fn search_users(store: &Store, ctx: &ReadContext<'_>, q: &Query) -> Result<Reply> {
    let request = match PageRequest::parse(q, 100)? {
        PageRequest::Cursor { .. } => PageRequest::Offset {
            page: 1,
            per_page: 100,
            per_page_given: false,
        },
        offset @ PageRequest::Offset { .. } => offset,
    };
    let url = store.url("users/search");
    let extra = extra_params(q);
    if let Some(ext) = q.get("external_id") {
        let items = store
            .user_by_external_id(ext)
            .and_then(|id| store.users.get(&id))
            .filter(|u| u.active)
            .map(|u| (SortKey::Id(u.id), u))
            .into_iter();
        return Ok(Reply::raw(render_page(
            "users", items, &request, &url, &extra,
        )));
    }
    if ctx.knobs.users_search_cap == crate::fake::UsersSearchCap::OneThousand
        && let PageRequest::Offset { page, per_page, .. } = request
        && (page - 1).saturating_mul(per_page) >= 1_000
    {
        // Which cap applies to `users/search` is UNCERTAIN (the `users_search_cap` knob);
        // this one answers as `/search` does.
        return Err(ApiError::bad_request(
            "QueryError",
            "Search results are limited to the first 1000; use /search/export for more",
        ));
    }
    let conditions = parse_query(q.get("query").unwrap_or_default());
    let found = super::search::found_users(store, &conditions, ctx.knobs.search_lag_s);
    let items = found
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (SortKey::Id(u.id), u));
    Ok(Reply::raw(render_page(
        "users", items, &request, &url, &extra,
    )))
}
