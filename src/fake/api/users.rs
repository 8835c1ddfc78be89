//! `/users`: list (cursor or offset), `show_many`, `search`, `me`, one user, and the writes
//! (create, `create_or_update`, update, soft delete, and the bulk endpoints that queue jobs).

use serde_json::{Value, json};

use super::{
    Context, ReadContext, Reply, Result, extra_params, ids_or_external_ids, item_key, objects,
    offset_envelope, parse_id, root, root_list,
};
use crate::fake::api_error::ApiError;
use crate::fake::job_status::{JobItem, UserKey};
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
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
            Ok(Reply::ok(offset_envelope(
                "users",
                users.into_iter().map(User::to_json).collect(),
            )))
        }
        ["users", "search"] => search_users(store, q),
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
                store.url(&format!("users/{id}")),
            ))
        }
        ("POST", ["users", "create_or_update"]) => {
            let (id, created) = store.create_or_update_user(root(body, "user")?)?;
            let user = json!({"user": store.user_json(id)?});
            Ok(if created {
                Reply::created(user, store.url(&format!("users/{id}")))
            } else {
                Reply::ok(user)
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

/// One term of a user search query.
///
/// `email:` (and a bare term) match every email identity of the user, not only the primary
/// address. API.md §1.4 says only that `query` matches "email"; whether secondary addresses
/// count is UNCERTAIN. The emulator takes the reading in which a search can find the owner of
/// a secondary address (Zendesk's agent search does), and zroster's fetch never trusts a hit
/// whose primary address differs without reading that user's identities, so neither reading
/// can make it report a conflict that is not there.
fn term_matches(store: &Store, user: &User, term: &str) -> bool {
    fn wild(value: &str, pattern: &str) -> bool {
        let value = value.to_lowercase();
        let pattern = pattern.to_lowercase();
        match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
            (Some(rest), _) if rest.ends_with('*') => value.contains(rest.trim_end_matches('*')),
            (Some(rest), _) => value.ends_with(rest),
            (None, Some(rest)) => value.starts_with(rest),
            (None, None) => value == pattern,
        }
    }
    if let Some((key, value)) = term.split_once(':') {
        let value = value.trim_matches('"');
        return match key {
            "email" => store.emails_of(user.id).any(|e| wild(e, value)),
            "external_id" => user.external_id.as_deref().is_some_and(|e| wild(e, value)),
            "name" => {
                wild(&user.name, value) || user.name.to_lowercase().contains(&value.to_lowercase())
            }
            "role" => user.role.as_str() == value,
            "tags" | "tag" => user.tags.iter().any(|t| t.eq_ignore_ascii_case(value)),
            "type" => value == "user",
            _ => false,
        };
    }
    let needle = term.trim_matches('"').to_lowercase();
    user.name.to_lowercase().contains(&needle)
        || store
            .emails_of(user.id)
            .any(|e| e.to_lowercase().contains(&needle))
        || user
            .notes
            .as_deref()
            .is_some_and(|n| n.to_lowercase().contains(&needle))
        || user.phone.as_deref().is_some_and(|p| p.contains(&needle))
}

fn split_terms(query: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

fn search_users(store: &Store, q: &Query) -> Result<Reply> {
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
        let ext = ext.to_lowercase();
        let items = store
            .users
            .values()
            .filter(|u| {
                u.active
                    && u.external_id
                        .as_ref()
                        .is_some_and(|e| e.to_lowercase() == ext)
            })
            .map(|u| (SortKey::Id(u.id), u));
        return Ok(Reply::raw(render_page(
            "users", items, &request, &url, &extra,
        )));
    }
    let query = q.get("query").unwrap_or_default();
    let terms = split_terms(query);
    // One exact address (what zroster's fetch asks): the email index, not a scan.
    let exact = match terms.as_slice() {
        [term] => term
            .strip_prefix("email:")
            .map(|value| value.trim_matches('"'))
            .filter(|value| !value.contains('*')),
        _ => None,
    };
    let candidates: Box<dyn Iterator<Item = &User>> = match exact {
        Some(email) => Box::new(
            store
                .user_by_email(email)
                .and_then(|id| store.users.get(&id))
                .into_iter(),
        ),
        None => Box::new(store.users.values()),
    };
    let items = candidates
        .filter(|u| {
            u.active && !terms.is_empty() && terms.iter().all(|t| term_matches(store, u, t))
        })
        .map(|u| (SortKey::Id(u.id), u));
    Ok(Reply::raw(render_page(
        "users", items, &request, &url, &extra,
    )))
}
