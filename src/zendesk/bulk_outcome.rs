//! The result of a bulk write: one outcome per submitted item, in submission order.

use serde::Serialize;

use super::wire::JobResultOutcome;

/// What happened to one submitted item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ItemOutcome {
    /// Created.
    Created {
        /// The new object's id.
        id: Option<u64>,
    },
    /// Updated.
    Updated {
        /// The object's id.
        id: Option<u64>,
    },
    /// Deleted.
    Deleted {
        /// The object's id.
        id: Option<u64>,
    },
    /// Succeeded without saying how (`{"index","id"}`).
    Done {
        /// The object's id.
        id: Option<u64>,
    },
    /// Zendesk refused this item; the others went on.
    Failed {
        /// The object's id, when known.
        id: Option<u64>,
        /// Zendesk's error code.
        error: String,
        /// Zendesk's reason.
        details: String,
    },
    /// Nobody knows whether it happened (job expired or vanished, answer lost): re-read the
    /// object instead of guessing.
    Unknown {
        /// Why the outcome is unknown.
        reason: String,
    },
    /// Never sent: the run was stopped ([`super::Stop`]) before its job or request.
    NotSubmitted,
}

impl ItemOutcome {
    /// Whether the item certainly took effect.
    #[must_use]
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Self::Created { .. } | Self::Updated { .. } | Self::Deleted { .. } | Self::Done { .. }
        )
    }

    /// Whether Zendesk refused the item.
    #[must_use]
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// Whether the outcome is unknown.
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown { .. })
    }
}

impl From<JobResultOutcome> for ItemOutcome {
    fn from(outcome: JobResultOutcome) -> Self {
        match outcome {
            JobResultOutcome::Created { id } => Self::Created { id },
            JobResultOutcome::Updated { id } => Self::Updated { id },
            JobResultOutcome::Deleted { id } => Self::Deleted { id },
            JobResultOutcome::Done { id } => Self::Done { id },
            JobResultOutcome::Failed { id, error, details } => Self::Failed { id, error, details },
        }
    }
}

/// Every item's outcome of one bulk operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    /// One outcome per submitted item, at the item's index.
    pub items: Vec<ItemOutcome>,
    /// Bulk jobs submitted (0 after a fallback to single requests).
    pub jobs: usize,
    /// Whether the account refused the bulk endpoint (403) and single requests were used.
    pub fell_back_to_single_requests: bool,
}

impl BulkOutcome {
    /// Items that failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.items.iter().filter(|item| item.is_failed()).count()
    }

    /// Items whose outcome is unknown.
    #[must_use]
    pub fn unknown(&self) -> usize {
        self.items.iter().filter(|item| item.is_unknown()).count()
    }
}
