//! `/incremental/users` and `/incremental/users/cursor`: the time-based and cursor-based
//! incremental exports of users, deleted ones included.

use serde_json::{Value, json};

use super::{ReadContext, Reply, Result};
use crate::fake::api_error::ApiError;
use crate::fake::page::{Query, percent_encode};
use crate::fake::store::Store;
use crate::fake::user::User;

/// Answers `GET /incremental/users…`; `None` for any other path.
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["incremental", "users", "cursor"] => incremental_users(store, q),
        ["incremental", "users"] => incremental_users_by_time(store, q),
        _ => return Ok(None),
    };
    reply.map(Some)
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
fn start_time(store: &Store, q: &Query) -> Result<i64> {
    let start = q
        .get("start_time")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidValue",
                "start_time is required and must be a Unix time",
            )
        })?;
    if start > store.clock.unix() - 60 {
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
    let start = start_time(store, q)?;
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
        let start = start_time(store, q)?;
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
