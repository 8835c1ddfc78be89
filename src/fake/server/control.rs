//! The control endpoints (`/__fake/…`, no auth, not counted, not rate limited): request
//! counts, the state in the state-file format, the clock, a pause before an endpoint, and a
//! lost answer after one.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use hyper::Response;
use serde_json::{Value, json};

use super::Shared;
use super::response::json_response;
use crate::fake::fault_injector::FaultInjector;
use crate::fake::pause::Pause;
use crate::fake::request_log::RequestCounts;
use crate::fake::state_file::StateFile;
use crate::fake::store::Store;

pub(super) fn handle_control(
    shared: &Shared,
    method: &str,
    path: &str,
    body: &Bytes,
) -> Response<Body> {
    // These take the locks themselves.
    match (method, path) {
        ("POST", "ui_change") => return super::ui_change::stage(shared, body),
        ("GET", "audit_logs") => return super::ui_change::list(shared),
        _ => {}
    }
    let mut core = shared.lock();
    match (method, path) {
        ("GET", "requests") => json_response(
            200,
            &serde_json::to_value(&core.counts).unwrap_or(Value::Null),
        ),
        ("POST", "requests/reset") => {
            core.counts = RequestCounts::default();
            json_response(
                200,
                &serde_json::to_value(&core.counts).unwrap_or(Value::Null),
            )
        }
        ("GET", "clock") => json_response(200, &json!({"now": shared.clock.timestamp()})),
        ("PUT", "clock") => {
            // `{"now": "<RFC 3339>"}` moves the clock to that moment, `{"advance_s": n}` by n
            // seconds; it never goes back.
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if let Some(moment) = body["now"].as_str().and_then(|t| t.parse().ok()) {
                shared.clock.advance_to(moment);
            } else if let Some(seconds) = body["advance_s"].as_f64() {
                shared.clock.advance_by(seconds);
            } else {
                return json_response(
                    400,
                    &json!({"error": "InvalidClock", "description": "send {\"now\": \"<RFC 3339 time>\"} or {\"advance_s\": <seconds>}"}),
                );
            }
            json_response(200, &json!({"now": shared.clock.timestamp()}))
        }
        ("GET", "pause") => json_response(200, &Pause::to_json(core.pause.as_ref())),
        ("PUT", "pause") => {
            // `{"before": "GET /api/v2/group_memberships"}`: the next request to that endpoint
            // (named as `/__fake/requests` names it) waits until `POST /__fake/pause/release`.
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let Some(before) = body["before"].as_str() else {
                return json_response(
                    400,
                    &json!({"error": "InvalidPause", "description": "send {\"before\": \"<METHOD> /api/v2/<path>\"}"}),
                );
            };
            if let Some(previous) = core.pause.replace(Pause::before(before.to_owned())) {
                previous.release();
            }
            json_response(200, &Pause::to_json(core.pause.as_ref()))
        }
        ("POST", "pause/release") => {
            let released = core.pause.take().is_some_and(Pause::release);
            json_response(200, &json!({"released": released}))
        }
        ("GET", "drop") => json_response(200, &json!({"after": core.drop_after})),
        ("PUT", "drop") => {
            // `{"after": "POST /api/v2/groups"}`: the next request to that endpoint takes
            // effect and its connection is then closed without an answer (a lost answer).
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let Some(after) = body["after"].as_str() else {
                return json_response(
                    400,
                    &json!({"error": "InvalidDrop", "description": "send {\"after\": \"<METHOD> /api/v2/<path>\"}"}),
                );
            };
            core.drop_after = Some(after.to_owned());
            json_response(200, &json!({"after": core.drop_after}))
        }
        ("GET", "state") => {
            let mut state = shared.read().to_state_file();
            state.account = Some(core.knobs.to_settings());
            json_response(200, &serde_json::to_value(&state).unwrap_or(Value::Null))
        }
        ("PUT", "state") => {
            let text = String::from_utf8_lossy(body);
            let parsed =
                StateFile::from_json(&text, std::path::Path::new("<request>")).and_then(|state| {
                    let knobs = core.knobs.replaced_by(state.account.as_ref());
                    Store::from_state_file(
                        &shared.base_url,
                        state,
                        &shared.email,
                        &knobs,
                        Arc::clone(&shared.clock),
                    )
                    .map(|store| (knobs, store))
                });
            match parsed {
                Ok((knobs, store)) => {
                    let mut current = shared.write();
                    *current = store;
                    if knobs.fault_seed != core.knobs.fault_seed {
                        core.faults = FaultInjector::new(knobs.fault_seed);
                    }
                    core.knobs = knobs;
                    let mut saved = current.to_state_file();
                    saved.account = Some(core.knobs.to_settings());
                    json_response(200, &serde_json::to_value(&saved).unwrap_or(Value::Null))
                }
                Err(error) => json_response(
                    400,
                    &json!({"error": "InvalidState", "description": error.to_string()}),
                ),
            }
        }
        _ => json_response(
            404,
            &json!({"error": "InvalidEndpoint", "description": "Not found"}),
        ),
    }
}
