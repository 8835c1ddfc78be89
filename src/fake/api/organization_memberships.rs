//! Organization memberships: `/organization_memberships`, `/users/{id}/organization_memberships`
//! (list, show, create, `make_default`, delete), `/organizations/{id}/organization_memberships`
//! and `/users/{id}/organizations/{id}` (`make_default`, delete); the generic answers are in
//! [`memberships`](super::memberships).

use serde_json::Value;

use super::memberships::{
    create_many_memberships, create_membership, create_user_membership, delete_user_membership,
    destroy_many_memberships, list_memberships, make_default_membership, show_membership,
    show_user_membership,
};
use super::{Context, ReadContext, Reply, Result, parse_id, root};
use crate::fake::api_error::ApiError;
use crate::fake::organization_membership::OrganizationMembership;
use crate::fake::page::Query;
use crate::fake::store::Store;

/// Answers the `GET` routes of organization memberships; `None` for any other path.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["users", uid, "organization_memberships"] => {
            let uid = parse_id(uid)?;
            store.user(uid)?;
            list_memberships::<OrganizationMembership>(
                store,
                q,
                |m| m.user_id == uid,
                &format!("users/{uid}/organization_memberships"),
            )
        }
        ["users", uid, "organization_memberships", mid] => {
            show_user_membership::<OrganizationMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ["organizations", oid, "organization_memberships"] => {
            let oid = parse_id(oid)?;
            store.organization(oid)?;
            list_memberships::<OrganizationMembership>(
                store,
                q,
                |m| m.organization_id == oid,
                &format!("organizations/{oid}/organization_memberships"),
            )
        }
        ["organization_memberships"] => list_memberships::<OrganizationMembership>(
            store,
            q,
            |_| true,
            "organization_memberships",
        ),
        ["organization_memberships", id] => {
            show_membership::<OrganizationMembership>(store, parse_id(id)?)
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the organization membership writes; `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST", ["users", uid, "organization_memberships"]) => {
            create_user_membership::<OrganizationMembership>(store, parse_id(uid)?, body)
        }
        (
            "PUT",
            [
                "users",
                uid,
                "organization_memberships",
                mid,
                "make_default",
            ],
        ) => {
            make_default_membership::<OrganizationMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ("PUT", ["users", uid, "organizations", oid, "make_default"]) => {
            let (uid, oid) = (parse_id(uid)?, parse_id(oid)?);
            let mid = membership_of(store, uid, oid)?;
            store.set_default_membership::<OrganizationMembership>(uid, mid)?;
            show_membership::<OrganizationMembership>(store, mid)
        }
        ("DELETE", ["users", uid, "organization_memberships", mid]) => {
            delete_user_membership::<OrganizationMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ("DELETE", ["users", uid, "organizations", oid]) => {
            let mid = membership_of(store, parse_id(uid)?, parse_id(oid)?)?;
            store.delete_membership::<OrganizationMembership>(mid)?;
            Ok(Reply::no_content())
        }
        ("POST", ["organization_memberships"]) => create_membership::<OrganizationMembership>(
            store,
            root(body, "organization_membership")?,
        ),
        ("POST", ["organization_memberships", "create_many"]) => {
            create_many_memberships::<OrganizationMembership>(store, ctx, body)
        }
        ("DELETE", ["organization_memberships", "destroy_many"]) => {
            destroy_many_memberships::<OrganizationMembership>(store, ctx, q)
        }
        ("DELETE", ["organization_memberships", id]) => {
            store.delete_membership::<OrganizationMembership>(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

fn membership_of(store: &Store, user_id: u64, organization_id: u64) -> Result<u64> {
    store
        .membership_of::<OrganizationMembership>(user_id, organization_id)
        .ok_or_else(ApiError::not_found)
}
