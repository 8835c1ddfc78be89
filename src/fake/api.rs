//! Routing of `/api/v2` requests to the [`Store`], and the shapes of their answers: list
//! envelopes, pagination, `Location` headers, bulk endpoints that queue jobs. Paths arrive
//! with `.json` already stripped; auth, limits and faults were handled by the server.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api_error::ApiError;
use super::config::{Knobs, Plan};
use super::fault_injector::FaultInjector;
use super::group_membership::GroupMembership;
use super::job_status::{JobItem, UserKey};
use super::job_worker::{JobRequest, JobWorker};
use super::membership::Membership;
use super::organization_membership::OrganizationMembership;
use super::page::{PageRequest, Query, SortKey, percent_encode, render_page};
use super::store::Store;
use super::user::{Role, User};

/// A parsed API request.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub(crate) method: String,
    /// Path segments after `/api/v2/`, `.json` removed.
    pub(crate) segments: Vec<String>,
    pub(crate) query: Query,
    pub(crate) body: Option<Value>,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<ReplyBody>,
    pub(crate) location: Option<String>,
}

/// The body of a successful answer.
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// A JSON value.
    Json(Value),
    /// JSON text already serialised (list pages).
    Raw(Vec<u8>),
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body: Some(ReplyBody::Json(body)),
            location: None,
        }
    }

    fn raw(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            body: Some(ReplyBody::Raw(body)),
            location: None,
        }
    }

    fn created(body: Value, location: String) -> Self {
        Self {
            status: 201,
            body: Some(ReplyBody::Json(body)),
            location: Some(location),
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            location: None,
        }
    }
}

/// What the router needs besides the store.
pub(crate) struct Context<'a> {
    pub(crate) knobs: &'a Knobs,
    pub(crate) faults: &'a mut FaultInjector,
}

type Result<T> = std::result::Result<T, ApiError>;

fn parse_id(text: &str) -> Result<u64> {
    text.parse().map_err(|_| ApiError::not_found())
}

fn root<'a>(body: Option<&'a Value>, key: &str) -> Result<&'a Map<String, Value>> {
    body.and_then(|b| b.get(key))
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::parameter_missing(key))
}

fn root_list<'a>(body: Option<&'a Value>, key: &str) -> Result<&'a Vec<Value>> {
    body.and_then(|b| b.get(key))
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::parameter_missing(key))
}

fn objects(list: &[Value], key: &str) -> Result<Vec<Map<String, Value>>> {
    list.iter()
        .map(|v| {
            v.as_object()
                .cloned()
                .ok_or_else(|| ApiError::parameter_missing(key))
        })
        .collect()
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn offset_envelope(key: &str, items: Vec<Value>) -> Value {
    let count = items.len();
    let mut body = Map::new();
    body.insert(key.to_owned(), Value::Array(items));
    body.insert("next_page".into(), Value::Null);
    body.insert("previous_page".into(), Value::Null);
    body.insert("count".into(), json!(count));
    Value::Object(body)
}

/// The `ids=` or `external_ids=` of a `show_many` / `destroy_many` request (≤ 100).
fn ids_or_external_ids(query: &Query) -> Result<Option<Vec<UserKey>>> {
    let keys: Vec<UserKey> = if let Some(ids) = query.list("ids") {
        ids.iter()
            .map(|id| id.parse().map_or(UserKey::Missing, UserKey::Id))
            .collect()
    } else if let Some(ext) = query.list("external_ids") {
        ext.into_iter().map(UserKey::ExternalId).collect()
    } else {
        return Ok(None);
    };
    if keys.len() > 100 {
        return Err(ApiError::too_many_values());
    }
    Ok(Some(keys))
}

fn extra_params(query: &Query) -> Vec<(String, String)> {
    query
        .0
        .iter()
        .filter(|(k, _)| !k.starts_with("page") && k != "per_page")
        .cloned()
        .collect()
}

impl Context<'_> {
    fn submit(
        &mut self,
        store: &mut Store,
        job_type: &'static str,
        verb: &'static str,
        items: Vec<JobItem>,
    ) -> Result<Reply> {
        let (fate, item_faults) = self.faults.job(self.knobs, items.len());
        let id = self.faults.job_id();
        let request = JobRequest {
            job_type,
            verb,
            items,
            fate,
            item_faults,
        };
        JobWorker::submit(
            store,
            request,
            self.knobs.max_jobs,
            self.knobs.job_items_per_second,
            id,
        )
        .map(Reply::ok)
    }
}

