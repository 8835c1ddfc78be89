//! The answers shared by both kinds of membership ([`Membership`]), as the store's
//! memberships are generic over them: show, create, `make_default`, paged lists, and the bulk
//! `create_many` / `destroy_many` jobs ([`MembershipJobs`]).

use serde_json::{Map, Value, json};

use super::{
    Context, Reply, Result, extra_params, objects, offset_envelope, root, root_list, to_json,
};
use crate::fake::api_error::ApiError;
use crate::fake::group_membership::GroupMembership;
use crate::fake::job_status::JobItem;
use crate::fake::membership::Membership;
use crate::fake::organization_membership::OrganizationMembership;
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::store::Store;

fn numeric_ids(q: &Query) -> Result<Vec<u64>> {
    let ids = q
        .list("ids")
        .ok_or_else(|| ApiError::parameter_missing("ids"))?;
    if ids.len() > 100 {
        return Err(ApiError::too_many_values());
    }
    Ok(ids.iter().map(|id| id.parse().unwrap_or(0)).collect())
}

/// The bulk jobs of a membership kind: their job items, types and item verbs.
pub(super) trait MembershipJobs: Membership {
    /// `Bulk Create … Membership` and `Creating … membership`.
    const CREATE_JOB: (&'static str, &'static str);
    /// `Bulk Delete … Membership` and `Deleting … membership`.
    const DELETE_JOB: (&'static str, &'static str);
    /// The job item that creates one membership.
    fn create_item(map: Map<String, Value>) -> JobItem;
    /// The job item that deletes one membership.
    fn delete_item(id: u64) -> JobItem;
}

impl MembershipJobs for OrganizationMembership {
    const CREATE_JOB: (&'static str, &'static str) = (
        "Bulk Create Organization Membership",
        "Creating organization membership",
    );
    const DELETE_JOB: (&'static str, &'static str) = (
        "Bulk Delete Organization Membership",
        "Deleting organization membership",
    );
    fn create_item(map: Map<String, Value>) -> JobItem {
        JobItem::CreateOrganizationMembership(map)
    }
    fn delete_item(id: u64) -> JobItem {
        JobItem::DeleteOrganizationMembership(id)
    }
}

impl MembershipJobs for GroupMembership {
    const CREATE_JOB: (&'static str, &'static str) =
        ("Bulk Create Group Membership", "Creating group membership");
    const DELETE_JOB: (&'static str, &'static str) =
        ("Bulk Delete Group Membership", "Deleting group membership");
    fn create_item(map: Map<String, Value>) -> JobItem {
        JobItem::CreateGroupMembership(map)
    }
    fn delete_item(id: u64) -> JobItem {
        JobItem::DeleteGroupMembership(id)
    }
}

/// `GET /{collection}/{id}` and the answers that show one membership.
pub(super) fn show_membership<K: Membership>(store: &Store, id: u64) -> Result<Reply> {
    Ok(Reply::ok(
        json!({ K::ROOT: to_json(store.membership::<K>(id)?) }),
    ))
}

/// `GET /users/{user_id}/{collection}/{id}`: the membership, 404 unless it is the user's.
pub(super) fn show_user_membership<K: Membership>(
    store: &Store,
    user_id: u64,
    id: u64,
) -> Result<Reply> {
    if store.membership::<K>(id)?.user_id() != user_id {
        return Err(ApiError::not_found());
    }
    show_membership::<K>(store, id)
}

/// `DELETE /users/{user_id}/{collection}/{id}`: 204, 404 unless it is the user's.
pub(super) fn delete_user_membership<K: Membership>(
    store: &mut Store,
    user_id: u64,
    id: u64,
) -> Result<Reply> {
    if store.membership::<K>(id)?.user_id() != user_id {
        return Err(ApiError::not_found());
    }
    store.delete_membership::<K>(id)?;
    Ok(Reply::no_content())
}

/// `POST /{collection}`: 201 with the membership and its `Location`.
pub(super) fn create_membership<K: Membership>(
    store: &mut Store,
    map: &Map<String, Value>,
) -> Result<Reply> {
    let id = store.create_membership::<K>(map)?;
    let m = to_json(store.membership::<K>(id)?);
    Ok(Reply::created(
        json!({ K::ROOT: m }),
        store.object_url(&format!("{}/{id}", K::COLLECTION)),
    ))
}

/// `POST /users/{id}/{collection}`: the path's user wins over the body's `user_id`.
pub(super) fn create_user_membership<K: Membership>(
    store: &mut Store,
    user_id: u64,
    body: Option<&Value>,
) -> Result<Reply> {
    let mut map = root(body, K::ROOT)?.clone();
    map.insert("user_id".into(), json!(user_id));
    create_membership::<K>(store, &map)
}

/// `PUT /users/{id}/{collection}/{id}/make_default`: answers the user's memberships.
pub(super) fn make_default_membership<K: Membership>(
    store: &mut Store,
    user_id: u64,
    id: u64,
) -> Result<Reply> {
    store.set_default_membership::<K>(user_id, id)?;
    let list: Vec<Value> = K::collection(store)
        .values()
        .filter(|m| m.user_id() == user_id)
        .map(to_json)
        .collect();
    Ok(Reply::ok(offset_envelope(K::COLLECTION, list)))
}

/// `POST /{collection}/create_many`: at most 100 memberships, as a job.
pub(super) fn create_many_memberships<K: MembershipJobs>(
    store: &mut Store,
    ctx: &mut Context<'_>,
    body: Option<&Value>,
) -> Result<Reply> {
    let list = root_list(body, K::COLLECTION)?;
    if list.len() > 100 {
        return Err(ApiError::too_many_values());
    }
    let items = objects(list, K::COLLECTION)?
        .into_iter()
        .map(K::create_item)
        .collect();
    let (job_type, verb) = K::CREATE_JOB;
    ctx.submit(store, job_type, verb, items)
}

/// `DELETE /{collection}/destroy_many?ids=`, as a job.
pub(super) fn destroy_many_memberships<K: MembershipJobs>(
    store: &mut Store,
    ctx: &mut Context<'_>,
    q: &Query,
) -> Result<Reply> {
    let items = numeric_ids(q)?.into_iter().map(K::delete_item).collect();
    let (job_type, verb) = K::DELETE_JOB;
    ctx.submit(store, job_type, verb, items)
}

/// A page of memberships of one kind, in id order, at `path` (`users/{id}/group_memberships`).
pub(super) fn list_memberships<K: Membership>(
    store: &Store,
    q: &Query,
    keep: impl Fn(&K) -> bool,
    path: &str,
) -> Result<Reply> {
    let request = PageRequest::parse(q, 100)?;
    let items = K::collection(store)
        .values()
        .filter(|m| keep(m))
        .map(|m| (SortKey::Id(m.id()), m));
    Ok(Reply::raw(render_page(
        K::COLLECTION,
        items,
        &request,
        &store.url(path),
        &extra_params(q),
    )))
}
