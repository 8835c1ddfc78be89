//! `POST /__fake/ui_change`: a change made by a named admin in the web interface (the agent
//! interface or Admin Center), staged by tests as "someone changed it by hand". The change
//! is any write the API knows, given as its method, path and body; it goes through the same
//! checks as an API request, and the audit log records it as that admin's, through the web,
//! from the IP address given, at the time given (or now). `GET /__fake/audit_logs` lists
//! every entry with the interface it came through.

use axum::body::{Body, Bytes};
use chrono::{DateTime, Utc};
use hyper::Response;
use serde_json::{Value, json};

use super::Shared;
use super::response::{error_response, json_response, reply_response};
use crate::fake::api::{self, ApiRequest, Context};
use crate::fake::audit_log::{Actor, Via};
use crate::fake::page::Query;

fn invalid(description: &str) -> Response<Body> {
    json_response(
        400,
        &json!({"error": "InvalidUiChange", "description": description}),
    )
}

/// Applies a staged web-UI change: `{"actor": "<email of an active agent or admin>",
/// "method": "PUT", "path": "/api/v2/users/1", "body": {...}, "ip_address": "203.0.113.7",
/// "at": "<RFC 3339, not after now>"}` (`ip_address` and `at` optional). Answers the API's
/// own status and body for that write.
pub(super) fn stage(shared: &Shared, body: &Bytes) -> Response<Body> {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |key: &str| request.get(key).and_then(Value::as_str);
    let (Some(actor), Some(method), Some(path)) = (text("actor"), text("method"), text("path"))
    else {
        return invalid(
            "send {\"actor\": \"<email>\", \"method\": \"PUT\", \"path\": \"/api/v2/...\", \"body\": {...}}",
        );
    };
    let method = method.to_ascii_uppercase();
    if method == "GET" {
        return invalid("a web-UI change writes: use POST, PUT or DELETE");
    }
    let (path, raw_query) = path.split_once('?').unwrap_or((path, ""));
    let Some(rest) = path.strip_prefix("/api/v2/") else {
        return invalid("the path starts with /api/v2/");
    };
    let rest = rest.strip_suffix(".json").unwrap_or(rest);
    let segments: Vec<String> = rest.split('/').map(str::to_owned).collect();
    if segments.iter().any(|s| s.ends_with("_many")) {
        return invalid("the web interface makes no bulk jobs: stage one change at a time");
    }
    let now = shared.clock.now();
    let at = match text("at").map(DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(at)) if at.with_timezone(&Utc) <= now => Some(at.with_timezone(&Utc)),
        Some(_) => return invalid("`at` is an RFC 3339 time no later than the emulator's clock"),
    };
    let mut core = shared.lock();
    let mut store = shared.write();
    let Some(actor) = store
        .user_by_email(actor)
        .and_then(|id| store.users.get(&id))
        .filter(|u| u.active && !u.suspended && u.role.is_staff())
        .map(|u| Actor {
            id: u.id,
            name: u.name.clone(),
            ip_address: text("ip_address").unwrap_or("198.51.100.1").to_owned(),
            via: Via::Web,
        })
    else {
        return invalid("`actor` is the email of an active, unsuspended agent or admin");
    };
    let request = ApiRequest {
        method,
        segments,
        query: Query::parse(raw_query),
        body: request.get("body").cloned(),
    };
    store.audit.staged = Some((actor, at));
    let core = &mut *core;
    let mut ctx = Context {
        knobs: &core.knobs,
        faults: &mut core.faults,
    };
    let outcome = api::dispatch(&mut store, &mut ctx, &request);
    store.audit.staged = None;
    match outcome {
        Ok(reply) => reply_response(reply),
        Err(error) => error_response(&error),
    }
}

/// `GET /__fake/audit_logs`: every entry, oldest first, with `via` (`api` or `web`).
pub(super) fn list(shared: &Shared) -> Response<Body> {
    let store = shared.read();
    let entries: Vec<Value> = store
        .audit
        .entries()
        .map(|e| e.to_control_json(store.base_url()))
        .collect();
    json_response(
        200,
        &json!({"count": store.audit.len(), "audit_logs": entries}),
    )
}
