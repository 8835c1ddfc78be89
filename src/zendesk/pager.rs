//! Walking a paginated listing page by page: cursor, offset or incremental export.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::answer::Answer;
use super::error_body::snippet;
use super::page_trail::{PageTrail, Stop};
use super::transport::{Repeat, Transport};
use super::wire::Page;
use super::{ClientEvent, ZendeskError};

/// Which pagination style a listing uses, which decides how the next page is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageStyle {
    /// `page[size]=100`, next with `page[after]=meta.after_cursor`, end when `meta.has_more`
    /// is false (`links.next` stays set on the last page).
    Cursor,
    /// Follow `next_page` until it is null.
    Offset,
    /// Incremental export: next with `cursor=after_cursor`, end on `end_of_stream`.
    Incremental,
}

/// Answers a prefetching pager may hold that its caller has not taken yet (a page of 100
/// users is about 80 KB).
const AHEAD: usize = 8;

/// An async iterator over the pages of one listing. Each [`Pager::next_page`] is one request
/// (plus retries); nothing is fetched before it is asked for, unless the pager was made
/// [`prefetching`](Pager::prefetching).
pub struct Pager<T> {
    transport: Arc<Transport>,
    key: &'static str,
    style: PageStyle,
    next: Option<Url>,
    last_cursor: Option<String>,
    pages: u64,
    /// The cursors followed, and the listing's bounds.
    trail: PageTrail,
    /// Request the next cursor pages while the current one is being decoded.
    prefetch: bool,
    /// The pages requested ahead, once the first page is asked for.
    ahead: Option<Ahead>,
    marker: PhantomData<fn() -> T>,
}

/// A task that walks a cursor listing ahead of the caller: it reads each answer's cursor
/// (skipping the items), sends the next request at once, and queues the answers in order.
struct Ahead {
    task: JoinHandle<()>,
    answers: mpsc::Receiver<(Url, Result<Answer, ZendeskError>)>,
}

impl Drop for Ahead {
    fn drop(&mut self) {
        // A caller that stops early does not want the pages asked for in advance.
        self.task.abort();
    }
}

impl Ahead {
    fn start(transport: Arc<Transport>, first: Url, key: &'static str) -> Self {
        let (queue, answers) = mpsc::channel(AHEAD);
        let task = tokio::spawn(async move {
            let mut url = first;
            let mut asked = std::collections::HashSet::new();
            loop {
                asked.insert(url.clone());
                let answer = transport
                    .send(Method::GET, url.clone(), None, Repeat::Safe)
                    .await;
                let next = answer.as_ref().ok().and_then(|answer| {
                    let cursor = Page::skim(&answer.body, key)
                        .ok()?
                        .next_cursor()?
                        .to_owned();
                    let next = with_param(&url, "page[after]", &cursor, &[]);
                    // A cursor that repeats: the caller reports it; stop here.
                    (!asked.contains(&next)).then_some(next)
                });
                if queue.send((url, answer)).await.is_err() {
                    return;
                }
                match next {
                    Some(next) => url = next,
                    None => return,
                }
            }
        });
        Self { task, answers }
    }

    /// The answer for `url`, or `None` when the task did not ask for it (it stopped, or its
    /// reading of a cursor differed from the caller's).
    async fn answer(&mut self, url: &Url) -> Option<Result<Answer, ZendeskError>> {
        match self.answers.recv().await {
            Some((asked, answer)) if asked == *url => Some(answer),
            _ => None,
        }
    }
}

