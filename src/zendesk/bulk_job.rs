//! Running a bulk write as jobs: chunks of at most 100 items, at most `max_jobs` queued or
//! running at once, all outstanding jobs polled together with `job_statuses/show_many`, and
//! every item's result mapped back to its index in the submission.

use std::ops::Range;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};

use super::limits::BULK_LIMIT;
use super::transport::{Repeat, Transport};
use super::wire::{JobState, JobStatus, parse_object};
use super::{BulkOutcome, ClientEvent, ItemOutcome, ReadClient, Stop, ZendeskError};

/// First wait between polls; it grows by half each poll up to [`POLL_MAX`].
const POLL_FIRST: Duration = Duration::from_millis(500);
const POLL_MAX: Duration = Duration::from_secs(5);
/// The shortest wait between polls, whatever progress predicts.
const POLL_MIN: Duration = Duration::from_millis(250);
/// With delays turned off (tests), polls still leave the emulator a moment to work.
const POLL_NO_DELAY: Duration = Duration::from_millis(2);

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
}

struct Outstanding {
    id: String,
    range: Range<usize>,
    /// The first answer that showed progress, and the latest: `(when, progress, total)`.
    first: Option<(Instant, u64)>,
    latest: Option<(Instant, u64, u64)>,
}

impl Outstanding {
    fn new(id: String, range: Range<usize>) -> Self {
        Self {
            id,
            range,
            first: None,
            latest: None,
        }
    }

    /// Notes a poll's answer about this unfinished job, and reports its progress.
    fn observe(&mut self, transport: &Transport, status: &JobStatus) {
        let (Some(progress), Some(total)) = (status.progress, status.total) else {
            return;
        };
        transport.observer().on_event(&ClientEvent::JobProgress {
            id: &status.id,
            progress,
            total,
        });
        let now = Instant::now();
        if progress > 0 && self.first.is_none() {
            self.first = Some((now, progress));
        }
        self.latest = Some((now, progress, total));
    }

    /// When the job should be done, from the rate its progress moved at between two polls.
    fn expected_done(&self) -> Option<Instant> {
        let ((t0, p0), (t1, p1, total)) = (self.first?, self.latest?);
        let elapsed = t1.duration_since(t0).as_secs_f64();
        if p1 <= p0 || elapsed <= 0.0 {
            return None;
        }
        let per_second = (p1 - p0) as f64 / elapsed;
        Some(t1 + Duration::from_secs_f64(total.saturating_sub(p1) as f64 / per_second))
    }
}

/// The wait before the next poll: the backoff, shortened to just after the moment the first
/// outstanding job should finish at the rate its progress has moved (so a finished job's slot
/// is refilled soon), never below [`POLL_MIN`].
fn next_poll(outstanding: &[Outstanding], backoff: Duration) -> Duration {
    let now = Instant::now();
    outstanding
        .iter()
        .filter_map(Outstanding::expected_done)
        .min()
        .map_or(backoff, |done| {
            // A tenth more, for progress that is reported in steps.
            let until = done.saturating_duration_since(now);
            (until + until / 10 + Duration::from_millis(50))
                .min(backoff)
                .max(POLL_MIN.min(backoff))
        })
}

