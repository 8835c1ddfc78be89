//! Running a bulk write as jobs: chunks of at most 100 items, each job drawing a slot of the
//! client's [`JobBoard`] (so that operations running side by side never have more than
//! `max_jobs` jobs queued or running together), every job polled by the board with the
//! others in one `job_statuses/show_many` request, and every item's result mapped back to
//! its index in the submission.
//!
//! Submissions go out several at a time once the first one was accepted: the first is sent
//! alone, because its 403 is how an account without bulk imports answers, and the caller
//! then sends single requests instead.

use std::ops::Range;
use std::sync::Arc;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use reqwest::{Method, Url};

use super::job_board::{JobBoard, Outstanding, POLL_FIRST, POLL_MAX, POLL_NO_DELAY, Polled};
use super::job_board::{next_poll, statuses};
use super::limits::BULK_LIMIT;
use super::transport::{Repeat, Transport};
use super::wire::{JobState, JobStatus, parse_object};
use super::{BulkOutcome, ClientEvent, ItemOutcome, ReadClient, Stop, ZendeskError};

/// One bulk operation: how to submit a chunk of items.
pub(crate) struct BulkJob<'a> {
    /// The request that submits items `range` of the operation.
    pub(crate) submit:
        &'a (dyn Fn(Range<usize>) -> (Method, Url, Option<serde_json::Value>) + Sync),
    /// Whether a submission may be repeated after a lost answer.
    pub(crate) repeat: Repeat,
    /// Items in all.
    pub(crate) count: usize,
    /// Raised, no further chunk is submitted; the jobs submitted are still waited for.
    pub(crate) stop: &'a Stop,
    /// Which operation of the run this is, as [`ClientEvent::JobSubmitted`] names it.
    pub(crate) operation: u64,
}

impl BulkJob<'_> {
    /// Submits every chunk and waits for every job. A 401, or a 403 on the first submission
    /// (the caller may then fall back to single requests), is returned as an error; other
    /// failed submissions are recorded per item, and the items of a job whose poll failed
    /// are unknown (the caller re-reads them).
    pub(crate) async fn run(
        &self,
        client: &ReadClient,
        board: &Arc<JobBoard>,
    ) -> Result<BulkOutcome, ZendeskError> {
        let transport = &client.transport;
        let chunks: Vec<Range<usize>> = (0..self.count)
            .step_by(BULK_LIMIT)
            .map(|start| start..(start + BULK_LIMIT).min(self.count))
            .collect();
        let mut items: Vec<Option<ItemOutcome>> = vec![None; self.count];
        // Several submissions in flight, once the first one was accepted.
        let in_flight = transport.settings().concurrency.max(1);
        let mut accepted = false;
        let mut submitting = FuturesUnordered::new();
        let mut waiting = FuturesUnordered::new();
        let mut next_chunk = 0;
        let mut finished = 0;
        loop {
            let may_submit = next_chunk < chunks.len()
                && !self.stop.is_raised()
                && submitting.len() < if accepted { in_flight } else { 1 };
            if !may_submit && submitting.is_empty() && waiting.is_empty() {
                break;
            }
            tokio::select! {
                slot = board.slot(), if may_submit => {
                    let range = chunks[next_chunk].clone();
                    next_chunk += 1;
                    submitting.push(self.submit_chunk(transport, range).map(|(range, answer)| (range, answer, slot)));
                }
                Some((range, answer, slot)) = submitting.next(), if !submitting.is_empty() => {
                    match answer {
                        Ok(status) => {
                            accepted = true;
                            transport.with_stats(|stats| stats.jobs_submitted += 1);
                            transport.observer().on_event(&ClientEvent::JobSubmitted {
                                id: &status.id,
                                operation: self.operation,
                                items: range.clone(),
                            });
                            if status.status.is_finished() {
                                record(&mut items, &range, &status);
                                finished_event(transport, &status);
                                finished += 1;
                            } else {
                                let job = Outstanding::new(status.id.clone(), range.clone());
                                let heard = board.watch(client, job, &status, slot);
                                let id = status.id.clone();
                                waiting.push(heard.map(move |heard| (range, id, heard)));
                            }
                        }
                        Err(error @ ZendeskError::Authentication { .. }) => return Err(error),
                        // Only a refusal of the first job means "bulk imports disabled": the
                        // caller then runs every item as a single request. It was sent alone.
                        Err(error @ ZendeskError::Forbidden { .. }) if !accepted && range.start == 0 => {
                            return Err(error);
                        }
                        Err(error) => fill(&mut items, &range, &error),
                    }
                }
                Some((range, id, heard)) = waiting.next(), if !waiting.is_empty() => {
                    finished += 1;
                    // The board never drops a job unheard; if it did, the job is gone.
                    let polled: Polled = heard.unwrap_or(Ok(None));
                    match polled {
                        Ok(ended) => ended_job(transport, &mut items, &range, &id, ended.as_ref()),
                        Err(reason) => {
                            let reason = format!("polling job `{id}` failed: {reason}");
                            for item in &mut items[range] {
                                item.get_or_insert_with(|| ItemOutcome::Unknown { reason: reason.clone() });
                            }
                        }
                    }
                }
            }
            transport.observer().on_event(&ClientEvent::Jobs {
                finished,
                submitted: next_chunk,
                total: chunks.len(),
            });
        }
        // Stopped: the chunks never submitted.
        for range in &chunks[next_chunk..] {
            for item in &mut items[range.clone()] {
                *item = Some(ItemOutcome::NotSubmitted);
            }
        }
        Ok(BulkOutcome {
            items: finish(transport, items),
            jobs: next_chunk,
            fell_back_to_single_requests: false,
        })
    }

    /// Submits items `range`; answers with the range and the job's first status.
    async fn submit_chunk(
        &self,
        transport: &Transport,
        range: Range<usize>,
    ) -> (Range<usize>, Result<JobStatus, ZendeskError>) {
        let (method, url, body) = (self.submit)(range.clone());
        let endpoint = transport.endpoint(&method, &url);
        let answer = match transport
            .send(method, url, body.as_ref(), self.repeat)
            .await
        {
            Ok(answer) => {
                transport.decode(&endpoint, &answer, |body| parse_object(body, "job_status"))
            }
            Err(error) => Err(error),
        };
        (range, answer)
    }
}

