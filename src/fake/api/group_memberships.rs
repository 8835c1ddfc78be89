//! Group memberships: `/group_memberships`, `/users/{id}/group_memberships` (list, show,
//! create, `make_default`, delete) and `/groups/{id}/memberships`; the generic answers are in
//! [`memberships`](super::memberships).

use serde_json::Value;

use super::memberships::{
    create_many_memberships, create_membership, create_user_membership, delete_user_membership,
    destroy_many_memberships, list_memberships, make_default_membership, show_membership,
    show_user_membership,
};
use super::{Context, ReadContext, Reply, Result, parse_id, root};
use crate::fake::group_membership::GroupMembership;
use crate::fake::page::Query;
use crate::fake::store::Store;

/// Answers the `GET` routes of group memberships; `None` for any other path.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["users", uid, "group_memberships"] => {
            let uid = parse_id(uid)?;
            store.user(uid)?;
            list_memberships::<GroupMembership>(
                store,
                q,
                |m| m.user_id == uid,
                &format!("users/{uid}/group_memberships"),
            )
        }
        ["users", uid, "group_memberships", mid] => {
            show_user_membership::<GroupMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ["groups", gid, "memberships"] => {
            let gid = parse_id(gid)?;
            store.group(gid)?;
            list_memberships::<GroupMembership>(
                store,
                q,
                |m| m.group_id == gid,
                &format!("groups/{gid}/memberships"),
            )
        }
        ["group_memberships"] => {
            list_memberships::<GroupMembership>(store, q, |_| true, "group_memberships")
        }
        ["group_memberships", id] => show_membership::<GroupMembership>(store, parse_id(id)?),
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the group membership writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["users", uid, "group_memberships"]) => {
            create_user_membership::<GroupMembership>(store, parse_id(uid)?, body)
        }
        ("PUT", ["users", uid, "group_memberships", mid, "make_default"]) => {
            make_default_membership::<GroupMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ("DELETE", ["users", uid, "group_memberships", mid]) => {
            delete_user_membership::<GroupMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ("POST", ["group_memberships"]) => {
            create_membership::<GroupMembership>(store, root(body, "group_membership")?)
        }
        ("POST", ["group_memberships", "create_many"]) => {
            create_many_memberships::<GroupMembership>(store, ctx, body)
        }
        ("DELETE", ["group_memberships", "destroy_many"]) => {
            destroy_many_memberships::<GroupMembership>(store, ctx, q)
        }
        ("DELETE", ["group_memberships", id]) => {
            store.delete_membership::<GroupMembership>(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}
