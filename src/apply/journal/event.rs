//! [`Event`]: the journal's lines, one JSON object each, tagged by `event`. Written by the
//! [`Journal`](super::Journal) and read back by [`Interrupted`](super::Interrupted); fields
//! a reader does not need default, so that journals of earlier runs still read.

use serde::{Deserialize, Serialize};

use crate::apply::convergence::MembershipsRead;
use crate::apply::{Divergence, Status, UserReads};
use crate::plan::{MatchKey, SourceRef};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    /// The run started applying a plan.
    PlanAccepted {
        /// The account written to.
        #[serde(default)]
        account: String,
        /// The digest of the roster the plan was made from.
        #[serde(default)]
        roster_digest: String,
        /// The digest of the plan ([`crate::plan::Plan::digest`]).
        #[serde(default)]
        plan_digest: Option<String>,
        /// How many changes it applies.
        #[serde(default)]
        changes: usize,
    },
    /// An operation (a bulk write, a single request) is about to be submitted.
    OperationStarted {
        /// The endpoint, `users/update_many`.
        #[serde(default)]
        operation: String,
        /// How many items it carries.
        #[serde(default)]
        items: usize,
        /// The changes it makes (indices in the plan), in item order.
        #[serde(default)]
        changes: Vec<usize>,
    },
    /// Zendesk queued a job.
    JobSubmitted {
        /// Zendesk's job id.
        #[serde(default)]
        job_id: String,
        /// The changes it carries, in item order.
        #[serde(default)]
        items: Vec<JobItem>,
    },
    /// A job reported its results.
    JobFinished {
        /// Zendesk's job id.
        #[serde(default)]
        job_id: String,
        /// Its final status (`completed`, `failed`, …).
        #[serde(default)]
        status: String,
    },
    /// The account refused a bulk endpoint (bulk imports off); its items went as single
    /// requests. A resumed run starts with single requests for it.
    BulkRefused {
        /// The endpoint, `POST /api/v2/users/create_or_update_many`.
        #[serde(default)]
        endpoint: String,
    },
    /// A change's result became known.
    ItemResult(Item),
    /// A change whose outcome was unknown was settled by re-reading.
    ItemResolved(Item),
    /// The convergence check re-read the users written.
    ConvergenceChecked {
        /// Users re-read.
        #[serde(default)]
        users: usize,
        /// How the users were read back, and why (not read back).
        #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
        user_reads: Option<UserReads>,
        /// Incremental-export pages read.
        #[serde(default)]
        incremental_pages: u64,
        /// `show_many` requests made.
        #[serde(default)]
        show_many_requests: u64,
        /// How each kind of memberships was read back (not read back).
        #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
        membership_reads: Vec<MembershipsRead>,
        /// What did not hold (not read back).
        #[serde(default, skip_deserializing)]
        diverged: Vec<Divergence>,
    },
    /// The run got to its end.
    RunFinished {
        /// Changes applied.
        #[serde(default)]
        applied: usize,
        /// Changes failed.
        #[serde(default)]
        failed: usize,
        /// Changes unresolved.
        #[serde(default)]
        unresolved: usize,
        /// Changes blocked.
        #[serde(default)]
        blocked: usize,
        /// Changes not started: the run stopped before them.
        #[serde(default)]
        not_started: usize,
        /// Why the run stopped before its end, when it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<String>,
        /// Bulk jobs submitted.
        #[serde(default)]
        jobs: usize,
        /// Requests made, job polls aside.
        #[serde(default)]
        requests: u64,
    },
    /// An event this zroster does not know (a later version's): ignored.
    #[serde(other)]
    Other,
}

/// A change a job carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JobItem {
    /// The change (index in the plan).
    pub(crate) change: usize,
    /// Its match key.
    pub(crate) key: MatchKey,
}

/// A change's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Item {
    /// The change (index in the plan).
    pub(crate) change: usize,
    /// Its match key.
    #[serde(default)]
    pub(crate) key: Option<MatchKey>,
    /// Its roster entry.
    #[serde(default)]
    pub(crate) source: Option<SourceRef>,
    /// The outcome.
    pub(crate) status: Status,
    /// The object's id, when known.
    #[serde(default)]
    pub(crate) id: Option<u64>,
    /// The error code, for failed and unresolved changes.
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// The reason.
    #[serde(default)]
    pub(crate) details: Option<String>,
}