impl ReadClient {
    /// Waits for jobs submitted earlier (by a run that was interrupted) and returns each
    /// job's item outcomes, in submission order. `jobs` pairs each job id with the number of
    /// items it carried. A job Zendesk no longer knows (expired, vanished) gives `Unknown`
    /// items: the caller re-reads rather than guesses.
    pub async fn await_jobs(
        &self,
        jobs: &[(String, usize)],
    ) -> Result<Vec<Vec<ItemOutcome>>, ZendeskError> {
        let mut outstanding = Vec::new();
        let mut start = 0;
        for (id, count) in jobs {
            outstanding.push(Outstanding::new(id.clone(), start..start + count));
            start += count;
        }
        let mut items: Vec<Option<ItemOutcome>> = vec![None; start];
        let mut poll_wait = POLL_FIRST;
        while !outstanding.is_empty() {
            let ids: Vec<String> = outstanding.iter().map(|job| job.id.clone()).collect();
            let answer = statuses(self, &ids).await?;
            outstanding.retain_mut(|job| match answer.get(&job.id).cloned().flatten() {
                Some(status) if !status.status.is_finished() => {
                    job.observe(&self.transport, &status);
                    true
                }
                ended => {
                    ended_job(
                        &self.transport,
                        &mut items,
                        &job.range,
                        &job.id,
                        ended.as_ref(),
                    );
                    false
                }
            });
            if outstanding.is_empty() {
                break;
            }
            let wait = if self.transport.settings().no_delay {
                POLL_NO_DELAY
            } else {
                next_poll(&outstanding, poll_wait)
            };
            tokio::time::sleep(wait).await;
            poll_wait = (poll_wait.mul_f64(1.5)).min(POLL_MAX);
        }
        let mut items = finish(&self.transport, items).into_iter();
        Ok(jobs
            .iter()
            .map(|(_, count)| items.by_ref().take(*count).collect())
            .collect())
    }
}

/// The outcome of every item: a missing one is unknown; credentials are taken out.
fn finish(transport: &Transport, items: Vec<Option<ItemOutcome>>) -> Vec<ItemOutcome> {
    items
        .into_iter()
        .map(|item| {
            scrubbed(
                transport,
                item.unwrap_or_else(|| ItemOutcome::Unknown {
                    reason: "no result was reported".to_owned(),
                }),
            )
        })
        .collect()
}

/// Records job `id` (items `range`), which ended with `status`, or is gone (`None`: it
/// expired or vanished before it reported, so its items are unknown), and tells the observer.
fn ended_job(
    transport: &Transport,
    items: &mut [Option<ItemOutcome>],
    range: &Range<usize>,
    id: &str,
    status: Option<&JobStatus>,
) {
    if let Some(status) = status {
        record(items, range, status);
        finished_event(transport, status);
        return;
    }
    let reason = format!("job `{id}` expired or vanished before it reported its results");
    for item in &mut items[range.clone()] {
        item.get_or_insert_with(|| ItemOutcome::Unknown {
            reason: reason.clone(),
        });
    }
    transport.observer().on_event(&ClientEvent::JobFinished {
        id,
        status: "expired",
    });
}

