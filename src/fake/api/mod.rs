//! Routing of `/api/v2` requests to the [`Store`], and the shapes of their answers: list
//! envelopes, pagination, `Location` headers, bulk endpoints that queue jobs. Paths arrive
//! with `.json` already stripped; auth, limits and faults were handled by the server.
//!
//! One module per resource answers that resource's routes (`users.rs`, `identities.rs`, …,
//! mirrored by the store's files in `store/`), each through the same entry points: `get`
//! for `GET` and, unless the resource is read-only, `write` for every other method. Both
//! answer `Ok(None)` for a path that is not theirs. This module holds the request and reply
//! types, the envelope helpers the resources share and the two dispatchers, which ask each
//! resource in turn; a new resource is a new file and one line in [`GETS`] and [`WRITES`].

mod account;
mod audit_logs;
mod custom_roles;
mod deleted_users;
mod group_memberships;
mod groups;
mod identities;
mod incremental;
mod job_statuses;
mod memberships;
mod organization_memberships;
mod organizations;
mod search;
mod user_fields;
mod users;

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api_error::ApiError;
use super::config::Knobs;
use super::fault_injector::FaultInjector;
use super::job_status::{JobItem, UserKey};
use super::job_worker::{JobRequest, JobWorker};
use super::page::Query;
use super::store::Store;

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

    fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
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

/// The `GET` routes of one resource: the answer, or `Ok(None)` when the path is not theirs.
type Get = fn(&Store, &ReadContext<'_>, &[&str], &Query) -> Result<Option<Reply>>;

/// The routes of one resource for every method but `GET`: the answer, or `Ok(None)` when
/// the method and path are not theirs.
type Write = fn(
    &mut Store,
    &mut Context<'_>,
    &str,
    &[&str],
    &Query,
    Option<&Value>,
) -> Result<Option<Reply>>;

/// Every resource's `GET` routes. No two resources claim the same path, so the order only
/// decides which is asked first.
const GETS: &[Get] = &[
    users::get,
    identities::get,
    organization_memberships::get,
    group_memberships::get,
    job_statuses::get,
    custom_roles::get,
    organizations::get,
    groups::get,
    incremental::get,
    user_fields::get,
    account::get,
    search::get,
    deleted_users::get,
    audit_logs::get,
];

/// Every resource's write routes (job statuses and the incremental export are read-only).
const WRITES: &[Write] = &[
    users::write,
    identities::write,
    organization_memberships::write,
    group_memberships::write,
    custom_roles::write,
    organizations::write,
    groups::write,
    user_fields::write,
    account::write,
    deleted_users::write,
];

/// Routes one `GET` request; it only reads the store, so many run at once.
pub(crate) fn dispatch_get(
    store: &Store,
    ctx: &ReadContext<'_>,
    req: &ApiRequest,
) -> Result<Reply> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    if req.method == "GET" {
        for get in GETS {
            if let Some(reply) = get(store, ctx, &segs, &req.query)? {
                return Ok(reply);
            }
        }
    }
    Err(ApiError::invalid_endpoint())
}

impl Store {
    /// Answers `GET /api/v2/{path}` (`users?page[size]=100`, `account/settings`) in-process,
    /// as the server answers `me_email` on an account with `knobs`, without limits, faults
    /// or latency: the body's bytes, or the error. For tests that read the emulator's
    /// account without a server: the planner's unit tests parse these answers with the
    /// client's wire types, so that they plan against the account zplan would see.
    pub fn answer_get(
        &self,
        knobs: &Knobs,
        me_email: &str,
        path: &str,
    ) -> std::result::Result<Vec<u8>, ApiError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let path = path.strip_suffix(".json").unwrap_or(path);
        let request = ApiRequest {
            method: "GET".to_owned(),
            segments: path.split('/').map(str::to_owned).collect(),
            query: Query::parse(query),
            body: None,
        };
        let ctx = ReadContext {
            knobs,
            me: self.user_by_email(me_email),
        };
        Ok(match dispatch_get(self, &ctx, &request)?.body {
            Some(ReplyBody::Json(body)) => serde_json::to_vec(&body).unwrap_or_default(),
            Some(ReplyBody::Raw(bytes)) => bytes,
            None => Vec::new(),
        })
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
    for write in WRITES {
        if let Some(reply) = write(store, ctx, &req.method, &segs, &req.query, body)? {
            return Ok(reply);
        }
    }
    Err(ApiError::invalid_endpoint())
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
