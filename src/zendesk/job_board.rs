//! The bulk jobs one client has in flight, whatever operation submitted them. Zendesk lets an
//! account have only so many jobs queued or running at once ([`ACCOUNT_JOB_LIMIT`]), so
//! operations running side by side (users created while others are updated, memberships
//! added meanwhile) draw their jobs from one set of slots: together they never ask for more
//! than the client's `max_jobs`. And one poller asks about every job on the board in one
//! `job_statuses/show_many` request a round, just after the first of them should finish at
//! the rate its progress moves, rather than one poll loop an operation. A job's slot is
//! freed when a poll sees the job finished (or gone), and whoever waits for the job hears
//! how it ended.
//!
//! [`ACCOUNT_JOB_LIMIT`]: super::ACCOUNT_JOB_LIMIT

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use reqwest::Method;

use super::limits::SHOW_MANY_LIMIT;
use super::transport::{Repeat, Transport};
use super::wire::{JobStatus, Page};
use super::{ClientEvent, ReadClient, ZendeskError};

/// First wait between polls; it grows by half each poll up to [`POLL_MAX`].
pub(crate) const POLL_FIRST: Duration = Duration::from_millis(500);
pub(crate) const POLL_MAX: Duration = Duration::from_secs(5);
/// The shortest wait between polls, whatever progress predicts.
const POLL_MIN: Duration = Duration::from_millis(250);
/// With delays turned off (tests), polls still leave the emulator a moment to work.
pub(crate) const POLL_NO_DELAY: Duration = Duration::from_millis(2);

/// How a job on the board ended: finished (its last status), gone before it reported
/// (`None`: expired or vanished), or a poll failed (every job waited for hears why, and its
/// items' outcome is unknown: the caller re-reads them).
pub(crate) type Polled = Result<Option<JobStatus>, String>;

/// A job in flight: its id, the items it carries, and how fast it progresses.
pub(crate) struct Outstanding {
    pub(crate) id: String,
    pub(crate) range: Range<usize>,
    /// The first answer that showed progress, and the latest: `(when, progress, total)`.
    first: Option<(Instant, u64)>,
    latest: Option<(Instant, u64, u64)>,
}

impl Outstanding {
    pub(crate) fn new(id: String, range: Range<usize>) -> Self {
        Self {
            id,
            range,
            first: None,
            latest: None,
        }
    }

    /// Notes a poll's answer about this unfinished job, and reports its progress.
    pub(crate) fn observe(&mut self, transport: &Transport, status: &JobStatus) {
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
pub(crate) fn next_poll<'a>(
    outstanding: impl IntoIterator<Item = &'a Outstanding>,
    backoff: Duration,
) -> Duration {
    let now = Instant::now();
    outstanding
        .into_iter()
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

/// The latest status of each of `ids`, in one `show_many` request for every 100 (jobs on a
/// board are at most [`ACCOUNT_JOB_LIMIT`](super::ACCOUNT_JOB_LIMIT): one request); a job
/// missing from the answer is asked about alone, and is `None` when Zendesk no longer knows
/// it.
pub(crate) async fn statuses(
    client: &ReadClient,
    ids: &[String],
) -> Result<HashMap<String, Option<JobStatus>>, ZendeskError> {
    let transport = &client.transport;
    let mut found: HashMap<String, Option<JobStatus>> = HashMap::new();
    for chunk in ids.chunks(SHOW_MANY_LIMIT) {
        let joined = chunk.join(",");
        let url = transport.url("job_statuses/show_many", &[("ids", joined.as_str())]);
        let endpoint = transport.endpoint(&Method::GET, &url);
        let answer = transport.send(Method::GET, url, None, Repeat::Safe).await?;
        let page = transport.decode(&endpoint, &answer, |body| {
            Page::<JobStatus>::from_json(body, "job_statuses")
        })?;
        found.extend(
            page.items
                .into_iter()
                .map(|status| (status.id.clone(), Some(status))),
        );
    }
    for id in ids {
        if !found.contains_key(id) {
            let status = client.job_status(id).await?;
            found.insert(id.clone(), status);
        }
    }
    Ok(found)
}

/// The jobs in flight of one client and its clones.
#[derive(Debug)]
pub(crate) struct JobBoard {
    /// One permit a job queued or running.
    slots: Arc<Semaphore>,
    state: Mutex<Board>,
}

#[derive(Default)]
struct Board {
    watched: Vec<Watched>,
    /// Whether a poller runs (it stops when the board is empty).
    polling: bool,
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Board")
            .field("watched", &self.watched.len())
            .field("polling", &self.polling)
            .finish()
    }
}

struct Watched {
    job: Outstanding,
    /// Whoever waits for the job; taken when it hears the end.
    done: Option<oneshot::Sender<Polled>>,
    /// The job's slot, freed with it.
    _slot: Option<OwnedSemaphorePermit>,
}

impl JobBoard {
    /// A board with `slots` jobs in flight at most.
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            state: Mutex::new(Board::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Board> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a free slot; the job submitted with it keeps it until it finishes. `None`
    /// never happens (the slots are never closed) and means no limit.
    pub(crate) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.slots).acquire_owned().await.ok()
    }

