//! `/custom_roles`: list, one role, and the writes. Only the Enterprise plan has custom roles:
//! below it the listing, a role and the writes answer 403 (the admins' system role is still
//! shown).

use serde_json::{Value, json};

use super::{Context, ReadContext, Reply, Result, offset_envelope, parse_id, root, to_json};
use crate::fake::api_error::ApiError;
use crate::fake::config::Plan;
use crate::fake::page::Query;
use crate::fake::store::Store;

/// What a plan without custom roles answers for them.
const NOT_ON_THIS_PLAN: &str = "Custom roles can only be managed on the Enterprise plan";

/// Answers `GET /custom_roles…` (403 below Enterprise, but for the admins' system role);
/// `None` for a path that is not a custom role route.
pub(super) fn get(
    store: &Store,
    ctx: &ReadContext<'_>,
    segments: &[&str],
    _q: &Query,
) -> Result<Option<Reply>> {
    let enterprise = ctx.knobs.plan == Plan::Enterprise;
    let reply = match segments {
        ["custom_roles"] if !enterprise => Err(ApiError::forbidden(NOT_ON_THIS_PLAN)),
        ["custom_roles", id] if !enterprise && store.system_role(parse_id(id)?).is_none() => {
            Err(ApiError::forbidden(NOT_ON_THIS_PLAN))
        }
        ["custom_roles"] => {
            // By name (recorded), with the offset envelope.
            let mut roles: Vec<_> = store
                .custom_roles
                .keys()
                .filter_map(|id| store.custom_role(*id).ok())
                .collect();
            roles.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
            Ok(Reply::ok(offset_envelope(
                "custom_roles",
                roles.iter().map(to_json).collect(),
            )))
        }
        ["custom_roles", id] => {
            // The admins' system role is shown too (recorded), though not listed.
            let id = parse_id(id)?;
            let role = store
                .custom_role(id)
                .or_else(|e| store.system_role(id).ok_or(e))?;
            Ok(Reply::ok(json!({"custom_role": to_json(&role)})))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// Answers the custom role writes (403 off Enterprise); `None` for a path that is not one.
pub(super) fn write(
    store: &mut Store,
    ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    let reply = match (method, segments) {
        ("POST" | "PUT" | "DELETE", ["custom_roles", ..]) if ctx.knobs.plan != Plan::Enterprise => {
            Err(ApiError::forbidden(NOT_ON_THIS_PLAN))
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
        _ => return Ok(None),
    };
    reply.map(Some)
}
