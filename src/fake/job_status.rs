//! A bulk job status in the recorded key order (`id, job_type, url, total, progress, status,
//! message, results`), plus the emulator's private bookkeeping that is never serialized.

use std::collections::VecDeque;
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

/// One unit of work of a bulk job, applied when the worker reaches it.
#[derive(Debug, Clone)]
pub(crate) enum JobItem {
    CreateUser(Map<String, Value>),
    CreateOrUpdateUser(Map<String, Value>),
    UpdateUser {
        key: UserKey,
        changes: Map<String, Value>,
    },
    DeleteUser(UserKey),
    CreateOrganization(Map<String, Value>),
    UpdateOrganization {
        key: UserKey,
        changes: Map<String, Value>,
    },
    DeleteOrganization(UserKey),
    CreateOrganizationMembership(Map<String, Value>),
    DeleteOrganizationMembership(u64),
    CreateGroupMembership(Map<String, Value>),
    DeleteGroupMembership(u64),
}

/// How a bulk item names its record.
#[derive(Debug, Clone)]
pub(crate) enum UserKey {
    Id(u64),
    ExternalId(String),
    Missing,
}

/// How a job is going to end, drawn when it is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobFate {
    Complete,
    Fail,
    Kill,
}

/// A bulk job's status as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    /// `V3-` and 32 hex digits.
    pub id: String,
    /// `Bulk Create User`, `Bulk Delete Organization`, …
    pub job_type: String,
    /// The status URL (with `.json`).
    pub url: String,
    /// Number of items.
    pub total: usize,
    /// Items done, null while queued.
    pub progress: Option<usize>,
    /// `queued`, `working`, `completed`, `failed` or `killed`.
    pub status: String,
    /// `Creating User #53`, `Completed at …`, or null.
    pub message: Option<String>,
    /// Per-item results once finished.
    pub results: Option<Vec<Value>>,
    #[serde(skip)]
    pub(crate) items: VecDeque<JobItem>,
    #[serde(skip)]
    pub(crate) done: Vec<Value>,
    #[serde(skip)]
    pub(crate) verb: &'static str,
    #[serde(skip)]
    pub(crate) created: Instant,
    #[serde(skip)]
    pub(crate) next_item_at: Instant,
    #[serde(skip)]
    pub(crate) fate: JobFate,
    #[serde(skip)]
    pub(crate) item_faults: Vec<bool>,
}

impl JobStatus {
    /// Whether the job is queued or working.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == "queued" || self.status == "working"
    }
}
