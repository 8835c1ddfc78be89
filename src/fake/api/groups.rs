//! `/groups`: list (by name in both pagination modes), one group, create, update (answered
//! with a `Location`, as recorded) and delete.

use serde_json::{Value, json};

use super::{
    Context, ReadContext, Reply, ReplyBody, Result, extra_params, offset_envelope, parse_id, root,
    to_json,
};
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::store::Store;

/// Answers `GET /groups…`; `None` for a path that is not a group route.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["groups"] => {
            let request = PageRequest::parse(q, 100)?;
            // By name case-insensitively, then id, in both modes (as recorded).
            let mut items: Vec<_> = store
                .groups
                .values()
                .map(|g| (SortKey::NameId(g.name.clone(), g.id), g))
                .collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let items = items.into_iter();
            Ok(Reply::raw(render_page(
                "groups",
                items,
                &request,
                &store.url("groups"),
                &extra_params(q),
            )))
        }
        ["groups", id] => Ok(Reply::ok(
            json!({"group": to_json(store.group(parse_id(id)?)?)}),
        )),
        ["users", uid, "groups"] => {
            // An agent's groups, by name like the listing.
            let uid = parse_id(uid)?;
            store.active_user_ref(uid)?;
            let mut groups: Vec<_> = store
                .group_memberships
                .values()
                .filter(|m| m.user_id == uid)
                .filter_map(|m| store.groups.get(&m.group_id))
                .collect();
            groups.sort_by(|a, b| {
                SortKey::NameId(a.name.clone(), a.id).cmp(&SortKey::NameId(b.name.clone(), b.id))
            });
            Ok(Reply::ok(offset_envelope(
                "groups",
                groups.into_iter().map(to_json).collect(),
            )))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the group writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    _ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["groups"]) => {
            let id = store.create_group(root(body, "group")?)?;
            Ok(Reply::created(
                json!({"group": to_json(store.group(id)?)}),
                store.object_url(&format!("groups/{id}")),
            ))
        }
        ("PUT", ["groups", id]) => {
            let id = parse_id(id)?;
            store.update_group(id, root(body, "group")?)?;
            // PUT /groups/{id} answers with a Location header, as recorded.
            Ok(Reply {
                status: 200,
                body: Some(ReplyBody::Json(json!({"group": to_json(store.group(id)?)}))),
                location: Some(store.object_url(&format!("groups/{id}"))),
            })
        }
        ("DELETE", ["groups", id]) => {
            store.delete_group(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}
