//! `zplan --explain-drift`: reads the account's audit log to say who made the drift a plan
//! reverts, with the fewest requests: one listing of the window (`filter[source_type]=user`
//! and `filter[created_at]`), newest first, 100 entries a page, stopping as soon as every
//! change and unlisted user has its latest entry, or the budget is spent. Never one request
//! per user.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::Error;
use crate::plan::{DriftExplainer, DriftExplanation, Plan};
use crate::zendesk::{ReadClient, ZendeskError};

/// How far back and with how many requests the audit log is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainDrift {
    /// The most requests.
    pub budget: usize,
    /// How many days back.
    pub days: u32,
}

/// Reads the audit log for `plan` and adds what it says to the plan
/// ([`Plan::drift_explanation`], and the requests to the summary). The window ends now, on
/// the clock (the account's changes happened in real time, whatever `--now` says of time
/// boxes). An audit log that cannot be read (below Enterprise, 403; 404; any other failure,
/// also after some pages) makes every value not yet explained say so: the explanation is
/// optional, and never fails the plan.
pub async fn explain(
    client: &ReadClient,
    plan: &mut Plan,
    options: ExplainDrift,
) -> Result<(), Error> {
    let now = Utc::now();
    let mut explainer = DriftExplainer::new(plan);
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut read = DriftExplanation {
        since: time(now - Duration::days(i64::from(options.days))),
        until: time(now),
        budget: options.budget,
        ..DriftExplanation::default()
    };
    if !explainer.is_empty() {
        let mut pager = client.audit_logs("user", &read.since, &read.until);
        let mut oldest = None;
        while !explainer.is_done() && pager.has_next() {
            if read.requests == options.budget {
                read.read_back_to = oldest.or_else(|| Some(read.until.clone()));
                break;
            }
            read.requests += 1;
            match pager.next_page().await {
                Ok(Some(page)) => {
                    for entry in &page {
                        read.entries_read += 1;
                        explainer.read(entry);
                        if entry.created_at.is_some() {
                            oldest.clone_from(&entry.created_at);
                        }
                    }
                }
                Ok(None) => break,
                Err(ZendeskError::Forbidden { message, .. }) => {
                    read.unavailable = Some(format!(
                        "403: {message}; the audit log needs Zendesk Enterprise and an admin"
                    ));
                    break;
                }
                Err(ZendeskError::NotFound { .. }) => {
                    read.unavailable = Some("404: the account has no audit log API".to_owned());
                    break;
                }
                Err(error) => {
                    read.unavailable = Some(if read.entries_read == 0 {
                        error.to_string()
                    } else {
                        format!("after {} entries: {error}", read.entries_read)
                    });
                    break;
                }
            }
        }
    }
    plan.summary.explain_drift_requests = Some(read.requests);
    plan.drift_explanation = Some(explainer.finish(read));
    Ok(())
}
