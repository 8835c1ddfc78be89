//! The job worker: bulk endpoints queue [`JobStatus`] records with their items; a background
//! task advances them at `job_items_per_second`, applying each item's effect only when it is
//! processed (`queued` → `working` with `Creating User #n` → `completed`), with per-item
//! results in the recorded shapes. Jobs expire `job_ttl_s` after creation.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::api_error::ApiError;
use super::group_membership::GroupMembership;
use super::job_status::{JobFate, JobItem, JobStatus, UserKey};
use super::organization_membership::OrganizationMembership;
use super::store::Store;

/// What a bulk request asks for, before it becomes a job.
#[derive(Debug)]
pub(crate) struct JobRequest {
    pub(crate) job_type: &'static str,
    pub(crate) verb: &'static str,
    pub(crate) items: Vec<JobItem>,
    pub(crate) fate: JobFate,
    pub(crate) item_faults: Vec<bool>,
}

/// Advances jobs; stateless, everything lives in the [`Store`].
#[derive(Debug)]
pub(crate) struct JobWorker;

fn stamp(store: &Store) -> String {
    store
        .clock
        .now()
        .format("%Y-%m-%d %H:%M:%S +0000")
        .to_string()
}

fn failure(index: usize, error: &str, id: Option<u64>, details: &str) -> Value {
    json!({"index": index, "error": error, "id": id, "details": details})
}

impl JobWorker {
    /// Queues a job; 429 when `max_jobs` jobs are already queued or working.
    pub(crate) fn submit(
        store: &mut Store,
        request: JobRequest,
        max_jobs: usize,
        rate: f64,
        job_id: String,
    ) -> Result<Value, ApiError> {
        let active = store.jobs.iter().filter(|j| j.is_active()).count();
        if active >= max_jobs {
            return Err(ApiError::too_many_jobs(max_jobs));
        }
        let now = Instant::now();
        let job = JobStatus {
            url: store.object_url(&format!("job_statuses/{job_id}")),
            id: job_id,
            job_type: request.job_type.to_owned(),
            total: request.items.len(),
            progress: None,
            status: "queued".to_owned(),
            message: None,
            results: None,
            items: VecDeque::from(request.items),
            done: Vec::new(),
            verb: request.verb,
            created: now,
            next_item_at: now + Self::interval(rate),
            fate: request.fate,
            item_faults: request.item_faults,
        };
        let body = json!({"job_status": job});
        store.jobs.push(job);
        Ok(body)
    }