impl<T> std::fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("key", &self.key)
            .field("style", &self.style)
            .field("next", &self.next.as_ref().map(Url::as_str))
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Pager<T> {
    pub(crate) fn new(
        transport: Arc<Transport>,
        first: Url,
        key: &'static str,
        style: PageStyle,
    ) -> Self {
        Self {
            transport,
            key,
            style,
            trail: PageTrail::starting_at(first.as_str()),
            next: Some(first),
            last_cursor: None,
            pages: 0,
            prefetch: false,
            ahead: None,
            marker: PhantomData,
        }
    }

    /// For callers that read every page: each cursor page's successor is requested as soon as
    /// its cursor is known, by a task that reads only the cursor and runs up to
    /// 8 answers ahead of the caller, so the next pages travel while the current one
    /// is decoded. The requests are the same as without prefetching; only their timing
    /// changes. Offset and incremental listings are not prefetched.
    #[must_use]
    pub fn prefetching(mut self) -> Self {
        self.prefetch = self.style == PageStyle::Cursor;
        self
    }

    /// Fetches the next page; `None` once the listing is exhausted. A listing that goes in
    /// a circle or on past its bounds (see `page_trail`) is an error.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, ZendeskError> {
        self.read_page()
            .await
            .map_err(|error| self.transport.scrub(error))
    }

    async fn read_page(&mut self) -> Result<Option<Vec<T>>, ZendeskError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let endpoint = self.transport.endpoint(&Method::GET, &url);
        let started = Instant::now();
        if self.style == PageStyle::Incremental {
            // Zendesk allows 10 incremental-export requests a minute, for the whole account:
            // wait for a slot rather than collect 429s.
            let wait = self.transport.incremental_slot(&endpoint, started).await?;
            if !wait.is_zero() {
                self.transport
                    .with_stats(|stats| stats.rate_limit_wait += wait);
                self.transport
                    .observer()
                    .on_event(&ClientEvent::Paced { wait });
            }
        }
        let key = self.key;
        if self.prefetch && self.pages == 0 && self.ahead.is_none() {
            self.ahead = Some(Ahead::start(Arc::clone(&self.transport), url.clone(), key));
        }
        let ahead = match &mut self.ahead {
            Some(ahead) => ahead.answer(&url).await,
            None => None,
        };
        let answer = if let Some(answer) = ahead {
            answer?
        } else {
            // Not prefetched, or the look-ahead went another way: stop it, ask directly.
            self.ahead = None;
            self.transport
                .send_since(started, Method::GET, url.clone(), None, Repeat::Safe)
                .await?
        };
        let page: Page<T> = self
            .transport
            .decode(&endpoint, &answer, |body| Page::from_json(body, key))?;
        self.pages += 1;
        let next = match self.style {
            PageStyle::Cursor => page
                .next_cursor()
                .map(|cursor| (cursor, with_param(&url, "page[after]", cursor, &[]))),
            PageStyle::Incremental => page
                .next_incremental_cursor()
                .map(|cursor| (cursor, with_param(&url, "cursor", cursor, &["start_time"]))),
            PageStyle::Offset => match page.next_offset_url() {
                // Re-based onto the configured URL: a link to another host or scheme reaches
                // the configured account, never that host.
                Some(link) => match self.transport.rebase(link) {
                    Some(next) => Some((link, next)),
                    None => {
                        return Err(ZendeskError::UnexpectedShape {
                            endpoint,
                            reason: format!(
                                "`next_page` is not an API URL: `{}`",
                                snippet(link.as_bytes())
                            ),
                        });
                    }
                },
                None => None,
            },
        };
        let followed = next.as_ref().map(|(_, next)| next.as_str());
        match self.trail.follow(page.items.len(), page.count, followed) {
            Ok(()) => {}
            Err(Stop::Repeated) => {
                return Err(ZendeskError::PaginationStuck {
                    endpoint,
                    cursor: next.map_or_else(String::new, |(cursor, _)| snippet(cursor.as_bytes())),
                });
            }
            Err(Stop::TooManyPages(reason)) => {
                return Err(ZendeskError::PaginationRunaway {
                    endpoint,
                    pages: self.trail.pages(),
                    reason,
                });
            }
        }
        self.next = next.map(|(_, next)| next);
        if let Some(cursor) = page
            .after_cursor
            .or_else(|| page.meta.and_then(|meta| meta.after_cursor))
        {
            self.last_cursor = Some(cursor);
        }
        Ok(Some(page.items))
    }

    /// Fetches every remaining page and returns all items in order.
    pub async fn collect_all(mut self) -> Result<Vec<T>, ZendeskError> {
        let mut all = Vec::new();
        while let Some(items) = self.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }
}

impl<T> Pager<T> {
    /// Pages fetched so far.
    #[must_use]
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The last cursor seen; for the incremental export, where the next sync resumes.
    #[must_use]
    pub fn last_cursor(&self) -> Option<&str> {
        self.last_cursor.as_deref()
    }

    /// Whether another page may follow.
    #[must_use]
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

/// `url` with `name=value` replacing any earlier `name` and without the `drop` parameters.
fn with_param(url: &Url, name: &str, value: &str, drop: &[&str]) -> Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name && !drop.contains(&key.as_ref()))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let mut next = url.clone();
    next.set_query(None);
    {
        let mut pairs = next.query_pairs_mut();
        pairs.extend_pairs(kept);
        pairs.append_pair(name, value);
    }
    next
}

#[cfg(test)]
mod tests {
    use reqwest::Url;

    use super::with_param;

    #[test]
    fn cursor_parameters_replace_earlier_ones() {
        let first =
            Url::parse("http://127.0.0.1:1/api/v2/users?role%5B%5D=agent&page%5Bsize%5D=100")
                .unwrap();
        let second = with_param(&first, "page[after]", "abc=", &[]);
        let third = with_param(&second, "page[after]", "def", &[]);
        let pairs: Vec<(String, String)> = third
            .query_pairs()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("role[]".into(), "agent".into()),
                ("page[size]".into(), "100".into()),
                ("page[after]".into(), "def".into())
            ]
        );
        let incremental =
            Url::parse("http://h/api/v2/incremental/users/cursor?start_time=5").unwrap();
        let next = with_param(&incremental, "cursor", "Zm9v", &["start_time"]);
        assert_eq!(next.query(), Some("cursor=Zm9v"));
    }
}
