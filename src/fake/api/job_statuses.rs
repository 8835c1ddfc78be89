//! `/job_statuses`: the jobs the bulk endpoints queued, while their time to live lasts.

use serde_json::{Value, json};

use super::{ReadContext, Reply, Result, offset_envelope, to_json};
use crate::fake::api_error::ApiError;
use crate::fake::job_worker::JobWorker;
use crate::fake::page::Query;
use crate::fake::store::Store;

/// Answers `GET /job_statuses…`; `None` for a path that is not a job status route.
pub(super) fn get(
    store: &Store,
    ctx: &ReadContext<'_>,
    segments: &[&str],
    q: &Query,
) -> Result<Option<Reply>> {
    let reply = match segments {
        ["job_statuses"] => {
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
        ["job_statuses", "show_many"] => {
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
        ["job_statuses", id] => {
            let job = JobWorker::find(store, id, ctx.ttl()).ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(json!({"job_status": to_json(job)})))
        }
        _ => return Ok(None),
    };
    reply.map(Some)
}
