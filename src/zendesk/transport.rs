//! The HTTP core every client method goes through: authentication headers, pacing, retries
//! with backoff, counting, and turning answers into typed errors.
//!
//! What a server can make it do is bounded, so that nothing redirected or hostile makes a
//! run do what was not reviewed:
//! - **No redirect is followed** (`redirect::Policy::none`): a 3xx answer is
//!   [`ZendeskError::Redirected`], naming the status and the `Location`; no request, body or
//!   credential goes to any host but the configured one. Offset pages' `next_page` links are
//!   re-based onto the configured URL ([`Transport::rebase`]): only their path below
//!   `/api/v2/` and their query are kept, so a link to another host or scheme reaches the
//!   configured account (a proxy in `ZENDESK_URL` sees Zendesk's own host in those links).
//! - **Every wait is capped and counted against the deadline**: a `Retry-After` (429, 503)
//!   above [`MAX_WAIT`] (60 s, the length of Zendesk's rate-limit windows) is cut to it
//!   and the retry's reason says so; the pacer's waits, the incremental export's slots and
//!   the backoff (at most 30 s) are each checked before sleeping, and a wait that would take
//!   the request past `deadline` ends it with [`ZendeskError::DeadlineExceeded`] instead.
//! - **Bodies are capped** at [`ConnectionSettings::max_body`] (64 MiB by default, some
//!   ten times the largest real answer, a 1,000-user page of the incremental export) and
//!   read chunk by chunk, so memory stays bounded: a larger body is
//!   [`ZendeskError::BodyTooLarge`], and its `Content-Length` alone is enough to refuse it.
//!   No compression is negotiated (reqwest's decompression features are off), so a small
//!   body cannot expand past the cap either.
//! - **Errors are scrubbed**: every error leaving [`Transport::send_since`] and
//!   [`Transport::decode`] goes through [`Transport::scrub`], and an error body is scrubbed
//!   whole before any snippet of it is cut (see `scrubber`).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::de::IgnoredAny;

mod export_window;

use super::answer::Answer;
use super::limits::{EXPORT_PER_WINDOW, EXPORT_WINDOW};
use super::request_stats::endpoint_key;
use super::scrubber::Scrubber;
use super::{
    Auth, Backoff, ClientEvent, ConnectionSettings, Observer, Pacer, RateLimit, RequestStats,
    ZendeskError, rate_limit,
};

/// How long to wait after a 429 that names no `Retry-After` (the official Ruby client's default).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// The longest wait a server can ask for with `Retry-After`: Zendesk's rate-limit windows
/// are a minute long, so a longer wait is cut to this (and the retry's reason says so). The
/// request then asks again, within its attempts and its deadline.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(60);

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// GET, PUT, DELETE and the bulk endpoints whose effect is the same when repeated.
    Safe,
    /// A POST that creates: repeated only when Zendesk certainly did not act on it (429, or
    /// the connection was never made).
    Unsafe,
}