    /// Puts job `job` (submitted with `slot`, whose first answer was `status`) on the board
    /// until a poll sees it end; the receiver hears how. Starts the poller if none runs.
    pub(crate) fn watch(
        self: &Arc<Self>,
        client: &ReadClient,
        mut job: Outstanding,
        status: &JobStatus,
        slot: Option<OwnedSemaphorePermit>,
    ) -> oneshot::Receiver<Polled> {
        job.observe(&client.transport, status);
        let (done, heard) = oneshot::channel();
        let start = {
            let mut board = self.lock();
            board.watched.push(Watched {
                job,
                done: Some(done),
                _slot: slot,
            });
            !std::mem::replace(&mut board.polling, true)
        };
        if start {
            tokio::spawn(Arc::clone(self).poll_while_watching(client.clone()));
        }
        heard
    }

    /// Polls every job on the board, one request a round, until the board is empty.
    async fn poll_while_watching(self: Arc<Self>, client: ReadClient) {
        let transport = &client.transport;
        let mut backoff = POLL_FIRST;
        loop {
            let wait = {
                let mut board = self.lock();
                if board.watched.is_empty() {
                    board.polling = false;
                    return;
                }
                if transport.settings().no_delay {
                    POLL_NO_DELAY
                } else {
                    next_poll(board.watched.iter().map(|w| &w.job), backoff)
                }
            };
            let waiting = Instant::now();
            tokio::time::sleep(wait).await;
            let ids: Vec<String> = self
                .lock()
                .watched
                .iter()
                .map(|w| w.job.id.clone())
                .collect();
            let answer = statuses(&client, &ids).await;
            transport.with_stats(|stats| stats.job_wait += waiting.elapsed());
            backoff = backoff.mul_f64(1.5).min(POLL_MAX);
            let mut board = self.lock();
            let answer = match answer {
                Ok(answer) => answer,
                Err(error) => {
                    // Every job waited for hears the error; the caller re-reads its items.
                    for mut watched in board.watched.drain(..) {
                        if let Some(done) = watched.done.take() {
                            let _ = done.send(Err(error.to_string()));
                        }
                    }
                    continue;
                }
            };
            let before = board.watched.len();
            board.watched.retain_mut(|watched| {
                let ended = match answer.get(&watched.job.id) {
                    // Put on the board after this round's ids were taken.
                    None => return true,
                    Some(Some(status)) if !status.status.is_finished() => {
                        watched.job.observe(transport, status);
                        return true;
                    }
                    Some(ended) => ended.clone(),
                };
                if let Some(done) = watched.done.take() {
                    let _ = done.send(Ok(ended));
                }
                false
            });
            if board.watched.len() < before {
                backoff = POLL_FIRST;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Outstanding, POLL_MIN, next_poll};

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
}
