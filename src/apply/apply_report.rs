//! What applying a plan did, change by change: applied, failed (with Zendesk's reason and the
//! roster line), unresolved (the outcome could not be learned), or blocked (not attempted).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, Change, Kind, MatchKey, SourceRef};

/// The outcome of one apply run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "zroster apply report")]
pub struct ApplyReport {
    /// The account written to (its base URL).
    pub account: String,
    /// One result per change of the plan, in the plan's order.
    pub results: Vec<ChangeResult>,
    /// Bulk jobs submitted.
    pub jobs: usize,
    /// Requests made, job polls aside (re-reads included).
    pub requests: u64,
    /// Job status polls (`job_statuses/show_many`, all outstanding jobs at once).
    pub job_polls: u64,
    /// Whether the account refused bulk endpoints and single requests were used instead.
    pub fell_back_to_single_requests: bool,
    /// Planned values that do not hold when the written users are read back afterwards.
    pub diverged: Vec<super::Divergence>,
    /// How the convergence check read the written users back, and why that way (`null` when
    /// it read none, or was skipped).
    pub read_back: Option<super::UserReads>,
    /// How long applying took, in milliseconds (the staleness check and planning aside).
    pub elapsed_ms: u64,
    /// Why the run stopped before its end (`interrupted`, or a journal that could no longer
    /// be written), when it did: it finished what it had sent and started nothing more; the
    /// changes `not_started` are left for `--resume` or a fresh plan. The convergence check
    /// is skipped.
    pub stopped: Option<String>,
}

/// [`ApplyReport::stopped`] of a run stopped by an interrupt.
pub const INTERRUPTED: &str = "interrupted";

/// What happened to one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Zendesk made the change.
    Applied,
    /// Zendesk refused the change; `error` and `details` say why.
    Failed,
    /// Nobody knows whether it happened, even after re-reading; a fresh plan will show it.
    Unresolved,
    /// The plan blocked the change; it was not attempted.
    Blocked,
    /// The run stopped (`stopped` says why) before it attempted the change.
    NotStarted,
}

/// One change and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ChangeResult {
    /// What kind of object.
    pub kind: Kind,
    /// What was done to it.
    pub action: Action,
    /// The match key (`external_id:emp-1`, `email:jane@acme.com`, `name:Billing`).
    #[schemars(with = "String")]
    pub key: MatchKey,
    /// A readable name.
    pub label: String,
    /// For memberships: the group or organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The roster entry (`file:line:column`); none for pruned users.
    #[schemars(with = "Option<String>")]
    pub source: Option<SourceRef>,
    /// The object's id, when known (for creates: the new id).
    pub id: Option<u64>,
    /// The outcome.
    pub status: Status,
    /// Zendesk's error code (or ours), for failed and unresolved changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Zendesk's reason, for failed and unresolved changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ChangeResult {
    /// A result for `change`, not yet known to be applied.
    pub(crate) fn pending(change: &Change) -> Self {
        Self {
            kind: change.kind,
            action: change.action,
            key: change.key.clone(),
            label: change.label.clone(),
            target: change.target.clone(),
            source: change.source.clone(),
            id: change.id,
            status: if change.blocked.is_some() {
                Status::Blocked
            } else {
                Status::Unresolved
            },
            error: None,
            details: change.blocked.as_ref().map(ToString::to_string),
        }
    }
}

impl ApplyReport {
    /// Results with `status`.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &ChangeResult> {
        self.results.iter().filter(move |r| r.status == status)
    }

    /// How many changes have `status`.
    #[must_use]
    pub fn count(&self, status: Status) -> usize {
        self.with_status(status).count()
    }

    /// Whether an interrupt stopped the run.
    #[must_use]
    pub fn was_interrupted(&self) -> bool {
        self.stopped.as_deref() == Some(INTERRUPTED)
    }

    /// Whether every change was attempted and applied and every planned value holds.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.count(Status::Failed) == 0
            && self.count(Status::Unresolved) == 0
            && self.count(Status::NotStarted) == 0
            && self.stopped.is_none()
            && self.diverged.is_empty()
    }
}

/// Where the checked-in report schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/report.schema.json";

/// The JSON Schema of `--report`, pretty-printed with a trailing newline.
#[must_use]
pub fn schema_json() -> String {
    crate::schema::generate::<ApplyReport>(SCHEMA_PATH)
}
