//! The HTTP core every client method goes through: authentication headers, pacing, retries
//! with backoff, counting, and turning answers into typed errors.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::IgnoredAny;

use super::error_body::{message_of, snippet};
use super::limits::{EXPORT_PER_WINDOW, EXPORT_WINDOW};
use super::request_stats::endpoint_key;
use super::{
    Auth, Backoff, ClientEvent, ConnectionSettings, Observer, Pacer, RateLimit, RequestStats,
    ZendeskError, rate_limit,
};

/// How long to wait after a 429 that names no `Retry-After` (the official Ruby client's default).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// GET, PUT, DELETE and the bulk endpoints whose effect is the same when repeated.
    Safe,
    /// A POST that creates: repeated only when Zendesk certainly did not act on it (429, or
    /// the connection was never made).
    Unsafe,
}

/// A successful answer.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// The shared HTTP core of a client and its clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    settings: ConnectionSettings,
    pacer: Mutex<Pacer>,
    stats: Mutex<RequestStats>,
    observer: Arc<dyn Observer>,
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
        let endpoint = self.endpoint(&method, &url);
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            self.pace().await;
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
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    // `Vec::from` takes over the buffer when it is not shared: no copy.
                    response.bytes().await.map(|body| Answer {
                        status,
                        headers,
                        body: Vec::from(body),
                    })
                }
                Err(error) => Err(error),
            };
            let (wait, last) = match outcome {
                Ok(answer) => {
                    self.observe(&endpoint, &answer, sent.elapsed());
                    if answer.status.is_success() {
                        return Ok(answer);
                    }
                    let status = answer.status.as_u16();
                    let retry_after = rate_limit::retry_after(&answer.headers, &answer.body);
                    let last = describe_answer(&answer);
                    match status {
                        429 => {
                            let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                            self.pacer
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .block_until(Instant::now() + wait);
                            (wait, last)
                        }
                        409 | 500..=599 if repeat == Repeat::Safe => {
                            let backoff = Backoff::RETRY.jittered(attempt - 1);
                            (
                                if status == 503 {
                                    retry_after.unwrap_or(backoff)
                                } else {
                                    backoff
                                },
                                last,
                            )
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
            if attempt >= self.settings.max_attempts || elapsed + wait > self.settings.deadline {
                return Err(ZendeskError::RetriesExhausted {
                    endpoint,
                    attempts: attempt,
                    last,
                    elapsed,
                });
            }
            self.observer.on_event(&ClientEvent::Retry {
                endpoint: &endpoint,
                attempt,
                reason: &last,
                wait,
            });
            self.sleep(wait).await;
        }
    }

    /// Waits for the pacer's permission to send.
    async fn pace(&self) {
        loop {
            let wait = self
                .pacer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .reserve(Instant::now(), self.settings.no_delay);
            if wait.is_zero() {
                return;
            }
            self.with_stats(|stats| stats.rate_limit_wait += wait);
            self.observer.on_event(&ClientEvent::Paced { wait });
            tokio::time::sleep(wait).await;
        }
    }

    /// Sleeps unless the test switch turned delays off.
    /// Waits until an incremental-export request may go: at most
    /// [`EXPORT_PER_WINDOW`] in any [`EXPORT_WINDOW`] (a sliding window, so never
    /// more within any of Zendesk's minutes either), and records it. Returns how long it
    /// waited. A fresh client sends its first ten pages at once rather than 6 s apart.
    pub(crate) async fn incremental_slot(&self) -> Duration {
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
                    return waited;
                }
                sent.front().map_or(Duration::ZERO, |t| {
                    EXPORT_WINDOW.saturating_sub(now.duration_since(*t))
                })
            };
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    pub(crate) async fn sleep(&self, wait: Duration) {
        if !self.settings.no_delay && !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn observe(&self, endpoint: &str, answer: &Answer, elapsed: Duration) {
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
        self.observer.on_event(&ClientEvent::Response {
            endpoint,
            status,
            elapsed,
        });
    }

    /// Parses a successful answer's body; a body that is not JSON at all is
    /// [`ZendeskError::NotJson`], JSON of another shape [`ZendeskError::UnexpectedShape`].
    pub(crate) fn decode<T>(
        endpoint: &str,
        answer: &Answer,
        parse: impl FnOnce(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Result<T, ZendeskError> {
        parse(&answer.body).map_err(|error| {
            if serde_json::from_slice::<IgnoredAny>(&answer.body).is_ok() {
                ZendeskError::UnexpectedShape {
                    endpoint: endpoint.to_owned(),
                    reason: error.to_string(),
                }
            } else {
                not_json(endpoint, answer)
            }
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

fn not_json(endpoint: &str, answer: &Answer) -> ZendeskError {
    ZendeskError::NotJson {
        endpoint: endpoint.to_owned(),
        status: answer.status.as_u16(),
        content_type: answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("none")
            .to_owned(),
        snippet: snippet(&answer.body),
    }
}

/// `429 Too Many Requests (APIRateLimitExceeded: …)`: status and what the body says.
fn describe_answer(answer: &Answer) -> String {
    let reason = answer.status.canonical_reason().unwrap_or("");
    let json = serde_json::from_slice::<serde_json::Value>(&answer.body).ok();
    let message = json
        .as_ref()
        .and_then(message_of)
        .unwrap_or_else(|| snippet(&answer.body));
    if message.is_empty() {
        format!("{} {reason}", answer.status.as_u16())
    } else {
        format!("{} {reason} ({message})", answer.status.as_u16())
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
    use std::time::Duration;

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
        for _ in 0..10 {
            assert_eq!(transport.incremental_slot().await, Duration::ZERO);
        }
        assert_eq!(transport.incremental_slot().await, Duration::from_secs(61));
        // All ten aged out together: nine more go at once, then the window is full again.
        for _ in 0..9 {
            assert_eq!(transport.incremental_slot().await, Duration::ZERO);
        }
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(transport.incremental_slot().await, Duration::from_secs(31));
    }
}
