//! The probe's way to Zendesk: each request paced and counted by the client's transport,
//! held to the run's request budget, its answer returned whatever its status, and kept for
//! `--record` in the normalized form of `zendesk/recorded/`.

use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Method;
use serde_json::{Map, Value};

use super::ProbeError;
use crate::zendesk::{ConnectionSettings, Observer, RateLimit, Transport, ZendeskError};

/// Response headers a recording keeps (INDEX.md "Normalization rules").
const KEPT_HEADERS: [&str; 14] = [
    "content-type",
    "location",
    "retry-after",
    "x-rate-limit",
    "x-rate-limit-remaining",
    "rate-limit",
    "rate-limit-remaining",
    "rate-limit-reset",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "zendesk-ratelimit-limit",
    "zendesk-ratelimit-remaining",
    "zendesk-ratelimit-reset",
];

/// One answer as the experiments read it.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) rate: RateLimit,
    /// Which spelling of the rate-limit headers the answer used, if any.
    pub(crate) rate_headers: Option<&'static str>,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// One exchange as a recording holds it, before normalization.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) experiment: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) request: Option<Value>,
    pub(crate) status: u16,
    pub(crate) headers: Map<String, Value>,
    pub(crate) body: Value,
    pub(crate) at: String,
}

/// Sends the probe's requests within its budget.
pub(crate) struct Exchanger {
    transport: Transport,
    budget: u32,
    sent: Arc<Mutex<u32>>,
    experiment: Mutex<String>,
    exchanges: Mutex<Vec<Exchange>>,
}

impl Exchanger {
    pub(crate) fn new(
        settings: ConnectionSettings,
        observer: Arc<dyn Observer>,
        budget: u32,
    ) -> Result<Self, ZendeskError> {
        Ok(Self {
            transport: Transport::new(settings, observer)?,
            budget,
            sent: Arc::default(),
            experiment: Mutex::new(String::new()),
            exchanges: Mutex::default(),
        })
    }

    /// The account's base URL.
    pub(crate) fn account(&self) -> String {
        self.transport.settings().base_url.as_str().to_owned()
    }

    /// Whether waits are skipped (tests: [`crate::env_vars::ZROSTER_TEST_NO_DELAY`]).
    pub(crate) fn no_delay(&self) -> bool {
        self.transport.settings().no_delay
    }

    /// Requests sent so far.
    pub(crate) fn sent(&self) -> u32 {
        *self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Raises the budget by `more` requests (the cleanup's reserve).
    pub(crate) fn allow(&mut self, more: u32) {
        self.budget += more;
    }

    /// The experiment the following exchanges belong to (their recording's name).
    pub(crate) fn begin(&self, experiment: &str) {
        experiment.clone_into(
            &mut self
                .experiment
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// The exchanges so far, in order.
    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `METHOD /api/v2/{path}?{query}` with `body`; every answer comes back, a 429 after
    /// its waits. Refused without sending once the budget is spent.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Reply, ProbeError> {
        let url = self.transport.url(path, query);
        let left = self.budget.saturating_sub(self.sent());
        if left == 0 {
            return Err(ProbeError::Budget {
                budget: self.budget,
            });
        }
        let counter = Arc::clone(&self.sent);
        let mut count = || *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        let answer = self
            .transport
            .exchange(
                method.clone(),
                url.clone(),
                body.as_ref(),
                left.min(3),
                &mut count,
            )
            .await?;
        let status = answer.status.as_u16();
        let parsed = if answer.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer.body).into()))
        };
        let mut headers = Map::new();
        for name in KEPT_HEADERS {
            if let Some(value) = answer.headers.get(name).and_then(|v| v.to_str().ok()) {
                headers.insert(name.to_owned(), Value::String(value.to_owned()));
            }
        }
        let rate_headers = if headers.contains_key("ratelimit-limit") {
            Some("ratelimit-limit")
        } else if headers.contains_key("x-rate-limit") {
            Some("x-rate-limit")
        } else if headers.contains_key("rate-limit") {
            Some("rate-limit")
        } else {
            None
        };
        let base = self
            .transport
            .settings()
            .base_url
            .path()
            .trim_end_matches('/');
        let experiment = self
            .experiment
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Exchange {
                experiment,
                method: method.as_str().to_owned(),
                path: url
                    .path()
                    .strip_prefix(base)
                    .unwrap_or(url.path())
                    .to_owned(),
                query: url.query().unwrap_or_default().to_owned(),
                request: body,
                status,
                headers,
                body: parsed.clone(),
                at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            });
        Ok(Reply {
            status,
            body: parsed,
            rate: crate::zendesk::RateLimit::from_headers(&answer.headers),
            rate_headers,
        })
    }
}