    /// The time between two items; an infinite rate is instant (a paused worker, rate 0,
    /// never reaches the items, see [`JobWorker::advance`]).
    fn interval(rate: f64) -> Duration {
        if !rate.is_finite() || rate > 1e9 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(1.0 / rate.max(1e-6))
        }
    }

    /// Drops expired jobs and processes every item that is due.
    pub(crate) fn advance(store: &mut Store, now: Instant, rate: f64, ttl: Duration) {
        store.jobs.retain(|j| now.duration_since(j.created) < ttl);
        if rate <= 0.0 || rate.is_nan() {
            // Paused: jobs stay where they are and resume one interval after un-pausing.
            for job in &mut store.jobs {
                job.next_item_at = now;
            }
            return;
        }
        let interval = Self::interval(rate);
        for index in 0..store.jobs.len() {
            // After a speed-up (or un-pausing) the next item is due within one new interval.
            let job = &mut store.jobs[index];
            job.next_item_at = job.next_item_at.min(now + interval);
            while store.jobs[index].is_active() && store.jobs[index].next_item_at <= now {
                Self::step(store, index);
                let job = &mut store.jobs[index];
                job.next_item_at += interval;
                if interval.is_zero() && job.items.is_empty() {
                    break;
                }
            }
        }
    }

    fn step(store: &mut Store, index: usize) {
        let stamp = stamp(store);
        let job = &mut store.jobs[index];
        let position = job.done.len();
        let halfway = job.total / 2;
        if job.fate != JobFate::Complete && position == halfway {
            let (status, word) = if job.fate == JobFate::Fail {
                ("failed", "Failed")
            } else {
                ("killed", "Killed")
            };
            status.clone_into(&mut job.status);
            job.message = Some(format!("{word} at {stamp}"));
            job.progress = Some(position);
            job.results = Some(std::mem::take(&mut job.done));
            job.items.clear();
            return;
        }
        let Some(item) = job.items.pop_front() else {
            "completed".clone_into(&mut job.status);
            job.progress = Some(job.total);
            job.message = Some(format!("Completed at {stamp}"));
            job.results = Some(std::mem::take(&mut job.done));
            return;
        };
        let faulty = job.item_faults.get(position).copied().unwrap_or(false);
        let verb = job.verb;
        let result = if faulty {
            Self::fault_result(position, &item)
        } else {
            Self::apply(store, position, item)
        };
        let job = &mut store.jobs[index];
        job.done.push(result);
        let n = job.done.len();
        "working".clone_into(&mut job.status);
        job.progress = Some(n);
        job.message = Some(format!("{verb} #{n}"));
        if job.items.is_empty() {
            "completed".clone_into(&mut job.status);
            job.message = Some(format!("Completed at {stamp}"));
            job.results = Some(std::mem::take(&mut job.done));
        }
    }

    fn fault_result(index: usize, item: &JobItem) -> Value {
        let (error, id) = match item {
            JobItem::CreateOrUpdateUser(_) => {
                return json!({
                    "id": index,
                    "error": "UserCreateError",
                    "details": "Injected fault: the item was not processed",
                    "status": "Failed",
                });
            }
            JobItem::CreateUser(_) => ("UserCreateFailed", None),
            JobItem::UpdateUser { key, .. } => ("UserUpdateFailed", key_id(key)),
            JobItem::DeleteUser(key) => ("UserDeleteFailed", key_id(key)),
            JobItem::CreateOrganization(_) => ("OrganizationCreateFailed", None),
            JobItem::UpdateOrganization { key, .. } => ("OrganizationUpdateFailed", key_id(key)),
            JobItem::DeleteOrganization(key) => ("OrganizationDeleteFailed", key_id(key)),
            JobItem::CreateOrganizationMembership(_) => {
                ("OrganizationMembershipCreateFailed", None)
            }
            JobItem::DeleteOrganizationMembership(id) => {
                ("OrganizationMembershipDeleteFailed", Some(*id))
            }
            JobItem::CreateGroupMembership(_) => ("GroupMembershipCreateFailed", None),
            JobItem::DeleteGroupMembership(id) => ("GroupMembershipDeleteFailed", Some(*id)),
        };
        failure(
            index,
            error,
            id,
            "Injected fault: the item was not processed",
        )
    }

    fn resolve_user(store: &Store, key: &UserKey) -> Option<u64> {
        match key {
            UserKey::Id(id) => store.users.get(id).filter(|u| u.active).map(|u| u.id),
            UserKey::ExternalId(ext) => store.user_by_external_id(ext),
            UserKey::Missing => None,
        }
    }

    fn resolve_organization(store: &Store, key: &UserKey) -> Option<u64> {
        match key {
            UserKey::Id(id) => store.organizations.contains_key(id).then_some(*id),
            UserKey::ExternalId(ext) => store.organization_by_external_id(ext),
            UserKey::Missing => None,
        }
    }

    fn apply(store: &mut Store, index: usize, item: JobItem) -> Value {
        let not_found =
            |error: &str, key: &UserKey| failure(index, error, key_id(key), "Not found");
        match item {
            JobItem::CreateUser(map) => match store.create_user(&map) {
                Ok(id) => json!({"id": id, "status": "Created"}),
                Err(e) => failure(index, "UserCreateFailed", None, &e.detail_text()),
            },
            // `{"id", "status", "email"}`, and a failure `{"id": <position>, "error",
            // "details", "status": "Failed"}` (API.md §12, reported rather than recorded; the
            // error codes are UNCERTAIN: `UserUpdateError` is the one reported).
            JobItem::CreateOrUpdateUser(map) => {
                let matched = store.match_user(&map);
                match store.create_or_update_user(&map) {
                    Ok((id, created)) => json!({
                        "id": id,
                        "status": if created { "Created" } else { "Updated" },
                        "email": store.users.get(&id).and_then(|u| u.email.clone()),
                    }),
                    Err(e) => json!({
                        "id": index,
                        "error": if matched.is_some() { "UserUpdateError" } else { "UserCreateError" },
                        "details": e.detail_text(),
                        "status": "Failed",
                    }),
                }
            }
            JobItem::UpdateUser { key, changes } => match Self::resolve_user(store, &key) {
                None => not_found("UserUpdateFailed", &key),
                Some(id) => match store.update_user(id, &changes) {
                    Ok(()) => {
                        json!({"id": id, "action": "update", "status": "Updated", "success": true})
                    }
                    Err(e) => failure(index, "UserUpdateFailed", Some(id), &e.detail_text()),
                },
            },
            JobItem::DeleteUser(key) => match Self::resolve_user(store, &key) {
                None => not_found("UserDeleteFailed", &key),
                Some(id) => match store.delete_user(id) {
                    Ok(()) => {
                        json!({"id": id, "action": "delete", "status": "Deleted", "success": true})
                    }
                    Err(e) => failure(index, "UserDeleteFailed", Some(id), &e.detail_text()),
                },
            },
            JobItem::CreateOrganization(map) => match store.create_organization(&map) {
                Ok(id) => json!({"status": "Created", "id": id}),
                Err(e) => failure(index, "OrganizationCreateFailed", None, &e.detail_text()),
            },
            JobItem::UpdateOrganization { key, changes } => {
                match Self::resolve_organization(store, &key) {
                    None => not_found("OrganizationUpdateFailed", &key),
                    Some(id) => match store.update_organization(id, &changes) {
                        Ok(()) => {
                            json!({"action": "update", "id": id, "status": "Updated", "success": true})
                        }
                        Err(e) => failure(
                            index,
                            "OrganizationUpdateFailed",
                            Some(id),
                            &e.detail_text(),
                        ),
                    },
                }
            }
            JobItem::DeleteOrganization(key) => match Self::resolve_organization(store, &key) {
                None => not_found("OrganizationDeleteFailed", &key),
                Some(id) => match store.delete_organization(id) {
                    Ok(()) => {
                        json!({"action": "delete", "id": id, "status": "Deleted", "success": true})
                    }
                    Err(e) => failure(
                        index,
                        "OrganizationDeleteFailed",
                        Some(id),
                        &e.detail_text(),
                    ),
                },
            },
            JobItem::CreateOrganizationMembership(map) => {
                match store.create_membership::<OrganizationMembership>(&map) {
                    Ok(id) => json!({"id": id, "status": "Created"}),
                    Err(e) => failure(
                        index,
                        "OrganizationMembershipCreateFailed",
                        None,
                        &e.detail_text(),
                    ),
                }
            }
            JobItem::DeleteOrganizationMembership(id) => {
                match store.delete_membership::<OrganizationMembership>(id) {
                    Ok(()) => {
                        json!({"id": id, "action": "delete", "status": "Deleted", "success": true})
                    }
                    Err(e) => failure(
                        index,
                        "OrganizationMembershipDeleteFailed",
                        Some(id),
                        &e.detail_text(),
                    ),
                }
            }
            JobItem::CreateGroupMembership(map) => {
                match store.create_membership::<GroupMembership>(&map) {
                    Ok(id) => json!({"id": id, "status": "Created"}),
                    Err(e) => failure(index, "GroupMembershipCreateFailed", None, &e.detail_text()),
                }
            }
            JobItem::DeleteGroupMembership(id) => {
                match store.delete_membership::<GroupMembership>(id) {
                    Ok(()) => {
                        json!({"id": id, "action": "delete", "status": "Deleted", "success": true})
                    }
                    Err(e) => failure(
                        index,
                        "GroupMembershipDeleteFailed",
                        Some(id),
                        &e.detail_text(),
                    ),
                }
            }
        }
    }

    /// The job with this id, unless expired.
    pub(crate) fn find<'a>(store: &'a Store, id: &str, ttl: Duration) -> Option<&'a JobStatus> {
        store
            .jobs
            .iter()
            .find(|j| j.id == id && j.created.elapsed() < ttl)
    }
}

fn key_id(key: &UserKey) -> Option<u64> {
    match key {
        UserKey::Id(id) => Some(*id),
        _ => None,
    }
}
