//! Bulk job statuses and the per-item results in every shape Zendesk has sent.

use serde::{Deserialize, Deserializer, Serialize};

/// A bulk job (`{"job_status": …}` from a `*_many` endpoint or a poll).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// Job id (`V3-<hex>` or bare hex).
    pub id: String,
    /// API URL.
    #[serde(default)]
    pub url: Option<String>,
    /// `Bulk Create Organization`, … (2024 on; not reliable: a user delete says "Update").
    #[serde(default)]
    pub job_type: Option<String>,
    /// Items in the job.
    #[serde(default)]
    pub total: Option<u64>,
    /// Items done.
    #[serde(default)]
    pub progress: Option<u64>,
    /// Queued, working, completed, failed, killed.
    pub status: JobState,
    /// `Creating User #53`, `Completed at …`.
    #[serde(default)]
    pub message: Option<String>,
    /// Per-item results once finished (an object such as `{"success":true}` reads as none).
    #[serde(default, deserialize_with = "results_list")]
    pub results: Vec<JobResult>,
}

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting to run.
    Queued,
    /// Running.
    Working,
    /// Done; items may still have failed one by one.
    Completed,
    /// The job as a whole failed.
    Failed,
    /// The job was stopped.
    Killed,
    /// A state this version does not know; treated as still running.
    #[serde(other)]
    Unknown,
}

impl JobState {
    /// Whether the job will not change any more.
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Killed)
    }
}

fn results_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<JobResult>, D::Error> {
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        Some(list @ serde_json::Value::Array(_)) => {
            serde_json::from_value(list).map_err(serde::de::Error::custom)
        }
        Some(_) | None => Ok(Vec::new()),
    }
}

/// One item's result as sent. Shapes seen: `{"id","status":"Created"}` (no index),
/// `{"id","index"}` (documented create), `{"id","action":"update","status":"Updated","success":true}`,
/// `{"id","action":"delete","status":"Deleted","success":true}`, failures
/// `{"index","error","id","details"}` without action/success/status, documented failures with
/// `success:false`, and ticket-style `{"index","id","account_id"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The object's id, when it has one.
    #[serde(default)]
    pub id: Option<u64>,
    /// Position of the item in the request, when sent.
    #[serde(default)]
    pub index: Option<usize>,
    /// `create`, `update`, `delete`, …
    #[serde(default)]
    pub action: Option<String>,
    /// `Created`, `Updated`, `Deleted`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Explicit success flag.
    #[serde(default)]
    pub success: Option<bool>,
    /// Error code of a failed item (`OrganizationUpdateFailed`).
    #[serde(default)]
    pub error: Option<String>,
    /// Error text of a failed item; usually a string, kept as JSON in case it is not.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
    /// Email of the user (`create_or_update_many`, UNCERTAIN whether sent).
    #[serde(default)]
    pub email: Option<String>,
    /// External id of the object (UNCERTAIN whether sent).
    #[serde(default)]
    pub external_id: Option<String>,
}

/// What happened to one item, read from a [`JobResult`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum JobResultOutcome {
    /// The object was created.
    Created {
        /// Its id.
        id: Option<u64>,
    },
    /// The object was updated.
    Updated {
        /// Its id.
        id: Option<u64>,
    },
    /// The object was deleted.
    Deleted {
        /// Its id.
        id: Option<u64>,
    },
    /// Success of a kind the result does not name (`{"index","id"}`).
    Done {
        /// Its id.
        id: Option<u64>,
    },
    /// The item failed; the rest of the job went on.
    Failed {
        /// The object's id, when known.
        id: Option<u64>,
        /// Zendesk's error code.
        error: String,
        /// Zendesk's reason.
        details: String,
    },
}

