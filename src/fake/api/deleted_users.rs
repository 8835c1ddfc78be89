//! `/deleted_users`: users deleted and not yet deleted for good (list in deletion order with
//! offset or cursor pages, one, and `DELETE` for the permanent deletion), in the shape of the
//! `OpenAPI` file's `DeletedUserObject`.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Context, ReadContext, Reply, Result, extra_params, parse_id, to_json};
use crate::fake::api_error::ApiError;
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::store::Store;
use crate::fake::user::User;

/// A deleted user as `/deleted_users` shows it (`DeletedUserObject`, in its order).
#[derive(Debug, Serialize)]
struct DeletedUser<'a> {
    id: u64,
    url: String,
    name: &'a str,
    email: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
    time_zone: &'a str,
    phone: Option<&'a str>,
    shared_phone_number: Option<bool>,
    photo: Option<&'a Value>,
    locale_id: u64,
    locale: &'a str,
    organization_id: Option<u64>,
    role: &'static str,
    active: bool,
}

fn deleted<'a>(store: &Store, user: &'a User) -> DeletedUser<'a> {
    DeletedUser {
        id: user.id,
        url: store.object_url(&format!("deleted_users/{}", user.id)),
        name: &user.name,
        email: user.email.as_deref(),
        created_at: &user.created_at,
        updated_at: &user.updated_at,
        time_zone: &user.time_zone,
        phone: user.phone.as_deref(),
        shared_phone_number: user.shared_phone_number,
        photo: user.photo.as_ref(),
        locale_id: user.locale_id,
        locale: &user.locale,
        organization_id: user.organization_id,
        role: user.role.as_str(),
        active: false,
    }
}

fn deleted_user(store: &Store, id: u64) -> Result<&User> {
    store
        .users
        .get(&id)
        .filter(|u| !u.active && store.deleted_users.contains(&id))
        .ok_or_else(ApiError::not_found)
}

/// Answers `GET /deleted_users…`; `None` for another path.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["deleted_users"] => {
            let request = PageRequest::parse(q, 100)?;
            let from = match &request {
                PageRequest::Cursor {
                    after: Some(SortKey::Id(id)),
                    before: None,
                    ..
                } => id.saturating_add(1),
                _ => 0,
            };
            let mut ids: Vec<u64> = store
                .deleted_users
                .iter()
                .copied()
                .filter(|id| *id >= from)
                .collect();
            ids.sort_unstable();
            let items = ids
                .into_iter()
                .filter_map(|id| store.users.get(&id))
                .map(|u| (SortKey::Id(u.id), deleted(store, u)));
            Ok(Reply::raw(render_page(
                "deleted_users",
                items,
                &request,
                &store.url("deleted_users"),
                &extra_params(q),
            )))
        }
        ["deleted_users", id] => {
            let user = deleted_user(store, parse_id(id)?)?;
            Ok(Reply::ok(
                json!({"deleted_user": to_json(&deleted(store, user))}),
            ))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers `DELETE /deleted_users/{id}` (the permanent deletion); `None` for another path.
pub(super) fn write(
    store: &mut Store,
    _ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    _body: Option<&Value>,
) -> Result<Option<Reply>> {
    let ("DELETE", ["deleted_users", id]) = (method, segments) else {
        return Ok(None);
    };
    let id = parse_id(id)?;
    let answer = to_json(&deleted(store, deleted_user(store, id)?));
    store.forget_user(id);
    Ok(Some(Reply::ok(json!({"deleted_user": answer}))))
}