/// What the read-only routes need besides the store.
pub(crate) struct ReadContext<'a> {
    pub(crate) knobs: &'a Knobs,
    /// The authenticated user (`/users/me`).
    pub(crate) me: Option<u64>,
}

impl ReadContext<'_> {
    fn ttl(&self) -> Duration {
        Duration::from_secs(self.knobs.job_ttl_s)
    }
}

/// Routes one `GET` request; it only reads the store, so many run at once.
pub(crate) fn dispatch_get(
    store: &Store,
    ctx: &ReadContext<'_>,
    req: &ApiRequest,
) -> Result<Reply> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let q = &req.query;
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["users"]) => list_users(store, q),
        ("GET", ["users", "me"]) => {
            let id = ctx.me.ok_or_else(ApiError::unauthorized)?;
            Ok(Reply::ok(json!({"user": store.user(id)?.to_me_json()})))
        }
        ("GET", ["users", "show_many"]) => {
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
        ("GET", ["users", "search"]) => search_users(store, q),
        ("GET", ["users", id]) => Ok(Reply::ok(json!({"user": store.user_json(parse_id(id)?)?}))),
        ("GET", ["users", uid, "identities"]) => {
            let list: Vec<Value> = store
                .user_identities(parse_id(uid)?)?
                .into_iter()
                .map(to_json)
                .collect();
            Ok(Reply::ok(offset_envelope("identities", list)))
        }
        ("GET", ["users", uid, "identities", id]) => Ok(Reply::ok(
            json!({"identity": to_json(store.identity(parse_id(uid)?, parse_id(id)?)?)}),
        )),
        ("GET", ["users", uid, "organization_memberships"]) => {
            let uid = parse_id(uid)?;
            store.user(uid)?;
            list_memberships::<OrganizationMembership>(
                store,
                q,
                |m| m.user_id == uid,
                &format!("users/{uid}/organization_memberships"),
            )
        }
        ("GET", ["users", uid, "group_memberships"]) => {
            let uid = parse_id(uid)?;
            store.user(uid)?;
            list_memberships::<GroupMembership>(
                store,
                q,
                |m| m.user_id == uid,
                &format!("users/{uid}/group_memberships"),
            )
        }
        ("GET", ["job_statuses"]) => {
            let ttl = ctx.ttl();
            let mut jobs: Vec<Value> = store
                .jobs
                .iter()
                .filter(|j| j.created.elapsed() < ttl)
                .rev()
                .map(to_json)
                .collect();
            jobs.truncate(100);
            Ok(Reply::ok(offset_envelope("job_statuses", jobs)))
        }
        ("GET", ["job_statuses", "show_many"]) => {
            let ids = q.list("ids").unwrap_or_default();
            if ids.len() > 100 {
                return Err(ApiError::too_many_values());
            }
            let ttl = ctx.ttl();
            let jobs: Vec<Value> = ids
                .iter()
                .filter_map(|id| JobWorker::find(store, id, ttl))
                .map(to_json)
                .collect();
            Ok(Reply::ok(json!({"job_statuses": jobs})))
        }
        ("GET", ["job_statuses", id]) => {
            let job = JobWorker::find(store, id, ctx.ttl()).ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(json!({"job_status": to_json(job)})))
        }
        ("GET", ["custom_roles"]) => {
            let ids: Vec<u64> = store.custom_roles.keys().copied().collect();
            let roles: Vec<Value> = ids
                .into_iter()
                .filter_map(|id| store.custom_role(id).ok())
                .map(|r| to_json(&r))
                .collect();
            Ok(Reply::ok(json!({"custom_roles": roles})))
        }
        ("GET", ["custom_roles", id]) => Ok(Reply::ok(
            json!({"custom_role": to_json(&store.custom_role(parse_id(id)?)?)}),
        )),
        ("GET", ["organizations"]) => list_organizations(store, q),
        ("GET", ["organizations", "show_many"]) => {
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
        ("GET", ["organizations", "search"]) => {
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
        ("GET", ["organizations", id]) => Ok(Reply::ok(
            json!({"organization": to_json(store.organization(parse_id(id)?)?)}),
        )),
        ("GET", ["organizations", oid, "organization_memberships"]) => {
            let oid = parse_id(oid)?;
            store.organization(oid)?;
            list_memberships::<OrganizationMembership>(
                store,
                q,
                |m| m.organization_id == oid,
                &format!("organizations/{oid}/organization_memberships"),
            )
        }
        ("GET", ["organization_memberships"]) => list_memberships::<OrganizationMembership>(
            store,
            q,
            |_| true,
            "organization_memberships",
        ),
        ("GET", ["organization_memberships", id]) => {
            show_membership::<OrganizationMembership>(store, parse_id(id)?)
        }
        ("GET", ["groups"]) => {
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
        ("GET", ["groups", id]) => Ok(Reply::ok(
            json!({"group": to_json(store.group(parse_id(id)?)?)}),
        )),
        ("GET", ["groups", gid, "memberships"]) => {
            let gid = parse_id(gid)?;
            store.group(gid)?;
            list_memberships::<GroupMembership>(
                store,
                q,
                |m| m.group_id == gid,
                &format!("groups/{gid}/memberships"),
            )
        }
        ("GET", ["group_memberships"]) => {
            list_memberships::<GroupMembership>(store, q, |_| true, "group_memberships")
        }
        ("GET", ["group_memberships", id]) => {
            show_membership::<GroupMembership>(store, parse_id(id)?)
        }
        ("GET", ["incremental", "users", "cursor"]) => incremental_users(store, q),
        ("GET", ["incremental", "users"]) => incremental_users_by_time(store, q),
        _ => Err(ApiError::invalid_endpoint()),
    }
}

/// Routes one request that may change the store (every method but `GET`).
pub(crate) fn dispatch(
    store: &mut Store,
    ctx: &mut Context<'_>,
    req: &ApiRequest,
) -> Result<Reply> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let body = req.body.as_ref();
    let q = &req.query;
    match (req.method.as_str(), segs.as_slice()) {
        // ------------------------------------------------------------------ users
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
        // ------------------------------------------------------------------ identities
        ("POST", ["users", uid, "identities"]) => {
            let uid = parse_id(uid)?;
            let id = store.create_identity(uid, root(body, "identity")?)?;
            let identity = to_json(store.identity(uid, id)?);
            Ok(Reply::created(
                json!({"identity": identity}),
                store.url(&format!("users/{uid}/identities/{id}")),
            ))
        }
        ("PUT", ["users", uid, "identities", id]) => {
            let (uid, id) = (parse_id(uid)?, parse_id(id)?);
            store.update_identity(uid, id, root(body, "identity")?)?;
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
        // ------------------------------------------------------------------ org memberships via users
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
        ("DELETE", ["users", uid, "organizations", oid]) => {
            let mid = membership_of(store, parse_id(uid)?, parse_id(oid)?)?;
            store.delete_membership::<OrganizationMembership>(mid)?;
            Ok(Reply::no_content())
        }
        // ------------------------------------------------------------------ group memberships via users
        ("POST", ["users", uid, "group_memberships"]) => {
            create_user_membership::<GroupMembership>(store, parse_id(uid)?, body)
        }
        ("PUT", ["users", uid, "group_memberships", mid, "make_default"]) => {
            make_default_membership::<GroupMembership>(store, parse_id(uid)?, parse_id(mid)?)
        }
        ("DELETE", ["users", uid, "group_memberships", mid]) => {
            let (uid, mid) = (parse_id(uid)?, parse_id(mid)?);
            if store.membership::<GroupMembership>(mid)?.user_id != uid {
                return Err(ApiError::not_found());
            }
            store.delete_membership::<GroupMembership>(mid)?;
            Ok(Reply::no_content())
        }
        // ------------------------------------------------------------------ job statuses
        // ------------------------------------------------------------------ custom roles
        ("POST" | "PUT" | "DELETE", ["custom_roles", ..]) if ctx.knobs.plan != Plan::Enterprise => {
            Err(ApiError::forbidden(
                "Custom roles can only be managed on the Enterprise plan",
            ))
        }
        ("POST", ["custom_roles"]) => {
            let id = store.create_custom_role(root(body, "custom_role")?)?;
            Ok(Reply::ok(
                json!({"custom_role": to_json(&store.custom_role(id)?)}),
            ))
        }
        ("PUT", ["custom_roles", id]) => {
            let id = parse_id(id)?;
            store.update_custom_role(id, root(body, "custom_role")?)?;
            Ok(Reply::ok(
                json!({"custom_role": to_json(&store.custom_role(id)?)}),
            ))
        }
        ("DELETE", ["custom_roles", id]) => {
            store.delete_custom_role(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        // ------------------------------------------------------------------ organizations
        ("POST", ["organizations"]) => {
            let id = store.create_organization(root(body, "organization")?)?;
            let org = to_json(store.organization(id)?);
            Ok(Reply::created(
                json!({"organization": org}),
                store.url(&format!("organizations/{id}")),
            ))
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
        // ------------------------------------------------------------------ organization memberships
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
        // ------------------------------------------------------------------ groups
        ("POST", ["groups"]) => {
            let id = store.create_group(root(body, "group")?)?;
            Ok(Reply::created(
                json!({"group": to_json(store.group(id)?)}),
                store.url(&format!("groups/{id}")),
            ))
        }
        ("PUT", ["groups", id]) => {
            let id = parse_id(id)?;
            store.update_group(id, root(body, "group")?)?;
            // PUT /groups/{id} answers with a Location header, as recorded.
            Ok(Reply {
                status: 200,
                body: Some(ReplyBody::Json(json!({"group": to_json(store.group(id)?)}))),
                location: Some(store.url(&format!("groups/{id}"))),
            })
        }
        ("DELETE", ["groups", id]) => {
            store.delete_group(parse_id(id)?)?;
            Ok(Reply::no_content())
        }
        // ------------------------------------------------------------------ group memberships
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
        // ------------------------------------------------------------------ incremental export
        _ => Err(ApiError::invalid_endpoint()),
    }
}

/// Takes the `id` / `external_id` that names a batch item out of it.
fn item_key(changes: &mut Map<String, Value>) -> UserKey {
    match changes.remove("id") {
        Some(Value::Number(n)) if n.as_u64().is_some() => {
            UserKey::Id(n.as_u64().unwrap_or_default())
        }
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => {
            UserKey::Id(s.parse().unwrap_or_default())
        }
        _ => match changes.get("external_id").and_then(Value::as_str) {
            Some(ext) => UserKey::ExternalId(ext.to_owned()),
            None => UserKey::Missing,
        },
    }
}

fn numeric_ids(q: &Query) -> Result<Vec<u64>> {
    let ids = q
        .list("ids")
        .ok_or_else(|| ApiError::parameter_missing("ids"))?;
    if ids.len() > 100 {
        return Err(ApiError::too_many_values());
    }
    Ok(ids.iter().map(|id| id.parse().unwrap_or(0)).collect())
}

fn membership_of(store: &Store, user_id: u64, organization_id: u64) -> Result<u64> {
    store
        .membership_of::<OrganizationMembership>(user_id, organization_id)
        .ok_or_else(ApiError::not_found)
}

/// The bulk jobs of a membership kind: their job items, types and item verbs.
trait MembershipJobs: Membership {
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
fn show_membership<K: Membership>(store: &Store, id: u64) -> Result<Reply> {
    Ok(Reply::ok(
        json!({ K::ROOT: to_json(store.membership::<K>(id)?) }),
    ))
}

/// `POST /{collection}`: 201 with the membership and its `Location`.
fn create_membership<K: Membership>(store: &mut Store, map: &Map<String, Value>) -> Result<Reply> {
    let id = store.create_membership::<K>(map)?;
    let m = to_json(store.membership::<K>(id)?);
    Ok(Reply::created(
        json!({ K::ROOT: m }),
        store.url(&format!("{}/{id}", K::COLLECTION)),
    ))
}

/// `POST /users/{id}/{collection}`: the path's user wins over the body's `user_id`.
fn create_user_membership<K: Membership>(
    store: &mut Store,
    user_id: u64,
    body: Option<&Value>,
) -> Result<Reply> {
    let mut map = root(body, K::ROOT)?.clone();
    map.insert("user_id".into(), json!(user_id));
    create_membership::<K>(store, &map)
}

/// `PUT /users/{id}/{collection}/{id}/make_default`: answers the user's memberships.
fn make_default_membership<K: Membership>(
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
fn create_many_memberships<K: MembershipJobs>(
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
fn destroy_many_memberships<K: MembershipJobs>(
    store: &mut Store,
    ctx: &mut Context<'_>,
    q: &Query,
) -> Result<Reply> {
    let items = numeric_ids(q)?.into_iter().map(K::delete_item).collect();
    let (job_type, verb) = K::DELETE_JOB;
    ctx.submit(store, job_type, verb, items)
}

/// A page of memberships of one kind, in id order, at `path` (`users/{id}/group_memberships`).
fn list_memberships<K: Membership>(
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

fn unix(timestamp: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(timestamp).map_or(0, |t| t.timestamp())
}

/// A user as the incremental export shows it: deleted users carry `permanently_deleted`.
fn exported(user: &User) -> Value {
    let mut value = user.to_json();
    if !user.active
        && let Value::Object(map) = &mut value
    {
        map.insert("permanently_deleted".into(), Value::Bool(false));
    }
    value
}

/// `start_time` of an incremental export: a Unix time at least 60 seconds in the past.
fn start_time(q: &Query) -> Result<i64> {
    let start = q
        .get("start_time")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidValue",
                "start_time is required and must be a Unix time",
            )
        })?;
    if start > chrono::Utc::now().timestamp() - 60 {
        return Err(ApiError::bad_request(
            "InvalidValue",
            "Too recent start_time. Use a start_time older than 60 seconds",
        ));
    }
    Ok(start)
}

/// The time-based incremental export: a page never splits a second, so it may hold more
/// than `per_page` users; `end_time` is the next second to ask for (as recorded).
fn incremental_users_by_time(store: &Store, q: &Query) -> Result<Reply> {
    let per_page = match q.get("per_page") {
        None => 1000,
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("InvalidValue", "per_page must be a number"))?
            .clamp(1, 1000),
    };
    let start = start_time(q)?;
    let mut users: Vec<(i64, &User)> = store
        .users
        .values()
        .map(|u| (unix(&u.updated_at), u))
        .filter(|(ts, _)| *ts >= start)
        .collect();
    users.sort_by_key(|(ts, u)| (*ts, u.id));
    let mut take = users.len().min(per_page);
    if let Some(&(last, _)) = take.checked_sub(1).and_then(|i| users.get(i)) {
        while users.get(take).is_some_and(|(ts, _)| *ts == last) {
            take += 1;
        }
    }
    let end_of_stream = take == users.len();
    let end_time = users
        .get(take.wrapping_sub(1))
        .map_or(start, |(ts, _)| ts + 1);
    users.truncate(take);
    let per = if q.get("per_page").is_some() {
        format!("per_page={per_page}&")
    } else {
        String::new()
    };
    let next_page = format!(
        "{}?{per}start_time={end_time}",
        store.url("incremental/users")
    );
    let list: Vec<Value> = users.into_iter().map(|(_, u)| exported(u)).collect();
    let count = list.len();
    Ok(Reply::ok(json!({
        "users": list,
        "next_page": next_page,
        "count": count,
        "end_of_stream": end_of_stream,
        "end_time": end_time,
    })))
}

fn incremental_users(store: &Store, q: &Query) -> Result<Reply> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let per_page = match q.get("per_page") {
        None => 1000,
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("InvalidValue", "per_page must be a number"))?
            .clamp(1, 1000),
    };
    let (after_ts, after_id) = if let Some(cursor) = q.get("cursor") {
        let text = STANDARD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::bad_request("InvalidCursor", "The cursor is invalid"))?;
        let mut parts = text.split("||");
        let ts = parts
            .next()
            .and_then(|t| t.trim_end_matches(".0").parse::<i64>().ok());
        let id = parts
            .next()
            .and_then(|i| i.trim_end_matches('|').parse::<u64>().ok());
        match (ts, id) {
            (Some(ts), Some(id)) => (ts, Some(id)),
            _ => {
                return Err(ApiError::bad_request(
                    "InvalidCursor",
                    "The cursor is invalid",
                ));
            }
        }
    } else {
        let start = start_time(q)?;
        (start, None)
    };
    let mut users: Vec<(i64, &User)> = store
        .users
        .values()
        .map(|u| (unix(&u.updated_at), u))
        .filter(|(ts, u)| match after_id {
            Some(id) => (*ts, u.id) > (after_ts, id),
            None => *ts >= after_ts,
        })
        .collect();
    users.sort_by_key(|(ts, u)| (*ts, u.id));
    let end_of_stream = users.len() <= per_page;
    users.truncate(per_page);
    let cursor = match users.last() {
        Some((ts, u)) => STANDARD.encode(format!("{ts}.0||{}|", u.id)),
        None => STANDARD.encode(format!("{after_ts}.0||{}|", after_id.unwrap_or(0))),
    };
    let list: Vec<Value> = users.into_iter().map(|(_, u)| exported(u)).collect();
    let per = if q.get("per_page").is_some() {
        format!("&per_page={per_page}")
    } else {
        String::new()
    };
    let after_url = format!(
        "{}?cursor={}{per}",
        store.url("incremental/users/cursor"),
        percent_encode(&cursor)
    );
    Ok(Reply::ok(json!({
        "users": list,
        "after_url": after_url,
        "before_url": null,
        "after_cursor": cursor,
        "before_cursor": null,
        "end_of_stream": end_of_stream,
    })))
}
