//! [`ItemError`]: why one change was not applied, or why its outcome is not known. The
//! report writes each as an error code and Zendesk's (or zroster's) reason.

use std::fmt;

use super::Status;
use crate::zendesk::ZendeskError;

/// Why a change was not applied (a failure), or why nobody knows whether it was (unresolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemError {
    /// Zendesk refused the item: its error code (`RecordInvalid`, …) and reason.
    Refused {
        /// Zendesk's error code.
        code: String,
        /// Zendesk's reason.
        details: String,
    },
    /// A request for the change failed for another reason than the item itself.
    Request(String),
    /// The change names a custom role, organization, group or user that was not created.
    UnresolvedReference(String),
    /// The change names no live object to act on (a saved plan edited by hand).
    MissingId(&'static str),
    /// The change is not one a plan holds (a saved plan edited by hand).
    Malformed(String),
    /// The memberships to remove could not be read.
    ReadFailed(String),
    /// The outcome was unknown, and re-reading shows the change did not take effect.
    NotApplied(&'static str),
    /// The answer was lost (a job expired, a connection dropped): nobody knows yet.
    OutcomeUnknown(String),
}

impl ItemError {
    /// The error of a single request that failed.
    #[must_use]
    pub fn from_request(error: &ZendeskError) -> Self {
        match error {
            ZendeskError::OutcomeUnknown { .. }
            | ZendeskError::RetriesExhausted { .. }
            | ZendeskError::DeadlineExceeded { .. } => ItemError::OutcomeUnknown(error.to_string()),
            ZendeskError::Invalid { error: code, .. } => ItemError::Refused {
                code: code.clone(),
                details: error.to_string(),
            },
            other => ItemError::Request(other.to_string()),
        }
    }

    /// The code the report gives it: Zendesk's for refusals, zroster's otherwise.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            ItemError::Refused { code, .. } => code,
            ItemError::Request(_) => "Error",
            ItemError::UnresolvedReference(_) => "UnresolvedReference",
            ItemError::MissingId(_) => "MissingId",
            ItemError::Malformed(_) => "MalformedChange",
            ItemError::ReadFailed(_) => "ReadFailed",
            ItemError::NotApplied(_) => "NotApplied",
            ItemError::OutcomeUnknown(_) => "OutcomeUnknown",
        }
    }

    /// The change's status, error code and reason, as the report has them.
    #[must_use]
    pub fn into_parts(self) -> (Status, String, String) {
        let (status, code) = (self.status(), self.code().to_owned());
        let details = match self {
            ItemError::Refused { details, .. } => details,
            other => other.to_string(),
        };
        (status, code, details)
    }

    /// What it leaves the change as: failed, or unresolved when the outcome is unknown.
    #[must_use]
    pub fn status(&self) -> Status {
        match self {
            ItemError::OutcomeUnknown(_) => Status::Unresolved,
            ItemError::Refused { .. }
            | ItemError::Request(_)
            | ItemError::UnresolvedReference(_)
            | ItemError::MissingId(_)
            | ItemError::Malformed(_)
            | ItemError::ReadFailed(_)
            | ItemError::NotApplied(_) => Status::Failed,
        }
    }
}

/// The reason, as the report's `details` says it.
impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemError::Refused { details, .. } => f.write_str(details),
            ItemError::Request(reason)
            | ItemError::UnresolvedReference(reason)
            | ItemError::Malformed(reason)
            | ItemError::ReadFailed(reason)
            | ItemError::OutcomeUnknown(reason) => f.write_str(reason),
            ItemError::MissingId(reason) | ItemError::NotApplied(reason) => f.write_str(reason),
        }
    }
}