/// `item` with the credentials taken out of what a server wrote about it (an error body
/// that echoed the request, in a job's results).
fn scrubbed(transport: &Transport, mut item: ItemOutcome) -> ItemOutcome {
    match &mut item {
        ItemOutcome::Failed { error, details, .. } => {
            transport.scrub_text(error);
            transport.scrub_text(details);
        }
        ItemOutcome::Unknown { reason } => transport.scrub_text(reason),
        _ => {}
    }
    item
}

/// Tells the observer that a job ended, and how.
fn finished_event(transport: &Transport, status: &JobStatus) {
    let word = serde_json::to_value(status.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    transport.observer().on_event(&ClientEvent::JobFinished {
        id: &status.id,
        status: &word,
    });
}

/// Maps a finished job's results onto the items of its chunk: by `index` when the result has
/// one, else by position (results come in request order). Items left without a result are
/// unknown.
pub(crate) fn record(items: &mut [Option<ItemOutcome>], range: &Range<usize>, status: &JobStatus) {
    let chunk = &mut items[range.clone()];
    for (position, result) in status.results.iter().enumerate() {
        let index = result.position().unwrap_or(position);
        if let Some(slot) = chunk.get_mut(index)
            && (slot.is_none() || result.position().is_some())
        {
            *slot = Some(result.outcome().into());
        }
    }
    let reason = match status.status {
        JobState::Completed => format!(
            "job `{}` completed without a result for this item",
            status.id
        ),
        _ => format!(
            "job `{}` ended `{:?}`{}",
            status.id,
            status.status,
            status
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        )
        .to_lowercase(),
    };
    for slot in chunk {
        slot.get_or_insert_with(|| ItemOutcome::Unknown {
            reason: reason.clone(),
        });
    }
}

/// Records a submission that failed as a whole: refused data (or a redirect) fails every
/// item; anything else (lost answer, retries exhausted) leaves them unknown.
fn fill(items: &mut [Option<ItemOutcome>], range: &Range<usize>, error: &ZendeskError) {
    let outcome = match error {
        ZendeskError::Invalid { error: code, .. } => ItemOutcome::Failed {
            id: None,
            error: code.clone(),
            details: error.to_string(),
        },
        ZendeskError::Forbidden { .. } => ItemOutcome::Failed {
            id: None,
            error: "Forbidden".to_owned(),
            details: error.to_string(),
        },
        // Zendesk does not redirect its API: the answer is not Zendesk's, and the request
        // was not followed anywhere. Failed, with the redirect named, rather than unknown.
        ZendeskError::Rejected { status, .. } | ZendeskError::Redirected { status, .. } => {
            ItemOutcome::Failed {
                id: None,
                error: format!("HTTP {status}"),
                details: error.to_string(),
            }
        }
        _ => ItemOutcome::Unknown {
            reason: error.to_string(),
        },
    };
    for slot in &mut items[range.clone()] {
        *slot = Some(outcome.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::record;

    use crate::zendesk::ItemOutcome;
    use crate::zendesk::wire::JobStatus;

    fn status(json: &str) -> JobStatus {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn results_map_by_index_then_position() {
        let mut items = vec![None; 5];
        // The recorded partial failure: item 0 succeeds without an index, failures carry it.
        record(
            &mut items,
            &(2..5),
            &status(
                r#"{"id":"j","status":"completed","results":[
                {"action":"update","id":10,"status":"Updated","success":true},
                {"index":1,"error":"OrganizationUpdateFailed","id":11,"details":"Name:  X has already been taken"},
                {"index":2,"error":"OrganizationUpdateFailed","id":12,"details":"Name:  X has already been taken"}]}"#,
            ),
        );
        assert_eq!(items[0], None);
        assert_eq!(items[2], Some(ItemOutcome::Updated { id: Some(10) }));
        assert!(
            matches!(&items[3], Some(ItemOutcome::Failed { id: Some(11), error, .. }) if error == "OrganizationUpdateFailed")
        );
        assert!(matches!(
            items[4],
            Some(ItemOutcome::Failed { id: Some(12), .. })
        ));
    }

    #[test]
    fn missing_results_and_failed_jobs_are_unknown() {
        let mut items = vec![None; 3];
        record(
            &mut items,
            &(0..3),
            &status(r#"{"id":"j","status":"completed","results":[{"id":1,"status":"Created"}]}"#),
        );
        assert_eq!(items[0], Some(ItemOutcome::Created { id: Some(1) }));
        assert!(
            matches!(&items[1], Some(ItemOutcome::Unknown { reason }) if reason.contains("without a result"))
        );
        let mut items = vec![None; 2];
        record(
            &mut items,
            &(0..2),
            &status(
                r#"{"id":"k","status":"failed","message":"Failed at 2016","results":[{"index":0,"error":"E","details":"d"}]}"#,
            ),
        );
        assert!(matches!(items[0], Some(ItemOutcome::Failed { .. })));
        assert!(
            matches!(&items[1], Some(ItemOutcome::Unknown { reason }) if reason.contains("failed"))
        );
    }
}