/// The shared HTTP core of a client and its clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    settings: ConnectionSettings,
    pacer: Mutex<Pacer>,
    stats: Mutex<RequestStats>,
    observer: Arc<dyn Observer>,
    /// Takes the credentials out of what servers send back.
    scrubber: Scrubber,
    /// When the last incremental-export requests were sent (at most
    /// [`EXPORT_PER_WINDOW`]), shared by every listing of this client.
    incremental_sent: Mutex<std::collections::VecDeque<tokio::time::Instant>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(
        settings: ConnectionSettings,
        observer: Arc<dyn Observer>,
    ) -> Result<Self, ZendeskError> {
        settings.validate()?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(AUTHORIZATION, authorization(&settings.auth)?);
        let http = reqwest::Client::builder()
            .user_agent(concat!("zroster/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            // A redirect is an error, never followed: see the module documentation.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .build()
            .map_err(ZendeskError::Client)?;
        let mut base = settings.base_url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self {
            http,
            base,
            pacer: Mutex::new(Pacer::new(settings.rate_limit_share)),
            stats: Mutex::new(RequestStats::default()),
            observer,
            scrubber: Scrubber::for_auth(&settings.auth),
            settings,
            incremental_sent: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    pub(crate) fn settings(&self) -> &ConnectionSettings {
        &self.settings
    }

    pub(crate) fn observer(&self) -> &dyn Observer {
        self.observer.as_ref()
    }

    pub(crate) fn rate_limit(&self) -> Option<u32> {
        self.pacer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .limit()
    }

    pub(crate) fn stats(&self) -> RequestStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn with_stats(&self, change: impl FnOnce(&mut RequestStats)) {
        change(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// `{base}/api/v2/{path}` with `query` (`path` without a leading slash).
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self
            .base
            .join("api/v2/")
            .and_then(|api| api.join(path))
            .unwrap_or_else(|_| self.base.clone());
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The same path and query as `next` (an absolute `next_page` URL from Zendesk) on our
    /// own base URL, so credentials never go to a host the settings did not name.
    pub(crate) fn rebase(&self, next: &str) -> Option<Url> {
        let parsed = Url::parse(next).or_else(|_| self.base.join(next)).ok()?;
        let at = parsed.path().find("/api/v2/")?;
        let mut url = self.url(&parsed.path()[at + "/api/v2/".len()..], &[]);
        url.set_query(parsed.query());
        Some(url)
    }

    /// The normalised endpoint of a URL: method, path below the base, ids as `{id}`.
    pub(crate) fn endpoint(&self, method: &Method, url: &Url) -> String {
        let base_path = self.base.path().trim_end_matches('/');
        let path = url.path().strip_prefix(base_path).unwrap_or(url.path());
        endpoint_key(method.as_str(), path)
    }

    /// Sends one logical request: pacing, retries within the deadline, typed errors.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        repeat: Repeat,
    ) -> Result<Answer, ZendeskError> {
        self.send_since(Instant::now(), method, url, body, repeat)
            .await
    }

    /// [`Transport::send`] for a request that has been waiting since `started` (for a slot
    /// of the incremental export): its deadline counts from then. Every error it returns is
    /// scrubbed of the credentials.
    pub(crate) async fn send_since(
        &self,
        started: Instant,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        repeat: Repeat,
    ) -> Result<Answer, ZendeskError> {
        let endpoint = self.endpoint(&method, &url);
        // Boxed: the attempts' state (pacing, the body being read, the retry) is large, and
        // every caller's future would otherwise carry it inline. One allocation a request.
        Box::pin(self.attempts(&endpoint, started, method, url, body, repeat))
            .await
            .map_err(|error| self.scrub(error))
    }

    async fn attempts(
        &self,
        endpoint: &str,
        started: Instant,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        repeat: Repeat,
    ) -> Result<Answer, ZendeskError> {
        let endpoint = endpoint.to_owned();
        let mut attempt: u32 = 0;
        loop {
            self.pace(&endpoint, started).await?;
            attempt += 1;
            self.with_stats(|stats| {
                stats.requests += 1;
                if attempt > 1 {
                    stats.retries += 1;
                }
                *stats.by_endpoint.entry(endpoint.clone()).or_default() += 1;
            });
            let sent = Instant::now();
            let mut request = self.http.request(method.clone(), url.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = match request.send().await {
                Ok(response) => Answer::read(&endpoint, response, self.settings.max_body).await?,
                Err(error) => Err(error),
            };
            let (wait, last) = match outcome {
                Ok(mut answer) => {
                    self.observe(&endpoint, &url, &answer, sent.elapsed());
                    if answer.status.is_success() {
                        return Ok(answer);
                    }
                    // From here on the body only makes an error message: take out what it
                    // echoed of the credentials before any of it is cut or shown.
                    answer.body = self.scrubber.scrub_bytes(std::mem::take(&mut answer.body));
                    let status = answer.status.as_u16();
                    if answer.status.is_redirection() {
                        return Err(ZendeskError::Redirected {
                            endpoint,
                            status,
                            location: answer.location(&url, &self.scrubber),
                        });
                    }
                    let asked = rate_limit::retry_after(&answer.headers, &answer.body);
                    let last = answer.describe();
                    match status {
                        429 => {
                            let (wait, last) = capped(asked.unwrap_or(DEFAULT_RETRY_AFTER), last);
                            self.pacer
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .block_until(Instant::now() + wait);
                            (wait, last)
                        }
                        409 | 500..=599 if repeat == Repeat::Safe => {
                            let backoff = Backoff::RETRY.jittered(attempt - 1);
                            match asked {
                                Some(asked) if status == 503 => capped(asked, last),
                                _ => (backoff, last),
                            }
                        }
                        409 | 500..=599 => {
                            return Err(ZendeskError::OutcomeUnknown {
                                endpoint,
                                reason: format!("Zendesk answered {last}"),
                            });
                        }
                        _ => return Err(self.error_for(&endpoint, &answer)),
                    }
                }
                Err(error) => {
                    self.with_stats(|stats| stats.connection_errors += 1);
                    let described = describe(&error);
                    if repeat == Repeat::Unsafe && !error.is_connect() {
                        return Err(ZendeskError::OutcomeUnknown {
                            endpoint,
                            reason: format!(
                                "the connection failed after the request was sent: {described}"
                            ),
                        });
                    }
                    (
                        Backoff::RETRY.jittered(attempt - 1),
                        format!("connection error: {described}"),
                    )
                }
            };
            let elapsed = started.elapsed();
            if attempt >= self.settings.max_attempts {
                return Err(ZendeskError::RetriesExhausted {
                    endpoint,
                    attempts: attempt,
                    last,
                    elapsed,
                });
            }
            self.check_deadline(&endpoint, started, wait, || format!("a retry after {last}"))?;
            let reason = self.scrubber.scrub(&last);
            self.observer.on_event(&ClientEvent::Retry {
                endpoint: &endpoint,
                attempt,
                reason: &reason,
                wait,
            });
            self.sleep(wait).await;
        }
    }

    /// One request whose answer comes back whatever its status, a refusal included: for
    /// `zroster probe`, which studies Zendesk's answers themselves. Paced and counted like
    /// every request; a 429 is waited out (its `Retry-After`, capped) and asked again, at
    /// most `attempts` times in all, each attempt reported to `sent`; nothing else is
    /// repeated. The body is scrubbed of the credentials.
    pub(crate) async fn exchange(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        attempts: u32,
        sent: &mut dyn FnMut(),
    ) -> Result<Answer, ZendeskError> {
        let endpoint = self.endpoint(&method, &url);
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace(&endpoint, started).await?;
            sent();
            self.with_stats(|stats| {
                stats.requests += 1;
                *stats.by_endpoint.entry(endpoint.clone()).or_default() += 1;
            });
            let time = Instant::now();
            let mut request = self.http.request(method.clone(), url.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|error| {
                self.scrub(ZendeskError::OutcomeUnknown {
                    endpoint: endpoint.clone(),
                    reason: format!("the connection failed: {}", describe(&error)),
                })
            })?;
            let mut answer = match Answer::read(&endpoint, response, self.settings.max_body).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(error)) => {
                    return Err(self.scrub(ZendeskError::OutcomeUnknown {
                        endpoint,
                        reason: format!("the answer was cut off: {}", describe(&error)),
                    }));
                }
                Err(error) => return Err(self.scrub(error)),
            };
            self.observe(&endpoint, &url, &answer, time.elapsed());
            answer.body = self.scrubber.scrub_bytes(std::mem::take(&mut answer.body));
            if answer.status.as_u16() != 429 || attempt >= attempts {
                return Ok(answer);
            }
            let asked = rate_limit::retry_after(&answer.headers, &answer.body);
            let (wait, last) = capped(asked.unwrap_or(DEFAULT_RETRY_AFTER), answer.describe());
            self.check_deadline(&endpoint, started, wait, || format!("a retry after {last}"))?;
            self.sleep(wait).await;
        }
    }

    /// Fails with [`ZendeskError::DeadlineExceeded`] when waiting `wait` more would take the
    /// request that started at `started` past the deadline; `what` names what it waits for.
    fn check_deadline(
        &self,
        endpoint: &str,
        started: Instant,
        wait: Duration,
        what: impl FnOnce() -> String,
    ) -> Result<(), ZendeskError> {
        let elapsed = started.elapsed();
        if elapsed.saturating_add(wait) > self.settings.deadline {
            return Err(ZendeskError::DeadlineExceeded {
                endpoint: endpoint.to_owned(),
                waiting_for: what(),
                wait,
                elapsed,
                deadline: self.settings.deadline,
            });
        }
        Ok(())
    }

    /// Waits for the pacer's permission to send, within the deadline of the request that
    /// started at `started`.
    async fn pace(&self, endpoint: &str, started: Instant) -> Result<(), ZendeskError> {
        loop {
            let wait = self
                .pacer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .reserve(Instant::now(), self.settings.no_delay);
            if wait.is_zero() {
                return Ok(());
            }
            self.check_deadline(endpoint, started, wait, || {
                "the rate limit (a `Retry-After`, or this run's share of the account's limit)"
                    .to_owned()
            })?;
            self.with_stats(|stats| stats.rate_limit_wait += wait);
            self.observer.on_event(&ClientEvent::Paced { wait });
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits until an incremental-export request may go: at most
    /// [`EXPORT_PER_WINDOW`] in any [`EXPORT_WINDOW`] (a sliding window, so never
    /// more within any of Zendesk's minutes either), and records it. Returns how long it
    /// waited. A fresh client sends its first ten pages at once rather than 6 s apart. A
    /// wait that would take the request that started at `started` past its deadline is
    /// [`ZendeskError::DeadlineExceeded`] instead.
    pub(crate) async fn incremental_slot(
        &self,
        endpoint: &str,
        started: Instant,
    ) -> Result<Duration, ZendeskError> {
        let mut waited = Duration::ZERO;
        loop {
            let wait = {
                let mut sent = self
                    .incremental_sent
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let now = tokio::time::Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= EXPORT_WINDOW)
                {
                    sent.pop_front();
                }
                if sent.len() < EXPORT_PER_WINDOW || self.settings.no_delay {
                    sent.push_back(now);
                    if sent.len() > EXPORT_PER_WINDOW {
                        sent.pop_front();
                    }
                    return Ok(waited);
                }
                sent.front().map_or(Duration::ZERO, |t| {
                    EXPORT_WINDOW.saturating_sub(now.duration_since(*t))
                })
            };
            self.check_deadline(endpoint, started, wait, || {
                "a slot of the incremental export (10 requests a minute)".to_owned()
            })?;
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// Sleeps unless the test switch turned delays off.
    pub(crate) async fn sleep(&self, wait: Duration) {
        if !self.settings.no_delay && !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// `error` with the credentials taken out of every text it carries.
    pub(crate) fn scrub(&self, error: ZendeskError) -> ZendeskError {
        error.scrubbed(&self.scrubber)
    }

    /// A text from a server (a job's message, an item's error) with the credentials taken
    /// out.
    pub(crate) fn scrub_text(&self, text: &mut String) {
        self.scrubber.scrub_in_place(text);
    }

    fn observe(&self, endpoint: &str, url: &Url, answer: &Answer, elapsed: Duration) {
        let status = answer.status.as_u16();
        self.with_stats(|stats| *stats.by_status.entry(status).or_default() += 1);
        let rate = RateLimit::from_headers(&answer.headers);
        if rate.is_known() {
            let unix = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            self.pacer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .observe(Instant::now(), unix, &rate);
        }
        let base_path = self.base.path().trim_end_matches('/');
        let mut target = url
            .path()
            .strip_prefix(base_path)
            .unwrap_or(url.path())
            .to_owned();
        if let Some(query) = url.query() {
            target.push('?');
            target.push_str(query);
        }
        self.observer.on_event(&ClientEvent::Response {
            endpoint,
            status,
            elapsed,
            target: &self.scrubber.scrub(&target),
            rate,
        });
    }

    /// Parses a successful answer's body; a body that is not JSON at all is
    /// [`ZendeskError::NotJson`], JSON of another shape [`ZendeskError::UnexpectedShape`]
    /// (both scrubbed of the credentials).
    pub(crate) fn decode<T>(
        &self,
        endpoint: &str,
        answer: &Answer,
        parse: impl FnOnce(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Result<T, ZendeskError> {
        parse(&answer.body).map_err(|error| {
            let error = if serde_json::from_slice::<IgnoredAny>(&answer.body).is_ok() {
                ZendeskError::UnexpectedShape {
                    endpoint: endpoint.to_owned(),
                    reason: error.to_string(),
                }
            } else {
                answer.not_json(endpoint, &self.scrubber)
            };
            self.scrub(error)
        })
    }

    /// The typed error of a non-success answer that is not retried.
    fn error_for(&self, endpoint: &str, answer: &Answer) -> ZendeskError {
        ZendeskError::from_response(
            endpoint,
            answer.status.as_u16(),
            &answer.body,
            self.settings.auth.hint(),
        )
    }
}

fn authorization(auth: &Auth) -> Result<HeaderValue, ZendeskError> {
    let text = match auth {
        Auth::ApiToken { email, token } => {
            let pair = format!("{email}/token:{}", token.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        }
        Auth::OAuth { token } => format!("Bearer {}", token.expose()),
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| ZendeskError::InvalidSetting {
        name: "credentials",
        value: "<redacted>".to_owned(),
        reason: "contain characters that cannot go into an HTTP header (a line break pasted with the token?)",
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `asked` cut to [`MAX_WAIT`], with `last` saying so when it was.
fn capped(asked: Duration, last: String) -> (Duration, String) {
    if asked > MAX_WAIT {
        let note = format!(
            "{last}; its `Retry-After` of {} s is capped at {} s",
            asked.as_secs(),
            MAX_WAIT.as_secs()
        );
        (MAX_WAIT, note)
    } else {
        (asked, last)
    }
}

/// A connection error with its causes, one line.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        String::new()
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.is_empty() {
        error.to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::Transport;
    use crate::zendesk::{Auth, ConnectionSettings, Secret, Silent};

    #[tokio::test(start_paused = true)]
    async fn the_eleventh_export_request_in_a_minute_waits_for_the_first_to_age_out() {
        let settings = ConnectionSettings::new(
            "http://127.0.0.1:9",
            Auth::OAuth {
                token: Secret::new("t".to_owned()),
            },
        )
        .unwrap();
        let transport = Transport::new(settings, Arc::new(Silent)).unwrap();
        let slot = || transport.incremental_slot("GET /api/v2/incremental", Instant::now());
        for _ in 0..10 {
            assert_eq!(slot().await.unwrap(), Duration::ZERO);
        }
        assert_eq!(slot().await.unwrap(), Duration::from_secs(61));
        // All ten aged out together: nine more go at once, then the window is full again.
        for _ in 0..9 {
            assert_eq!(slot().await.unwrap(), Duration::ZERO);
        }
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(slot().await.unwrap(), Duration::from_secs(31));
    }
}
