//! `/search` and `/search/export` for `type:user`: the index-backed general search (it lags
//! behind changes, [`search_lag_s`](crate::fake::Knobs::search_lag_s); a user the index still
//! matches comes back as the user is now, deleted or not, as recorded), with offset pages of
//! at most 100 (`/search`, 1,000 results at most) or cursor pages ordered by creation time,
//! newest first (`/search/export`, `page[size]` up to 1,000). Other types find nothing: the
//! emulator has no tickets.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::{ReadContext, Reply, Result};
use crate::fake::api_error::ApiError;
use crate::fake::page::{Query, percent_encode};
use crate::fake::search_index::{Condition, parse_query, time_satisfies};
use crate::fake::store::Store;
use crate::fake::user::User;

/// Answers `GET /search` and `GET /search/export`; `None` for another path.
pub(super) fn get(
    store: &Store,
    ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    match segments {
        ["search"] => search(store, ctx, q).map(Some),
        ["search", "export"] => export(store, ctx, q).map(Some),
        _ => Ok(None),
    }
}

/// The users a query finds, as they are now: the index `lag` behind, then the conditions the
/// index does not hold (times) checked against each user.
pub(super) fn found_users<'s>(
    store: &'s Store,
    conditions: &[Condition],
    lag_s: f64,
) -> Vec<&'s User> {
    store
        .search_users(conditions, lag_s)
        .into_iter()
        .filter_map(|id| store.users.get(&id))
        .filter(|user| {
            conditions.iter().all(|c| match c {
                Condition::Time(field, op, value) => {
                    let at = if *field == "created_at" {
                        &user.created_at
                    } else {
                        &user.updated_at
                    };
                    time_satisfies(at, op, value)
                }
                _ => true,
            })
        })
        .collect()
}

fn result(user: &User) -> Value {
    let mut value = user.to_json();
    if let Some(map) = value.as_object_mut() {
        map.insert("result_type".into(), json!("user"));
    }
    value
}

fn conditions_of(q: &Query) -> Vec<Condition> {
    let mut conditions = parse_query(q.get("query").unwrap_or_default());
    if let Some(kind) = q.get("filter[type]") {
        conditions.push(Condition::Type(kind.to_lowercase()));
    }
    conditions
}

fn search(store: &Store, ctx: &ReadContext<'_>, q: &Query) -> Result<Reply> {
    let conditions = conditions_of(q);
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    if (page - 1) * per_page >= 1_000 {
        return Err(ApiError::bad_request(
            "QueryError",
            "Search results are limited to the first 1000; use /search/export for more",
        ));
    }
    let users = found_users(store, &conditions, ctx.knobs.search_lag_s);
    let count = users.len();
    let results: Vec<Value> = users
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(result)
        .collect();
    let link = |page: usize| {
        let mut pairs: Vec<String> =
            q.0.iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
        pairs.push(format!("page={page}"));
        json!(format!("{}?{}", store.url("search"), pairs.join("&")))
    };
    let next = if page * per_page < count.min(1_000) {
        link(page + 1)
    } else {
        Value::Null
    };
    let previous = if page > 1 {
        link(page - 1)
    } else {
        Value::Null
    };
    let mut body = Map::new();
    body.insert("results".into(), Value::Array(results));
    body.insert("facets".into(), Value::Null);
    body.insert("next_page".into(), next);
    body.insert("previous_page".into(), previous);
    body.insert("count".into(), json!(count));
    Ok(Reply::ok(Value::Object(body)))
}

/// The export cursor: where the last page ended, newest first by creation, then by id.
fn cursor(created_ms: i64, id: u64, exported: usize) -> String {
    STANDARD.encode(
        json!({
            "field": "created_at",
            "desc": true,
            "tieBreakField": "id",
            "tieBreakDesc": false,
            "sortValues": [created_ms, id],
            "exportedThusFar": exported,
        })
        .to_string(),
    )
}

fn created_ms(user: &User) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&user.created_at).map_or(0, |t| t.timestamp_millis())
}

fn export(store: &Store, ctx: &ReadContext<'_>, q: &Query) -> Result<Reply> {
    if q.get("filter[type]").is_none() {
        return Err(ApiError::bad_request(
            "InvalidParameter",
            "filter[type] is required for search export",
        ));
    }
    let size = q
        .get("page[size]")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 1_000);
    let after: Option<(i64, u64, usize)> = match q.get("page[after]") {
        None => None,
        Some(text) => {
            let decoded: Value = STANDARD
                .decode(text)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::bad_request("InvalidCursor", "Invalid cursor"))?;
            let values = &decoded["sortValues"];
            Some((
                values[0].as_i64().unwrap_or_default(),
                values[1].as_u64().unwrap_or_default(),
                decoded["exportedThusFar"].as_u64().unwrap_or_default() as usize,
            ))
        }
    };
    let mut users = found_users(store, &conditions_of(q), ctx.knobs.search_lag_s);
    users.sort_by(|a, b| created_ms(b).cmp(&created_ms(a)).then(a.id.cmp(&b.id)));
    let rest: Vec<&User> = users
        .into_iter()
        .filter(|u| {
            after.is_none_or(|(ms, id, _)| {
                let key = created_ms(u);
                key < ms || (key == ms && u.id > id)
            })
        })
        .collect();
    let page: Vec<&User> = rest.iter().copied().take(size).collect();
    let has_more = rest.len() > page.len();
    let exported = after.map_or(0, |(_, _, n)| n) + page.len();
    let after_cursor = page
        .last()
        .filter(|_| has_more)
        .map(|u| cursor(created_ms(u), u.id, exported));
    let next = after_cursor.as_ref().map(|c| {
        let mut pairs: Vec<String> =
            q.0.iter()
                .filter(|(k, _)| k != "page[after]")
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
        pairs.push(format!("page%5Bafter%5D={}", percent_encode(c)));
        pairs.sort();
        format!("{}?{}", store.url("search/export"), pairs.join("&"))
    });
    let mut body = Map::new();
    body.insert(
        "results".into(),
        Value::Array(page.into_iter().map(result).collect()),
    );
    body.insert("facets".into(), Value::Null);
    body.insert(
        "meta".into(),
        json!({"has_more": has_more, "after_cursor": after_cursor, "before_cursor": null}),
    );
    body.insert("links".into(), json!({"prev": null, "next": next}));
    Ok(Reply::ok(Value::Object(body)))
}