impl JobResult {
    /// Whether this is a `create_or_update_many` failure (`"status": "Failed"`), whose `id`
    /// is the item's position in the request, not an object's id (reported by Zendesk staff
    /// in the developer community; API.md §12).
    fn is_positional_failure(&self) -> bool {
        self.index.is_none()
            && self
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("failed"))
    }

    /// The item this result is about, by its position in the request: `index` when the
    /// result has one, the `id` of a positional failure, else none (results then come in
    /// request order).
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        self.index.or_else(|| {
            self.is_positional_failure()
                .then(|| self.id.and_then(|id| usize::try_from(id).ok()))
                .flatten()
        })
    }

    /// Classifies the result. Failure wins: an `error` key or `success:false`.
    #[must_use]
    pub fn outcome(&self) -> JobResultOutcome {
        let id = if self.is_positional_failure() {
            None
        } else {
            self.id
        };
        let has_error = self.error.as_deref().is_some_and(|error| !error.is_empty());
        if has_error || self.success == Some(false) {
            let details = match &self.details {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            return JobResultOutcome::Failed {
                id,
                error: self
                    .error
                    .clone()
                    .filter(|e| !e.is_empty())
                    .unwrap_or_else(|| "Failed".to_owned()),
                details,
            };
        }
        let status = self.status.as_deref().map(str::to_ascii_lowercase);
        let action = self.action.as_deref().map(str::to_ascii_lowercase);
        match (status.as_deref(), action.as_deref()) {
            (Some("created"), _) | (None, Some("create")) => JobResultOutcome::Created { id },
            (Some("updated"), _) | (None, Some("update")) => JobResultOutcome::Updated { id },
            (Some("deleted"), _) | (None, Some("delete" | "destroy")) => {
                JobResultOutcome::Deleted { id }
            }
            _ => JobResultOutcome::Done { id },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{JobResult, JobResultOutcome, JobState, JobStatus};

    fn outcome(json: &str) -> JobResultOutcome {
        serde_json::from_str::<JobResult>(json).unwrap().outcome()
    }

    #[test]
    fn a_create_or_update_many_failure_names_its_position_not_an_id() {
        let result: JobResult = serde_json::from_str(
            r#"{"id":2,"error":"UserUpdateError","details":"Email: x is not properly formatted","status":"Failed"}"#,
        )
        .unwrap();
        assert_eq!(result.position(), Some(2));
        assert_eq!(
            result.outcome(),
            JobResultOutcome::Failed {
                id: None,
                error: "UserUpdateError".into(),
                details: "Email: x is not properly formatted".into()
            }
        );
        let created: JobResult =
            serde_json::from_str(r#"{"id":61640,"status":"Created","email":"a@x.com"}"#).unwrap();
        assert_eq!(created.position(), None);
        assert_eq!(
            created.outcome(),
            JobResultOutcome::Created { id: Some(61640) }
        );
    }

    #[test]
    fn every_result_shape_is_classified() {
        assert_eq!(
            outcome(r#"{"id":6164068768154,"status":"Created"}"#),
            JobResultOutcome::Created {
                id: Some(6_164_068_768_154)
            }
        );
        assert_eq!(
            outcome(r#"{"status":"Created","id":5}"#),
            JobResultOutcome::Created { id: Some(5) }
        );
        assert_eq!(
            outcome(r#"{"id":245,"index":1}"#),
            JobResultOutcome::Done { id: Some(245) }
        );
        assert_eq!(
            outcome(r#"{"id":1,"action":"update","status":"Updated","success":true}"#),
            JobResultOutcome::Updated { id: Some(1) }
        );
        assert_eq!(
            outcome(r#"{"action":"delete","id":244,"status":"Deleted","success":true}"#),
            JobResultOutcome::Deleted { id: Some(244) }
        );
        assert_eq!(
            outcome(
                r#"{"index":3,"error":"OrganizationUpdateFailed","id":9,"details":"Name:  X has already been taken"}"#
            ),
            JobResultOutcome::Failed {
                id: Some(9),
                error: "OrganizationUpdateFailed".into(),
                details: "Name:  X has already been taken".into()
            }
        );
        assert_eq!(
            outcome(
                r#"{"id":7,"action":"update","success":false,"error":"PermissionDenied","details":"no"}"#
            ),
            JobResultOutcome::Failed {
                id: Some(7),
                error: "PermissionDenied".into(),
                details: "no".into()
            }
        );
        assert_eq!(
            outcome(
                r#"{"index":0,"error":"TicketCreateFailed","details":"Description: cannot be blank"}"#
            ),
            JobResultOutcome::Failed {
                id: None,
                error: "TicketCreateFailed".into(),
                details: "Description: cannot be blank".into()
            }
        );
        assert_eq!(
            outcome(r#"{"index":0,"id":12,"account_id":3}"#),
            JobResultOutcome::Done { id: Some(12) }
        );
        // zenpy's sample: `errors: ""` is not a failure.
        assert_eq!(
            outcome(
                r#"{"title":"t","action":"update","errors":"","id":3,"success":true,"status":"Updated"}"#
            ),
            JobResultOutcome::Updated { id: Some(3) }
        );
    }

    #[test]
    fn job_status_tolerates_null_and_object_results_and_unknown_states() {
        let queued: JobStatus = serde_json::from_str(
            r#"{"id":"V3-abc","job_type":"Bulk Update User","url":"u","total":2,"progress":null,"status":"queued","message":null,"results":null}"#,
        )
        .unwrap();
        assert_eq!(queued.status, JobState::Queued);
        assert!(queued.results.is_empty());
        let object: JobStatus =
            serde_json::from_str(r#"{"id":"x","status":"completed","results":{"success":true}}"#)
                .unwrap();
        assert!(object.results.is_empty());
        assert!(object.status.is_finished());
        let odd: JobStatus = serde_json::from_str(r#"{"id":"x","status":"paused"}"#).unwrap();
        assert_eq!(odd.status, JobState::Unknown);
        assert!(!odd.status.is_finished());
    }
}
