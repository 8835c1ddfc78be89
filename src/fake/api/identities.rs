//! `/users/{id}/identities`: a user's email identities, listed primary first; create,
//! update, `verify`, `make_primary` and delete.

use serde_json::{Value, json};

use super::{Context, ReadContext, Reply, Result, offset_envelope, parse_id, root, to_json};
use crate::fake::page::Query;
use crate::fake::store::Store;

/// Answers `GET /users/{id}/identities…`; `None` for any other path.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    _q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["users", uid, "identities"] => {
            let list: Vec<Value> = store
                .user_identities(parse_id(uid)?)?
                .into_iter()
                .map(to_json)
                .collect();
            Ok(Reply::ok(offset_envelope("identities", list)))
        }
        ["users", uid, "identities", id] => Ok(Reply::ok(
            json!({"identity": to_json(store.identity(parse_id(uid)?, parse_id(id)?)?)}),
        )),
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the identity writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    _ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["users", uid, "identities"]) => {
            let uid = parse_id(uid)?;
            let id = store.create_identity(uid, root(body, "identity")?)?;
            let identity = to_json(store.identity(uid, id)?);
            Ok(Reply::created(
                json!({"identity": identity}),
                store.object_url(&format!("users/{uid}/identities/{id}")),
            ))
        }
        ("PUT", ["users", uid, "identities", id]) => {
            let (uid, id) = (parse_id(uid)?, parse_id(id)?);
            store.update_identity(uid, id, root(body, "identity")?)?;
            Ok(Reply::ok(
                json!({"identity": to_json(store.identity(uid, id)?)}),
            ))
        }
        ("PUT", ["users", uid, "identities", id, "verify"]) => {
            // As an update that sets `verified` (API.md §1.12); answers the identity.
            let (uid, id) = (parse_id(uid)?, parse_id(id)?);
            let verified = json!({"verified": true});
            store.update_identity(uid, id, verified.as_object().expect("an object"))?;
            Ok(Reply::ok(
                json!({"identity": to_json(store.identity(uid, id)?)}),
            ))
        }
        ("PUT", ["users", uid, "identities", id, "make_primary"]) => {
            let uid = parse_id(uid)?;
            store.make_identity_primary(uid, parse_id(id)?)?;
            let list: Vec<Value> = store
                .user_identities(uid)?
                .into_iter()
                .map(to_json)
                .collect();
            Ok(Reply::ok(offset_envelope("identities", list)))
        }
        ("DELETE", ["users", uid, "identities", id]) => {
            store.delete_identity(parse_id(uid)?, parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}
