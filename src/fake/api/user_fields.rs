//! `/user_fields`: the account's custom user field definitions (list by position, one field,
//! create, update, delete), as recorded by the Ruby and Python clients.

use serde_json::{Value, json};

use super::{Context, ReadContext, Reply, Result, offset_envelope, parse_id, root, to_json};
use crate::fake::page::Query;
use crate::fake::store::Store;

/// Answers `GET /user_fields…`; `None` for a path that is not a user field route.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    _q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["user_fields"] => Ok(Reply::ok(offset_envelope(
            "user_fields",
            store.user_field_list().into_iter().map(to_json).collect(),
        ))),
        ["user_fields", id] => Ok(Reply::ok(
            json!({"user_field": to_json(store.user_field(parse_id(id)?)?)}),
        )),
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the user field writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    _ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["user_fields"]) => {
            let id = store.create_user_field(root(body, "user_field")?)?;
            let mut field = to_json(store.user_field(id)?);
            // A new field answers with position 9999; reads show its place (recorded).
            field["position"] = json!(9999);
            Ok(Reply::created(
                json!({"user_field": field}),
                store.object_url(&format!("user_fields/{id}")),
            ))
        }
        ("PUT", ["user_fields", id]) => {
            let id = parse_id(id)?;
            store.update_user_field(id, root(body, "user_field")?)?;
            Ok(Reply::ok(
                json!({"user_field": to_json(store.user_field(id)?)}),
            ))
        }
        ("DELETE", ["user_fields", id]) => {
            store.delete_user_field(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}