impl BulkJob<'_> {
    /// Submits every chunk and waits for every job. A 401, or a 403 on the first submission
    /// (the caller may then fall back to single requests), is returned as an error; other
    /// failed submissions are recorded per item.
    pub(crate) async fn run(&self, client: &ReadClient) -> Result<BulkOutcome, ZendeskError> {
        let transport = &client.transport;
        let max_jobs = transport.settings().effective_max_jobs();
        let chunks: Vec<Range<usize>> = (0..self.count)
            .step_by(BULK_LIMIT)
            .map(|start| start..(start + BULK_LIMIT).min(self.count))
            .collect();
        let mut items: Vec<Option<ItemOutcome>> = vec![None; self.count];
        let mut outstanding: Vec<Outstanding> = Vec::new();
        let mut next_chunk = 0;
        let mut finished = 0;
        let mut poll_wait = POLL_FIRST;
        loop {
            while outstanding.len() < max_jobs
                && next_chunk < chunks.len()
                && !self.stop.is_raised()
            {
                let range = chunks[next_chunk].clone();
                next_chunk += 1;
                match self.submit_chunk(transport, range.clone()).await {
                    Ok(status) => {
                        transport.with_stats(|stats| stats.jobs_submitted += 1);
                        transport.observer().on_event(&ClientEvent::JobSubmitted {
                            id: &status.id,
                            items: range.clone(),
                        });
                        if status.status.is_finished() {
                            record(&mut items, &range, &status);
                            finished_event(transport, &status);
                            finished += 1;
                        } else {
                            let mut job = Outstanding::new(status.id.clone(), range);
                            job.observe(transport, &status);
                            outstanding.push(job);
                        }
                    }
                    Err(error @ ZendeskError::Authentication { .. }) => return Err(error),
                    // Only a refusal of the first job means "bulk imports disabled": the
                    // caller then runs every item as a single request.
                    Err(error @ ZendeskError::Forbidden { .. }) if next_chunk == 1 => {
                        return Err(error);
                    }
                    Err(error) => fill(&mut items, &range, &error),
                }
            }
            transport.observer().on_event(&ClientEvent::Jobs {
                finished,
                submitted: next_chunk,
                total: chunks.len(),
            });
            if outstanding.is_empty() {
                if next_chunk == chunks.len() || self.stop.is_raised() {
                    break;
                }
                continue;
            }
            let wait = if transport.settings().no_delay {
                POLL_NO_DELAY
            } else {
                next_poll(&outstanding, poll_wait)
            };
            let waiting = Instant::now();
            tokio::time::sleep(wait).await;
            poll_wait = (poll_wait.mul_f64(1.5)).min(POLL_MAX);
            let polled = poll(client, &mut outstanding, &mut items).await;
            transport.with_stats(|stats| stats.job_wait += waiting.elapsed());
            let done = polled?;
            if !done.is_empty() {
                poll_wait = POLL_FIRST;
                finished += done.len();
                outstanding.retain(|job| !done.contains(&job.id));
            }
        }
        // Stopped: the chunks never submitted.
        for range in &chunks[next_chunk..] {
            for item in &mut items[range.clone()] {
                *item = Some(ItemOutcome::NotSubmitted);
            }
        }
        let items = items
            .into_iter()
            .map(|item| {
                scrubbed(
                    transport,
                    item.unwrap_or_else(|| ItemOutcome::Unknown {
                        reason: "no result was reported".to_owned(),
                    }),
                )
            })
            .collect();
        Ok(BulkOutcome {
            items,
            jobs: next_chunk,
            fell_back_to_single_requests: false,
        })
    }

    async fn submit_chunk(
        &self,
        transport: &Transport,
        range: Range<usize>,
    ) -> Result<JobStatus, ZendeskError> {
        let (method, url, body) = (self.submit)(range);
        let endpoint = transport.endpoint(&method, &url);
        let answer = transport
            .send(method, url, body.as_ref(), self.repeat)
            .await?;
        transport.decode(&endpoint, &answer, |body| parse_object(body, "job_status"))
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
            let done = poll(self, &mut outstanding, &mut items).await?;
            outstanding.retain(|job| !done.contains(&job.id));
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
        let mut items = items.into_iter().map(|item| {
            scrubbed(
                &self.transport,
                item.unwrap_or_else(|| ItemOutcome::Unknown {
                    reason: "no result was reported".to_owned(),
                }),
            )
        });
        Ok(jobs
            .iter()
            .map(|(_, count)| items.by_ref().take(*count).collect())
            .collect())
    }
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

/// Polls every outstanding job in one `show_many` request (they are at most
/// [`ACCOUNT_JOB_LIMIT`](super::ACCOUNT_JOB_LIMIT), below its 100 ids), asks separately about
/// jobs missing from the answer, and records finished ones. Returns the ids of finished jobs.
async fn poll(
    client: &ReadClient,
    outstanding: &mut [Outstanding],
    items: &mut [Option<ItemOutcome>],
) -> Result<Vec<String>, ZendeskError> {
    let ids: Vec<String> = outstanding.iter().map(|job| job.id.clone()).collect();
    let statuses = client.job_statuses(&ids).await?;
    let mut done = Vec::new();
    for job in outstanding {
        let status = match statuses.iter().find(|status| status.id == job.id) {
            Some(status) => Some(status.clone()),
            None => client.job_status(&job.id).await?,
        };
        match status {
            Some(status) if status.status.is_finished() => {
                record(items, &job.range, &status);
                finished_event(&client.transport, &status);
                done.push(job.id.clone());
            }
            Some(status) => job.observe(&client.transport, &status),
            None => {
                let reason = format!(
                    "job `{}` expired or vanished before it reported its results",
                    job.id
                );
                for item in &mut items[job.range.clone()] {
                    item.get_or_insert_with(|| ItemOutcome::Unknown {
                        reason: reason.clone(),
                    });
                }
                client
                    .transport
                    .observer()
                    .on_event(&ClientEvent::JobFinished {
                        id: &job.id,
                        status: "expired",
                    });
                done.push(job.id.clone());
            }
        }
    }
    Ok(done)
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
    use std::time::{Duration, Instant};

    use super::{Outstanding, POLL_MIN, next_poll, record};

    #[test]
    fn polls_come_just_after_the_job_should_finish_at_its_rate_of_progress() {
        let now = Instant::now();
        let job = Outstanding::new("j".to_owned(), 0..100);
        // No progress seen yet: the backoff.
        assert_eq!(
            next_poll(&[job], Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        let mut job = Outstanding::new("j".to_owned(), 0..100);
        job.first = Some((now.checked_sub(Duration::from_secs(1)).unwrap(), 25));
        job.latest = Some((now, 75, 100));
        // 50 items a second, 25 left: done in half a second; polled a little after.
        let wait = next_poll(std::slice::from_ref(&job), Duration::from_secs(5));
        assert!(
            wait > Duration::from_millis(500) && wait < Duration::from_millis(700),
            "{wait:?}"
        );
        // Never later than the backoff, never sooner than the floor.
        assert_eq!(
            next_poll(std::slice::from_ref(&job), Duration::from_millis(400)),
            Duration::from_millis(400)
        );
        job.latest = Some((now, 100, 100));
        assert_eq!(next_poll(&[job], Duration::from_secs(5)), POLL_MIN);
    }

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
