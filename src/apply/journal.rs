//! The apply journal: one JSON line per event (plan accepted, job submitted with its items,
//! job finished, each item's result, item resolved by re-reading, run finished), flushed line
//! by line so that an interrupted run can be understood. It holds match keys, roster
//! locations and Zendesk's answers, never credentials.
//!
//! The journal is also the client's [`Observer`]: the executor names the changes of the bulk
//! operation it is about to run ([`Journal::begin`]); the client reports each job it submits
//! with the range of items it carries, which the journal maps back to those changes.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::plan::{Change, Plan};
use crate::zendesk::{ClientEvent, Observer};

use super::{ApplyReport, ChangeResult, Status};

/// Where journal lines go.
pub struct Journal {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Opened at the first event, so that a run that applies nothing leaves no file.
    out: Option<Box<dyn Write + Send>>,
    /// Where to open it.
    path: Option<std::path::PathBuf>,
    /// The changes of the running bulk operation, in submission order: (change index, key).
    current: Vec<(usize, String)>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal written to `path`; the file (and its directory) is created at the first
    /// event.
    #[must_use]
    pub fn create(path: &Path) -> Self {
        Self {
            inner: Mutex::new(Inner {
                out: None,
                path: Some(path.to_path_buf()),
                current: Vec::new(),
            }),
        }
    }

    /// A journal written to `out` (tests).
    #[must_use]
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                out: Some(out),
                path: None,
                current: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes one event line; a journal that cannot be written does not stop the apply.
    fn write(inner: &mut Inner, event: &str, mut fields: Value) {
        if let Value::Object(map) = &mut fields {
            map.insert("event".to_owned(), json!(event));
            map.insert(
                "at".to_owned(),
                json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            );
        }
        if inner.out.is_none()
            && let Some(path) = &inner.path
        {
            let open = || -> std::io::Result<std::fs::File> {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::File::create(path)
            };
            if let Ok(file) = open() {
                inner.out = Some(Box::new(file));
            }
        }
        let Some(out) = inner.out.as_mut() else {
            return;
        };
        let _ = serde_json::to_writer(&mut *out, &fields);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }

    pub(crate) fn plan_accepted(&self, plan: &Plan) {
        let fields = json!({
            "account": plan.account,
            "roster_digest": plan.roster_digest,
            "changes": plan.applicable().count(),
        });
        Self::write(&mut self.lock(), "plan_accepted", fields);
    }

    /// Names the changes of the bulk operation about to run, in submission order.
    pub(crate) fn begin(&self, operation: &str, plan: &Plan, items: &[usize]) {
        let mut inner = self.lock();
        inner.current = items
            .iter()
            .map(|&i| (i, plan.changes[i].key.clone()))
            .collect();
        if !items.is_empty() {
            Self::write(
                &mut inner,
                "operation_started",
                json!({ "operation": operation, "items": items.len() }),
            );
        }
    }

    /// One item's result (`item_result`), or its settling by re-reading (`item_resolved`).
    pub(crate) fn result(
        &self,
        event: &str,
        change_index: usize,
        change: &Change,
        result: &ChangeResult,
    ) {
        let fields = json!({
            "change": change_index,
            "key": change.key,
            "source": change.source,
            "status": result.status,
            "id": result.id,
            "error": result.error,
            "details": result.details,
        });
        Self::write(&mut self.lock(), event, fields);
    }

    /// The convergence check: how many users were re-read and what did not hold.
    pub(crate) fn converged(&self, users: usize, diverged: &[super::Divergence]) {
        let fields = json!({ "users": users, "diverged": diverged });
        Self::write(&mut self.lock(), "convergence_checked", fields);
    }

    pub(crate) fn run_finished(&self, report: &ApplyReport) {
        let fields = json!({
            "applied": report.count(Status::Applied),
            "failed": report.count(Status::Failed),
            "unresolved": report.count(Status::Unresolved),
            "blocked": report.count(Status::Blocked),
            "jobs": report.jobs,
            "requests": report.requests,
        });
        Self::write(&mut self.lock(), "run_finished", fields);
    }
}

impl Observer for Journal {
    fn on_event(&self, event: &ClientEvent<'_>) {
        match event {
            ClientEvent::JobSubmitted { id, items } => {
                let mut inner = self.lock();
                let carried: Vec<Value> = inner
                    .current
                    .get(items.clone())
                    .unwrap_or_default()
                    .iter()
                    .map(|(change, key)| json!({ "change": change, "key": key }))
                    .collect();
                Self::write(
                    &mut inner,
                    "job_submitted",
                    json!({ "job_id": id, "items": carried }),
                );
            }
            ClientEvent::JobFinished { id, status } => {
                Self::write(
                    &mut self.lock(),
                    "job_finished",
                    json!({ "job_id": id, "status": status }),
                );
            }
            _ => {}
        }
    }
}
