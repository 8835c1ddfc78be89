//! `/audit_logs` (Enterprise only): the list, filtered by `filter[source_type]`,
//! `filter[source_id]` (with a source type), `filter[actor_id]`, `filter[ip_address]`,
//! `filter[action]` and `filter[created_at]` (given twice: start, end), newest first by
//! default in both pagination modes (`sort=created_at` / `-created_at` with cursors,
//! `sort_by=created_at&sort_order=asc|desc` with offsets), 100 a page at most; and one entry.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{ReadContext, Reply, Result, extra_params, parse_id};
use crate::fake::api_error::ApiError;
use crate::fake::audit_log::AuditEntry;
use crate::fake::config::Plan;
use crate::fake::page::{PageRequest, Query, SortKey, render_page};
use crate::fake::store::Store;

/// The 403 below Enterprise (what Zendesk answers there is not documented; the custom
/// roles' answer, the documented Enterprise-only API the emulator knows, is used).
const ENTERPRISE_ONLY: &str = "The audit log is only available on the Enterprise plan";

fn bad(description: &str) -> ApiError {
    ApiError::bad_request("InvalidParameter", description)
}

/// Answers `GET /audit_logs…`; `None` for a path that is not an audit log route.
pub(super) fn get(
    store: &Store,
    ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["audit_logs", ..] if ctx.knobs.plan != Plan::Enterprise => {
            Err(ApiError::forbidden(ENTERPRISE_ONLY))
        }
        ["audit_logs"] => list(store, q),
        ["audit_logs", id] => {
            let entry = store
                .audit
                .entry(parse_id(id)?)
                .ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(
                json!({"audit_log": entry.to_json(store.base_url())}),
            ))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}

/// What the filters ask for.
struct Filter {
    source_type: Option<String>,
    source_id: Option<u64>,
    actor_id: Option<u64>,
    ip_address: Option<String>,
    action: Option<String>,
    created_at: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Filter {
    fn parse(q: &Query) -> Result<Self> {
        let number = |key: &str| -> Result<Option<u64>> {
            q.get(key)
                .map(|v| {
                    v.parse()
                        .map_err(|_| bad(&format!("{key} must be a number")))
                })
                .transpose()
        };
        let source_type = q.get("filter[source_type]").map(str::to_owned);
        let source_id = number("filter[source_id]")?;
        if source_id.is_some() && source_type.is_none() {
            return Err(bad("filter[source_id] requires filter[source_type]"));
        }
        let mut times = q.all("filter[created_at]");
        times.extend(q.all("filter[created_at][]"));
        let created_at = match times.as_slice() {
            [] => None,
            [start, end] => {
                let time = |t: &str| {
                    DateTime::parse_from_rfc3339(t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| bad(&format!("filter[created_at] `{t}` is not a time")))
                };
                Some((time(start)?, time(end)?))
            }
            _ => {
                return Err(bad(
                    "filter[created_at] must be given twice: the start time, then the end time",
                ));
            }
        };
        Ok(Self {
            source_type,
            source_id,
            actor_id: number("filter[actor_id]")?,
            ip_address: q.get("filter[ip_address]").map(str::to_owned),
            action: q.get("filter[action]").map(str::to_owned),
            created_at,
        })
    }

    fn admits(&self, e: &AuditEntry) -> bool {
        self.source_type
            .as_deref()
            .is_none_or(|t| t == e.source_type)
            && self.source_id.is_none_or(|id| id == e.source_id)
            && self.actor_id.is_none_or(|id| id == e.actor_id)
            && self
                .ip_address
                .as_deref()
                .is_none_or(|ip| ip == e.ip_address)
            && self.action.as_deref().is_none_or(|a| a == e.action)
            && self
                .created_at
                .is_none_or(|(start, end)| start <= e.created_at && e.created_at <= end)
    }
}

/// Whether the listing is newest first: `sort=-created_at` (cursor, the default) or
/// `sort_order=desc` (offset, the default); other sort keys are refused.
fn newest_first(q: &Query, cursor: bool) -> Result<bool> {
    if cursor {
        return match q.get("sort").unwrap_or("-created_at") {
            "-created_at" => Ok(true),
            "created_at" => Ok(false),
            other => Err(bad(&format!("sort `{other}` is not supported"))),
        };
    }
    if let Some(by) = q.get("sort_by").filter(|by| *by != "created_at") {
        return Err(bad(&format!("sort_by `{by}` is not supported")));
    }
    match q.get("sort_order").unwrap_or("desc") {
        "desc" => Ok(true),
        "asc" => Ok(false),
        other => Err(bad(&format!("sort_order `{other}` is not supported"))),
    }
}

/// The entry's place in the listing's order as one opaque number: its time and its id,
/// reversed for newest first (the cursor carries it, like Zendesk's opaque cursors).
fn sort_key(entry: &AuditEntry, newest_first: bool) -> SortKey {
    let seconds = u64::try_from(entry.created_at.timestamp()).unwrap_or(0);
    let key = (seconds << 30) | (entry.id & ((1 << 30) - 1));
    SortKey::Id(if newest_first { u64::MAX - key } else { key })
}

fn list(store: &Store, q: &Query) -> Result<Reply> {
    let request = PageRequest::parse(q, 100)?;
    let newest_first = newest_first(q, matches!(request, PageRequest::Cursor { .. }))?;
    let filter = Filter::parse(q)?;
    let base = store.base_url();
    let admitted = store.audit.entries().filter(|e| filter.admits(e));
    let items: Box<dyn Iterator<Item = &AuditEntry>> = if newest_first {
        Box::new(admitted.rev())
    } else {
        Box::new(admitted)
    };
    Ok(Reply::raw(render_page(
        "audit_logs",
        items.map(|e| (sort_key(e, newest_first), Wire(e, base))),
        &request,
        &store.url("audit_logs"),
        &extra_params(q),
    )))
}

/// An entry serialised only when it is on the page.
struct Wire<'a>(&'a AuditEntry, &'a str);

impl serde::Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.0.to_json(self.1).serialize(serializer)
    }
}
